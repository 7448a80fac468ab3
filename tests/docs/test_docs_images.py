"""The pictures of README.md and docs/: each one shown is in docs/images/ and is made by
scripts/make_screenshots.py (`make screenshots`), so none can go stale unseen."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "make_screenshots.py"
IMAGES_DIR = REPO / "docs" / "images"
# ![alt](path) and <img src="path">; a link's "title" after the path is allowed.
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)


def script_images() -> tuple[str, ...]:
    """``IMAGES`` of the script, read without running it (it starts Qt and models)."""
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "IMAGES" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{SCRIPT} has no IMAGES = (...)")


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def references(text: str) -> list[str]:
    """The images a Markdown text shows (remote ones left out)."""
    found = MARKDOWN_IMAGE.findall(text) + HTML_IMAGE.findall(text)
    return [ref for ref in found if not re.match(r"[a-z]+:", ref)]


def test_references_are_found_in_both_forms():
    text = '![a](images/x.png) <img width="40" src="images/y.png"> ![c](https://e.org/z.png)'
    assert references(text) == ["images/x.png", "images/y.png"]


def test_every_image_shown_exists_in_docs_images_and_is_made_by_the_script():
    made = set(script_images())
    shown = []
    for doc in documents():
        for ref in references(doc.read_text(encoding="utf-8")):
            path = (doc.parent / ref).resolve()
            where = f"{doc.relative_to(REPO)}: {ref}"
            assert path.parent == IMAGES_DIR, f"{where} is not in docs/images/"
            assert path.is_file(), f"{where} does not exist"
            assert path.name in made, f"{where} is not in {SCRIPT.name}'s IMAGES"
            shown.append(path.name)
    assert "main_window.png" in shown  # the README's first picture, found by the patterns


def test_docs_hold_no_picture_the_script_does_not_make():
    made = set(script_images())
    pictures = [
        p for p in (REPO / "docs").rglob("*") if p.suffix.lower() in (".png", ".jpg", ".svg")
    ]
    stray = sorted(str(p.relative_to(REPO)) for p in pictures if p.name not in made)
    assert not stray, f"not made by {SCRIPT.name}: {stray}"
    assert {p.name for p in IMAGES_DIR.glob("*.png")} == made  # each one made is committed


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_script_makes_every_image(tmp_path):
    """The whole walkthrough in the offscreen window, with the builtin model (~30 s)."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    from PySide6.QtGui import QImage

    for name in script_images():
        image = QImage(str(tmp_path / name))
        assert not image.isNull() and image.width() >= 600, name

"""The wheel and the sdist hold every file the program reads: the sample corpus, its
description, the probe and swap lists, and anything else under llmstudio/resources/."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "llmstudio" / "resources"


def resource_files() -> set[str]:
    """Every file under llmstudio/resources/, as a path inside the package."""
    return {
        path.relative_to(REPO).as_posix()
        for path in RESOURCES.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_checkout_has_the_resources_the_program_reads():
    names = resource_files()
    for needed in (
        "llmstudio/resources/sample_corpus.csv",
        "llmstudio/resources/SAMPLE_CORPUS.md",
        "llmstudio/resources/probes/eec_style.csv",
        "llmstudio/resources/probes/winobias_occupations.csv",
        "llmstudio/resources/swaps/gender.csv",
    ):
        assert needed in names


def test_the_wheel_holds_every_resource_file(built_here):
    with zipfile.ZipFile(built_here.wheel) as wheel:
        inside = set(wheel.namelist())
        missing = sorted(resource_files() - inside)
        assert missing == [], f"not in {built_here.wheel.name}: {missing}"
        assert "llmstudio/cli/__init__.py" in inside and "llmstudio/gui/app.py" in inside
        (entry_points,) = [n for n in inside if n.endswith(".dist-info/entry_points.txt")]
        assert "llmstudio = llmstudio.launch:main" in wheel.read(entry_points).decode()


def test_the_sdist_holds_every_resource_file(built_here):
    with tarfile.open(built_here.sdist) as sdist:
        top = sdist.getnames()[0].split("/")[0]  # llmstudio-0.1.0/
        inside = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
    missing = sorted(resource_files() - inside)
    assert missing == [], f"not in {built_here.sdist.name}: {missing}"
    assert "pyproject.toml" in inside and "README.md" in inside

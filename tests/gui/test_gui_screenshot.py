"""Screenshots: the offscreen render used for the README and by ``--screenshot``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from llmstudio.core.paths import sample_corpus

ROOT = Path(__file__).resolve().parents[2]


def distinct_colours(image: QImage, step: int = 7) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_screenshot_function(qapp, tmp_path):
    from llmstudio.gui.app import screenshot

    out = screenshot(sample_corpus(), tmp_path / "shots" / "main.png")
    assert out.exists() and out.read_bytes().startswith(b"\x89PNG")
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1360, 820)
    assert distinct_colours(image) > 20  # a real window, not a blank rectangle


def run_cli(tmp_path, config, *args):
    """``python -m llmstudio ARGS`` offscreen, with every per-user folder in ``tmp_path``."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        LLMSTUDIO_CONFIG_DIR=str(config),
        XDG_CONFIG_HOME=str(tmp_path / "xdg_config"),
        XDG_STATE_HOME=str(tmp_path / "xdg_state"),
        XDG_CACHE_HOME=str(tmp_path / "xdg_cache"),
        # This checkout's llmstudio, not whichever is installed (the command runs elsewhere).
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    )
    return subprocess.run(
        [sys.executable, "-m", "llmstudio", *map(str, args)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_screenshot_command(tmp_path, isolated_config):
    out = tmp_path / "OUT.png"
    result = run_cli(
        tmp_path,
        isolated_config,
        ROOT / "llmstudio" / "resources" / "sample_corpus.csv",
        "--screenshot",
        out,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1360, 820)
    assert distinct_colours(image) > 20


def test_screenshot_without_a_file_is_the_start_page(tmp_path, isolated_config):
    out = tmp_path / "start.png"
    result = run_cli(tmp_path, isolated_config, "--screenshot", out)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1360, 820)
    assert distinct_colours(image) > 20
    missing = run_cli(tmp_path, isolated_config, tmp_path / "gone.csv", "--screenshot", out)
    assert missing.returncode != 0 and "gone.csv: no such file" in missing.stderr


def test_screenshot_to_an_unwritable_place_is_a_clear_error(tmp_path, isolated_config):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    sample = ROOT / "llmstudio" / "resources" / "sample_corpus.csv"
    for out in (tmp_path / "shot.bmpx", a_file / "shot.png"):  # no such format; no folder
        result = run_cli(tmp_path, isolated_config, sample, "--screenshot", out)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        assert str(out) in result.stderr

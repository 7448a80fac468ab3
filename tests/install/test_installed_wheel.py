"""The wheel installed into a fresh virtual environment outside the checkout (no system or
checkout site-packages), its ``llmstudio`` run from a folder outside the checkout: the
version, the headless demo (the builtin model with the default runtime), the bias swaps,
the EEC probe and a window screenshot work and write what they say. Slow: it builds the
wheel in isolation and installs every dependency (torch from this machine's disk, the rest
through pip as anyone's install would)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tomllib
from pathlib import Path

import pytest
import wheel_venv

from llmstudio.core.backends.device import gpu_hardware

# Building in isolation and installing every dependency takes minutes on a busy 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a fresh environment with the wheel installed."""
    built = wheel_venv.build(tmp_path_factory.mktemp("dist"))
    folder = tmp_path_factory.mktemp("env") / "venv"
    wheel_venv.install(built.wheel, folder)
    return wheel_venv.bin_dir(folder)


@pytest.fixture
def llmstudio(installed, tmp_path):
    """``llmstudio(*args)`` -> CompletedProcess of the installed command, run in a folder
    outside the checkout with its own config folder and no display."""
    env = wheel_venv.clean_environment()
    env.update(
        LLMSTUDIO_CONFIG_DIR=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        QT_QPA_PLATFORM="offscreen",
    )
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env.pop("LLMSTUDIO_RUNTIME", None)  # the default runtime, as a fresh install has it
    work = tmp_path / "work"
    work.mkdir()
    assert REPO not in work.parents

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(installed / "llmstudio"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )

    run.work = work
    return run


def test_it_runs_the_installed_copy_not_the_checkout(installed, llmstudio):
    done = subprocess.run(
        [str(installed / "python"), "-c", "import llmstudio, sys; print(llmstudio.__file__)"],
        cwd=llmstudio.work,
        env=wheel_venv.clean_environment(),
        capture_output=True,
        text=True,
    )
    where = Path(done.stdout.strip())
    assert installed.parent in where.parents and REPO not in where.parents


def test_version(llmstudio):
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    done = llmstudio("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"llmstudio {version}"


def test_demo_writes_its_files(llmstudio):
    done = llmstudio("demo", "--out", "demo")
    assert done.returncode == 0, done.stderr
    out = llmstudio.work / "demo"
    for name in (
        "inspect.json",
        "sample.llmstudio",
        "sample_export.csv",
        "sample_export.xlsx",
        "sample_export.parquet",
        "main_window.png",
    ):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "inspect.json").read_text())["rows"] == 300
    header = (out / "sample_export.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "sentiment_label" in header  # the model's results are in the export
    assert_window_png(out / "main_window.png")
    assert "Traceback" not in done.stderr
    # The builtin model ran with the default runtime: on a computer without a GPU, ONNX
    # Runtime in float32, converted in this environment with what the wheel installed.
    with sqlite3.connect(out / "sample.llmstudio") as db:
        (fingerprint,) = db.execute("SELECT fingerprint FROM runs").fetchone()
    fingerprint = json.loads(fingerprint)
    if not gpu_hardware():
        assert (fingerprint["runtime"], fingerprint["precision"]) == ("onnxruntime", "float32")


def test_bias_swaps_with_the_bundled_list(llmstudio):
    data = llmstudio.work / "answers.csv"
    data.write_text(
        "text\nHe said the service was great.\nShe thought the food was awful.\n"
        "My brother loved the film.\nHis wife hated the wait.\n",
        encoding="utf-8",
    )
    done = llmstudio("bias", str(data), "--swap", "gender", "--model", "lexicon", "--out", "bias")
    assert done.returncode == 0, done.stderr
    assert "gender (" in done.stdout  # the bundled list was found and named
    report = json.loads((llmstudio.work / "bias" / "report.json").read_text())
    assert (report["status"], report["rows_with_swaps"], report["rows_failed"]) == ("done", 4, 0)
    assert report["n"] == 4 and report["swaps_made"] >= 4
    for name in ("report.json", "rows.csv", "report.md"):
        assert (llmstudio.work / "bias" / name).stat().st_size > 0


def test_probe_uses_the_bundled_eec_style_set(llmstudio):
    done = llmstudio(
        "probe", "--model", "lexicon", "--probe", "eec", "--limit", "52", "--out", "probe"
    )
    assert done.returncode == 0, done.stderr
    assert "EEC-style template set" in done.stdout  # resources/probes/eec_style.csv
    report = json.loads((llmstudio.work / "probe" / "report.json").read_text())
    assert (report["n_sentences"], report["n_errors"]) == (52, 0)
    for name in ("report.json", "rows.csv", "report.md"):
        assert (llmstudio.work / "probe" / name).stat().st_size > 0


def test_screenshot_of_the_window(llmstudio):
    data = llmstudio.work / "answers.csv"
    data.write_text("text\nfirst answer\nsecond answer\n", encoding="utf-8")
    done = llmstudio("--screenshot", "shot.png", str(data))
    assert done.returncode == 0, done.stderr
    assert_window_png(llmstudio.work / "shot.png")


def assert_window_png(path: Path) -> None:
    """A real PNG of a window: a window's size, and drawn (many colours, not one fill)."""
    from PySide6.QtGui import QImage

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    assert image.width() >= 800 and image.height() >= 500, image.size()
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50, len(colours)

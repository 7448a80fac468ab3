"""packaging/linux/smoke.sh and install.sh, run against stand-in app folders (the real
PyInstaller build takes minutes and is checked by `make package` itself).

A stand-in app is a folder laid out like the built one (``llmstudio`` executable,
``_internal/llmstudio/resources``): either the real program started through this checkout's
Python (the smoke checks must pass) or a broken one (each check must fail, saying which).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "packaging" / "linux" / "smoke.sh"
INSTALL = ROOT / "packaging" / "linux" / "install.sh"


def stand_in_app(folder: Path, body: str) -> Path:
    """An app folder whose ``llmstudio`` runs the bash ``body``, with the package's
    resources where the built app has them."""
    internal = folder / "_internal"
    internal.mkdir(parents=True)
    (internal / "llmstudio").symlink_to(ROOT / "llmstudio")
    exe = folder / "llmstudio"
    exe.write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
    exe.chmod(0o755)
    return folder


def run_script(script: Path, *args: str, env: dict | None = None, cwd: Path):
    """``bash script args`` in ``cwd`` (a temporary folder: a stand-in writes nothing into
    the checkout)."""
    return subprocess.run(
        ["bash", str(script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def test_smoke_fails_a_broken_app_and_says_what_failed(tmp_path):
    # Prints a wrong version and does nothing else: every check must fail.
    app = stand_in_app(tmp_path / "app", 'echo "llmstudio 9.9.9"')
    done = run_script(SMOKE, str(app), cwd=tmp_path)
    assert done.returncode == 1
    assert "FAILED: --version printed 'llmstudio 9.9.9'" in done.stderr
    assert "FAILED: demo wrote no sample_export.csv" in done.stderr
    assert "FAILED: demo's inspect.json does not say 300 rows" in done.stderr
    assert "FAILED: demo's methods record names no ONNX Runtime run" in done.stderr
    assert "FAILED: int8 run of the builtin model failed" in done.stderr
    assert "FAILED: bias did not compare rows" in done.stderr
    assert "FAILED: bias wrote no report.json" in done.stderr
    assert "FAILED: probe did not score the EEC-style set" in done.stderr
    assert "FAILED: --screenshot wrote no file (it said: llmstudio 9.9.9)" in done.stderr
    assert "FAILED: the window exited with status 0 within 15 s" in done.stderr
    assert "failed its checks" in done.stderr


def test_smoke_fails_a_screenshot_that_is_not_a_png(tmp_path):
    # Writes a text file where the PNG should be (the last argument): the check reads the
    # PNG's own header, not the file name.
    app = stand_in_app(tmp_path / "app", 'case "${@: -1}" in *.png) echo hello > "${@: -1}";; esac')
    done = run_script(SMOKE, str(app), cwd=tmp_path)
    assert done.returncode == 1
    assert "FAILED: --screenshot wrote not-a-png, 6 bytes" in done.stderr


def test_smoke_fails_an_app_that_crashes(tmp_path):
    app = stand_in_app(
        tmp_path / "app",
        'echo "Traceback (most recent call last):" >&2; echo "ImportError: no torch" >&2; exit 1',
    )
    done = run_script(SMOKE, str(app), cwd=tmp_path)
    assert done.returncode == 1
    assert "FAILED: demo exited with an error" in done.stderr
    assert "ImportError: no torch" in done.stderr  # the app's own words are shown


@pytest.mark.slow
def test_smoke_passes_the_real_program(tmp_path):
    # The program itself, through this checkout's Python: what the smoke checks expect of
    # the demo's files and the screenshot must match what the program writes (a change to
    # the demo fails here, in the test suite, not only in `make package`).
    body = f'PYTHONPATH="{ROOT}" exec "{sys.executable}" -m llmstudio "$@"'
    app = stand_in_app(tmp_path / "app", body)
    done = run_script(SMOKE, str(app), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: demo labelled the sample's 300 rows" in done.stdout
    # smoke.sh starts the app with an empty environment: the default runtime, not the
    # suite's LLMSTUDIO_RUNTIME=torch (conftest), so the demo converts the builtin model.
    assert "ok: demo ran the builtin model with ONNX Runtime (float32)" in done.stdout
    assert "ok: int8: the builtin model quantised and labelled 20 rows" in done.stdout
    assert "ok: --screenshot wrote a 1360x820 PNG" in done.stdout
    assert "ok: probe: " in done.stdout and "ok: bias: " in done.stdout
    assert "ok: the window ran until stopped after 15 s" in done.stdout


def test_install_adds_and_removes_the_menu_entry(tmp_path):
    app = stand_in_app(tmp_path / "my apps" / "llmstudio", "exit 0")
    data = tmp_path / "share"
    env = dict(os.environ, XDG_DATA_HOME=str(data))
    done = run_script(INSTALL, str(app), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    entry = (data / "applications" / "llmstudio.desktop").read_text(encoding="utf-8")
    assert f'Exec="{app}/llmstudio" %f' in entry.splitlines()  # quoted: a space in the path
    assert "Icon=llmstudio" in entry.splitlines()
    icon = data / "icons" / "hicolor" / "48x48" / "apps" / "llmstudio.png"
    assert icon.read_bytes() == (ROOT / "llmstudio/resources/icons/llmstudio-48.png").read_bytes()

    done = run_script(INSTALL, "--remove", env=env, cwd=tmp_path)
    assert done.returncode == 0
    assert not (data / "applications" / "llmstudio.desktop").exists()
    assert not icon.exists()
    assert app.is_dir()  # the app itself is left alone


def test_install_without_a_built_app_says_so(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"))
    done = run_script(INSTALL, str(tmp_path / "nowhere"), env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert f"no app folder at {tmp_path / 'nowhere'}: build it first with 'make package'" in (
        done.stderr
    )
    assert not (tmp_path / "share").exists()


def test_the_workflows_other_systems_check_files_the_demo_writes():
    """The Windows and macOS apps are smoke-tested by the workflow itself (smoke.sh is bash
    for Linux): each demo file it looks for must be one smoke.sh looks for, which the real
    program is checked against above (a renamed output once left the workflow looking for
    a file the demo no longer wrote)."""
    import re

    workflow = (ROOT / ".github" / "workflows" / "package.yml").read_text(encoding="utf-8")
    looked_for = set(re.findall(r'test -s "\$RUNNER_TEMP/demo/([^"]+)"', workflow))
    smoke = SMOKE.read_text(encoding="utf-8")
    listed = re.search(r"for f in ([^;]+); do\n\s*\[ -s \"\$WORK/demo/", smoke)
    assert listed, "smoke.sh's list of the demo's files moved: update this test"
    written = set(listed.group(1).replace("\\", " ").split())
    assert "sample_export.csv" in written and len(looked_for) >= 2
    assert looked_for <= written, looked_for - written

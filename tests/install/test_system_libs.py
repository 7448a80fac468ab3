"""scripts/ensure_system_libs.sh (what `make run` and `make test` call first): on a machine
missing Qt's system libraries it says which packages it installs and why before it runs apt,
and LLMSTUDIO_NO_SYSTEM_INSTALL=1 turns that into printing the command. Run against fake
ldconfig, fc-list, id and apt-get programs, so nothing is installed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ensure_system_libs.sh"

pytestmark = pytest.mark.skipif(
    os.uname().sysname != "Linux", reason="the script acts on Linux only"
)


def fake_machine(tmp_path: Path, *, libraries: str, uid: int) -> Path:
    """A folder of fake programs: ldconfig lists ``libraries``, a font is there or not,
    ``id -u`` says ``uid``, apt-get records its arguments in apt.log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    programs = {
        "ldconfig": f"printf '%s\\n' {libraries!r}",
        "fc-list": "true",  # no font
        "id": f"echo {uid}",
        "apt-get": f'echo "$@" >> {tmp_path / "apt.log"}',
    }
    for name, body in programs.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return bin_dir


def run_script(bin_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def apt_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


def test_as_root_it_says_what_it_installs_and_why_then_installs(tmp_path):
    done = run_script(fake_machine(tmp_path, libraries="libEGL.so.1 libGL.so.1", uid=0))
    assert done.returncode == 0, done.stderr
    said = done.stdout.strip().splitlines()
    assert len(said) == 1  # one line, before apt runs
    assert said[0].startswith("Installing system packages Qt needs to open the window")
    assert "libxkbcommon0" in said[0] and "fonts-dejavu-core" in said[0]
    assert "libegl1" not in said[0]  # present: not installed
    assert "LLMSTUDIO_NO_SYSTEM_INSTALL=1" in said[0]
    calls = apt_calls(tmp_path)
    assert calls[0] == "update -qq"
    assert calls[1].startswith("install -y -qq") and "libxkbcommon0" in calls[1]


def test_the_variable_prints_the_command_instead(tmp_path):
    bin_dir = fake_machine(tmp_path, libraries="", uid=0)
    done = run_script(bin_dir, LLMSTUDIO_NO_SYSTEM_INSTALL="1")
    assert done.returncode == 0
    assert apt_calls(tmp_path) == []
    assert "install them with: apt-get install -y libegl1 libgl1" in done.stderr
    assert done.stdout == ""


def test_not_root_prints_the_sudo_command(tmp_path):
    done = run_script(fake_machine(tmp_path, libraries="", uid=1000))
    assert apt_calls(tmp_path) == []
    assert "install them with: sudo apt-get install -y libegl1" in done.stderr


def test_nothing_missing_says_nothing(tmp_path):
    every = " ".join(
        line.split()[1] for line in SCRIPT.read_text().splitlines() if line.startswith("need ")
    )
    bin_dir = fake_machine(tmp_path, libraries=every, uid=0)
    (bin_dir / "fc-list").write_text("#!/bin/sh\necho 'DejaVu Sans'\n")
    done = run_script(bin_dir)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert apt_calls(tmp_path) == []

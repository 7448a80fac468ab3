"""The Makefile's set-up, on a copy with a fake .venv (nothing is installed): `make run`
installs what running needs only, `make test` after it only the test extras, and `make
launcher` links ~/.local/bin/llmstudio and says when that folder is not on the PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The Makefile and pyproject.toml beside a .venv whose programs are fakes."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, body in (("python", "exit 0"), ("llmstudio", "echo fake llmstudio $@")):
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return tmp_path


def make(checkout: Path, *args: str, home: Path | None = None, path: str | None = None):
    env = dict(os.environ, HOME=str(home or checkout / "home"))
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def stamp(checkout: Path, name: str) -> None:
    """Mark a set-up step done: its stamp newer than pyproject.toml."""
    path = checkout / ".venv" / name
    path.touch()
    later = (checkout / "pyproject.toml").stat().st_mtime + 5
    os.utime(path, (later, later))


def test_run_installs_what_running_needs_only(checkout):
    planned = make(checkout, "-n", "run").stdout
    assert "pip install --disable-pip-version-check -q -e .\n" in planned
    assert "[test]" not in planned


def test_test_after_run_installs_only_the_test_extras(checkout):
    stamp(checkout, ".installed-run")
    planned = make(checkout, "-n", "test").stdout
    assert "-e '.[test]'" in planned
    assert "torch==2.13.0" not in planned and "-q -e .\n" not in planned


def test_launcher_links_the_command_and_says_when_its_folder_is_off_the_path(checkout):
    stamp(checkout, ".installed-run")
    home = checkout / "home"
    done = make(checkout, "launcher", path="/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    link = home / ".local" / "bin" / "llmstudio"
    assert link.resolve() == (checkout / ".venv" / "bin" / "llmstudio").resolve()
    assert subprocess.run([str(link), "--version"], capture_output=True, text=True).stdout == (
        "fake llmstudio --version\n"
    )
    assert "is not on your PATH" in done.stdout
    on_path = make(checkout, "launcher", path=f"{home}/.local/bin:/usr/bin:/bin")
    assert on_path.returncode == 0 and "not on your PATH" not in on_path.stdout

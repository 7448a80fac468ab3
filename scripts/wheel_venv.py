#!/usr/bin/env python3
"""Build llmstudio's wheel and install it into a fresh virtual environment, as a user would.

    .venv/bin/python scripts/wheel_venv.py /tmp/try   # then: /tmp/try/bin/llmstudio --version

One home for what the wheel test (tests/install/) and the benchmark
(benchmarks/wheel_install.py) both do. The environment has no access to the system's or
the checkout's site-packages; torch 2.13.0 is installed first (the CPU build: from this
machine's disk where pip's find-links hold it, else from the index), then the wheel, whose
other dependencies pip resolves from the index as it would for anyone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Kept in step with the Makefile: an unpinned torch pulls a multi-GB CUDA build.
TORCH = "torch==2.13.0"


@dataclass
class Built:
    """A wheel and an sdist built from this checkout, and how long that took."""

    wheel: Path
    sdist: Path | None
    seconds: float


def build(outdir: Path, *, sdist: bool = True, isolated: bool = True) -> Built:
    """Build the wheel (and the sdist) into ``outdir`` with ``python -m build``.

    Built from a copy of the files git knows (committed or not, never ignored), as a clean
    clone would be: a leftover ``*.egg-info`` or ``build/`` of an earlier build in the
    checkout would otherwise hand setuptools an old file list. ``isolated=False`` builds
    with this environment's setuptools (no download: the fast test); the default is what a
    release does. The wheel is built from the sdist, so a file missing from the sdist is
    missing from the wheel too.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="llmstudio-src-") as scratch:
        source = Path(scratch) / "llmstudio"
        copy_sources(source)
        command = [sys.executable, "-m", "build", "--outdir", str(outdir.resolve())]
        if not sdist:
            command.append("--wheel")
        if not isolated:
            command.append("--no-isolation")
        started = time.perf_counter()
        done = subprocess.run([*command, str(source)], capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"python -m build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    wheels = sorted(outdir.glob("llmstudio-*.whl"))
    sdists = sorted(outdir.glob("llmstudio-*.tar.gz"))
    return Built(wheels[-1], sdists[-1] if sdist else None, seconds)


def copy_sources(target: Path) -> None:
    """Copy the checkout's files that git knows (tracked, or new and not ignored) to
    ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        origin = REPO / name
        if origin.is_file():  # a deleted but still tracked file is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / name)


def clean_environment() -> dict[str, str]:
    """This process's environment without anything that would let the checkout or another
    environment leak into the fresh one."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONUSERBASE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONNOUSERSITE"] = "1"
    # The checkout's .venv/bin may be first on PATH (make test): the fresh one's must not
    # be shadowed by it, so the checkout's goes.
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))
    )
    return env


def bin_dir(folder: Path) -> Path:
    """The folder of an environment's programs (``bin``, ``Scripts`` on Windows)."""
    return folder / ("Scripts" if os.name == "nt" else "bin")


def install(wheel: Path, folder: Path) -> dict[str, float]:
    """A fresh environment in ``folder`` with torch and then ``wheel`` installed; returns
    the seconds each step took (``venv``, ``torch``, ``wheel``)."""
    times = {}
    started = time.perf_counter()
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(folder)
    times["venv"] = time.perf_counter() - started
    python = bin_dir(folder) / "python"
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    for step, what in (("torch", TORCH), ("wheel", str(wheel))):
        started = time.perf_counter()
        done = subprocess.run(
            pip + [what], capture_output=True, text=True, env=clean_environment(), cwd=folder
        )
        if done.returncode != 0:
            raise RuntimeError(f"pip install {what} failed:\n{done.stderr[-4000:]}")
        times[step] = time.perf_counter() - started
    return times


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0].startswith("-"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    folder = Path(argv[0]).resolve()
    built = build(folder.parent / f"{folder.name}-dist")
    print(f"built {built.wheel.name} ({built.wheel.stat().st_size / 1e6:.2f} MB)")
    times = install(built.wheel, folder)
    print(f"installed into {folder} in {sum(times.values()):.0f} s: {bin_dir(folder)}/llmstudio")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

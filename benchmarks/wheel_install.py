"""The wheel as users get it: its size, how long a fresh install takes, how fast it starts.

    .venv/bin/python benchmarks/wheel_install.py [--repeat 5] [--write]

Builds the wheel and sdist from this checkout (``python -m build``, isolated, as a release
does; scripts/wheel_venv.py), then, in a fresh virtual environment outside the checkout:
``pip install torch==2.13.0`` (the CPU build, from this machine's disk where pip's
find-links hold it), then ``pip install`` of the wheel (its other dependencies from the
index, or pip's cache). Baseline for the install: the wheel alone (``--no-deps``, into the
same environment again), i.e. what llmstudio itself costs beside its dependencies.

Start-up: process start -> main window shown and painted, the same measurement as
benchmarks/gui_responsiveness.py (its STARTUP_APP), run by the installed environment's
Python from a folder outside the checkout, against the checkout's own environment in the
same run (goal of issue 16: the installed package under 2 s). Also the wall time of the
installed ``llmstudio --version`` and ``llmstudio --screenshot`` commands.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

import wheel_venv  # noqa: E402  (scripts/ on the path above)
from gui_responsiveness import STARTUP_APP, _child  # noqa: E402

GOAL_START_S = 2.0


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def wall(command: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="start-up runs of each")
    ap.add_argument("--keep", type=Path, help="build and install here and keep it")
    ap.add_argument("--write", action="store_true", help="record in benchmarks/RESULTS.md")
    args = ap.parse_args()

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="llmstudio-wheel-"))
    try:
        built = wheel_venv.build(scratch / "dist")
        env_dir = scratch / "venv"
        times = wheel_venv.install(built.wheel, env_dir)
        bin_dir = wheel_venv.bin_dir(env_dir)
        env = wheel_venv.clean_environment()
        started = time.perf_counter()
        subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps",
             "--force-reinstall", str(built.wheel)],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        alone_s = time.perf_counter() - started

        work = scratch / "work"
        work.mkdir(exist_ok=True)
        run_env = dict(env, LLMSTUDIO_CONFIG_DIR=str(scratch / "config"))
        installed, checkout = [], []
        for _ in range(args.repeat):  # interleaved: drift in the machine hits both alike
            installed.append(_child(STARTUP_APP, python=str(bin_dir / "python"), cwd=work,
                                    env=run_env)[0])  # fmt: skip
            checkout.append(_child(STARTUP_APP)[0])
        sample = work / "sample.csv"
        shutil.copy(ROOT / "llmstudio" / "resources" / "sample_corpus.csv", sample)
        shot_env = dict(run_env, QT_QPA_PLATFORM="offscreen")
        version_s = statistics.median(
            wall([str(bin_dir / "llmstudio"), "--version"], work, shot_env)
            for _ in range(args.repeat)
        )
        shot_s = statistics.median(
            wall([str(bin_dir / "llmstudio"), "--screenshot", "s.png", str(sample)], work,
                 shot_env)
            for _ in range(args.repeat)
        )  # fmt: skip
        env_mb = folder_mb(env_dir)
        wheel_mb, sdist_mb = (f.stat().st_size / 1e6 for f in (built.wheel, built.sdist))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    start_s, base_s = statistics.median(installed), statistics.median(checkout)
    met = "met" if start_s < GOAL_START_S else "MISSED"
    rows = [
        "| measurement | value |",
        "| --- | --- |",
        f"| wheel `{built.wheel.name}` | {wheel_mb:.2f} MB |",
        f"| sdist `{built.sdist.name}` | {sdist_mb:.2f} MB |",
        f"| build wheel + sdist (`python -m build`, isolated) | {built.seconds:.1f} s |",
        f"| fresh venv | {times['venv']:.1f} s |",
        f"| `pip install torch==2.13.0` (CPU build, from disk) | {times['torch']:.1f} s |",
        f"| `pip install` the wheel (its other dependencies from the index/cache) "
        f"| {times['wheel']:.1f} s |",
        f"| baseline: the wheel alone (`--no-deps --force-reinstall`) | {alone_s:.1f} s |",
        f"| fresh install in all (venv + torch + wheel) | {sum(times.values()):.1f} s |",
        f"| installed environment on disk | {env_mb:,.0f} MB |",
        f"| start-up to window shown, installed wheel (median of {args.repeat}) "
        f"| {start_s:.2f} s (goal < {GOAL_START_S:.0f} s: {met}) |",
        f"| baseline: the same from the checkout's .venv (editable) | {base_s:.2f} s "
        f"(installed / checkout {start_s / base_s:.2f}x) |",
        f"| installed `llmstudio --version` (median) | {version_s:.2f} s |",
        f"| installed `llmstudio --screenshot` on the 300-row sample (median) | {shot_s:.2f} s |",
    ]
    table = "\n".join(rows)
    print(table)
    if args.write:
        from import_speed import machine_line, write_section

        load = os.getloadavg()[0]
        write_section(
            "Wheel: size, install, start-up",
            f"{machine_line()}\n\n`benchmarks/wheel_install.py --repeat {args.repeat}`, "
            f"offscreen Qt, {time.strftime('%Y-%m-%d %H:%M')} UTC; load average (1 min) "
            f"at the end {load:.2f} on {os.cpu_count()} CPUs (other work on the machine "
            f"slows every time here).\n\n{table}\n",
        )


if __name__ == "__main__":
    main()

"""The Linux desktop app (PyInstaller one-folder, dist/llmstudio/): its size, its build time
and how fast it starts, against the installed package started the same way.

    python benchmarks/app_bundle.py [--app dist/llmstudio] [--build] [--repeat 7] [--write]

* size: the app folder on disk (``du``), its file count and its largest parts;
* build: with ``--build``, ``make package``'s steps are run and timed with this Python: the
  PyInstaller build (into a fresh ``build/pyinstaller``) and packaging/linux/smoke.sh;
* start-up, the median and the minimum of ``--repeat`` rounds (each round runs every
  command once), process start to exit, offscreen Qt, in a bare environment (``env -i``)
  and a fresh settings folder:
  - ``--version``: the frozen interpreter and the command line loading;
  - launch to the window shown: ``FILE --screenshot OUT.png`` on the bundled sample, i.e.
    the main window created, the sample read into it, painted and saved as a PNG;
  - baseline, same run: the installed package's ``llmstudio`` script (the virtual
    environment this script runs in) doing the same.
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

# As in the Makefile's `package` target.
PYINSTALLER_ARGS = ("--noconfirm", "--log-level", "WARN", "--distpath", "dist", "--workpath",
                    "build/pyinstaller", "packaging/llmstudio.spec")  # fmt: skip
GOAL_S = 3.0  # issue 16: the bundled app's window within 3 s on this 2-core machine


def timed(command: list[str], config: Path) -> float:
    """Seconds from starting ``command`` in a bare environment until it exits (it must
    succeed)."""
    env = {
        "HOME": os.environ.get("HOME", "/tmp"),
        "PATH": "/usr/bin:/bin",
        "LLMSTUDIO_CONFIG_DIR": str(config),
        "QT_QPA_PLATFORM": "offscreen",
    }
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def interleaved_times(commands: dict[str, list[str]], repeat: int, work: Path) -> dict:
    """Each command's (median, min) seconds over ``repeat`` rounds; a round runs every
    command once, so a busy spell of this shared machine falls on all of them alike. One
    unmeasured round first warms the file cache."""
    for name, command in commands.items():
        timed(command, work / f"config-warm-{name}")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(repeat):
        for name, command in commands.items():
            times[name].append(timed(command, work / f"config-{name}-{i}"))
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def folder_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(app: Path, count: int = 6) -> str:
    """The biggest top-level entries of the app's ``_internal`` folder, as 'name size'."""
    internal = app / "_internal"
    sizes = []
    for entry in internal.iterdir():
        size = folder_bytes(entry) if entry.is_dir() else entry.lstat().st_size
        sizes.append((size, entry.name))
    sizes.sort(reverse=True)
    return ", ".join(f"{name} {size / 2**20:.0f} MiB" for size, name in sizes[:count])


def main() -> None:
    """Measure, print the table, and with ``--write`` record it in RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--app", type=Path, default=ROOT / "dist" / "llmstudio")
    ap.add_argument("--build", action="store_true", help="build and smoke-test first, timed")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--write", action="store_true", help="record the results in RESULTS.md")
    args = ap.parse_args()

    build_s = smoke_s = None
    if args.build:
        # `make package`'s two steps, with this Python (its environment is what is frozen).
        shutil.rmtree(ROOT / "build" / "pyinstaller", ignore_errors=True)
        shutil.rmtree(args.app, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "PyInstaller", *PYINSTALLER_ARGS], cwd=ROOT, check=True
        )
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(["bash", "packaging/linux/smoke.sh", str(args.app)], cwd=ROOT, check=True)
        smoke_s = time.perf_counter() - start
        build_load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    app = args.app.resolve()
    exe = app / "llmstudio"
    if not exe.is_file():
        sys.exit(f"app_bundle.py: no built app at {exe}: run `make package` (or --build) first")
    installed = shutil.which("llmstudio", path=str(Path(sys.executable).parent))
    if installed is None:
        sys.exit(f"app_bundle.py: no installed `llmstudio` script beside {sys.executable}")
    sample = app / "_internal" / "llmstudio" / "resources" / "sample_corpus.csv"

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shot = str(work / "shot.png")
        t = interleaved_times(
            {
                "bundle_window": [str(exe), str(sample), "--screenshot", shot],
                "package_window": [installed, str(sample), "--screenshot", shot],
                "bundle_version": [str(exe), "--version"],
                "package_version": [installed, "--version"],
            },
            args.repeat,
            work,
        )

    size = folder_bytes(app)
    files = sum(1 for p in app.rglob("*") if p.is_file())
    bundle_window, package_window = t["bundle_window"][0], t["package_window"][0]
    verdict = "met" if bundle_window < GOAL_S else "missed"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    startup = [
        "| measurement | value |",
        "| --- | --- |",
        f"| app folder size (`du`) | {size / 2**30:.2f} GiB, {files:,} files |",
        f"| largest parts of `_internal/` | {largest_parts(app)} |",
        f"| bundled app: launch to window shown (`--screenshot` of the sample; median, min of {args.repeat}) | {bundle_window:.2f} s, {t['bundle_window'][1]:.2f} s (goal < {GOAL_S:.0f} s: {verdict}) |",
        f"| baseline: installed package, the same | {package_window:.2f} s, {t['package_window'][1]:.2f} s (bundle/package {bundle_window / package_window:.2f}x) |",
        f"| bundled app: `--version` | {t['bundle_version'][0]:.2f} s, {t['bundle_version'][1]:.2f} s |",
        f"| baseline: installed package, `--version` | {t['package_version'][0]:.2f} s, {t['package_version'][1]:.2f} s |",
        f"| load average (1, 5, 15 min) at the end: other work on this shared machine | {load} |",
    ]
    sections = {"start-up and size": startup}
    if build_s is not None:
        sections["build"] = [
            "| measurement | value |",
            "| --- | --- |",
            f"| PyInstaller build, fresh `build/` | {build_s / 60:.1f} min |",
            f"| smoke checks (`packaging/linux/smoke.sh`) | {smoke_s:.0f} s |",
            f"| load average (1, 5, 15 min) after the build | {build_load} |",
        ]
    for title, lines in sections.items():
        table = "\n".join(lines)
        print(table)
        if args.write:
            from import_speed import machine_line, write_section

            where = app.relative_to(ROOT) if app.is_relative_to(ROOT) else app
            write_section(
                f"Desktop app (Linux bundle): {title}",
                f"{machine_line()}\n\n`benchmarks/app_bundle.py{' --build' if args.build else ''}`"
                f" on `{where}`, offscreen Qt, bare environment (`env -i`), "
                f"{time.strftime('%Y-%m-%d')}.\n\n{table}\n",
            )


if __name__ == "__main__":
    main()

"""The sample project's cost on the first click: making it, and its model run (the builtin
sentiment model over its 300 answers) against the lexicon's run (the obvious baseline).

    .venv/bin/python benchmarks/sample_project.py [--repeat R] [--write]

Each measurement runs in a fresh Python process (imports and the model's loading count, as
for a user's first click), interleaved across repeats; the table shows median and min.
Why it matters: the window shows the sample at once and runs the model in the background
(gui/start/first_run.py) because the builtin run takes seconds to tens of seconds here.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time, tempfile, os
os.environ["LLMSTUDIO_CONFIG_DIR"] = tempfile.mkdtemp()
what = sys.argv[1]
t0 = time.perf_counter()
from llmstudio.core.sample_project import open_sample_project
project, _ = open_sample_project()
made = time.perf_counter() - t0
run = 0.0
if what != "make":
    from llmstudio.core.backends import make_backend
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks import SentimentTask
    t1 = time.perf_counter()
    backend = make_backend(what)
    result = run_job(project, SentimentTask(baseline=what == "builtin"), backend)
    backend.close()
    assert result.done == 300, result
    run = time.perf_counter() - t1
project.close()
print(json.dumps({"make": made, "run": run}))
"""

KINDS = {
    "make": "making the sample project (corpus, codebook, 40 codes), no run; imports included",
    "lexicon": "(baseline) lexicon (VADER) sentiment run, 300 rows",
    "builtin": "builtin (MiniLM) sentiment run with VADER beside it, 300 rows: load + run",
}


def child(what: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, what], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    for _ in range(args.repeat):
        for kind in KINDS:
            result = child(kind)
            times[kind].append(result["make"] if kind == "make" else result["run"])
    base = statistics.median(times["lexicon"])
    rows = ["| measurement | median (s) | min (s) | vs (baseline) |", "|---|---:|---:|---:|"]
    for kind, label in KINDS.items():
        median = statistics.median(times[kind])
        rows.append(f"| {label} | {median:.2f} | {min(times[kind]):.2f} | {median / base:.1f}x |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        sys.path.insert(0, str(Path(__file__).parent))
        from import_speed import machine_line, write_section

        body = "\n".join(
            [
                machine_line(),
                "",
                f"`.venv/bin/python benchmarks/sample_project.py --repeat {args.repeat} "
                f"--write`, {_dt.date.today().isoformat()}, load average (1 min) at the start "
                f"{load:.2f}, at the end {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs.",
                "",
                table,
                "",
                "Making the sample takes well under a second once llmstudio runs, so the window "
                "shows it at once; the builtin run "
                "takes too long for a first click to wait on, so the window starts it in the "
                "background with its progress in the Jobs panel (`llmstudio demo` runs it in "
                "the foreground and prints its progress).",
            ]
        )
        write_section("Sample project: first click", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

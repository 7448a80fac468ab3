#!/usr/bin/env python3
"""Auto concurrency against the best fixed one: rows/s of ``run_job`` with
``--concurrency auto`` and with fixed numbers of requests at once, on two servers.

Goal (issue 21): auto reaches at least 85% of the throughput of the best fixed
concurrency (the best of those tried, in the same run) on both servers:

* **knee 24**: latency flat up to 24 requests in flight, rising as the square of their
  share beyond (so throughput falls past 24: the best concurrency is 24);
* **429 above 8**: HTTP 429 (no Retry-After: the openai client backs off) to any request
  beyond 8 in flight.

    .venv/bin/python benchmarks/auto_concurrency.py            # 1500 rows a run
    .venv/bin/python benchmarks/auto_concurrency.py --rows 600 --write

Each server is ``tests/fakes/openai_server.py`` in its own process (its threads do not
share this process's GIL), spoken to over real sockets on 127.0.0.1 by the real openai
client. Every run is a fresh project of distinct texts (every row a request); a warm-up
run first confirms the endpoint's request form, as a known endpoint would be. Time is the
wall time of ``run_job`` from its first request to its last row stored, and the rate is
of rows answered (a row refused past the client's retries is not done); auto starts from
8 requests at once (the fixed default), so its climb is in its time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from api_throughput import start_server  # noqa: E402

GOAL = 0.85
SERVERS = {
    # name: (server options, fixed concurrencies tried, the latency)
    "knee 24": (["--knee", "24"], [12, 16, 24, 32, 48], 0.2),
    "429 above 8": (["--refuse-above", "8"], [6, 8, 12, 16], 0.1),
}


def job(url: str, rows: int, concurrency, folder: Path, salt: str):
    """run_job on a fresh project: (rows/s, the JobResult)."""
    from llmstudio.core.backends.openai_backend import OpenAIBackend
    from llmstudio.core.corpus import read_table
    from llmstudio.core.project import Project
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks import SentimentTask

    folder.mkdir()
    source = folder / "texts.csv"
    source.write_text(
        "id,text\n" + "".join(f'{i},"remark {i} on the park ({salt})"\n' for i in range(rows)),
        encoding="utf-8",
    )
    with Project.create(folder / "bench.llmstudio", read_table(source)) as project:
        backend = OpenAIBackend("fake", url, key="not-needed", concurrency=concurrency)
        project.corpus()  # loaded before the clock starts, as in the app
        started = time.perf_counter()
        result = run_job(project, SentimentTask(), backend)
        seconds = time.perf_counter() - started
        backend.close()
    if result.status != "done":
        raise SystemExit(f"run_job ended {result.status}: {result.summary()}")
    # Rows answered per second: a row whose request was refused past the client's retries
    # (too many at once on the 429 server) is not a row done.
    return (result.computed - result.failed) / seconds, result


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("LLMSTUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="llmstudio-bench-"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1500, help="rows per run (1500)")
    ap.add_argument(
        "--repeat", type=int, default=2, help="runs of each, interleaved; the median (2)"
    )
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    lines = [
        "| server | fixed: rows/s at each concurrency | best fixed | auto rows/s | auto / best "
        "| what auto settled on |",
        "|---|---|---:|---:|---:|---|",
    ]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (options, fixed, latency) in SERVERS.items():
            server, url = start_server(latency, options=tuple(options))
            try:
                job(url, 40, 8, Path(tmp) / f"{name}-warm", "warm")  # form confirmed
                seen: dict = {k: [] for k in [*fixed, "auto:64"]}
                failed: dict = dict.fromkeys(seen, 0)
                settled = []
                # Interleaved: a burst of load from other processes falls on all alike.
                for r in range(args.repeat):
                    for k in seen:
                        rate, result = job(
                            url, args.rows, k, Path(tmp) / f"{name}-{k}-{r}", f"{k}{r}"
                        )
                        seen[k].append(rate)
                        failed[k] += result.failed
                        settled += [result.concurrency] if k == "auto:64" else []
                        print(f"{name}: {k}: {rate:.1f} rows/s {result.concurrency}", flush=True)
            finally:
                server.terminate()
                server.wait(10)
            rates = {k: statistics.median(v) for k, v in seen.items() if k != "auto:64"}
            auto = statistics.median(seen["auto:64"])
            found = " / ".join(dict.fromkeys(s.removeprefix("auto: ") for s in settled))
            if failed["auto:64"]:
                found += f"; {failed['auto:64']} rows failed"
            best = max(rates, key=rates.get)
            share = auto / rates[best]
            shown = ", ".join(
                f"{k}: {r:.1f}" + (f" ({failed[k]} rows failed)" if failed[k] else "")
                for k, r in rates.items()
            )
            lines.append(
                f"| {name} ({latency * 1000:.0f} ms) | {shown} | {rates[best]:.1f} (at {best}) "
                f"| {auto:.1f} | {share:.1%} | {found} |"
            )
            verdicts.append(f"{name}: {share:.1%} {'PASS' if share >= GOAL else 'FAIL'}")
    table = "\n".join(lines)
    verdict = f"**goal (auto >= {GOAL:.0%} of the best fixed): {'; '.join(verdicts)}**"
    setup = (
        f"{args.rows} distinct texts a run, median of {args.repeat} interleaved runs; "
        "auto is `auto:64` (starts at 8); load average "
        f"(1 min) when the runs began {load:.2f} on {os.cpu_count()} CPUs"
    )
    print(setup)
    print(table)
    print(verdict)
    if args.write:
        from import_speed import record

        record(
            f"Auto concurrency ({args.rows} rows)",
            f"auto_concurrency.py --rows {args.rows} --repeat {args.repeat} --write",
            setup + ".",
            table,
            verdict,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

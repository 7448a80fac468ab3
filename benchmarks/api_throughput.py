#!/usr/bin/env python3
"""API throughput: rows/s of ``run_job`` with the OpenAI backend against a server with a
fixed latency, against the ideal K / latency.

Goal (from the issue): against the fake OpenAI-compatible server with 200 ms latency and
K = 16 concurrent requests, at least 90% of K / latency = 80 rows/s.

    .venv/bin/python benchmarks/api_throughput.py                 # 400 rows, 3 repeats
    .venv/bin/python benchmarks/api_throughput.py --rows 800 --concurrency 32 --latency 0.1
    .venv/bin/python benchmarks/api_throughput.py --write         # also record in RESULTS.md

The server is ``tests/fakes/openai_server.py`` in its own process (so that its threads do
not share this process's GIL with the client's), spoken to over real sockets on 127.0.0.1
by the real ``openai`` client. Every repeat runs on a fresh project (a new response cache)
of ``--rows`` distinct texts, so every row is a request; the server's counters confirm it.

Measured:
(a) the ceiling: K threads calling ``client.chat.completions.create`` in a loop with the
    backend's request (JSON schema, logprobs), nothing else (the openai client and HTTP);
(b) ``run_job`` (what ``llmstudio annotate`` and the Jobs panel run): the same requests
    plus parsing, the response cache and a commit per arrival;
time is the wall time of the call, from the first request to the last row stored.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
GOAL = 0.90
STARTS = [
    "I love the new park",
    "I hate the traffic",
    "The bus comes at nine",
    "What a wonderful day",
    "Awful service again",
    "Meeting minutes attached",
]


def texts(n: int, salt: str) -> list[str]:
    return [f"{STARTS[i % len(STARTS)]}, remark {i} ({salt})" for i in range(n)]


def start_server(
    latency: float, jitter: float = 0.0, options: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str]:
    """The fake OpenAI-compatible server (tests/fakes/openai_server.py) in its own process,
    with ``options`` (``--knee 24``, ``--refuse-above 8``); returns it and its URL."""
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "fakes" / "openai_server.py"),
            "--latency",
            str(latency),
            "--jitter",
            str(jitter),
            *options,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = server.stdout.readline().strip()
    if not url.startswith("http"):
        server.kill()
        raise SystemExit("the fake server did not start")
    return server, url


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of this process (or of ``pid``, from /proc)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def stats(url: str) -> dict:
    with urllib.request.urlopen(url + "/_fake/stats", timeout=5) as reply:
        return json.loads(reply.read())


def ceiling(url: str, rows: list[str], k: int) -> float:
    """(a): the openai client alone, K threads."""
    from openai import OpenAI

    from llmstudio.core.tasks import SentimentTask

    task = SentimentTask()
    client = OpenAI(api_key="not-needed", base_url=url, max_retries=0)
    todo = list(rows)
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not todo:
                    return
                text = todo.pop()
            # The request the backend sends (structured output, logprobs), nothing else.
            client.chat.completions.create(
                model="fake",
                messages=task.messages(text),
                temperature=0,
                seed=0,
                max_tokens=200,
                logprobs=True,
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": task.name,
                        "schema": task.json_schema(),
                        "strict": True,
                    },
                },
            )

    threads = [threading.Thread(target=work) for _ in range(k)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    client.close()
    return seconds


def job(url: str, rows: list[str], k: int, folder: Path) -> tuple[float, int, float]:
    """(b): run_job on a fresh project; (seconds, rows computed, CPU seconds of run_job)."""
    from llmstudio.core.backends.openai_backend import OpenAIBackend
    from llmstudio.core.corpus import read_table
    from llmstudio.core.project import Project
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks import SentimentTask

    source = folder / "texts.csv"
    source.write_text(
        "id,text\n" + "\n".join(f'{i},"{t}"' for i, t in enumerate(rows)) + "\n", encoding="utf-8"
    )
    with Project.create(folder / "bench.llmstudio", read_table(source)) as project:
        backend = OpenAIBackend("fake", url, key="not-needed", concurrency=k)
        project.corpus()  # loaded before the clock starts, as in the app
        cpu, started = cpu_seconds(), time.perf_counter()
        result = run_job(project, SentimentTask(), backend)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        backend.close()
    if result.status != "done" or result.failed:
        raise SystemExit(f"run_job ended {result.status} with {result.failed} failed rows")
    return seconds, result.computed, cpu


def main(argv: list[str] | None = None) -> int:
    # A config folder of its own: what the backend learns about the fake endpoint
    # (endpoints.json) stays out of the user's, and the first repeat pays the first
    # contact (requests one at a time until an answer) as a new endpoint would.
    os.environ.setdefault("LLMSTUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="llmstudio-bench-"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=400, help="rows per run (400)")
    ap.add_argument("--concurrency", type=int, default=16, help="K, requests at once (16)")
    ap.add_argument("--latency", type=float, default=0.2, help="server seconds per request (0.2)")
    ap.add_argument(
        "--jitter",
        type=float,
        default=0.0,
        help="spread the latency evenly over latency +- jitter (0: fixed)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (3)")
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    k, latency, n = args.concurrency, args.latency, args.rows
    ideal = k / latency

    load = os.getloadavg()[0]
    server, url = start_server(latency, args.jitter)
    runs: dict[str, list[float]] = {"a": [], "b": []}
    cpu: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}  # (client, server) s/row
    try:
        ceiling(url, texts(2 * k, "warm-up"), k)  # imports, connection pool
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.repeat):
                before = cpu_seconds(), cpu_seconds(server.pid)
                runs["a"].append(n / ceiling(url, texts(n, f"a{r}"), k))
                middle = cpu_seconds(), cpu_seconds(server.pid)
                folder = Path(tmp) / f"run{r}"
                folder.mkdir()
                seconds, computed, own = job(url, texts(n, f"b{r}"), k, folder)
                after = cpu_seconds(server.pid)
                runs["b"].append(computed / seconds)
                cpu["a"].append(((middle[0] - before[0]) / n, (middle[1] - before[1]) / n))
                cpu["b"].append((own / n, (after - middle[1]) / n))
        seen = stats(url)
    finally:
        server.terminate()
        server.wait(10)
    expected = 2 * k + 2 * n * args.repeat
    if seen["total"] != expected or seen["distinct"] != expected:
        raise SystemExit(f"the server saw {seen} requests, expected {expected} distinct")

    names = {"a": "(a) openai client alone, K threads", "b": "(b) llmstudio run_job"}
    lines = [
        f"| measurement | rows/s (median of {args.repeat}) | min | max | share of ideal "
        f"K/latency = {ideal:.0f} rows/s | client CPU ms/row | server CPU ms/row |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, values in runs.items():
        med = statistics.median(values)
        client = statistics.median(c for c, _ in cpu[key]) * 1000
        served = statistics.median(s_ for _, s_ in cpu[key]) * 1000
        lines.append(
            f"| {names[key]} | {med:.1f} | {min(values):.1f} | {max(values):.1f} | "
            f"{med / ideal:.1%} | {client:.1f} | {served:.1f} |"
        )
    share = statistics.median(runs["b"]) / ideal
    lines.append(
        f"| (b) / (a): run_job against the client alone | "
        f"{statistics.median(runs['b']) / statistics.median(runs['a']):.1%} | | | | | |"
    )
    verdict = (
        f"goal (run_job >= {GOAL:.0%} of K/latency): {share:.1%} -> "
        f"{'PASS' if share >= GOAL else 'FAIL'}"
    )
    table = "\n".join(lines)
    spread = f" +- {args.jitter * 1000:.0f} ms (even spread)" if args.jitter else ""
    setup = (
        f"{n} distinct texts a run, K = {k}, server latency {latency * 1000:.0f} ms{spread} "
        f"(`tests/fakes/openai_server.py` in its own process, 127.0.0.1, HTTP/1.1 "
        f"keep-alive); server max in flight {seen['max_in_flight']}; every request "
        f"counted by the server ({seen['total']} in all, none repeated); load average "
        f"(1 min) when the runs began {load:.2f} on {os.cpu_count()} CPUs, other processes "
        f"slow every thread's wake-up"
    )
    print(setup)
    print(table)
    print(verdict)
    if args.write:
        from import_speed import machine_line, write_section

        command = (
            "`.venv/bin/python benchmarks/api_throughput.py --rows "
            f"{n} --concurrency {k} --latency {latency:g} --jitter {args.jitter:g} "
            f"--repeat {args.repeat} --write`"
        )
        body = "\n".join(
            [
                machine_line(),
                "",
                f"{command}, {time.strftime('%Y-%m-%d')}; {setup}.",
                "",
                table,
                "",
                f"**{verdict}**",
            ]
        )
        write_section(
            f"API throughput (K={k}, latency {latency * 1000:.0f} ms{spread}, {n} rows)", body
        )
    return 0 if share >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())

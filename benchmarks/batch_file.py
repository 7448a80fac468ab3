"""Writing and reading a Batch API run's files (``core/batch_file``, the bodies from
``OpenAIBackend.request_body``, the answers read by ``OpenAIBackend.read_answer``) for a
million requests, against the obvious baseline in the same run: ``json.dumps`` of a
hand-made line per request, and ``json.loads`` of each result line.

    .venv/bin/python benchmarks/batch_file.py [--requests N] [--write]   # --write: RESULTS.md

Goal (issue 21): writing and reading a 1,000,000-request batch under 60 s and 2 GB of
memory. Each step runs in a fresh process (peak memory ``ru_maxrss`` is that step's
alone). Writing makes each request's body as a run makes it, its JSONL line, and cuts
the lines into files within the API's limits (50,000 requests, 200 MB), each file
written to ``benchmarks/data/batch/`` (what an upload sends). Reading parses every line
of the output files (made first, not timed: one chat completion per request, as OpenAI
writes them), validates each as a ``ChatCompletion`` and reads the task's answer from
it. Not timed: the long-text plan (token counts) and the SQLite writes of a fetch.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DATA = ROOT / "benchmarks" / "data" / "batch"
WORDS = "the council bus rent park school late again great awful housing prices".split()


# 97 sentences of 12 to 36 words; each request's text is one of them and its number.
SENTENCES = [
    " ".join(WORDS[(s * 7 + k * 3) % len(WORDS)] for k in range(12 + s % 25)) for s in range(97)
]


def _text(i: int) -> str:
    return f"Response {i}: {SENTENCES[i % 97]}"


def _backend():
    from llmstudio.core.backends.openai_backend import OpenAIBackend

    # No request is made: the bodies are built, the answers read.
    return OpenAIBackend("gpt-4o-mini", "http://127.0.0.1:9/v1", key="sk-benchmark")


def write(n: int, baseline: bool) -> None:
    from llmstudio.core.batch_file import custom_id, request_line, split_groups
    from llmstudio.core.tasks import SentimentTask

    task, backend = SentimentTask(), _backend()
    messages = task.messages("")
    for old in DATA.glob("requests-*.jsonl"):
        old.unlink()
    cpu, started = _cpu(), time.perf_counter()
    if baseline:  # one json.dumps per request of a hand-made line, 50,000 to a file
        lines = (
            json.dumps(
                {
                    "custom_id": f"row-{i}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"model": "gpt-4o-mini", "messages": [*messages, _text(i)]},
                }
            ).encode()
            + b"\n"
            for i in range(n)
        )
        groups = ([line] for line in lines)
    else:
        groups = (
            [request_line(custom_id(i), backend.request_body(task, _text(i)))] for i in range(n)
        )
    files = 0
    for lines in split_groups(groups):
        (DATA / f"requests-{files:03}.jsonl").write_bytes(b"".join(lines))
        files += 1
    _report(time.perf_counter() - started, files, cpu)


def make_outputs(n: int) -> None:
    """The output files a server returns for ``n`` requests (not timed)."""
    for old in DATA.glob("output-*.jsonl"):
        old.unlink()
    labels = ("positive", "negative", "neutral")
    per_file = 50_000
    for f, start in enumerate(range(0, n, per_file)):
        with open(DATA / f"output-{f:03}.jsonl", "w", encoding="utf-8") as out:
            for i in range(start, min(n, start + per_file)):
                body = {
                    "id": f"chatcmpl-{i}",
                    "object": "chat.completion",
                    "created": 1_700_000_000,
                    "model": "gpt-4o-mini",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {
                                "role": "assistant",
                                "content": json.dumps({"label": labels[i % 3], "score": 0.9}),
                            },
                        }
                    ],
                    "usage": {"prompt_tokens": 90, "completion_tokens": 9, "total_tokens": 99},
                }
                line = {
                    "id": f"batch_req_{i}",
                    "custom_id": f"row-{i}",
                    "response": {"status_code": 200, "request_id": f"req_{i}", "body": body},
                    "error": None,
                }
                out.write(json.dumps(line) + "\n")


def read(baseline: bool) -> None:
    from openai.types.chat import ChatCompletion

    from llmstudio.core.batch_file import parse_results
    from llmstudio.core.tasks import SentimentTask

    task, backend = SentimentTask(), _backend()
    cpu, started = _cpu(), time.perf_counter()
    answered = 0
    for path in sorted(DATA.glob("output-*.jsonl")):
        with open(path, "rb") as lines:
            if baseline:
                answered += sum(1 for line in lines if json.loads(line)["custom_id"])
                continue
            for item in parse_results(lines):
                reply = ChatCompletion.model_validate(item.body)
                answered += bool(backend.read_answer(task, reply))
    _report(time.perf_counter() - started, answered, cpu)


def _report(seconds: float, count: int, cpu_before: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(
        json.dumps(
            {"seconds": seconds, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024, "count": count}
        )
    )


def _cpu() -> float:
    """CPU seconds of this process so far: on a shared machine, what a step costs
    whatever the others do (its wall time grows with their load)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(*args, expect: bool = True) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--_child", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1]) if expect else {}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_child"]:
        step, n, baseline = argv[1], int(argv[2]), argv[3] == "1"
        if step == "write":
            write(n, baseline)
        elif step == "outputs":
            make_outputs(n)
        else:
            read(baseline)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = parser.parse_args(argv)
    n = args.requests
    DATA.mkdir(parents=True, exist_ok=True)
    rows = []
    base_write = _child("write", n, 1)
    ours_write = _child("write", n, 0)
    size = sum(p.stat().st_size for p in DATA.glob("requests-*.jsonl"))
    files = ours_write["count"]
    _child("outputs", n, 0, expect=False)
    base_read = _child("read", n, 1)
    ours_read = _child("read", n, 0)
    assert ours_read["count"] == n, ours_read
    for what, base, ours in (
        (f"write {n:,} requests ({files} files, {size / 1e6:,.0f} MB)", base_write, ours_write),
        (f"read {n:,} results and their answers", base_read, ours_read),
    ):
        rows.append(
            f"| {what} | {base['seconds']:.1f} ({base['cpu']:.1f}) | "
            f"{ours['seconds']:.1f} ({ours['cpu']:.1f}) | "
            f"{base['peak_mb']:,.0f} | {ours['peak_mb']:,.0f} | "
            f"{'PASS' if ours['seconds'] < 60 and ours['peak_mb'] < 2048 else 'FAIL'} |"
        )
    table = "\n".join(
        [
            "| step | baseline: wall s (CPU s) | llmstudio: wall s (CPU s) | baseline peak (MB) "
            "| llmstudio peak (MB) | goal < 60 s, < 2 GB |",
            "|---|---:|---:|---:|---:|---|",
            *rows,
        ]
    )
    print(table)
    if args.write:
        from import_speed import record

        record(
            f"Batch API files ({n:,} requests)",
            f"batch_file.py --requests {n} --write",
            "Baseline: json.dumps of a hand-made line per request (writing), json.loads of "
            "each result line (reading). llmstudio: each body as a run makes it "
            "(`OpenAIBackend.request_body`: schema, logprobs, seed), `batch_file` lines cut "
            "within the API's limits; reading: `parse_results`, `ChatCompletion` "
            "validation and `read_answer` per result. Each step a fresh process.",
            table,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

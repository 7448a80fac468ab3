#!/usr/bin/env python3
"""Long texts: what splitting into chunks costs, with the builtin model.

Goal (from issue 13): chunking must not slow texts that fit. On the sample corpus (300
rows, every text within MiniLM's 254 tokens) a sentiment run in split mode (the default)
takes within 5% of the time of today's path. Also reported: rows/s on texts of 2,000
words, split against truncate.

    .venv/bin/python benchmarks/long_texts.py                 # 5 rounds, 30 long texts
    .venv/bin/python benchmarks/long_texts.py --rounds 7 --long 40 --write

Three modes, each a full ``run_job`` into a fresh project file (no cache), with one
loaded model shared by all:

* ``split``: the new default (texts counted by the tokenizer; long ones split);
* ``truncate``: the new truncate mode (texts counted, long ones marked, the model cuts);
* ``unmarked``: today's path, what the runner did before long texts were handled: the
  same runner with the backend's limit hidden (``input_limit`` None), so no text is
  counted and the model truncates silently.

The machine is shared (other processes come and go), so the modes are interleaved: each
round runs every mode once, in an order rotated from round to round, and the table gives
the median, the fastest and the slowest run of each, and the ratio of the medians; the
per-round ratios show the spread.

Texts of 2,000 words: consecutive AG News test articles (``../shared/data/ag_news_test``,
title and description, in file order) joined with spaces until 2,000 words, cut at the
2,000th word; the next text starts with the next article.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

SAMPLE = ROOT / "llmstudio" / "resources" / "sample_corpus.csv"
AG_NEWS = ROOT.parent / "shared" / "data" / "ag_news_test" / "test.csv"
MODES = ("split", "truncate", "unmarked")
GOAL = 1.05
WORDS = 2000


def long_texts(n: int, words: int = WORDS) -> list[str]:
    """``n`` texts of ``words`` words from consecutive AG News articles (see the module)."""
    out, current = [], []
    with open(AG_NEWS, newline="", encoding="utf-8") as fh:
        for _, title, description in csv.reader(fh):
            current += f"{title}. {description.replace(chr(92) + 'n', ' ')}".split()
            if len(current) >= words:
                out.append(" ".join(current[:words]))
                current = []
                if len(out) == n:
                    return out
    raise SystemExit(f"AG News has fewer than {n} texts of {words} words")


class Unmarked:
    """The backend with its limit hidden: today's path (nothing counted, cut silently)."""

    def __init__(self, backend):
        self._backend = backend

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def input_limit(self, task):
        return None


def one_run(backend, frame, mode: str) -> tuple[float, int, int]:
    """(seconds of run_job, rows split, rows truncated) for ``mode`` on a fresh project."""
    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks.sentiment import SentimentTask

    task = SentimentTask(long_texts="truncate" if mode == "truncate" else "split")
    model = Unmarked(backend) if mode == "unmarked" else backend
    with tempfile.TemporaryDirectory() as tmp:
        with Project.create(Path(tmp) / "b.llmstudio", Corpus(frame, "text")) as project:
            started = time.perf_counter()
            result = run_job(project, task, model)
            seconds = time.perf_counter() - started
    assert result.status == "done" and result.failed == 0, result.errors[:3]
    return seconds, result.chunked, result.truncated


def measure(backend, frame, rounds: int, modes=MODES) -> dict[str, list[tuple]]:
    runs: dict[str, list[tuple]] = {m: [] for m in modes}
    one_run(backend, frame.head(20), "split")  # warm-up: first-call costs out of the way
    for r in range(rounds):
        order = modes[r % len(modes) :] + modes[: r % len(modes)]
        for mode in order:
            runs[mode].append(one_run(backend, frame, mode))
            print(f"  round {r + 1} {mode:<9} {runs[mode][-1][0]:.2f} s", flush=True)
    return runs


def table(runs: dict[str, list[tuple]], rows: int, reference: str) -> str:
    ref = statistics.median(s for s, *_ in runs[reference])
    lines = [
        "| mode | median (s) | fastest (s) | slowest (s) | rows/s (median) | "
        f"time vs {reference} | rows split | rows truncated |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, results in runs.items():
        times = [s for s, *_ in results]
        med = statistics.median(times)
        lines.append(
            f"| {mode} | {med:.2f} | {min(times):.2f} | {max(times):.2f} | "
            f"{rows / med:,.2f} | {med / ref:.3f}x | {results[-1][1]} | "
            f"{results[-1][2]} |"
        )
    return "\n".join(lines)


def counting_seconds(backend, texts: list[str], repeats: int = 5) -> float:
    """The fastest of ``repeats`` token counts of ``texts``: the only work split mode adds
    for texts that fit (a direct measure, less noisy than a difference of run times)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        backend.count_tokens(texts)
        best = min(best, time.perf_counter() - started)
    return best


def round_ratios(runs, a: str, b: str) -> list[float]:
    return [x[0] / y[0] for x, y in zip(runs[a], runs[b])]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument(
        "--long", type=int, default=30, help="texts of 2,000 words in the second part (default 30)"
    )
    ap.add_argument("--write", action="store_true", help="record the tables in RESULTS.md")
    args = ap.parse_args(argv)

    import os

    import pandas as pd
    import torch

    from llmstudio.core.backends import make_backend
    from llmstudio.core.chunking import over_limit
    from llmstudio.core.corpus import read_table
    from llmstudio.core.tasks.sentiment import SentimentTask

    load = os.getloadavg()[0]
    backend = make_backend("builtin")
    sample = read_table(SAMPLE).frame
    sample = pd.DataFrame({"text": sample[read_table(SAMPLE).text_column].astype(str)})
    over, limit = over_limit(backend, SentimentTask(), sample["text"].tolist())
    print(
        f"sample corpus: {len(sample)} rows, {over} over the limit of {limit} tokens; "
        f"torch threads {torch.get_num_threads()}, load average {load:.2f}"
    )
    short = measure(backend, sample, args.rounds)
    ratios = round_ratios(short, "split", "truncate")
    ratios_today = round_ratios(short, "split", "unmarked")
    split_med = statistics.median(s for s, *_ in short["split"])
    ratio = split_med / statistics.median(s for s, *_ in short["truncate"])
    ratio_today = split_med / statistics.median(s for s, *_ in short["unmarked"])
    verdict = (
        f"goal (split within {GOAL:.2f}x of today's time on texts that fit): split / "
        f"truncate {ratio:.3f}x, split / unmarked (today's path) {ratio_today:.3f}x "
        f"-> {'PASS' if max(ratio, ratio_today) <= GOAL else 'FAIL'}"
    )
    counting = counting_seconds(backend, sample["text"].tolist())
    counting_line = (
        f"Counting the sample's tokens (the work split mode adds for texts that "
        f"fit): {counting * 1000:.1f} ms, {counting / split_med:.2%} of the split "
        "run's median time."
    )
    print(table(short, len(sample), "truncate"))
    print(verdict)
    print(counting_line)

    texts = long_texts(args.long)
    long_frame = pd.DataFrame({"text": texts})
    tokens = backend.count_tokens(texts)
    print(
        f"{len(texts)} texts of {WORDS} words: {statistics.mean(tokens):,.0f} tokens each "
        "on average"
    )
    long_runs = measure(backend, long_frame, args.rounds, ("split", "truncate"))
    print(table(long_runs, len(texts), "truncate"))
    long_ratios = round_ratios(long_runs, "split", "truncate")

    if args.write:
        from import_speed import machine_line, write_section

        now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        body = "\n".join(
            [
                f"- date: {now}",
                f"- {machine_line()}",
                f"- command: `.venv/bin/python benchmarks/long_texts.py --rounds {args.rounds} "
                f"--long {args.long} --write`; torch threads {torch.get_num_threads()}; load "
                f"average (1 min) at the start {load:.2f} (the machine was shared with other "
                "work: compare medians, and see the spread)",
                "- each run: `run_job` of sentiment with the builtin MiniLM into a fresh project "
                "(no cache), the model loaded once; modes interleaved, order rotated each round",
                "- modes: split (default), truncate, unmarked = today's path (the backend's limit "
                "hidden: nothing counted, the model truncates silently)",
                "",
                f"### Sample corpus ({len(sample)} rows, {over} over the {limit}-token limit), "
                f"{args.rounds} rounds",
                "",
                table(short, len(sample), "truncate"),
                "",
                f"Per-round ratio split / truncate: {min(ratios):.3f}x to {max(ratios):.3f}x; "
                f"split / unmarked: {min(ratios_today):.3f}x to {max(ratios_today):.3f}x.",
                counting_line,
                "",
                f"**{verdict}**",
                "",
                f"### {len(texts)} texts of {WORDS:,} words (AG News test articles joined in "
                f"file order; {statistics.mean(tokens):,.0f} tokens a text on average), "
                f"{args.rounds} rounds",
                "",
                table(long_runs, len(texts), "truncate"),
                "",
                f"Per-round ratio split / truncate: {min(long_ratios):.2f}x to "
                f"{max(long_ratios):.2f}x. Split reads every token (about "
                f"{statistics.mean(tokens) / limit:.1f} chunks a text); truncate reads the first "
                f"{limit} tokens of each.",
            ]
        )
        write_section("Long texts: split into chunks against truncation (builtin MiniLM)", body)
        print("recorded in benchmarks/RESULTS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Retrieval and the crosstab: the "Coded passages" view's full query and the code x
column table, over 100,000 passages.

    .venv/bin/python benchmarks/retrieval.py            # print the table
    .venv/bin/python benchmarks/retrieval.py --write    # and record it in RESULTS.md

The project of ``benchmarks/passages.py`` (10,000 rows, 100,000 passages, 20 codes in a tree
of 5 parents with 3 children each), with a ``party`` column of 5 groups and 10,000 row
codes. Measured: ``retrieval.retrieve`` for a leaf code (~5,000 passages) and a parent with
its children (~20,000), passages (their context worked out or not) and the row codes as whole texts,
filtered by party or not; ``crosstab`` by party, rows and passages. Goal: a code's
passages under 200 ms. Baseline in the same run: the store query alone
(``passages.of_code``, no context, no row codes), what ``benchmarks/passages.py`` times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from passages import PASSAGES, ROUNDS, ROWS, _book, _fill  # noqa: E402


def _time(call) -> tuple[float, int, float]:
    """Median wall time (ms), how many items, median CPU time of this process (ms): on a
    shared machine the wall time waits for other programs, the CPU time does not."""
    import statistics
    import time

    walls, cpus, n = [], [], 0
    for _ in range(ROUNDS):
        t, c = time.perf_counter(), time.process_time()
        n = len(call())
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, n, statistics.median(cpus) * 1000


def _project(folder: Path):
    import pandas as pd

    from llmstudio.core import human_codes as hc
    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project

    texts = [
        f"Answer {i}. Rents have doubled and the buses stopped running, so we moved out of "
        "town last spring. Nobody asked us."
        for i in range(ROWS)
    ]
    frame = pd.DataFrame(
        {
            "text": pd.array(texts, dtype="str"),
            "party": pd.array([f"party {i % 5}" for i in range(ROWS)], dtype="str"),
        }
    )
    project = Project.create(
        folder / "bench.llmstudio", Corpus(frame=frame, text_column="text", source="bench.csv")
    )
    book = _book()
    project.save_codebook(book)
    _fill(project, book)
    for i in range(ROWS):
        hc.record(project, book, "ana", i, [book.names[i % 20]])
    project.corpus()  # loaded once when the project opens in the window
    return project, book


def measure() -> dict:
    from llmstudio.core import crosstab as ct
    from llmstudio.core import passages as ps
    from llmstudio.core import retrieval as rt

    with tempfile.TemporaryDirectory() as tmp:
        project, book = _project(Path(tmp))

        def query(code, **kw):
            return lambda: rt.retrieve(project, book, rt.Query(book.name, code, **kw))

        def with_context(code):
            def run():
                items = rt.retrieve(project, book, rt.Query(book.name, code, kinds=(rt.PASSAGE,)))
                return [i.context for i in items]

            return run

        party = rt.Filter("party", "equals", ("party 1",))
        out = {
            "leaf": _time(query("theme 2.1", kinds=(rt.PASSAGE,))),
            "leaf_all": _time(query("theme 2.1")),
            "tree": _time(query("theme 2", kinds=(rt.PASSAGE,))),
            "tree_context": _time(with_context("theme 2")),
            "leaf_context": _time(with_context("theme 2.1")),
            "tree_all": _time(query("theme 2")),
            "tree_where": _time(query("theme 2", where=party)),
            "leaf_base": _time(lambda: ps.of_code(project, book, "theme 2.1")),
            "tree_base": _time(lambda: ps.of_code(project, book, "theme 2")),
            "ct_rows": _time(lambda: ct.crosstab(project, book, "party").codes),
            "ct_passages": _time(
                lambda: ct.crosstab(project, book, "party", unit=ct.PASSAGES).codes
            ),
        }
        project.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    m = measure()

    def ms(key: str) -> str:
        return f"{m[key][0]:.0f} ms (CPU {m[key][2]:.0f})"

    rows = [
        f"| measurement (median of {ROUNDS}) | llmstudio | goal | baseline (same run) |",
        "|---|---:|---:|---:|",
        f"| a leaf code's passages among {PASSAGES:,} ({m['leaf'][1]:,} found) "
        f"| {ms('leaf')} | < 200 ms | {ms('leaf_base')} (store query alone) |",
        f"| the same, every passage's context worked out too | {ms('leaf_context')} | | |",
        f"| the same and its whole-text row codes ({m['leaf_all'][1]:,} items) "
        f"| {ms('leaf_all')} | < 200 ms | |",
        f"| a parent with its 3 children ({m['tree'][1]:,} passages found) "
        f"| {ms('tree')} | < 200 ms | {ms('tree_base')} (store query alone) |",
        f"| the same, every passage's context worked out too | {ms('tree_context')} | | |",
        f"| the same and the row codes ({m['tree_all'][1]:,} items) | {ms('tree_all')} | | |",
        f"| the same, rows of one party ({m['tree_where'][1]:,} items) | {ms('tree_where')} | | |",
        f"| crosstab of 20 codes by party, rows ({ROWS:,} row codes + {PASSAGES:,} passages) "
        f"| {ms('ct_rows')} | | |",
        f"| crosstab by party, passages | {ms('ct_passages')} | | |",
    ]
    table = "\n".join(rows)
    print(table)
    if args.write:
        from import_speed import record

        record(
            "Retrieval and crosstab (Coded passages view)",
            "retrieval.py --write",
            table,
            "Times are wall clock, with this process's CPU time in brackets (the "
            "machine is shared: the wall time also waits for other programs). "
            "The view's query returns the items with their row's text; each passage's "
            "context (the sentence around it, at most 80 characters a side, cut at words) "
            "is worked out when read: the view reads a screenful, an export all of them "
            "(the rows 'context worked out too'). The baseline is the store query that "
            "returns the passages alone.",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

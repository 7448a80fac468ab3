#!/usr/bin/env python3
"""Memos: how long the memo browser takes to list and search every memo of a large project.

    .venv/bin/python benchmarks/memos.py            # print the table
    .venv/bin/python benchmarks/memos.py --write    # and record it in RESULTS.md

A project of 100,000 rows, each coded once (20,000 clicks with a row memo), 50,000
passages (10,000 with a memo), 20 project and 20 code memos: 30,040 memos.

* ``memos.all_memos`` (what the browser reads when it opens), against the obvious
  baseline in the same run: every coder's latest click and every passage read through
  ``human_codes.current`` and ``passages.find``, the memos then picked out.
* ``memos.filter_memos`` with a two-word search over all of them.
* The browser itself, offscreen: opening (read, fill the list, choose the first memo) and
  one search typed. Goals: the browser opens in under 1 s and a search shows its result
  in under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

ROWS = 100_000
PASSAGES = 50_000
ROUNDS = 5
STAMP = "2026-01-01T00:00:00.000+00:00"


def _project(folder: Path):
    import pandas as pd

    from llmstudio.core import memos
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project
    from llmstudio.core.store import human_codes as stored_codes
    from llmstudio.core.store import passages as stored_passages
    from llmstudio.core.store import transaction

    texts = [f"Answer {i}: rents have doubled and the buses stopped." for i in range(ROWS)]
    frame = pd.DataFrame({"text": pd.array(texts, dtype="str")})
    project = Project.create(
        folder / "memos.llmstudio", Corpus(frame=frame, text_column="text", source="b.csv")
    )
    book = Codebook(codes=(Code("Rents"), Code("Buses")), name="Issues", multi_label=True)
    project.save_codebook(book)
    with transaction(project.db):  # as clicks and passages are stored, in bulk
        for i in range(ROWS):
            memo = f"row memo {i} on rents" if i % 5 == 0 else ""
            stored_codes.add(
                project.db, "Issues", "ana", i, json.dumps(["Rents"]), memo, STAMP, None
            )
        for i in range(PASSAGES):
            memo = f"passage memo {i} on buses" if i % 5 == 0 else ""
            stored_passages.add(
                project.db, "Issues", "ben", i, "text", 0, 6, "Buses", memo, STAMP, None
            )
    for i in range(20):
        memos.add_project_memo(project, "ana", f"Diary {i}", f"day {i}: coded rows")
        memos.set_code_memo(project, "Issues", ("Rents", "Buses")[i % 2], f"coder {i}", "notes")
    return project


def _baseline(project):
    """Every memo the obvious way: through every click and every passage."""
    from llmstudio.core import human_codes, passages

    out = []
    for book in project.codebooks():
        out += [c for c in human_codes.current(project, book) if c.memo]
        out += [p for p in passages.find(project, book) if p.memo]
    return out


def _median_ms(func, rounds=ROUNDS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def measure() -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QWidget

    from llmstudio.core import memos
    from llmstudio.gui.memos.memo_browser import MemoBrowser

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(Path(tmp))
        out = {}
        out["all"] = _median_ms(lambda: memos.all_memos(project))
        out["baseline"] = _median_ms(lambda: _baseline(project))
        every = out["all"][1]
        out["filter"] = _median_ms(lambda: memos.filter_memos(every, text="memo 1234"))
        holder = QWidget()  # the window's interface the browser reads: its project
        holder.project = project
        browser = MemoBrowser(holder)
        browser.resize(900, 620)
        browser.show()
        app.processEvents()

        def open_browser():
            browser.search.blockSignals(True)
            browser.search.clear()
            browser.search.blockSignals(False)
            browser.refresh()
            app.processEvents()
            return browser.list.rowCount()

        def search():
            browser.search.setText("passage memo 4321")  # filters on each change
            app.processEvents()
            shown = browser.list.rowCount()
            browser.search.blockSignals(True)
            browser.search.clear()
            browser.search.blockSignals(False)
            return shown

        out["open"] = _median_ms(open_browser)
        out["search"] = _median_ms(search)
        browser.close()
        project.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = parser.parse_args(argv)
    r = measure()
    n = len(r["all"][1])
    rows = [
        "| what (median of 5) | time | goal | baseline, same run |",
        "|---|---:|---|---:|",
        f"| every memo read (`memos.all_memos`, {n:,} memos) | {r['all'][0]:.0f} ms | | "
        f"{r['baseline'][0]:.0f} ms (through every click and passage) |",
        f"| a search over them (`filter_memos`, {len(r['filter'][1]):,} found) "
        f"| {r['filter'][0]:.0f} ms | | |",
        f"| the memo browser opens ({r['open'][1]:,} listed) | {r['open'][0]:.0f} ms "
        "| < 1000 ms | |",
        f"| a search typed in the browser ({r['search'][1]:,} shown) | {r['search'][0]:.0f} ms "
        "| < 200 ms | |",
    ]
    table = "\n".join(rows)
    print(table)
    if args.write:
        from import_speed import record

        record(
            "Memos: listing and searching",
            "memos.py --write",
            f"A project of {ROWS:,} coded rows and {PASSAGES:,} passages; the browser "
            "offscreen (QT_QPA_PLATFORM=offscreen).",
            table,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

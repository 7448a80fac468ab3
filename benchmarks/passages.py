#!/usr/bin/env python3
"""Coded passages: what a passage click and retrieving a code's passages cost.

    .venv/bin/python benchmarks/passages.py            # print the table
    .venv/bin/python benchmarks/passages.py --write    # and record it in RESULTS.md

* **A passage click.** ``passages.add`` checks the offsets against the row's text and
  commits the passage in its own transaction with ``synchronous=FULL`` (nothing lost on a
  crash). Goal: median under 5 ms. In the same run: a row click (``human_codes.record``,
  the same safety) and the unsafe baseline: the same INSERT with ``synchronous=OFF`` and
  one commit per 100 passages.
* **Retrieval.** All passages of a code among 100,000 (10,000 rows, 20 codes in a tree
  of 5 parents with 3 children each): ``passages.of_code`` for a leaf code (~5,000) and for
  a parent with its children (~20,000), as ``Passage`` objects. Goal: under 200 ms.
  Baseline in the same run: the same calls with the ``passages_by_code`` index dropped
  (SQLite then uses another index or scans).
* **Counting.** The coding panel's progress line says how many passages the coder has
  marked, at every click. A click with the count the panel keeps (``PanelPassages``:
  read once, then moved by each change) against the same click followed by a COUNT query
  (what it did before), for a coder with 50,000 passages.
* **Highlighting.** The coding panel's text widget (``gui/coding/passage_text``) showing a
  20,000-character text with 300 overlapping passages of 6 codes, scrolled to the middle:
  setting the highlights, and one full repaint (backgrounds and a bar per code). Goal: a
  repaint well under 50 ms (no lag while selecting). Baseline in the same run: the same
  repaint of the same text with no passages.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

CLICKS = 500
PASSAGES = 100_000
ROWS = 10_000
ROUNDS = 7
COUNTED = 50_000  # one coder's passages, for the progress line's count


def _book():
    from llmstudio.core.codebook import Code, Codebook

    codes = []
    for p in range(5):
        codes.append(Code(f"theme {p}"))
        codes.extend(Code(f"theme {p}.{c}", parent=f"theme {p}") for c in range(3))
    return Codebook(codes=tuple(codes), name="bench", multi_label=True)


def _project(folder: Path, rows: int):
    import pandas as pd

    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project

    texts = [f"Answer {i}: rents have doubled and the buses stopped running." for i in range(rows)]
    frame = pd.DataFrame({"text": pd.array(texts, dtype="str")})
    project = Project.create(
        folder / "bench.llmstudio", Corpus(frame=frame, text_column="text", source="bench.csv")
    )
    book = _book()
    project.save_codebook(book)
    return project, book


def _ms(times) -> list[float]:
    return sorted(x * 1000 for x in times)


def clicks() -> dict:
    from llmstudio.core import human_codes as hc
    from llmstudio.core import passages as ps

    with tempfile.TemporaryDirectory() as tmp:
        project, book = _project(Path(tmp), CLICKS)
        project.corpus()  # loaded once when the project opens in the window
        passage, row = [], []
        for i in range(CLICKS):
            t = time.perf_counter()
            ps.add(project, book, "ana", i, i % 10, 20 + i % 30, book.names[i % 20])
            passage.append(time.perf_counter() - t)
            t = time.perf_counter()
            hc.record(project, book, "ana", i, [book.names[i % 20]])
            row.append(time.perf_counter() - t)
        path = project.path
        project.close()
        db = sqlite3.connect(path)
        db.execute("PRAGMA synchronous=OFF")
        base = []
        for i in range(CLICKS):
            t = time.perf_counter()
            db.execute(
                'INSERT INTO passages (codebook, coder, row_id, text_column, start, "end", code, '
                "memo, created) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)",
                ("bench", "ben", i, "text", 0, 5, "theme 0", "t"),
            )
            if i % 100 == 99:
                db.commit()
            base.append(time.perf_counter() - t)
        db.commit()
        db.close()
    p, r = _ms(passage), _ms(row)
    return {
        "median": statistics.median(p),
        "p99": p[int(0.99 * len(p))],
        "row": statistics.median(r),
        "baseline": statistics.median(_ms(base)),
    }


def _fill(project, book, n: int = PASSAGES, coders=("ana", "ben", "cem")) -> None:
    from llmstudio.core.store import passages as stored
    from llmstudio.core.store import transaction

    rng = random.Random(0)
    with transaction(project.db):
        for _ in range(n):
            start = rng.randrange(0, 40)
            stored.add(
                project.db,
                book.name,
                rng.choice(coders),
                rng.randrange(ROWS),
                "text",
                start,
                start + rng.randrange(1, 20),
                rng.choice(book.names),
                "",
                "2026-12-05T00:00:00.000+00:00",
                None,
            )


def _time(call) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(ROUNDS):
        t = time.perf_counter()
        n = len(call())
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, n


def retrieval() -> dict:
    from llmstudio.core import passages as ps

    with tempfile.TemporaryDirectory() as tmp:
        project, book = _project(Path(tmp), ROWS)
        _fill(project, book)
        leaf = lambda: ps.of_code(project, book, "theme 2.1")  # noqa: E731
        tree = lambda: ps.of_code(project, book, "theme 2")  # noqa: E731
        out = {"leaf": _time(leaf), "tree": _time(tree)}
        project.db.execute("DROP INDEX passages_by_code")
        out["leaf_base"] = _time(leaf)
        out["tree_base"] = _time(tree)
        project.close()
    return out


def counting() -> dict:
    """A passage click and the progress line's count after it, for a coder with
    ``COUNTED`` passages: the panel's kept count (``PanelPassages``) against a COUNT query
    after each click (what the panel did before)."""
    from types import SimpleNamespace

    from llmstudio.core import passages as ps
    from llmstudio.gui.coding.passage_coding import PanelPassages

    with tempfile.TemporaryDirectory() as tmp:
        project, book = _project(Path(tmp), ROWS)
        _fill(project, book, COUNTED, ("ana",))
        project.corpus()
        kept = PanelPassages(SimpleNamespace(project=project, book=book, coder="ana", blind=None))
        t = time.perf_counter()
        first = kept.count()  # read once per project, codebook and coder
        read = (time.perf_counter() - t) * 1000
        new, old, count_only = [], [], []
        for i in range(CLICKS):
            t = time.perf_counter()
            kept.add(i, i % 10, 20 + i % 30, book.names[i % 20])
            kept.count()
            new.append(time.perf_counter() - t)
            t = time.perf_counter()
            ps.add(project, book, "ana", i, i % 10, 20 + i % 30, book.names[i % 20])
            u = time.perf_counter()
            ps.count(project, book.name, "ana")
            old.append(time.perf_counter() - t)
            count_only.append(time.perf_counter() - u)
        assert kept.count() == ps.count(project, book.name, "ana") - CLICKS == first + CLICKS
        project.close()
    return {
        "read": read,
        "new": statistics.median(_ms(new)),
        "old": statistics.median(_ms(old)),
        "count": statistics.median(_ms(count_only)),
    }


def highlight() -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from llmstudio.core.passages import Passage
    from llmstudio.gui.coding.passage_text import PassageText, Shown

    app = QApplication.instance() or QApplication([])
    words = "Rents have doubled and the buses stopped running, said everyone we asked. "
    text = (words * (20_000 // len(words) + 1))[:20_000]
    rng = random.Random(0)
    codes = [f"code {k}" for k in range(6)]
    colors = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00"]
    shown = []
    for i in range(300):
        start = rng.randrange(0, 19_900)
        k = rng.randrange(6)
        p = Passage(
            i, "b", "ana", 0, "text", start, start + rng.randrange(5, 100), codes[k], "", "t"
        )
        shown.append(Shown(p, colors[k]))
    widget = PassageText()
    widget.resize(600, 400)
    widget.show_row(text)
    widget.show()
    app.processEvents()
    bar = widget.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)

    def paint():
        widget.viewport().grab()
        return [0]

    base = _time(paint)[0]
    times = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        widget.show_passages(shown, tuple(codes))
        times.append(time.perf_counter() - t)
    out = {"set": statistics.median(times) * 1000, "paint": _time(paint)[0], "base": base}
    widget.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    c = clicks()
    r = retrieval()
    h = highlight()
    n = counting()
    rows = [
        "| measurement | llmstudio | goal | baseline (same run) |",
        "|---|---:|---:|---:|",
        f"| one passage click stored (median of {CLICKS}; p99 {c['p99']:.2f} ms) "
        f"| {c['median']:.2f} ms | < 5 ms | {c['baseline']:.3f} ms (synchronous=OFF, commit "
        f"per 100); a row click: {c['row']:.2f} ms |",
        f"| a leaf code's passages among {PASSAGES:,} ({r['leaf'][1]:,} found, median of "
        f"{ROUNDS}) | {r['leaf'][0]:.0f} ms | < 200 ms | {r['leaf_base'][0]:.0f} ms "
        "(without the passages_by_code index) |",
        f"| a parent code's passages with its 3 children ({r['tree'][1]:,} found) "
        f"| {r['tree'][0]:.0f} ms | < 200 ms | {r['tree_base'][0]:.0f} ms (without the index) |",
        f"| coding panel: 300 passages highlighted in a 20,000-character text (set, median of "
        f"{ROUNDS}: {h['set']:.1f} ms) | {h['paint']:.1f} ms a repaint | < 50 ms "
        f"| {h['base']:.1f} ms (the same repaint, no passages) |",
        f"| a passage click and the progress line's count, coder with {COUNTED:,} passages "
        f"(median of {CLICKS}; the count kept, read once in {n['read']:.0f} ms) "
        f"| {n['new']:.2f} ms | < 5 ms | {n['old']:.2f} ms (a COUNT after each click: "
        f"{n['count']:.2f} ms of it) |",
    ]
    table = "\n".join(rows)
    print(table)
    if args.write:
        from import_speed import record

        record(
            "Coded passages: click and retrieval",
            "passages.py --write",
            table,
            "A passage click is committed with a full sync before it returns, like a row "
            "click: milliseconds, far below a frame, and nothing is lost on a crash. "
            "Retrieval times include making the Passage objects.",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

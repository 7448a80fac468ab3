#!/usr/bin/env python3
"""REFI-QDA exchange: export and import of a large project.

    .venv/bin/python benchmarks/qdpx.py                 # 100,000 rows, print the table
    .venv/bin/python benchmarks/qdpx.py --write         # and record it in RESULTS.md

A project of ``--rows`` short answers with three metadata columns (text, integer, float)
and one codebook; half the rows carry a coder's row code (every tenth of those a memo),
the other half a passage (the word "buses", of another coder): 50,000 passages at
100,000 rows, as the issue's goal asks.
Timed: ``write_qdpx`` (the .qdpx with one source file per row, cases and variables), then
``read_qdpx`` of that file into a new project (schema check included). Baseline in the
same run: the annotated CSV export of the same project (``export_annotated``), the
obvious way the same rows and codes leave llmstudio today. Goal (issue 18): each under 30 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

GOAL_S = 30.0


def _project(folder: Path, rows: int):
    import numpy as np
    import pandas as pd

    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.corpus import Corpus
    from llmstudio.core.project import Project
    from llmstudio.core.store import human_codes as stored
    from llmstudio.core.store import passages as stored_passages
    from llmstudio.core.store import transaction

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "text": pd.array(
                [f"answer {i}: the buses are late again 👍" for i in range(rows)], dtype="str"
            ),
            "region": pd.array(rng.choice(["north", "south", "east"], rows), dtype="str"),
            "age": pd.array(rng.integers(18, 90, rows), dtype="Int64"),
            "score": rng.normal(size=rows),
        }
    )
    project = Project.create(
        folder / "bench.llmstudio", Corpus(frame=frame, text_column="text", source="bench.csv")
    )
    book = Codebook(tuple(Code(c) for c in ("Transport", "Housing", "Health")), name="topics")
    project.save_codebook(book)
    with transaction(project.db):  # setup, not timed: one transaction, not one per click
        for row in range(0, rows, 2):
            memo = f"memo {row}" if row % 20 == 0 else ""
            code = json.dumps([book.names[row % 3]])
            stored.add(project.db, "topics", "ana", row, code, memo, "2026-12-05T00:00:00", None)
        for row in range(1, rows, 2):
            start = len(f"answer {row}: the ")
            stored_passages.add(
                project.db,
                "topics",
                "bo",
                row,
                "text",
                start,
                start + 5,
                book.names[row % 3],
                "",
                "2026-12-05T00:00:00",
                None,
            )
    return project


def measure(rows: int) -> dict:
    from llmstudio.core.annotated import export_annotated
    from llmstudio.core.refi_qda import read_qdpx, write_qdpx

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project = _project(folder, rows)
        t = time.perf_counter()
        export_annotated(project, folder / "baseline.csv")
        baseline = time.perf_counter() - t
        t = time.perf_counter()
        out = write_qdpx(project, folder / "bench.qdpx")
        export = time.perf_counter() - t
        project.close()
        size = out.stat().st_size
        t = time.perf_counter()
        result = read_qdpx(out, folder / "back.llmstudio")
        imported = time.perf_counter() - t
        assert result.rows == rows and result.row_codes == (rows + 1) // 2, result
        assert result.passages == rows // 2, result
    return {"export": export, "import": imported, "baseline": baseline, "size": size}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    m = measure(args.rows)
    half = (args.rows + 1) // 2
    rows = [
        "| measurement | time (s) | goal | vs baseline |",
        "|---|---:|---:|---:|",
        f"| write_qdpx, {args.rows:,} rows, {half:,} row codes, {args.rows // 2:,} passages "
        f"({m['size'] / 1e6:.1f} MB) "
        f"| {m['export']:.1f} | < {GOAL_S:.0f} s: {'met' if m['export'] < GOAL_S else 'NOT met'} "
        f"| {m['export'] / m['baseline']:.1f}x |",
        f"| read_qdpx of that file into a new project (schema check included) "
        f"| {m['import']:.1f} | < {GOAL_S:.0f} s: {'met' if m['import'] < GOAL_S else 'NOT met'} "
        f"| {m['import'] / m['baseline']:.1f}x |",
        f"| baseline: export_annotated to CSV, same project | {m['baseline']:.1f} | | 1.0x |",
    ]
    table = "\n".join(rows)
    print(table)
    if args.write:
        from import_speed import record

        record(
            f"REFI-QDA exchange ({args.rows:,} rows)", f"qdpx.py --rows {args.rows} --write", table
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

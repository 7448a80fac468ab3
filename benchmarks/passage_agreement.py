#!/usr/bin/env python3
"""Agreement on passages over characters: one code, two coders, 1,000 bootstrap resamples.

    .venv/bin/python benchmarks/passage_agreement.py            # 20,000 rows, print the table
    .venv/bin/python benchmarks/passage_agreement.py --write    # and record it in RESULTS.md

Rows of 50 to 400 characters, each coder marking one passage of 1 to 10 characters per
row (seeded). Timed: ``stats.passage_agreement`` (every row's characters, the 2x2 table
per row, percent, kappa, alpha and positive agreement on the same 1,000 resamples of
rows). Baseline in the same run: ``stats.agreement`` of the same two coders' row codes
(the code applies or not, one unit per row), the row-level check it sits beside.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def measure(rows: int) -> dict:
    import numpy as np

    from llmstudio.core.stats import agreement
    from llmstudio.core.stats.passage_agreement import RowSpans, passage_agreement

    rng = np.random.default_rng(0)
    units, a, b = [], [], []
    for _ in range(rows):
        length = int(rng.integers(50, 400))
        spans = []
        for _coder in range(2):
            start = int(rng.integers(0, length - 10))
            spans.append([(start, start + int(rng.integers(1, 10)))])
        units.append(RowSpans(length, spans))
        a.append(int(rng.random() < 0.5))
        b.append(int(rng.random() < 0.5))
    t = time.perf_counter()
    passage_agreement(units, ["a", "b"], "code", n_resamples=1000)
    chars = time.perf_counter() - t
    t = time.perf_counter()
    agreement([a, b], ["a", "b"], n_resamples=1000)
    baseline = time.perf_counter() - t
    return {"chars": chars, "baseline": baseline, "characters": sum(u.length for u in units)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = ap.parse_args(argv)
    m = measure(args.rows)
    table = "\n".join(
        [
            "| measurement | time (s) | vs baseline |",
            "|---|---:|---:|",
            f"| passage agreement, {args.rows:,} rows ({m['characters']:,} characters), "
            f"1,000 resamples | {m['chars']:.2f} | {m['chars'] / m['baseline']:.1f}x |",
            f"| baseline: row-code agreement, same rows, 1,000 resamples | {m['baseline']:.2f} "
            "| 1.0x |",
        ]
    )
    print(table)
    if args.write:
        from import_speed import record

        record(
            f"Agreement on passages ({args.rows:,} rows)",
            f"passage_agreement.py --rows {args.rows} --write",
            "One code, two coders; a codebook's time is this times its codes.",
            table,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

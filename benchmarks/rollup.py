"""Results on units rolled up to documents (``core.rollup.roll_up``) on a generated units
corpus, against the obvious baseline: the same numbers written as plain pandas in the
same run (0/1 columns per code made with ``get_dummies``, one ``groupby().mean()``).

    .venv/bin/python benchmarks/rollup.py [--units N] [--write]   # --write: RESULTS.md

The roll-up does more than the baseline: it checks which columns are constant within a
document (metadata), keeps each document's unit rows for the window, splits multi-label
codes and combines a sentiment run's valence with its labels' valence.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
ROUNDS = 3
PER_DOCUMENT = 20
SCHEME = ("positive", "negative", "neutral")


def _frame(units: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    docs = np.repeat(np.arange(units // PER_DOCUMENT), PER_DOCUMENT)
    return pd.DataFrame(
        {
            "document": [f"doc{d:07}" for d in docs],
            "unit": np.tile(np.arange(1, PER_DOCUMENT + 1), units // PER_DOCUMENT),
            "text": "a sentence",
            "party": np.where(docs % 2, "A", "B"),
            "year": 2000 + docs % 20,
            "label": rng.choice([*SCHEME, None], units),
            "valence": rng.uniform(-1, 1, units),
            "codes": rng.choice(["a", "b", "a; b", None], units),
        }
    )


def _baseline(frame):
    import pandas as pd

    label = pd.get_dummies(frame["label"], dtype=float)
    label[frame["label"].isna()] = float("nan")
    codes = frame["codes"].str.get_dummies(sep="; ").astype(float)
    codes[frame["codes"].isna()] = float("nan")
    valence = frame["valence"].where(frame["label"].notna())
    parts = pd.concat([label, codes.add_prefix("c_"), valence], axis=1)
    return parts.groupby(frame["document"], sort=False).mean()


def _rollup(frame):
    from llmstudio.core.rollup import UnitResult, roll_up

    return roll_up(
        frame,
        [
            UnitResult("label", "codes", ("label",), SCHEME),
            UnitResult("label", "signed", ("label", "valence"), scheme=SCHEME),
            UnitResult("codes", "codes", ("codes",), multi=True),
        ],
        text_column="text",
    )


def _median(func, frame) -> float:
    from import_speed import median_seconds

    return median_seconds(func, frame, ROUNDS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = parser.parse_args(argv)
    frame = _frame(args.units)
    documents = args.units // PER_DOCUMENT
    base, ours = _median(_baseline, frame), _median(_rollup, frame)
    table = "\n".join(
        [
            f"| what (median of {ROUNDS}) | time (s) | vs baseline |",
            "|---|---:|---:|",
            f"| baseline: pandas get_dummies + groupby mean | {base:.2f} | 1.00x |",
            f"| `roll_up` (shares, mean signed sentiment, metadata, rows) | {ours:.2f} "
            f"| {ours / base:.1f}x |",
        ]
    )
    print(table)
    if args.write:
        from import_speed import record

        record(
            f"Roll-up to documents ({args.units:,} units)",
            f"rollup.py --units {args.units} --write",
            f"{args.units:,} units in {documents:,} documents; a 3-label sentiment "
            "result with valence (a quarter of units without a result) and a "
            "multi-label result.",
            table,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

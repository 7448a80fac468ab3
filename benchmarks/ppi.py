"""Corrected estimates (``core.estimates.corrected_estimates``: naive, person-only, PPI and
PPI++ per group and label) on 1,000,000 rows, 20 groups, 5 labels and 500 gold rows, against
two baselines in the same run: the naive shares by group as plain pandas (what a chart
computes without correction), and ppi-python's ``ppi_mean_ci`` (classical and PPI++) called
per group and label (when ppi-python is installed; no extra of llmstudio installs it).
Goal: under 2 s.

    .venv/bin/python benchmarks/ppi.py [--rows N] [--write]   # --write: RESULTS.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
ROUNDS = 3
GROUPS, LABELS, GOLD = 20, 5, 500


def _frame(rows: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    labels = np.array([f"label {k}" for k in range(LABELS)], dtype=object)
    truth = rng.integers(0, LABELS, rows)
    wrong = rng.random(rows) < 0.2
    model = np.where(wrong, rng.integers(0, LABELS, rows), truth)
    gold = np.full(rows, None, dtype=object)
    drawn = rng.choice(rows, GOLD, replace=False)
    gold[drawn] = labels[truth[drawn]]
    return pd.DataFrame(
        {
            "group": pd.Series(rng.integers(0, GROUPS, rows)).map(lambda g: f"group {g:02}"),
            "model": labels[model],
            "gold": gold,
        }
    )


def _naive(frame):
    return frame.groupby("group")["model"].value_counts(normalize=True)


def _ours(frame):
    from llmstudio.core.estimates import SampleOrigin, corrected_estimates

    return corrected_estimates(frame, "model", "gold", SampleOrigin(True, "b"), by="group")


def _ppi_python(frame):
    import numpy as np
    import ppi_py

    gold = frame["gold"].notna().to_numpy()
    for _, part in frame.groupby("group"):
        g = part["gold"].notna().to_numpy()
        for label in part["model"].unique():
            yhat = (part["model"] == label).to_numpy(dtype=float)
            y = (part["gold"] == label).to_numpy(dtype=float)
            ppi_py.ppi_mean_ci(y[g], yhat[g], yhat[~g], alpha=0.05, lam=1)
            ppi_py.ppi_mean_ci(y[g], yhat[g], yhat[~g], alpha=0.05)
    return np.sum(gold)


def _median(func, frame) -> float:
    from import_speed import median_seconds

    return median_seconds(func, frame, ROUNDS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--write", action="store_true", help="record the table in RESULTS.md")
    args = parser.parse_args(argv)
    frame = _frame(args.rows)
    base, ours = _median(_naive, frame), _median(_ours, frame)
    rows = [
        f"| what (median of {ROUNDS}) | time (s) | vs naive |",
        "|---|---:|---:|",
        f"| naive shares by group (pandas groupby value_counts) | {base:.2f} | 1.00x |",
        f"| `corrected_estimates` (naive, person only, PPI, PPI++; all rows and by group) "
        f"| {ours:.2f} | {ours / base:.1f}x |",
    ]
    from llmstudio.core.estimate_planning import plan_sample

    report = _ours(frame)
    plan = _median(lambda _f: plan_sample(report, 0.03), frame)
    rows.append(
        f"| `plan_sample` (rows to code for ±3 points, {len(report.estimates)} estimates; the "
        f"window redoes it on each target change) | {plan:.3f} | {plan / base:.2f}x |"
    )
    try:
        import ppi_py  # noqa: F401
    except ImportError:
        rows.append("| ppi-python per group and label | not installed | |")
    else:
        theirs = _median(_ppi_python, frame)
        rows.append(
            f"| ppi-python `ppi_mean_ci` (PPI, PPI++) per group and label, by group only "
            f"| {theirs:.2f} | {theirs / base:.1f}x |"
        )
    table = "\n".join(rows)
    print(table)
    if args.write:
        from import_speed import record

        record(
            f"Corrected estimates ({args.rows:,} rows)",
            f"ppi.py --rows {args.rows} --write",
            f"{args.rows:,} rows, {GROUPS} groups, {LABELS} labels, {GOLD} gold rows drawn at "
            "random; the model wrong on a fifth of rows. Goal: under 2 s.",
            table,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Estimates corrected for the model's errors: the share of each label (or the mean of a
score), overall and per group of a column, from a model's labels on every row and a
person's codes on a random sample of the rows (the "gold" rows), Qt-free.

For each group and label: the naive estimate (model labels only, Wilson interval), the
person's sample alone (Wilson interval for a share, normal for a mean), classical PPI and
PPI++ (``stats/ppi.py``), the number of rows, of gold rows, and the effective sample size
(how many rows a person would have had to code for the corrected interval's width).

A sample that was not drawn at random from the rows estimated gives biased corrections:
:class:`SampleOrigin` says whether it was, and :func:`corrected_estimates` refuses one that
was not (a table cannot show how its sample was drawn: the caller says so). A group with
fewer than :data:`MIN_GOLD` gold rows gets no corrected interval, and says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .errors import UsageError
from .stats.intervals import Z95, wilson
from .stats.ppi import UnlabelledSums, classical_mean, ppi_mean
from .wording import counted

__all__ = ["MIN_GOLD", "Estimate", "EstimateReport", "SampleOrigin", "corrected_estimates"]

MIN_GOLD = 10  # gold rows a group needs before its corrected interval means anything
ALL = "(all rows)"


@dataclass(frozen=True)
class SampleOrigin:
    """How the gold rows were chosen: ``random`` True only for a simple random sample of the
    rows estimated; ``description`` for the methods record ("random sample of 200 rows,
    seed 1"); ``reason`` why a sample is refused."""

    random: bool
    description: str
    reason: str = ""


@dataclass(frozen=True)
class Estimate:
    """One group's estimate of one label's share (or of the mean score, ``label`` None).
    ``corrected``/``ci_*``: classical PPI; ``ppi_plus*``: PPI++; None with ``note`` when the
    group has too few gold rows."""

    group: str
    label: str | None
    n: int
    n_gold: int
    naive: float
    naive_ci_low: float | None
    naive_ci_high: float | None
    human_only: float | None
    human_ci_low: float | None
    human_ci_high: float | None
    corrected: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ppi_plus: float | None = None
    ppi_plus_ci_low: float | None = None
    ppi_plus_ci_high: float | None = None
    ppi_plus_lambda: float | None = None
    effective_n: float | None = None  # gold rows the PPI++ interval is worth
    note: str = ""
    # the moments PPI++'s variance is made of (divisor n, as the estimator): what
    # core/estimate_planning sizes a larger sample with
    person_variance: float | None = None  # the person's values on the coded rows
    covariance: float | None = None  # person and model on the coded rows
    model_coded_variance: float | None = None  # the model's values on the coded rows
    model_variance: float | None = None  # the model's values on the rows not coded

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def not_narrower(self) -> bool:
        """The corrected interval is not narrower than the person's sample alone: the model
        adds nothing here (too few gold rows, or a model that agrees too little)."""
        if self.ppi_plus_ci_low is None or self.human_ci_low is None:
            return False
        corrected = self.ppi_plus_ci_high - self.ppi_plus_ci_low
        return corrected >= (self.human_ci_high - self.human_ci_low) - 1e-12


@dataclass(frozen=True)
class EstimateReport:
    """Every group's estimates, what they were made from, and rows left out."""

    estimates: list[Estimate]
    model_column: str
    gold_column: str
    by: str | None
    kind: str  # "share" or "mean"
    sample: SampleOrigin
    rows: int
    gold_rows: int
    left_out: int  # rows without a model label (a failed or skipped row)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["estimates"] = [e.to_dict() for e in self.estimates]
        return d


def _present(column: pd.Series) -> np.ndarray:
    text = column.astype("string").str.strip()
    return (column.notna() & text.ne("").fillna(False)).to_numpy(dtype=bool)


def _numbers(column: pd.Series, name: str, where: np.ndarray) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    bad = where & np.isnan(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise UsageError(
            f"column {name!r} is not a number on {int(bad.sum()):,} rows (first: row "
            f"{first + 1}, {column.iloc[first]!r}); means need numbers"
        )
    return values


def corrected_estimates(
    frame: pd.DataFrame,
    model_column: str,
    gold_column: str,
    sample: SampleOrigin,
    by: str | None = None,
    kind: str = "share",
    min_gold: int = MIN_GOLD,
) -> EstimateReport:
    """Naive, human-only, PPI and PPI++ estimates of each label's share (``kind="share"``)
    or of the mean (``kind="mean"``, numeric columns) per group of ``by`` (and over all
    rows). Gold rows: those with a value in ``gold_column``. UsageError for a missing
    column, a sample not drawn at random (``sample.reason``), no gold rows, or no rows
    left uncoded."""
    for role, col in (("model", model_column), ("gold", gold_column), ("--by", by)):
        if col is not None and col not in frame.columns:
            raise UsageError(
                f"no column {col!r} (the {role} column); the columns are: "
                + ", ".join(map(str, frame.columns))
            )
    if kind not in ("share", "mean"):
        raise ValueError(f"kind must be 'share' or 'mean', not {kind!r}")
    if not sample.random:
        raise UsageError(f"the validation sample is refused: {sample.reason}")
    has_model = _present(frame[model_column])
    left_out = int((~has_model).sum())
    kept = frame.loc[has_model]
    gold = _present(kept[gold_column])
    if not gold.any():
        raise UsageError(f"column {gold_column!r} has no codes: nothing to correct with")
    if gold.all():
        raise UsageError(
            f"every row has a code in {gold_column!r}: the person's codes are the answer, "
            "there is nothing for the model to add"
        )
    if kind == "mean":
        yhat = _numbers(kept[model_column], model_column, np.ones(len(kept), bool))
        y = _numbers(kept[gold_column], gold_column, gold)
        labels: list[str | None] = [None]
    else:
        yhat_text = kept[model_column].astype("string").str.strip().to_numpy(dtype=object)
        y_text = kept[gold_column].astype("string").str.strip().to_numpy(dtype=object)
        labels = sorted(set(yhat_text) | set(y_text[gold]))
    if by is None:
        group_codes = np.zeros(len(kept), dtype=np.int64)
        names = [ALL]
    else:
        keys = kept[by].astype("string").fillna("(missing)")
        codes, uniques = pd.factorize(keys, sort=True)
        group_codes = np.asarray(codes, dtype=np.int64)
        names = [ALL] + [str(u) for u in uniques]
    out: list[Estimate] = []
    gold_idx = np.flatnonzero(gold)
    if kind == "mean":
        columns = [(None, yhat, y)]
    else:
        codes_hat = pd.Categorical(yhat_text, categories=labels).codes
        # rows without a code (None, or "" in a table) have no category; only gold rows count
        codes_gold = pd.Categorical(np.where(gold, y_text, None), categories=labels).codes
        columns = [
            (label, (codes_hat == k).astype(float), (codes_gold == k).astype(float))
            for k, label in enumerate(labels)
        ]
    n_groups = len(names) - 1
    counts = np.bincount(group_codes, minlength=max(n_groups, 1))
    for label, model_values, gold_values in columns:
        sums = np.bincount(group_codes, weights=model_values, minlength=max(n_groups, 1))
        squares = np.bincount(
            group_codes, weights=model_values * model_values, minlength=max(n_groups, 1)
        )
        g_model = model_values[gold_idx]
        g_gold = gold_values[gold_idx]
        g_groups = group_codes[gold_idx]
        # (group name, rows, model sum, squares, gold rows' model and person values)
        parts = [(ALL, len(kept), sums.sum(), squares.sum(), g_model, g_gold)]
        if by is not None:
            for g in range(n_groups):
                inside = g_groups == g
                parts.append(
                    (names[g + 1], counts[g], sums[g], squares[g], g_model[inside], g_gold[inside])
                )
        for name, n, total, sq, gm, gg in parts:
            out.append(
                _estimate(name, label, int(n), float(total), float(sq), gm, gg, kind, min_gold)
            )
    return EstimateReport(
        out,
        model_column,
        gold_column,
        by,
        kind,
        sample,
        len(kept),
        int(gold.sum()),
        left_out,
    )


def _estimate(
    group: str,
    label: str | None,
    n: int,
    total: float,
    squares: float,
    yhat: np.ndarray,
    y: np.ndarray,
    kind: str,
    min_gold: int,
) -> Estimate:
    n_gold = len(y)
    naive = total / n if n else float("nan")
    if kind == "share":
        naive_low, naive_high = wilson(round(total), n)
    else:
        naive_est = UnlabelledSums(n, total, squares)
        se = (naive_est.variance() / n) ** 0.5 if n else float("nan")
        naive_low, naive_high = naive - Z95 * se, naive + Z95 * se
    base = dict(group=group, label=label, n=n, n_gold=n_gold, naive=naive)
    base.update(naive_ci_low=naive_low, naive_ci_high=naive_high)
    if n_gold == 0:
        return Estimate(
            **base,
            human_only=None,
            human_ci_low=None,
            human_ci_high=None,
            note="no row of this group was coded by a person",
        )
    human = classical_mean(y)
    if kind == "share":
        human_low, human_high = wilson(round(float(y.sum())), n_gold)
    else:
        human_low, human_high = human.ci_low, human.ci_high
    base.update(human_only=human.mean, human_ci_low=human_low, human_ci_high=human_high)
    unlabelled = UnlabelledSums(
        n - n_gold, total - float(yhat.sum()), squares - float(np.dot(yhat, yhat))
    )
    if n_gold < min_gold or unlabelled.count == 0:
        why = (
            f"only {counted(n_gold, 'row')} of this group coded by a person (a corrected interval "
            f"needs at least {min_gold})"
            if n_gold < min_gold
            else "every row of this group was coded by a person"
        )
        return Estimate(**base, note=why)
    ppi = ppi_mean(y, yhat, unlabelled, lam=1.0)
    plus = ppi_mean(y, yhat, unlabelled, lam=None)
    # no spread in the person's sample (the label never or always coded): its standard
    # error is 0 and says nothing of how many rows the model is worth
    effective = n_gold * (human.se / plus.se) ** 2 if plus.se > 0 and human.se > 0 else None
    note = ""
    # the estimator is unbounded (as ppi-python's): a share below 0 or above 1 is kept, and
    # said, rather than clipped into a number that looks sure
    if kind == "share" and not (0 <= ppi.mean <= 1 and 0 <= plus.mean <= 1):
        note = "the corrected share lies outside 0-100%: too few coded rows with this label"
    return Estimate(
        **base,
        note=note,
        corrected=ppi.mean,
        ci_low=ppi.ci_low,
        ci_high=ppi.ci_high,
        ppi_plus=plus.mean,
        ppi_plus_ci_low=plus.ci_low,
        ppi_plus_ci_high=plus.ci_high,
        ppi_plus_lambda=plus.lam,
        effective_n=effective,
        person_variance=float(y.var()),
        covariance=float(np.mean((y - y.mean()) * (yhat - yhat.mean()))),
        model_coded_variance=float(yhat.var()),
        model_variance=unlabelled.variance(),
    )

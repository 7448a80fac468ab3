"""Paired comparisons: the same rows measured twice (original and counterfactual text).

* The mean difference (after - before) with a percentile bootstrap interval that resamples
  *pairs* (rows), so the interval keeps each row's own pairing: the shared machinery of
  :mod:`.bootstrap`, with the distinct differences as its patterns.
* A paired test of "no systematic difference":

  - all differences zero: nothing to test, p = 1 (``test = "none"``);
  - the non-zero differences all of one size (labels mapped to -1/0/+1 where every
    change is one step): an exact two-sided **sign test** (binomial, p = 1/2) on the
    number of positive differences; Wilcoxon's ranks would all be tied and add nothing,
    and its normal approximation is poor for the few changes such data usually have;
  - otherwise the **Wilcoxon signed-rank test** (scipy.stats.wilcoxon, two-sided,
    ``zero_method="wilcox"``: zero differences are dropped, as in Wilcoxon's original
    test; scipy picks the exact distribution for small samples without ties and the
    normal approximation otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..progress import Monitor
from .bootstrap import bootstrap

__all__ = ["PairedComparison", "bootstrap_mean", "compare_paired", "paired_test"]


@dataclass(frozen=True)
class PairedComparison:
    """``after - before`` over ``n`` pairs; ``nonzero`` pairs differ at all."""

    n: int
    mean_difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str  # "wilcoxon", "sign", "none" (all zero) or "" (no pairs)
    nonzero: int
    n_resamples: int
    seed: int | None
    level: float

    def to_dict(self) -> dict:
        return asdict(self)


def bootstrap_mean(
    values: Sequence[float],
    *,
    n_resamples: int = 2000,
    seed: int | None = 0,
    level: float = 0.95,
    monitor: Monitor | None = None,
) -> tuple[float | None, float | None, float | None]:
    """``(mean, ci_low, ci_high)`` of ``values``, the interval a percentile bootstrap over
    the values (units); Nones without values, no interval without resamples."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return None, None, None
    # Units with the same value share a pattern: the work does not grow with repeats.
    distinct, unit_pattern = np.unique(values, return_inverse=True)
    features = np.column_stack([distinct, np.ones_like(distinct)])
    estimate = bootstrap(
        {"mean": (features, lambda sums: sums[..., 0] / sums[..., 1])},
        unit_pattern.ravel(),
        len(values),
        n_resamples=n_resamples,
        seed=seed,
        level=level,
        monitor=monitor,
    )["mean"]
    return float(values.mean()), estimate.ci_low, estimate.ci_high


def paired_test(differences: Sequence[float]) -> tuple[float | None, str]:
    """``(p_value, test)`` for the differences (see the module's notes)."""
    d = np.asarray(differences, dtype=float)
    if d.size == 0:
        return None, ""
    nonzero = d[d != 0]
    if nonzero.size == 0:
        return 1.0, "none"
    from scipy import stats  # imported here: a second or so, and only tests need it

    if np.unique(np.abs(nonzero)).size == 1:
        return float(stats.binomtest(int((nonzero > 0).sum()), nonzero.size, 0.5).pvalue), "sign"
    result = stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    return float(result.pvalue), "wilcoxon"


def compare_paired(
    before: Sequence[float],
    after: Sequence[float],
    *,
    n_resamples: int = 2000,
    seed: int | None = 0,
    level: float = 0.95,
    monitor: Monitor | None = None,
) -> PairedComparison:
    """Mean of ``after - before`` with its bootstrap interval and a paired test."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if before.shape != after.shape:
        raise ValueError(f"paired values need equal lengths, got {before.size} and {after.size}")
    d = after - before
    if np.isnan(d).any():
        raise ValueError("paired values must all be numbers (drop the pairs with a missing one)")
    mean, low, high = bootstrap_mean(
        d, n_resamples=n_resamples, seed=seed, level=level, monitor=monitor
    )
    p, test = paired_test(d)
    if p is not None and math.isnan(p):
        p = None
    return PairedComparison(
        int(d.size), mean, low, high, p, test, int((d != 0).sum()), n_resamples, seed, level
    )

"""Closed-form intervals (the bias probes, the learning curve), so that a reader can recompute them
from ``rows.csv`` with a pocket calculator or any statistics package (the counterfactual
swaps use a seeded bootstrap and Wilcoxon's test instead, ``stats/paired.py``: label flips
on one's own corpus are not the continuous, template-paired scores the EEC paper tested
with t):

* :func:`t_interval`: a mean with its 95% Student-t interval, mean +- t(0.975, n-1) *
  sd / sqrt(n) (sd with n-1), and the two-sided one-sample t-test of mean = 0. On paired
  differences this is the paired t-test Kiritchenko & Mohammad (2018) used on the EEC.
* :func:`wilson`: the 95% Wilson score interval of a proportion k/n (counts of sampled
  completions); good at small n and at 0 or n, where the normal (Wald) interval is not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


@dataclass(frozen=True)
class TInterval:
    """A mean with its 95% t interval; ``ci_*``/``p_value`` are None below two values."""

    n: int
    mean: float | None
    sd: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None  # two-sided t-test of mean = 0

    def to_dict(self) -> dict:
        return asdict(self)


def t_interval(values: Iterable[float]) -> TInterval:
    """The mean of ``values`` (NaN and None dropped) with its 95% t interval and p-value."""
    xs = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    n = len(xs)
    if n == 0:
        return TInterval(0, None)
    mean = sum(xs) / n
    if n < 2:
        return TInterval(n, mean)
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    se = sd / math.sqrt(n)
    if se <= 1e-12 * max(1.0, abs(mean)):  # every value the same (up to rounding)
        return TInterval(n, mean, 0.0, mean, mean, 1.0 if abs(mean) <= 1e-12 else 0.0)
    from scipy.stats import t  # imported on use: a light start for the CLI

    half = float(t.ppf(0.975, n - 1)) * se
    p = float(2 * t.sf(abs(mean / se), n - 1))
    return TInterval(n, mean, sd, mean - half, mean + half, p)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval of the proportion ``k / n`` ((None, None) when n = 0)."""
    if n <= 0:
        return None, None
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # at 0 or n, rounding leaves the bound a hair off the observed proportion: snap to it
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    low = 0.0 if k == 0 else min(low, p)
    high = 1.0 if k == n else max(high, p)
    return low, high


def wilson_width(p: float, n: int, z: float = Z95) -> float:
    """The width (high - low) of the 95% Wilson interval of a proportion ``p`` observed in
    ``n`` rows: what a sample of ``n`` rows can tell, before it is coded (e.g. the share
    of rows where a model agrees with a coder, expected near ``p``). Not clipped to 0..1,
    so near 0 or 1 at small ``n`` it is a little wider than the interval drawn."""
    if n <= 0:
        return math.inf
    return 2 * z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


def rows_for_width(p: float, width: float, z: float = Z95) -> int:
    """The fewest rows whose 95% Wilson interval for a proportion near ``p`` is at most
    ``width`` wide (:func:`wilson_width` falls as n grows)."""
    if width <= 0:
        raise ValueError("width must be above 0")
    low, high = 1, 1
    while wilson_width(p, high, z) > width:
        low, high = high, high * 2
    while low < high:
        mid = (low + high) // 2
        if wilson_width(p, mid, z) > width:
            low = mid + 1
        else:
            high = mid
    return high

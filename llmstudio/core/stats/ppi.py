"""Prediction-powered inference (PPI) of a mean: a model's labels on every row corrected by
a person's codes on a random sample, so that the estimate is unbiased whatever the model's
errors and its interval holds (Angelopoulos, Bates, Fannjiang, Jordan & Zrnic, Science 2023),
with the power-tuned variant PPI++ (Angelopoulos, Duchi & Zrnic, 2023).

The formulas are those of ``ppi_py.ppi_mean_pointestimate`` / ``ppi_mean_ci`` (ppi-python
0.2.3, by the method's authors), written out here because that package pulls numba,
statsmodels and gdown (a downloader) for a few lines of arithmetic; the tests match its
numbers to 3 decimals. As in ppi-python the model's labels enter twice: on the ``n`` gold
rows (``yhat``, beside the person's ``y``) and on the ``N`` other rows (the unlabelled).
The unlabelled rows are passed as sums (count, sum, sum of squares) so that a million rows
by 20 groups by 5 labels costs a few ``bincount`` calls, not a loop over rows.

* classical PPI (lambda = 1): theta = mean(yhat_u) + mean(y - yhat);
  se^2 = var(yhat_u) / N + var(y - yhat) / n (variances with divisor n, as ppi-python).
* PPI++: lambda = cov(y, yhat) / ((1 + n/N) var(yhat over all rows)), clipped to [0, 1]
  (lambda = 0 is the person's sample alone, 1 is classical PPI); then theta and se as above
  with lambda * yhat in place of yhat. When the model gives one value on every row its
  variance is 0 and it can tell nothing: lambda = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .intervals import Z95

__all__ = ["MeanEstimate", "UnlabelledSums", "classical_mean", "ppi_lambda", "ppi_mean"]


@dataclass(frozen=True)
class UnlabelledSums:
    """The model's values on the rows no person coded: how many, their sum and sum of
    squares (enough for the mean and the variance)."""

    count: int
    total: float
    squares: float

    @classmethod
    def of(cls, values: np.ndarray) -> UnlabelledSums:
        """The sums of an array of values."""
        v = np.asarray(values, dtype=float)
        return cls(int(v.size), float(v.sum()), float(np.dot(v, v)))

    def variance(self) -> float:
        """The variance with divisor N (numpy's default, as ppi-python)."""
        if self.count == 0:
            return 0.0
        mean = self.total / self.count
        return max(0.0, self.squares / self.count - mean * mean)


@dataclass(frozen=True)
class MeanEstimate:
    """A mean with its standard error and 95% normal interval; ``lam`` the weight on the
    model (1: classical PPI; 0: the person's sample alone)."""

    mean: float
    se: float
    ci_low: float
    ci_high: float
    lam: float

    @classmethod
    def normal(cls, mean: float, se: float, lam: float, z: float = Z95) -> MeanEstimate:
        return cls(float(mean), float(se), float(mean - z * se), float(mean + z * se), lam)


def ppi_lambda(y: np.ndarray, yhat: np.ndarray, unlabelled: UnlabelledSums) -> float:
    """PPI++'s power-tuning weight for a mean (ppi-python's ``_calc_lam_glm`` for d = 1,
    clipped to [0, 1])."""
    n, big_n = len(y), unlabelled.count
    if n < 2 or big_n == 0:
        return 0.0
    covariance = float(np.mean((y - y.mean()) * (yhat - yhat.mean())))
    # var of yhat over labelled and unlabelled rows together, divisor m - 1 (np.cov)
    m = n + big_n
    total = float(yhat.sum()) + unlabelled.total
    squares = float(np.dot(yhat, yhat)) + unlabelled.squares
    variance = (squares - total * total / m) / (m - 1)
    if variance <= 1e-15:
        return 0.0
    lam = covariance / ((1 + n / big_n) * variance)
    return float(min(1.0, max(0.0, lam)))


def ppi_mean(
    y: np.ndarray, yhat: np.ndarray, unlabelled: UnlabelledSums, lam: float | None = 1.0
) -> MeanEstimate:
    """The prediction-powered mean of ``y`` from the person's values ``y`` and the model's
    ``yhat`` on the same gold rows and the model's values on the other rows; ``lam=None``:
    PPI++ (the weight chosen from the data), 1: classical PPI."""
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    if len(y) != len(yhat) or len(y) == 0:
        raise ValueError("y and yhat need the same, non-zero number of values")
    if unlabelled.count == 0:
        raise ValueError("prediction-powered inference needs rows no person coded")
    if lam is None:
        lam = ppi_lambda(y, yhat, unlabelled)
    n, big_n = len(y), unlabelled.count
    rectifier = y - lam * yhat
    mean = lam * unlabelled.total / big_n + float(rectifier.mean())
    variance = lam * lam * unlabelled.variance() / big_n + float(rectifier.var()) / n
    return MeanEstimate.normal(mean, math.sqrt(variance), float(lam))


def classical_mean(y: np.ndarray) -> MeanEstimate:
    """The person's sample alone: its mean with the normal interval (ppi-python's
    ``classical_mean_ci``: standard deviation with divisor n)."""
    y = np.asarray(y, dtype=float)
    if len(y) == 0:
        raise ValueError("no values")
    return MeanEstimate.normal(float(y.mean()), float(y.std()) / math.sqrt(len(y)), 0.0)

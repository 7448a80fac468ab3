"""How many more rows a person should code, at random, for corrected intervals of a target
width (Qt-free): from PPI++'s variance formula with what the coded rows show so far.

With n of a group's N rows coded, PPI++'s squared standard error at weight lambda is

    se^2 = lambda^2 V_model / (N - n) + (V_person - 2 lambda C + lambda^2 V_coded) / n

(V_person, V_coded: the person's and the model's values on the coded rows; C their
covariance, large where the model agrees with the person; V_model: the model's values on
the rows not coded). PPI++ picks the lambda in [0, 1] that makes it smallest, so for
each n the plan does too (lambda = C / (V_coded + n V_model / (N - n))), and takes the
smallest n whose 95% interval (1.96 se) is within the target. lambda = 0 is the person's
rows alone, so any target is reached before the whole group is coded, or the plan says
the group is too small. A random sample over all rows reaches a group in proportion to
its size: a group of N_g of N rows needing m more coded rows asks for m * N / N_g more
rows overall. A plan, not a promise: the moments are estimated from the rows coded so far
and move as more are coded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .estimates import Estimate, EstimateReport
from .stats.intervals import Z95
from .wording import counted

__all__ = ["RowsNeeded", "SamplePlan", "plan_sample", "rows_needed"]


@dataclass(frozen=True)
class RowsNeeded:
    """One estimate's plan: ``coded`` rows of its group it needs in all (None: the formula
    cannot say, ``reason`` why), ``more`` beyond those coded, ``overall``: more rows to
    draw at random from all rows for the group to get ``more``."""

    estimate: Estimate
    coded: int | None
    more: int | None
    overall: int | None
    reason: str = ""


@dataclass(frozen=True)
class SamplePlan:
    """Every estimate's plan for one half-width, and the most rows any of them asks for."""

    half_width: float
    kind: str
    rows: list[RowsNeeded]
    more: int | None  # rows to draw at random for every estimate that can say to reach it
    widest: RowsNeeded | None  # the estimate that asks for the most
    unreachable: list[RowsNeeded]  # those the formula cannot plan for

    def sentence(self) -> str:
        """The plan in words, for the window and the methods record."""
        target = _target(self.half_width, self.kind)
        if self.widest is None:
            if not self.unreachable:
                return f"For intervals of {target}: no corrected estimate to plan from."
            first = self.unreachable[0]
            return (
                f"For intervals of {target}: no estimate gets there by coding more rows "
                f"({_what(first.estimate)} in {first.estimate.group}: {first.reason})."
            )
        if self.more == 0 and not self.unreachable:
            text = f"Every corrected interval is already within {target}."
        elif self.more == 0:
            within = sum(r.overall is not None for r in self.rows)
            verb = "is" if within == 1 else "are"
            text = f"{counted(within, 'corrected interval')} {verb} already within {target}."
        else:
            w = self.widest.estimate
            every = "" if self.unreachable else " on every bar"
            text = (
                f"For intervals of {target}{every}: code about {self.more:,} more rows "
                f"drawn at random (the widest: {_what(w)} in {w.group}), from PPI++'s "
                "variance formula with the agreement seen so far."
            )
        if self.unreachable:
            text += (
                f" {counted(len(self.unreachable), 'other estimate')} cannot get there by "
                "coding more rows (see the table)."
            )
        return text


def _what(e: Estimate) -> str:
    return "the mean" if e.label is None else repr(e.label)


def _target(half_width: float, kind: str) -> str:
    if kind == "share":
        return f"±{100 * half_width:.1f} points"
    return f"±{half_width:.3g}"


def _squared_se(e: Estimate, n: np.ndarray) -> np.ndarray:
    """PPI++'s se^2 with ``n`` of the group's rows coded, lambda chosen as PPI++ does."""
    uncoded = e.n - n
    model = (e.model_variance or 0.0) / uncoded
    denominator = e.model_coded_variance + n * model
    lam = np.where(denominator > 0, e.covariance / np.where(denominator > 0, denominator, 1), 0)
    lam = np.clip(lam, 0.0, 1.0)
    rectifier = e.person_variance - 2 * lam * e.covariance + lam**2 * e.model_coded_variance
    return lam**2 * model + np.maximum(rectifier, 0.0) / n


def rows_needed(estimate: Estimate, half_width: float, total_rows: int) -> RowsNeeded:
    """Coded rows ``estimate``'s group needs for a 95% PPI++ interval of ``half_width``
    (a share's in proportions: 0.03 for ±3 points); ``total_rows``: the rows estimated,
    for the rows to draw overall."""
    if half_width <= 0:
        raise ValueError("the half-width must be above 0")
    e = estimate
    if e.person_variance is None or e.ppi_plus is None:
        return RowsNeeded(e, None, None, None, e.note or "no corrected estimate")
    if e.person_variance <= 0:
        return RowsNeeded(
            e,
            None,
            None,
            None,
            "the coded rows show no spread for it (all or none of them): the formula "
            "cannot say how many more would",
        )
    limit = (half_width / Z95) ** 2
    # a coarse geometric grid, then every n between its last miss and its first hit
    grid = np.unique(np.geomspace(2, max(2, e.n - 1), 400).astype(np.int64))
    ok = _squared_se(e, grid.astype(float)) <= limit
    if not ok.any():
        return RowsNeeded(
            e,
            None,
            None,
            None,
            "it would need more coded rows than its group has "
            f"({e.n:,}): code the whole group, or accept a wider interval",
        )
    first = int(np.argmax(ok))
    low = int(grid[first - 1]) + 1 if first else 2
    fine = np.arange(low, int(grid[first]) + 1)
    coded = int(fine[np.argmax(_squared_se(e, fine.astype(float)) <= limit)])
    more = max(0, coded - e.n_gold)
    overall = math.ceil(more * total_rows / e.n) if more else 0
    return RowsNeeded(e, coded, more, overall)


def plan_sample(report: EstimateReport, half_width: float) -> SamplePlan:
    """The plan of every corrected estimate in ``report`` for ``half_width``."""
    rows = [rows_needed(e, half_width, report.rows) for e in report.estimates]
    planned = [r for r in rows if r.overall is not None]
    widest = max(planned, key=lambda r: r.overall, default=None)
    unreachable = [r for r in rows if r.overall is None and r.estimate.ppi_plus is not None]
    return SamplePlan(
        half_width,
        report.kind,
        rows,
        widest.overall if widest is not None else None,
        widest,
        unreachable,
    )

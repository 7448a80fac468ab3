"""How many more rows a person should code, at random, for corrected intervals of a target
width (Qt-free): from PPI++'s variance formula with what the coded rows show so far.

PPI++'s standard error of a group's estimate is

    se^2 = lambda^2 * V_model / N_uncoded + V_rectifier / n_coded

where V_rectifier is the variance of (person - lambda * model) on the coded rows: it is
small where the model agrees with the person (for a share, it is close to the share of
coded rows where the two disagree on that label) and V_model that of the model's values
on the other rows. For a 95% interval of half-width h (se = h / 1.96) a group needs

    n = V_rectifier / ((h / 1.96)^2 - lambda^2 * V_model / N_uncoded)

coded rows, with lambda and both variances as observed; the rows left uncoded barely
change. A random sample over all rows reaches a group in proportion to its size, so a
group of N_g of N rows needing m more coded rows asks for m * N / N_g more rows overall.
This is a plan, not a promise: lambda and the variances are estimated from the rows
coded so far and move as more are coded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .estimates import Estimate, EstimateReport
from .stats.intervals import Z95

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
            return f"For intervals of {target}: no corrected estimate to plan from."
        if self.more == 0:
            text = f"Every corrected interval is already within {target}."
        else:
            w = self.widest.estimate
            what = "the mean" if w.label is None else repr(w.label)
            text = (
                f"For intervals of {target} on every bar: code about {self.more:,} more rows "
                f"drawn at random (the widest: {what} in {w.group}), from PPI++'s variance "
                "formula with the agreement seen so far."
            )
        if self.unreachable:
            text += f" {len(self.unreachable):,} estimates cannot be planned (see the table)."
        return text


def _target(half_width: float, kind: str) -> str:
    if kind == "share":
        return f"±{100 * half_width:.1f} points"
    return f"±{half_width:.3g}"


def rows_needed(estimate: Estimate, half_width: float, total_rows: int) -> RowsNeeded:
    """Coded rows ``estimate``'s group needs for a 95% PPI++ interval of ``half_width``
    (a share's in proportions: 0.03 for ±3 points); ``total_rows``: the rows estimated,
    for the rows to draw overall."""
    if half_width <= 0:
        raise ValueError("the half-width must be above 0")
    e = estimate
    if e.rectifier_variance is None or e.ppi_plus_lambda is None:
        return RowsNeeded(e, None, None, None, e.note or "no corrected estimate")
    uncoded = e.n - e.n_gold
    floor = e.ppi_plus_lambda**2 * (e.model_variance or 0.0) / uncoded
    room = (half_width / Z95) ** 2 - floor
    if e.rectifier_variance <= 0:
        return RowsNeeded(
            e,
            None,
            None,
            None,
            "the coded rows show no disagreement and no spread for it: the formula cannot "
            "say how many more would show",
        )
    if room <= 0:
        return RowsNeeded(
            e,
            None,
            None,
            None,
            "the model's own spread over the uncoded rows is wider than the target: no "
            "number of coded rows reaches it",
        )
    coded = math.ceil(e.rectifier_variance / room)
    if coded >= e.n:
        return RowsNeeded(
            e,
            coded,
            None,
            None,
            f"it needs about {coded:,} coded rows, more than its group has ({e.n:,}): code "
            "the whole group, or accept a wider interval",
        )
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

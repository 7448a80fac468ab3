"""Corrected estimates as a table for a reader (Qt-free): the window's table view and its
CSV/XLSX export, one row per group and label with readable column names, the rows to
code for a target width beside each, and (XLSX) a sheet saying how they were made."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .estimate_planning import SamplePlan, plan_sample
from .estimates import EstimateReport
from .export import export_table
from .methods_estimates import paper_sentence

__all__ = ["COLUMNS", "about_lines", "report_frame", "write_estimates"]

ESTIMATOR = "PPI++ (prediction-powered inference, power-tuned; Angelopoulos et al. 2023)"


def _more_header(plan: SamplePlan) -> str:
    if plan.kind == "share":
        return f"More rows to code for ±{100 * plan.half_width:.1f} points"
    return f"More rows to code for ±{plan.half_width:.3g}"


COLUMNS = (
    "Group",
    "Label",
    "Rows",
    "Rows checked by a person",
    "Naive (model labels only)",
    "Naive 95% CI low",
    "Naive 95% CI high",
    "Corrected (PPI++)",
    "Corrected 95% CI low",
    "Corrected 95% CI high",
    "Person only",
    "Person only 95% CI low",
    "Person only 95% CI high",
    "Effective n gained",
)  # then the plan's column and "Note"


def report_frame(report: EstimateReport, half_width: float | None = None) -> pd.DataFrame:
    """One row per group and label: numbers as numbers (shares as proportions, 0-1), empty
    where a group has no corrected estimate (its note says why)."""
    plan = plan_sample(report, half_width) if half_width else None
    records = []
    for i, e in enumerate(report.estimates):
        gained = e.effective_n - e.n_gold if e.effective_n is not None else None
        values = [
            e.group,
            e.label if e.label is not None else "(mean)",
            e.n,
            e.n_gold,
            e.naive,
            e.naive_ci_low,
            e.naive_ci_high,
            e.ppi_plus,
            e.ppi_plus_ci_low,
            e.ppi_plus_ci_high,
            e.human_only,
            e.human_ci_low,
            e.human_ci_high,
            round(gained) if gained is not None else None,
        ]
        record = dict(zip(COLUMNS, values))
        note = e.note
        if plan is not None:
            row = plan.rows[i]
            record[_more_header(plan)] = row.overall
            if row.overall is None and row.reason and row.reason != e.note:
                note = f"{note}; {row.reason}" if note else row.reason
        record["Note"] = note
        records.append(record)
    return pd.DataFrame.from_records(records)


def about_lines(report: EstimateReport, coder: str = "", half_width: float | None = None):
    """What the numbers are, line by line (the XLSX's second sheet, the window's caption)."""
    who = f" by {coder}" if coder else ""
    measure = "Shares of each label" if report.kind == "share" else "Means"
    lines = [
        f"{measure} corrected for the model's errors: {ESTIMATOR}.",
        f"{report.gold_rows:,} of {report.rows:,} rows checked{who}: {report.sample.description}.",
        "Naive: the model's labels taken as true; it ignores the model's errors. Person "
        "only: the checked rows alone. All intervals 95%. Effective n gained: how many more "
        "rows a person would have had to check for the corrected interval's width.",
    ]
    if report.kind == "share":
        lines.append("Shares are proportions (0 to 1).")
    if half_width:
        lines.append(plan_sample(report, half_width).sentence())
    lines.append(paper_sentence(report))
    return lines


def write_estimates(
    report: EstimateReport, path: str | Path, coder: str = "", half_width: float | None = None
) -> Path:
    """Write the table as CSV or XLSX (by the suffix); an XLSX gets a sheet "about"."""
    frame = report_frame(report, half_width)
    about = pd.DataFrame({"about": about_lines(report, coder, half_width)})
    extra = {"about": about} if Path(path).suffix.lower() == ".xlsx" else None
    return export_table(frame, path, sheet_name="estimates", extra_sheets=extra)

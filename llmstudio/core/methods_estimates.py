"""The methods record of corrected estimates (``llmstudio estimate --methods OUT.md``): the
estimator with its papers, the validation sample, the intervals, a sentence a paper can
use, and a warning wherever the corrected interval is not narrower than the person's
sample alone."""

from __future__ import annotations

from .estimates import Estimate, EstimateReport

PPI_PAPER = (
    "Angelopoulos, A. N., Bates, S., Fannjiang, C., Jordan, M. I., & Zrnic, T. (2023). "
    "Prediction-powered inference. Science, 382(6671), 669-674."
)
PPI_PLUS_PAPER = (
    "Angelopoulos, A. N., Duchi, J. C., & Zrnic, T. (2023). PPI++: Efficient "
    "prediction-powered inference. arXiv:2311.01453."
)


def _pct(x: float | None, kind: str) -> str:
    if x is None:
        return "–"
    return f"{100 * x:.1f}%" if kind == "share" else f"{x:.3f}"


def _interval(low: float | None, high: float | None, kind: str) -> str:
    return "–" if low is None else f"{_pct(low, kind)} to {_pct(high, kind)}"


def _what(e: Estimate, report: EstimateReport) -> str:
    if report.kind == "mean":
        return f"mean {report.model_column}"
    return f"share {e.label!r}"


def not_narrower(report: EstimateReport) -> list[Estimate]:
    """The estimates whose PPI++ interval is not narrower than the person's sample alone."""
    return [e for e in report.estimates if e.not_narrower]


def paper_sentence(report: EstimateReport) -> str:
    """A sentence for a paper's methods section."""
    measure = "the share of each label" if report.kind == "share" else "the mean score"
    groups = f", overall and by {report.by}," if report.by else ""
    return (
        f"We estimated {measure}{groups} from the model's labels on all {report.rows:,} "
        f"rows, corrected with {report.gold_rows:,} rows coded by a person "
        f"({report.sample.description}), using prediction-powered inference "
        "(Angelopoulos et al., 2023) in its power-tuned form PPI++ (Angelopoulos, Duchi & "
        "Zrnic, 2023); the 95% intervals account for the model's errors in each group, "
        "the coded rows being a random sample."
    )


def plan_lines(report: EstimateReport, half_width: float) -> list[str]:
    """The record's section on rows to code for intervals of ``half_width``."""
    from .estimate_planning import plan_sample

    plan = plan_sample(report, half_width)
    lines = [
        "## Rows to code for narrower intervals",
        "",
        plan.sentence(),
        "",
        "From PPI++'s variance with n of a group's N rows coded, se² = λ² V_model / (N − n) "
        "+ (V_person − 2λC + λ² V_coded) / n (V_person, V_coded: the person's and the "
        "model's values on the coded rows, C their covariance, large where the model "
        "agrees with the person; V_model: the model's values on the other rows; all as "
        "seen so far), with λ chosen for each n as PPI++ does: the smallest n whose 95% "
        "interval is within the target, scaled by the group's share of all rows for a "
        "random sample over all rows. A plan, not a promise: the moments move as more rows "
        "are coded.",
        "",
        "| group | estimate | coded | coded rows needed | more rows to draw |",
        "|---|---|---:|---:|---:|",
    ]
    for r in plan.rows:
        e = r.estimate
        needed = f"{r.coded:,}" if r.coded is not None else "–"
        more = f"{r.overall:,}" if r.overall is not None else f"– ({r.reason})"
        lines.append(f"| {e.group} | {_what(e, report)} | {e.n_gold:,} | {needed} | {more} |")
    return lines + [""]


TABLE_HEADERS = (
    "group",
    "estimate",
    "n",
    "coded",
    "naive",
    "person only",
    "PPI",
    "PPI++",
    "effective n",
)


def table_rows(report: EstimateReport) -> list[list[str]]:
    """The estimates as the methods records show them, a row of :data:`TABLE_HEADERS`
    each."""
    kind = report.kind
    return [
        [
            e.group,
            _what(e, report),
            f"{e.n:,}",
            f"{e.n_gold:,}",
            f"{_pct(e.naive, kind)} ({_interval(e.naive_ci_low, e.naive_ci_high, kind)})",
            f"{_pct(e.human_only, kind)} ({_interval(e.human_ci_low, e.human_ci_high, kind)})",
            f"{_pct(e.corrected, kind)} ({_interval(e.ci_low, e.ci_high, kind)})",
            f"{_pct(e.ppi_plus, kind)} ({_interval(e.ppi_plus_ci_low, e.ppi_plus_ci_high, kind)})",
            f"{e.effective_n:,.0f}" if e.effective_n is not None else "–",
        ]
        for e in report.estimates
    ]


def methods_markdown(report: EstimateReport, half_width: float | None = None) -> str:
    """The whole record as Markdown; ``half_width``: with the rows to code for intervals
    that narrow (a share's in proportions: 0.03 for ±3 points)."""
    kind = report.kind
    lines = [
        "# Corrected estimates: methods record",
        "",
        "## Estimator",
        "",
        "Prediction-powered inference (PPI): the model's labels on every row, plus the mean "
        "difference between a person's codes and the model's labels on a random sample of "
        "rows (the rectifier), give an unbiased estimate whose interval accounts for the "
        "model's errors. PPI++ weights the model by a factor lambda in [0, 1] chosen from "
        "the data to narrow the interval (lambda = 0: the person's sample alone). The "
        "formulas are those of ppi-python 0.2.3 (`ppi_mean_ci`), matched to 3 decimals in "
        "llmstudio's tests.",
        "",
        f"- {PPI_PAPER}",
        f"- {PPI_PLUS_PAPER}",
        "",
        "## Data",
        "",
        f"- Model labels: column `{report.model_column}`, {report.rows:,} rows"
        + (
            f" ({report.left_out:,} rows without a model label left out)" if report.left_out else ""
        ),
        f"- Person's codes: column `{report.gold_column}`, {report.gold_rows:,} rows",
        f"- Validation sample: {report.sample.description}",
        f"- Groups: {report.by or 'none (all rows)'}",
        "",
        "## Intervals",
        "",
        "All intervals are 95%. Naive: the model's labels taken as true "
        + ("(Wilson interval)" if kind == "share" else "(normal interval)")
        + "; it ignores the model's errors and is too narrow whenever the model errs. "
        "Person only: the validation sample alone "
        + ("(Wilson interval)" if kind == "share" else "(normal interval)")
        + ". PPI and PPI++: normal intervals from the estimator's variance. Effective n: how "
        "many rows a person would have had to code for an interval as narrow as PPI++'s. "
        "A group with fewer than 10 coded rows gets no corrected interval.",
        "",
        "| " + " | ".join(TABLE_HEADERS) + " |",
        "|---|---|---:|---:|---|---|---|---|---:|",
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(report)]
    notes = [e for e in report.estimates if e.note]
    warn = not_narrower(report)
    if notes or warn:
        lines += ["", "## Warnings", ""]
        for e in notes:
            none = "; no corrected interval" if e.corrected is None else ""
            lines.append(f"- {e.group}, {_what(e, report)}: {e.note}{none}.")
        for e in warn:
            lines.append(
                f"- {e.group}, {_what(e, report)}: the corrected interval is not narrower "
                f"than the person's sample alone ({e.n_gold:,} coded rows): the model adds "
                "nothing here; code more rows, or report the person-only estimate."
            )
    if half_width is not None:
        lines += [""] + plan_lines(report, half_width)[:-1]
    lines += ["", "## A sentence for the paper", "", paper_sentence(report), ""]
    return "\n".join(lines)

"""The Validate view's tables as text: what the window shows and what its export writes.

Qt-free, so that the screen, the CSV and the Markdown say the same thing:

* every number that is undefined comes with its reason ("only one code occurs", "no row
  coded by both", "ben never gives this code") instead of a bare "undefined";
* with two sources, percent agreement *is* accuracy (the share of rows where the two
  give the same code): it is shown once, as "Percent agreement (= accuracy)";
* when the interval is too wide to be useful, the report says so with the width and the
  number of rows that would give a useful one (:data:`USEFUL_WIDTH`);
* how the human codes compared were made (blind or not, :mod:`.blind`) and the warning
  when a model is compared with codes made while its answers could be seen.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_text
from .blind import BlindCounts, blind_note
from .errors import ExportError
from .stats import Agreement, Estimate
from .stats.intervals import rows_for_width, wilson, wilson_width

__all__ = [
    "USEFUL_WIDTH",
    "Row",
    "ValidationReport",
    "build_report",
    "precision_note",
    "to_markdown",
    "write_report",
]

# A 95% interval wider than this (more than +-0.10 around the value) leaves a reader unsure
# whether agreement is fair or good: too wide to publish without saying so.
USEFUL_WIDTH = 0.20


@dataclass(frozen=True)
class Row:
    """One statistic: its name, value and interval (None: undefined), and why not."""

    name: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""

    def value_text(self) -> str:
        return "undefined" if self.value is None else f"{self.value:.3f}"

    def interval_text(self) -> str:
        return "–" if self.ci_low is None else f"{self.ci_low:.3f} – {self.ci_high:.3f}"


@dataclass
class ValidationReport:
    """A comparison as tables: statistics, per code, the confusion matrix."""

    codebook: str
    reference: str
    comparison: str
    n: int
    skipped: int
    n_resamples: int
    code: str = ""  # multi-label: the one code compared (applies or not)
    stats: list[Row] = field(default_factory=list)
    per_code: list[tuple[str, Row, Row, Row, int]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)
    precision: str = ""  # the interval is too wide: by how much, and what n would do
    blind: list[BlindCounts] = field(default_factory=list)
    warning: str = ""

    @property
    def blind_note(self) -> str:
        return blind_note(self.blind)


def _value(e: Estimate | None) -> float | None:
    return None if e is None or math.isnan(e.value) else float(e.value)


def _row(name: str, e: Estimate, why: str, n_resamples: int, resamples_note: bool = True) -> Row:
    value = _value(e)
    if value is None:
        return Row(name, None, note=f"undefined: {why}")
    note = ""
    if not resamples_note:
        pass
    elif e.ci_low is None:
        note = (
            "no interval: no resamples were asked for"
            if not n_resamples
            else "no interval: the statistic is undefined in every resample"
        )
    elif e.ci_high - e.ci_low <= 1e-12:
        where = " where it is defined" if e.undefined_resamples else ""
        note = (
            f"every resample{where} gives {value:.3f}: this interval shows no "
            f"uncertainty, though n = {e.n:,} leaves some"
        )
    elif e.undefined_resamples:
        note = (
            f"defined in {n_resamples - e.undefined_resamples:,} of {n_resamples:,} "
            "resamples; the interval is from those"
        )
    return Row(name, value, e.ci_low, e.ci_high, note)


def _codes_seen(result: Agreement) -> list[str]:
    if result.confusion:
        return [
            label
            for i, label in enumerate(result.labels)
            if result.confusion[i][i]
            or sum(result.confusion[i])
            or sum(row[i] for row in result.confusion)
        ]
    return list(result.labels)


def _one_code(result: Agreement) -> str:
    seen = _codes_seen(result)
    if len(seen) == 1:
        return f"only one code occurs ({seen[0]!r}), so agreement beyond chance cannot be told"
    return "only one code occurs, so agreement beyond chance cannot be told"


def precision_note(e: Estimate, n: int, what: str = "percent agreement") -> str:
    """ "" when the interval of ``e`` (a proportion: percent agreement) is useful, else
    how wide it is and about how many rows would make it useful. The width is the wider
    of the bootstrap interval and the Wilson interval at this n: at 10 of 10 rows agreeing
    every resample agrees too, and the bootstrap alone would show no uncertainty."""
    if math.isnan(e.value) or n <= 0:
        return ""
    p = min(max(e.value, 0.0), 1.0)
    boot = e.ci_high - e.ci_low if e.ci_low is not None else 0.0
    width = max(boot, wilson_width(p, n))
    if width <= USEFUL_WIDTH:
        return ""
    # planned for the least favourable agreement the interval allows (the one nearest
    # 0.5): at 5 of 5 agreeing, planning for 1.0 would promise far too few rows
    low, high = wilson(round(p * n), n)
    need = rows_for_width(min(max(0.5, low), high), USEFUL_WIDTH)
    return (
        f"n = {n:,} is too small for the interval to be useful: a 95% interval of "
        f"{what} at this n is about {width:.2f} wide; about {need:,} rows would narrow "
        f"it to {USEFUL_WIDTH:.2f} (±{USEFUL_WIDTH / 2:.2f}) whatever the true value "
        "within it."
    )


def _degenerate_note(e: Estimate, n: int) -> str:
    """A proportion whose bootstrap interval has no width (every row agrees, or none):
    the interval a reader should see instead (Wilson)."""
    if e.ci_low is None or math.isnan(e.value) or e.ci_high - e.ci_low > 1e-12 or n <= 0:
        return ""
    low, high = wilson(round(e.value * n), n)
    return (
        f"the bootstrap has no spread here (every resample is the same); Wilson 95% CI "
        f"{low:.3f} – {high:.3f}"
    )


def build_report(
    result: Agreement,
    codebook: str,
    reference: str,
    comparison: str,
    *,
    code: str = "",
    blind: list[BlindCounts] | None = None,
    warning: str | None = None,
) -> ValidationReport:
    """The report of one comparison (``validation.compare``'s agreement), with the blind
    counts and warning of its human codes (``validation.blind_of``)."""
    r = ValidationReport(
        codebook,
        reference,
        comparison,
        result.n,
        result.skipped,
        result.n_resamples,
        code,
        blind=list(blind or []),
        warning=warning or "",
    )
    k = result.n_resamples
    one = _one_code(result)
    two = result.cohen_kappa is not None
    agree = _row(
        "Percent agreement (= accuracy)" if two else "Percent agreement",
        result.percent_agreement,
        "no row coded by two sources",
        k,
    )
    if two and (why := _degenerate_note(result.percent_agreement, result.n)):
        agree = Row(agree.name, agree.value, agree.ci_low, agree.ci_high, why)
    r.stats.append(agree)
    if two:
        r.stats.append(_row("Cohen's kappa", result.cohen_kappa, one, k))
    r.stats.append(_row("Krippendorff's alpha (nominal)", result.krippendorff_alpha, one, k))
    if two:
        r.stats.append(_row("Macro-F1", result.macro_f1, "no code occurs", k))
    if result.fleiss_kappa is not None:
        why = "no row was coded by every coder" if result.fleiss_kappa.n == 0 else one
        r.stats.append(_row("Fleiss' kappa (rows every coder coded)", result.fleiss_kappa, why, k))
    for (a, b), e in result.pairwise_cohen_kappa.items():
        why = f"no rows coded by both {a} and {b}" if e.n == 0 else one
        r.stats.append(_row(f"Cohen's kappa, {a} / {b}", e, why, k))
    for label, values in result.per_code.items():
        p = _row(
            "precision",
            values["precision"],
            f"{label!r} is never given by the comparison ({comparison})",
            k,
            resamples_note=False,
        )
        rc = _row(
            "recall",
            values["recall"],
            f"{label!r} is never given by the reference ({reference})",
            k,
            resamples_note=False,
        )
        f1 = _row("F1", values["f1"], f"neither side gives {label!r}", k, resamples_note=False)
        r.per_code.append((label, p, rc, f1, int(values.get("support", 0))))
    r.labels = list(result.labels)
    r.confusion = [list(map(int, row)) for row in (result.confusion or [])]
    r.precision = precision_note(result.percent_agreement, result.n)
    return r


# -- files ---------------------------------------------------------------------------


def _header(r: ValidationReport) -> list[tuple[str, str]]:
    """(what, text) pairs said before the tables: the comparison, then the notes."""
    what = f"{r.codebook}: code {r.code!r} (applies or not)" if r.code else r.codebook
    pairs = [
        ("Codebook", what),
        ("Reference", r.reference),
        ("Compared with", r.comparison),
        ("Rows compared", f"{r.n:,} ({r.skipped:,} rows of the corpus not coded by both)"),
        ("95% intervals", f"percentile bootstrap over rows, {r.n_resamples:,} resamples"),
    ]
    pairs += [
        (key, text)
        for key, text in (
            ("Interval width", r.precision),
            ("Human codes", r.blind_note),
            ("Warning", r.warning),
        )
        if text
    ]
    return pairs


def _header_lines(r: ValidationReport) -> list[str]:
    return [
        text if key in ("Interval width", "Human codes", "Warning") else f"{key}: {text}"
        for key, text in _header(r)
    ]


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(r: ValidationReport) -> str:
    """The report as Markdown: the header as a list, then its tables."""
    out = ["# Validation", ""] + [f"- {_md(line)}" for line in _header_lines(r)] + [""]
    out += ["## Statistics", "", "| Statistic | Value | 95% CI | Note |", "|---|---:|---|---|"]
    out += [
        f"| {_md(s.name)} | {s.value_text()} | {s.interval_text()} | {_md(s.note)} |"
        for s in r.stats
    ]
    if r.per_code:
        out += [
            "",
            "## Per code",
            "",
            "| Code | Precision | Recall | F1 | n (reference) | Note |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for label, p, rc, f1, support in r.per_code:
            notes = "; ".join(x.note for x in (p, rc, f1) if x.note)
            out.append(
                f"| {_md(label)} | {p.value_text()} | {rc.value_text()} | "
                f"{f1.value_text()} | {support:,} | {_md(notes)} |"
            )
    if r.confusion:
        out += [
            "",
            "## Confusion matrix",
            "",
            f"Rows: {_md(r.reference)}; columns: {_md(r.comparison)}.",
            "",
            "| | " + " | ".join(_md(x) for x in r.labels) + " |",
            "|---|" + "---:|" * len(r.labels),
        ]
        out += [
            f"| **{_md(label)}** | " + " | ".join(f"{c:,}" for c in row) + " |"
            for label, row in zip(r.labels, r.confusion)
        ]
    return "\n".join(out) + "\n"


def _csv_rows(r: ValidationReport) -> list[list]:
    """One tidy table: every number in a row of its own, unrounded, with its context."""
    head = ["table", "name", "code", "value", "ci_low", "ci_high", "n", "note"]
    rows = [head]
    for key, text in _header(r):
        rows.append(["about", key, "", "", "", "", "", text])
    for s in r.stats:
        rows.append(["statistics", s.name, "", s.value, s.ci_low, s.ci_high, r.n, s.note])
    for label, p, rc, f1, support in r.per_code:
        for s in (p, rc, f1):
            rows.append(["per code", s.name, label, s.value, s.ci_low, s.ci_high, support, s.note])
    for label, row in zip(r.labels, r.confusion):
        for other, count in zip(r.labels, row):
            rows.append(
                [
                    "confusion",
                    f"{r.reference}: {label} / {r.comparison}: {other}",
                    label,
                    count,
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return rows


def write_report(r: ValidationReport, path: str | Path) -> Path:
    """Write the report as CSV (``.csv``) or Markdown (``.md``), by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import io

        buffer = io.StringIO()
        csv.writer(buffer).writerows(
            [["" if v is None else v for v in row] for row in _csv_rows(r)]
        )
        text = buffer.getvalue()
    elif suffix in (".md", ".markdown"):
        text = to_markdown(r)
    else:
        raise ExportError(
            f"{path.name}: the validation tables are written as .csv or .md, "
            f"not {suffix or 'a file without an extension'}"
        )
    try:
        write_text(path, text)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path

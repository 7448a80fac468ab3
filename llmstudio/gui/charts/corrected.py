"""Charts › "Corrected for model error": shares by group (a run's labels) and means by
group (a sentiment run's score) corrected with a person's codes on a random validation
sample, drawn beside the naive numbers (``core.estimates``, PPI++; the sample as
``llmstudio estimate PROJECT --run`` reads it: ``core.estimate_sources``).

:class:`CorrectedControls` is the row under the chart's pickers: the option (disabled,
with the reason and the way to a sample, when the run has no random validation sample),
the table of the numbers, and the target width with the rows to code for it
(``core.estimate_planning``). The numbers are worked out in the panel's background task
(:func:`corrected_numbers`) and drawn by :func:`draw_corrected`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from ...core import chart_data as cd
from ...core.estimate_planning import plan_sample
from ...core.estimate_sources import GOLD, MODEL, project_columns, run_validation
from ...core.estimates import ALL, corrected_estimates
from ...core.project import Project
from .chart_kinds import GROUP_MEANS, GROUP_SHARES, PALETTE, Source, chart_numbers, ticks

CHECK_RUN = "Analyse > Check this run…"


def corrected_numbers(
    path: Path, run_id: int, coder: str, kind: int, values, groups: pd.Series, by: str
) -> dict:
    """The naive chart's numbers (for its rows and hit boxes) and the corrected estimates
    (run in the background, on a connection of its own). ``values``: the chart's column,
    or a ``SignedSentiment`` (means: the model's score against the valence of the
    person's label)."""
    with Project.open(path) as project:
        frame, origin, _book = project_columns(project, run_id, coder)
    mean = kind == GROUP_MEANS
    if mean:
        scores, *_ = values.values()
        frame[MODEL] = scores.reindex(frame.index)
        frame[GOLD] = cd.label_valence(frame[GOLD], values.scheme).reindex(frame.index)
    report = corrected_estimates(
        frame, MODEL, GOLD, origin, by=by, kind="mean" if mean else "share"
    )
    return {**chart_numbers(kind, values, groups, None, "", None), "report": report}


class CorrectedControls(QWidget):
    """The option, the table button and the target width with its plan."""

    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        self.validation = None  # core.estimate_sources.RunValidation of the chart's run
        self.report = None  # the last corrected numbers drawn
        self.table = None  # the table window, once opened
        self._target_kind = "share"  # what the target's units are for
        self.check = QCheckBox("Corrected for model error")
        self.table_button = QPushButton("Table…")
        self.table_button.setToolTip("The corrected numbers as a table, to export")
        self.target = QDoubleSpinBox()
        self.target.setDecimals(1)
        self.target.setRange(0.5, 25.0)
        self.target.setSingleStep(0.5)
        self.target.setValue(3.0)
        self.target.setPrefix("±")
        self.target.setSuffix(" points")  # shares; a mean's in its own units
        self.target.setToolTip(
            "The half-width of the 95% intervals you want: how many more rows to check "
            "for it, from the agreement seen so far"
        )
        self.plan = QLabel()
        self.plan.setWordWrap(True)
        self.plan.setStyleSheet("color: #555;")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.check)
        lay.addWidget(self.table_button)
        self.target_name = QLabel("target")
        lay.addWidget(self.target_name)
        lay.addWidget(self.target)
        lay.addWidget(self.plan, 1)
        lay.addStretch(0)
        self.check.toggled.connect(self._toggled)
        self.table_button.clicked.connect(self.open_table)
        self.target.valueChanged.connect(self._target_changed)
        self._show_parts(False)
        self.setVisible(False)  # offered for shares and means by group only

    # -- whether it is offered ---------------------------------------------------------

    def run_of(self, column: Source | None) -> int | None:
        """The run whose labels (or sentiment score) ``column`` is."""
        if column is None or column.kind not in ("column", "signed"):
            return None
        name = column.columns[0]
        for run, columns in self.panel.window.model.result_runs():
            # the run's label (``sentiment_label``, ``code_label_run2``), not a column beside
            # it (the VADER lexicon's label, chunks): the corrected numbers are of the label
            label = f"{run.task}_label"
            is_label = name == label or name.startswith(label + "_")
            if name in columns and is_label and run.run_id is not None:
                return run.run_id
        return None

    def update_for(self, kind: int, column: Source | None) -> None:
        """Show the option for shares and means by group; enable it where the chart's run
        has a random validation sample, else say why and how to get one."""
        w = self.panel.window
        shown = kind in (GROUP_SHARES, GROUP_MEANS)
        self.setVisible(shown)
        self.validation = None
        reason = ""
        if not shown:
            return
        run_id = self.run_of(column)
        if w.project is None:
            reason = "Corrected estimates need a project with a model run and a checked sample."
        elif self.panel.sources.rollup is not None:
            reason = "Corrected estimates are per row (Units), not for documents rolled up."
        elif run_id is None or (kind == GROUP_SHARES and column.kind != "column"):
            reason = (
                "Corrected estimates are for a model run's labels (Labels by group) or a "
                "sentiment run's score (Mean by group)."
            )
        elif kind == GROUP_MEANS and column.kind != "signed":
            reason = "Corrected means are for a sentiment run's score (its labels' valence)."
        else:
            self.validation = run_validation(w.project, run_id)
            if not self.validation.usable:
                reason = (
                    f"No random validation sample for run {run_id}: "
                    f"{self.validation.origin.reason}. To get one: {CHECK_RUN}, then code "
                    "the sample it draws."
                )
        self.check.setEnabled(not reason)
        self.check.setToolTip(
            reason
            or f"Correct with the {self.validation.coded:,} rows {self.validation.coder} "
            f"checked, a {self.validation.origin.description}: PPI++"
        )
        if reason and self.check.isChecked():
            self.check.blockSignals(True)
            self.check.setChecked(False)
            self.check.blockSignals(False)
        self._show_parts(self.wanted(kind))

    def wanted(self, kind: int) -> bool:
        """Whether the chart of ``kind`` is to be drawn corrected."""
        return (
            kind in (GROUP_SHARES, GROUP_MEANS)
            and self.check.isChecked()
            and self.check.isEnabled()
            and self.validation is not None
            and self.validation.usable
        )

    def _show_parts(self, on: bool) -> None:
        """The table, the target and the plan only while the chart is corrected."""
        for w in (self.table_button, self.target_name, self.target, self.plan):
            w.setVisible(on)
        if not on:
            self.plan.setText("")

    def _toggled(self, _on: bool) -> None:
        self._show_parts(self.wanted(self.panel.kind.currentIndex()))
        self.panel.redraw()

    # -- computing and showing ---------------------------------------------------------

    def start(self, column: Source, by: Source) -> tuple:
        """The background call's arguments for the chart of ``column`` by ``by``."""
        v, panel = self.validation, self.panel
        kind = panel.kind.currentIndex()
        values = panel.sources.source_values(column)
        groups = panel.sources.source_values(by)
        return (
            corrected_numbers,
            panel.window.project.path,
            v.run_id,
            v.coder,
            kind,
            values,
            groups,
            by.columns[0],
        )

    def half_width(self) -> float:
        """The target half-width in the estimate's units (a share's in proportions)."""
        value = self.target.value()
        return value / 100 if self.report is None or self.report.kind == "share" else value

    def _target_changed(self, *_) -> None:
        self._say_plan()
        if self.table is not None:
            self.table.fill()

    def _say_plan(self) -> None:
        if self.report is None:
            self.plan.setText("")
            return
        self.plan.setText(plan_sample(self.report, self.half_width()).sentence())

    def shown(self, report) -> None:
        """New corrected numbers drawn: the target's units, the plan, the table."""
        self.report = report
        share = report.kind == "share"
        if report.kind != self._target_kind:  # points for shares, the score's units for means
            self._target_kind = report.kind
            self.target.blockSignals(True)
            self.target.setSuffix(" points" if share else "")
            self.target.setDecimals(1 if share else 2)
            self.target.setRange(0.5, 25.0) if share else self.target.setRange(0.01, 1.0)
            self.target.setSingleStep(0.5 if share else 0.01)
            self.target.setValue(3.0 if share else 0.1)
            self.target.blockSignals(False)
        self._say_plan()
        if self.table is not None:
            self.table.fill()

    def clear(self) -> None:
        """No corrected numbers on the chart now (another chart, or none could be made):
        the plan and the table say nothing rather than numbers of an earlier chart."""
        self.report = None
        self.plan.setText("")
        if self.table is not None:
            self.table.fill()

    def open_table(self) -> None:
        """The numbers as a table window (kept up to date while open)."""
        from .estimate_table_view import EstimateTableView

        if self.table is None:
            self.table = EstimateTableView(self)
        self.table.fill()
        self.table.show()
        self.table.raise_()


def _bar(x, height, brush, pen, width):
    import pyqtgraph as pg

    bar = pg.BarGraphItem(x=[], height=[], width=width, pen=pen, brush=brush)
    bar.setOpts(x=np.asarray(x, float), height=np.asarray(height, float), width=width, y0=0)
    return bar


def draw_corrected(panel, column: Source, by: Source, result: dict) -> None:
    """Naive and corrected side by side in each group (light: the model's labels taken as
    true; dark: corrected), whiskers their 95% intervals, the caption the sample."""
    import pyqtgraph as pg

    report = result["report"]
    share = report.kind == "share"
    scale = 100.0 if share else 1.0
    naive_data = result["data"]
    found = [e for e in report.estimates if e.group != ALL]
    groups = list(dict.fromkeys(e.group for e in found))
    labels = list(dict.fromkeys(e.label for e in found))
    if share and len(labels) > len(PALETTE):
        labels = [x for x in result["labels"] if x in labels][: len(PALETTE)]
    width = 0.8 / max(1, 2 * len(labels))
    legend = panel.add_legend(max(1, len(labels)))
    names = {e.label: ("mean" if e.label is None else str(e.label)) for e in found}
    whiskers = {"x": [], "y": [], "top": [], "bottom": []}
    lows, highs, parts = [], [], {"naive": [], "corrected": []}
    for j, label in enumerate(labels):
        colour = pg.mkColor(PALETTE[j % len(PALETTE)])
        light = pg.mkColor(colour)
        light.setAlpha(90)
        row = [e for e in found if e.label == label]
        x0 = np.array([groups.index(e.group) for e in row], float) - 0.4 + width * (2 * j + 0.5)
        naive = np.array([e.naive for e in row]) * scale
        kept = [e.ppi_plus is not None for e in row]
        corrected = np.array([e.ppi_plus if k else 0.0 for e, k in zip(row, kept)]) * scale
        parts["naive"].append(
            (_bar(x0, naive, light, pg.mkPen(colour, width=1), width * 0.92), label)
        )
        xs = x0[kept] + width
        parts["corrected"].append(
            (_bar(xs, corrected[kept], colour, pg.mkPen("w"), width * 0.92), label)
        )
        for xi, e, k in zip(x0, row, kept):
            pairs = [(xi, e.naive, e.naive_ci_low, e.naive_ci_high)]
            if k:
                pairs.append((xi + width, e.ppi_plus, e.ppi_plus_ci_low, e.ppi_plus_ci_high))
            for x, y, lo, hi in pairs:
                if lo is None or np.isnan(lo):
                    continue
                whiskers["x"].append(x)
                whiskers["y"].append(y * scale)
                whiskers["top"].append((hi - y) * scale)
                whiskers["bottom"].append((y - lo) * scale)
                lows.append(lo * scale)
                highs.append(hi * scale)
            _hits(panel, naive_data, by, column, e, xi, width, scale, share)
    for which in ("corrected", "naive"):
        for bar, label in parts[which]:
            panel.plot.addItem(bar)
            name = names[label] + ": " if share else ""
            legend.addItem(
                bar,
                f"{name}corrected"
                if which == "corrected"
                else f"{name}model labels only"
                if share
                else "model only (naive)",
            )
    errors = pg.ErrorBarItem(beam=width * 0.35, pen=pg.mkPen("#333", width=1.5))
    errors.setData(**{k: np.array(v, float) for k, v in whiskers.items()})
    panel.plot.addItem(errors)
    counts = {e.group: (e.n, e.n_gold) for e in found}
    # three short lines: side by side, "(n=51; 17 checked)" ran into the next group's
    ticks(panel.plot, [f"{g}\nn={counts[g][0]:,}\n{counts[g][1]:,} checked" for g in groups])
    panel.plot.getAxis("bottom").setHeight(82)
    panel.data = pd.DataFrame({"ci_low": lows or [0.0], "ci_high": highs or [0.0]})
    panel.note.setText(caption(panel, report))
    what = "% of the group's rows" if share else column.axis(result, mean=True)
    title = f"{column.name} by {by.name}" if share else f"{column.mean_name()} by {by.name}"
    panel.set_auto(f"{title}, corrected for model error", by.name, what, column, by)


def _hits(panel, data, by, column, e, x, width, scale, share) -> None:
    """Both bars of one group and label: a click shows the group's rows (with that
    label), hovering gives both numbers."""
    if share:
        match = data[(data["group"] == e.group) & (data["label"] == e.label)]
    else:
        match = data[data["group"] == e.group]
    rows = match["rows"].iloc[0] if len(match) else np.array([], dtype=int)

    def fmt(v):
        return "–" if v is None else (f"{v:.1%}" if share else f"{v:.3f}")

    text = (
        f"{by.name} = {e.group}" + (f"\n{column.name} = {e.label}" if share else "") + "\n"
        f"model labels only: {fmt(e.naive)} ({fmt(e.naive_ci_low)} to {fmt(e.naive_ci_high)})\n"
        f"corrected: {fmt(e.ppi_plus)} ({fmt(e.ppi_plus_ci_low)} to {fmt(e.ppi_plus_ci_high)})\n"
        f"{e.n_gold:,} of {e.n:,} rows checked" + (f"\n{e.note}" if e.note else "")
    )
    tops = [v for v in (e.naive_ci_high, e.ppi_plus_ci_high, e.naive, e.ppi_plus) if v is not None]
    bottoms = [v for v in (e.naive_ci_low, e.ppi_plus_ci_low, 0.0) if v is not None]
    panel.hits.append(
        (
            x - width / 2,
            x + 1.5 * width,
            min(bottoms) * scale,
            max(tops) * scale,
            rows,
            f"{by.name} = {e.group}" + (f", {column.name} = {e.label}" if share else ""),
            text,
        )
    )


def caption(panel, report) -> str:
    """What the bars are, how many rows a person checked, the estimator; notes; the plan."""
    v = panel.corrected.validation
    naive = "Wilson" if report.kind == "share" else "normal"
    text = (
        f"Light bars: the model's labels taken as true (naive; 95% {naive} intervals). "
        f"Dark bars: corrected for model error with the {report.gold_rows:,} of "
        f"{report.rows:,} rows checked by {v.coder} ({report.sample.description}); "
        "estimator PPI++ (prediction-powered inference), 95% intervals."
    )
    if report.left_out:
        text += f" {report.left_out:,} rows without a model label left out."
    notes = [e for e in report.estimates if e.note and e.group != ALL]
    missing = sorted({e.group for e in notes if e.ppi_plus is None})
    if missing:
        text += f" No corrected bar for {', '.join(missing)}: too few rows checked there."
    if any(e.ppi_plus is not None for e in notes):
        text += " Some corrected shares lie outside 0-100% (see the table)."
    return text + " Click a bar to see its rows."

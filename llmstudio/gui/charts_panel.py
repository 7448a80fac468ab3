"""View › Charts (Ctrl+Shift+C): a dock with one chart of the table's columns, kept up to
date while a model's results arrive.

The numbers come from ``core.chart_data`` (no Qt); this module draws them with pyqtgraph.
Each drawing starts from nothing: a fresh plot (axes, legend, labels) with the chart's own
items, made for it and filled with ``setData``, so nothing of an earlier chart survives on
screen or in an export. Every bar, point and heatmap cell knows its rows: a click shows
them in the table (``window.show_rows``), hovering says n and values.

Columns are offered under readable names (the task, the model, the coder, the codebook;
the column's own name in the picker's tooltip). A sentiment run is charted as a mean on
one signed axis (``chart_data.SignedSentiment``); its ``<task>_score``, the model's
confidence in its own label, only ever under that name.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core import chart_data as cd
from ..core.results import shown_name
from ..core.runs import stored_params
from ..core.tasks.sentiment import five_point
from .chart_export import PNG_WIDTH, export_png, export_svg
from .jobs import TASK_TITLES
from .workers import run_in_background

PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]  # Okabe-Ito: told apart by colour-blind readers
REDRAW_MS = 300  # results arrive in batches, several a second: one redraw per 300 ms

LABELS, HISTOGRAM, GROUP_SHARES, GROUP_MEANS, TIME_SHARE, TIME_MEAN, CONFUSION = range(7)
KINDS = [
    "Labels: how many of each",
    "Numbers: histogram",
    "Labels by group (share, 95% CI)",
    "Mean by group (95% CI)",
    "Over time: share of a label (95% CI)",
    "Over time: mean (95% CI)",
    "Two columns compared (confusion table)",
]
NUMBER_KINDS = (HISTOGRAM, GROUP_MEANS, TIME_MEAN)
CONFIDENCE_NOTE = (
    "Confidence is how sure the model is of the label it chose (0 to 1), not "
    "how positive a text is."
)


@dataclass(frozen=True)
class Source:
    """Something a chart can show, named for a reader: a column of the table, or a
    sentiment run's signed score (``kind`` "signed", read from its label and valence
    columns). ``kind`` "confidence": a run's ``<task>_score``."""

    key: str  # the picker's item data
    name: str  # "Sentiment (builtin)", "region", "Codes by ana (Tone)"
    columns: tuple[str, ...]  # the table's columns it reads
    kind: str = "column"  # column, signed, confidence
    scheme: tuple[str, ...] = ()  # signed: the run's labels (they say the scale)

    def tip(self) -> str:
        """The picker's tooltip: the columns behind the name."""
        if self.kind == "signed":
            label, *valence = self.columns
            if valence:
                return (
                    f"Columns {valence[0]} (P(positive) − P(negative)) where given, else "
                    f"the valence of {label}"
                )
            return f"The valence of the labels in column {label}"
        return f"Column {self.columns[0]}"

    def mean_name(self) -> str:
        """What a mean of it is called in a title: "Mean sentiment (builtin)"."""
        if self.kind == "column":  # the researcher's own column name, as written
            return f"Mean {self.name}"
        return f"Mean {self.name[0].lower()}{self.name[1:]}"

    def axis(self, result: dict, mean: bool) -> str:
        """The value axis of a histogram (``mean`` False) or a chart of means of it."""
        if self.kind == "signed":
            text = cd.signed_axis(self.scheme, *result["sentiment"])
            return text if mean else text.replace("Mean sentiment", "Sentiment", 1)
        if self.kind == "confidence":
            return ("Mean m" if mean else "M") + "odel confidence in its label (0 to 1)"
        return f"mean {self.name}" if mean else self.name


def chart_numbers(
    kind: int,
    values,
    other: pd.Series | None,
    dates: pd.Series | None,
    freq: str,
    label: str | None,
) -> dict:
    """The numbers a chart of ``kind`` shows (run in the background: no Qt here).
    ``values``: a column, or a ``chart_data.SignedSentiment`` (then ``result["sentiment"]``
    is (rows from probabilities, rows from labels)). ``other``: the group or second
    column; for a chart over time, the date column when ``dates`` (already parsed) is
    None."""
    if isinstance(values, cd.SignedSentiment):
        values, *counts = values.values()
        return {
            **chart_numbers(kind, values, other, dates, freq, label),
            "sentiment": tuple(counts),
        }
    if kind == LABELS:
        return {"data": cd.label_counts(values)}
    if kind == HISTOGRAM:
        numbers = cd.numbers_of(values)
        return {
            "data": cd.histogram(values),
            "count": len(numbers),
            "mean": numbers.mean(),
            "median": numbers.median(),
        }
    if kind == GROUP_SHARES:
        return {
            "data": cd.group_shares(values, other),
            "labels": list(cd.label_counts(values)["label"]),
        }
    if kind == GROUP_MEANS:
        return {"data": cd.group_means(values, other)}
    if kind in (TIME_SHARE, TIME_MEAN):
        out = {"share": kind == TIME_SHARE, "label": label, "freq": freq}
        if dates is None:
            dates = out["dates"] = cd.dates_of(other)
        out["data"] = cd.over_time(values, dates, freq, label=label)
        return out
    return {"data": cd.confusion(values, other)}


def _value_axis():
    """A left axis whose title may take two lines (see :func:`_two_lines`)."""
    return _value_axis_class()("left")


@functools.cache
def _value_axis_class():
    """pyqtgraph leaves room for 0.8 of an axis title's height, which fits one line and
    lets a second run over the tick labels: this axis leaves room for all of it."""
    import pyqtgraph as pg

    class ValueAxis(pg.AxisItem):
        def _updateWidth(self):
            super()._updateWidth()
            if self.isVisible() and self.fixedWidth is None and self.label.isVisible():
                width = self.minimumWidth() + 0.2 * self.label.boundingRect().height() + 2
                self.setMaximumWidth(width)
                self.setMinimumWidth(width)

    return ValueAxis


def _two_lines(text: str, longest: int = 26) -> str:
    """A long value-axis title with its bracket on a second line: written along the
    axis, one line would run past the ends of a short plot."""
    if len(text) <= longest or " (" not in text:
        return text
    return text.replace(" (", "<br>(", 1)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _signed_note(counts: tuple[int, int], scheme: tuple[str, ...]) -> str:
    """What the sentiment axis is, for the note under a chart of it."""
    probabilities, labels = counts
    five = five_point(scheme)
    valences = (
        "very negative −1, negative −0.5, neutral 0, positive 0.5, very positive 1"
        if five
        else "positive +1, neutral 0, negative −1"
    )
    told = (
        "Sentiment: "
        + (
            "the probability-weighted valence of the model's label probabilities"
            if five
            else "P(positive) − P(negative) from the model's label probabilities"
        )
        if probabilities
        else f"Sentiment from labels: {valences}"
    )
    if probabilities and labels:
        told += f"; {labels:,} rows without probabilities count their label ({valences})"
    return told + "."


class ChartsPanel(QWidget):
    """The chart controls, the plot and its export buttons."""

    def __init__(self, window):
        import pyqtgraph as pg

        super().__init__()
        self.window = window
        self.hits: list[tuple] = []
        self.data = pd.DataFrame()  # what the chart shows now (chart_data's frame)
        self._kinds: tuple = ([], [], [], [])  # the columns each picker may offer
        self._dates: dict = {}
        self.pending = False  # numbers being worked out in the background
        self._again = False  # asked to redraw meanwhile: the numbers coming are stale
        self._worker = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)

        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.column = QComboBox()
        self.second = QComboBox()  # the group, date or second column
        self.label = QComboBox()  # the label whose share is followed over time
        self.freq = QComboBox()
        self.freq.addItems(list(cd.FREQS))
        self.freq.setCurrentText("month")
        self.second_name = QLabel("by")
        self.label_name = QLabel("label")
        self.freq_name = QLabel("per")
        for combo in (self.column, self.second):
            combo.setMinimumContentsLength(12)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.title = QLineEdit()
        self.title.setPlaceholderText("title (automatic)")
        self.x_title = QLineEdit()
        self.x_title.setPlaceholderText("x axis (automatic)")
        self.y_title = QLineEdit()
        self.y_title.setPlaceholderText("y axis (automatic)")
        self.png_button = QPushButton("Save PNG…")
        self.png_button.setToolTip(f"A {PNG_WIDTH} pixel wide image: 300 dpi at 6 inches")
        self.svg_button = QPushButton("Save SVG…")
        self.svg_button.setToolTip("A vector drawing for papers and editing")
        self.png_button.clicked.connect(lambda: self.ask_export("png"))
        self.svg_button.clicked.connect(lambda: self.ask_export("svg"))

        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        # A layout holding one plot, replaced by a fresh one for every drawing.
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setMinimumHeight(260)
        self._new_plot()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        scene = self.plot_widget.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_move)

        pickers = QHBoxLayout()
        pickers.addWidget(self.kind)
        pickers.addWidget(QLabel("of"))
        pickers.addWidget(self.column, 1)
        for w in (
            self.second_name,
            self.second,
            self.label_name,
            self.label,
            self.freq_name,
            self.freq,
        ):
            pickers.addWidget(w)
        names = QHBoxLayout()
        for w, stretch in (
            (QLabel("Title"), 0),
            (self.title, 2),
            (QLabel("x"), 0),
            (self.x_title, 1),
            (QLabel("y"), 0),
            (self.y_title, 1),
            (self.png_button, 0),
            (self.svg_button, 0),
        ):
            names.addWidget(w, stretch)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addLayout(pickers)
        lay.addLayout(names)
        lay.addWidget(self.plot_widget, 1)
        lay.addWidget(self.note)

        self.kind.currentIndexChanged.connect(self._on_kind)
        for combo in (self.column, self.second, self.label, self.freq):
            combo.currentIndexChanged.connect(self.schedule)
        for combo in (self.column, self.second):  # the chosen item's columns
            combo.currentIndexChanged.connect(
                lambda _i, c=combo: c.setToolTip(c.currentData(Qt.ItemDataRole.ToolTipRole) or "")
            )
        self.column.currentIndexChanged.connect(self._fill_labels)
        self.column.currentIndexChanged.connect(self._refill_second)
        for edit in (self.title, self.x_title, self.y_title):
            edit.textChanged.connect(self._apply_titles)
        self._auto = ("", "", "")
        self._tip = ""
        self._second_role: str | None = None
        self._on_kind()

    # -- columns ----------------------------------------------------------------------

    def values(self, name: str) -> pd.Series:
        """A column of the table (a run's result, a coder's codes — the table shows them
        as ``human_<codebook>_<coder>`` — or the corpus's own) by row id."""
        w = self.window
        if name in w.model.result_names:
            return pd.Series(w.model.result(name))
        column = w.corpus.frame[name]
        return pd.Series(column.to_numpy(), index=np.arange(len(column)))

    def source_values(self, source: Source):
        """What a chart of ``source`` is worked out from: a copy of its column (a job
        goes on writing into the table's arrays), or a ``SignedSentiment``."""
        if source.kind == "signed":
            label, *valence = source.columns
            return cd.SignedSentiment(
                self.values(label).copy(),
                self.values(valence[0]).copy() if valence else None,
                source.scheme,
            )
        return self.values(source.columns[0]).copy()

    def source(self, key: str | None) -> Source | None:
        return self._sources.get(key) if key else None

    def _run_params(self, run_id) -> dict:
        project = self.window.project
        if project is None or run_id is None:
            return {}
        return stored_params(project, run_id) or {}

    def _run_sources(self) -> dict[str, Source]:
        """Readable names for the result columns of the runs the table shows, and each
        sentiment run's signed score (first: what "mean sentiment" means)."""
        runs = self.window.model.result_runs()
        per_task: dict[str, int] = {}
        for run, _columns in runs:
            per_task[run.task] = per_task.get(run.task, 0) + 1
        out: dict[str, Source] = {}
        for run, columns in runs:
            task = run.task
            title = TASK_TITLES.get(task, task.capitalize())
            where = run.model + (
                f", run {run.run_id}" if per_task[task] > 1 and run.run_id is not None else ""
            )
            codes = dict(run.code_names)

            def part(column: str, task: str = task, codes: dict = codes) -> str:
                """``label`` of ``sentiment_label`` (or of ``sentiment_label_run2``)."""
                rest = column[len(task) + 1 :] if column.startswith(task + "_") else column
                for known in (
                    *codes,
                    "label",
                    "score",
                    "valence",
                    "lexicon",
                    "explanation",
                    "error",
                    "chunks",
                ):
                    if rest == known or rest.startswith(known + "_"):
                        return known
                return rest

            parts = {part(c): c for c in columns}
            params = self._run_params(run.run_id)
            book = (params.get("codebook") or {}).get("name")
            if book:  # "Coding with Local issues (gpt-4o-mini)"
                title = f"{title} with {book}"
            if "label" in parts and (params.get("task") or task) == "sentiment":
                scheme = tuple(params.get("labels") or ())
                if cd.has_valence(scheme):  # not for labels of one's own
                    signed = (parts["label"],) + ((parts["valence"],) if "valence" in parts else ())
                    key = "signed:" + parts["label"]
                    out[key] = Source(key, f"{title} ({where})", signed, "signed", scheme)
            for kind, column in parts.items():
                if kind in ("valence", "explanation", "error"):
                    continue  # the signed score has the valence; texts and errors are no chart
                if kind == "chunks" and not self._split_any(column):
                    continue  # no text was split (empty, or 1 throughout): nothing to chart
                if kind == "label":
                    name = f"{title} ({where})"
                elif kind == "score":
                    name = f"{cd.CONFIDENCE_NAME} ({title}, {where})"
                elif kind == "lexicon":
                    name = f"VADER lexicon's label ({title}, {where})"
                elif kind in codes:
                    name = f"{codes[kind]} ({title}, {where})"
                else:
                    name = f"{title} {kind.replace('_', ' ')} ({where})"
                key = "column:" + column
                out[key] = Source(
                    key, name, (column,), "confidence" if kind == "score" else "column"
                )
        return out

    def _split_any(self, name: str) -> bool:
        """Whether a ``<task>_chunks`` column counts more than one chunk anywhere."""
        return bool((pd.to_numeric(self.values(name), errors="coerce") > 1).any())

    def _coder_names(self) -> dict[str, str]:
        """The coders' columns -> "Codes by ana (Tone)"."""
        from ..core.human_codes import coder_column_names

        w = self.window
        if w.project is None:
            return {}
        taken = w.corpus.frame.columns
        return {
            shown_name(column, taken): f"Codes by {coder} ({book})"
            for (book, coder), column in coder_column_names(w.project).items()
        }

    def _columns(self) -> tuple[list[Source], list[Source], list[Source], list[Source]]:
        """(label sources, numeric sources, group columns, date columns) of the table."""
        w = self.window
        self._sources = {}
        if w.corpus is None:
            return [], [], [], []
        runs = self._run_sources()
        coders = self._coder_names()
        labels, numeric = [], []
        for source in runs.values():
            if source.kind in ("signed", "confidence"):
                numeric.append(source)
            else:
                (numeric if cd.is_numeric(self.values(source.columns[0])) else labels).append(
                    source
                )
        # Every run's columns, also those left out above (an empty chunks column).
        shown = {c for _run, columns in w.model.result_runs() for c in columns}
        for name in w.model.result_names:  # codes by hand, and columns of no known run
            if name in shown or name.endswith("_error") or name.rsplit("_", 1)[0].endswith("error"):
                continue
            source = Source("column:" + name, coders.get(name, name), (name,))
            (numeric if cd.is_numeric(self.values(name)) else labels).append(source)
        frame = w.corpus.frame
        groups, dates = [], []
        for name in (str(c) for c in frame.columns if str(c) != w.corpus.text_column):
            column = frame[name]
            source = Source("column:" + name, name, (name,))
            if cd.is_date_like(column):
                dates.append(source)
            elif cd.is_numeric(column):
                numeric.append(source)
            elif column.nunique() <= 40:
                groups.append(source)
        for source in labels + numeric + groups + dates:
            self._sources[source.key] = source
        return labels + groups, numeric, groups, dates

    @staticmethod
    def _refill(combo: QComboBox, sources: list[Source], prefer: int = 0) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for source in sources:
            combo.addItem(source.name, source.key)
            combo.setItemData(combo.count() - 1, source.tip(), Qt.ItemDataRole.ToolTipRole)
        keys = [s.key for s in sources]
        if current in keys:
            combo.setCurrentIndex(keys.index(current))
        elif sources:
            combo.setCurrentIndex(min(prefer, len(sources) - 1))
        combo.setToolTip(combo.currentData(Qt.ItemDataRole.ToolTipRole) or "")
        combo.blockSignals(False)

    def refresh_columns(self) -> None:
        """Offer the table's columns that fit the chart chosen."""
        self._kinds = labels, numeric, _groups, _dates = self._columns()
        kind = self.kind.currentIndex()
        self._refill(self.column, numeric if kind in NUMBER_KINDS else labels)
        self._refill_second()
        self._fill_labels()

    def _refill_second(self) -> None:
        """The second column: any but the first (a column against itself says nothing)."""
        labels, _numeric, groups, dates = self._kinds
        kind = self.kind.currentIndex()
        first = self.column.currentData()
        role = self.second_role(kind)
        if role != self._second_role:
            # A group kept as the column to compare against would make a grid of labels
            # against parties with an empty "diagonal": each role starts from its default.
            self._second_role = role
            self.second.blockSignals(True)
            self.second.setCurrentIndex(-1)
            self.second.blockSignals(False)
        if kind in (GROUP_SHARES, GROUP_MEANS):
            self._refill(self.second, [g for g in groups if g.key != first])
        elif kind in (TIME_SHARE, TIME_MEAN):
            self._refill(self.second, dates)
        elif kind == CONFUSION:
            self._refill(self.second, [n for n in labels if n.key != first])

    @staticmethod
    def second_role(kind: int) -> str | None:
        """What the second picker holds for ``kind``: groups, dates, a column to compare."""
        return {
            GROUP_SHARES: "group",
            GROUP_MEANS: "group",
            TIME_SHARE: "date",
            TIME_MEAN: "date",
            CONFUSION: "compare",
        }.get(kind)

    def _fill_labels(self) -> None:
        source = self.source(self.column.currentData())
        if self.kind.currentIndex() != TIME_SHARE or source is None:
            return
        names = [str(x) for x in cd.label_counts(self.source_values(source))["label"]]
        current = self.label.currentText()
        self.label.blockSignals(True)
        self.label.clear()
        self.label.addItems(names)
        if current in names:
            self.label.setCurrentText(current)
        self.label.blockSignals(False)

    def _on_kind(self) -> None:
        kind = self.kind.currentIndex()
        second = {
            GROUP_SHARES: "by",
            GROUP_MEANS: "by",
            TIME_SHARE: "date",
            TIME_MEAN: "date",
            CONFUSION: "against",
        }.get(kind)
        self.second_name.setText(second or "")
        for w in (self.second_name, self.second):
            w.setVisible(second is not None)
        for w in (self.label_name, self.label):
            w.setVisible(kind == TIME_SHARE)
        for w in (self.freq_name, self.freq):
            w.setVisible(kind in (TIME_SHARE, TIME_MEAN))
        if self.window.corpus is not None:
            self.refresh_columns()
        self.redraw()

    # -- drawing ----------------------------------------------------------------------

    def schedule(self, *_) -> None:
        """Redraw soon (many result batches in a row make one redraw)."""
        if not self._timer.isActive():
            self._timer.start()

    def on_results(self, _rows=None) -> None:
        if self.isVisible():
            self.schedule()

    def _new_plot(self) -> None:
        """A fresh, empty plot in place of the last: no item, legend, tick, axis size or
        label of an earlier chart can survive into the next (on screen or exported)."""
        import pyqtgraph as pg

        self.plot_widget.clear()
        plot = self.plot = self.plot_widget.addPlot(axisItems={"left": _value_axis()})
        plot.showGrid(y=True, alpha=0.2)
        plot.setContentsMargins(4, 4, 8, 10)  # the x axis title sits 5 px below its axis
        plot.setMenuEnabled(False)
        plot.hideButtons()
        for side in ("bottom", "left"):
            plot.getAxis(side).enableAutoSIPrefix(False)  # no "(x0.001)" on shares
        self.legend = None
        self.hover = pg.TextItem(
            "",
            color="#111",
            fill=pg.mkBrush(255, 255, 240, 230),
            border=pg.mkPen("#999"),
            anchor=(0, 1),
        )
        self.hover.setZValue(100)
        self.hover.hide()
        plot.addItem(self.hover, ignoreBounds=True)

    def _add_legend(self, columns: int = 1):
        self.legend = self.plot.addLegend(offset=(10, 5), labelTextSize="9pt", colCount=columns)
        # Scaled with the rest in a 1800 px export (a legend that ignores transformations
        # comes out a quarter of the size of every other text).
        self.legend.setFlag(self.legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        return self.legend

    def _clear(self) -> None:
        self._new_plot()
        self.hits = []
        self.data = pd.DataFrame()
        self._yrange = None  # set by a chart whose range is not its items' bounds

    def redraw(self) -> None:
        """Draw the chart chosen from the table's current values. The numbers are worked
        out in the background (a million rows take about a second, which would freeze the
        window on every batch of a running job), then drawn here; asked again meanwhile,
        it starts over with the newest values once those numbers are in."""
        self._timer.stop()
        if self.pending:
            self._again = True
            return
        w = self.window
        first = self.source(self.column.currentData())
        second = self.source(self.second.currentData())
        kind = self.kind.currentIndex()
        if w.corpus is None or first is None or (kind >= GROUP_SHARES and second is None):
            self._clear()
            need = {TIME_SHARE: "a date column", TIME_MEAN: "a date column"}.get(kind, "columns")
            self.note.setText(
                f"Nothing to chart yet: this chart needs {need} "
                "(run a model for label and score columns)."
            )
            self._set_auto("", "", "")
            return
        label = self.label.currentText() if kind == TIME_SHARE else None
        if kind == TIME_SHARE and not label:
            self._clear()
            self.note.setText(f"No labels in {first.name} yet.")
            self._set_auto("", "", "")
            return
        request = dict(
            kind=kind, column=first, second=second, label=label, freq=self.freq.currentText()
        )
        values = self.source_values(first)
        other = None
        dates = None
        if kind in (TIME_SHARE, TIME_MEAN):
            dates = self._dates.get((id(w.corpus.frame), second.key))
            if dates is None:
                other = self.values(second.columns[0])  # the corpus's own: it does not change
        elif kind >= GROUP_SHARES:
            other = self.source_values(second)
        corpus, started = w.corpus, time.perf_counter()
        self.pending, self._again = True, False

        def done(result: dict) -> None:
            self.pending = False
            if self._again or w.corpus is not corpus:
                self.redraw()  # the numbers are stale: the newest values instead
                return
            if "dates" in result:  # parsed once per corpus (a million dates are slow)
                self._dates = {(id(corpus.frame), second.key): result["dates"]}
            self._paint(request, result)
            # While a job runs, wait five times as long as this took before the next one.
            took = time.perf_counter() - started
            self._timer.setInterval(max(REDRAW_MS, min(10_000, int(5000 * took))))

        def failed(exc: BaseException) -> None:
            self.pending = False
            self._clear()
            self.note.setText(f"This chart cannot be drawn: {exc}")
            if self._again:
                self.redraw()

        self._worker = run_in_background(
            chart_numbers,
            kind,
            values,
            other,
            dates,
            request["freq"],
            label,
            on_done=done,
            on_error=failed,
        )

    def _paint(self, request: dict, result: dict) -> None:
        """Draw numbers worked out by :func:`chart_numbers` for ``request``, on a fresh
        plot."""
        self._clear()
        kind, column, second = request["kind"], request["column"], request["second"]
        draw = {
            LABELS: self._draw_labels,
            HISTOGRAM: self._draw_histogram,
            GROUP_SHARES: self._draw_group_shares,
            GROUP_MEANS: self._draw_group_means,
            TIME_SHARE: self._draw_time,
            TIME_MEAN: self._draw_time,
            CONFUSION: self._draw_confusion,
        }[kind]
        draw(column, second, result)
        if column.kind == "confidence":
            self.note.setText(f"{self.note.text()} {CONFIDENCE_NOTE}")
        elif column.kind == "signed" and kind in NUMBER_KINDS:
            self.note.setText(
                f"{self.note.text()} {_signed_note(result['sentiment'], column.scheme)}"
            )
        self.plot.enableAutoRange()
        if kind in (LABELS, HISTOGRAM, GROUP_SHARES, GROUP_MEANS) and self.hits:
            # room above the tallest bar for its count, the whiskers and the legend
            top = max(h[3] for h in self.hits)
            low = min(0.0, min(h[2] for h in self.hits))
            if kind == GROUP_MEANS and self.data["ci_high"].notna().any():
                top = max(top, float(self.data["ci_high"].max()))
                low = min(low, float(self.data["ci_low"].min()))
            top = max(top, 0.0)
            # The counts above the bars (a line of text) and the legend need so many
            # pixels, whatever the plot's height: about 110 px of it go to the title and
            # the axes.
            view = max(60.0, self.plot_widget.height() - 110.0)
            top *= 1 + max(
                0.3 if kind == GROUP_SHARES else 0.12,
                (44.0 if kind == GROUP_SHARES else 28.0) / view,
            )
            self.plot.setYRange(low - 0.06 * (top - low), top, padding=0)
        elif self._yrange is not None:
            self.plot.setYRange(*self._yrange, padding=0.06)

    def _bar_text(self, x: float, y: float, text: str) -> None:
        import pyqtgraph as pg

        item = pg.TextItem(text, color="#333", anchor=(0.5, 1))
        item.setPos(x, y)
        self.plot.addItem(item)

    def _ticks(self, names: list[str], side: str = "bottom") -> None:
        self.plot.getAxis(side).setTicks([[(i, n) for i, n in enumerate(names)]])

    def _draw_labels(self, column: Source, _second, result: dict) -> None:
        import pyqtgraph as pg

        data = result["data"]
        self.data = data
        x = np.arange(len(data), dtype=float)
        n = data["n"].to_numpy(dtype=float)
        bars = pg.BarGraphItem(x=[], height=[], width=0.7, pen="w")
        bars.setOpts(
            x=x,
            height=n,
            width=0.7,
            y0=0,
            brushes=[PALETTE[i % len(PALETTE)] for i in range(len(data))],
        )
        self.plot.addItem(bars)
        self._ticks(list(data["label"]))
        total = int(n.sum())
        name = column.name
        for i, row in data.iterrows():
            self._bar_text(x[i], row["n"], f"{row['n']:,} ({row['share']:.0%})")
            self.hits.append(
                (
                    x[i] - 0.35,
                    x[i] + 0.35,
                    0,
                    row["n"],
                    row["rows"],
                    f"{name} = {row['label']}",
                    f"{name} = {row['label']}\nn = {row['n']:,} of {total:,}\n"
                    f"share {row['share']:.1%} (95% CI {row['ci_low']:.1%}–{row['ci_high']:.1%})",
                )
            )
        self.note.setText(f"{total:,} rows with a value in {name}. Click a bar to see its rows.")
        self._set_auto(f"{name}: how many rows of each", name, "rows", column)

    def _draw_histogram(self, column: Source, _second, result: dict) -> None:
        import pyqtgraph as pg

        data = result["data"]
        self.data = data
        axis = column.axis(result, mean=False)
        if data.empty:
            self.note.setText(f"No numbers in {column.name} yet.")
            self._set_auto(column.name, axis, "rows", column)
            return
        left, right = data["left"].to_numpy(float), data["right"].to_numpy(float)
        centre, width = (left + right) / 2, (right - left)
        bars = pg.BarGraphItem(x=[], height=[], width=0.8, pen="w", brush=PALETTE[0])
        bars.setOpts(x=centre, height=data["n"].to_numpy(float), width=width * 0.95, y0=0)
        self.plot.addItem(bars)
        for _, row in data.iterrows():
            self.hits.append(
                (
                    row["left"],
                    row["right"],
                    0,
                    max(row["n"], 0),
                    row["rows"],
                    f"{column.name} from {row['left']:.3g} to {row['right']:.3g}",
                    f"{column.name} {row['left']:.3g} to {row['right']:.3g}\nn = {row['n']:,}",
                )
            )
        self.note.setText(
            f"{result['count']:,} rows; mean {result['mean']:.3f}, median "
            f"{result['median']:.3f}. Click a bar to see its rows."
        )
        self._set_auto(f"Distribution of {column.name}", axis, "rows", column)

    def _draw_group_shares(self, column: Source, by: Source, result: dict) -> None:
        import pyqtgraph as pg

        data = result["data"]
        self.data = data
        groups = list(dict.fromkeys(data["group"]))
        labels = list(dict.fromkeys(data["label"]))
        if len(labels) > len(PALETTE):
            top = set(result["labels"][: len(PALETTE)])
            labels = [x for x in labels if x in top]
        width = 0.8 / max(1, len(labels))
        legend = self._add_legend(len(labels))
        ex, ey, etop, ebottom = [], [], [], []
        name = column.name
        for j, label in enumerate(labels):
            part = data[data["label"] == label]
            x = np.array([groups.index(g) for g in part["group"]], float) - 0.4 + width * (j + 0.5)
            share = part["share"].to_numpy(float) * 100
            bar = pg.BarGraphItem(
                x=[], height=[], width=0.8, pen="w", brush=PALETTE[j % len(PALETTE)]
            )
            bar.setOpts(x=x, height=share, width=width * 0.92, y0=0)
            self.plot.addItem(bar)
            legend.addItem(bar, label)
            for xi, (_, row) in zip(x, part.iterrows()):
                ex.append(xi)
                ey.append(100 * row["share"])
                etop.append(100 * (row["ci_high"] - row["share"]))
                ebottom.append(100 * (row["share"] - row["ci_low"]))
                self.hits.append(
                    (
                        xi - width / 2,
                        xi + width / 2,
                        0,
                        100 * row["ci_high"],
                        row["rows"],
                        f"{by.name} = {row['group']}, {name} = {label}",
                        f"{by.name} = {row['group']}\n{name} = {label}\n"
                        f"{row['k']:,} of {row['n']:,} = {row['share']:.1%}\n"
                        f"95% CI {row['ci_low']:.1%}–{row['ci_high']:.1%}",
                    )
                )
        errors = pg.ErrorBarItem(beam=width * 0.4, pen=pg.mkPen("#333", width=1.5))
        errors.setData(x=np.array(ex), y=np.array(ey), top=np.array(etop), bottom=np.array(ebottom))
        self.plot.addItem(errors)
        n = data.drop_duplicates("group")[["group", "n"]]
        self._ticks([f"{g}\n(n={k:,})" for g, k in zip(n["group"], n["n"])])
        self.plot.getAxis("bottom").setHeight(66)  # two-line ticks, then the axis title
        self.note.setText(
            "Bars: share of each group's rows with that label; whiskers: 95% "
            "Wilson intervals. Click a bar to see its rows."
        )
        self._set_auto(f"{name} by {by.name}", by.name, "% of the group's rows", column, by)

    def _draw_group_means(self, column: Source, by: Source, result: dict) -> None:
        import pyqtgraph as pg

        data = result["data"]
        self.data = data
        x = np.arange(len(data), dtype=float)
        mean = data["mean"].to_numpy(float)
        low = data["ci_low"].to_numpy(float)
        high = data["ci_high"].to_numpy(float)
        bars = pg.BarGraphItem(x=[], height=[], width=0.6, pen="w", brush=PALETTE[0])
        bars.setOpts(x=x, height=mean, width=0.6, y0=0)
        self.plot.addItem(bars)
        ok = ~np.isnan(low)
        errors = pg.ErrorBarItem(beam=0.25, pen=pg.mkPen("#333", width=1.5))
        errors.setData(x=x[ok], y=mean[ok], top=(high - mean)[ok], bottom=(mean - low)[ok])
        self.plot.addItem(errors)
        self._ticks([f"{g}\n(n={k:,})" for g, k in zip(data["group"], data["n"])])
        self.plot.getAxis("bottom").setHeight(66)
        axis = column.axis(result, mean=True)
        for i, row in data.iterrows():
            lo, hi = sorted((0.0, row["mean"]))
            ci = (
                ""
                if pd.isna(row["ci_low"])
                else f"\n95% CI {row['ci_low']:.3f} to {row['ci_high']:.3f}"
            )
            self.hits.append(
                (
                    x[i] - 0.3,
                    x[i] + 0.3,
                    lo,
                    hi,
                    row["rows"],
                    f"{by.name} = {row['group']}",
                    f"{by.name} = {row['group']}\nn = {row['n']:,}\n{axis}: {row['mean']:.3f}{ci}",
                )
            )
        self.note.setText(
            f"Bars: {_lower(column.mean_name())} per group; whiskers: 95% t intervals. "
            "Click a bar to see its rows."
        )
        self._set_auto(f"{column.mean_name()} by {by.name}", by.name, axis, column, by)

    def _draw_time(self, column: Source, date: Source, result: dict) -> None:
        import pyqtgraph as pg

        share, label, freq = result["share"], result["label"], result["freq"]
        data = result["data"]
        self.data = data
        x = np.arange(len(data), dtype=float)
        scale = 100.0 if share else 1.0  # shares drawn in percent
        y = data["value"].to_numpy(float) * scale
        low = data["ci_low"].to_numpy(float) * scale
        high = data["ci_high"].to_numpy(float) * scale
        # The band needs numbers everywhere: a period without a CI shows none (low = high).
        fill_low = np.where(np.isnan(low), np.where(np.isnan(y), 0, y), low)
        fill_high = np.where(np.isnan(high), np.where(np.isnan(y), 0, y), high)
        clear = pg.mkPen((0, 0, 0, 0))  # the band's edges: a fill needs drawn curves
        band_low = pg.PlotDataItem(pen=clear)
        band_high = pg.PlotDataItem(pen=clear)
        band_low.setData(x, fill_low)
        band_high.setData(x, fill_high)
        band = pg.FillBetweenItem(band_low, band_high, brush=pg.mkBrush(0, 114, 178, 50))
        self.plot.addItem(band, ignoreBounds=True)  # the range: set below
        line = pg.PlotDataItem(
            pen=pg.mkPen(PALETTE[0], width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=PALETTE[0],
            symbolPen="w",
            connect="finite",
        )
        line.setData(x, y)
        self.plot.addItem(line)
        # The range from the line and the intervals of periods with 5 rows or more: one
        # week of two rows has an interval wide enough to flatten every other.
        steady = (data["n"] >= 5).to_numpy()
        shown = np.concatenate([y, low[steady], high[steady]])
        shown = shown[np.isfinite(shown)]
        if len(shown):
            self._yrange = (min(0.0, shown.min()) if share else shown.min(), shown.max())
        names = [cd.period_name(p, freq) for p in data["period"]]
        room = max(300.0, self.plot.vb.width())
        step = max(1, int(np.ceil(len(names) * 85 / room)))
        self.plot.getAxis("bottom").setTicks(
            [[(i, n) for i, n in enumerate(names) if i % step == 0]]
        )
        axis = f"% labelled {label}" if share else column.axis(result, mean=True)
        what = f"share {label}" if share else _lower(column.mean_name())
        for i, row in data.iterrows():
            if row["n"] == 0:
                text = f"{names[i]}: no rows"
            else:
                value = f"{row['value']:.1%}" if share else f"{row['value']:.3f}"
                ci = (
                    ""
                    if pd.isna(row["ci_low"])
                    else (
                        f"\n95% CI {row['ci_low']:.1%}–{row['ci_high']:.1%}"
                        if share
                        else f"\n95% CI {row['ci_low']:.3f} to {row['ci_high']:.3f}"
                    )
                )
                count = f"{row['k']:,} of {row['n']:,}" if share else f"n = {row['n']:,}"
                text = f"{freq} {names[i]}\n{count}\n{what}: {value}{ci}"
            self.hits.append(
                (
                    x[i] - 0.5,
                    x[i] + 0.5,
                    -np.inf,
                    np.inf,
                    row["rows"],
                    f"{date.name} in {freq} {names[i]}"
                    + (f", {column.name} = {label}" if share else ""),
                    text,
                )
            )
        self.note.setText(
            f"Line: {what} per {freq}; band: 95% "
            f"{'Wilson' if share else 't'} interval. Click a point to see its rows."
        )
        if share:
            self._set_auto(
                f"Share of {column.name} = {label} per {freq}", date.name, axis, column, date
            )
        else:
            self._set_auto(f"{column.mean_name()} per {freq}", date.name, axis, column, date)

    def _draw_confusion(self, column: Source, other: Source, result: dict) -> None:
        import pyqtgraph as pg

        data = result["data"]
        self.data = data
        names = list(dict.fromkeys(data["a"]))
        k = len(names)
        a_name, b_name = column.name, other.name
        if not k:
            self.note.setText(f"No rows with values in both {a_name} and {b_name}.")
            self._set_auto("", a_name, b_name, column, other)
            return
        grid = data["n"].to_numpy(float).reshape(k, k)  # [a, b]
        # One square per cell (vector shapes: crisp in SVG, where a scaled image blurs).
        colours = pg.ColorMap([0.0, 1.0], ["#f2f2f2", PALETTE[0]]).map(
            grid.ravel() / max(1.0, grid.max()), mode="qcolor"
        )
        a_at, b_at = np.divmod(np.arange(k * k), k)  # grid.ravel()'s order: [a, b]
        cells = pg.BarGraphItem(x=[], height=[], width=1.0)
        cells.setOpts(
            x=a_at.astype(float),
            y0=b_at - 0.5,
            height=np.ones(k * k),
            width=1.0,
            brushes=[pg.mkBrush(c) for c in colours],
            pens=[pg.mkPen(None)] * (k * k),
        )
        self.plot.addItem(cells)
        # Names of more than one word on lines of their own: side by side under narrow
        # cells they would run into each other.
        wrapped = [n.replace(" ", "\n") if len(n) > 8 else n for n in names]
        self._ticks(wrapped, "bottom")
        lines = max(n.count("\n") + 1 for n in wrapped)
        self.plot.getAxis("bottom").setHeight(34 + 15 * lines)
        self._ticks(names, "left")
        self.plot.showGrid(y=False)
        self.plot.getAxis("left").setWidth(30 + 7 * max(len(n) for n in names))
        total = int(grid.sum())
        diagonal = int(np.trace(grid))
        for _, row in data.iterrows():
            a, b = names.index(row["a"]), names.index(row["b"])
            dark = grid[a, b] > 0.55 * grid.max()
            item = pg.TextItem(f"{row['n']:,}", color="w" if dark else "#222", anchor=(0.5, 0.5))
            item.setPos(a, b)
            self.plot.addItem(item)
            self.hits.append(
                (
                    a - 0.5,
                    a + 0.5,
                    b - 0.5,
                    b + 0.5,
                    row["rows"],
                    f"{a_name} = {row['a']}, {b_name} = {row['b']}",
                    f"{a_name} = {row['a']}\n{b_name} = {row['b']}\nn = {row['n']:,}"
                    f" ({row['share']:.1%} of {total:,})",
                )
            )
        given = data[data["n"] > 0]
        if set(given["a"]).isdisjoint(given["b"]):
            self.note.setText(
                f"{a_name} and {b_name} have no value in common: a cross-table "
                "of the two, with no diagonal of agreement. Click a cell to see "
                "its rows."
            )
        else:
            self.note.setText(
                f"{diagonal:,} of {total:,} rows ({diagonal / max(total, 1):.1%}) "
                "get the same label in both columns (the diagonal). Click a "
                "cell to see its rows."
            )
        self._set_auto(f"{a_name} against {b_name}", a_name, b_name, column, other)

    # -- titles -----------------------------------------------------------------------

    def _set_auto(self, title: str, x: str, y: str, *sources: Source) -> None:
        """The automatic titles, and as their tooltip the columns they name."""
        self._auto = (title, x, y)
        self._tip = "\n".join(s.tip() for s in sources)
        self._apply_titles()

    def _apply_titles(self) -> None:
        title = self.title.text() or self._auto[0]
        self.plot.setTitle(title, size="12pt")
        self.plot.setLabel("bottom", self.x_title.text() or self._auto[1])
        self.plot.setLabel("left", _two_lines(self.y_title.text() or self._auto[2]))
        self.plot.titleLabel.setToolTip(self._tip)
        self.plot_widget.setToolTip(self._tip)

    # -- clicks and hover -------------------------------------------------------------

    def hit_at(self, x: float, y: float):
        """The bar, point or cell under the data coordinates (x, y), or None."""
        for hit in self.hits:
            x0, x1, y0, y1 = hit[:4]
            if x0 <= x <= x1 and min(y0, y1) <= y <= max(y0, y1):
                return hit
        return None

    def show_rows_at(self, x: float, y: float) -> bool:
        hit = self.hit_at(x, y)
        if hit is None:
            return False
        self.window.show_rows(hit[4], hit[5])
        return True

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        self.show_rows_at(point.x(), point.y())

    def _on_move(self, scene_pos) -> None:
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            self.hover.hide()
            return
        point = self.plot.vb.mapSceneToView(scene_pos)
        hit = self.hit_at(point.x(), point.y())
        if hit is None:
            self.hover.hide()
            return
        self.hover.setText(hit[6])
        # The box on the side with room: left of the pointer in the right half, below it
        # in the upper half (cut off at the plot's edge otherwise).
        view = self.plot.vb.viewRect()
        self.hover.setAnchor(
            (1 if point.x() > view.center().x() else 0, 0 if point.y() > view.center().y() else 1)
        )
        self.hover.setPos(point)
        self.hover.show()

    # -- export -----------------------------------------------------------------------

    def export(self, path: str | Path) -> Path:
        """Write the chart as PNG (``PNG_WIDTH`` pixels wide) or SVG, by the suffix."""
        path = Path(path)
        self.hover.hide()
        if self._timer.isActive():
            self.redraw()
        self.settle()
        if path.suffix.lower() == ".svg":
            return export_svg(self.plot, path)
        return export_png(self.plot, path)

    def settle(self) -> None:
        """Let the plot finish laying itself out: axis sizes set while drawing are laid
        out by posted events, and the automatic range follows the view's new size in
        later ones (an export taken before would cut cells and labels at the edge)."""
        for _ in range(4):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        self.plot.vb.updateAutoRange()

    def ask_export(self, kind: str) -> None:
        name = (self.title.text() or self._auto[0] or "chart").replace("/", "-")
        base = self.window.source.parent if self.window.source else Path.home()
        path, _ = QFileDialog.getSaveFileName(
            self, "Save chart", str(base / f"{name}.{kind}"), f"{kind.upper()} (*.{kind})"
        )
        if path:
            written = self.export(path)
            self.window.statusBar().showMessage(f"Saved chart to {written}", 5000)


class Charts:
    """The charts dock, its panel built on first use: pyqtgraph takes about half a second
    to import, which the window's start-up should not pay for a panel most sessions open
    late or never. Attributes the holder does not have come from the panel (built then)."""

    def __init__(self, window):
        self.window = window
        self._panel: ChartsPanel | None = None
        self.dock = QDockWidget("Charts", window)
        self.dock.setObjectName("chartsDock")
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        act = QAction("&Charts", window)
        act.setShortcut(QKeySequence("Ctrl+Shift+C"))
        act.setStatusTip("Chart the labels and scores: counts, by group, over time, compared")
        act.setToolTip("Charts (Ctrl+Shift+C)")
        act.triggered.connect(self.open_panel)
        self.act_open = act
        # Model results and codes given by hand alike arrive as the table's result columns.
        window.model.sig_results_changed.connect(self._columns_changed)
        window.sig_loaded.connect(lambda: self.open_panel() if self.dock.isVisible() else None)

    def panel(self) -> ChartsPanel:
        if self._panel is None:
            self._panel = ChartsPanel(self.window)
            self._panel.dock, self._panel.act_open = self.dock, self.act_open
            self.dock.setWidget(self._panel)
        return self._panel

    def __getattr__(self, name):
        return getattr(self.panel(), name)

    def open_panel(self) -> None:
        window = self.window
        if window.corpus is None:
            return
        panel = self.panel()
        first = not self.dock.isVisible()
        self.dock.show()
        self.dock.raise_()
        if first:  # beside the Jobs panel: the chart gets most of the width
            window.resizeDocks([self.dock], [int(window.width() * 0.6)], Qt.Orientation.Horizontal)
        panel.refresh_columns()
        panel.redraw()

    def _columns_changed(self, rows=None) -> None:
        if not self.dock.isVisible():
            return
        if rows is None:  # a new run or new columns: the pickers may offer more
            self.panel().refresh_columns()
        self.panel().schedule()


def install(window) -> Charts:
    """The charts dock in ``window`` (hidden, at the bottom) and its action,
    ``charts.act_open``: View › Charts (Ctrl+Shift+C)."""
    return Charts(window)

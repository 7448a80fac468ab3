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

import time
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core import chart_data as cd
from ..common.background import BackgroundTask
from ..common.chart_export import PNG_WIDTH, export_png, export_svg
from .chart_kinds import (
    CODES,
    CONFIDENCE_NOTE,
    CONFUSION,
    DRAW,
    GROUP_MEANS,
    GROUP_SHARES,
    HISTOGRAM,
    KINDS,
    LABELS,
    NUMBER_KINDS,
    TIME_MEAN,
    TIME_SHARE,
    Source,
    chart_numbers,
    signed_note,
    two_lines,
    value_axis,
)
from .chart_sources import ChartSources, level_picker, sync_level
from .code_bars import MODES, code_numbers, draw_codes
from .corrected import CorrectedControls, draw_corrected

REDRAW_MS = 300  # results arrive in batches, several a second: one redraw per 300 ms


class ChartsPanel(QWidget):
    """The chart controls, the plot and its export buttons."""

    def __init__(self, window):
        import pyqtgraph as pg

        super().__init__()
        self.window = window
        self.sources = ChartSources(window)  # what can be charted, by picker key
        self.hits: list[tuple] = []
        self.data = pd.DataFrame()  # what the chart shows now (chart_data's frame)
        self._kinds: tuple = ([], [], [], [])  # the columns each picker may offer
        self._dates: dict = {}
        # The numbers are worked out in the background, latest wins: asked to redraw
        # meanwhile, the numbers coming are stale and it redraws once they are in.
        self.background = BackgroundTask(
            self, keep_in=window.background_work, reports=False, again=self.redraw
        )
        self.background.sig_result.connect(self._numbers_in)
        self.background.sig_error.connect(self._numbers_failed)
        self._asked: tuple | None = None  # (request, corpus, started) of those numbers
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)

        self.level = level_picker(self)  # units, or documents (rolled up)
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
        self.corrected = CorrectedControls(self)  # shares and means corrected for errors
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        scene = self.plot_widget.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_move)

        pickers = QHBoxLayout()
        pickers.addWidget(self.level)
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
        lay.addWidget(self.corrected)
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

    def source(self, key: str | None) -> Source | None:
        return self.sources.get(key)

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
        sync_level(self)  # units, or documents rolled up again
        self._kinds = labels, numeric, _groups, _dates = self.sources.columns()
        kind = self.kind.currentIndex()
        codes = self.sources.codes() if kind == CODES else None
        self._refill(
            self.column, codes if codes is not None else numeric if kind in NUMBER_KINDS else labels
        )
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
        self.corrected.update_for(kind, self.source(first))
        if kind in (GROUP_SHARES, GROUP_MEANS, CODES):
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
            CODES: "group",
            TIME_SHARE: "date",
            TIME_MEAN: "date",
            CONFUSION: "compare",
        }.get(kind)

    def _fill_labels(self) -> None:
        source, kind = self.source(self.column.currentData()), self.kind.currentIndex()
        if kind != CODES and (kind != TIME_SHARE or source is None):
            return
        names = (
            list(MODES)
            if kind == CODES
            else [str(x) for x in cd.label_counts(self.sources.source_values(source))["label"]]
        )
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
            CODES: "by",
            TIME_SHARE: "date",
            TIME_MEAN: "date",
            CONFUSION: "against",
        }.get(kind)
        self.label_name.setText("bars" if kind == CODES else "label")
        self.second_name.setText(second or "")
        for w in (self.second_name, self.second):
            w.setVisible(second is not None)
        for w in (self.label_name, self.label):
            w.setVisible(kind in (TIME_SHARE, CODES))
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
        plot = self.plot = self.plot_widget.addPlot(axisItems={"left": value_axis()})
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

    def add_legend(self, columns: int = 1):
        self.legend = self.plot.addLegend(offset=(10, 5), labelTextSize="9pt", colCount=columns)
        # Scaled with the rest in a 1800 px export (a legend that ignores transformations
        # comes out a quarter of the size of every other text).
        self.legend.setFlag(self.legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        return self.legend

    def _clear(self) -> None:
        self.corrected.clear()  # the numbers drawn next say again whether there are any
        self._new_plot()
        self.hits = []
        self.data = pd.DataFrame()
        self.yrange = None  # set by a chart whose range is not its items' bounds
        self._bars = None  # (kind, tallest, lowest) of a bar chart: see _fit_bars

    @property
    def pending(self) -> bool:
        """Numbers are being worked out in the background: the chart will change."""
        return self.background.running

    def redraw(self) -> None:
        """Draw the chart chosen from the table's current values. The numbers are worked
        out in the background (a million rows take about a second, which would freeze the
        window on every batch of a running job), then drawn here; asked again meanwhile,
        it starts over with the newest values once those numbers are in."""
        self._timer.stop()
        if self.background.ask_again():
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
            self.set_auto("", "", "")
            return
        label = self.label.currentText() if kind in (TIME_SHARE, CODES) else None
        if kind == TIME_SHARE and not label:
            self._clear()
            self.note.setText(f"No labels in {first.name} yet.")
            self.set_auto("", "", "")
            return
        request = dict(
            kind=kind, column=first, second=second, label=label, freq=self.freq.currentText()
        )
        values = self.sources.source_values(first)
        if kind == CODES:  # a codebook's crosstab, from the project
            self._asked = (request, w.corpus, time.perf_counter())
            self.background.start(code_numbers, values.by_column(second.columns[0]))
            return
        if self.corrected.wanted(kind):
            self._asked = (dict(request, corrected=True), w.corpus, time.perf_counter())
            self.background.start(*self.corrected.start(first, second))
            return
        other = None
        dates = None
        if kind in (TIME_SHARE, TIME_MEAN):
            dates = self._dates.get((id(w.corpus.frame), second.key))
            if dates is None:
                other = self.sources.values(
                    second.columns[0]
                )  # the corpus's own: it does not change
        elif kind >= GROUP_SHARES:
            other = self.sources.source_values(second)
        self._asked = (request, w.corpus, time.perf_counter())
        self.background.start(chart_numbers, kind, values, other, dates, request["freq"], label)

    def _numbers_in(self, result: dict) -> None:
        request, corpus, started = self._asked
        if self.background.stale:
            return  # asked again meanwhile: it redraws with the newest values
        if self.window.corpus is not corpus:
            self.redraw()  # another file: its values instead (once this one has ended)
            return
        if "dates" in result:  # parsed once per corpus (a million dates are slow)
            self._dates = {(id(corpus.frame), request["second"].key): result["dates"]}
        self._paint(request, result)
        # While a job runs, wait five times as long as this took before the next one.
        took = time.perf_counter() - started
        self._timer.setInterval(max(REDRAW_MS, min(10_000, int(5000 * took))))

    def _numbers_failed(self, exc: BaseException) -> None:
        self._clear()
        self.note.setText(f"This chart cannot be drawn: {exc}")

    def _paint(self, request: dict, result: dict) -> None:
        """Draw numbers worked out by :func:`chart_numbers` for ``request``, on a fresh
        plot."""
        self._clear()
        kind, column, second = request["kind"], request["column"], request["second"]
        if kind == CODES:
            draw_codes(self, column, second, result, request["label"])
        elif "report" in result:
            draw_corrected(self, column, second, result)
            self.corrected.shown(result["report"])
        else:
            DRAW[kind](self, column, second, result)
        if column.kind == "confidence":
            self.note.setText(f"{self.note.text()} {CONFIDENCE_NOTE}")
        elif column.kind == "signed" and kind in NUMBER_KINDS:
            self.note.setText(
                f"{self.note.text()} {signed_note(result['sentiment'], column.scheme)}"
            )
        self.plot.enableAutoRange()
        if kind in (LABELS, HISTOGRAM, GROUP_SHARES, GROUP_MEANS, CODES) and self.hits:
            top = max(h[3] for h in self.hits)
            low = min(0.0, min(h[2] for h in self.hits))
            if kind == GROUP_MEANS and self.data["ci_high"].notna().any():
                top = max(top, float(self.data["ci_high"].max()))
                low = min(low, float(self.data["ci_low"].min()))
            self._bars = (kind, max(top, 0.0), low)
            self._fit_bars()
            # a shorter or taller dock: the room above the bars is worked out again
            self.plot.vb.sigResized.connect(self._fit_bars)
        elif self.yrange is not None:
            self.plot.setYRange(*self.yrange, padding=0.06)

    def _fit_bars(self, *_) -> None:
        """Room above the tallest bar for its count, the whiskers and the legend: so many
        pixels (the legend's real height, which grows with its rows), whatever the plot's
        height, and at least a share of the bar (30% with a legend of codes or groups)."""
        if self._bars is None:
            return  # a plot drawn over since
        kind, top, low = self._bars
        pixels = self.plot.vb.height() or max(60.0, self.plot_widget.height() - 110.0)
        shares = kind in (GROUP_SHARES, CODES)
        room = 44.0 if shares else 28.0
        if self.legend is not None and self.legend.items:
            room = max(room, 5 + self.legend.boundingRect().height() + 8)  # offset, a gap
        part = min(0.7, room / pixels)  # of the height, above the tallest bar
        high = max(top * (1 + (0.3 if shares else 0.12)), (top - part * low) / (1 - part))
        self.plot.setYRange(low - 0.06 * (high - low), high, padding=0)

    def show_codes(self, key: str, by: str) -> None:
        """Chart a codebook's codes (``key``: ``code_bars.code_key``) by column ``by``."""
        self.kind.setCurrentIndex(CODES)  # the pickers offer the codebooks' codes
        self.refresh_columns()
        self.column.setCurrentIndex(self.column.findData(key))
        self.second.setCurrentIndex(self.second.findData("column:" + by))
        self.redraw()

    # -- titles -----------------------------------------------------------------------

    def set_auto(self, title: str, x: str, y: str, *sources: Source) -> None:
        """The automatic titles, and as their tooltip the columns they name."""
        self._auto = (title, x, y)
        self._tip = "\n".join(s.tip() for s in sources)
        self._apply_titles()

    def _apply_titles(self) -> None:
        title = self.title.text() or self._auto[0]
        self.plot.setTitle(title, size="12pt")
        self.plot.setLabel("bottom", self.x_title.text() or self._auto[1])
        self.plot.setLabel("left", two_lines(self.y_title.text() or self._auto[2]))
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
        self.window.show_rows(self.sources.unit_rows(hit[4]), hit[5])
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

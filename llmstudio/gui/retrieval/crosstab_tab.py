"""The "Crosstab" tab: a codebook's codes by the groups of a column (``core.crosstab``):
counts, % of the row or of the column, totals, parents as bold subtotal rows with their
children indented under them, what is counted said under the table; export it, or chart it
in the Charts panel."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import crosstab as ct
from ...core.codebook import Codebook
from ...core.errors import Cancelled
from ..common.background import BackgroundTask
from ..common.errors import describe
from .passages_tab import swatch

SHOW = {"counts": None, "% of row": "row", "% of column": "column"}
UNITS = {"coded texts (rows)": ct.ROWS, "passages": ct.PASSAGES}


class CrosstabTab(QWidget):
    """The crosstab of one codebook of the window's project (:meth:`set_book`)."""

    sig_chart = Signal(object)  # the Crosstab to chart

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.book: Codebook | None = None
        self.result: ct.Crosstab | None = None
        self.background = BackgroundTask(
            self, keep_in=window.background_work, reports=False, again=self.refresh
        )
        self.background.sig_result.connect(self._show)
        self.background.sig_error.connect(self._failed)

        self.by = QComboBox()
        self.by.setMinimumContentsLength(10)
        self.source = QComboBox()
        self.source.setMinimumContentsLength(14)
        self.unit = QComboBox()
        self.unit.addItems(list(UNITS))
        self.show_as = QComboBox()
        self.show_as.addItems(list(SHOW))
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold;")
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #555;")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("The table as CSV or Excel (Excel: with the notes)")
        self.chart_button = QPushButton("Chart This")
        self.chart_button.setToolTip("Open the Charts panel on these codes by this column")

        pickers = QHBoxLayout()
        for widget in (
            QLabel("Codes by"),
            self.by,
            QLabel("from"),
            self.source,
            QLabel("count"),
            self.unit,
            QLabel("show"),
            self.show_as,
        ):
            pickers.addWidget(widget)
        pickers.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.chart_button)
        buttons.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(pickers)
        lay.addWidget(self.heading)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.notes)
        lay.addLayout(buttons)

        for combo in (self.by, self.source, self.unit):
            combo.currentIndexChanged.connect(self.refresh)
        self.show_as.currentIndexChanged.connect(self._fill)
        self.chart_button.clicked.connect(lambda: self.sig_chart.emit(self.result))

    def set_book(self, book: Codebook | None) -> None:
        """Offer the columns of groups, and the coders and model runs of ``book``; the
        same codebook again (the window reopened) keeps the column and source chosen."""
        same = book is not None and self.book is not None and book.name == self.book.name
        kept = (self.by.currentText(), self.source.currentText()) if same else None
        self.book = book
        for combo in (self.by, self.source):
            combo.blockSignals(True)
            combo.clear()
        w = self.window
        if book is not None:
            frame = w.corpus.frame
            for name in map(str, frame.columns):
                if name != w.corpus.text_column and frame[name].nunique() <= ct.MAX_GROUPS:
                    self.by.addItem(name)
            for source in ct.sources(w.project, book):
                self.source.addItem(source.name, source)
            for combo, text in zip((self.by, self.source), kept or ()):
                if combo.findText(text) >= 0:
                    combo.setCurrentText(text)
        for combo in (self.by, self.source):
            combo.blockSignals(False)
        self.refresh()

    def coded(self) -> None:
        """Codes or passages were stored: a coder new to the codebook is offered as a
        source (the one chosen kept), and the counts are read again."""
        if self.book is not None:
            have = {self.source.itemText(i) for i in range(self.source.count())}
            self.source.blockSignals(True)
            for source in ct.sources(self.window.project, self.book):
                if source.name not in have:
                    self.source.addItem(source.name, source)
            self.source.blockSignals(False)
        self.refresh()

    def share(self) -> str | None:
        return SHOW[self.show_as.currentText()]

    def refresh(self, *_) -> None:
        """Count in the background (latest wins)."""
        source = self.source.currentData()
        if self.book is None or source is None or not self.by.currentText():
            self.result = None
            self.table.clear()
            self.table.setRowCount(0)
            self.heading.setText(
                "No column of groups (at most 50 values) to count by."
                if self.book is not None
                else "No codebook in this project yet."
            )
            self.notes.setText("")
            self._enable()
            return
        unit = UNITS[self.unit.currentText()]
        self.background.start(
            ct.crosstab, self.window.project, self.book, self.by.currentText(), source, unit
        )

    def _enable(self) -> None:
        for button in (self.export_button, self.chart_button):
            button.setEnabled(self.result is not None)

    def _show(self, result: ct.Crosstab) -> None:
        if self.background.stale:
            return
        self.result = result
        self._fill()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            return
        self.result = None
        self.table.clear()
        self.table.setRowCount(0)
        self.heading.setText(describe(exc))
        self.notes.setText("")
        self._enable()

    def _fill(self, *_) -> None:
        """The table of the last result in the form chosen (counts or shares)."""
        result = self.result
        self._enable()
        if result is None:
            return
        share = self.share()
        frame = result.table(share)
        columns = [c for c in frame.columns if c != "Under"]
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setRowCount(len(frame))
        self.table.setHorizontalHeaderLabels(columns)
        bold = QFont(self.font())
        bold.setBold(True)
        last = len(frame) - 1
        for i, (_, row) in enumerate(frame.iterrows()):
            is_total = i == last
            parent = not is_total and result.parent[i]
            for j, column in enumerate(columns):
                value = row[column]
                if j == 0:
                    depth = 0 if is_total else result.depth[i]
                    item = QTableWidgetItem("    " * depth + str(value))
                    if not is_total:
                        item.setIcon(swatch(result.colors[i]))
                else:
                    item = QTableWidgetItem(_number(value, share))
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if parent or is_total or column == "Total":
                    item.setFont(bold)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.heading.setText(result.heading(share))
        self.notes.setText("\n".join(result.notes))


def _number(value, share: str | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:,.1f}%" if share else f"{int(value):,}"

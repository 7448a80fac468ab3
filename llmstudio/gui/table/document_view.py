"""View › Documents (rolled up): the table's results per document, read-only
(``core.rollup``: units, units with a result, share of units with each code, mean signed
sentiment, the documents' metadata). A double-click on a document shows its units in the
table (``window.show_rows``)."""

from __future__ import annotations

import math
import numbers

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QMessageBox,
    QTableView,
    QVBoxLayout,
)

from ...core.rollup import DOCUMENT, Rollup, has_documents
from ...core.rollup_export import table_rollup


class RollupModel(QAbstractTableModel):
    """The rolled-up frame, read-only: shares and means with three decimals, each column's
    description as its header's tooltip."""

    def __init__(self, rollup: Rollup, parent=None):
        super().__init__(parent)
        self.rollup = rollup
        self.frame = rollup.frame
        self.about = {c.name: c.description for c in rollup.info}

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.frame.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        value = self.frame.iat[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, numbers.Number):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        name = str(self.frame.columns[section])
        if role == Qt.ItemDataRole.DisplayRole:
            return name.replace(": ", ":\n", 1)  # the result, then what of it
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name}\n{self.about.get(name, '')}"
        return None


def cell_text(value) -> str:
    """A cell as shown: empty for no value (no result is not a zero), whole numbers as
    such, other numbers with three decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) > 1 else f"{value:.3f}"
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


class DocumentView(QDialog):
    """The rolled-up table in a window of its own (not modal: the units table stays in
    use beside it)."""

    def __init__(self, window, rollup: Rollup):
        super().__init__(window)
        self.window_ = window
        self.corpus = window.corpus  # the table these documents are of
        self.setWindowTitle("Documents (rolled up)")
        self.model = RollupModel(rollup, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.resizeColumnsToContents()  # the headers' two lines in full
        self.table.doubleClicked.connect(self.show_units)
        units = int(rollup.frame["units"].sum()) if len(rollup.frame) else 0
        said = [
            f"{len(rollup.frame):,} documents from {units:,} units. Shares are of the units "
            "with a result (units without one are left out, not counted as zeros); each "
            "unit weighs the same: descriptive, not estimates. Double-click a document to "
            "see its units in the table."
        ]
        said += [f"Note: {note}." for note in rollup.notes]
        self.note = QLabel("\n".join(said))
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.resize(900, 420)

    def show_units(self, index) -> None:
        """Show the units of the document on ``index``'s row in the table."""
        frame = self.model.frame
        document = frame[DOCUMENT].iat[index.row()]
        if self.window_.corpus is not self.corpus:  # another table opened since
            self.note.setText(
                "These documents are of a table no longer open: open View › Documents "
                "(rolled up) again for the table shown."
            )
            return
        self.window_.show_rows(self.model.rollup.rows[document], f"document {document}")


class DocumentViews:
    """View › Documents (rolled up) (Ctrl+Shift+D) in ``window``; the view is built in the
    background (the results are read from the project)."""

    def __init__(self, window):
        self.window = window
        self.view: DocumentView | None = None
        act = QAction("&Documents (rolled up)", window)
        act.setShortcut(QKeySequence("Ctrl+Shift+D"))
        act.setStatusTip("The results per document: share of units with each code, mean sentiment")
        act.triggered.connect(self.open)
        self.act_open = act

    def open(self) -> None:
        w = self.window
        if w.corpus is None:
            return
        frame = w.corpus.frame
        if not has_documents(frame):
            QMessageBox.information(
                w,
                "Documents (rolled up)",
                f"This table has no {DOCUMENT!r} column naming documents of several rows "
                "each, so there is nothing to roll up. Split documents into units first "
                "(Analyse › Split into units), or add such a column to the file.",
            )
            return
        w.start_work(
            "Rolling results up to documents…",
            table_rollup,
            w.project,
            frame,
            w.corpus.text_column,
            on_done=self.show,
            error_title="Cannot roll results up to documents",
        )

    def show(self, rollup: Rollup) -> None:
        if self.view is not None:
            self.view.close()
            self.view.deleteLater()
        self.view = DocumentView(self.window, rollup)
        self.view.show()
        self.view.raise_()

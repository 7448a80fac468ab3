"""The corpus table's view: whole rows selected, uniform row heights (fast scrolling of a
million rows), columns resized by hand, sorted by clicking a header (``search_bar``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


class RowTableView(QTableView):
    """Home/End jump to the first/last row, as the shortcuts help says. QTableView's own
    Home/End move to the first/last column, which with whole rows selected looks like
    nothing happened; the column is kept so the view does not scroll sideways."""

    def moveCursor(self, action, modifiers):
        Move = QAbstractItemView.CursorAction
        model = self.model()
        if action in (Move.MoveHome, Move.MoveEnd) and model is not None and model.rowCount():
            row = 0 if action == Move.MoveHome else model.rowCount() - 1
            return model.index(row, max(0, self.currentIndex().column()))
        return super().moveCursor(action, modifiers)


def corpus_table(model) -> QTableView:
    """The table view of ``model`` (a CorpusTableModel) as the main window shows it."""
    table = RowTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    # Sideways by pixels, not by whole columns: scrolled to a model's new columns at the
    # right, a column-wise scroll left the last of them cut in half.
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    vh = table.verticalHeader()
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: fast scrolling
    vh.setDefaultSectionSize(24)
    hh = table.horizontalHeader()
    hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    hh.setDefaultSectionSize(120)
    hh.setHighlightSections(False)
    hh.setSectionsClickable(True)
    hh.setSortIndicatorShown(True)
    hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # sorting: search_bar
    return table

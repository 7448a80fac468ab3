"""``CorpusTableModel``: the one read-only Qt table model over a corpus DataFrame.

Views never copy the DataFrame. Sorting and filtering only replace ``order``, an array of
frame row positions in view order, so a million rows sort, filter and scroll without
building a million Python objects. Cells are fetched one at a time, only for the roles
the view asks for while painting the visible rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

MAX_CELL_CHARS = 300  # the table shows a one-line excerpt; the detail pane shows all
_NEWLINES = str.maketrans({"\r": " ", "\n": " ⏎ ", "\t": " "})


def cell_excerpt(value, limit: int = MAX_CELL_CHARS) -> str:
    """One-line text for a table cell: newlines shown as ⏎, long text cut with …"""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.replace("\r\n", "\n").translate(_NEWLINES)


class CorpusTableModel(QAbstractTableModel):
    """Read-only adapter: view row -> ``order[row]`` -> frame row (the row id)."""

    def __init__(self, frame: pd.DataFrame | None = None, parent=None):
        super().__init__(parent)
        self._frame = frame if frame is not None else pd.DataFrame()
        self._order = np.arange(len(self._frame), dtype=np.int64)
        self._columns = [self._frame[c].array for c in self._frame.columns]
        self._numeric = [pd.api.types.is_numeric_dtype(self._frame[c].dtype)
                         for c in self._frame.columns]

    # -- what views and windows use ---------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    @property
    def order(self) -> np.ndarray:
        return self._order

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self._frame = frame
        self._order = np.arange(len(frame), dtype=np.int64)
        self._columns = [frame[c].array for c in frame.columns]
        self._numeric = [pd.api.types.is_numeric_dtype(frame[c].dtype) for c in frame.columns]
        self.endResetModel()

    def set_order(self, order: np.ndarray) -> None:
        """Show these frame rows, in this order (a filter, a sort, or both)."""
        order = np.asarray(order, dtype=np.int64)
        self.layoutAboutToBeChanged.emit()
        old_order, self._order = self._order, order
        # Qt's layout-change contract: move the views' persistent indexes (current row,
        # selection) to where their rows are now, or invalidate them when filtered out.
        # Left stale, they point at other rows or past the end (IndexError in the window,
        # a detail pane showing a row that is no longer there).
        stale = self.persistentIndexList()
        if stale:
            where = np.full(len(self._frame), -1, dtype=np.int64)
            where[order] = np.arange(len(order), dtype=np.int64)
            moved = []
            for index in stale:
                row = where[old_order[index.row()]] if 0 <= index.row() < len(old_order) else -1
                moved.append(self.index(int(row), index.column()) if row >= 0 else QModelIndex())
            self.changePersistentIndexList(stale, moved)
        self.layoutChanged.emit()

    def row_id(self, view_row: int) -> int:
        """The frame row (stable row id) shown at ``view_row``."""
        return int(self._order[view_row])

    def view_row(self, row_id: int) -> int | None:
        """Where ``row_id`` is shown now, or None when it is filtered out."""
        hits = np.flatnonzero(self._order == row_id)
        return int(hits[0]) if len(hits) else None

    def value(self, row_id: int, column: int):
        return self._columns[column][row_id]

    # -- QAbstractTableModel ----------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_excerpt(self._columns[index.column()][self._order[index.row()]])
        if role == Qt.ItemDataRole.ToolTipRole:
            value = self._columns[index.column()][self._order[index.row()]]
            text = cell_excerpt(value, 1000)
            return text if len(text) > 40 else None
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric[index.column()]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns):
                return cell_excerpt(str(self._frame.columns[section]), 60)
            return None
        if 0 <= section < len(self._order):
            return str(int(self._order[section]) + 1)  # the row's number in the file
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

"""The memo browser's list as a table model: a project may hold tens of thousands of row
and passage memos, so rows are drawn only as they come into view."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ...core import memos
from ...core.memos import KIND_TITLES, Memo
from .memo_editor import local_time

COLUMNS = ("Kind", "On", "Author", "Modified", "Memo")


def place(memo: Memo) -> str:
    """What a memo is on, for the list: the project, a code, a row, a passage's row and
    code."""
    if memo.kind == "project":
        return "the project"
    if memo.kind == "code":
        return f"code {memo.code}"
    if memo.kind == "row":
        return f"row {memo.row_id + 1}"
    return f"row {memo.row_id + 1}, passage coded {memo.code}"


class MemoListModel(QAbstractTableModel):
    """The memos shown, one a row: kind, what it is on, author, modified, first line."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.memos: list[Memo] = []

    def set_memos(self, shown: list[Memo]) -> None:
        """Show ``shown`` instead."""
        self.beginResetModel()
        self.memos = shown
        self.endResetModel()

    def replace(self, row: int, memo: Memo) -> None:
        """``memo`` in place of row ``row``'s (saved again)."""
        self.memos[row] = memo
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.memos)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        memo = self.memos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return KIND_TITLES[memo.kind]
            if column == 1:
                return place(memo)
            if column == 2:
                return memo.author
            if column == 3:
                return local_time(memo.modified)
            return memos.first_line(memo)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == len(COLUMNS) - 1:
            return memo.text[:1000]
        return None

"""``CorpusTableModel``: the one read-only Qt table model over a corpus DataFrame.

Views never copy the DataFrame. Sorting and filtering only replace ``order``, an array of
frame row positions in view order, so a million rows sort, filter and scroll without
building a million Python objects. Cells are fetched one at a time, only for the roles
the view asks for while painting the visible rows.

Model results (``sentiment_label``...) are extra columns after the corpus's own: arrays
indexed by row id, filled batch by batch while a job runs, never copied into the frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ...core.cells import is_missing
from ...core.nested import structure_text, structures_as_text
from ...core.unit_corpus import column_titles

CHANGED_BLOCK = 64  # rows per dataChanged signal for results (see _changed)
MAX_CHANGED_BLOCKS = 1000  # more than this: one signal for all rows
MAX_CELL_CHARS = 300  # the table shows a one-line excerpt; the detail pane shows all
_NEWLINES = str.maketrans({"\r": " ", "\n": " ⏎ ", "\t": " "})


def cell_excerpt(value, limit: int = MAX_CELL_CHARS) -> str:
    """One-line text for a table cell: newlines shown as ⏎, long text cut with …"""
    if isinstance(value, (list, tuple, dict, bytes, bytearray, np.ndarray)):
        text = structure_text(value) or ""  # JSON, binary as base64: as the exports write it
    elif is_missing(value):
        return ""
    else:
        text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.replace("\r\n", "\n").translate(_NEWLINES)


def result_text(value) -> str:
    # Scores carry float noise (0.8765432198); three decimals is what a reader compares.
    if isinstance(value, float) and not np.isnan(value):
        return f"{value:.3f}"
    return cell_excerpt(value)


_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class CorpusTableModel(QAbstractTableModel):
    """Read-only adapter: view row -> ``order[row]`` -> frame row (the row id)."""

    # Result values changed: the row ids (an array), or None for all rows or for a change
    # of which runs are shown. The status bar and the detail pane follow it.
    sig_results_changed = Signal(object)

    def __init__(self, frame: pd.DataFrame | None = None, parent=None):
        super().__init__(parent)
        self._frame = frame if frame is not None else pd.DataFrame()
        self._order = np.arange(len(self._frame), dtype=np.int64)
        self._set_columns(self._frame)

    def _set_columns(self, frame: pd.DataFrame) -> None:
        self._n_frame = len(frame.columns)  # columns after these are results
        shown = structures_as_text(frame)  # lists, maps, structs: their JSON text
        self._columns = [shown[c].array for c in frame.columns]
        self._numeric = [pd.api.types.is_numeric_dtype(frame[c].dtype) for c in frame.columns]
        self._names = [str(c) for c in frame.columns]
        self._titles = column_titles(frame)  # readable titles of a units corpus's offsets
        self._results: dict[str, np.ndarray] = {}  # result column name -> values by row id
        self._result_tips: dict[str, str] = {}
        # The columns of each run shown (a task's, error column last) -> what made them.
        self._runs: dict[tuple[str, ...], object] = {}
        self._where: np.ndarray | None = None  # row id -> view row (-1: hidden), on demand

    # -- what views and windows use ---------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    @property
    def order(self) -> np.ndarray:
        return self._order

    def set_frame(self, frame: pd.DataFrame) -> None:
        had_results = bool(self._results)
        self.beginResetModel()
        self._frame = frame
        self._order = np.arange(len(frame), dtype=np.int64)
        self._set_columns(frame)  # results belong to the corpus shown before: dropped
        self.endResetModel()
        if had_results:
            self.sig_results_changed.emit(None)

    def set_order(self, order: np.ndarray) -> None:
        """Show these frame rows, in this order (a filter, a sort, or both)."""
        order = np.asarray(order, dtype=np.int64)
        self.layoutAboutToBeChanged.emit()
        old_order, self._order = self._order, order
        self._where = None
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

    def column_index(self, name: str) -> int:
        """The column called ``name`` (a result column when a corpus column has the same
        name: results are named apart from the corpus's own, see ``results.shown_name``)."""
        return len(self._names) - 1 - self._names[::-1].index(str(name))

    def sort_source(self, column: int) -> tuple[pd.DataFrame, str]:
        """A frame and column name to sort this column by (``search.sort_order``'s input)."""
        if column < len(self._frame.columns):
            return self._frame, self._frame.columns[column]
        name = self._names[column]
        # A copy: a job may fill the array while a background sort reads it.
        return pd.DataFrame({name: self._results[name].copy()}), name

    # -- result columns ---------------------------------------------------------------

    @property
    def result_names(self) -> list[str]:
        return list(self._results)

    def result(self, name: str) -> np.ndarray:
        """The values of a result column, indexed by row id (None or NaN: no result yet)."""
        return self._results[name]

    def result_runs(self) -> list[tuple[object, list[str]]]:
        """The runs shown, in column order: (what ``put_results`` was told made them, a
        ``results.RunLabel``; their column names, the error column last)."""
        runs = sorted(self._runs.items(), key=lambda item: self.column_index(item[0][0]))
        return [(run, list(columns)) for columns, run in runs]

    def clear_results(self) -> None:
        """Remove every result column (before showing the project's runs afresh, when
        which run has the plain names may have changed)."""
        if not self._results:
            return
        self.beginRemoveColumns(QModelIndex(), self._n_frame, len(self._columns) - 1)
        del (
            self._columns[self._n_frame :],
            self._numeric[self._n_frame :],
            self._names[self._n_frame :],
        )
        self._results, self._result_tips, self._runs = {}, {}, {}
        self.endRemoveColumns()
        self.sig_results_changed.emit(None)

    def set_run(self, columns, run) -> None:
        """Say that another run (or the same, in another state) made ``columns``."""
        key = tuple(str(c) for c in columns)
        if key in self._runs and self._runs[key] != run:
            self._runs[key] = run
            self.sig_results_changed.emit(None)

    def set_result_tips(self, tips: dict[str, str]) -> None:
        """Header tooltips of result columns, by name (which run made it, what it holds)."""
        self._result_tips.update(tips)

    def put_results(
        self, results: pd.DataFrame, *, replace: bool = False, tip: str | None = None, run=None
    ) -> None:
        """Show ``results`` (indexed by row id) in result columns of the same names, added
        after the others when new. ``replace``: rows missing from ``results`` are emptied
        (another run's values must not linger); otherwise they keep their values. ``run``
        says what made them (see :meth:`result_runs`), when given."""
        new = [str(c) for c in results.columns if str(c) not in self._results]
        if new:
            first = len(self._columns)
            self.beginInsertColumns(QModelIndex(), first, first + len(new) - 1)
            for name in new:
                # Object arrays: labels, scores and errors alike, with None for "not yet".
                values = np.full(len(self._frame), None, dtype=object)
                self._results[name] = values
                self._columns.append(values)
                self._numeric.append(False)
                self._names.append(name)
            self.endInsertColumns()
        ids = results.index.to_numpy(dtype=np.int64)
        for name in results.columns:
            values = self._results[str(name)]
            if replace:
                values[:] = None
            values[ids] = results[name].to_numpy(dtype=object)
            if tip is not None:
                self._result_tips[str(name)] = tip
        relabelled = False
        if run is not None and len(results.columns):
            key = tuple(str(c) for c in results.columns)
            relabelled = self._runs.get(key) != run
            self._runs[key] = run
        if len(self._order) and len(results.columns):
            columns = [self.column_index(c) for c in results.columns]
            self._changed(None if replace else ids, min(columns), max(columns))
        # Every row when what made the columns changed: its name is shown for each row.
        self.sig_results_changed.emit(None if replace or new or relabelled else ids)

    def _changed(self, row_ids: np.ndarray | None, first: int, last: int) -> None:
        """dataChanged for these rows (None: all) of columns first..last, as one signal per
        block of ``CHANGED_BLOCK`` view rows holding any of them. A view repaints its whole
        viewport, every column, for a range of more rows than that; a batch of results is
        scattered over the table (length-sorted), so one range would mean a full repaint
        a few times a second while a job runs."""
        blocks = None
        if row_ids is not None:
            if self._where is None:
                self._where = np.full(len(self._frame), -1, dtype=np.int64)
                self._where[self._order] = np.arange(len(self._order), dtype=np.int64)
            rows = self._where[row_ids]
            blocks = np.unique(rows[rows >= 0] // CHANGED_BLOCK)  # filtered out: no repaint
        if blocks is None or len(blocks) > MAX_CHANGED_BLOCKS:
            ranges = [(0, len(self._order) - 1)]
        else:
            ranges = [
                (b * CHANGED_BLOCK, min(len(self._order), (b + 1) * CHANGED_BLOCK) - 1)
                for b in blocks.tolist()
            ]
        for top, bottom in ranges:
            self.dataChanged.emit(
                self.index(top, first), self.index(bottom, last), [Qt.ItemDataRole.DisplayRole]
            )

    # -- QAbstractTableModel ----------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def _display(self, column: int, value) -> str:
        return result_text(value) if column >= self._n_frame else cell_excerpt(value)

    def _right_aligned(self, column: int, value) -> bool:
        return self._numeric[column] or (column >= self._n_frame and isinstance(value, float))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(column, self._columns[column][self._order[index.row()]])
        if role == Qt.ItemDataRole.ToolTipRole:
            value = self._columns[column][self._order[index.row()]]
            text = cell_excerpt(value, 1000)
            return text if len(text) > 40 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._right_aligned(column, self._columns[column][self._order[index.row()]]):
                return _RIGHT
        return None

    def multiData(self, index, roles) -> None:
        """Every role a delegate paints with, in one call per cell (Qt 6 asks this way; the
        default calls ``data`` once per role, seven times). Each call from Qt into Python
        must take the interpreter, which a running job's worker thread holds most of the
        time: seven times fewer calls keep repaints quick while a model runs."""
        if not index.isValid():
            return
        column = index.column()
        value = self._columns[column][self._order[index.row()]]
        for i in range(len(roles)):
            slot = roles[i]
            role = slot.role()
            # Every slot is written: Qt may hand over slots still holding another cell's
            # values (left as they were, a right-aligned number aligned the next text).
            if role == Qt.ItemDataRole.DisplayRole:
                slot.setData(self._display(column, value))
            elif role == Qt.ItemDataRole.TextAlignmentRole and self._right_aligned(column, value):
                slot.setData(_RIGHT)
            elif role == Qt.ItemDataRole.ToolTipRole:
                slot.setData(self.data(index, role))
            else:
                slot.clearData()

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._names)
        ):
            name = self._names[section]
            tip = self._result_tips.get(name)  # which model made it
            return tip if tip is not None else self._titles.get(name, (None, None))[1]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns):
                name = self._names[section]
                return cell_excerpt(self._titles.get(name, (name,))[0], 60)
            return None
        if 0 <= section < len(self._order):
            return str(int(self._order[section]) + 1)  # the row's number in the file
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

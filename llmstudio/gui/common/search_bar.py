"""Which rows the table shows, in which order: the search box (plain or regular
expression, match case, in the text column or all), the sort by a column header, and a
subset of rows opened from elsewhere (a chart's bar, a confusion matrix cell).

The numbers are computed by ``core.search``; above ``BACKGROUND_ROWS`` rows in the
background. Registered on the main window (its toolbar, its table and model, its
``subset_bar``); the window's :meth:`MainWindow.show_rows` is the way panels ask for rows.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QObject, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QLineEdit, QToolBar, QToolButton

from ...core.errors import LlmstudioError
from ...core.search import matching_rows, search_pattern, sort_order
from .errors import describe

# Filtering and sorting below this many rows is instant; above it runs in the background.
BACKGROUND_ROWS = 100_000
SEARCH_DELAY_MS = 250
SEARCH_TIP = "Plain text, or a regular expression when .* is on"


class SearchBar(QObject):
    """The search widgets (added to ``toolbar``) and the order of the rows shown."""

    def __init__(self, window, toolbar: QToolBar):
        super().__init__(window)
        self.window = window
        self._order_job = 0
        self._sort: tuple[int, bool] | None = None
        self.highlight = None  # the applied search, marked in the detail pane
        self._only: np.ndarray | None = None  # rows opened from elsewhere, or all
        self.scope = QComboBox()
        self.scope.addItems(["in text column", "in all columns"])
        self.scope.currentIndexChanged.connect(self.schedule)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Search texts…  (Ctrl+F)")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(260)
        self.edit.textChanged.connect(self.schedule)
        self.edit.returnPressed.connect(self._enter)
        self.regex = QToolButton()
        self.regex.setText(".*")
        self.regex.setCheckable(True)
        self.regex.setToolTip("Regular expression")
        self.regex.toggled.connect(self.schedule)
        self.case = QToolButton()
        self.case.setText("Aa")
        self.case.setCheckable(True)
        self.case.setToolTip("Match case")
        self.case.toggled.connect(self.schedule)
        for button in (self.regex, self.case):
            button.setStyleSheet(
                "QToolButton { padding: 2px 6px; border: 1px solid #b0b0b0; "
                "border-radius: 3px; } QToolButton:checked { background: #1e88e5;"
                " color: white; border-color: #1565c0; }"
            )
        for w in (self.edit, self.regex, self.case, self.scope):
            toolbar.addWidget(w)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_order)
        window.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort)

    # -- what the user does -------------------------------------------------------------

    def focus(self) -> None:
        self.edit.setFocus()
        self.edit.selectAll()

    def _enter(self) -> None:
        self._timer.stop()
        self.apply_order()
        self.window.table.setFocus()

    def escape(self) -> bool:
        """Esc in the search box: cleared, back to the table (False: it has no focus)."""
        if not self.edit.hasFocus():
            return False
        self.edit.clear()
        self.window.table.setFocus()
        return True

    def schedule(self, *_) -> None:
        if self.window.corpus is not None:
            self._timer.start()

    def _on_sort(self, section: int, order: Qt.SortOrder) -> None:
        if self.window.corpus is None:
            return
        self._sort = None if section < 0 else (section, order == Qt.SortOrder.DescendingOrder)
        self.apply_order()

    def reset(self) -> None:
        """Another corpus: no subset, no sort (the search typed stays)."""
        self._only = None
        self.window.subset_bar.hide()
        self._sort = None

    @property
    def in_text_column(self) -> bool:
        """Whether the search looks in the text column only."""
        return self.scope.currentIndex() == 0

    # -- the rows shown -----------------------------------------------------------------

    def apply_order(self) -> None:
        """Recompute which rows are shown, in which order (search, then sort)."""
        w = self.window
        if w.corpus is None:
            return
        self._order_job += 1
        job = self._order_job
        frame = w.corpus.frame
        pattern = self.edit.text()
        columns = [w.corpus.text_column] if self.in_text_column else None
        regex, case = self.regex.isChecked(), self.case.isChecked()
        # The column's frame: the corpus, or a result column's own (results are not in it).
        sort = None if self._sort is None else (*w.model.sort_source(self._sort[0]), self._sort[1])

        only = self._only

        def work():
            rows = matching_rows(frame, pattern, columns, regex=regex, case=case)
            if only is not None:
                rows = rows[np.isin(rows, only)]
            if sort is None:
                return rows
            perm = sort_order(*sort)
            if len(rows) == len(frame):
                return perm
            keep = np.zeros(len(frame), dtype=bool)
            keep[rows] = True
            return perm[keep[perm]]

        def done(order):
            if job == self._order_job:  # a newer search has started: drop this result
                self.highlight = search_pattern(pattern, regex=regex, case=case)
                self._set_order(order)

        if len(frame) < BACKGROUND_ROWS:
            try:
                done(work())
            except LlmstudioError as exc:
                self._failed(exc)
            return
        w.start_work(
            "Searching…" if pattern else "Sorting…", work, on_done=done, on_error=self._failed
        )

    def show_rows(self, row_ids, what: str = "") -> None:
        """Show only these rows (in file order; search and sort still apply within them),
        saying which they are; None shows every row again."""
        w = self.window
        if w.corpus is None:
            return
        if row_ids is None:
            self._only = None
            w.subset_bar.hide()
        else:
            self._only = np.array(sorted(int(r) for r in row_ids), dtype=np.int64)
            n = len(self._only)
            w.subset_label.setText(
                f"Showing {n:,} row{'s' * (n != 1)}" + (f": {what}" if what else "")
            )
            w.subset_bar.show()
        self.apply_order()

    def _failed(self, exc: BaseException) -> None:
        self.edit.setStyleSheet("QLineEdit { border: 1px solid #c62828; }")
        self.edit.setToolTip(describe(exc))
        self.window.show_status(describe(exc), 8000)

    def _set_order(self, order: np.ndarray) -> None:
        w = self.window
        self.edit.setStyleSheet("")
        self.edit.setToolTip(SEARCH_TIP)
        current = w.table.currentIndex()
        row_id = w.model.row_id(current.row()) if current.isValid() else None
        w.model.set_order(order)
        w.update_counts()
        target = w.model.view_row(row_id) if row_id is not None else None
        if target is None and w.model.rowCount():
            target = 0
        if target is not None:
            index = w.model.index(target, max(0, current.column()))
            w.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            w.table.scrollTo(index)
        else:
            w.detail.clear("No rows match the search.")
        w.sig_order_changed.emit(w.model.rowCount())

"""Column widths of the corpus table: the texts get the room.

* Every other column is as wide as its header and its first rows need, up to a cap, so a
  short code or a date is not cut mid-word and a long one does not push the texts away.
* The text column gets the width left over (at least ``TEXT_MIN``), again whenever the
  table is resized, until the researcher drags it to a width of their own.
* A column added later (a model's results, a coder's codes) is sized the same way, the
  texts narrowed to make room, and brought into view once when asked: when a job starts
  or a coder makes a first click, never for the columns of an opened project nor on each
  batch of results.
* A corpus opens scrolled all the way to the left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTableView

TEXT_MIN = 260  # below this the texts are cut after a few words
CAP = 180  # other columns: header and content, at most this wide
MIN_WIDTH = 48
SAMPLE_ROWS = 50  # rows measured at most per column


class ColumnWidths(QObject):
    """Sizes the columns of ``table``; ``text_column()`` is the texts' column (or None)."""

    def __init__(self, table: QTableView, text_column: Callable[[], int | None]):
        super().__init__(table)
        self.table = table
        self._text_column = text_column
        self._setting = False
        self._user_text = False  # the researcher set the texts' width: keep it
        self._brought: int | None = None  # the column last brought into view
        # Columns hidden when sized (a run's valence before its first value): a hidden
        # section measures 0, so each is sized when it is first shown.
        self._unsized: set[int] = set()
        table.viewport().installEventFilter(self)
        table.horizontalHeader().sectionResized.connect(self._on_resized)

    # -- sizing -----------------------------------------------------------------------

    def content_width(self, column: int) -> int:
        """What the header and the rows in view need (the view measures them as it paints
        them: style margins, fonts), within ``CAP``."""
        table, model = self.table, self.table.model()
        need = table.horizontalHeader().sectionSizeHint(column)
        # The rows in view (the first ones before the table is laid out), not the view's
        # sizeHintForColumn: it reads up to 1,000 rows, a stall beside a running job.
        top = max(0, table.rowAt(0))
        bottom = table.rowAt(table.viewport().height())
        if bottom < 0 or bottom - top >= SAMPLE_ROWS:
            bottom = min(model.rowCount(), top + SAMPLE_ROWS) - 1
        grid = 1 if table.showGrid() else 0  # as the view's own hint counts it
        for row in range(top, bottom + 1):
            need = max(need, table.sizeHintForIndex(model.index(row, column)).width() + grid)
        return max(MIN_WIDTH, min(CAP, need))

    def size_all(self) -> None:
        """A new corpus (or text column): every column to its content, the texts the rest,
        scrolled to the left."""
        self._user_text = False
        self._brought = None
        self._unsized.clear()
        self._measure()
        self.table.horizontalScrollBar().setValue(0)

    def refit(self) -> None:
        """Measure again once the table is laid out (the rows in view are known then),
        keeping a column already brought into view (a job started at once) in view."""
        self._measure()
        if self._brought is not None:
            self.scroll_to(self._brought)
        else:
            self.table.horizontalScrollBar().setValue(0)

    def _measure(self) -> None:
        text = self._text_column()
        for column in range(self.table.model().columnCount()):
            if column != text:
                self._size(column)
        self.fit_text()

    def _size(self, column: int) -> None:
        """To its content; a hidden column when it is shown."""
        if self.table.isColumnHidden(column):
            self._unsized.add(column)
        else:
            self._unsized.discard(column)
            self._set(column, self.content_width(column))

    def fit_text(self, seen_width: int | None = None) -> None:
        """The text column gets the width the other shown columns leave; then the view is
        kept as it was seen (see ``_keep_view``; ``seen_width``: the view's width before a
        resize)."""
        text = self._text_column()
        table = self.table
        brought = self._brought
        keep = brought if brought is not None and self._in_view(brought, seen_width) else None
        if text is not None and not self._user_text:
            others = sum(
                table.columnWidth(c)
                for c in range(table.model().columnCount())
                if c != text and not table.isColumnHidden(c)
            )
            view = table.viewport().width()
            self._set(text, max(min(TEXT_MIN, view), view - others))
        self._keep_view(keep)

    def _in_view(self, column: int, width: int | None = None) -> bool:
        table = self.table
        if column >= table.model().columnCount() or table.isColumnHidden(column):
            return False
        left = table.horizontalHeader().sectionViewportPosition(column)
        return 0 <= left and left + table.columnWidth(column) <= (width or table.viewport().width())

    def _keep_view(self, keep: int | None) -> None:
        """After widths changed (columns hidden or shown by blind coding, the window
        resized) under a table scrolled sideways, the scroll range may have shrunk under
        the scroll bar: a column brought into view (``keep``) stays in view, and no column
        is left cut mid-word at the left edge."""
        table = self.table
        bar = table.horizontalScrollBar()
        table.updateGeometries()
        if bar.value() == 0:
            return
        header = table.horizontalHeader()
        first = header.logicalIndexAt(0)
        cut = -header.sectionViewportPosition(first) if first >= 0 else 0
        if keep is not None:
            if cut > 0 or not self._in_view(keep):
                self.scroll_to(keep)
            return
        if cut > 0:
            past = header.sectionSize(first) - cut
            bar.setValue(
                bar.value() + past if bar.value() + past <= bar.maximum() else bar.value() - cut
            )

    def add(self, columns: Iterable[int], bring_into_view: bool) -> None:
        """Columns just added: sized to their content, the texts narrowed to make room;
        ``bring_into_view``: scrolled to (the last shown of them) if out of view."""
        columns = list(columns)
        for column in columns:
            self._size(column)
        self.fit_text()
        shown = [c for c in columns if not self.table.isColumnHidden(c)]
        if bring_into_view and shown:
            self.scroll_to(max(shown))

    def scroll_to(self, column: int) -> None:
        """Scroll sideways just enough to show ``column`` (nothing when it is in view)."""
        table = self.table
        self._brought = column
        # The view sets its scroll range from a timer of its own: first bring it up to date
        # with the new or shown columns, or the scroll stops short of them.
        table.updateGeometries()
        table.scrollTo(table.model().index(max(0, table.currentIndex().row()), column))
        self._align_left_edge(column)

    def _align_left_edge(self, column: int) -> None:
        """Scrolled by pixels, the first column in view may be cut mid-word at the left
        edge: scroll on past it, or at the end of the range let the texts give up (or
        take) the few pixels that line the columns up with the edge."""
        table = self.table
        header, bar = table.horizontalHeader(), table.horizontalScrollBar()
        first = header.logicalIndexAt(0)
        cut = -header.sectionViewportPosition(first) if first >= 0 else 0
        if cut <= 0 or first == column:
            return
        past = header.sectionSize(first) - cut  # what is still shown of it
        if bar.value() + past <= bar.maximum():
            bar.setValue(bar.value() + past)
            return
        text = self._text_column()
        if text is None or header.visualIndex(text) < header.visualIndex(first):
            # The texts are out of view (changing them moves nothing in view). Mostly
            # shown, the cut column is narrowed to what shows of it (its cells end in "…",
            # not mid-word); mostly gone, the column brought into view takes the room,
            # pushing it out (not a run's label pushed out for a cut of 11 px).
            if past > cut and past >= MIN_WIDTH:
                self._set(first, past)
            else:
                self._set(column, table.columnWidth(column) + past)
        elif text == first:  # the texts cut at the edge: narrowed to what shows of them
            if past < MIN_WIDTH:
                return
            self._set(text, past)
        else:
            width = table.columnWidth(text)
            self._set(text, width - cut if width - cut >= TEXT_MIN else width + past)
        table.updateGeometries()
        bar.setValue(bar.maximum())

    def _set(self, column: int, width: int) -> None:
        self._setting = True
        try:
            self.table.setColumnWidth(column, width)
        finally:
            self._setting = False

    # -- following the table ----------------------------------------------------------

    def _on_resized(self, column: int, old: int, new: int) -> None:
        if self._setting:
            return
        if column == self._text_column():
            self._user_text = True  # dragged by hand: from now on the researcher's width
        elif old == 0 or new == 0:  # a column hidden or shown (blind coding, an error column)
            QTimer.singleShot(0, lambda: self._shown(column))

    def _shown(self, column: int) -> None:
        sized = column in self._unsized and column < self.table.model().columnCount()
        if sized:
            self._size(column)
        self.fit_text()
        if sized and self._brought == column:  # scrolled to at its old width: again
            self.scroll_to(column)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize and event.size().width() != event.oldSize().width():
            self.fit_text(event.oldSize().width() if event.oldSize().width() > 0 else None)
        return False

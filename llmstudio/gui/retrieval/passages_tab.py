"""The "Coded passages" tab: pick a code in the codebook's tree (its children included or
not), a coder, the kinds shown (passages, whole-text codes) and a filter on a column; see
every item with its context and the counts; Enter or a double click goes to the row;
export the list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import retrieval as rt
from ...core.codebook import Codebook
from ...core.errors import Cancelled
from ..common.background import BackgroundTask
from ..common.errors import describe
from .items_model import CODE, CODER, MEMO, PASSAGE, ROW, ContextDelegate, ItemsModel

ALL_CODES = "All codes"
ALL_CODERS = "All coders"
NO_FILTER = "(no filter)"
MAX_VALUES = 200  # distinct values offered in the filter's list (any can be typed)


def swatch(color: str) -> QIcon:
    """A small square of the code's colour."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


def renamed(before: Codebook, after: Codebook, code: str) -> str | None:
    """What ``code`` of ``before`` is called in ``after``: the same name, or the new name
    of a code renamed in the editor (the one code in its place whose name is new); None
    when it is gone (merged or removed: every code is shown then)."""
    if after.code(code) is not None:
        return code
    old, new = list(before.names), list(after.names)
    if len(old) != len(new) or code not in old:
        return None
    at = old.index(code)
    return new[at] if new[at] not in old else None


class PassagesTab(QWidget):
    """Retrieval for one codebook of the window's project (:meth:`set_book`)."""

    sig_chosen = Signal(object)  # the Item whose row to show

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.book: Codebook | None = None
        self.items: list[rt.Item] = []
        self.background = BackgroundTask(
            self, keep_in=window.background_work, reports=False, again=self.refresh
        )
        self.background.sig_result.connect(self._show)
        self.background.sig_error.connect(self._failed)

        self.codes = QTreeWidget()
        self.codes.setHeaderHidden(True)
        self.codes.setMinimumWidth(180)
        self.children = QCheckBox("Include child codes")
        self.children.setChecked(True)
        self.children.setToolTip("A parent code's passages and those of every code under it")
        self.coder = QComboBox()
        self.show_passages = QCheckBox("Passages")
        self.show_whole = QCheckBox("Whole-text codes")
        for box in (self.show_passages, self.show_whole):
            box.setChecked(True)
        self.show_whole.setToolTip("Rows given the code as a whole (row codes), shown whole")
        self.column = QComboBox()
        self.op = QComboBox()
        self.op.addItems(rt.OPERATORS)
        self.value = QComboBox()
        self.value.setEditable(True)
        self.value.setMinimumContentsLength(10)
        self.value.lineEdit().setPlaceholderText("value; one of: A | B")
        self.counts = QLabel()
        self.counts.setStyleSheet("font-weight: bold;")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #a00;")
        self.problem.hide()
        self.model = ItemsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(PASSAGE, ContextDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(3 * self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        for column, width in ((ROW, 60), (CODER, 90), (CODE, 120), (MEMO, 140)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(PASSAGE, QHeaderView.ResizeMode.Stretch)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "The list as CSV or Excel: row, coder, code, start, end, passage, context, memo, "
            "and the row's columns"
        )
        self.goto_button = QPushButton("Go to Row")
        self.goto_button.setToolTip("Select this passage's row in the table (Enter)")

        left = QWidget()
        side = QVBoxLayout(left)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel("Code"))
        side.addWidget(self.codes, 1)
        side.addWidget(self.children)
        right = QWidget()
        main = QVBoxLayout(right)
        main.setContentsMargins(0, 0, 0, 0)
        pickers = QHBoxLayout()
        for widget in (QLabel("Coder"), self.coder, QLabel("Show"), self.show_passages):
            pickers.addWidget(widget)
        pickers.addWidget(self.show_whole)
        pickers.addStretch(1)
        where = QHBoxLayout()
        for widget in (QLabel("Rows where"), self.column, self.op, self.value):
            where.addWidget(widget)
        where.setStretchFactor(self.value, 1)
        main.addLayout(pickers)
        main.addLayout(where)
        main.addWidget(self.counts)
        main.addWidget(self.problem)
        main.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.goto_button)
        buttons.addWidget(self.export_button)
        main.addLayout(buttons)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([200, 700])
        lay = QVBoxLayout(self)
        lay.addWidget(split)

        self.codes.currentItemChanged.connect(self.refresh)
        for box in (self.children, self.show_passages, self.show_whole):
            box.toggled.connect(self.refresh)
        self.coder.currentIndexChanged.connect(self.refresh)
        self.column.currentIndexChanged.connect(lambda *_: self._fill_values())
        self.op.currentIndexChanged.connect(self.refresh)
        self.value.currentTextChanged.connect(self.refresh)
        self.table.doubleClicked.connect(lambda index: self.choose(index.row()))
        self.goto_button.clicked.connect(lambda: self.choose(self.table.currentIndex().row()))

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.hasFocus():
            self.choose(self.table.currentIndex().row())
            return
        super().keyPressEvent(event)

    # -- the pickers ------------------------------------------------------------------

    def set_book(self, book: Codebook | None) -> None:
        """Offer ``book``'s codes (a tree with colours), its coders and the table's columns;
        the same codebook again (the window reopened) keeps the code, coder and filter
        chosen, so the list is not silently widened to every code and coder."""
        same = book is not None and self.book is not None and book.name == self.book.name
        kept = self._choices() if same else None
        if kept is not None and kept[0] is not None:
            code, kept = kept[0], (renamed(self.book, book, kept[0]), *kept[1:])
            if kept[0] is None:
                self.window.show_status(
                    f"“{code}” is no longer a code of {book.name} (merged or removed): "
                    "Coded passages shows every code",
                    10000,
                )
        self.book = book
        widgets = (self.codes, self.coder, self.column)
        for w in widgets:
            w.blockSignals(True)
        self.codes.clear()
        self.coder.clear()
        self.column.clear()
        if book is not None:
            root = QTreeWidgetItem([ALL_CODES])
            self.codes.addTopLevelItem(root)

            def add(parent_item, parent: str) -> None:
                for name in book.children(parent):
                    node = QTreeWidgetItem([name])
                    node.setData(0, Qt.ItemDataRole.UserRole, name)
                    node.setIcon(0, swatch(book.color_of(name)))
                    description = book.code(name).description
                    if description:
                        node.setToolTip(0, description)
                    parent_item.addChild(node)
                    add(node, name)

            add(root, "")
            self.codes.expandAll()
            self.codes.setCurrentItem(root)
            project = self.window.project
            self.coder.addItems([ALL_CODERS, *rt.all_coders(project, book.name)])
            self.column.addItems([NO_FILTER, *map(str, self.window.corpus.frame.columns)])
            if kept is not None:
                self._choose(*kept[:3])
        for w in widgets:
            w.blockSignals(False)
        self._fill_values(kept[3] if kept is not None else None)

    def coded(self) -> None:
        """Codes or passages were stored: a new coder offered, the list read again."""
        if self.book is None:
            return
        have = {self.coder.itemText(i) for i in range(self.coder.count())}
        new = [c for c in rt.all_coders(self.window.project, self.book.name) if c not in have]
        if new:
            self.coder.blockSignals(True)
            self.coder.addItems(new)
            self.coder.blockSignals(False)
        self.refresh()

    def _choices(self) -> tuple[str | None, str, str, str]:
        """The code, coder, filter column and filter value chosen now."""
        item = self.codes.currentItem()
        code = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return code, self.coder.currentText(), self.column.currentText(), self.value.currentText()

    def _choose(self, code: str | None, coder: str, column: str) -> None:
        """Choose again what ``_choices`` gave, where the codebook still has it."""
        for item in self.codes.findItems(
            "", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive
        ):
            if code is not None and item.data(0, Qt.ItemDataRole.UserRole) == code:
                self.codes.setCurrentItem(item)
        for box, text in ((self.coder, coder), (self.column, column)):
            if box.findText(text) >= 0:
                box.setCurrentText(text)

    def _fill_values(self, value: str | None = None) -> None:
        """The filter column's values in its list (any value may be typed); ``value``
        typed in again (the codebook set again)."""
        column = self.column.currentText()
        self.value.blockSignals(True)
        self.value.clear()
        if column and column != NO_FILTER:
            values = self.window.corpus.frame[column]
            distinct = sorted({rt.value_text(v) for v in values.head(100_000)} - {""})
            if len(distinct) <= MAX_VALUES:
                self.value.addItems(distinct)
        self.value.setCurrentIndex(-1)
        if value and column not in ("", NO_FILTER):
            self.value.setCurrentText(value)
        self.value.setEnabled(column not in ("", NO_FILTER))
        self.op.setEnabled(self.value.isEnabled())
        self.value.blockSignals(False)
        self.refresh()

    def query(self) -> rt.Query | None:
        """The query the pickers say (None: no codebook)."""
        if self.book is None:
            return None
        item = self.codes.currentItem()
        code = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        coder = self.coder.currentText()
        kinds = tuple(
            kind
            for kind, box in ((rt.PASSAGE, self.show_passages), (rt.WHOLE_TEXT, self.show_whole))
            if box.isChecked()
        )
        where = None
        column, value = self.column.currentText(), self.value.currentText()
        if column and column != NO_FILTER and value.strip():
            op = self.op.currentText()
            values = tuple(v.strip() for v in value.split("|")) if op == "one of" else (value,)
            where = rt.Filter(column, op, values)
        return rt.Query(
            self.book.name,
            code,
            self.children.isChecked(),
            None if coder in ("", ALL_CODERS) else coder,
            where,
            kinds,
        )

    # -- the results ------------------------------------------------------------------

    def refresh(self, *_) -> None:
        """Run the query in the background (latest wins)."""
        query = self.query()
        if query is None or self.window.project is None:
            self.model.set_items([], {})
            self.counts.setText("No codebook in this project yet.")
            return
        self.background.start(rt.retrieve, self.window.project, self.book, query)

    def _show(self, items: list[rt.Item]) -> None:
        if self.background.stale:
            return
        self.problem.hide()
        self.items = items
        book = self.book
        self.model.set_items(items, {c: book.color_of(c) for c in book.names} if book else {})
        query = self.query()
        shown = {
            (rt.PASSAGE, rt.WHOLE_TEXT): "passages and whole-text codes",
            (rt.PASSAGE,): "passages only",
            (rt.WHOLE_TEXT,): "whole-text codes only",
            (): "nothing (tick Passages or Whole-text codes)",
        }[query.kinds]
        self.counts.setText(f"{rt.count_text(items)} · showing {shown}")
        self.export_button.setEnabled(bool(items))
        self.goto_button.setEnabled(bool(items))
        if items:
            self.table.selectRow(0)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            return
        self.model.set_items([], {})
        self.counts.setText("")
        self.problem.setText(describe(exc))
        self.problem.show()

    def choose(self, row: int) -> None:
        """Go to the row of the item on line ``row`` of the results."""
        if 0 <= row < len(self.model.items):
            self.sig_chosen.emit(self.model.item(row))

    def heading(self) -> str:
        """What the list holds, for the export's "query" sheet."""
        query = self.query()
        return rt.describe(query, self.book) if query is not None else ""

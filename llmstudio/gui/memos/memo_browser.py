"""The memo browser (Analyse > Memos…, Ctrl+Shift+M): every memo of the project in one
list (kind, what it is on, author, date, first line), searched by text and filtered by
kind, author and code; the memo chosen is read and edited below (saved as it is typed);
Show rows goes to the rows it is about; New project memo starts one.

Reads and writes through ``core.memos``; the window is used only through its interface
(``project``, ``goto_row``, ``show_rows``, ``make_action``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core import memos, passages
from ...core.coder_prefs import remember_coder, remembered_coder
from ...core.errors import LlmstudioError
from ...core.memos import KIND_TITLES, Memo
from .memo_dialog import code_memo_dialog
from .memo_editor import MemoEditor
from .memo_list import MemoListModel, place

ANY = ""


def _excerpt(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def context(project, memo: Memo) -> str:
    """What the memo is on, in words, shown above it: the row's text, the passage, the
    code's description (plain text: a cell may hold anything)."""
    try:
        if memo.kind == "passage":
            text = passages.text_of(project, passages.get(project, memo.passage_id))
            return f"Passage of row {memo.row_id + 1}, {memo.code}: “{_excerpt(text)}”"
        if memo.kind == "row":
            return f"Row {memo.row_id + 1}: “{_excerpt(passages.row_text(project, memo.row_id))}”"
        if memo.kind == "code":
            code = project.codebook(memo.codebook).code(memo.code)
            described = (
                code.description if code is not None and code.description else "no description"
            )
            return f"Code {memo.code} ({memo.codebook}): {described}"
    except LlmstudioError as exc:  # a row without text, a codebook deleted: say so
        return f"{place(memo)}: {exc}"
    return "A memo on the project as a whole"


class MemoBrowser(QDialog):
    """Every memo of ``window.project``; not modal (the table stays usable).
    ``sig_coding_changed`` after a row or passage memo was saved: a new click or passage,
    which the coding panel must read before its next click."""

    sig_coding_changed = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.project = None
        self.setWindowTitle("Memos")
        self.every: list[Memo] = []
        self.shown: list[Memo] = []
        self._filling = False
        # the coder's name while they code blind (the window says), else None
        self.blind_coder: Callable[[], str | None] = lambda: None
        self._build()
        self.resize(900, 620)

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the memos' text and titles")
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox()
        self.kind.addItem("Every kind", ANY)
        for kind, title in KIND_TITLES.items():
            self.kind.addItem(f"{title} memos", kind)
        self.author = QComboBox()
        self.code = QComboBox()
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        for label, box in (("&Kind:", self.kind), ("&Author:", self.author), ("C&ode:", self.code)):
            text = QLabel(label)
            text.setBuddy(box)
            filters.addWidget(text)
            filters.addWidget(box, 1)
        self.list = MemoListModel(self)
        self.table = QTableView()
        self.table.setModel(self.list)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(200)  # widths from the first rows, not all
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.count = QLabel("")
        self.blind_note = QLabel("")
        self.blind_note.setObjectName("blindNote")
        self.blind_note.setWordWrap(True)
        self.blind_note.hide()
        self.editor = MemoEditor(self)
        self.context = QLabel("")
        self.context.setWordWrap(True)
        self.context.setTextFormat(Qt.TextFormat.PlainText)  # a cell may hold anything
        self.context.setObjectName("memoContext")
        self.new_author = QLineEdit()
        self.new_author.setPlaceholderText("your name")
        self.new_author.setMaximumWidth(160)
        self.btn_new = QPushButton("&New project memo")
        self.btn_new.setToolTip("Start a memo on the project as a whole, by the author named")
        self.btn_code = QPushButton("Memo on a &code…")
        self.btn_code.setToolTip("Read or write the named author's memo on a code")
        self.btn_show = QPushButton("&Show rows")
        self.btn_show.setToolTip("Go to the rows this memo is about (a code's: rows coded with it)")
        self.btn_export = QPushButton("E&xport…")
        self.btn_export.setToolTip(
            "Write the memos listed (as searched and filtered) to CSV or Excel"
        )
        self.btn_delete = QPushButton("&Delete")
        self.btn_delete.setToolTip(
            "Take this project or code memo out of the list (kept in the file, with its versions)"
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        by = QLabel("New memo &by:")
        by.setBuddy(self.new_author)
        buttons.addWidget(by)
        buttons.addWidget(self.new_author)
        for b in (self.btn_new, self.btn_code, self.btn_show, self.btn_export, self.btn_delete):
            b.setAutoDefault(False)  # Enter in the search box must not start a memo
            buttons.addWidget(b)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.blind_note)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.context)
        below_layout.addWidget(self.editor, 1)
        split.addWidget(below)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.search.textChanged.connect(self.apply_filters)
        for box in (self.kind, self.author, self.code):
            box.currentIndexChanged.connect(self.apply_filters)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._chosen())
        self.table.doubleClicked.connect(lambda *_: self.show_rows())
        self.btn_new.clicked.connect(self.new_project_memo)
        self.btn_code.clicked.connect(self.ask_code_memo)
        self.btn_export.clicked.connect(self.ask_export)
        self.btn_show.clicked.connect(self.show_rows)
        self.btn_delete.clicked.connect(self.delete_current)
        self.editor.sig_saved.connect(self._saved)

    # -- the list -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every memo of the window's project again (filters and choice kept)."""
        self.editor.save_pending()
        keep = self.current()
        self.project = self.window.project
        self.every = memos.all_memos(self.project) if self.project is not None else []
        coder = self.blind_coder()
        if coder is not None:  # another coder's memo would show their codes and reading
            self.every = [m for m in self.every if m.author == coder]
        self.blind_note.setVisible(coder is not None)
        self.blind_note.setText(
            f"Coding blind as {coder}: only your own memos are listed (switch Blind off, "
            "Ctrl+Shift+K, to see everyone's)"
            if coder is not None
            else ""
        )
        if self.project is not None and not self.new_author.text():
            self.new_author.setText(remembered_coder(str(self.project.path.resolve())))
        self._fill_box(self.author, "Every author", sorted({m.author for m in self.every}))
        codes = sorted({m.code for m in self.every if m.code})
        self._fill_box(self.code, "Every code", codes)
        self.apply_filters(select=keep.key if keep is not None else None)

    @staticmethod
    def _fill_box(box: QComboBox, first: str, values: list[str]) -> None:
        keep = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(first, ANY)
        for value in values:
            box.addItem(value, value)
        box.setCurrentIndex(max(0, box.findData(keep)) if keep else 0)
        box.blockSignals(False)

    def apply_filters(self, *_, select: tuple | None = None) -> None:
        """Show the memos that match the search and the filters."""
        if select is None and self.current() is not None:
            select = self.current().key
        kind = self.kind.currentData()
        self.shown = memos.filter_memos(
            self.every,
            text=self.search.text(),
            kinds=[kind] if kind else None,
            author=self.author.currentData() or None,
            code=self.code.currentData() or None,
        )
        self._filling = True  # the reset clears the selection: not a choice of the user
        try:
            self.list.set_memos(self.shown)
        finally:
            self._filling = False
        total = len(self.every)
        self.count.setText(
            f"{len(self.shown):,} of {total:,} memos"
            if len(self.shown) != total
            else f"{total:,} memos"
        )
        keys = [m.key for m in self.shown]
        if select in keys:
            self.table.selectRow(keys.index(select))
        elif self.shown:
            self.table.selectRow(0)
        else:
            self.table.clearSelection()
        self._chosen()

    def current(self) -> Memo | None:
        """The memo chosen in the list."""
        rows = self.table.selectionModel().selectedRows()
        return self.shown[rows[0].row()] if rows and rows[0].row() < len(self.shown) else None

    def _chosen(self) -> None:
        if self._filling:
            return
        memo = self.current()
        if memo is None:
            self.editor.clear()
        elif self.editor.memo is None or self.editor.memo.key != memo.key:
            self.editor.set_memo(self.project, memo)
        self.context.setText(context(self.project, memo) if memo is not None else "")
        self.btn_show.setEnabled(memo is not None and memo.kind != "project")
        self.btn_delete.setEnabled(memo is not None and memo.kind in ("project", "code"))

    def _saved(self, before, memo: Memo) -> None:
        """A save (a row or passage memo has a new id now): the list follows."""
        for listing in (self.every, self.shown):
            for i, old in enumerate(listing):
                if old.key == before:
                    listing[i] = memo
        row = next((i for i, m in enumerate(self.shown) if m.key == memo.key), None)
        if row is not None:
            self.list.replace(row, memo)
        if memo.kind in ("row", "passage"):
            self.sig_coding_changed.emit()

    def save_pending(self) -> None:
        """Save the typing that waits for its pause (the project is closing)."""
        self.editor.save_pending()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == event.Type.Close:
            self.save_pending()  # the window closing: the memo typed is saved first
        return super().eventFilter(obj, event)

    # -- actions ------------------------------------------------------------------------

    def new_project_memo(self) -> None:
        """Start a project memo by the author named; it is listed once saved."""
        if self.project is None:
            return
        author = self.new_author.text().strip() or "me"
        remember_coder(author, str(self.project.path.resolve()))
        memo = memos.add_project_memo(self.project, author, "New memo")
        self.search.clear()
        self.kind.setCurrentIndex(0)
        self.refresh()
        self.apply_filters(select=memo.key)
        self.editor.title.setFocus()
        self.editor.title.selectAll()

    def ask_code_memo(self) -> None:
        """Ask which code, then open the author's memo on it (made when first typed)."""
        if self.project is None:
            return
        choices = {
            f"{book} › {code}": (book, code)
            for book in self.project.codebooks()
            for code in self.project.codebook(book).names
        }
        if not choices:
            self.count.setText("The project has no codebook: no code to write about")
            return
        chosen, ok = QInputDialog.getItem(self, "Memo on a code", "Code:", list(choices), 0, False)
        if not ok or chosen not in choices:
            return
        author = self.new_author.text().strip() or "me"
        remember_coder(author, str(self.project.path.resolve()))
        self.editor.save_pending()
        book, code = choices[chosen]
        memo = self.open_code_memo(book, code, author)
        self.refresh()
        if memo is not None:
            self.apply_filters(select=memo.key)

    def open_code_memo(self, book: str, code: str, author: str):
        """The code memo dialog, modal; the memo as stored after it (None: none)."""
        dialog = code_memo_dialog(self, self.project, book, code, author)
        dialog.exec()
        return dialog.editor.memo

    def ask_export(self) -> None:
        """Ask where, then write the memos listed."""
        if self.project is None:
            return
        start = str(self.project.path.with_name(f"{self.project.path.stem}_memos.csv"))
        path, _ = QFileDialog.getSaveFileName(
            self, "Export memos", start, "CSV (*.csv);;Excel (*.xlsx);;Parquet (*.parquet)"
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write the memos listed to ``path``; False (and the reason shown) if not."""
        self.editor.save_pending()
        try:
            written = memos.export_memos(self.shown, path)
        except (LlmstudioError, OSError) as exc:
            self.window.show_error("The memos were not exported", exc)
            return False
        self.count.setText(f"{len(self.shown):,} memos written to {written.name}")
        return True

    def show_rows(self) -> None:
        """Go to the rows the chosen memo is about in the table."""
        memo = self.current()
        if memo is None or self.project is None:
            return
        rows = memos.rows_of(self.project, memo, self.blind_coder())
        if memo.kind in ("row", "passage"):
            self.window.goto_row(rows[0])
        elif rows:
            self.window.show_rows(rows, f"coded {memo.code}")
        else:
            self.count.setText(f"No row is coded {memo.code} yet")

    def delete_current(self) -> None:
        """Take the chosen project or code memo out of the list (kept in the file)."""
        memo = self.current()
        if memo is None or memo.kind not in ("project", "code"):
            return
        self.editor.save_pending()
        memos.delete(self.project, memo)
        self.refresh()

    def done(self, result: int) -> None:
        self.editor.save_pending()
        super().done(result)


def install(window, menu, blind_coder: Callable[[], str | None] | None = None) -> MemoBrowser:
    """The browser of ``window`` and its action in ``menu`` (Analyse > Memos…,
    Ctrl+Shift+M); the browser follows the project opened. ``blind_coder()``: the coder's
    name while they code blind (then only their memos are listed), else None."""
    browser = MemoBrowser(window)
    if blind_coder is not None:
        browser.blind_coder = blind_coder

    def open_browser():
        if window.project is None:
            window.show_status("Open a project to see its memos", 5000)
            return
        browser.refresh()
        browser.show()
        browser.raise_()

    browser.act_open = window.make_action(
        "&Memos…", open_browser, "Ctrl+Shift+M", "Every memo of the project: search, read, write"
    )
    menu.addAction(browser.act_open)
    window.sig_loaded.connect(lambda: browser.refresh() if browser.isVisible() else None)
    window.installEventFilter(browser)
    return browser

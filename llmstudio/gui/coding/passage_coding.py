"""Coding passages in the coding panel: a code's key (or button) with words selected in
the text marks them as a passage of that code, stored at once (``core.passages``, one
transaction a click) and in the panel's one undo history with the row codes
(``CodingSession.add_passage`` and friends). The same key on the same words again takes
that passage out, as a multi-label key toggles a row code.

The row's passages are highlighted in the text (``passage_text``) and listed under it;
a right-click on a passage (or Delete with the caret in it) removes or recodes it. A
coder changes only their own passages; blind coding shows only theirs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QListWidgetItem, QMenu

from ...core import passages
from ...core.codebook import NONE_CODE
from ...core.errors import LlmstudioError
from ..memos.memo_dialog import edit_passage_memo
from .code_buttons import swatch
from .passage_text import Shown, short_words

UNKNOWN_COLOR = "#999999"  # a passage's code the codebook no longer has (not after a rename)


class PanelPassages:
    """The coding session's passage store: the panel's project, codebook, coder and
    blind switch at the moment of each change (``passages.ProjectPassages``).

    It also keeps how many passages the coder has in force on each row, read once per
    project, codebook and coder and then kept up to date by the changes made here (the
    progress line asks at every click; a COUNT over 50,000 passages takes ~12 ms)."""

    def __init__(self, panel):
        self.panel = panel
        self._key: tuple | None = None  # (project, codebook, coder) the counts are of
        self._by_row: dict[int, int] = {}
        self._total = 0

    def _store(self) -> passages.ProjectPassages:
        p = self.panel
        return passages.ProjectPassages(p.project, p.book, p.coder, lambda: p.blind)

    def _counts(self) -> dict[int, int]:
        """Row id -> the coder's passages in force there; read again when the project,
        codebook (a rename or merge is a new one) or coder is not the one counted."""
        p = self.panel
        key = (p.project, p.book, p.coder)
        if self._key != key:
            self._by_row = passages.by_row(p.project, p.book.name, p.coder)
            self._total = sum(self._by_row.values())
            self._key = key
        return self._by_row

    def forget(self) -> None:
        """Read the counts again when next asked (a change not made here)."""
        self._key = None

    def _moved(self, row_id: int, n: int) -> None:
        counts = self._counts() if self._key is not None else None
        if counts is None:
            return  # not read yet: read in full when asked
        counts[row_id] = counts.get(row_id, 0) + n
        self._total += n
        if counts[row_id] <= 0:
            del counts[row_id]

    def count(self) -> int:
        """How many passages the coder has in force in the codebook."""
        self._counts()
        return self._total

    def rows(self) -> Collection[int]:
        """The rows the coder has a passage in force on (coded, like a row code)."""
        return self._counts().keys()

    def add(self, row_id: int, start: int, end: int, code: str) -> int:
        self._counts()  # counted before the change, so the change can be added to it
        new = self._store().add(row_id, start, end, code)
        self._moved(row_id, 1)
        return new

    def change(self, passage_id: int, code: str) -> int:
        return self._store().change(passage_id, code)  # one out, its successor in

    def change_memo(self, passage_id: int, memo: str) -> int:
        return self._store().change_memo(passage_id, memo)

    def switch(self, take_out, put_back) -> None:
        self._counts()
        try:
            self._store().switch(take_out, put_back)
        except BaseException:
            self.forget()  # nothing changed (one transaction), but be sure
            raise
        # switch checked each was in force (or removed) before: the count moves by one
        for ids, n in ((take_out, -1), (put_back, 1)):
            for passage_id in ids:
                found = passages.get(self.panel.project, passage_id)
                if found.coder == self.panel.coder and found.codebook == self.panel.book.name:
                    self._moved(found.row_id, n)
                else:
                    self.forget()


class PassageCoding(QObject):
    """What ``panel`` (a CodingPanel) does with passages."""

    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel
        self.store = PanelPassages(panel)
        panel.sig_coder.connect(lambda *_: self.store.forget())  # the same name again too
        self.row: list[passages.Passage] = []  # the passages shown on the row
        text = panel.text
        text.sig_pressed.connect(panel._take_focus)
        text.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        text.customContextMenuRequested.connect(self._menu_at)
        panel.passage_list.itemClicked.connect(self._listed)
        panel.passage_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        panel.passage_list.customContextMenuRequested.connect(self._list_menu)

    # -- showing ------------------------------------------------------------------------

    def show(self, row_id: int | None) -> None:
        """Read and highlight the passages of the row shown (every coder's; blind: only
        the coder's own), and list them under the text."""
        p = self.panel
        self.row = []
        if row_id is not None and p.project is not None and p.book is not None:
            try:
                found = passages.of_row(
                    p.project, p.book.name, row_id, coder=p.coder if p.blind else None
                )
            except (LlmstudioError, sqlite3.Error) as exc:
                p.window.show_error("The passages of this row could not be read", str(exc))
                found = []
            if p.blind and not p.coder:
                found = []
            column = p.project.text_column
            self.row = [x for x in found if x.text_column == column]
        names = p.book.names if p.book is not None else ()
        shown = [Shown(x, self._color(x.code)) for x in self.row]
        p.text.show_passages(shown, names)
        self._list(shown)

    def select(self, codebook: str, row_id: int, start: int, end: int) -> bool:
        """Select characters ``start:end`` (str indices) of row ``row_id`` when the panel is
        open in ``codebook`` (a passage chosen in Coded passages); whether it did."""
        p = self.panel
        if not p.isVisible() or p.book is None or p.book.name != codebook:
            return False
        if p.row_id != row_id:
            p.goto(row_id)
        if p.row_id != row_id:
            return False
        p.text.select(start, end)
        return True

    def _color(self, code: str) -> str:
        book = self.panel.book
        return book.color_of(code) if book is not None and book.code(code) else UNKNOWN_COLOR

    def _list(self, shown: list[Shown]) -> None:
        box = self.panel.passage_list
        box.clear()
        text = self.panel.text.positions.text if self.panel.text.positions else ""
        for s in sorted(shown, key=lambda s: (s.passage.start, s.passage.end, s.passage.id)):
            x = s.passage
            memo = f" · memo: {short_words(x.memo, 40)}" if x.memo else ""  # seen unhovered
            item = QListWidgetItem(
                swatch(s.color),
                f"{x.code} · {x.coder} · “{short_words(text[x.start : x.end], 70)}”{memo}",
            )
            item.setData(Qt.ItemDataRole.UserRole, x.id)
            item.setToolTip(
                f"characters {x.start + 1:,}–{x.end:,}; click to select them"
                + (f"\nMemo: {x.memo}" if x.memo else "")
            )
            box.addItem(item)
        box.setVisible(bool(shown))

    def _listed(self, item) -> None:
        found = self._by_id(item.data(Qt.ItemDataRole.UserRole))
        if found is not None:
            self.panel.text.select(found.start, found.end)
        self.panel._take_focus()

    def _by_id(self, passage_id) -> passages.Passage | None:
        return next((x for x in self.row if x.id == passage_id), None)

    # -- coding -------------------------------------------------------------------------

    def code_selection(self, code: str) -> bool:
        """A code's key or button: with words selected, mark them as a passage of
        ``code`` (the same passage of mine again: take it out). False: nothing is
        selected, so the key codes the row."""
        p = self.panel
        span = p.text.selection()
        if span is None:
            if not p.text.textCursor().hasSelection():
                return False
            # words are selected but cannot be marked: coding the row instead would not
            # be what the coder asked for
            p.window.show_status(
                "Passages cannot be marked in this row (it has no text): press Esc to drop "
                "the selection and code the row",
                8000,
            )
            return True
        if code == NONE_CODE:
            p.window.show_status(
                "“None of these” is for whole rows: give the selected words a code, or "
                "press Esc to drop the selection and code the row",
                8000,
            )
            return True
        start, end = span
        words = p.text.positions.text
        # a word selected with Ctrl+Shift+→ brings its space along: the passage is the words
        while start < end and words[start].isspace():
            start += 1
        while end > start and words[end - 1].isspace():
            end -= 1
        if start == end:
            p.window.show_status("Only spaces are selected: select words to mark them", 6000)
            return True
        same = [
            x
            for x in self.row
            if x.coder == p.coder and x.code == code and (x.start, x.end) == (start, end)
        ]
        row = p.row_id
        words = short_words(p.text.positions.text[start:end], 40)
        if same:
            return self._do(
                f"Passage of {code!r} removed: “{words}”",
                p.session.remove_passage,
                row,
                same[0].id,
                f"unmark {code} (row {row + 1})",
            )
        return self._do(
            f"Marked “{words}” as {code!r} (characters {start + 1:,}–{end:,}; another key "
            "adds a code to the same words, Esc drops the selection)",
            p.session.add_passage,
            row,
            start,
            end,
            code,
            f"mark {code} (row {row + 1})",
        )

    def _do(self, said: str, step, *args) -> bool:
        """Make one undoable passage change; say ``said``, or why it was not stored."""
        p = self.panel
        try:
            step(*args)
        except (LlmstudioError, sqlite3.Error) as exc:
            p.window.show_error("The passage was not saved", str(exc))
            return True
        p.window.show_status(said, 8000)
        return True

    def mine_at(self, index: int | None) -> list[passages.Passage]:
        """My passages at character ``index``, the innermost (shortest) first."""
        p = self.panel
        here = [x for x in p.text.at(index) if x.coder == p.coder and x.id in self.ids]
        return sorted(here, key=lambda x: (x.end - x.start, -x.id))

    @property
    def ids(self) -> set[int]:
        return {x.id for x in self.row}

    def remove(self, passage: passages.Passage) -> None:
        """Take my ``passage`` out (undoable)."""
        row = self.panel.row_id
        self._do(
            f"Passage of {passage.code!r} removed (Ctrl+Z puts it back)",
            self.panel.session.remove_passage,
            row,
            passage.id,
            f"unmark {passage.code} (row {row + 1})",
        )

    def recode(self, passage: passages.Passage, code: str) -> None:
        """Give my ``passage`` the code ``code`` instead (undoable)."""
        row = self.panel.row_id
        self._do(
            f"Passage recoded from {passage.code!r} to {code!r}",
            self.panel.session.recode_passage,
            row,
            passage.id,
            code,
            f"recode {passage.code} as {code} (row {row + 1})",
        )

    def edit_memo(self, passage: passages.Passage) -> None:
        """The memo of my ``passage`` in its dialog; each save an undoable step."""
        p, row = self.panel, self.panel.row_id

        def change(passage_id: int, memo: str) -> int:
            return p.session.memo_passage(row, passage_id, memo, f"memo on {passage.code}")

        try:
            edit_passage_memo(p, p.project, passage.id, change)
        except (LlmstudioError, sqlite3.Error) as exc:
            p.window.show_error("The passage memo was not saved", str(exc))

    def remove_at_caret(self) -> None:
        """Delete: take out my innermost passage at the caret (or say there is none)."""
        p = self.panel
        if not p._can_code():
            return
        mine = self.mine_at(p.text.caret())
        if not mine:
            p.window.show_status(
                "No passage of yours at the caret: click into one (or select it in the "
                "list under the text), then press Delete",
                6000,
            )
            return
        self.remove(mine[0])

    # -- menus --------------------------------------------------------------------------

    def _menu_at(self, point) -> None:
        text = self.panel.text
        index = text.index_at(point)
        here = [x for x in text.at(index) if x.start <= index < x.end] if index is not None else []
        self._menu(here, text.viewport().mapToGlobal(point))

    def _list_menu(self, point) -> None:
        box = self.panel.passage_list
        item = box.itemAt(point)
        found = self._by_id(item.data(Qt.ItemDataRole.UserRole)) if item else None
        self._menu([found] if found else [], box.viewport().mapToGlobal(point))

    def menu_for(self, here: list[passages.Passage]) -> QMenu | None:
        """The menu of a right-click on ``here`` (None: no passage there): remove or
        recode each of mine; others' are named, not offered."""
        p = self.panel
        if not here or p.book is None:
            return None
        menu = QMenu(p.text)
        for x in sorted(here, key=lambda x: (x.end - x.start, x.id)):
            if x.coder != p.coder:
                menu.addAction(f"{x.code} · {x.coder} (not yours)").setEnabled(False)
                continue
            menu.addAction(
                swatch(self._color(x.code)), f"Remove passage ‘{x.code}’"
            ).triggered.connect(lambda _=False, x=x: self.remove(x))
            menu.addAction(f"Memo on ‘{x.code}’…").triggered.connect(
                lambda _=False, x=x: self.edit_memo(x)
            )
            sub = menu.addMenu(f"Recode ‘{x.code}’ as")
            for code in p.book.names:
                if code != x.code:
                    sub.addAction(swatch(p.book.color_of(code)), code).triggered.connect(
                        lambda _=False, x=x, c=code: self.recode(x, c)
                    )
        return menu

    def _menu(self, here, where) -> None:
        if not self.panel._can_code():
            return
        menu = self.menu_for(here)
        if menu is not None:
            menu.exec(where)
            menu.deleteLater()

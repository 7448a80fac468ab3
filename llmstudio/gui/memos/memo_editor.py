"""One memo being read and written: its title (project memos), its text, and a line
saying when it was last saved. It saves by itself after a short pause in the typing
(``PAUSE_MS``), each save one committed transaction that keeps the earlier text, so a
crash loses at most what was typed in the last pause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...core import memos
from ...core.errors import LlmstudioError
from ...core.memos import Memo

PAUSE_MS = 800  # a pause this long in the typing saves
Saver = Callable[[Memo, str, "str | None"], Memo]  # (memo, text, title) -> memo stored


def local_time(iso: str) -> str:
    """A stored UTC time as the user's local date and time ("2026-12-05 09:14")."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso or ""


class MemoEditor(QWidget):
    """Edits one memo of ``project``. ``set_memo(memo)`` shows a stored memo;
    ``set_new(create)`` an empty one that ``create(text, title)`` stores on the first
    save (a code's first memo). ``sig_saved(Memo)`` after each save (a row or passage
    memo comes back with a new id): the memo's key before the save (None: it was new)
    and the memo stored; ``sig_failed(str)`` when a save is refused."""

    sig_saved = Signal(object, object)
    sig_failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.memo: Memo | None = None
        self._create: Callable[[str, str], Memo] | None = None
        self._saver: Saver | None = None
        self._loading = False
        self._dirty = False  # typed since the last save
        self.title = QLineEdit()
        self.title.setPlaceholderText("Title of this project memo")
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Write the memo here; it is saved as you type.")
        self.state = QLabel("")
        self.state.setObjectName("memoState")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel("&Title:")
        self.title_label.setBuddy(self.title)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label)
        title_row.addWidget(self.title, 1)
        layout.addLayout(title_row)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.state)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PAUSE_MS)
        self.timer.timeout.connect(self.save_pending)
        self.text.textChanged.connect(self._typed)
        self.title.textEdited.connect(self._typed)
        self.clear()

    # -- what is shown ------------------------------------------------------------------

    def clear(self) -> None:
        """Nothing to edit (the previous memo's typing saved first)."""
        self.save_pending()
        self.memo, self._create = None, None
        self._show("", "", title_shown=False)
        self.setEnabled(False)
        self.state.setText("Choose a memo to read and edit it.")

    def set_memo(self, project, memo: Memo, saver: Saver | None = None) -> None:
        """Show ``memo`` of ``project`` to edit (the previous one's typing saved first).
        ``saver(memo, text, title)`` stores a save instead of ``memos.save`` (the coding
        panel puts a passage's memo change in its undo history)."""
        self.save_pending()
        self.project, self.memo, self._create = project, memo, None
        self._saver = saver
        self._show(memo.title, memo.text, title_shown=memo.kind == "project")
        self.setEnabled(True)
        self.state.setText(f"By {memo.author}, last saved {local_time(memo.modified)}")

    def set_new(self, project, create: Callable[[str, str], Memo], title_shown=False) -> None:
        """An empty memo that ``create(text, title)`` stores when something is typed."""
        self.save_pending()
        self.project, self.memo, self._create = project, None, create
        self._saver = None
        self._show("", "", title_shown)
        self.setEnabled(True)
        self.state.setText("New memo: saved as you type.")

    def _show(self, title: str, text: str, title_shown: bool) -> None:
        self._loading = True
        try:
            self.title.setText(title)
            self.title.setVisible(title_shown)
            self.title_label.setVisible(title_shown)
            self.text.setPlainText(text)
            self.text.moveCursor(QTextCursor.MoveOperation.End)  # notes go on at the end
        finally:
            self._loading = False

    # -- saving -------------------------------------------------------------------------

    @property
    def pending(self) -> bool:
        """Whether typing waits to be saved."""
        return self._dirty

    def _typed(self, *_) -> None:
        if self._loading or (self.memo is None and self._create is None):
            return
        self._dirty = True
        self.state.setText("Editing…")
        self.timer.start()  # (again): saved once the typing pauses

    def save_pending(self) -> Memo | None:
        """Save what was typed now if a save is waiting; the memo as stored."""
        if not self._dirty:
            return self.memo
        self.timer.stop()
        self._dirty = False
        text = self.text.toPlainText()
        title = self.title.text() if self.title.isVisibleTo(self) else None
        before = self.memo.key if self.memo is not None else None
        try:
            if self.memo is None:
                if self._create is None:
                    return None
                self.memo = self._create(text, title or "")
                self._create = None
            else:
                save = self._saver or (lambda m, t, ti: memos.save(self.project, m, t, ti))
                self.memo = save(self.memo, text, title)
        except LlmstudioError as exc:
            self._dirty = True  # still unsaved: the text stays in the field, tried again
            self.state.setText(f"Not saved: {exc}")
            self.sig_failed.emit(str(exc))
            return self.memo
        self.state.setText(f"Saved {local_time(self.memo.modified)}")
        self.sig_saved.emit(before, self.memo)
        return self.memo

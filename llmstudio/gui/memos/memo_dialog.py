"""A memo in a small window of its own, where the memo belongs: a passage's (from the
passage's context menu in the coding panel) and a code's (from the codebook editor or
the panel's code buttons). Saved as it is typed, like every memo editor."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ...core import memos, passages
from ...core.coder_prefs import remembered_coder
from ...core.memos import Memo
from .memo_editor import MemoEditor


class MemoDialog(QDialog):
    """``heading`` (what the memo is on) over a :class:`MemoEditor`; Close saves what
    is still pending."""

    def __init__(self, parent, heading: str, title: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.heading = QLabel(heading)
        self.heading.setWordWrap(True)
        self.editor = MemoEditor(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.resize(520, 320)

    def done(self, result: int) -> None:
        self.editor.save_pending()  # Close, Escape and the title bar's cross all save
        super().done(result)


def _excerpt(text: str, width: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def passage_memo_dialog(parent, project, passage_id: int, change=None) -> MemoDialog:
    """The dialog for the memo of passage ``passage_id`` (not yet shown). ``change(
    passage_id, memo) -> successor id`` stores each save (default: ``passages.change``
    through ``memos.save``; the coding panel passes its session's undoable step)."""
    passage = passages.get(project, passage_id)
    dialog = MemoDialog(
        parent,
        f"Memo by <b>{escape(passage.coder)}</b> on a passage of row {passage.row_id + 1} "
        f"coded <b>{escape(passage.code)}</b>: "
        f"“{escape(_excerpt(passages.text_of(project, passage)))}”",
        "Passage memo",
    )
    saver = None
    if change is not None:

        def saver(memo: Memo, text: str, _title) -> Memo:
            if text == memo.text:
                return memo
            return memos.get(project, "passage", change(memo.id, text))

    dialog.editor.set_memo(project, memos.get(project, "passage", passage_id), saver)
    return dialog


def edit_passage_memo(parent, project, passage_id: int, change=None) -> int:
    """Let the user read and write the memo of passage ``passage_id`` (modal); the
    passage's id afterwards: a changed memo stores a successor passage (the old one is
    kept, removed), so a caller holding the id takes the new one. ``change``: as in
    :func:`passage_memo_dialog`."""
    dialog = passage_memo_dialog(parent, project, passage_id, change)
    dialog.exec()
    memo = dialog.editor.memo
    return memo.passage_id if memo is not None else passage_id


def code_memo_dialog(parent, project, codebook: str, code: str, author: str = "") -> MemoDialog:
    """The dialog for ``author``'s memo on ``code`` ("" : the coder last remembered for
    this project), made on the first save if there is none yet (not yet shown)."""
    author = author or remembered_coder(str(project.path.resolve())) or "me"
    dialog = MemoDialog(
        parent,
        f"Memo by <b>{escape(author)}</b> on the code <b>{escape(code)}</b> of "
        f"{escape(codebook)}: your running "
        "notes on it (its description, which defines it, is in the codebook).",
        "Code memo",
    )
    memo = memos.code_memo(project, codebook, code, author)
    if memo is not None:
        dialog.editor.set_memo(project, memo)
    else:

        def create(text: str, _title: str) -> Memo:
            return memos.set_code_memo(project, codebook, code, author, text)

        dialog.editor.set_new(project, create)
    return dialog


def edit_code_memo(parent, project, codebook: str, code: str, author: str = "") -> Memo | None:
    """Let the user read and write ``author``'s memo on ``code`` (modal); the memo as
    stored afterwards (None when none was written)."""
    dialog = code_memo_dialog(parent, project, codebook, code, author)
    dialog.exec()
    return dialog.editor.memo

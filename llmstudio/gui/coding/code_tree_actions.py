"""What the codebook editor does to its tree of codes: add a child, move (by drag, by
"Move under…", to the top, up and down), colour, rename, merge and remove.

Changes that touch coding go to the project at once, never through Save: renaming a code
of the saved codebook (``code_tree.rename``: every row code and passage follows) and
merging two (``code_tree.merge``), each after a confirmation that counts what follows;
moving and recolouring a saved code go the same way (``code_tree.move`` / ``recolor``), so
the project's history records every change to the tree. The same change is made in the
editor's draft, whose other unsaved edits stay unsaved. Codes not saved yet (a new
codebook, a code just added) change in the draft only, and Save keeps them. A code with
codings in force is never removed: the editor says how many and offers Merge instead.
Up and down only reorder siblings: a draft edit like any other.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from ...core import code_tree
from ...core.codebook_draft import (
    color_in_draft,
    draft_code,
    draft_of,
    free_color,
    keep_colors,
    merge_in_draft,
    move_in_draft,
    parent_choices,
    place_beside,
    remove_from_draft,
    rename_in_draft,
    shown_colors,
    step_in_draft,
    tree_order,
)
from ...core.errors import CodebookError, LlmstudioError
from ..common.errors import describe
from .code_tree_view import BELOW, ON, CodeTree

HISTORY_LINES = 3  # changes to the tree shown under it


def _button(text: str, tip: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(lambda: slot())
    return button


class MergeDialog(QDialog):
    """Merge one code into another: the two named, with what each has coded."""

    def __init__(self, parent, source: str, targets: list[str], use_of):
        super().__init__(parent)
        self.setWindowTitle("Merge codes")
        self.source, self._use_of = source, use_of
        self.target = QComboBox()
        self.target.addItems(targets)
        self.target.currentTextChanged.connect(self._explain)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setMinimumWidth(440)  # a wrapped label gets its height from its width
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Merge")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        heading = QLabel(f"Merge “{source}” into:")
        for label in (heading, self.explain):
            label.setTextFormat(Qt.TextFormat.PlainText)  # code names are not markup
        lay.addWidget(heading)
        lay.addWidget(self.target)
        lay.addWidget(self.explain)
        lay.addWidget(buttons)
        lay.setSizeConstraint(QVBoxLayout.SizeConstraint.SetFixedSize)
        self._explain(self.target.currentText())

    def _explain(self, into: str) -> None:
        gone, kept, source = self._use_of(self.source), self._use_of(into), self.source
        self.explain.setText(
            f"“{source}” has {gone.text()}; they become “{into}” (which has "
            f"{kept.text()}; a row or passage given both keeps “{into}” once). The codes "
            f"under “{source}” move under “{into}”, and “{source}” leaves the codebook. "
            f"Saved in the project at once; its history records the merge and “{source}”'s "
            "definition."
        )


class TreeActions:
    """The codebook editor's tree changes (mixed into ``CodebookEditor``, whose draft,
    tree and message line they use)."""

    def _build_tree(self, lay: QVBoxLayout) -> None:
        """The tree of codes, its buttons and the history line, added to ``lay``."""
        self.tree = CodeTree()
        self.tree.setToolTip(
            "Drag a code onto another to put it under it; hover over a code for its description"
        )
        self.tree.currentItemChanged.connect(lambda *_: self._on_code_chosen())
        self.tree.sig_drop.connect(self.on_drop)
        self.add_code_button = _button("Add code", "Add a code after this one", self.add_code)
        self.add_child_button = _button("Add child", "Add a code under this one", self.add_child)
        self.remove_code_button = _button(
            "Remove",
            "Remove the code (not while rows or passages are coded with it)",
            self.remove_code,
        )
        self.up_button = _button(
            "▲", "Move the code up among its siblings", lambda: self.move_code(-1)
        )
        self.down_button = _button(
            "▼", "Move the code down among its siblings", lambda: self.move_code(1)
        )
        for b in (self.up_button, self.down_button):
            b.setFixedWidth(32)
        self.move_under_button = _button(
            "Move under…",
            "Put the code (with the codes under it) under another code",
            self.ask_move_under,
        )
        self.top_button = _button(
            "To top level", "Take the code out from under its parent", lambda: self.move_under("")
        )
        self.merge_button = _button(
            "Merge into…",
            "Merge the code into another: its row codes and passages go along",
            self.ask_merge,
        )
        self.history = QLabel()  # the latest changes to the tree, from the project's history
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.PlainText)
        self.history.setStyleSheet("color:#555")
        self.history.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.tree, 1)
        for buttons in (
            (
                self.add_code_button,
                self.add_child_button,
                self.remove_code_button,
                self.up_button,
                self.down_button,
            ),
            (self.move_under_button, self.top_button, self.merge_button),
        ):
            row = QHBoxLayout()
            for b in buttons:
                row.addWidget(b)
            lay.addLayout(row)
        lay.addWidget(self.history)

    def _update_tree_buttons(self) -> None:
        code = self._current_code()
        named = code is not None and bool(code["name"].strip())
        siblings = []
        if code is not None:  # then there is a draft
            siblings = [c for c in self._draft["codes"] if c.get("parent") == code.get("parent")]
        self.remove_code_button.setEnabled(code is not None)
        self.up_button.setEnabled(bool(siblings) and siblings[0] is not code)
        self.down_button.setEnabled(bool(siblings) and siblings[-1] is not code)
        self.add_child_button.setEnabled(named)
        self.move_under_button.setEnabled(named)
        self.top_button.setEnabled(named and bool(code.get("parent")))
        self.merge_button.setEnabled(named and len(self._draft["codes"]) > 1)
        self.code_box.rename_button.setEnabled(named)

    # -- where a change goes ------------------------------------------------------------

    def _saved_code(self, *names: str) -> bool:
        """Whether each of ``names`` ("" counts as the top) is a code of the saved
        codebook: then a change to it goes to the project."""
        if self._saved_name is None:
            return False
        book = self.project.codebook(self._saved_name)
        return all(not n or book.code(n) is not None for n in names)

    def _use(self, name: str) -> code_tree.CodeUse:
        return code_tree.usage(self.project, self._saved_name, name)

    def _apply(self, op, project_op=None, message: str = "", select: str = "") -> bool:
        """``op(draft, code)`` on the current code, tried on a copy first; then
        ``project_op()`` (a ``code_tree`` change) and the draft's clean copy is what the
        project now holds; the code named ``select`` is shown after (else the same one).
        Whether it was done."""
        index = self.tree.current_index()
        if self._draft is None or index < 0:
            return False
        trial = copy.deepcopy(self._draft)
        try:
            op(trial, trial["codes"][index])
            if project_op is not None:
                project_op()
        except (CodebookError, LlmstudioError) as exc:
            self._say(describe(exc), error=True)
            return False
        code = self._draft["codes"][index]
        self._keeping_colors(lambda: op(self._draft, code))
        if project_op is not None:
            self._clean = draft_of(self.project.codebook(self._saved_name))
        shown = [c for c in self._draft["codes"] if c is code or (select and c["name"] == select)]
        self._show_draft(self._index_of(shown[-1]) if shown else 0)
        self._say(message)
        if project_op is not None:
            self.sig_saved.emit(self._saved_name)
        return True

    def _keeping_colors(self, change):
        """``change()`` of the draft, each code showing the colour it showed before."""
        shown = shown_colors(self._draft)
        result = change()
        keep_colors(self._draft, shown)
        return result

    def _index_of(self, code: dict) -> int:
        return next(i for i, c in enumerate(self._draft["codes"]) if c is code)

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- adding -------------------------------------------------------------------------

    def add_code(self, name: str = "", parent: str | None = None) -> None:
        """Add a code after the current one (``parent``: under that code, last) in the
        palette's first free colour, and start editing its name."""
        if self._draft is None:
            return
        current = self._current_code()
        if parent is None:
            parent = (current or {}).get("parent", "")
        new = draft_code(name or "", parent=parent, color=free_color(self._draft))
        codes = self._draft["codes"]
        # a sibling goes right after the current code, a child after the codes already
        # under it (tree_order puts each after the codes under the one before it)
        beside = current is not None and parent == current.get("parent", "")
        at = self._index_of(current) + 1 if beside else len(codes)

        def insert():
            codes.insert(at, new)
            self._draft["codes"] = tree_order(codes)

        self._keeping_colors(insert)
        self._show_draft(self._index_of(new))
        self.code_name.setFocus()

    def add_child(self) -> None:
        """Add a code under the current one."""
        code = self._current_code()
        if code is None:
            return
        if not code["name"].strip():
            self._say("Name the code first: a code goes under a code by its name.", error=True)
            return
        self.add_code(parent=code["name"])

    # -- moving -------------------------------------------------------------------------

    def move_code(self, step: int) -> None:
        """Up (-1) or down (+1) among the current code's siblings (saved with Save)."""
        code = self._current_code()
        if code is not None and self._keeping_colors(
            lambda: step_in_draft(self._draft, code, step)
        ):
            self._show_draft(self._index_of(code))

    def move_under(self, parent: str) -> bool:
        """Put the current code (and the codes under it) under ``parent`` ("": the top)."""
        code = self._current_code()
        if code is None:
            return False
        name = code["name"]
        project_op = None
        if self._saved_code(name, parent):
            saved = self._saved_name

            def project_op():
                code_tree.move(self.project, saved, name, parent)

        where = f"under “{parent}”" if parent else "to the top level"
        return self._apply(
            lambda d, c: move_in_draft(d, c, parent),
            project_op,
            f"Moved “{name}” {where}." + ("" if project_op else " Save to keep it."),
        )

    def ask_move_under(self) -> None:
        code = self._current_code()
        if code is None:
            return
        choices = parent_choices(self._draft, code)
        if not choices:
            self._say("There is no other code to put it under.", error=True)
            return
        parent, ok = QInputDialog.getItem(
            self,
            "Move under…",
            f"Put “{code['name']}” (with the codes under it) under:",
            choices,
            0,
            False,
        )
        if ok and parent:
            self.move_under(parent)

    def on_drop(self, source: int, target: int, where: str) -> None:
        """A code dragged onto (``ON``) or beside (``ABOVE``/``BELOW``) another."""
        self.tree.set_current_index(source)
        code = self._draft["codes"][source]
        if target < 0:
            self.move_under("")
            return
        other = self._draft["codes"][target]
        if where == ON:
            if not other["name"].strip():
                self._say("Name that code first: a code goes under a code by its name.", True)
                return
            self.move_under(other["name"])
            return
        parent = other.get("parent") or ""
        if (code.get("parent") or "") != parent and not self.move_under(parent):
            return
        self._keeping_colors(lambda: place_beside(self._draft, code, other, after=where == BELOW))
        self._show_draft(self._index_of(code))

    # -- colour -------------------------------------------------------------------------

    def ask_color(self) -> None:
        code = self._current_code()
        if code is None:
            return
        chosen = QColorDialog.getColor(
            QColor(color_in_draft(self._draft, code)), self, f"Colour of “{code['name']}”"
        )
        if chosen.isValid():
            self.set_code_color(chosen.name().upper())

    def set_code_color(self, color: str) -> bool:
        """Give the current code ``color`` (#RRGGBB; "": the palette's for its place)."""
        code = self._current_code()
        if code is None or code.get("color", "") == color:
            return False
        name = code["name"]
        project_op = None
        if self._saved_code(name):
            saved = self._saved_name

            def project_op():
                code_tree.recolor(self.project, saved, name, color)

        what = color or "the palette's"
        return self._apply(
            lambda d, c: c.__setitem__("color", color),
            project_op,
            f"Colour of “{name}”: {what}." + ("" if project_op else " Save to keep it."),
        )

    # -- rename, merge, remove ----------------------------------------------------------

    def ask_rename(self) -> None:
        code = self._current_code()
        if code is None or not code["name"].strip():
            return
        name, ok = QInputDialog.getText(
            self, "Rename code", f"New name for “{code['name']}”:", text=code["name"]
        )
        if ok:
            self.rename_code(name)

    def rename_code(self, new: str) -> bool:
        """Rename the current code to ``new``; a saved code's row codes and passages follow
        it at once, once confirmed (the confirmation counts them)."""
        code = self._current_code()
        new = (new or "").strip()
        if code is None or not new or new == code["name"]:
            return False
        old = code["name"]
        clash = [
            c for c in self._draft["codes"] if c is not code and c["name"].lower() == new.lower()
        ]
        if clash:
            self._say(f"Not renamed: there is already a code called “{clash[0]['name']}”.", True)
            return False
        if not self._saved_code(old):
            return self._apply(
                lambda d, c: rename_in_draft(d, c, new),
                None,
                f"Renamed “{old}” to “{new}”. Save to keep it.",
            )
        use = self._use(old)
        if not self._confirm(
            "Rename code",
            f"Rename “{old}” to “{new}”?\n\n{use.text().capitalize()} follow the new name, "
            f"and so does every earlier click that named it ({use.clicks} clicks in all). "
            "The change is saved in the project at once and recorded in its history.",
        ):
            return False
        saved = self._saved_name
        return self._apply(
            lambda d, c: rename_in_draft(d, c, new),
            lambda: code_tree.rename(self.project, saved, old, new),
            f"Renamed “{old}” to “{new}”: {use.text()} followed.",
        )

    def ask_merge(self) -> None:
        code = self._current_code()
        if code is None or not code["name"].strip():
            return
        targets = [c["name"] for c in self._draft["codes"] if c is not code and c["name"]]
        if not targets:
            self._say("There is no other code to merge it into.", error=True)
            return
        saved = self._saved_code(code["name"])
        dialog = MergeDialog(
            self,
            code["name"],
            targets,
            self._use if saved else lambda _name: code_tree.CodeUse(0, 0, 0, 0),
        )
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.merge_code(dialog.target.currentText())
        finally:
            dialog.deleteLater()

    def merge_code(self, into: str) -> bool:
        """Merge the current code into ``into`` (the merge dialog was the confirmation)."""
        code = self._current_code()
        if code is None:
            return False
        source = code["name"]
        if self._saved_name is None:  # nothing coded with a codebook never saved
            return self._apply(
                lambda d, c: merge_in_draft(d, source, into),
                None,
                f"Merged “{source}” into “{into}”. Save to keep it.",
                select=into,
            )
        if not self._saved_code(source, into):
            self._say("Save the codebook first: a new code cannot be merged yet.", error=True)
            return False
        use = self._use(source)
        saved = self._saved_name
        return self._apply(
            lambda d, c: merge_in_draft(d, source, into),
            lambda: code_tree.merge(self.project, saved, source, into),
            f"Merged “{source}” into “{into}”: {use.text()} moved.",
            select=into,
        )

    def remove_code(self) -> bool:
        """Take the current code out of the draft (the codes under it move up); refused,
        saying how many, while rows or passages are coded with it."""
        code = self._current_code()
        if code is None:
            return False
        name = code["name"]
        if name and self._saved_code(name):
            use = self._use(name)
            if use.in_use:
                self._say(
                    f"Not removed: “{name}” has {use.text()}, which would lose their code. "
                    "Merge it into another code (Merge into…) to keep them, or take the "
                    "code off those rows and passages first.",
                    error=True,
                )
                return False
        index = self._index_of(code)
        kids = self._keeping_colors(lambda: remove_from_draft(self._draft, code))
        moved = f" {', '.join(f'“{k}”' for k in kids)} moved up." if kids else ""
        self._show_draft(min(index, len(self._draft["codes"]) - 1))
        self._say(f"Removed “{name or '(no name)'}”.{moved} Save to keep it.")
        return True

    # -- the history line ---------------------------------------------------------------

    def history_text(self) -> str:
        """The latest changes to this codebook's tree, newest first, one a line (from the
        project's history: what ``code_tree`` recorded; times in UTC)."""
        if self._saved_name is None:
            return ""
        mark = f" in {self._saved_name!r}"
        lines = [
            (at, detail)
            for at, action, detail in self.project.history()
            if action == "code" and mark in detail
        ]
        return "\n".join(
            f"{at[:16].replace('T', ' ')}  {detail.split('; ')[0].replace(mark, '')}"
            for at, detail in reversed(lines[-HISTORY_LINES:])
        )

    def _show_history(self) -> None:
        text = self.history_text()
        self.history.setVisible(bool(text))
        self.history.setText(f"Changes to the codes (UTC):\n{text}" if text else "")

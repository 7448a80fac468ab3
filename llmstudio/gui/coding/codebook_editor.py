"""The codebook editor: the project's codebooks, their codes and the rules that define them.

One codebook is edited at a time, as a draft: nothing reaches the project until Save, and
Revert goes back to what is saved. The draft is checked on every edit with the core's own
rules (``Codebook.from_dict`` / ``validate``); while it has problems they are listed under
the fields and Save is disabled. Import and Export read and write the YAML/JSON files the
CLI takes (``--codebook``); a file that cannot be read says where (file, line, column).
The codes are a tree with colours (``code_tree_view``); renaming, merging, moving and
recolouring a saved code go to the project at once (``code_tree_actions`` says why).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core import memos
from ...core.code_colors import PALETTE
from ...core.codebook import Codebook, load, save
from ...core.codebook_draft import (
    book_of,
    color_in_draft,
    draft_code,
    draft_of,
    draft_problems,
    rename_in_draft,
)
from ...core.errors import CodebookError, LlmstudioError
from ..common.errors import describe
from ..memos.memo_dialog import edit_code_memo
from .code_form import FIELDS, CodeForm
from .code_tree_actions import TreeActions
from .code_tree_view import code_title

NEW_NAME = "New codebook"


class CodebookSaves(QObject):
    """Every codebook editor's saves and tree changes, wherever it was opened (the menu
    or the run dialog): the coding panel reloads its codebook on them, so that it never
    codes with a code that was just renamed or merged away."""

    sig_saved = Signal(str)  # the codebook's name


SAVES = CodebookSaves()


class CodebookEditor(TreeActions, QDialog):
    """Create, rename, edit, delete, import and export the project's codebooks."""

    sig_saved = Signal(str)  # a codebook was saved under this name

    def __init__(self, project, parent=None, select: str | None = None):
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Codebooks")
        self.resize(980, 620)
        self._draft: dict | None = None  # the codebook being edited
        self._saved_name: str | None = None  # its name in the project (None: not saved yet)
        self._clean: dict | None = None  # the draft as last saved or opened (for Revert)
        self._filling = False  # fields are being filled, not edited
        self._build()
        self.sig_saved.connect(SAVES.sig_saved)
        self._fill_books(select)

    # -- layout -----------------------------------------------------------------------

    def _build(self) -> None:
        intro = QLabel(
            "A codebook lists the categories (codes) texts are coded into, with what "
            "each one means. Models get all of it in their prompt, so write the "
            "description and the rules as you would for a human coder."
        )
        intro.setWordWrap(True)
        intro.setStyleSheet("color:#555")

        # Left: the project's codebooks.
        self.books = QListWidget()
        self.books.setToolTip("The codebooks saved in this project")
        self.books.currentTextChanged.connect(self._on_book_chosen)
        self.new_button = QPushButton("New")
        self.new_button.setToolTip("Start a new codebook")
        self.new_button.clicked.connect(self.new_codebook)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.ask_delete)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Read a codebook from a YAML or JSON file")
        self.import_button.clicked.connect(self.ask_import)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(
            "Write this codebook to a YAML or JSON file (for the command line, or to share it)"
        )
        self.export_button.clicked.connect(self.ask_export)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("<b>Codebooks in this project</b>"))
        lay.addWidget(self.books, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.export_button)
        lay.addLayout(row)

        # Middle: the codebook's name, kind and codes.
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Local issues")
        self.name.setToolTip("The codebook's name; change it to rename the codebook")
        self.multi_label = QCheckBox("Several codes may apply to one text (multi-label)")
        self.multi_label.setToolTip(
            "Off: each text gets exactly one code. On: each code is "
            "decided separately, with its own confidence"
        )
        self.none_option = QCheckBox("Offer “none of these” (single-label)")
        self.none_option.setToolTip(
            "Let the model answer “none” when no code fits, instead of forcing the closest one"
        )
        middle = QWidget()
        lay = QVBoxLayout(middle)
        lay.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        lay.addLayout(form)
        lay.addWidget(self.multi_label)
        lay.addWidget(self.none_option)
        lay.addWidget(QLabel("<b>Codes</b>"))
        self._build_tree(lay)

        # Right: one code's definition.
        self.code_box = CodeForm()
        form = self.code_box
        self.code_name, self.examples = form.code_name, form.examples
        self.description, self.include, self.exclude = form.description, form.include, form.exclude
        form.rename_button.clicked.connect(self.ask_rename)
        form.memo_button.clicked.connect(self.ask_code_memo)
        form.color_button.clicked.connect(self.ask_color)
        form.reset_color_button.clicked.connect(lambda: self.set_code_color(""))

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(self.code_box)
        split.setSizes([200, 330, 450])
        split.setChildrenCollapsible(False)

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.message = QLabel()  # the outcome of Import, Export, Save
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Undo every change since the codebook was last saved")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the codebook in the project (Ctrl+S)")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.close_button.setAutoDefault(False)
        self.save_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        outer = QVBoxLayout(self)
        outer.addWidget(intro)
        outer.addWidget(split, 1)
        outer.addWidget(self.problems)
        outer.addWidget(self.message)
        outer.addLayout(buttons)

        self.name.textEdited.connect(self._on_book_edited)
        self.multi_label.toggled.connect(self._on_book_edited)
        self.none_option.toggled.connect(self._on_book_edited)
        self.code_name.textEdited.connect(self._on_code_edited)
        for edit in form.text_fields():
            edit.textChanged.connect(self._on_code_edited)

    # -- the list of codebooks --------------------------------------------------------

    def _fill_books(self, select: str | None = None) -> None:
        names = self.project.codebooks()
        self._filling = True
        self.books.clear()
        self.books.addItems(names)
        self._filling = False
        if select in names:
            self.books.setCurrentRow(names.index(select))
        elif names:
            self.books.setCurrentRow(0)
        else:
            self._open(None)

    def _on_book_chosen(self, name: str) -> None:
        if self._filling or not name or name == self._saved_name:
            return
        if not self._may_leave():
            self._filling = True
            self.books.setCurrentRow(self._row_of(self._saved_name))
            self._filling = False
            return
        try:
            self._open(self.project.codebook(name))
        except LlmstudioError as exc:
            self._say(describe(exc), error=True)

    def _row_of(self, name: str | None) -> int:
        items = self.books.findItems(name or "", Qt.MatchFlag.MatchExactly)
        return self.books.row(items[0]) if items else -1

    def _open(self, book: Codebook | None, saved: bool = True) -> None:
        """Edit ``book`` (None: nothing to edit yet; ``saved``: it is the project's)."""
        if book is None:
            self._draft = None
            self._saved_name = self._clean = None
        else:
            self._draft = draft_of(book)
            self._saved_name = book.name if saved else None
            self._clean = draft_of(book) if saved else None
        self._show_draft()

    # -- the draft in the fields ------------------------------------------------------

    def _show_draft(self, code_row: int = 0) -> None:
        """Fill the fields and the tree from the draft; ``code_row``: the code to show."""
        draft = self._draft
        self._filling = True
        try:
            for w in (
                self.name,
                self.multi_label,
                self.none_option,
                self.tree,
                self.add_code_button,
                self.export_button,
            ):
                w.setEnabled(draft is not None)
            self.tree.fill(draft)
            if draft is None:
                self.name.clear()
            else:
                self.name.setText(draft["name"])
                self.multi_label.setChecked(draft["multi_label"])
                self.none_option.setChecked(draft["none_option"])
        finally:
            self._filling = False
        if draft is not None and draft["codes"]:
            self.tree.set_current_index(min(code_row, len(draft["codes"]) - 1))
        self._on_code_chosen()
        self._show_history()
        self._check()

    def _on_code_chosen(self) -> None:
        code = self._current_code()
        saved = code is not None and bool(code["name"]) and self._saved_code(code["name"])
        self._code_name = code["name"] if code else ""  # the name its children follow
        self._filling = True
        try:
            self.code_box.setEnabled(code is not None)
            self.code_box.setTitle(f"Code: {code_title(code)}" if code else "Code")
            self.code_name.setText(code["name"] if code else "")
            # a saved code is renamed with Rename…, so that its codings follow it
            self.code_name.setReadOnly(saved)
            self.code_name.setToolTip(
                "A saved code is renamed with Rename…: every row code and passage follows"
                if saved
                else "The code's name"
            )
            for key in FIELDS:
                getattr(self, key).setPlainText(code[key] if code else "")
            self.examples.setPlainText("\n".join(code["examples"]) if code else "")
            color = color_in_draft(self._draft, code) if code else ""
            self.code_box.show_color(color, bool(code and code.get("color")))
            use = self._use(code["name"]).text() if saved else "nothing yet (not saved)"
            self.code_box.use.setText(use if code else "")
            self._show_memos(code["name"] if saved else None)
        finally:
            self._filling = False
        self._update_buttons()

    def _show_memos(self, saved_code: str | None) -> None:
        """Who wrote memos on the saved code; a code not saved yet takes none."""
        form = self.code_box
        form.memo_button.setEnabled(saved_code is not None)
        if saved_code is None:
            form.memo_note.setText("(once the code is saved)")
            return
        authors = [m.author for m in memos.code_memos(self.project, self._saved_name, saved_code)]
        form.memo_note.setText(f"by {', '.join(authors)}" if authors else "none yet")

    def ask_code_memo(self) -> None:
        """The coder's memo on the current (saved) code, in its dialog."""
        code = self._current_code()
        if code is None or not self._saved_code(code["name"]):
            return
        edit_code_memo(self, self.project, self._saved_name, code["name"])
        self._show_memos(code["name"])

    def _current_code(self) -> dict | None:
        row = self.tree.current_index()
        if self._draft is None or not 0 <= row < len(self._draft["codes"]):
            return None
        return self._draft["codes"][row]

    def _on_book_edited(self, *_) -> None:
        if self._filling or self._draft is None:
            return
        self._draft["name"] = self.name.text()
        self._draft["multi_label"] = self.multi_label.isChecked()
        self._draft["none_option"] = self.none_option.isChecked()
        self._check()

    def _on_code_edited(self, *_) -> None:
        code = self._current_code()
        if self._filling or code is None:
            return
        name = self.code_name.text()
        if name.strip() and self._code_name.strip():
            # the codes under a new code follow its name (never through an empty one)
            code["name"] = self._code_name
            rename_in_draft(self._draft, code, name)
            self._code_name = name
        elif name.strip():
            self._code_name = name
        code["name"] = name
        for key in FIELDS:
            code[key] = getattr(self, key).toPlainText()
        code["examples"] = [
            line.strip() for line in self.examples.toPlainText().splitlines() if line.strip()
        ]
        self.tree.show_code(self.tree.currentItem(), self._draft, code)
        self.code_box.setTitle(f"Code: {code_title(code)}")
        self._check()

    # -- checking, saving -------------------------------------------------------------

    def book(self) -> Codebook:
        """The draft as a codebook; CodebookError says what is wrong with it."""
        return book_of(self._draft)

    def problem_list(self) -> list[str]:
        """What must be fixed before Save ([] when the draft can be saved)."""
        if self._draft is None:
            return []
        others = {n.lower() for n in self.project.codebooks()} - {(self._saved_name or "").lower()}
        return draft_problems(self._draft, others)

    @property
    def dirty(self) -> bool:
        return self._draft is not None and self._draft != self._clean

    def _check(self) -> None:
        problems = self.problem_list()
        if problems:
            items = "".join(f"<li>{html.escape(p[:1].upper() + p[1:])}</li>" for p in problems)
            self.problems.setText(
                f"<span style='color:#c62828'><b>Fix before saving:</b>"
                f"<ul style='margin:0'>{items}</ul></span>"
            )
        elif self._draft is None:
            self.problems.setText(
                "<span style='color:#555'>No codebook yet: click <b>New</b> "
                "to write one, or <b>Import…</b> a YAML/JSON file.</span>"
            )
        else:
            kind = (
                "multi-label: each code applies or not"
                if self._draft["multi_label"]
                else "single-label: one code per text"
            )
            n = len(self._draft["codes"])
            state = "unsaved changes" if self.dirty else "saved"
            self.problems.setText(
                f"<span style='color:#2e7d32'>{n} code{'s' * (n != 1)}, "
                f"{kind}. {state.capitalize()}.</span>"
            )
        self.none_option.setEnabled(self._draft is not None and not self._draft["multi_label"])
        self._update_buttons(problems)

    def _update_buttons(self, problems: list[str] | None = None) -> None:
        if problems is None:
            problems = self.problem_list()
        has = self._draft is not None
        self.save_button.setEnabled(has and not problems and self.dirty)
        self.revert_button.setEnabled(self.dirty)
        self.export_button.setEnabled(has and not problems)
        self.delete_button.setEnabled(self._saved_name is not None)
        self._update_tree_buttons()

    def save(self) -> bool:
        """Store the draft in the project (renaming the saved one when its name changed)."""
        problems = self.problem_list()
        if problems or self._draft is None:
            self._say("Not saved: " + "; ".join(problems), error=True)
            return False
        book = self.book()
        self.project.save_codebook(book, replaces=self._saved_name)
        renamed = self._saved_name is not None and self._saved_name != book.name
        self._say(
            f"Saved “{book.name}”"
            + (f" (renamed from “{self._saved_name}”)" if renamed else "")
            + "."
        )
        self._saved_name = book.name
        self._draft = draft_of(book)
        self._clean = draft_of(book)
        row = self.tree.current_index()
        self._fill_books(book.name)
        self._show_draft(row)
        self.sig_saved.emit(book.name)
        return True

    def revert(self) -> None:
        """Back to the codebook as saved (a new, unsaved one is dropped)."""
        if self._clean is not None:
            self._draft = {
                **self._clean,
                "codes": [dict(c, examples=list(c["examples"])) for c in self._clean["codes"]],
            }
            self._show_draft(self.tree.current_index())
        else:
            self._fill_books()
        self._say("Changes undone.")

    def _say(self, text: str, error: bool = False) -> None:
        color = "#c62828" if error else "#555"
        self.message.setText(f"<span style='color:{color}'>{html.escape(text)}</span>")

    def _may_leave(self) -> bool:
        """Whether the draft may be left (saved, discarded, or nothing to lose)."""
        if not self.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"“{self._draft['name'] or 'The codebook'}” has changes that are not saved.",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- new, delete, import, export --------------------------------------------------

    def _free_name(self, name: str) -> str:
        taken = {n.lower() for n in self.project.codebooks()}
        candidate, k = name, 1
        while candidate.lower() in taken:
            k += 1
            candidate = f"{name} ({k})"
        return candidate

    def new_codebook(self) -> None:
        if not self._may_leave():
            return
        self._draft = {
            "name": self._free_name(NEW_NAME),
            "multi_label": False,
            "none_option": False,
            "codes": [draft_code("", color=PALETTE[0])],
        }
        self._saved_name = self._clean = None
        self.books.clearSelection()
        self._show_draft()
        self._say("A new codebook: name it, then give each code a name and a description.")
        self.name.setFocus()
        self.name.selectAll()

    def ask_delete(self) -> None:
        if self._saved_name is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete codebook",
            f"Delete the codebook “{self._saved_name}” from this project?\n\nRuns already "
            "made with it keep their results and their record of the codebook.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_current()

    def delete_current(self) -> None:
        name = self._saved_name
        if name is None:
            return
        self.project.delete_codebook(name)
        self._clean = self._draft  # nothing to ask about
        self._saved_name = None
        self._fill_books()
        self._say(f"Deleted “{name}”.")

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a codebook", "", "Codebooks (*.yaml *.yml *.json);;All files (*)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path) -> bool:
        """Open the codebook in ``path`` as a new, unsaved draft; an error is shown."""
        try:
            book = load(path)
        except CodebookError as exc:
            self._say(f"Cannot import: {describe(exc)}", error=True)
            return False
        if not self._may_leave():
            return False
        self._open(book, saved=False)
        name = self._free_name(book.name)
        if name != book.name:
            self._draft["name"] = name
            self.name.setText(name)
        self.books.clearSelection()
        self._check()
        self._say(
            f"Imported “{book.name}” ({len(book.codes)} codes) from {Path(path).name}; "
            "click Save to keep it in the project."
        )
        return True

    def ask_export(self) -> None:
        try:
            book = self.book()
        except CodebookError as exc:
            self._say(f"Cannot export: {describe(exc)}", error=True)
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the codebook", f"{book.name}.yaml", "YAML (*.yaml *.yml);;JSON (*.json)"
        )
        if path:
            self.export_file(path)

    def export_file(self, path: str | Path) -> bool:
        """Write the draft to ``path`` (YAML, or JSON for ``.json``); an error is shown."""
        try:
            written = save(self.book(), path)
        except CodebookError as exc:
            self._say(f"Cannot export: {describe(exc)}", error=True)
            return False
        self._say(f"Exported to {written}.")
        return True

    # -- closing ----------------------------------------------------------------------

    def reject(self) -> None:
        if self._may_leave():
            super().reject()

    def current_name(self) -> str | None:
        """The saved codebook shown (what the run dialog selects after the editor)."""
        return self._saved_name

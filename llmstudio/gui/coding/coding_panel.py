"""Coding by hand: the current text large, the codebook's codes as numbered buttons.

A dock beside the table (Analyse > Code by Hand, Ctrl+K: ``coding_dock``); its widgets
are ``coding_view``, its keys ``coding_keyboard``, its sample ``coding_samples``, and the
rows, the position, the codes given and undo/redo :mod:`llmstudio.core.coding_session`.

Every click is stored in the project at once (:func:`llmstudio.core.human_codes.record`);
undo and redo are clicks too: they store the row's earlier codes and memo again, so the
project keeps the whole sequence and a crash loses nothing. The row shown follows the
table's current row, and moving on selects the row in the table.

Blind coding (the Blind switch, Analyse › Code Blind, Ctrl+Shift+K; remembered per coder):
no model answer, no other coder's codes and no result columns are shown, in the panel or
the table, and the filters that come from a model are gone. Every click stores the mode
(``human_codes.blind``), so agreement reports can say which codes were made blind.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit

from ...core import human_codes
from ...core.codebook import Codebook
from ...core.coder_prefs import (
    remember_blind,
    remember_codebook,
    remember_coder,
    remembered_blind,
    remembered_codebook,
    remembered_coder,
)
from ...core.coding_session import NO_CODER, CodingSession, list_notice, missing, toggled
from ...core.errors import LlmstudioError
from ...core.sampling import ModelCodes, Sample, load_sample, model_codes, select_rows
from ..common.errors import describe
from .coding_keyboard import CodingKeyboard
from .coding_samples import CodingSamples
from .coding_view import CodingView
from .passage_coding import PassageCoding

# What fixes a notice: the window's action (its owner, its name) and the button's words.
FIXES = {
    "save": ("files", "act_save", "Save as a project… (Ctrl+S)"),
    "codebooks": ("runs", "act_codebooks", "Open the codebook editor… (Ctrl+B)"),
    "learn": ("review", "act_learn", "Learn from my codes…"),
    "run": ("runs", "act_run", "Run a model…"),
}


class CodingPanel(CodingView):
    """Code the rows of the window's project by hand, one at a time."""

    sig_row_shown = Signal(int)  # the row id now shown
    sig_coded = Signal(int)  # a click was stored for this row id
    sig_blind = Signal(bool)  # blind coding switched on (True) or off
    sig_coder = Signal(str)  # another coder's name was entered ("" : none)

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.project = None
        self.book: Codebook | None = None
        self.coder = ""
        self.blind = False  # blind coding: see set_blind
        self.sample: Sample | None = None
        self.model: ModelCodes | None = None
        self.suggested: list[int] | None = None  # Learn from my codes' order, if asked
        # The rows to code, the position, the codes given, undo/redo (Qt-free).
        self.session = CodingSession(self._save, self._stored, self._history)
        self.passage_coding = PassageCoding(self)  # words selected + a code's key
        self.session.passages = self.passage_coding.store
        self._moving = False
        self._replaying = False
        self.samples = CodingSamples(self)  # the codebook's sample: draw, keep, drop
        self.keyboard = CodingKeyboard(self)  # the coding keys: digits, Enter, arrows, M, Esc
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._connect()
        self.window.table.selectionModel().currentRowChanged.connect(self._on_table_row)

    @property
    def rows(self) -> list[int]:
        """The rows to code, in order."""
        return self.session.rows

    @property
    def row_id(self) -> int | None:
        """The row shown."""
        return self.session.row_id

    @row_id.setter
    def row_id(self, row_id: int | None) -> None:
        self.session.row_id = row_id

    # -- construction -----------------------------------------------------------------

    def _connect(self) -> None:
        """What the widgets do."""
        self.coder_edit.editingFinished.connect(self.coder_entered)
        self.coder_edit.installEventFilter(self)
        self.codebook_box.currentTextChanged.connect(self._codebook_chosen)
        self.fill_filters(self.blind)
        self.blind_box.toggled.connect(lambda on: self.set_blind(on))
        self.act_blind.toggled.connect(lambda on: self.set_blind(on))
        self.filter_box.currentIndexChanged.connect(lambda _: self.rebuild_sequence())
        self.act_draw_sample.triggered.connect(self.samples.ask)
        self.act_no_sample.triggered.connect(self.samples.drop)
        self.notice_button.clicked.connect(self._notice_clicked)
        self._notice_action = None
        self.memo.installEventFilter(self)
        # Focus leaving the memo (another window, a file dialog): saved, not lost.
        self.memo.editingFinished.connect(self.save_pending)
        for button, slot in (
            (self.back_button, self.back),
            (self.skip_button, self.skip),
            (self.next_button, self.next),
            (self.undo_button, self.undo),
            (self.redo_button, self.redo),
        ):
            button.clicked.connect(lambda _=False, slot=slot: (self._take_focus(), slot()))
        self.act_undo.triggered.connect(self.undo)
        self.act_redo.triggered.connect(self.redo)
        self.sig_code_clicked.connect(
            lambda n: (self._take_focus(), self.keyboard.flush(), self.press(n))
        )

    # -- state from the window --------------------------------------------------------

    def refresh(self) -> None:
        """Read the window's project again: its codebooks, the coder, the rows to code."""
        self.save_pending()
        project = self.window.project
        changed = project is not self.project
        if changed:
            self.session.clear_history()
            self.project = project
            self.session.load(())
            if project is not None:
                name = remembered_coder(self._project_key())
                self.coder_edit.setText(name)
                self.coder = name
                if name:
                    self.set_blind(remembered_blind(name), remember=False)
        names = project.codebooks() if project is not None else []
        keep = self.codebook_box.currentText()
        if project is not None and (changed or keep not in names):
            keep = remembered_codebook(self._project_key()) or keep
        self.fill_codebooks(names, keep)
        self._load_codebook(self.codebook_box.currentText() or None)

    def reload_codebooks(self) -> None:
        """After the codebook editor: codes may have changed, a codebook may be new."""
        self.save_pending()
        self.book = None
        self.refresh()

    def _project_key(self):
        return str(self.project.path.resolve()) if self.project is not None else None

    def _load_codebook(self, name: str | None) -> None:
        before = self.book
        old = self.book.name if self.book else None
        try:
            self.book = self.project.codebook(name) if (self.project and name) else None
        except LlmstudioError as exc:
            self.book = None
            self._notice(f"Cannot read codebook {name!r}: {describe(exc)}")
            return
        another = self.book is None or self.book.name != old
        if another or self.book != before:  # an undo across a rename writes the old name
            self.session.clear_history()
        if another:
            self.suggested = None  # suggestions were for the other codebook's codes
        self.sample = load_sample(self.project, self.book.name) if self.book else None
        if another and self.sample is not None and self.sample.purpose:
            # a validation sample is coded blind (by default: once chosen, not each time
            # the panel is shown again)
            self.set_blind(True, remember=False)
        self.model = self._read_model()
        self.show_code_buttons(self.book)
        self._load_state()
        self.show_sample(self.sample)
        self.rebuild_sequence()

    def _read_model(self) -> ModelCodes | None:
        """The latest coding run of the codebook (None: none, or it cannot be read)."""
        if self.book is None or self.project is None:
            return None
        try:
            return model_codes(self.project, self.book)
        except (LlmstudioError, sqlite3.Error, ValueError, KeyError):
            return None

    def _codebook_chosen(self, name: str) -> None:
        self.save_pending()
        if name and self.project is not None:
            remember_codebook(name, self._project_key())
        self._load_codebook(name or None)

    def coder_entered(self) -> None:
        name = self.coder_edit.text().strip()
        if name == self.coder:
            return
        if name:
            try:
                name = human_codes.check_coder(name)
            except LlmstudioError as exc:
                self._notice(describe(exc), focus=self.coder_edit)
                return
        self.save_pending()
        self.coder = name
        self.session.clear_history()
        if name:
            remember_coder(name, self._project_key())
            self.set_blind(self._default_blind(), remember=False)
        self.sig_coder.emit(name)
        self._load_state()
        self.rebuild_sequence()

    def _load_state(self) -> None:
        stored = ()
        if self.project is not None and self.book is not None and self.coder:
            stored = human_codes.current(self.project, self.book.name, self.coder)
        self.session.load((c.row_id, c.codes, c.memo) for c in stored)
        # The memo field shows this coder's memo in this codebook: another's text left in
        # it would be saved as theirs on moving on.
        self.memo.setText(self.session.entry(self.row_id)[1])

    # -- the sequence -----------------------------------------------------------------

    def set_filter(self, which: str) -> None:
        """Show "all", "uncoded", "coded" or "disagree" rows (by this coder); the filters
        that come from a model are not offered while coding blind."""
        index = self.filter_box.findData(which)
        if index < 0:
            self.window.show_status(
                "Blind coding is on: rows chosen by a model are not offered (switch Blind off "
                "with Ctrl+Shift+K to use them)",
                8000,
            )
            return
        self.filter_box.setCurrentIndex(index)

    def _default_blind(self) -> bool:
        """A coder's own switch, or on when the rows are a validation sample."""
        return (remembered_blind(self.coder) if self.coder else False) or bool(
            self.sample is not None and self.sample.purpose
        )

    def set_blind(self, on: bool, remember: bool = True) -> None:
        """Blind coding on or off: the panel hides or shows the model's answer and the
        model's filters; the window (``blind_mode``) hides or shows result columns, other
        coders and the detail pane's results (``sig_blind``). Every click from now on
        stores the mode; ``remember`` keeps it for this coder."""
        on = bool(on)
        for widget in (self.blind_box, self.act_blind):
            if widget.isChecked() != on:
                widget.blockSignals(True)
                widget.setChecked(on)
                widget.blockSignals(False)
        if on == self.blind:
            return
        self.save_pending()  # a memo typed before the switch is stored in the old mode
        self.blind = on
        if remember and self.coder:
            remember_blind(self.coder, on)
        before = self.which
        self.fill_filters(self.blind)
        if self.which != before:
            self.rebuild_sequence()
        elif self.row_id is not None:
            self.show_row(self.row_id)
        self.sig_blind.emit(on)

    def rebuild_sequence(self, keep_row: bool = True) -> None:
        """The rows to code from the filter, the sample and the coder's codes; the row
        shown stays if it is among them (and ``keep_row``), else the first is shown."""
        self.save_pending()
        session = self.session
        if not self._ready():
            session.set_rows([])
            session.pos = -1
            self._update_progress()
            return
        if self.which == "disagree":  # a run may have finished since the codebook was read
            self.model = self._read_model()
        rows = select_rows(
            self.project,
            self.book,
            self.coder,
            self.which,
            rows=self.window.corpus.rows,
            sample=self.sample,
            model=self.model,
            order=self.suggested,
        )
        session.set_rows(rows)
        text, fix = list_notice(
            self.which,
            not rows,
            suggested=self.suggested,
            model_title=self.model.title if self.model is not None else None,
            book_name=self.book.name,
            coder=self.coder,
        )
        self._notice(text, fix)
        current = self.window.table.currentIndex()
        shown = self.window.model.row_id(current.row()) if current.isValid() else self.row_id
        if keep_row and session.position(shown) is not None:
            session.follow(shown)
            self.show_row(shown)
        elif rows:
            session.pos = 0
            self.goto(rows[0])
        else:
            session.pos = -1
            if shown is not None:
                self.show_row(shown)
        self._update_progress()

    def _ready(self) -> bool:
        """Whether there is something to code, else say what is missing."""
        w = self.window
        found = missing(
            w.corpus is not None, self.project is not None, self.book is not None, self.coder
        )
        if found is not None:
            self._notice(*found, ready=False)
        return found is None

    def _notice(self, text: str | None, fix: str | None = None, *, ready=True, focus=None) -> None:
        """Say ``text`` (None: nothing) with the button that fixes it (a key of _fixes)."""
        action, button = None, None
        if fix:
            owner, name, button = FIXES[fix]
            action = getattr(getattr(self.window, owner), name)
        self._notice_action = action
        self.show_notice(text, button, ready=ready)
        self.enable_choices(self.project is not None, self.book is not None)
        if focus is not None:
            focus.setFocus()

    def _notice_clicked(self) -> None:
        if self._notice_action is not None:
            self._notice_action.trigger()

    def _update_progress(self) -> None:
        if not self._ready_quiet():
            self.progress_label.setText("")
            return
        in_sample = set(self.sample.rows) if self.sample else None
        total = len(in_sample) if in_sample is not None else self.window.corpus.rows
        coded = self.session.coded(in_sample, self.passage_coding.store.rows())
        self.show_progress(
            coded,
            total,
            self.coder,
            self.row_id,
            self.session.position(self.row_id),
            len(self.rows),
            self.passage_coding.store.count() if self.coder else 0,
        )

    def _ready_quiet(self) -> bool:
        return (
            self.window.corpus is not None
            and self.project is not None
            and self.book is not None
            and bool(self.coder)
        )

    # -- showing rows -----------------------------------------------------------------

    def _on_table_row(self, index, _previous=None) -> None:
        if self._moving or not self.isVisible() or not index.isValid():
            return
        if self.window.project is not self.project:
            self.refresh()
            return
        row_id = self.window.model.row_id(index.row())
        if row_id != self.row_id:
            self.save_pending()
            self.session.follow(row_id)
            self.show_row(row_id)

    def goto(self, row_id: int) -> None:
        """Show ``row_id`` and select it in the table (the memo of the row left is saved)."""
        if not self._replaying:
            self.save_pending()
        self.session.follow(row_id)
        self._moving = True
        try:
            self.window.goto_row(row_id)
        finally:
            self._moving = False
        self.show_row(row_id)

    def show_row(self, row_id: int) -> None:
        """Show the row's text, metadata and this coder's codes and memo."""
        corpus = self.window.corpus
        if corpus is None or not 0 <= row_id < corpus.rows:
            return
        self.row_id = row_id
        self.show_text(corpus.frame, row_id, corpus.text_column, self.window.project)
        self.passage_coding.show(row_id)
        codes, memo = self.session.entry(row_id)
        for b in self.code_buttons:
            b.setChecked(b.property("code") in codes)
        self.memo.setText(memo)
        shown = self.model is not None and row_id in self.model.codes and not self.blind
        self.show_model_answer(
            self.model.title if shown else "", self.model.codes[row_id] if shown else (), codes
        )
        self._update_progress()
        self.sig_row_shown.emit(row_id)

    # -- coding -----------------------------------------------------------------------

    def codes(self, row_id: int | None = None) -> tuple[str, ...]:
        """This coder's codes of the row (the one shown by default)."""
        return self.session.codes(self.row_id if row_id is None else row_id)

    def press(self, code: str) -> None:
        """A code's key or button: single-label codes the row and moves on; multi-label
        toggles the code (stored at once)."""
        if not self._can_code() or self.passage_coding.code_selection(code):
            return  # with words selected, the key marked them as a passage
        row = self.row_id
        codes, memo = self.session.entry(row)
        new_memo = self.memo.text()
        if self.book.multi_label:
            after = toggled(codes, code)
            verb = "remove" if code in codes else "add"
            self._push(row, (codes, memo), (after, new_memo), f"{verb} {code} (row {row + 1})")
            return
        if codes != (code,) or new_memo != memo:
            self._push(row, (codes, memo), ((code,), new_memo), f"{code} (row {row + 1})")
            if self.session.codes(row) != (code,):
                return  # not stored (the reason is shown): stay on the row
        self.next()

    def _can_code(self) -> bool:
        if self.row_id is None or not self._ready_quiet():
            if self.project is not None and self.book is not None and not self.coder:
                self._notice(NO_CODER, focus=self.coder_edit)
            return False
        return True

    def _push(self, row: int, before, after, text: str) -> None:
        self.session.click(row, before, after, text)

    def _save(self, row_id: int, codes, memo) -> bool:
        """One click in the project; False (and the reason shown) when it failed."""
        try:
            human_codes.record(
                self.project, self.book, self.coder, row_id, codes, memo, blind=self.blind
            )
        except (LlmstudioError, sqlite3.Error) as exc:
            # Not modal: a coder must see it, but the window stays usable (and closable).
            self.window.show_error(
                "The code was not saved", exc if isinstance(exc, LlmstudioError) else str(exc)
            )
            return False
        return True

    def _stored(self, row_id: int) -> None:
        """After a click was stored: the row's buttons and memo, the progress."""
        codes, memo = self.session.entry(row_id)
        if row_id == self.row_id:
            for b in self.code_buttons:
                b.setChecked(b.property("code") in codes)
            self.memo.setText(memo)
            self.passage_coding.show(row_id)
        self._update_progress()
        self.sig_coded.emit(row_id)

    def _history(self, can_undo: bool, can_redo: bool) -> None:
        for widget in (self.act_undo, self.undo_button):
            widget.setEnabled(can_undo)
        for widget in (self.act_redo, self.redo_button):
            widget.setEnabled(can_redo)

    def _replayed(self, said: str, row_id: int | None) -> None:
        """After an undo or redo: show the row it changed (None: none) and say ``said``."""
        if row_id is None:
            return
        self._replaying = True
        try:
            self.goto(row_id)
        finally:
            self._replaying = False
        self.window.show_status(said, 6000)

    def save_pending(self) -> None:
        """Store the memo typed for the row shown, if it changed (a click, undoable); the
        window calls it before it closes the project, e.g. when another one is opened."""
        if (
            self.row_id is None
            or not self._ready_quiet()
            or self._replaying
            or self.project is not self.window.project
        ):  # closed: another is open
            return
        codes, memo = self.session.entry(self.row_id)
        text = self.memo.text()
        if text != memo:
            self._push(self.row_id, (codes, memo), (codes, text), f"memo (row {self.row_id + 1})")

    def set_suggested(self, rows) -> None:
        """Code in this order next (uncoded rows, the most useful first: Learn from my
        codes' uncertainty order); kept until another codebook or project is chosen."""
        self.suggested = [int(r) for r in rows]
        if self.which == "suggested":
            self.rebuild_sequence(keep_row=False)
        else:
            self.set_filter("suggested")

    def undo(self) -> None:
        self.keyboard.flush()  # a code number being typed is given, then undone
        self.save_pending()  # a memo being typed is the last thing done: undone first
        self._replayed(f"Undone: {self.session.undo_text}", self.session.undo())

    def redo(self) -> None:
        self.keyboard.flush()
        self._replayed(f"Redone: {self.session.redo_text}", self.session.redo())

    # -- moving -----------------------------------------------------------------------

    def next(self) -> None:
        """The next row of the sequence (stays on the last one, saying so)."""
        if not self.rows:
            return
        after = self.session.next_row()
        if after is not None:
            self.goto(after)
        else:
            self.save_pending()
            self.window.show_status(
                f"That was the last of the {len(self.rows):,} rows in this list", 6000
            )

    skip = next  # moving on without a code is what skipping is

    def back(self) -> None:
        """The previous row of the sequence."""
        before = self.session.previous_row()
        if before is not None:
            self.goto(before)

    # -- keys -------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        focus = self.focusWidget()
        if isinstance(focus, QLineEdit) and focus is not None and focus.hasFocus():
            super().keyPressEvent(event)  # Enter in a text field: not a coding key
            return
        if not self.keyboard.key_press(event):
            super().keyPressEvent(event)

    def eventFilter(self, obj, event) -> bool:
        # The window closing: the memo typed is saved first; Enter and Esc in the coder
        # and memo fields: CodingKeyboard.field_key.
        if obj is self.window and event.type() == event.Type.Close:
            self.save_pending()
            return False
        if obj in (self.memo, self.coder_edit) and event.type() == event.Type.KeyPress:
            if self.keyboard.field_key(obj, event):
                return True
        return super().eventFilter(obj, event)

    def _take_focus(self) -> None:
        """After a mouse click on a button: the next keys code (the memo keeps the focus)."""
        if not self.memo.hasFocus():
            self.setFocus()

    def start(self) -> None:
        """The panel is opened (or asked for again): read the project, take the focus."""
        if not getattr(self, "_follows_text_column", False):
            # Built after the panel; connected after the window's own slot, so the corpus
            # has the new text column when the row is shown again.
            self.window.text_column.currentTextChanged.connect(
                lambda _: (
                    self.show_row(self.row_id)
                    if self.row_id is not None and self.isVisible()
                    else None
                )
            )
            self._follows_text_column = True
        self.refresh()
        if self.project is not None and self.book is not None and not self.coder:
            self.coder_edit.setFocus()
        else:
            self.setFocus()

    def hideEvent(self, event) -> None:
        self.save_pending()
        super().hideEvent(event)

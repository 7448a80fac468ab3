"""Coding by hand: the current text large, the codebook's codes as numbered buttons.

A dock beside the table (Analyse > Code by Hand, Ctrl+K). Keys, while the panel has the
focus (never while the coder name or the memo is being typed in):

    1-9        the codebook's codes (0: "none of these", when offered). Single-label: the
               row gets the code and the next row is shown. Multi-label: the code is
               toggled on or off (each toggle is saved), Enter moves on. Ten codes or
               more: two digits typed quickly (1 then 2: code 12; see code_keys).
    Enter      next row            →, S   skip (next row, no code)      ←, B   back
    M          write a memo (Enter saves it and comes back; it is saved on leaving the row)
    Esc        back to the table
    Ctrl+Z     undo, Ctrl+Shift+Z (Ctrl+Y) redo: anywhere in the window while the panel is
               shown, except in a text field (which undoes its own typing)

Every click is stored in the project at once (:func:`llmstudio.core.human_codes.record`);
undo and redo are clicks too: they store the row's earlier codes and memo again, so the
project keeps the whole sequence and a crash loses nothing. The row shown follows the
table's current row, and moving on selects the row in the table.

Blind coding (the Blind switch, Analyse › Code Blind, Ctrl+Shift+K; remembered per coder):
no model answer, no other coder's codes and no result columns are shown, in the panel or
the table, and the filters that come from a model are gone. Every click stores the mode
(``human_codes.blind``), so agreement reports can say which codes were made blind.

Which rows come next: all rows, the coder's uncoded or coded rows, the rows where the
latest coding run of the codebook disagrees with the coder, each within the codebook's
stored sample when there is one (:mod:`llmstudio.core.sampling`), so that every coder
codes the same rows.
"""

from __future__ import annotations

import html
import sqlite3

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDockWidget,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import human_codes
from ..core.cells import as_text
from ..core.codebook import NONE_CODE, Codebook
from ..core.coder_prefs import (
    remember_blind,
    remember_codebook,
    remember_coder,
    remembered_blind,
    remembered_codebook,
    remembered_coder,
)
from ..core.errors import LlmstudioError
from ..core.sampling import (
    ModelCodes,
    Sample,
    load_sample,
    model_codes,
    random_sample,
    save_sample,
    select_rows,
    stratified_sample,
)
from .code_keys import WAIT_MS as CODE_KEY_WAIT_MS
from .code_keys import CodeKeys
from .errors import describe
from .sample_dialog import SampleDialog

__all__ = ["FILTER_NAMES", "CodingPanel", "install"]

FILTER_NAMES = (
    ("uncoded", "Uncoded by me"),
    ("all", "All rows"),
    ("coded", "Coded by me"),
    ("disagree", "Model and I disagree"),
    ("suggested", "Suggested: most useful first"),
)
MODEL_FILTERS = ("disagree", "suggested")  # they come from a model: not while coding blind
BLIND_TIP = (
    "Code blind: no model answer, no other coder's codes and no result columns are "
    "shown (here and in the table) while you code; each code records that it was "
    "made blind (Ctrl+Shift+K)"
)
TEXT_POINTS = 14
MAX_META = 10  # metadata columns shown above the text
NO_PROJECT = (
    "Coding is kept in a project: save the corpus as a project first (Ctrl+S). "
    "Every click is then saved at once."
)
NO_CODEBOOK = "This project has no codebook yet: write one (its codes become the buttons here)."
NO_CODER = "Type your name (or initials) in Coder and press Enter: codes are kept per coder."
KEYS_HELP = (
    "{codes} · <b>0</b> none · <b>Enter</b> next · <b>→</b>/<b>S</b> skip · "
    "<b>←</b>/<b>B</b> back · <b>M</b> memo · <b>Ctrl+Z</b> undo · "
    "<b>Ctrl+Shift+Z</b> redo · <b>Esc</b> table"
)


def keys_help(codes: int) -> str:
    """The key line under the buttons, for a codebook of ``codes`` numbered codes."""
    if codes > 9:
        return KEYS_HELP.format(codes=f"<b>1–{codes}</b> code (two digits: type them quickly)")
    return KEYS_HELP.format(codes="<b>1–9</b> code")


SHORTCUT_ROWS = [
    ("Coding: give code 1–9 (0: none; code 12: 1 then 2 quickly); multi-label: toggle", "1–9, 0"),
    ("Coding: next row (multi-label: done with this row)", "Enter"),
    ("Coding: skip the row / go back", "→ or S / ← or B"),
    ("Coding: write a memo (Enter saves it)", "M"),
    ("Coding: back to the table", "Esc"),
]


# -- undoable clicks ---------------------------------------------------------------------


class _Click(QUndoCommand):
    """One click on a row: its codes and memo before and after. Pushing it stores ``after``;
    undo stores ``before`` again (a click too) and shows the row; redo stores ``after``."""

    def __init__(self, panel: CodingPanel, row_id: int, before, after, text: str):
        super().__init__(text)
        self.panel, self.row_id, self.before, self.after = panel, row_id, before, after
        self._pushed = False

    def redo(self) -> None:
        ok = self.panel._store(self.row_id, *self.after)
        if not self._pushed:
            self._pushed = True
            if not ok:
                self.setObsolete(True)  # nothing stored: nothing to undo
            return
        self.panel._replayed(self.row_id)

    def undo(self) -> None:
        self.panel._store(self.row_id, *self.before)
        self.panel._replayed(self.row_id)


# -- the panel ---------------------------------------------------------------------------


class CodingPanel(QWidget):
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
        self.rows: list[int] = []  # the sequence to code, in order
        self._index: dict[int, int] = {}  # row id -> position in it (a million rows: no .index)
        self.pos = -1  # where in it (the last position shown from it)
        self.row_id: int | None = None  # the row shown
        self._state: dict[int, tuple[tuple[str, ...], str]] = {}  # row -> (codes, memo)
        self._moving = False
        self._replaying = False
        self.undo_stack = QUndoStack(self)
        self._keys = CodeKeys()  # digits of a two-digit code number typed so far
        self._digit_timer = QTimer(self)
        self._digit_timer.setSingleShot(True)
        self._digit_timer.setInterval(CODE_KEY_WAIT_MS)
        self._digit_timer.timeout.connect(self._flush_digits)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build()
        self.window.table.selectionModel().currentRowChanged.connect(self._on_table_row)

    # -- construction -----------------------------------------------------------------

    def _build(self) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.9))

        self.coder_edit = QLineEdit()
        self.coder_edit.setPlaceholderText("your name or initials")
        self.coder_edit.setToolTip(
            "Codes are kept per coder: several people can code the same project"
        )
        self.coder_edit.editingFinished.connect(self._coder_entered)
        self.coder_edit.installEventFilter(self)
        self.codebook_box = QComboBox()
        self.codebook_box.setToolTip("The codebook whose codes are the buttons")
        self.codebook_box.currentTextChanged.connect(self._codebook_chosen)
        self.filter_box = QComboBox()
        self._fill_filters()
        self.filter_box.setToolTip("Which rows come next")
        self.blind_box = QCheckBox("Blind: hide model answers and other coders")
        self.blind_box.setToolTip(BLIND_TIP)
        self.blind_box.setStyleSheet("QCheckBox:checked { font-weight: bold; color: #1565c0; }")
        self.blind_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the panel
        self.blind_box.toggled.connect(lambda on: self.set_blind(on))
        self.act_blind = QAction("Code &Blind", self)
        self.act_blind.setCheckable(True)
        self.act_blind.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.act_blind.setStatusTip(BLIND_TIP)
        self.act_blind.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.act_blind.toggled.connect(lambda on: self.set_blind(on))
        self.filter_box.currentIndexChanged.connect(lambda _: self.rebuild_sequence())
        self.sample_button = QToolButton()
        self.sample_button.setText("Sample…")
        self.sample_button.setToolTip(
            "Code a random or stratified sample of the rows, the same for every coder"
        )
        self.sample_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.sample_button)
        menu.addAction("Draw a sample…", self.ask_sample)
        self.act_no_sample = menu.addAction("Code all rows (drop the sample)", self.drop_sample)
        self.sample_button.setMenu(menu)
        self.sample_label = QLabel("all rows")
        self.sample_label.setFont(small)

        top = QGridLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("Coder:"), 0, 0)
        top.addWidget(self.coder_edit, 0, 1)
        top.addWidget(QLabel("Codebook:"), 0, 2)
        top.addWidget(self.codebook_box, 0, 3)
        top.addWidget(QLabel("Rows:"), 1, 0)
        top.addWidget(self.filter_box, 1, 1)
        top.addWidget(self.sample_button, 1, 2)
        top.addWidget(self.sample_label, 1, 3)
        top.addWidget(self.blind_box, 2, 0, 1, 4)
        top.setColumnStretch(1, 1)
        top.setColumnStretch(3, 1)

        # A notice with one button that fixes it (no project, no codebook, no coder).
        self.notice = QFrame()
        self.notice.setObjectName("codingNotice")
        self.notice.setStyleSheet(
            "#codingNotice { background: #fff8e1; border: 1px solid #ffcc80; border-radius: 4px; }"
        )
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_button = QPushButton()
        self.notice_button.clicked.connect(self._notice_clicked)
        lay = QVBoxLayout(self.notice)
        lay.addWidget(self.notice_label)
        lay.addWidget(self.notice_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._notice_action = None

        self.progress_label = QLabel()
        self.progress_label.setStyleSheet("font-weight: bold;")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.position_label = QLabel()
        self.position_label.setFont(small)
        self.position_label.setStyleSheet("color: #555;")
        self.meta_label = QLabel()
        self.meta_label.setWordWrap(True)
        self.meta_label.setFont(small)
        self.meta_label.setStyleSheet("color: #444;")
        self.meta_label.setTextFormat(Qt.TextFormat.RichText)

        self.text = QTextBrowser()
        big = QFont(self.font())
        big.setPointSize(TEXT_POINTS)
        self.text.setFont(big)
        self.text.setOpenLinks(False)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys are codes, not scrolling
        self.text.setStyleSheet("QTextBrowser { background: #fffdf7; padding: 6px; }")

        self.codes_box = QWidget()
        self.codes_layout = QGridLayout(self.codes_box)
        self.codes_layout.setContentsMargins(0, 0, 0, 0)
        self.codes_layout.setSpacing(4)
        self.code_buttons: list[QPushButton] = []
        self.mode_label = QLabel()
        self.mode_label.setFont(small)
        self.mode_label.setStyleSheet("color: #555;")
        self.model_label = QLabel()
        self.model_label.setFont(small)
        self.model_label.setWordWrap(True)

        self.memo = QLineEdit()
        self.memo.setPlaceholderText("Memo on this row (M; Enter saves)")
        self.memo.installEventFilter(self)
        # Focus leaving the memo (another window, a file dialog): saved, not lost.
        self.memo.editingFinished.connect(self._commit_memo)

        def nav(text, tip, slot):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the panel
            b.clicked.connect(lambda: (self._take_focus(), slot()))
            return b

        self.back_button = nav("← Back", "The previous row (← or B)", self.back)
        self.skip_button = nav(
            "Skip →", "The next row, without coding this one (→ or S)", self.skip
        )
        self.next_button = nav("Next ⏎", "Done with this row: the next one (Enter)", self.next)
        self.act_undo = QAction("Undo Coding", self)
        self.act_undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.act_undo.triggered.connect(self.undo)
        self.act_redo = QAction("Redo Coding", self)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_redo.triggered.connect(self.redo)
        for a in (self.act_undo, self.act_redo):
            # In the whole window while the panel is shown (the table too); a text field
            # with the focus (memo, coder, search) keeps its own Ctrl+Z.
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.setEnabled(False)
            self.addAction(a)
        self.undo_stack.canUndoChanged.connect(self.act_undo.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.act_redo.setEnabled)
        self.undo_button = nav("Undo", "Undo the last click (Ctrl+Z)", self.undo)
        self.redo_button = nav("Redo", "Redo (Ctrl+Shift+Z)", self.redo)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.back_button, self.skip_button, self.next_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.redo_button)

        self.keys_label = QLabel(keys_help(9))
        self.keys_label.setWordWrap(True)
        self.keys_label.setFont(small)
        self.keys_label.setStyleSheet("color: #666;")

        self.work = QWidget()  # what is shown once there is something to code
        w = QVBoxLayout(self.work)
        w.setContentsMargins(0, 0, 0, 0)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addStretch(1)
        progress_row.addWidget(self.position_label)
        w.addLayout(progress_row)
        w.addWidget(self.progress)
        w.addWidget(self.meta_label)
        w.addWidget(self.text, 1)
        w.addWidget(self.mode_label)
        w.addWidget(self.codes_box)
        w.addWidget(self.model_label)
        memo_row = QHBoxLayout()
        memo_label = QLabel("&Memo:")
        memo_label.setBuddy(self.memo)
        memo_row.addWidget(memo_label)
        memo_row.addWidget(self.memo, 1)
        w.addLayout(memo_row)
        w.addLayout(buttons)
        w.addWidget(self.keys_label)

        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.notice)
        outer.addWidget(self.work, 1)
        outer.addStretch(0)  # with nothing to code, the notice stays at the top, compact
        self.notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.notice.hide()
        QWidget.setTabOrder(self.coder_edit, self.codebook_box)
        QWidget.setTabOrder(self.codebook_box, self.filter_box)
        QWidget.setTabOrder(self.filter_box, self.sample_button)
        QWidget.setTabOrder(self.sample_button, self)
        QWidget.setTabOrder(self, self.memo)

    # -- state from the window --------------------------------------------------------

    def refresh(self) -> None:
        """Read the window's project again: its codebooks, the coder, the rows to code."""
        self._commit_memo()
        project = self.window.project
        changed = project is not self.project
        if changed:
            self.undo_stack.clear()
            self.project = project
            self._state = {}
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
        self.codebook_box.blockSignals(True)
        self.codebook_box.clear()
        self.codebook_box.addItems(names)
        if keep in names:
            self.codebook_box.setCurrentText(keep)
        self.codebook_box.blockSignals(False)
        self._load_codebook(self.codebook_box.currentText() or None)

    def reload_codebooks(self) -> None:
        """After the codebook editor: codes may have changed, a codebook may be new."""
        self._commit_memo()
        self.book = None
        self.refresh()

    def _project_key(self):
        return str(self.project.path.resolve()) if self.project is not None else None

    def _load_codebook(self, name: str | None) -> None:
        old = self.book.name if self.book else None
        try:
            self.book = self.project.codebook(name) if (self.project and name) else None
        except LlmstudioError as exc:
            self.book = None
            self._notice(f"Cannot read codebook {name!r}: {describe(exc)}")
            return
        another = self.book is None or self.book.name != old
        if another:
            self.undo_stack.clear()
            self.suggested = None  # suggestions were for the other codebook's codes
        self.sample = load_sample(self.project, self.book.name) if self.book else None
        if another and self.sample is not None and self.sample.purpose:
            # a validation sample is coded blind (by default: once chosen, not each time
            # the panel is shown again)
            self.set_blind(True, remember=False)
        self.model = self._read_model()
        self._build_code_buttons()
        self._load_state()
        self._update_sample_label()
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
        self._commit_memo()
        if name and self.project is not None:
            remember_codebook(name, self._project_key())
        self._load_codebook(name or None)

    def _coder_entered(self) -> None:
        name = self.coder_edit.text().strip()
        if name == self.coder:
            return
        if name:
            try:
                name = human_codes.check_coder(name)
            except LlmstudioError as exc:
                self._notice(describe(exc), focus=self.coder_edit)
                return
        self._commit_memo()
        self.coder = name
        self.undo_stack.clear()
        if name:
            remember_coder(name, self._project_key())
            self.set_blind(self._default_blind(), remember=False)
        self.sig_coder.emit(name)
        self._load_state()
        self.rebuild_sequence()

    def _load_state(self) -> None:
        self._state = {}
        if self.project is not None and self.book is not None and self.coder:
            for c in human_codes.current(self.project, self.book.name, self.coder):
                self._state[c.row_id] = (c.codes, c.memo)
        # The memo field shows this coder's memo in this codebook: another's text left in
        # it would be saved as theirs on moving on.
        self.memo.setText(
            self._state.get(self.row_id, ((), ""))[1] if self.row_id is not None else ""
        )

    def _build_code_buttons(self) -> None:
        for b in self.code_buttons:
            b.deleteLater()
        self.code_buttons = []
        if self.book is None:
            return
        labels = list(human_codes.allowed_codes(self.book))
        codes = [c for c in labels if c != NONE_CODE]
        cols = 2 if len(labels) > 4 else 1
        for k, name in enumerate(labels):
            key = "0" if name == NONE_CODE else str(k + 1)
            code = self.book.code(name)
            text = f"{key}  {name}" if key else name
            if name == NONE_CODE:
                text = "0  none of these"
            b = QPushButton(text)
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumHeight(30)
            b.setStyleSheet(
                "QPushButton { text-align: left; padding: 4px 10px; }"
                "QPushButton:checked { background: #1e88e5; color: white; "
                "border: 1px solid #1565c0; border-radius: 3px; }"
            )
            tip = []
            if code is not None:
                tip = [f"<b>{html.escape(code.name)}</b>"]
                for label, value in (
                    ("", code.description),
                    ("Include: ", code.include),
                    ("Exclude: ", code.exclude),
                ):
                    if value:
                        tip.append(html.escape(label + value))
            else:
                tip = ["<b>none</b>", "None of the codes applies"]
            b.setToolTip("<br>".join(tip) + (f"<br><i>key {key}</i>" if key else ""))
            b.setProperty("code", name)
            b.clicked.connect(
                lambda _=False, n=name: (self._take_focus(), self._flush_digits(), self.press(n))
            )
            position = len(codes) if name == NONE_CODE else k
            self.codes_layout.addWidget(b, position // cols, position % cols)
            self.code_buttons.append(b)
        self.keys_label.setText(keys_help(len(codes)))
        self.mode_label.setText(
            "Multi-label: each key turns a code on or off; Enter moves on"
            if self.book.multi_label
            else "Single-label: a key gives the code and moves on"
        )

    # -- the sequence -----------------------------------------------------------------

    @property
    def which(self) -> str:
        return self.filter_box.currentData()

    def set_filter(self, which: str) -> None:
        """Show "all", "uncoded", "coded" or "disagree" rows (by this coder); the filters
        that come from a model are not offered while coding blind."""
        index = self.filter_box.findData(which)
        if index < 0:
            self.window.statusBar().showMessage(
                "Blind coding is on: rows chosen by a model are not offered (switch Blind off "
                "with Ctrl+Shift+K to use them)",
                8000,
            )
            return
        self.filter_box.setCurrentIndex(index)

    def _fill_filters(self) -> None:
        """The filters offered: all, or without the model's while coding blind (the current
        one is kept when still offered, else "Uncoded by me")."""
        keep = self.filter_box.currentData() or "uncoded"
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        for key, name in FILTER_NAMES:
            if not (self.blind and key in MODEL_FILTERS):
                self.filter_box.addItem(name, key)
        index = self.filter_box.findData(keep)
        self.filter_box.setCurrentIndex(index if index >= 0 else 0)
        self.filter_box.blockSignals(False)

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
        self._commit_memo()  # a memo typed before the switch is stored in the old mode
        self.blind = on
        if remember and self.coder:
            remember_blind(self.coder, on)
        before = self.which
        self._fill_filters()
        if self.which != before:
            self.rebuild_sequence()
        elif self.row_id is not None:
            self.show_row(self.row_id)
        self.sig_blind.emit(on)

    def rebuild_sequence(self, keep_row: bool = True) -> None:
        """The rows to code from the filter, the sample and the coder's codes; the row
        shown stays if it is among them (and ``keep_row``), else the first is shown."""
        self._commit_memo()
        if not self._ready():
            self.rows, self.pos, self._index = [], -1, {}
            self._update_progress()
            return
        if self.which == "disagree":  # a run may have finished since the codebook was read
            self.model = self._read_model()
        self.rows = select_rows(
            self.project,
            self.book,
            self.coder,
            self.which,
            rows=self.window.corpus.rows,
            sample=self.sample,
            model=self.model,
            order=self.suggested,
        )
        self._index = {r: i for i, r in enumerate(self.rows)}
        if self.which == "suggested" and self.suggested is None:
            self._notice(
                "No suggestions yet: open Analyse › Learn from My Codes… and press "
                "“Suggest next rows” (it needs a few codes first).",
                self.window.review.act_learn,
                "Learn from my codes…",
            )
        elif self.which == "disagree" and self.model is None:
            self._notice(
                f"No model has coded with {self.book.name!r} yet, so there is no "
                "disagreement to show: run one with Analyse > Run Model… (Ctrl+R).",
                self.window.runs.act_run,
                "Run a model…",
            )
        elif self.which == "disagree" and not self.rows:
            self._notice(
                f"The model ({self.model.title}) and {self.coder} agree on every row both coded."
            )
        elif not self.rows:
            self._notice(
                "No rows in this list."
                + (" Everything is coded." if self.which == "uncoded" else "")
            )
        else:
            self._notice(None)
        current = self.window.table.currentIndex()
        shown = self.window.model.row_id(current.row()) if current.isValid() else self.row_id
        if keep_row and shown in self._index:
            self.pos = self._index[shown]
            self.show_row(shown)
        elif self.rows:
            self.pos = 0
            self.goto(self.rows[0])
        else:
            self.pos = -1
            if shown is not None:
                self.show_row(shown)
        self._update_progress()

    def _ready(self) -> bool:
        """Whether there is something to code, else say what is missing."""
        w = self.window
        if w.corpus is None:
            self._notice("Open a corpus first (Ctrl+O).", ready=False)
            return False
        if self.project is None:
            self._notice(NO_PROJECT, w.act_save, "Save as a project… (Ctrl+S)", ready=False)
            return False
        if self.book is None:
            self._notice(
                NO_CODEBOOK, w.runs.act_codebooks, "Open the codebook editor… (Ctrl+B)", ready=False
            )
            return False
        if not self.coder:
            self._notice(NO_CODER, ready=False)
            return False
        return True

    def _notice(
        self,
        text: str | None,
        action: QAction | None = None,
        button: str = "",
        *,
        ready: bool = True,
        focus=None,
    ) -> None:
        self.notice.setVisible(bool(text))
        self.notice_label.setText(text or "")
        self._notice_action = action
        self.notice_button.setVisible(action is not None)
        self.notice_button.setText(button)
        self.work.setVisible(ready)
        for w in (self.filter_box, self.sample_button):
            w.setEnabled(self.project is not None and self.book is not None)
        self.codebook_box.setEnabled(self.project is not None)
        self.coder_edit.setEnabled(self.project is not None)
        if focus is not None:
            focus.setFocus()

    def _notice_clicked(self) -> None:
        if self._notice_action is not None:
            self._notice_action.trigger()

    @property
    def message(self) -> str:
        """The notice shown ("" when none): what a user must do before coding."""
        return self.notice_label.text() if self.notice.isVisibleTo(self) else ""

    def _update_sample_label(self) -> None:
        self.sample_label.setText(self.sample.describe() if self.sample else "all rows")
        self.act_no_sample.setEnabled(self.sample is not None)

    def _update_progress(self) -> None:
        if not self._ready_quiet():
            self.progress_label.setText("")
            return
        in_sample = set(self.sample.rows) if self.sample else None
        total = len(in_sample) if in_sample is not None else self.window.corpus.rows
        coded = sum(
            1
            for r, (codes, _) in self._state.items()
            if codes and (in_sample is None or r in in_sample)
        )
        self.progress_label.setText(f"{coded:,} of {total:,} coded by {self.coder}")
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(coded)
        if self.row_id is None:
            self.position_label.setText("")
        elif self.row_id in self._index:
            at = self._index[self.row_id] + 1
            self.position_label.setText(
                f"row {self.row_id + 1:,} · {at:,} of {len(self.rows):,} in this list"
            )
        else:
            self.position_label.setText(f"row {self.row_id + 1:,} · not in this list")

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
            self._commit_memo()
            if row_id in self._index:
                self.pos = self._index[row_id]
            self.show_row(row_id)

    def goto(self, row_id: int) -> None:
        """Show ``row_id`` and select it in the table (the memo of the row left is saved)."""
        if not self._replaying:
            self._commit_memo()
        if row_id in self._index:
            self.pos = self._index[row_id]
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
        frame, text_column = corpus.frame, corpus.text_column
        value = frame.iat[row_id, frame.columns.get_loc(text_column)]
        text = as_text(value)
        self.text.setPlainText(text if text.strip() else "(this row has no text)")
        meta = []
        for c in [c for c in frame.columns if c != text_column][:MAX_META]:
            v = frame.iat[row_id, frame.columns.get_loc(c)]
            if as_text(v) == "":
                continue
            meta.append(
                f"<span style='white-space:nowrap'><span style='color:#888'>"
                f"{html.escape(str(c))}</span>&nbsp;{html.escape(str(v)[:60])}</span>"
            )
        self.meta_label.setText(f"<b>Row {row_id + 1:,}</b> &nbsp; " + " &nbsp;·&nbsp; ".join(meta))
        codes, memo = self._state.get(row_id, ((), ""))
        for b in self.code_buttons:
            b.setChecked(b.property("code") in codes)
        self.memo.setText(memo)
        if self.model is not None and row_id in self.model.codes and not self.blind:
            said = "; ".join(self.model.codes[row_id])
            differs = codes and set(codes) != set(self.model.codes[row_id])
            self.model_label.setText(
                f"Model ({self.model.title}) says: <b>{html.escape(said)}</b>"
                + (" <span style='color:#c62828'>— differs from yours</span>" if differs else "")
            )
        else:
            self.model_label.setText("")
        self.model_label.setVisible(bool(self.model_label.text()))
        self._update_progress()
        self.sig_row_shown.emit(row_id)

    # -- coding -----------------------------------------------------------------------

    def codes(self, row_id: int | None = None) -> tuple[str, ...]:
        """This coder's codes of the row (the one shown by default)."""
        row_id = self.row_id if row_id is None else row_id
        return self._state.get(row_id, ((), ""))[0]

    def press(self, code: str) -> None:
        """A code's key or button: single-label codes the row and moves on; multi-label
        toggles the code (stored at once)."""
        if not self._can_code():
            return
        row = self.row_id
        codes, memo = self._state.get(row, ((), ""))
        new_memo = self.memo.text()
        if self.book.multi_label:
            if code in codes:
                after = tuple(c for c in codes if c != code)
            elif code == NONE_CODE:
                after = (NONE_CODE,)
            else:
                after = tuple(c for c in codes if c != NONE_CODE) + (code,)
            verb = "remove" if code in codes else "add"
            self._push(row, (codes, memo), (after, new_memo), f"{verb} {code} (row {row + 1})")
            return
        if codes != (code,) or new_memo != memo:
            self._push(row, (codes, memo), ((code,), new_memo), f"{code} (row {row + 1})")
            if self._state.get(row, ((), ""))[0] != (code,):
                return  # not stored (the reason is shown): stay on the row
        self.next()

    def _can_code(self) -> bool:
        if self.row_id is None or not self._ready_quiet():
            if self.project is not None and self.book is not None and not self.coder:
                self._notice(NO_CODER, focus=self.coder_edit)
            return False
        return True

    def _push(self, row: int, before, after, text: str) -> None:
        self.undo_stack.push(_Click(self, row, before, after, text))

    def _store(self, row_id: int, codes, memo) -> bool:
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
        self._state[row_id] = (tuple(codes), memo)
        if row_id == self.row_id:
            for b in self.code_buttons:
                b.setChecked(b.property("code") in codes)
            self.memo.setText(memo)
        self._update_progress()
        self.sig_coded.emit(row_id)
        return True

    def _replayed(self, row_id: int) -> None:
        """After an undo or redo: show the row it changed."""
        self._replaying = True
        try:
            self.goto(row_id)
        finally:
            self._replaying = False

    def _commit_memo(self) -> None:
        """Store the memo typed for the row shown, if it changed (a click, undoable)."""
        if (
            self.row_id is None
            or not self._ready_quiet()
            or self._replaying
            or self.project is not self.window.project
        ):  # closed: another is open
            return
        codes, memo = self._state.get(self.row_id, ((), ""))
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

    def save_pending(self) -> None:
        """Store a memo still being typed (the window calls this before it closes the
        project, e.g. when another one is opened)."""
        self._commit_memo()

    def undo(self) -> None:
        self._flush_digits()  # a code number being typed is given, then undone
        self._commit_memo()  # a memo being typed is the last thing done: undone first
        self.undo_stack.undo()

    def redo(self) -> None:
        self._flush_digits()
        self.undo_stack.redo()

    # -- moving -----------------------------------------------------------------------

    def next(self) -> None:
        """The next row of the sequence (stays on the last one, saying so)."""
        if not self.rows:
            return
        if self.row_id in self._index:
            self.pos = self._index[self.row_id]
        if self.pos + 1 < len(self.rows):
            self.goto(self.rows[self.pos + 1])
        else:
            self._commit_memo()
            self.window.statusBar().showMessage(
                f"That was the last of the {len(self.rows):,} rows in this list", 6000
            )

    skip = next  # moving on without a code is what skipping is

    def back(self) -> None:
        """The previous row of the sequence."""
        if not self.rows:
            return
        if self.row_id in self._index:
            self.pos = self._index[self.row_id]
        if self.pos > 0:
            self.goto(self.rows[self.pos - 1])
        elif self.row_id not in self._index:
            self.goto(self.rows[max(0, self.pos)])

    # -- samples ----------------------------------------------------------------------

    def draw_sample(self, kind: str, n: int, seed: int = 1, column: str | None = None) -> Sample:
        """Draw a sample and keep it in the project for this codebook (every coder)."""
        if kind == "stratified":
            sample = stratified_sample(self.window.corpus.frame[column], n, seed, column=column)
        else:
            sample = random_sample(self.window.corpus.rows, n, seed)
        self.set_sample(sample)
        return sample

    def set_sample(self, sample: Sample | None) -> None:
        self._commit_memo()
        save_sample(self.project, self.book.name, sample)
        self.sample = sample
        if sample is not None and sample.purpose:
            self.set_blind(True, remember=False)  # a validation sample is coded blind
        self._update_sample_label()
        self.rebuild_sequence(keep_row=sample is None)

    def drop_sample(self) -> None:
        if self.project is not None and self.book is not None:
            self.set_sample(None)

    def ask_sample(self) -> None:
        if self.project is None or self.book is None:
            return
        if self.sample is not None and human_codes.coders(self.project, self.book.name):
            answer = QMessageBox.question(
                self,
                "Replace the sample?",
                f"Coders have already worked on {self.sample.describe()}. Draw a new sample? "
                "Their codes are kept.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        corpus = self.window.corpus
        dialog = SampleDialog(
            list(corpus.columns),
            corpus.rows,
            self,
            self.sample,
            frame=corpus.frame,
            text_column=corpus.text_column,
        )
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                try:
                    self.draw_sample(*dialog.choice())
                except (LlmstudioError, sqlite3.Error, KeyError) as exc:
                    self.window.show_error("Cannot draw the sample", exc)
        finally:
            dialog.deleteLater()

    # -- keys -------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        focus = self.focusWidget()
        if isinstance(focus, QLineEdit) and focus is not None and focus.hasFocus():
            super().keyPressEvent(event)  # Enter in a text field: not a coding key
            return
        key, mods = event.key(), event.modifiers()
        plain = not (
            mods
            & (
                Qt.KeyboardModifier.ControlModifier
                | Qt.KeyboardModifier.AltModifier
                | Qt.KeyboardModifier.MetaModifier
            )
        )
        if plain and Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            numbers, waiting = self._keys.press(
                str(int(key) - int(Qt.Key.Key_0)), len(self._numbered())
            )
            for number in numbers:
                self._press_number(number)
            if waiting:
                self._digit_timer.start()
            event.accept()
            return
        self._flush_digits()  # a digit waiting for a second one is given before any key
        if plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.next()
        elif plain and key in (Qt.Key.Key_Right, Qt.Key.Key_S):
            self.skip()
        elif plain and key in (Qt.Key.Key_Left, Qt.Key.Key_B):
            self.back()
        elif plain and key == Qt.Key.Key_M:
            self.memo.setFocus()
            self.memo.end(False)
        elif plain and key == Qt.Key.Key_Escape:
            self.window.table.setFocus()
        elif plain and key in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
            Qt.Key.Key_PageUp,
            Qt.Key.Key_PageDown,
        ):
            bar = self.text.verticalScrollBar()  # a long text scrolls under the keys
            page = key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
            step = bar.pageStep() if page else bar.singleStep() * 3
            down = key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
            bar.setValue(bar.value() + (step if down else -step))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def eventFilter(self, obj, event) -> bool:
        # Enter in the coder or memo field: taken, back to the coding keys (a QLineEdit
        # passes Enter on to its parent, which would move on to the next row). Esc in
        # the memo: back too, the memo kept (it is saved on leaving the row).
        if obj is self.window and event.type() == event.Type.Close:
            self._commit_memo()
            return False
        if obj in (self.memo, self.coder_edit) and event.type() == event.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if obj is self.memo:
                    self._commit_memo()
                else:
                    self._coder_entered()
                self.setFocus()
                return True
            if event.key() == Qt.Key.Key_Escape and obj is self.memo:
                self.setFocus()
                return True
        return super().eventFilter(obj, event)

    def _take_focus(self) -> None:
        """After a mouse click on a button: the next keys code (the memo keeps the focus)."""
        if not self.memo.hasFocus():
            self.setFocus()

    def _numbered(self) -> list[str]:
        """The codes with a number (1, 2, ...): all but "none of these" (0)."""
        if self.book is None:
            return []
        return [c for c in human_codes.allowed_codes(self.book) if c != NONE_CODE]

    def _press_number(self, number: int) -> None:
        if self.book is None:
            return
        if number == 0:
            if NONE_CODE in human_codes.allowed_codes(self.book):
                self.press(NONE_CODE)
            return
        codes = self._numbered()
        if number <= len(codes):
            self.press(codes[number - 1])

    def _flush_digits(self) -> None:
        self._digit_timer.stop()
        number = self._keys.flush()
        if number is not None:
            self._press_number(number)

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

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """The panel's keys, for the window's shortcuts list (F1)."""
        return list(SHORTCUT_ROWS)

    def hideEvent(self, event) -> None:
        self._commit_memo()
        super().hideEvent(event)


def install(window) -> CodingPanel:
    """The coding dock in ``window`` (hidden) and its action, ``panel.act_open``: Analyse >
    Code by Hand (Ctrl+K). Opening it hides the detail pane (the panel shows the text)."""
    panel = CodingPanel(window)
    dock = QDockWidget("Code by hand", window)
    dock.setObjectName("codingDock")
    dock.setWidget(panel)
    dock.setMinimumWidth(440)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    panel.dock = dock

    def open_panel():
        if window.corpus is None:
            return
        dock.show()
        dock.raise_()
        panel.start()

    act = QAction("Code by &Hand", window)
    act.setShortcut(QKeySequence("Ctrl+K"))
    act.setStatusTip("Code the texts yourself with the codebook's codes, from the keyboard")
    act.setToolTip("Code the texts by hand (Ctrl+K)")
    act.triggered.connect(open_panel)
    panel.act_open = act

    def shown(visible: bool):
        window.detail.setVisible(not visible)
        if visible:
            panel.refresh()
        else:
            panel._commit_memo()

    dock.visibilityChanged.connect(shown)
    window.installEventFilter(panel)  # the memo typed is saved before the window closes
    window.sig_loaded.connect(lambda: panel.refresh() if dock.isVisible() else None)
    window.sig_saved.connect(lambda _path: panel.refresh() if dock.isVisible() else None)
    window.runs.act_codebooks.triggered.connect(
        lambda: panel.reload_codebooks() if dock.isVisible() else None
    )
    return panel

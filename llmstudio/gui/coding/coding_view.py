"""The coding panel's widgets (``gui/coding/coding_panel`` is what they do): the coder, the
codebook, which rows, the blind switch, a notice, the progress, the text large with its
metadata, the codes as numbered buttons, the model's answer, the memo, the moves.

A code button clicked is said by ``sig_code_clicked``; the panel connects everything else.
"""

from __future__ import annotations

import html

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.cells import as_text
from ...core.codebook import Codebook
from .code_buttons import CodeButtons
from .passage_text import PassageText
from .unit_context import PLACE_COLUMNS, UnitContext, unit_place, unit_word

BLIND_TIP = (
    "Code blind: no model answer, no other coder's codes and no result columns are "
    "shown (here and in the table) while you code; each code records that it was "
    "made blind (Ctrl+Shift+K)"
)
# Which rows come next: all rows, the coder's uncoded or coded rows, the rows where the
# latest coding run of the codebook disagrees with the coder, the rows Learn from my codes
# suggests; each within the codebook's stored sample when there is one (core.sampling:
# select_rows), so that every coder codes the same rows.
FILTER_NAMES = (
    ("uncoded", "Uncoded by me"),
    ("all", "All rows"),
    ("coded", "Coded by me"),
    ("disagree", "Model and I disagree"),
    ("suggested", "Suggested: most useful first"),
)
MODEL_FILTERS = ("disagree", "suggested")  # they come from a model: not while coding blind
TEXT_POINTS = 14
MAX_META = 10  # metadata columns shown above the text
KEYS_HELP = (
    "{codes} (with words selected: marks them) · <b>Shift+arrows</b> select · "
    "<b>0</b> none · <b>Enter</b> next · <b>→</b>/<b>S</b> skip · "
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
    (
        "Coding: select words of the text (a code's key then marks them as a passage)",
        "Shift+arrows, Ctrl+Shift+←/→",
    ),
    ("Coding: remove my passage at the caret (right-click: remove or recode)", "Delete"),
    ("Coding: next row (multi-label: done with this row)", "Enter"),
    ("Coding: skip the row / go back", "→ or S / ← or B"),
    ("Coding: write a memo (Enter saves it)", "M"),
    ("Coding: back to the table", "Esc"),
]


class CodingView(QWidget):
    """The widgets of the coding panel and how a row and a codebook are shown."""

    sig_code_clicked = Signal(str)  # a code's button (the code's name)

    def __init__(self):
        super().__init__()
        self._build()

    def _build(self) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.9))

        self.coder_edit = QLineEdit()
        self.coder_edit.setPlaceholderText("your name or initials")
        self.coder_edit.setToolTip(
            "Codes are kept per coder: several people can code the same project"
        )
        self.codebook_box = QComboBox()
        self.codebook_box.setToolTip("The codebook whose codes are the buttons")
        self.filter_box = QComboBox()
        self.filter_box.setToolTip("Which rows come next")
        self.blind_box = QCheckBox("Blind: hide model answers and other coders")
        self.blind_box.setToolTip(BLIND_TIP)
        self.blind_box.setStyleSheet("QCheckBox:checked { font-weight: bold; color: #1565c0; }")
        self.blind_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the panel
        self.act_blind = QAction("Code &Blind", self)
        self.act_blind.setCheckable(True)
        self.act_blind.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.act_blind.setStatusTip(BLIND_TIP)
        self.act_blind.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.sample_button = QToolButton()
        self.sample_button.setText("Sample…")
        self.sample_button.setToolTip(
            "Code a random or stratified sample of the rows, the same for every coder"
        )
        self.sample_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.sample_button)
        self.act_draw_sample = menu.addAction("Draw a sample…")
        self.act_no_sample = menu.addAction("Code all rows (drop the sample)")
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
        lay = QVBoxLayout(self.notice)
        lay.addWidget(self.notice_label)
        lay.addWidget(self.notice_button, 0, Qt.AlignmentFlag.AlignLeft)

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

        self.text = PassageText()  # keys are codes: selecting is forwarded by the panel
        self.context = UnitContext()  # a unit's neighbours in its document, greyed
        big = QFont(self.font())
        big.setPointSize(TEXT_POINTS)
        self.text.setFont(big)
        self.text.setStyleSheet("QTextBrowser { background: #fffdf7; padding: 6px; }")
        self.passage_list = QListWidget()  # the row's passages: click one to select it
        self.passage_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.passage_list.setFont(small)
        self.passage_list.setMaximumHeight(96)
        # a long passage is cut with "…" (its words are in the text above), not scrolled
        self.passage_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.passage_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.passage_list.hide()

        self.codes_box = CodeButtons()
        self.codes_box.sig_code_clicked.connect(self.sig_code_clicked)
        self.codes_box.sig_keys_changed.connect(
            lambda: self.keys_label.setText(keys_help(len(self.codes_box.numbered())))
        )
        self.mode_label = QLabel()
        self.mode_label.setFont(small)
        self.mode_label.setStyleSheet("color: #555;")
        self.model_label = QLabel()
        self.model_label.setFont(small)
        self.model_label.setWordWrap(True)

        self.memo = QLineEdit()
        self.memo.setPlaceholderText("Memo on this row (M; Enter saves)")

        def nav(text, tip):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the panel
            return b

        self.back_button = nav("← Back", "The previous row (← or B)")
        self.skip_button = nav("Skip →", "The next row, without coding this one (→ or S)")
        self.next_button = nav("Next ⏎", "Done with this row: the next one (Enter)")
        self.act_undo = QAction("Undo Coding", self)
        self.act_undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.act_redo = QAction("Redo Coding", self)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for a in (self.act_undo, self.act_redo):
            # In the whole window while the panel is shown (the table too); a text field
            # with the focus (memo, coder, search) keeps its own Ctrl+Z.
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.setEnabled(False)
            self.addAction(a)
        self.undo_button = nav("Undo", "Undo the last click (Ctrl+Z)")
        self.redo_button = nav("Redo", "Redo (Ctrl+Shift+Z)")
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
        w.addWidget(self.context.before)
        w.addWidget(self.text, 1)
        w.addWidget(self.context.after)
        w.addWidget(self.passage_list)
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

    @property
    def code_buttons(self) -> list[QPushButton]:
        """The buttons of the codes shown, in key order ("none of these" last)."""
        return self.codes_box.buttons

    def show_code_buttons(self, book: Codebook | None) -> None:
        """A button per code of ``book`` (a tree, numbered as its keys), the key line and
        the mode."""
        self.codes_box.show_book(book)
        if book is None:
            return
        self.keys_label.setText(keys_help(len(self.codes_box.numbered())))
        self.mode_label.setText(
            "Multi-label: each key turns a code on or off; Enter moves on"
            if book.multi_label
            else "Single-label: a key gives the code and moves on"
        )

    def show_text(self, frame: pd.DataFrame, row_id: int, text_column: str, project=None) -> None:
        """The row's text, large, and its first other columns above it; a unit of a
        units corpus (``project``: its units project) says where it is in words."""
        value = frame.iat[row_id, frame.columns.get_loc(text_column)]
        text = as_text(value)
        self.text.show_row(text if text.strip() else None, "(this row has no text)")
        self.context.show(frame, row_id, text_column)
        place = unit_place(frame, row_id, unit_word(project))
        meta = [html.escape(place)] if place else []
        hidden = {text_column, *(PLACE_COLUMNS if place else ())}
        for c in [c for c in frame.columns if c not in hidden][:MAX_META]:
            v = frame.iat[row_id, frame.columns.get_loc(c)]
            if as_text(v) == "":
                continue
            meta.append(
                f"<span style='white-space:nowrap'><span style='color:#888'>"
                f"{html.escape(str(c))}</span>&nbsp;{html.escape(str(v)[:60])}</span>"
            )
        self.meta_label.setText(f"<b>Row {row_id + 1:,}</b> &nbsp; " + " &nbsp;·&nbsp; ".join(meta))

    def show_notice(self, text: str | None, button: str | None, *, ready: bool) -> None:
        """A notice (None: none) with a button that fixes it (None: no button); the
        coding itself shown only when ``ready``."""
        self.notice.setVisible(bool(text))
        self.notice_label.setText(text or "")
        self.notice_button.setVisible(button is not None)
        self.notice_button.setText(button or "")
        self.work.setVisible(ready)

    @property
    def message(self) -> str:
        """The notice shown ("" when none): what a user must do before coding."""
        return self.notice_label.text() if self.notice.isVisibleTo(self) else ""

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """The panel's keys, for the window's shortcuts list (F1)."""
        return list(SHORTCUT_ROWS)

    def enable_choices(self, has_project: bool, has_book: bool) -> None:
        """The coder and codebook need a project; which rows and the sample a codebook."""
        for w in (self.filter_box, self.sample_button):
            w.setEnabled(has_project and has_book)
        self.codebook_box.setEnabled(has_project)
        self.coder_edit.setEnabled(has_project)

    def show_sample(self, sample) -> None:
        """Which rows the sample holds ("all rows": no sample)."""
        self.sample_label.setText(sample.describe() if sample else "all rows")
        self.act_no_sample.setEnabled(sample is not None)

    def show_progress(
        self,
        coded: int,
        total: int,
        coder: str,
        row_id: int | None,
        at: int | None,
        n: int,
        marked: int = 0,
    ) -> None:
        """How many rows the coder has coded (and ``marked`` passages in the codebook), and
        where the row shown (``row_id``, at position ``at`` of the ``n`` rows to code;
        None: not among them) is."""
        passages = f" · {marked:,} passage{'s' if marked != 1 else ''} marked" if marked else ""
        self.progress_label.setText(f"{coded:,} of {total:,} coded by {coder}{passages}")
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(coded)
        if row_id is None:
            self.position_label.setText("")
        elif at is not None:
            self.position_label.setText(f"row {row_id + 1:,} · {at + 1:,} of {n:,} in this list")
        else:
            self.position_label.setText(f"row {row_id + 1:,} · not in this list")

    def show_model_answer(self, title: str, said: tuple, codes: tuple) -> None:
        """What the model (``title``; "": none shown) answered, and whether it differs
        from the coder's ``codes``."""
        if title:
            differs = codes and set(codes) != set(said)
            self.model_label.setText(
                f"Model ({title}) says: <b>{html.escape('; '.join(said))}</b>"
                + (" <span style='color:#c62828'>— differs from yours</span>" if differs else "")
            )
        else:
            self.model_label.setText("")
        self.model_label.setVisible(bool(self.model_label.text()))

    @property
    def which(self) -> str:
        """Which rows come next (a key of FILTER_NAMES)."""
        return self.filter_box.currentData()

    def fill_filters(self, blind: bool) -> None:
        """The filters offered: all, or without the model's while coding blind (the current
        one is kept when still offered, else "Uncoded by me")."""
        keep = self.filter_box.currentData() or "uncoded"
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        for key, name in FILTER_NAMES:
            if not (blind and key in MODEL_FILTERS):
                self.filter_box.addItem(name, key)
        index = self.filter_box.findData(keep)
        self.filter_box.setCurrentIndex(index if index >= 0 else 0)
        self.filter_box.blockSignals(False)

    def fill_codebooks(self, names: list[str], keep: str) -> None:
        """The codebooks to choose from, ``keep`` chosen when among them."""
        self.codebook_box.blockSignals(True)
        self.codebook_box.clear()
        self.codebook_box.addItems(names)
        if keep in names:
            self.codebook_box.setCurrentText(keep)
        self.codebook_box.blockSignals(False)

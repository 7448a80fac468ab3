"""The coding panel's keys, while it has the focus (never while the coder name or the
memo is being typed in):

    1-9        the codebook's codes (0: "none of these", when offered). Single-label: the
               row gets the code and the next row is shown. Multi-label: the code is
               toggled on or off (each toggle is saved), Enter moves on. Ten codes or
               more: two digits typed quickly (1 then 2: code 12; see code_keys).
    Enter      next row            →, S   skip (next row, no code)      ←, B   back
    M          write a memo (Enter saves it and comes back; it is saved on leaving the row)
    Esc        back to the table (with a selection: drop it)   ↑ ↓ PgUp PgDn   scroll
    Shift+←→↑↓, Shift+Home/End   select characters (lines) of the text; Ctrl+Shift+←→
               words. With a selection, a code's key marks it as a passage of that code
               (the row's codes stay as they are). Ctrl+←→ move the caret a word.
    Delete     remove my passage at the caret (the innermost, when they overlap)
    Ctrl+Z     undo, Ctrl+Shift+Z (Ctrl+Y) redo (the panel's actions): anywhere in the
               window while the panel is shown, except in a text field (its own typing)
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QTextCursor

from ...core import human_codes
from ...core.codebook import NONE_CODE
from .code_keys import WAIT_MS as CODE_KEY_WAIT_MS
from .code_keys import CodeKeys

Move = QTextCursor.MoveOperation
# Shift (+Ctrl) with these keys selects in the text; Ctrl alone moves the caret.
SELECT_KEYS = {
    Qt.Key.Key_Left: (Move.Left, Move.PreviousWord),
    Qt.Key.Key_Right: (Move.Right, Move.NextWord),
    Qt.Key.Key_Up: (Move.Up, Move.StartOfBlock),
    Qt.Key.Key_Down: (Move.Down, Move.EndOfBlock),
    Qt.Key.Key_Home: (Move.StartOfLine, Move.Start),
    Qt.Key.Key_End: (Move.EndOfLine, Move.End),
}
_WORD_MOVES = (Qt.Key.Key_Left, Qt.Key.Key_Right)


class CodingKeyboard(QObject):
    """The keys of ``panel`` (a CodingPanel): what each does to it."""

    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel
        self._keys = CodeKeys()  # digits of a two-digit code number typed so far
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CODE_KEY_WAIT_MS)
        self._timer.timeout.connect(self.flush)

    def key_press(self, event) -> bool:
        """Act on a key pressed in the panel; False: not a coding key."""
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
                str(int(key) - int(Qt.Key.Key_0)), len(self.numbered())
            )
            for number in numbers:
                self.press_number(number)
            if waiting:
                self._timer.start()
            event.accept()
            return True
        self.flush()  # a digit waiting for a second one is given before any key
        if self.text_key(key, mods):
            event.accept()
            return True
        if plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.panel.next()
        elif plain and key in (Qt.Key.Key_Right, Qt.Key.Key_S):
            self.panel.skip()
        elif plain and key in (Qt.Key.Key_Left, Qt.Key.Key_B):
            self.panel.back()
        elif plain and key == Qt.Key.Key_M:
            self.panel.memo.setFocus()
            self.panel.memo.end(False)
        elif plain and key == Qt.Key.Key_Escape:
            if not self.panel.text.clear_selection():
                self.panel.window.table.setFocus()
        elif plain and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.panel.passage_coding.remove_at_caret()
        elif plain and key in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
            Qt.Key.Key_PageUp,
            Qt.Key.Key_PageDown,
        ):
            bar = self.panel.text.verticalScrollBar()  # a long text scrolls under the keys
            page = key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
            step = bar.pageStep() if page else bar.singleStep() * 3
            down = key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
            bar.setValue(bar.value() + (step if down else -step))
        else:
            return False
        event.accept()
        return True

    def text_key(self, key, mods) -> bool:
        """Shift(+Ctrl)+arrow, Home or End: select in the text; Ctrl+←/→: move the caret
        a word. True: taken."""
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier):
            return False
        if key not in SELECT_KEYS or not (shift or (ctrl and key in _WORD_MOVES)):
            return False
        self.panel.text.move(SELECT_KEYS[key][1 if ctrl else 0], select=shift)
        return True

    def numbered(self) -> list[str]:
        """The codes with a number (1, 2, ...): the visible codes of the tree, top to
        bottom ("none of these" is 0)."""
        return self.panel.codes_box.numbered()

    def press_number(self, number: int) -> None:
        if self.panel.book is None:
            return
        if number == 0:
            if NONE_CODE in human_codes.allowed_codes(self.panel.book):
                self.panel.press(NONE_CODE)
            return
        codes = self.numbered()
        if number <= len(codes):
            self.panel.press(codes[number - 1])

    def flush(self) -> None:
        self._timer.stop()
        number = self._keys.flush()
        if number is not None:
            self.press_number(number)

    def field_key(self, field, event) -> bool:
        """A key in the coder or memo field: Enter is taken (a QLineEdit passes it on to
        its parent, which would move on to the next row) and stores what was typed; Esc
        in the memo goes back to the coding keys, the memo kept (it is saved on leaving
        the row). True: taken."""
        panel = self.panel
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if field is panel.memo:
                panel.save_pending()
            else:
                panel.coder_entered()
            panel.setFocus()
            return True
        if event.key() == Qt.Key.Key_Escape and field is panel.memo:
            panel.setFocus()
            return True
        return False

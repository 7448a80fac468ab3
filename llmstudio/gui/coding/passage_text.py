"""The coding panel's text: selectable with the mouse and the keyboard, each coded passage
highlighted in its code's colour.

A passage gets a translucent background in its code's colour (overlapping passages blend,
so an overlap reads darker), and every code on a stretch also gets its own bar under the
line, one lane per code (the codebook's order), so two codes on the same characters, or a
passage inside another, stay told apart. Positions here are str indices into the row's
exact text (``core.passages``); :class:`~llmstudio.core.passages.DocumentPositions`
converts from Qt's. Hovering a passage shows its codes, coders and memos.
"""

from __future__ import annotations

import html
from typing import NamedTuple

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QTextBlockFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QToolTip

from ...core.errors import ProjectError
from ...core.passages import DocumentPositions, Passage

FILL_ALPHA = 70  # of 255: two overlapping passages still show the text and each other
LANE = 3  # pixels per code's bar under a line (2 drawn, 1 apart)
LINE_HEIGHT = 165  # per cent: room under each line for the bars of a few codes


class Shown(NamedTuple):
    """A passage as highlighted: the passage and its code's colour (#RRGGBB)."""

    passage: Passage
    color: str


class PassageText(QTextBrowser):
    """The row's text (read-only) with its passages; ``sig_pressed`` after a mouse press
    (the panel takes the focus back, so the next key codes)."""

    sig_pressed = Signal()

    def __init__(self):
        super().__init__()
        self.setOpenLinks(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys are codes: the panel forwards
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        # the selection reads the same whether or not the text has the focus (it never has)
        palette = self.palette()
        for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
            active = palette.color(QPalette.ColorGroup.Active, role)
            palette.setColor(QPalette.ColorGroup.Inactive, role, active)
        self.setPalette(palette)
        self.positions: DocumentPositions | None = None  # None: no text to mark
        self.shown: list[Shown] = []
        self._drawn: list[tuple] = []  # per passage: positions, fill, bar colour, lane
        self.lanes: dict[str, int] = {}  # code -> its bar's lane under the line

    # -- content ------------------------------------------------------------------------

    def show_row(self, text: str | None, placeholder: str = "") -> None:
        """Show ``text`` (None: ``placeholder``, and nothing can be marked)."""
        self.shown, self._drawn = [], []
        self.setPlainText(text if text is not None else placeholder)
        cursor = QTextCursor(self.document())
        cursor.select(QTextCursor.SelectionType.Document)
        room = QTextBlockFormat()
        room.setLineHeight(LINE_HEIGHT, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        cursor.mergeBlockFormat(room)
        self.positions = None
        if text is not None:
            positions = DocumentPositions(text)
            # Offsets are only right when Qt holds exactly these characters.
            if positions.length == self.document().characterCount() - 1:
                self.positions = positions

    def show_passages(self, shown: list[Shown], codes: tuple[str, ...]) -> None:
        """Highlight ``shown``; ``codes``: the codebook's codes, whose order is the bars'."""
        self.shown = list(shown) if self.positions is not None else []
        used = {s.passage.code for s in self.shown}
        self.lanes = {c: i for i, c in enumerate(c for c in codes if c in used)}
        # document positions and colours, once: a repaint only looks them up
        self._drawn = []
        for s in self.shown:
            fill = QColor(s.color)
            fill.setAlpha(FILL_ALPHA)
            self._drawn.append(
                (
                    self.positions.position(s.passage.start),
                    self.positions.position(s.passage.end),
                    fill,
                    QColor(s.color),
                    self.lanes[s.passage.code],
                )
            )
        self.viewport().update()

    def _cursor(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.positions.position(start))
        cursor.setPosition(self.positions.position(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    # -- selection ----------------------------------------------------------------------

    def selection(self) -> tuple[int, int] | None:
        """The characters selected, as (start, end) str indices (None: none, or the text
        cannot be marked)."""
        cursor = self.textCursor()
        if self.positions is None or not cursor.hasSelection():
            return None
        try:
            start = self.positions.index(cursor.selectionStart())
            end = self.positions.index(cursor.selectionEnd())
        except ProjectError:
            return None
        return (start, end) if start < end else None

    def select(self, start: int, end: int) -> None:
        """Select characters ``start:end`` and scroll them into view."""
        if self.positions is not None:
            self.setTextCursor(self._cursor(start, end))
            self.ensureCursorVisible()

    def caret(self) -> int | None:
        """The str index of the caret (None: no text to mark)."""
        if self.positions is None:
            return None
        try:
            return self.positions.index(self.textCursor().position())
        except ProjectError:
            return None

    def move(self, operation: QTextCursor.MoveOperation, select: bool) -> None:
        """Move the caret (a user's Shift+arrow with ``select``: the selection grows)."""
        cursor = self.textCursor()
        mode = QTextCursor.MoveMode.KeepAnchor if select else QTextCursor.MoveMode.MoveAnchor
        cursor.movePosition(operation, mode)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def clear_selection(self) -> bool:
        """Drop the selection (the caret stays); whether there was one."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return False
        cursor.clearSelection()
        self.setTextCursor(cursor)
        return True

    def at(self, index: int | None) -> list[Passage]:
        """The passages shown that cover character ``index`` (or end right at it)."""
        if index is None:
            return []
        return [s.passage for s in self.shown if s.passage.start <= index <= s.passage.end]

    def index_at(self, point) -> int | None:
        """The str index of the character under viewport point ``point`` (None: none)."""
        if self.positions is None:
            return None
        position = self.cursorForPosition(point).position()
        try:
            return self.positions.index(position)
        except ProjectError:
            return None

    # -- hover, mouse, bars -------------------------------------------------------------

    def tooltip_at(self, point) -> str:
        """What hovering at ``point`` shows: each passage's code, coder and memo ("":
        no passage there)."""
        index = self.index_at(point)
        if index is None:
            return ""
        # the character right of the point, so a passage is not shown past its end
        here = [p for p in self.at(index) if p.start <= index < p.end]
        lines = []
        for p in here:
            words = self.positions.text[p.start : p.end]
            line = (
                f"<b>{html.escape(p.code)}</b> · {html.escape(p.coder)} · characters "
                f"{p.start + 1:,}–{p.end:,}: “{html.escape(short_words(words))}”"
            )
            if p.memo:
                line += f"<br><i>memo:</i> {html.escape(p.memo)}"
            lines.append(line)
        return "<br>".join(lines)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        self.sig_pressed.emit()

    def paintEvent(self, event) -> None:
        # backgrounds under the text (the viewport's own background is already drawn),
        # then the text, then a bar per code under each line: only the lines in view
        drawn = self._visible(event.rect()) if self.shown else []
        if drawn:
            painter = QPainter(self.viewport())
            for rect, fill, _bar, _lane in drawn:
                painter.fillRect(rect, fill)
            painter.end()
        super().paintEvent(event)
        if drawn:
            painter = QPainter(self.viewport())
            for rect, _fill, bar, lane in drawn:
                y = rect.bottom() + 1 + lane * LANE  # in the room under the line
                painter.fillRect(QRectF(rect.left(), y, rect.width(), LANE - 1), bar)
            painter.end()

    def _visible(self, area):
        """(rectangle in the viewport, fill, bar colour, lane) of each passage's part on
        each line within ``area``."""
        dx = self.horizontalScrollBar().value()
        dy = self.verticalScrollBar().value()
        first = self.cursorForPosition(area.topLeft()).position()
        last = self.cursorForPosition(area.bottomRight()).position()
        out = []
        for a, b, fill, bar, lane in self._drawn:
            if b < first or a > last:
                continue
            for rect in self._line_rects(a, b, area.top() + dy, area.bottom() + dy):
                out.append((rect.translated(-dx, -dy), fill, bar, lane))
        return out

    def _line_rects(self, a: int, b: int, top: float, bottom: float):
        """Per line of the document, the rectangle (document coordinates) of positions
        ``a`` to ``b``; lines outside ``top``..``bottom`` are skipped (a long text)."""
        doc = self.document()
        block = doc.findBlock(a)
        while block.isValid() and block.position() <= b:
            layout = block.layout()
            origin = layout.position()
            first = 0
            if block.position() <= a:  # start at a's line: a long paragraph has hundreds
                line = layout.lineForTextPosition(a - block.position())
                first = line.lineNumber() if line.isValid() else 0
            for i in range(first, layout.lineCount()):
                line = layout.lineAt(i)
                y = origin.y() + line.y()
                if y > bottom or block.position() + line.textStart() >= b:
                    return
                if y + line.height() < top:
                    continue
                start = block.position() + line.textStart()
                end = start + line.textLength()
                s, e = max(a, start), min(b, end)
                if s >= e:
                    continue
                x1 = _x(line.cursorToX(s - block.position()))
                x2 = _x(line.cursorToX(e - block.position()))
                yield QRectF(origin.x() + x1, y, x2 - x1, line.height())
            block = block.next()


def _x(value) -> float:
    # PySide6 returns (x, position) or x, depending on the overload it picks
    return float(value[0] if isinstance(value, tuple) else value)


def short_words(words: str, limit: int = 80) -> str:
    """A passage's words on one line, cut to ``limit`` characters."""
    words = " ".join(words.split())
    return words if len(words) <= limit else words[: limit - 1] + "…"

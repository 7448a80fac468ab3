"""The codebook's codes as buttons in the coding panel: a tree (children under their
parent, collapsible), each with its colour swatch and its key.

Keys number the *visible* codes from the top (1, 2, ...; "none of these" is 0): collapsing
a parent hides its children and the codes below it take their numbers, and every button
shows its number, so what a key does is always on screen. A flat codebook of more than
four codes is laid out in two columns, as before codes had parents.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QGridLayout, QPushButton, QToolButton, QWidget

from ...core import human_codes
from ...core.codebook import NONE_CODE, Codebook

BUTTON_STYLE = (
    "QPushButton { text-align: left; padding: 4px 10px; }"
    "QPushButton:checked { background: #1e88e5; color: white; "
    "border: 1px solid #1565c0; border-radius: 3px; }"
)
INDENT = 22  # pixels per level of the tree


def swatch(color: str, size: int = 12) -> QIcon:
    """A small square of ``color`` (#RRGGBB) for a code's button or list entry."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


def code_tip(book: Codebook, name: str, key: str) -> str:
    """A code's tooltip: its name, description, include and exclude, and its key."""
    code = book.code(name)
    if code is None:
        tip = ["<b>none</b>", "None of the codes applies"]
    else:
        tip = [f"<b>{html.escape(code.name)}</b>"]
        parents = book.ancestors(name)
        if parents:
            tip.append(html.escape("Under: " + " › ".join(reversed(parents))))
        for label, value in (
            ("", code.description),
            ("Include: ", code.include),
            ("Exclude: ", code.exclude),
        ):
            if value:
                tip.append(html.escape(label + value))
    return "<br>".join(tip) + (f"<br><i>key {key}</i>" if key else "")


class CodeButtons(QWidget):
    """One button per code of a codebook, as a tree; ``sig_code_clicked`` says which."""

    sig_code_clicked = Signal(str)
    sig_keys_changed = Signal()  # collapsing or expanding renumbered the keys

    def __init__(self):
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.book: Codebook | None = None
        self.buttons: list[QPushButton] = []  # the visible codes' buttons, in key order
        self.collapsed: set[str] = set()  # parents whose children are hidden
        self._widgets: list[QWidget] = []

    def show_book(self, book: Codebook | None) -> None:
        """The buttons of ``book`` (None: none); collapsed parents stay collapsed while
        the codebook keeps them."""
        if book is None or self.book is None or book.name != self.book.name:
            self.collapsed = set()
        self.book = book
        if book is not None:
            self.collapsed &= set(book.names)
        self._build()

    def visible(self) -> list[tuple[str, int]]:
        """The codes shown, top to bottom, with their depth in the tree."""
        book = self.book
        if book is None:
            return []
        out: list[tuple[str, int]] = []

        def walk(parent: str, depth: int) -> None:
            for name in book.children(parent):
                out.append((name, depth))
                if name not in self.collapsed:
                    walk(name, depth + 1)

        walk("", 0)
        return out

    def numbered(self) -> list[str]:
        """The codes with a key (1, 2, ...): the visible ones, top to bottom."""
        return [name for name, _ in self.visible()]

    def _build(self) -> None:
        for w in self._widgets:
            w.hide()  # gone from the screen now, not when the event loop deletes it
            self.grid.removeWidget(w)
            w.deleteLater()
        self._widgets, self.buttons = [], []
        book = self.book
        if book is None:
            return
        shown = self.visible()
        flat = all(depth == 0 for _, depth in shown) and not any(book.children(n) for n, _ in shown)
        entries = [(str(k + 1), name, depth) for k, (name, depth) in enumerate(shown)]
        if NONE_CODE in human_codes.allowed_codes(book):
            entries.append(("0", NONE_CODE, 0))
        cols = 2 if flat and len(entries) > 4 else 1
        for at, (key, name, depth) in enumerate(entries):
            button = self._button(key, name)
            if cols == 2:
                self.grid.addWidget(button, at // cols, at % cols)
                continue
            row = QWidget()
            line = QGridLayout(row)
            line.setContentsMargins(depth * INDENT, 0, 0, 0)
            line.setSpacing(2)
            if name != NONE_CODE and book.children(name):
                line.addWidget(self._expander(name), 0, 0)
            elif not flat:  # the expanders' column, so siblings line up
                line.setColumnMinimumWidth(0, 20)
            line.addWidget(button, 0, 1)
            line.setColumnStretch(1, 1)
            self.grid.addWidget(row, at, 0)
            self._widgets.append(row)

    def _button(self, key: str, name: str) -> QPushButton:
        book = self.book
        text = "0  none of these" if name == NONE_CODE else f"{key}  {name}"
        button = QPushButton(text)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumHeight(30)
        button.setStyleSheet(BUTTON_STYLE)
        if name != NONE_CODE:
            button.setIcon(swatch(book.color_of(name)))
        button.setToolTip(code_tip(book, name, key))
        button.setProperty("code", name)
        button.setProperty("key", key)
        button.clicked.connect(lambda _=False, n=name: self.sig_code_clicked.emit(n))
        self.buttons.append(button)
        self._widgets.append(button)
        return button

    def _expander(self, name: str) -> QToolButton:
        closed = name in self.collapsed
        arrow = QToolButton()
        arrow.setArrowType(Qt.ArrowType.RightArrow if closed else Qt.ArrowType.DownArrow)
        arrow.setAutoRaise(True)
        arrow.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        under = len(self.book.descendants(name)) - 1
        arrow.setToolTip(
            f"Show the {under} code(s) under {name!r}"
            if closed
            else f"Hide the {under} code(s) under {name!r} (the keys below move up)"
        )
        arrow.setProperty("code", name)
        arrow.clicked.connect(lambda _=False, n=name: self.toggle(n))
        self._widgets.append(arrow)
        return arrow

    def toggle(self, name: str) -> None:
        """Collapse ``name``'s children (or show them again); the keys are renumbered."""
        self.collapsed ^= {name}
        checked = {b.property("code") for b in self.buttons if b.isChecked()}
        self._build()
        for b in self.buttons:
            b.setChecked(b.property("code") in checked)
        self.sig_keys_changed.emit()

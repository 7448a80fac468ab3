"""The codebook editor's codes as a tree: parents collapsible, children indented, each
code with its colour swatch and its description as a tooltip; a code dropped on another
asks to go under it, dropped between two codes to go beside them.

The tree shows the editor's draft (a list of code dicts, each code followed by those under
it) and never rearranges itself: a drop only says what was asked (``sig_drop``), the
editor changes the draft (or the project) and fills the tree again.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from ...core.codebook_draft import color_in_draft

INDEX = Qt.ItemDataRole.UserRole  # the code's place in the draft's list

ON, ABOVE, BELOW = "on", "above", "below"


def swatch(color: str, size: int = 12) -> QIcon:
    """A square of ``color`` with a thin dark edge (so that yellow shows on white)."""
    pix = QPixmap(size, size)
    pix.fill(QColor("#555555"))
    inner = QPixmap(size - 2, size - 2)
    inner.fill(QColor(color))
    painter = QPainter(pix)
    painter.drawPixmap(1, 1, inner)
    painter.end()
    return QIcon(pix)


def code_title(code: dict) -> str:
    return code["name"].strip() or "(no name)"


def code_tooltip(code: dict) -> str:
    """The description (and the rules) of a code, for hovering over it: rich text, so
    that a long one wraps and a "<" in it is shown, not read as markup."""
    parts = [code["description"].strip() or "No description yet."]
    if code["include"].strip():
        parts.append(f"Include: {code['include'].strip()}")
    if code["exclude"].strip():
        parts.append(f"Exclude: {code['exclude'].strip()}")
    return "<p>" + "<br>".join(html.escape(p) for p in parts) + "</p>"


class CodeTree(QTreeWidget):
    """The draft's codes as a tree; drag a code onto another to put it under it."""

    # (the dragged code's index, the code's index it was dropped on/beside, ON/ABOVE/BELOW;
    # -1 and ON: on the empty space, i.e. to the top level)
    sig_drop = Signal(int, int, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setToolTip("")
        self._collapsed: set[str] = set()  # parents the user closed, kept across refills

    # -- filling ------------------------------------------------------------------------

    def fill(self, draft: dict | None) -> None:
        """Show ``draft``'s codes (None: none), keeping closed parents closed."""
        for item in self._items():
            if item.childCount() and not item.isExpanded():
                self._collapsed.add(item.text(0))
            elif item.childCount():
                self._collapsed.discard(item.text(0))
        self.clear()
        if draft is None:
            return
        by_name: dict[str, QTreeWidgetItem] = {}
        for i, code in enumerate(draft["codes"]):
            parent = by_name.get(code.get("parent") or "")
            item = QTreeWidgetItem(parent if parent is not None else self)
            item.setData(0, INDEX, i)
            self.show_code(item, draft, code)
            if code["name"] and code["name"] not in by_name:
                by_name[code["name"]] = item
        for item in self._items():
            item.setExpanded(item.text(0) not in self._collapsed)

    def show_code(self, item: QTreeWidgetItem, draft: dict, code: dict) -> None:
        """Name, swatch and tooltip of ``code`` on ``item``."""
        item.setText(0, code_title(code))
        item.setIcon(0, swatch(color_in_draft(draft, code)))
        item.setToolTip(0, code_tooltip(code))

    def _items(self) -> list[QTreeWidgetItem]:
        out, todo = [], [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while todo:
            item = todo.pop(0)
            out.append(item)
            todo[:0] = [item.child(i) for i in range(item.childCount())]
        return out

    # -- the current code ---------------------------------------------------------------

    def item_at_index(self, index: int) -> QTreeWidgetItem | None:
        return next((it for it in self._items() if it.data(0, INDEX) == index), None)

    def current_index(self) -> int:
        """The current code's place in the draft (-1: none)."""
        item = self.currentItem()
        return item.data(0, INDEX) if item is not None else -1

    def set_current_index(self, index: int) -> None:
        item = self.item_at_index(index)
        if item is not None:
            self.setCurrentItem(item)

    def titles(self) -> list[str]:
        """Every code's title, indented two spaces a level (what the tree shows)."""
        out = []
        for item in self._items():
            depth, up = 0, item.parent()
            while up is not None:
                depth, up = depth + 1, up.parent()
            out.append("  " * depth + item.text(0))
        return out

    # -- dropping -----------------------------------------------------------------------

    def drop_target(self, pos: QPoint) -> tuple[int, str]:
        """Where a drop at ``pos`` (viewport coordinates) goes: the code's index and
        whether on it (its middle half) or above/below it (its top or bottom quarter)."""
        item = self.itemAt(pos)
        if item is None:
            return -1, ON
        rect = self.visualItemRect(item)
        quarter = max(1, rect.height() // 4)
        if pos.y() < rect.top() + quarter:
            return item.data(0, INDEX), ABOVE
        if pos.y() >= rect.bottom() - quarter:
            return item.data(0, INDEX), BELOW
        return item.data(0, INDEX), ON

    def dropEvent(self, event) -> None:
        # The tree is the draft's picture: the editor decides and fills it again, so
        # Qt's own move of the items is never done.
        source = self.current_index()
        target, where = self.drop_target(event.position().toPoint())
        event.setDropAction(Qt.DropAction.IgnoreAction)  # nor may Qt remove the source
        event.accept()
        self.stopAutoScroll()
        self.setState(QAbstractItemView.State.NoState)
        self.viewport().update()
        if source >= 0 and target != source:
            # after the drag has ended: the editor fills the tree again, deleting the
            # items the drag still refers to
            QTimer.singleShot(0, lambda: self.sig_drop.emit(source, target, where))

"""The "Coded passages" results table: one line per retrieved item (``core.retrieval.Item``)
with readable headers, the code's colour, and the passage in bold inside its context
(painted as rich text by :class:`ContextDelegate`; the context is worked out for the lines
painted, not for tens of thousands at once)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ...core.retrieval import WHOLE_TEXT, Item

HEADERS = ("Row", "Coder", "Code", "Passage in its context", "Memo")
ROW, CODER, CODE, PASSAGE, MEMO = range(5)
HTML_ROLE = Qt.ItemDataRole.UserRole + 1
WHOLE_SHOWN = 300  # characters of a whole text shown in its line (all of it in the tooltip)


class ItemsModel(QAbstractTableModel):
    """The items of the last query; ``colors``: each code's colour."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[Item] = []
        self.colors: dict[str, str] = {}

    def set_items(self, items: list[Item], colors: dict[str, str]) -> None:
        self.beginResetModel()
        self.items, self.colors = list(items), dict(colors)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def item(self, row: int) -> Item:
        return self.items[row]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item, column = self.items[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == ROW:
                return f"{item.row_id + 1:,}"
            if column == CODER:
                return item.coder
            if column == CODE:
                return item.code
            if column == PASSAGE:
                before, after = item.context
                return before + item.text[:WHOLE_SHOWN] + after
            return item.memo
        if role == HTML_ROLE and column == PASSAGE:
            return _html(item)
        if role == Qt.ItemDataRole.DecorationRole and column == CODE:
            return QColor(self.colors.get(item.code, "#999999"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == PASSAGE:
                where = (
                    "the whole text (a row code)"
                    if item.kind == WHOLE_TEXT
                    else f"characters {item.start:,} to {item.end:,}"
                )
                return f"Row {item.row_id + 1:,}, {where}:\n{item.text}"
            if column == MEMO and item.memo:
                return item.memo
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignRight if column == ROW else Qt.AlignmentFlag.AlignLeft
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        return None


def _html(item: Item) -> str:
    if item.kind == WHOLE_TEXT:
        text = item.text
        shown = escape(text[:WHOLE_SHOWN]) + ("…" if len(text) > WHOLE_SHOWN else "")
        return f'<span style="color:#666">[whole text]</span> {shown}'
    before, after = item.context
    return (
        f'<span style="color:#555">{escape(before)}</span><b>{escape(item.text)}</b>'
        f'<span style="color:#555">{escape(after)}</span>'
    )


class ContextDelegate(QStyledItemDelegate):
    """Paints the passage column's rich text (the passage in bold), wrapped in its cell."""

    def paint(self, painter, option, index) -> None:
        html = index.data(HTML_ROLE)
        if html is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = QTextDocument()
        doc.setDefaultFont(opt.font)
        doc.setHtml(html)
        doc.setTextWidth(max(10, opt.rect.width() - 6))
        context = QAbstractTextDocumentLayout.PaintContext()
        if opt.state & QStyle.StateFlag.State_Selected:
            context.palette.setColor(
                QPalette.ColorRole.Text, opt.palette.color(QPalette.ColorRole.HighlightedText)
            )
        painter.save()
        # Centred like the other columns' text when it fits, from the top when it does not.
        top = max(1.0, (opt.rect.height() - doc.size().height()) / 2)
        painter.translate(opt.rect.left() + 3, opt.rect.top() + top)
        clip = QRectF(0, 0, opt.rect.width() - 6, opt.rect.height() - top - 1)
        painter.setClipRect(clip)
        context.clip = clip
        doc.documentLayout().draw(painter, context)
        painter.restore()

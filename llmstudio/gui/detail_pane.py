"""The right-hand pane: the selected row's full text, wrapped, with its metadata."""

from __future__ import annotations

import html
import re

import pandas as pd
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from .corpus_model import cell_excerpt


MAX_MARKS = 500  # marking every hit of a one-letter search in a huge text helps nobody


def marked_html(text: str, pattern: re.Pattern | None) -> str:
    """``text`` as HTML with the matches of ``pattern`` highlighted."""
    if pattern is None:
        return html.escape(text)
    parts, last = [], 0
    for k, m in enumerate(pattern.finditer(text)):
        if k >= MAX_MARKS:
            break
        if m.end() == m.start():
            continue
        parts.append(html.escape(text[last:m.start()]))
        parts.append(f"<span style='background-color:#ffd54f'>{html.escape(m.group())}</span>")
        last = m.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


class DetailPane(QWidget):
    """Shows one row: the text column large and readable, the other columns above it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel("No row selected")
        self.title.setObjectName("detailTitle")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setObjectName("detailText")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        self.clear()

    def clear(self, message: str = "Select a row to read its full text here.") -> None:
        self.title.setText("No row selected")
        self.browser.setHtml(f"<p style='color:#777'>{html.escape(message)}</p>")

    def show_row(self, frame: pd.DataFrame, row_id: int, text_column: str, *,
                 position: tuple[int, int] | None = None,
                 highlight: re.Pattern | None = None) -> None:
        """Show row ``row_id``; ``position`` = (k, n) when it is match k of a search's n,
        ``highlight`` marks the search's matches in the text."""
        row = frame.iloc[row_id]
        title = f"Row {row_id + 1:,} of {len(frame):,}"
        if position is not None:
            title += f"  ·  match {position[0]:,} of {position[1]:,}"
        self.title.setText(title)
        meta = []
        for name in frame.columns:
            if name == text_column:
                continue
            value = cell_excerpt(row[name], 200)
            meta.append(f"<tr><td style='color:#666;padding-right:10px'>{html.escape(str(name))}"
                        f"</td><td>{html.escape(value)}</td></tr>")
        text = row[text_column]
        if text is None or (not isinstance(text, str) and pd.isna(text)):
            body = "<p style='color:#999'><i>(empty)</i></p>"
        else:
            body = (f"<div style='font-size:13pt; white-space:pre-wrap; line-height:140%'>"
                    f"{marked_html(str(text), highlight)}</div>")
        self.browser.setHtml(
            f"<table style='font-size:9pt; margin-bottom:8px'>{''.join(meta)}</table>"
            f"<div style='color:#666; font-size:9pt'>{html.escape(str(text_column))}</div>{body}")

    def plain_text(self) -> str:
        return self.browser.toPlainText()

"""The right-hand pane: the selected row's full text, wrapped, with its metadata, and
below it what the models shown in the table said about that row."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from ...core.cells import is_missing
from ...core.empty_texts import EMPTY_TEXT
from ...core.nested import structures_as_text
from ..explain.why_label import open_explain, why_button
from .corpus_model import cell_excerpt, result_text

MAX_MARKS = 500  # marking every hit of a one-letter search in a huge text helps nobody
MAX_ERROR_CHARS = 240  # a server's error can quote a whole request; the tooltip has it all
MAX_LONG_CHARS = 1200  # a long output must not push the text out of the pane
LONG_VALUES = ("explanation", "output")  # free text: shown as a paragraph, not in the line


@dataclass(frozen=True)
class RowResult:
    """One run's result for the row shown: ``sentiment (lexicon, run 2)``, its values as
    (name, value) pairs, label first, or the row's error; neither while the run has not
    reached the row."""

    heading: str
    values: tuple[tuple[str, object], ...] = ()
    error: str | None = None
    running: bool = False
    code_names: tuple[tuple[str, str], ...] = ()  # multi-label codes: (slug, name)

    @property
    def empty(self) -> bool:
        """The row has no text: the run left it without a label, on purpose."""
        return self.error == EMPTY_TEXT

    def plain(self) -> str:
        if self.empty:
            return f"{self.heading}: no label ({EMPTY_TEXT})"
        if self.error:
            return f"{self.heading}: failed: {cell_excerpt(self.error, MAX_ERROR_CHARS)}"
        short, long = self._shown()
        if not short and not long:
            return f"{self.heading}: {'not yet' if self.running else 'no result'}"
        return "\n".join(
            [f"{self.heading}: {' · '.join(short)}".rstrip(": ")]
            + [f"  {name}: {text}" for name, text in long]
        )

    def _shown(self) -> tuple[list[str], list[tuple[str, str]]]:
        """The values there are: short ones in a line (the first, the label, alone; the
        others named), and long texts (an explanation, a prompt's output) in full."""
        short_pairs, long = [], []
        for name, value in self.values:
            if isinstance(value, str) and (name in LONG_VALUES or len(value) > 80):
                if value.strip():
                    text = value.strip()
                    if len(text) > MAX_LONG_CHARS:  # the table cell's tooltip has more
                        text = text[:MAX_LONG_CHARS] + "…"
                    long.append((name, text))
            elif not _whole_text_read(name, value):
                short_pairs.append((name, value))
        short = [
            text
            if k == 0 and name != "codes"
            else f"{name} {text}"
            if name != "codes"
            else f"codes: {text}"
            for k, (name, text) in enumerate(readable_values(short_pairs, dict(self.code_names)))
            if text
        ]
        return short, long

    def html(self) -> str:
        head = f"<span style='color:#555'>{html.escape(self.heading)}:</span> "
        if self.empty:
            return head + f"<span style='color:#999'><i>no label ({EMPTY_TEXT})</i></span>"
        if self.error:
            return (
                head + "<span style='color:#c62828'>failed: "
                f"{html.escape(cell_excerpt(self.error, MAX_ERROR_CHARS))}</span>"
            )
        short, long = self._shown()
        if not short and not long:
            note = "not yet (the run has not reached this row)" if self.running else "no result"
            return head + f"<span style='color:#999'><i>{note}</i></span>"
        out = head
        if short:
            first, rest = short[0], short[1:]
            out += f"<b>{html.escape(first)}</b>" + "".join(
                f" <span style='color:#777'>·</span> {html.escape(v)}" for v in rest
            )
        for name, text in long:
            out += (
                f"<div style='margin:2px 0 0 10px'><span style='color:#777'>"
                f"{html.escape(name)}:</span> <span style='white-space:pre-wrap'>"
                f"{html.escape(text)}</span></div>"
            )
        return out


def _whole_text_read(name: str, value) -> bool:
    """True for the long-text marks of a text the model read whole (chunks 1, truncated
    0): said for every row, they would bury the rows where it matters."""
    name = re.sub(r"_run\d+$", "", name)  # a suffixed run's marks alike (chunks_run3)
    try:
        return (name.endswith("chunks") and int(value) == 1) or (
            name.endswith("truncated") and int(value) == 0
        )
    except (TypeError, ValueError):
        return False


def readable_values(pairs, code_names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(column, value) pairs of one row's results as a reader wants them: a multi-label
    code's 0/1 and score columns (``housing``, ``housing_score``) become one ``codes``
    entry listing the codes that apply with their confidence; other values as the table
    shows them. ``code_names`` maps 0/1 columns to the codes' own names."""
    pairs = list(pairs)
    order = [name for name, _ in pairs]
    flags = [name for name in order if f"{name}_score" in order and name != "sentiment"]
    if not flags:
        return [(name, "" if is_missing(value) else result_text(value)) for name, value in pairs]
    values = dict(pairs)
    code_names = code_names or {}
    out, listed = [], False
    for name, value in pairs:
        base = name[: -len("_score")] if name.endswith("_score") else name
        if base in flags:
            if not listed:
                listed = True
                applied = [
                    f"{code_names.get(flag, flag)} ({result_text(values[flag + '_score'])})"
                    for flag in flags
                    if _applies(values.get(flag))
                ]
                known = any(not is_missing(values.get(flag)) for flag in flags)
                out.append(
                    ("codes", ", ".join(applied) if applied else ("none apply" if known else ""))
                )
            continue
        out.append((name, "" if is_missing(value) else result_text(value)))
    return out


def _applies(value) -> bool:
    try:
        return not is_missing(value) and int(value) == 1
    except (TypeError, ValueError):
        return False


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
        parts.append(html.escape(text[last : m.start()]))
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
        # Apart from the text, not inside it: results arriving while a job runs must not
        # reset the reader's scroll position or selection in a long text, and they stay
        # in view however long the text is.
        self.results = QLabel()
        self.results.setObjectName("detailResults")
        self.results.setWordWrap(True)
        self.results.setTextFormat(Qt.TextFormat.RichText)
        self.results.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.results.setStyleSheet(
            "QLabel#detailResults { background: #f3f6fa; border: 1px "
            "solid #d5dce6; border-radius: 3px; padding: 4px 6px; }"
        )
        self._results: list[RowResult] = []
        self._hidden_note: str | None = None  # blind coding: results are not shown
        self.row_id: int | None = None  # the row shown
        # Shown with the model results only: blind coding hides it with them.
        self.why_button = why_button()
        self.why_button.clicked.connect(lambda: open_explain(self.window(), self.row_id))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.results)
        layout.addWidget(self.why_button, 0, Qt.AlignmentFlag.AlignRight)
        self.clear()

    def clear(self, message: str = "Select a row to read its full text here.") -> None:
        self.row_id = None
        self.title.setText("No row selected")
        self.browser.setHtml(f"<p style='color:#777'>{html.escape(message)}</p>")
        self.show_results([])

    def set_results_hidden(self, note: str | None) -> None:
        """Blind coding: show ``note`` instead of any model result (None: show them)."""
        if note == self._hidden_note:
            return
        self._hidden_note = note
        results, self._results = self._results, []
        self.show_results(results)

    def show_results(self, results: list[RowResult]) -> None:
        """The row's model results (one line per run) below the text; hidden when none."""
        results = list(results)
        if results == self._results and self.results.isHidden() != bool(results):
            return  # a batch for other rows: nothing to redraw
        self._results = results
        self.why_button.setVisible(bool(results) and self._hidden_note is None)
        if self._hidden_note is not None:
            self.results.setVisible(bool(results))
            self.results.setText(
                f"<span style='color:#777'><i>{html.escape(self._hidden_note)}</i></span>"
            )
            self.results.setToolTip("")
            return
        self.results.setVisible(bool(results))
        if results:
            lines = "".join(f"<div style='margin-top:2px'>{r.html()}</div>" for r in results)
            self.results.setText(
                "<div style='color:#666; font-size:9pt'>Model results</div>" + lines
            )
            tips = [r.error for r in results if r.error and len(r.error) > MAX_ERROR_CHARS]
            self.results.setToolTip("\n\n".join(tips))
        else:
            self.results.clear()
            self.results.setToolTip("")

    def results_text(self) -> str:
        """The results shown, one line per run ("" when none; the note when hidden)."""
        if self._hidden_note is not None:
            return self._hidden_note if self._results else ""
        return "\n".join(r.plain() for r in self._results)

    def show_row(
        self,
        frame: pd.DataFrame,
        row_id: int,
        text_column: str,
        *,
        position: tuple[int, int] | None = None,
        highlight: re.Pattern | None = None,
    ) -> None:
        """Show row ``row_id``; ``position`` = (k, n) when it is match k of a search's n,
        ``highlight`` marks the search's matches in the text."""
        # Lists, maps and structs as the table and the exports show them (JSON text).
        row = structures_as_text(frame.iloc[[row_id]]).iloc[0]
        self.row_id = row_id
        title = f"Row {row_id + 1:,} of {len(frame):,}"
        if position is not None:
            title += f"  ·  match {position[0]:,} of {position[1]:,}"
        self.title.setText(title)
        meta = []
        for name in frame.columns:
            if name == text_column:
                continue
            value = cell_excerpt(row[name], 200)
            meta.append(
                f"<tr><td style='color:#666;padding-right:10px'>{html.escape(str(name))}"
                f"</td><td>{html.escape(value)}</td></tr>"
            )
        text = row[text_column]
        if is_missing(text):
            body = "<p style='color:#999'><i>(empty)</i></p>"
        else:
            body = (
                f"<div style='font-size:13pt; white-space:pre-wrap; line-height:140%'>"
                f"{marked_html(str(text), highlight)}</div>"
            )
        self.browser.setHtml(
            f"<table style='font-size:9pt; margin-bottom:8px'>{''.join(meta)}</table>"
            f"<div style='color:#666; font-size:9pt'>{html.escape(str(text_column))}</div>{body}"
        )

    def plain_text(self) -> str:
        return self.browser.toPlainText()

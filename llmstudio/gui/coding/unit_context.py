"""A unit inside its document in the coding panel: the units before and after it from the
same document, greyed, above and below the unit's own text (which stays the one text that
is coded and marked).

Only for a units corpus (``core.unit_corpus``: ``document``, ``unit``, ``unit_start``,
``unit_end``), whose rows hold a document's units in order: the neighbours are the rows
beside it with the same document and the next unit numbers. :func:`unit_place` says
where the unit is for the metadata line above the text, in words rather than in the
raw column names."""

from __future__ import annotations

import html

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ...core.cells import as_text
from ...core.unit_corpus import UNIT_COLUMNS, is_units_frame, stored_units_info

AROUND = 2  # units shown on each side
MOST_CHARS = 400  # of each side: a long paragraph is cut (away from the unit)
STYLE = "color: #8a8a8a; padding: 2px 8px;"


def _neighbours(frame: pd.DataFrame, row: int, text_column: str, step: int) -> list[str]:
    """The texts of up to :data:`AROUND` units of the same document next to ``row``
    (``step`` -1: before it, in reading order; +1: after it)."""
    documents, units = frame["document"], frame["unit"]
    document, unit = documents.iat[row], units.iat[row]
    texts, at = [], row + step
    while len(texts) < AROUND and 0 <= at < len(frame):
        if documents.iat[at] != document or units.iat[at] != unit + step * (len(texts) + 1):
            break  # another document, or rows not in the order they were split in
        texts.append(as_text(frame[text_column].iat[at]))
        at += step
    return texts[::-1] if step < 0 else texts


def context_texts(frame: pd.DataFrame, row: int, text_column: str) -> tuple[str, str] | None:
    """What comes before and after unit ``row`` in its document (cut to
    :data:`MOST_CHARS` each, away from the unit); None when ``frame`` is not a units
    corpus."""
    if not is_units_frame(frame) or not 0 <= row < len(frame):
        return None
    before = " ".join(_neighbours(frame, row, text_column, -1))
    after = " ".join(_neighbours(frame, row, text_column, +1))
    if len(before) > MOST_CHARS:
        before = "… " + before[-MOST_CHARS:]
    if len(after) > MOST_CHARS:
        after = after[:MOST_CHARS] + " …"
    return before, after


# The first word of a units project's spec (``spec_text``) -> what one unit is called.
_UNIT_WORDS = {"sentence": "sentence", "paragraph": "paragraph", "words": "window"}
PLACE_COLUMNS = UNIT_COLUMNS[:4]  # said by :func:`unit_place`, left out of the metadata line


def unit_word(project) -> str:
    """What one unit of ``project`` is called (``sentence``, ``paragraph``, ``window``),
    from how it was split; ``unit`` when that is not recorded (a units corpus made by
    hand or imported as a table)."""
    info = stored_units_info(project) if project is not None else None
    return _UNIT_WORDS.get(info.unit.split(":")[0], "unit") if info else "unit"


def unit_place(frame: pd.DataFrame, row: int, word: str = "unit") -> str | None:
    """Where unit ``row`` is, in words: ``sentence 2 of document interview_01.docx,
    characters 26–98`` (counted from 1, both ends included, in the document's text: the
    stored ``unit_start`` 25, ``unit_end`` 98). None when ``frame`` is not a units
    corpus; a part that is empty in the row is left out rather than shown as "nan"."""
    if not is_units_frame(frame) or not 0 <= row < len(frame):
        return None
    document, unit, start, end = (as_text(frame[c].iat[row]) for c in PLACE_COLUMNS)
    place = f"{word} {unit}" if unit else word
    if document:
        place += f" of document {document}"
    try:
        place += f", characters {int(float(start)) + 1:,}–{int(float(end)):,}"
    except ValueError:  # offsets missing or not numbers: where in the text is not known
        pass
    return place


class UnitContext:
    """The two greyed labels around the unit's text: :attr:`before` and :attr:`after`."""

    def __init__(self):
        self.before, self.after = QLabel(), QLabel()
        for label in (self.before, self.after):
            label.setWordWrap(True)
            label.setStyleSheet(STYLE)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.hide()

    def show(self, frame: pd.DataFrame, row: int, text_column: str) -> None:
        """The context of ``row``; hidden when the corpus is not a units corpus."""
        texts = context_texts(frame, row, text_column)
        if texts is None:
            self.before.hide()
            self.after.hide()
            return
        edge = "<i>(the {} of the document)</i>"
        before, after = texts
        self.before.setText(html.escape(before) if before else edge.format("start"))
        self.after.setText(html.escape(after) if after else edge.format("end"))
        self.before.show()
        self.after.show()

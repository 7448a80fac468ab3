"""Coded passages: a stretch of a row's text given a code by a coder, stored at once.

A passage is ``start`` to ``end`` (end excluded) in the row's text as Python ``str``
indices: code points, so an emoji or a CJK character is one position (Qt counts UTF-16
units: convert with :func:`from_utf16` / :func:`to_utf16`). The text is the row's cell in
the project's text column as stored when the corpus was imported (the corpus never
changes, so offsets stay valid); the column is stored with the passage, because the
project's text column can be changed later.

Like row codes (``human_codes.py``) every change is its own committed transaction, made
before the call returns, and nothing is ever deleted: removing a passage marks it removed
(undo puts it back), changing its code or memo removes it and adds its successor (which
names it in ``replaces``). Passages may overlap, and one stretch may carry several codes.
Qt-free: the coding panel, retrieval, agreement and exports read through these functions.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

import pandas as pd

from .codebook import Codebook
from .errors import ProjectError
from .human_codes import check_coder
from .project import Project
from .store import passages as stored
from .store import transaction

__all__ = [
    "DocumentPositions",
    "Passage",
    "ProjectPassages",
    "add",
    "change",
    "check_span",
    "coders",
    "counts_by_row",
    "find",
    "from_utf16",
    "get",
    "of_code",
    "of_coder",
    "of_row",
    "remove",
    "restore",
    "row_text",
    "switch",
    "text_of",
    "to_utf16",
]


class Passage(NamedTuple):
    """Characters ``start:end`` of row ``row_id``'s text in ``text_column``, given ``code``
    of ``codebook`` by ``coder`` (``created``: UTC, milliseconds). ``removed``: when it was
    taken out (None: in force); ``replaces``: the passage it succeeded (code or memo
    changed), or None. A named tuple: retrieval makes tens of thousands at once."""

    id: int
    codebook: str
    coder: str
    row_id: int
    text_column: str
    start: int
    end: int
    code: str
    memo: str
    created: str
    blind: bool | None = None
    removed: str | None = None
    replaces: int | None = None

    @property
    def in_force(self) -> bool:
        return self.removed is None


def _passage(values) -> Passage:
    blind = values[10]
    return Passage(*values[:10], None if blind is None else bool(blind), *values[11:])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# -- offsets ------------------------------------------------------------------------------


def row_text(project: Project, row_id: int, column: str | None = None) -> str:
    """The exact text of row ``row_id`` (0-based) in ``column`` (None: the project's text
    column): what passage offsets count in. ProjectError when there is no such row or
    column, or the cell holds no text."""
    rows = int(project.meta("rows", "0") or 0)
    if isinstance(row_id, bool) or not isinstance(row_id, int) or not 0 <= row_id < rows:
        raise ProjectError(f"row {row_id!r} is not in the corpus (rows 0 to {rows - 1:,}, 0-based)")
    column = column or project.text_column
    frame = project.corpus().frame
    if column not in frame.columns:
        raise ProjectError(f"the corpus has no column {column!r} to code passages in")
    value = frame[column].iloc[row_id]
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        raise ProjectError(f"row {row_id + 1} has no text in column {column!r}: nothing to mark")
    if not isinstance(value, str):
        raise ProjectError(
            f"row {row_id + 1}: column {column!r} holds {type(value).__name__}, not text"
        )
    if not value:
        raise ProjectError(f"row {row_id + 1} has no text in column {column!r}: nothing to mark")
    return value


def _high(ch: str) -> bool:
    return "\ud800" <= ch <= "\udbff"


def _low(ch: str) -> bool:
    return "\udc00" <= ch <= "\udfff"


def check_span(text: str, start, end, where: str = "passage") -> tuple[int, int]:
    """``(start, end)`` as ints when they mark a non-empty stretch of ``text`` (str
    indices, end excluded) that splits no surrogate pair; ProjectError saying what is
    wrong otherwise. (A project's texts are stored as UTF-8 and hold no surrogates; a
    text from elsewhere, e.g. decoded with ``surrogatepass``, may.)"""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProjectError(f"{where}: {name} must be a whole number, got {value!r}")
    if start < 0 or end > len(text):
        raise ProjectError(
            f"{where}: characters {start} to {end} are outside the text "
            f"(it has {len(text)} characters, 0 to {len(text)})"
        )
    if start >= end:
        raise ProjectError(
            f"{where}: start ({start}) must come before end ({end}): a passage is at "
            "least one character"
        )
    for name, at in (("start", start), ("end", end)):
        if 0 < at < len(text) and _high(text[at - 1]) and _low(text[at]):
            raise ProjectError(
                f"{where}: {name} ({at}) falls between the two halves of a surrogate pair "
                "(one character): move it by one"
            )
    return start, end


def from_utf16(text: str, position: int) -> int:
    """The str index of UTF-16 position ``position`` in ``text`` (Qt's cursor positions
    count UTF-16 units: a character beyond U+FFFF is two). ProjectError when it is past
    the end or inside such a character."""
    units = 0
    for index, ch in enumerate(text):
        if units == position:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > position:
            raise ProjectError(
                f"UTF-16 position {position} falls inside character {index} "
                f"({ch!r}, two UTF-16 units): a surrogate pair cannot be split"
            )
    if units == position:
        return len(text)
    raise ProjectError(f"UTF-16 position {position} is past the end of the text ({units} units)")


def to_utf16(text: str, index: int) -> int:
    """The UTF-16 position (Qt's) of str index ``index`` in ``text``."""
    if not 0 <= index <= len(text):
        raise ProjectError(f"index {index} is outside the text (0 to {len(text)})")
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


class DocumentPositions:
    """Between a row's text and the positions of a Qt text document showing it
    (``QTextDocument.setPlainText``): Qt counts UTF-16 units and turns each ``"\\r\\n"``
    into one paragraph break, so a position there is not a str index here. Lookups are
    binary searches: a long text with many passages is highlighted at once."""

    def __init__(self, text: str):
        self.text = text
        self.shown = text.replace("\r\n", "\n")  # what the document holds, as str
        # str indices of each "\r" dropped, in ``text`` and in ``shown``
        self._cr = [m.start() for m in re.finditer("\r\n", text)]
        self._cr_shown = [at - k for k, at in enumerate(self._cr)]
        # document positions where a character beyond U+FFFF (two UTF-16 units) starts
        astral = [i for i, ch in enumerate(self.shown) if ord(ch) > 0xFFFF]
        self._astral_at = astral
        self._astral = [at + k for k, at in enumerate(astral)]
        self.length = len(self.shown) + len(astral)  # the document's positions

    def index(self, position: int) -> int:
        """The str index in ``text`` of document position ``position``; ProjectError when
        it is inside a character beyond U+FFFF or outside the text."""
        if not 0 <= position <= self.length:
            raise ProjectError(f"position {position} is outside the text (0 to {self.length})")
        inside = bisect_left(self._astral, position - 1)
        if inside < len(self._astral) and self._astral[inside] == position - 1:
            raise ProjectError(
                f"UTF-16 position {position} falls inside a character beyond U+FFFF "
                "(two UTF-16 units): a surrogate pair cannot be split"
            )
        at = position - bisect_left(self._astral, position - 1)
        return at + bisect_left(self._cr_shown, at)

    def position(self, index: int) -> int:
        """The document position of str index ``index`` in ``text`` (between a "\\r" and
        its "\\n": the line's end)."""
        if not 0 <= index <= len(self.text):
            raise ProjectError(f"index {index} is outside the text (0 to {len(self.text)})")
        at = index - bisect_left(self._cr, index)
        return at + bisect_left(self._astral_at, at)


# -- changing -----------------------------------------------------------------------------


def _check_code(book: Codebook, code: str) -> str:
    if book.code(code) is None:
        raise ProjectError(
            f"codebook {book.name!r} has no code {code!r} (its codes: {', '.join(book.names)})"
        )
    return code


def _check_memo(memo) -> str:
    if not isinstance(memo, str):
        raise ProjectError(f"a passage's memo must be text, got {type(memo).__name__}")
    return memo


def add(
    project: Project,
    book: Codebook,
    coder: str,
    row_id: int,
    start: int,
    end: int,
    code: str,
    memo: str = "",
    *,
    blind: bool | None = None,
) -> Passage:
    """Store that ``coder`` gives characters ``start:end`` of row ``row_id``'s text (the
    project's text column) the ``code`` of ``book``; ``blind`` as in
    ``human_codes.record``. Committed before it returns."""
    coder = check_coder(coder)
    _check_code(book, code)
    memo = _check_memo(memo)
    column = project.text_column
    text = row_text(project, row_id, column)
    start, end = check_span(text, start, end, f"row {row_id + 1}, passage")
    created = _now()
    flag = None if blind is None else int(bool(blind))
    with transaction(project.db):
        new_id = stored.add(
            project.db, book.name, coder, row_id, column, start, end, code, memo, created, flag
        )
    return Passage(
        new_id,
        book.name,
        coder,
        row_id,
        column,
        start,
        end,
        code,
        memo,
        created,
        None if blind is None else bool(blind),
    )


def get(project: Project, passage_id: int) -> Passage:
    """The passage (in force or removed); ProjectError when there is none."""
    row = stored.get(project.db, int(passage_id))
    if row is None:
        raise ProjectError(f"there is no passage {passage_id} in this project")
    return _passage(row)


def switch(project: Project, take_out: Sequence[int] = (), put_back: Sequence[int] = ()) -> None:
    """In one transaction: the passages ``take_out`` removed, ``put_back`` in force again
    (what undo and redo do). ProjectError, and nothing changed, when one of them is not
    there or already so."""
    now = _now()
    with transaction(project.db):
        for ids, removed in ((take_out, now), (put_back, None)):
            for passage_id in ids:
                passage = get(project, passage_id)
                if (passage.removed is None) == (removed is None):
                    state = "in force" if removed is None else "removed"
                    raise ProjectError(f"passage {passage_id} is already {state}")
                stored.set_removed(project.db, passage.id, removed)


def remove(project: Project, passage_id: int) -> Passage:
    """Take the passage out (it stays in the project, marked removed: undo puts it back)."""
    switch(project, take_out=(passage_id,))
    return get(project, passage_id)


def restore(project: Project, passage_id: int) -> Passage:
    """Put a removed passage back in force."""
    switch(project, put_back=(passage_id,))
    return get(project, passage_id)


def change(
    project: Project,
    book: Codebook,
    passage_id: int,
    *,
    code: str | None = None,
    memo: str | None = None,
) -> Passage:
    """Give the passage another code and/or memo (None: keep): in one transaction it is
    removed and its successor (same coder, row and characters) added; the successor."""
    old = get(project, passage_id)
    if old.removed is not None:
        raise ProjectError(f"passage {passage_id} was removed: put it back before changing it")
    if old.codebook != book.name:
        raise ProjectError(
            f"passage {passage_id} is in codebook {old.codebook!r}, not {book.name!r}"
        )
    code = old.code if code is None else _check_code(book, code)
    memo = old.memo if memo is None else _check_memo(memo)
    created = _now()
    blind = None if old.blind is None else int(old.blind)
    with transaction(project.db):
        stored.set_removed(project.db, old.id, created)
        new_id = stored.add(
            project.db,
            old.codebook,
            old.coder,
            old.row_id,
            old.text_column,
            old.start,
            old.end,
            code,
            memo,
            created,
            blind,
            replaces=old.id,
        )
    return get(project, new_id)


# -- reading ------------------------------------------------------------------------------


def find(
    project: Project,
    codebook: str,
    *,
    row_id: int | None = None,
    codes: Sequence[str] | None = None,
    coder: str | None = None,
    removed: bool = False,
) -> list[Passage]:
    """The passages in force (``removed=True``: every one ever made) of ``codebook``, on
    row ``row_id``, of any of ``codes``, by ``coder`` (None: all); by row, start, id."""
    rows = stored.find(
        project.db,
        codebook,
        row_id=None if row_id is None else int(row_id),
        codes=None if codes is None else list(codes),
        coder=coder,
        removed=removed,
    )
    return [_passage(r) for r in rows]


def of_row(project: Project, codebook: str, row_id: int, coder: str | None = None) -> list[Passage]:
    """The passages in force on the row (every coder's, or ``coder``'s)."""
    return find(project, codebook, row_id=row_id, coder=coder)


def of_code(
    project: Project,
    book: Codebook,
    code: str,
    *,
    children: bool = True,
    coder: str | None = None,
) -> list[Passage]:
    """The passages in force of ``code`` (``children``: and of every code under it)."""
    _check_code(book, code)
    codes = book.descendants(code) if children else (code,)
    return find(project, book.name, codes=codes, coder=coder)


def of_coder(project: Project, codebook: str, coder: str) -> list[Passage]:
    """The passages in force by ``coder``."""
    return find(project, codebook, coder=coder)


def coders(project: Project, codebook: str) -> list[str]:
    """Everyone with a passage in force in ``codebook``, alphabetically."""
    return stored.coders(project.db, codebook)


def count(project: Project, codebook: str, coder: str) -> int:
    """How many passages in force ``coder`` marked in ``codebook``."""
    return stored.count(project.db, codebook, coder)


def counts_by_row(
    project: Project, codebook: str, coder: str | None = None
) -> list[tuple[int, str, int]]:
    """(row id, code, number of passages) in force of ``codebook`` by ``coder`` (None:
    anyone), one per row and code."""
    return stored.counts_by_row(project.db, codebook, coder)


def by_row(project: Project, codebook: str, coder: str) -> dict[int, int]:
    """Row id -> how many passages in force ``coder`` marked on it in ``codebook`` (rows
    without any left out): the rows the coder coded in passages."""
    return stored.by_row(project.db, codebook, coder)


def text_of(project: Project, passage: Passage) -> str:
    """The passage's characters."""
    return row_text(project, passage.row_id, passage.text_column)[passage.start : passage.end]


class ProjectPassages:
    """The passage changes a coding session makes (``coding_session.PassageStore``),
    stored in ``project`` for ``coder`` in ``book``; ``blind()`` says whether the panel is
    in blind mode at the moment of the click."""

    def __init__(self, project: Project, book: Codebook, coder: str, blind=lambda: None):
        self.project, self.book, self.coder, self._blind = project, book, coder, blind

    def add(self, row_id: int, start: int, end: int, code: str) -> int:
        """Store a new passage; its id."""
        passage = add(
            self.project, self.book, self.coder, row_id, start, end, code, blind=self._blind()
        )
        return passage.id

    def change(self, passage_id: int, code: str) -> int:
        """Give a passage another code; its successor's id."""
        return change(self.project, self.book, passage_id, code=code).id

    def change_memo(self, passage_id: int, memo: str) -> int:
        """Give a passage another memo; its successor's id."""
        return change(self.project, self.book, passage_id, memo=memo).id

    def switch(self, take_out: Sequence[int], put_back: Sequence[int]) -> None:
        """Remove ``take_out`` and put ``put_back`` in force again, in one transaction."""
        switch(self.project, take_out, put_back)

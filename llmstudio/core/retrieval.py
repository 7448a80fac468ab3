"""Retrieval: every coded passage of a code (its children included or not), by a coder
or all, in rows whose metadata pass a filter, each with its context, ready to read,
jump to and export.

Row codes count too: a researcher asking for "every text coded X" expects the rows coded
X as a whole, so they come back as items of kind :data:`WHOLE_TEXT` (the whole text is
the passage, no context), beside the passages (:data:`PASSAGE`); the query says which
kinds it wants. Qt-free: the "Coded passages" view and ``llmstudio passages`` read here.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import human_codes, passages
from .cells import as_text
from .codebook import Codebook
from .errors import ProjectError
from .project import Project

__all__ = [
    "CONTEXT_CHARS",
    "EXPORT_COLUMNS",
    "OPERATORS",
    "PASSAGE",
    "WHOLE_TEXT",
    "Filter",
    "Item",
    "Query",
    "all_coders",
    "context",
    "count_text",
    "describe",
    "export_frame",
    "parse_where",
    "retrieve",
    "value_text",
    "write_items",
]

PASSAGE = "passage"
WHOLE_TEXT = "whole text"
CONTEXT_CHARS = 80  # at most this much context each side, cut at a word boundary
OPERATORS = ("equals", "one of", "contains")
# Where a sentence ends: the context stops there rather than run into the next one.
# (Chinese and Japanese full stops need no space after them.)
_END = r"[.!?…]['\")\]”’]*\s+|[。！？]」?|\n"
_SENTENCE_END = re.compile(_END)
_LAST_SENTENCE_END = re.compile(f"(?s).*(?:{_END})")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Filter:
    """Rows whose ``column`` ``op`` (one of :data:`OPERATORS`) ``values``: equals the one
    value, is one of them, or contains the one value (case ignored). Cells compare as the
    table shows them (:func:`value_text`)."""

    column: str
    op: str
    values: tuple[str, ...]

    def describe(self) -> str:
        """How the filter reads in a heading: "party is one of Green, Labour"."""
        verb = {"equals": "is", "one of": "is one of", "contains": "contains"}.get(self.op)
        return f"{self.column} {verb} {', '.join(self.values)}"


@dataclass(frozen=True)
class Query:
    """What to retrieve from ``codebook``: the passages of ``code`` (None: every code; with
    ``children``: the codes under it too) by ``coder`` (None: all), in rows that pass
    ``where`` (None: all); ``kinds``: :data:`PASSAGE`, :data:`WHOLE_TEXT` or both."""

    codebook: str
    code: str | None = None
    children: bool = True
    coder: str | None = None
    where: Filter | None = None
    kinds: tuple[str, ...] = (PASSAGE, WHOLE_TEXT)


class Item(NamedTuple):
    """One retrieved item: characters ``start:end`` of row ``row_id``'s text ``row_text``
    (all of it for a row code), given ``code`` by ``coder``; ``passage_id``: None for a
    row code. Its passage and context are worked out when read (a view shows a screenful
    of tens of thousands)."""

    row_id: int
    coder: str
    code: str
    start: int
    end: int
    row_text: str
    memo: str
    kind: str
    passage_id: int | None

    @property
    def text(self) -> str:
        """The passage's characters (a row code: the whole text)."""
        return self.row_text[self.start : self.end]

    @property
    def context(self) -> tuple[str, str]:
        """The context before and after (:func:`context`; none for a whole text)."""
        if self.kind == WHOLE_TEXT:
            return "", ""
        return context(self.row_text, self.start, self.end)


def value_text(value) -> str:
    """A metadata cell as the filter compares it: missing is "", a whole float is shown
    without ".0" (3.0 is 3, as in the charts), anything else as text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return as_text(value)


def parse_where(text: str, columns: Sequence[str]) -> Filter:
    """``COL=VALUE`` (equals), ``COL=A|B`` (one of), ``COL~TEXT`` (contains) as a
    :class:`Filter`; ProjectError naming what is wrong (no operator, an unknown column)."""
    match = re.match(r"^(.*?)(=|~)(.*)$", text or "", re.S)
    if not match or not match.group(1).strip():
        raise ProjectError(
            f"--where {text!r}: write COLUMN=VALUE, COLUMN=A|B (one of) or COLUMN~TEXT (contains)"
        )
    column, sign, value = match.group(1).strip(), match.group(2), match.group(3)
    _check_column(column, columns)
    if sign == "~":
        return Filter(column, "contains", (value,))
    values = tuple(value.split("|"))
    return Filter(column, "one of" if len(values) > 1 else "equals", values)


def _check_column(column: str, columns: Sequence[str]) -> None:
    if column not in columns:
        raise ProjectError(
            f"the corpus has no column {column!r} (its columns: {', '.join(map(str, columns))})"
        )


def _passing(frame: pd.DataFrame, where: Filter, rows: np.ndarray) -> set[int]:
    """Which of ``rows`` pass ``where``."""
    _check_column(where.column, [str(c) for c in frame.columns])
    if where.op not in OPERATORS:
        raise ProjectError(f"unknown filter {where.op!r} (one of {', '.join(OPERATORS)})")
    cells = frame[where.column].to_numpy(dtype=object)
    if where.op == "contains":
        needle = where.values[0].casefold()
        return {int(r) for r in rows if needle in value_text(cells[r]).casefold()}
    wanted = set(where.values)
    return {int(r) for r in rows if value_text(cells[r]) in wanted}


def context(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The text before ``start`` and after ``end``: to the edges of the sentence around
    the passage, at most ``chars`` characters a side, cut at a word boundary ("…" marks a
    cut; a sentence edge or the text's own edge is no cut)."""
    lo = max(0, start - chars)
    before = text[lo:start]
    last = _LAST_SENTENCE_END.match(before)  # one call: the greedy .* finds the last end
    if last:
        before = before[last.end() :]
    elif lo > 0:
        space = _SPACE.search(before)
        # Cut at the first space so no word is shown in half; one long word: keep its tail.
        before = "…" + (before[space.end() :] if space else before)
    hi = min(len(text), end + chars)
    after = text[end:hi]
    stop = _SENTENCE_END.search(after)
    if stop:
        after = after[: stop.start() + 1].rstrip("\n")
    elif hi < len(text):
        cut = max(after.rfind(" "), after.rfind("\n"), after.rfind("\t"))
        after = (after[:cut] if cut > 0 else after) + "…"
    return before, after


def all_coders(project: Project, codebook: str) -> list[str]:
    """Everyone with a passage or a row code in ``codebook``, alphabetically."""
    return sorted(
        set(passages.coders(project, codebook)) | set(human_codes.coders(project, codebook))
    )


def _codes(book: Codebook, query: Query) -> tuple[str, ...]:
    if query.code is None:
        return book.names
    if book.code(query.code) is None:
        raise ProjectError(
            f"codebook {book.name!r} has no code {query.code!r} "
            f"(its codes: {', '.join(book.names)})"
        )
    return book.descendants(query.code) if query.children else (query.code,)


def _check_coder(project: Project, query: Query) -> None:
    if query.coder is None:
        return
    known = all_coders(project, query.codebook)
    if query.coder not in known:
        raise ProjectError(
            f"nobody called {query.coder!r} has coded in codebook {query.codebook!r} "
            f"(its coders: {', '.join(known) or 'none yet'})"
        )


def retrieve(project: Project, book: Codebook, query: Query) -> list[Item]:
    """Every item the query asks for, by row, then start, passages before row codes.
    ProjectError naming the unknown code, coder or column."""
    if query.codebook != book.name:
        raise ProjectError(f"the query is for codebook {query.codebook!r}, not {book.name!r}")
    codes = _codes(book, query)
    _check_coder(project, query)
    frame = project.corpus().frame
    found = (
        passages.find(project, book.name, codes=codes, coder=query.coder)
        if PASSAGE in query.kinds
        else []
    )
    wanted = set(codes)
    clicks = (
        human_codes.current(project, book.name, query.coder, codes=codes)
        if WHOLE_TEXT in query.kinds
        else []
    )
    if query.where is not None and (found or clicks):
        rows = np.unique(np.array([p.row_id for p in found] + [c.row_id for c in clicks]))
        keep = _passing(frame, query.where, rows)
        found = [p for p in found if p.row_id in keep]
        clicks = [c for c in clicks if c.row_id in keep]
    texts: dict[str, np.ndarray] = {}

    def cells(column: str) -> np.ndarray:
        if column not in texts:
            texts[column] = frame[column].to_numpy(dtype=object)
        return texts[column]

    items = []  # in the store's order: row, start, id
    for p in found:
        text = as_text(cells(p.text_column)[p.row_id])
        items.append(Item(p.row_id, p.coder, p.code, p.start, p.end, text, p.memo, PASSAGE, p.id))
    column = cells(project.text_column) if clicks else None
    whole = []
    for click in sorted(clicks, key=lambda c: (c.row_id, c.coder)):
        text = as_text(column[click.row_id])
        for code in click.codes:
            if code in wanted:
                whole.append(
                    Item(
                        click.row_id,
                        click.coder,
                        code,
                        0,
                        len(text),
                        text,
                        click.memo,
                        WHOLE_TEXT,
                        None,
                    )
                )
    # Both lists are by row already: a merge keeps a row's passages before its row codes.
    return list(heapq.merge(items, whole, key=lambda i: i.row_id))


def describe(query: Query, book: Codebook) -> str:
    """What a query retrieves, in one line: "Issues: code 'Housing' and the codes under
    it, all coders, rows where party is A"."""
    code = "every code" if query.code is None else f"code {query.code!r}"
    if query.code is not None and query.children and book.children(query.code):
        code += " and the codes under it"
    parts = [f"{query.codebook}: {code}", f"coder {query.coder}" if query.coder else "all coders"]
    if query.where is not None:
        parts.append(f"rows where {query.where.describe()}")
    kinds = {(PASSAGE,): "passages only", (WHOLE_TEXT,): "whole-text codes only"}
    if query.kinds in kinds:
        parts.append(kinds[query.kinds])
    return ", ".join(parts)


def count_text(items: Sequence[Item]) -> str:
    """ "42 passages in 31 rows", and "+ 5 whole texts" when row codes are among them."""
    kinds = {PASSAGE: 0, WHOLE_TEXT: 0}
    for item in items:
        kinds[item.kind] += 1
    rows = len({i.row_id for i in items})
    parts = []
    if kinds[PASSAGE] or not kinds[WHOLE_TEXT]:
        parts.append(f"{kinds[PASSAGE]:,} passage{'s' * (kinds[PASSAGE] != 1)}")
    if kinds[WHOLE_TEXT]:
        parts.append(f"{kinds[WHOLE_TEXT]:,} whole text{'s' * (kinds[WHOLE_TEXT] != 1)}")
    return f"{' and '.join(parts)} in {rows:,} row{'s' * (rows != 1)}"


EXPORT_COLUMNS = {
    "row": "Row",
    "coder": "Coder",
    "code": "Code",
    "kind": "Kind",
    "start": "Start",
    "end": "End",
    "text": "Passage",
    "before": "Context before",
    "after": "Context after",
    "memo": "Memo",
}


def export_frame(project: Project, items: Sequence[Item]) -> pd.DataFrame:
    """The items as a table to export: row (1-based, as the table numbers them), coder,
    code, kind, start, end (0-based character offsets, end excluded), passage, context,
    memo, then the row's metadata columns (the text column left out: the passage and its
    context are there; a column named like one of ours gets " (corpus)")."""
    frame = project.corpus().frame
    rows = [i.row_id for i in items]
    contexts = [i.context for i in items]
    out = pd.DataFrame(
        {
            EXPORT_COLUMNS["row"]: pd.array([r + 1 for r in rows], dtype="Int64"),
            EXPORT_COLUMNS["coder"]: [i.coder for i in items],
            EXPORT_COLUMNS["code"]: [i.code for i in items],
            EXPORT_COLUMNS["kind"]: [i.kind for i in items],
            EXPORT_COLUMNS["start"]: pd.array([i.start for i in items], dtype="Int64"),
            EXPORT_COLUMNS["end"]: pd.array([i.end for i in items], dtype="Int64"),
            EXPORT_COLUMNS["text"]: [i.text for i in items],
            EXPORT_COLUMNS["before"]: [c[0] for c in contexts],
            EXPORT_COLUMNS["after"]: [c[1] for c in contexts],
            EXPORT_COLUMNS["memo"]: [i.memo for i in items],
        }
    )
    taken = set(out.columns)
    for name in frame.columns:
        if str(name) == project.text_column:
            continue
        shown = f"{name} (corpus)" if str(name) in taken else str(name)
        out[shown] = frame[name].iloc[rows].reset_index(drop=True)
    return out


def write_items(project: Project, items: Sequence[Item], path, heading: str = "", **options):
    """Export the items (:func:`export_frame`) to ``path`` (.csv, .xlsx, .parquet) through
    ``export.export_table`` (formula guard on); XLSX gets a "query" sheet saying what was
    retrieved (``heading``). The path written."""
    from .export import export_table

    extra = {"query": pd.DataFrame({"Retrieved": [heading or "", count_text(items)]})}
    return export_table(export_frame(project, items), path, extra_sheets=extra, **options)

"""A code x metadata crosstab: how often each code of a codebook applies in each group of a
column (party, region, wave), with row and column shares and totals, the codebook's tree
kept (a parent is a subtotal row: it counts a row once if it or any code under it
applies).

What is counted is said, never implied: rows with the code (a row code or any passage of
it) or passages; the codes come from a coder (or every coder), or from a model run
(whole texts only). The column total is what column shares divide by: the coded rows of
the group (rows the source gave any code, "none" included: an uncoded row says nothing)
or its passages. Qt-free: the "Crosstab" tab, the charts' "Codes by <column>" and
``llmstudio crosstab`` read here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import human_codes, passages
from .codebook import NONE_CODE, Codebook
from .errors import ProjectError
from .project import Project
from .retrieval import all_coders, value_text

__all__ = [
    "MAX_GROUPS",
    "MISSING",
    "PASSAGES",
    "ROWS",
    "SHARES",
    "CodeSource",
    "Crosstab",
    "crosstab",
    "sources",
]

ROWS = "rows"
PASSAGES = "passages"
SHARES = ("row", "column")
MISSING = "(missing)"
MAX_GROUPS = 50  # more groups than this is no crosstab to read (a free-text column)


@dataclass(frozen=True)
class CodeSource:
    """Whose codes are counted: ``coder`` (None with no run: every coder; a row counts
    once whoever coded it) or model run ``run_id``; ``name``: how it reads."""

    coder: str | None = None
    run_id: int | None = None
    name: str = "all coders"


def sources(project: Project, book: Codebook) -> list[CodeSource]:
    """Every source of codes of ``book``: all coders, each coder, each model run that
    coded with it (answered rows only)."""
    from .runs import run_infos

    out = [CodeSource()]
    out += [CodeSource(coder=c, name=c) for c in all_coders(project, book.name)]
    for info in run_infos(project):
        if info.codebook == book.name and info.answered:
            out.append(CodeSource(run_id=info.run_id, name=f"model {info.model} ({info.title})"))
    return out


@dataclass
class Crosstab:
    """Counts of ``codes`` (the codebook's tree order; ``depth`` 0 at the top, ``parent``
    flags a code with codes under it) by ``groups`` of column ``by``: ``counts[code,
    group]``; ``code_totals`` over all groups; ``group_totals``: coded rows (or passages)
    per group, what column shares divide by; ``total``: all of them."""

    codebook: str
    by: str
    unit: str
    source: CodeSource
    codes: tuple[str, ...]
    depth: tuple[int, ...]
    parent: tuple[bool, ...]
    colors: tuple[str, ...]
    groups: tuple[str, ...]
    counts: np.ndarray
    code_totals: np.ndarray
    group_totals: np.ndarray
    total: int
    notes: list[str] = field(default_factory=list)
    code_rows: tuple[np.ndarray, ...] = ()  # per code: the rows behind its counts
    group_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def rows_in(self, code: int, group: int) -> np.ndarray:
        """The row ids behind cell (``code``, ``group``): rows with the code (or a code
        under it; passages: rows with such a passage) in that group."""
        rows = self.code_rows[code]
        return rows[self.group_of[rows] == group]

    @property
    def total_name(self) -> str:
        """The name of the totals row: what the column totals count."""
        return "All coded texts" if self.unit == ROWS else "All passages"

    def shares(self, share: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Percentages (NaN where the total is 0): the cells, the Total column, the totals
        row, each of its row total (``share="row"``) or of its column total."""
        if share not in SHARES:
            raise ProjectError(f"share must be one of {', '.join(SHARES)}, not {share!r}")
        with np.errstate(divide="ignore", invalid="ignore"):
            if share == "row":
                cells = self.counts / self.code_totals[:, None]
                totals_col = np.where(self.code_totals > 0, 1.0, np.nan)
                totals_row = (
                    self.group_totals / self.total if self.total else self.group_totals * np.nan
                )
            else:
                cells = self.counts / self.group_totals[None, :]
                totals_col = (
                    self.code_totals / self.total if self.total else self.code_totals * np.nan
                )
                totals_row = np.where(self.group_totals > 0, 1.0, np.nan)
        return cells * 100, totals_col * 100, totals_row * 100

    def table(self, share: str | None = None) -> pd.DataFrame:
        """The crosstab as a table with readable headers: "Code", "Under" (its parent),
        one column per group, "Total"; the last row the totals. ``share``: percentages
        (one decimal) of the row's or the column's total instead of counts."""
        names = [*self.codes, self.total_name]
        book_parent = {c: p for c, p in self._parents().items()}
        under = [book_parent.get(c, "") for c in self.codes] + [""]
        if share is None:
            cells = np.vstack([self.counts, self.group_totals[None, :]]).astype(np.int64)
            totals = np.append(self.code_totals, self.total).astype(np.int64)
        else:
            c, tc, tr = self.shares(share)
            cells = np.round(np.vstack([c, tr[None, :]]), 1)
            totals = np.round(np.append(tc, 100.0 if self.total else np.nan), 1)
        out = pd.DataFrame({"Code": names, "Under": under})
        for j, group in enumerate(self.groups):
            out[group if group not in ("Code", "Under", "Total") else f"{group} ({self.by})"] = (
                cells[:, j]
            )
        out["Total"] = totals
        return out

    def _parents(self) -> dict[str, str]:
        out, stack = {}, []
        for code, depth in zip(self.codes, self.depth, strict=True):
            del stack[depth:]
            out[code] = stack[-1] if stack else ""
            stack.append(code)
        return out

    def heading(self, share: str | None = None) -> str:
        """What the table counts, in one line."""
        what = "coded texts (rows)" if self.unit == ROWS else "passages"
        shown = "counts" if share is None else f"% of the {share} total"
        return f"{self.codebook}: {what} by {self.by}, codes of {self.source.name} ({shown})"


def _tree(book: Codebook) -> list[tuple[str, int]]:
    out = []

    def walk(parent: str, depth: int) -> None:
        for name in book.children(parent):
            out.append((name, depth))
            walk(name, depth + 1)

    walk("", 0)
    return out


def _groups(frame: pd.DataFrame, by: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each row's group (index into the groups) and the groups, numbers in numeric order."""
    if by not in [str(c) for c in frame.columns]:
        raise ProjectError(
            f"the corpus has no column {by!r} (its columns: {', '.join(map(str, frame.columns))})"
        )
    texts = [value_text(v) or MISSING for v in frame[by].to_numpy(dtype=object)]
    distinct = set(texts)
    if len(distinct) > MAX_GROUPS:
        raise ProjectError(
            f"column {by!r} has {len(distinct):,} different values: a crosstab needs a column "
            f"of groups (at most {MAX_GROUPS}), such as party, region or wave"
        )
    present = sorted(distinct - {MISSING})
    numbers = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if present and numbers.notna().all():
        present = [p for _, p in sorted(zip(numbers, present, strict=True))]
    groups = tuple(present + ([MISSING] if MISSING in distinct else []))
    index = {g: i for i, g in enumerate(groups)}
    return np.array([index[t] for t in texts], dtype=np.int64), groups


def _code_rows(project: Project, book: Codebook, source: CodeSource) -> dict[str, set[int]]:
    """Each code's rows from the source (a row code or any passage), ``NONE_CODE`` too."""
    out: dict[str, set[int]] = defaultdict(set)
    if source.run_id is not None:
        from .results import run_codes

        for row_id, codes in run_codes(project, source.run_id, book).items():
            for code in codes:
                out[code].add(row_id)
        return out
    for click in human_codes.current(project, book.name, source.coder):
        for code in click.codes:
            out[code].add(click.row_id)
    for row_id, code, _n in passages.counts_by_row(project, book.name, source.coder):
        out[code].add(row_id)
    return out


def _count(rows, group_of: np.ndarray, groups: int) -> np.ndarray:
    picked = group_of[np.fromiter(rows, dtype=np.int64)] if rows else np.zeros(0, np.int64)
    return np.bincount(picked, minlength=groups)


def crosstab(
    project: Project, book: Codebook, by: str, source: CodeSource = CodeSource(), unit: str = ROWS
) -> Crosstab:
    """Count the codes of ``book`` from ``source`` by the groups of column ``by``
    (``unit``: :data:`ROWS` or :data:`PASSAGES`). ProjectError naming an unknown column,
    coder or unit, a column of too many values, or passages asked of a model run."""
    if unit not in (ROWS, PASSAGES):
        raise ProjectError(f"count {ROWS} or {PASSAGES}, not {unit!r}")
    if source.run_id is not None and unit == PASSAGES:
        raise ProjectError("a model run codes whole texts, not passages: count rows")
    if source.coder is not None and source.coder not in all_coders(project, book.name):
        known = all_coders(project, book.name)
        raise ProjectError(
            f"nobody called {source.coder!r} has coded in codebook {book.name!r} "
            f"(its coders: {', '.join(known) or 'none yet'})"
        )
    group_of, groups = _groups(project.corpus().frame, by)
    tree = _tree(book)
    codes = tuple(c for c, _ in tree)
    under = {c: set(book.descendants(c)) for c in codes}
    counts = np.zeros((len(codes), len(groups)), dtype=np.int64)
    group_totals = np.zeros(len(groups), dtype=np.int64)
    code_rows: list[np.ndarray] = []
    if unit == ROWS:
        rows_of = _code_rows(project, book, source)
        coded = set().union(*rows_of.values()) if rows_of else set()
        group_totals = _count(coded, group_of, len(groups))
        for i, code in enumerate(codes):
            # The code or any code under it: a row counts once (a set of rows).
            rows = set().union(*(rows_of.get(c, ()) for c in under[code]))
            counts[i] = _count(rows, group_of, len(groups))
            code_rows.append(np.array(sorted(rows), dtype=np.int64))
    else:
        with_code: dict[str, set[int]] = defaultdict(set)
        index = {c: i for i, c in enumerate(codes)}
        own = np.zeros((len(codes), len(groups)), dtype=np.int64)
        for row_id, code, n in passages.counts_by_row(project, book.name, source.coder):
            group_totals[group_of[row_id]] += n
            if code in index:
                own[index[code], group_of[row_id]] += n
                with_code[code].add(row_id)
        for i, code in enumerate(codes):
            counts[i] = sum(own[index[c]] for c in under[code])
            rows = set().union(*(with_code.get(c, ()) for c in under[code]))
            code_rows.append(np.array(sorted(rows), dtype=np.int64))
    code_totals = counts.sum(axis=1)  # each row is in one group
    notes = _notes(book, unit, source)
    return Crosstab(
        codebook=book.name,
        by=by,
        unit=unit,
        source=source,
        codes=codes,
        depth=tuple(d for _, d in tree),
        parent=tuple(bool(book.children(c)) for c in codes),
        colors=tuple(book.color_of(c) for c in codes),
        groups=groups,
        counts=counts,
        code_totals=code_totals,
        group_totals=group_totals,
        total=int(group_totals.sum()),
        notes=notes,
        code_rows=tuple(code_rows),
        group_of=group_of,
    )


def _notes(book: Codebook, unit: str, source: CodeSource) -> list[str]:
    notes = []
    if unit == ROWS:
        notes.append(
            "Counts are texts (rows): a row counts once for a code if it has the code as a "
            "whole-text code or in any passage."
        )
        if any(book.children(c) for c in book.names):
            notes.append(
                "A parent code is a subtotal: it counts a row once if it or any code under "
                "it applies."
            )
        notes.append(
            f"Column totals are the coded texts of each group (any code, {NONE_CODE!r} "
            "included); a text may have several codes, so column shares need not add to 100%."
        )
        if source.coder is None and source.run_id is None:
            notes.append("Codes of all coders: a text counts once whoever coded it.")
    else:
        notes.append("Counts are coded passages (whole-text codes are not counted).")
        if any(book.children(c) for c in book.names):
            notes.append(
                "A parent code is a subtotal: its own passages plus those of the codes under it."
            )
    return notes


def write_crosstab(table: Crosstab, path, share: str | None = None, **options):
    """Export the crosstab (counts, or ``share`` percentages) to ``path`` through
    ``export.export_table``; XLSX gets a "notes" sheet with what is counted and the
    footnotes. The path written."""
    from .export import export_table

    notes = pd.DataFrame({"Notes": [table.heading(share), *table.notes]})
    return export_table(table.table(share), path, extra_sheets={"notes": notes}, **options)

"""Human coding stored in the project: every click, at once, for good.

One table row per click (``human_codes``, migration 5), never deleted or changed (a
renamed codebook takes its clicks along, and a code renamed or merged into another in
``code_tree``, with a line in the project's history saying so): the row's state after
the click (the codes the coder now gives it, and the memo). So

* a crash loses nothing that was clicked: each click is its own committed transaction
  (WAL, ``synchronous=FULL``), written before the panel moves on;
* undo and redo are clicks too (they record the earlier state again), so they survive a
  crash like any other click, and the log tells who coded what and when, in order;
* a coder's current coding of a row is simply its latest click.

Codes are stored by name, per codebook and coder. Qt-free: the coding panel, the
validation view, the agreement CLI and the exports all read through these functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from .codebook import NONE_CODE, Codebook, column_slug
from .errors import ProjectError
from .project import Project
from .store import human_codes as stored_codes
from .store import transaction

__all__ = [
    "RowCoding",
    "allowed_codes",
    "check_coder",
    "code_table",
    "coder_column_names",
    "coder_columns",
    "coders",
    "coding_log",
    "coding_of",
    "current",
    "export_coding_log",
    "history",
    "memo_column_names",
    "memo_columns",
    "memo_counts",
    "record",
]

SEPARATOR = "; "  # multi-label codes in one cell (exports, the agreement CLI)


@dataclass(frozen=True)
class RowCoding:
    """What ``coder`` gave row ``row_id`` (0-based file position) in ``codebook`` as of
    click ``id`` (the project's order of clicks): ``codes`` (empty = uncoded) and a memo."""

    id: int
    codebook: str
    coder: str
    row_id: int
    codes: tuple[str, ...]
    memo: str
    time: str
    blind: bool | None = None  # made in blind mode; None: not recorded (before schema 6)

    @property
    def coded(self) -> bool:
        return bool(self.codes)

    def label(self) -> str | None:
        """The codes as one cell: the code (single-label), ``a; b`` (multi-label), None."""
        return SEPARATOR.join(self.codes) if self.codes else None


def check_coder(name: str) -> str:
    """The coder's name as stored (stripped); ProjectError when it is no name."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise ProjectError(
            "a coder needs a name (e.g. your initials), so that codes by "
            "different people are kept apart"
        )
    if len(cleaned) > 80 or any(ch in cleaned for ch in "\r\n\t"):
        raise ProjectError(f"coder name {cleaned[:40]!r}: at most 80 characters, one line")
    return cleaned


def allowed_codes(book: Codebook) -> tuple[str, ...]:
    """What a coder may give a row: the codes, then "none". Multi-label codebooks always
    have "none" (the row was read and no code applies), so that a row seen and left
    without a code is told apart from a row nobody has coded yet."""
    return book.names + (NONE_CODE,) if book.multi_label else book.labels()


def _check_codes(book: Codebook, codes: Iterable[str]) -> tuple[str, ...]:
    """``codes`` in the codebook's order, each checked against it."""
    given = list(dict.fromkeys(codes))  # once each, the order kept
    allowed = allowed_codes(book)
    unknown = [c for c in given if c not in allowed]
    if unknown:
        raise ProjectError(
            f"codebook {book.name!r} has no code {unknown[0]!r} (its codes: {', '.join(allowed)})"
        )
    if not book.multi_label and len(given) > 1:
        raise ProjectError(
            f"codebook {book.name!r} is single-label: one code per text, "
            f"not {len(given)} ({', '.join(given)})"
        )
    if NONE_CODE in given and len(given) > 1:
        raise ProjectError(
            f"{NONE_CODE!r} (no code applies) cannot go with other codes "
            f"({', '.join(c for c in given if c != NONE_CODE)})"
        )
    return tuple(c for c in allowed if c in given)


def record(
    project: Project,
    codebook: Codebook,
    coder: str,
    row_id: int,
    codes: Iterable[str],
    memo: str | None = None,
    *,
    blind: bool | None = None,
) -> RowCoding:
    """Store that ``coder`` now gives row ``row_id`` the ``codes`` (empty: uncoded) of
    ``codebook``; ``memo=None`` keeps the row's memo. ``blind``: whether the coder could
    see no model answer, other coder or result column while clicking (the coding panel
    always says; None stores "not recorded"). Committed before it returns."""
    coder = check_coder(coder)
    codes = _check_codes(codebook, codes)
    rows = int(project.meta("rows", "0") or 0)
    if not 0 <= int(row_id) < rows:
        raise ProjectError(f"row {int(row_id) + 1} is not in the corpus (rows 1 to {rows:,})")
    if memo is None:
        before = coding_of(project, codebook.name, coder, row_id)
        memo = before.memo if before is not None else ""
    time = datetime.now(UTC).isoformat(timespec="milliseconds")
    with transaction(project.db):
        click_id = stored_codes.add(
            project.db,
            codebook.name,
            coder,
            int(row_id),
            json.dumps(list(codes), ensure_ascii=False),
            memo,
            time,
            None if blind is None else int(bool(blind)),
        )
    return RowCoding(
        click_id,
        codebook.name,
        coder,
        int(row_id),
        codes,
        memo,
        time,
        None if blind is None else bool(blind),
    )


def _row(values) -> RowCoding:
    id_, book, coder, row_id, codes, memo, time, blind = values
    return RowCoding(
        id_,
        book,
        coder,
        row_id,
        tuple(json.loads(codes)),
        memo,
        time,
        None if blind is None else bool(blind),
    )


def coding_of(project: Project, codebook: str, coder: str, row_id: int) -> RowCoding | None:
    """The coder's latest click on the row, or None if they never touched it."""
    row = stored_codes.latest_click(project.db, codebook, coder, int(row_id))
    return _row(row) if row is not None else None


def current(
    project: Project, codebook: str, coder: str | None = None, *, codes=None
) -> list[RowCoding]:
    """Each coder's (or ``coder``'s) latest click per row, uncoded-again rows included
    (their codes are empty), by coder then row; ``codes``: only the rows so coded with one
    of these codes (retrieval)."""
    found = stored_codes.latest_clicks(
        project.db, codebook, coder, None if codes is None else list(codes)
    )
    return [_row(r) for r in found]


def any_coded(project: Project) -> bool:
    """Whether anyone has coded anything in the project (a click, uncoded again or not)."""
    return stored_codes.any_click(project.db)


def coders(project: Project, codebook: str | None = None) -> list[str]:
    """Everyone who coded (in ``codebook``), in alphabetical order."""
    return stored_codes.coders(project.db, codebook)


def history(project: Project, codebook: str, row_id: int) -> list[RowCoding]:
    """Every click on the row in ``codebook``, oldest first (who changed what, when)."""
    return [_row(r) for r in stored_codes.row_clicks(project.db, codebook, int(row_id))]


def code_table(project: Project, codebook: str) -> pd.DataFrame:
    """One column per coder (named after the coder), indexed by row id over the whole
    corpus: the coder's code (multi-label: codes joined by ``"; "``), missing where the
    coder has not coded the row. What the validation view, ``agree`` and exports read."""
    rows = int(project.meta("rows", "0") or 0)
    out = pd.DataFrame(index=pd.RangeIndex(rows, name="row_id"))
    by_coder: dict[str, dict[int, str]] = {}
    for c in current(project, codebook):
        if c.coded:
            by_coder.setdefault(c.coder, {})[c.row_id] = c.label()
    for coder in coders(project, codebook):
        values = by_coder.get(coder, {})
        out[coder] = pd.Series(values, dtype="string").reindex(out.index)
    return out


def coder_column_names(project: Project) -> dict[tuple[str, str], str]:
    """``{(codebook, coder): column name}`` for everyone who has coded: ``human_<codebook>_
    <coder>`` in slugs (``human_local_issues_ana``); two names with one slug ("Ana",
    "ana") both kept, the later with a trailing ``_``."""
    out: dict[tuple[str, str], str] = {}
    for book, coder in stored_codes.codebook_coders(project.db):
        name = f"human_{column_slug(book)}_{column_slug(coder)}"
        while name in out.values():
            name += "_"
        out[(book, coder)] = name
    return out


def coder_columns(project: Project) -> pd.DataFrame:
    """Every coder's codes in every codebook as columns (:func:`coder_column_names`),
    indexed by row id: what an export puts after the model columns, and the table shows.
    No columns when nobody has coded."""
    rows = int(project.meta("rows", "0") or 0)
    out = pd.DataFrame(index=pd.RangeIndex(rows, name="row_id"))
    names = coder_column_names(project)
    for book in dict.fromkeys(b for b, _ in names):
        table = code_table(project, book)
        for coder in table.columns:
            out[names[(book, coder)]] = table[coder]
    return out


def memo_column_names(project: Project) -> dict[tuple[str, str], str]:
    """``{(codebook, coder): column name}`` for every coder with a memo on some row (their
    latest click on it has one): ``memo_<coder>``, or ``memo_<codebook>_<coder>`` when the
    coder has memos in more than one codebook (the scheme of :func:`coder_column_names`);
    in slugs, two names with one slug both kept, the later with a trailing ``_``."""
    pairs = stored_codes.memo_holders(project.db)
    books_of: dict[str, int] = {}
    for _, coder in pairs:
        books_of[coder] = books_of.get(coder, 0) + 1
    out: dict[tuple[str, str], str] = {}
    for book, coder in pairs:
        name = (
            f"memo_{column_slug(coder)}"
            if books_of[coder] == 1
            else f"memo_{column_slug(book)}_{column_slug(coder)}"
        )
        while name in out.values():
            name += "_"
        out[(book, coder)] = name
    return out


def memo_columns(project: Project) -> pd.DataFrame:
    """Every coder's row memos as columns (:func:`memo_column_names`), indexed by row id
    over the whole corpus, missing where the coder left no memo: what an export puts after
    the coders' codes. No columns when nobody wrote a memo."""
    rows = int(project.meta("rows", "0") or 0)
    out = pd.DataFrame(index=pd.RangeIndex(rows, name="row_id"))
    names = memo_column_names(project)
    for book in dict.fromkeys(b for b, _ in names):
        memos: dict[str, dict[int, str]] = {}
        for c in current(project, book):
            if c.memo:
                memos.setdefault(c.coder, {})[c.row_id] = c.memo
        for (b, coder), name in names.items():
            if b == book:
                out[name] = pd.Series(memos.get(coder, {}), dtype="string").reindex(out.index)
    return out


def memo_counts(project: Project, codebook: str) -> dict[str, int]:
    """``{coder: rows with a memo}`` in ``codebook`` (as of each coder's latest click)."""
    counts: dict[str, int] = {}
    for c in current(project, codebook):
        if c.memo:
            counts[c.coder] = counts.get(c.coder, 0) + 1
    return counts


LOG_COLUMNS = ("click", "time", "codebook", "coder", "row", "codes", "memo", "blind")


def coding_log(project: Project) -> pd.DataFrame:
    """Every click ever stored, oldest first: the coding history as a table (one row per
    click, never merged): ``click`` (the project's order), ``time`` (UTC, ISO 8601),
    ``codebook``, ``coder``, ``row`` (1-based, as the window numbers rows), ``codes`` (the
    row's codes after the click, ``"; "``-joined; empty: uncoded again), ``memo`` (the
    row's memo after the click) and ``blind`` ("yes", "no", or empty where the mode was
    not recorded: clicks made before blind coding existed)."""
    clicks = [_row(r) for r in stored_codes.all_clicks(project.db)]
    frame = pd.DataFrame(
        [
            (
                c.id,
                c.time,
                c.codebook,
                c.coder,
                c.row_id + 1,
                SEPARATOR.join(c.codes),
                c.memo or "",
                None if c.blind is None else ("yes" if c.blind else "no"),
            )
            for c in clicks
        ],
        columns=list(LOG_COLUMNS),
    )
    return frame.astype({"click": "int64", "row": "int64"})


def export_coding_log(project: Project, path, *, guard: bool = True, bom: bool = False):
    """Write :func:`coding_log` to ``path`` (.csv .xlsx .parquet); returns the path."""
    from .export import export_table

    return export_table(coding_log(project), path, guard=guard, bom=bom)

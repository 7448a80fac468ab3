"""The ``passages`` table (migration 7): coded passages, never deleted.

A passage is returned as the tuple (id, codebook, coder, row_id, text_column, start, end,
code, memo, created, blind, removed, replaces); ``core/passages.py`` makes it a
``Passage``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

Row = tuple[int, str, str, int, str, int, int, str, str, str, int | None, str | None, int | None]

_COLUMNS = (
    'id, codebook, coder, row_id, text_column, start, "end", code, memo, created, blind, '
    "removed, replaces"
)


def add(
    db: sqlite3.Connection,
    codebook: str,
    coder: str,
    row_id: int,
    text_column: str,
    start: int,
    end: int,
    code: str,
    memo: str,
    created: str,
    blind: int | None,
    replaces: int | None = None,
) -> int:
    """Append a passage; its id."""
    cur = db.execute(
        'INSERT INTO passages (codebook, coder, row_id, text_column, start, "end", code, memo, '
        "created, blind, replaces) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (codebook, coder, row_id, text_column, start, end, code, memo, created, blind, replaces),
    )
    return cur.lastrowid


def get(db: sqlite3.Connection, passage_id: int) -> Row | None:
    """The passage with this id (removed or not), or None."""
    return db.execute(f"SELECT {_COLUMNS} FROM passages WHERE id = ?", (passage_id,)).fetchone()


def set_removed(db: sqlite3.Connection, passage_id: int, removed: str | None) -> None:
    """Mark the passage removed at ``removed`` (UTC), or in force again (None)."""
    db.execute("UPDATE passages SET removed = ? WHERE id = ?", (removed, passage_id))


def find(
    db: sqlite3.Connection,
    codebook: str,
    *,
    row_id: int | None = None,
    codes: Sequence[str] | None = None,
    coder: str | None = None,
    removed: bool = False,
) -> list[Row]:
    """The passages of ``codebook`` (in force; ``removed=True``: every one ever made)
    on row ``row_id``, of any of ``codes``, by ``coder`` (None: any), by row, start, id."""
    where, args = ["codebook = ?"], [codebook]
    if row_id is not None:
        where.append("row_id = ?")
        args.append(row_id)
    if codes is not None:
        where.append(f"code IN ({', '.join('?' * len(codes))})")
        args.extend(codes)
    if coder is not None:
        where.append("coder = ?")
        args.append(coder)
    if not removed:
        where.append("removed IS NULL")
    # Sorted here, not by ORDER BY: with one, SQLite may walk passages_by_row to avoid a
    # sort and read every passage of the codebook instead of those of the codes.
    rows = db.execute(f"SELECT {_COLUMNS} FROM passages WHERE {' AND '.join(where)}", args)
    return sorted(rows, key=lambda r: (r[3], r[5], r[0]))


def coders(db: sqlite3.Connection, codebook: str) -> list[str]:
    """Everyone with a passage in ``codebook`` (in force), in alphabetical order."""
    return [
        c
        for (c,) in db.execute(
            "SELECT DISTINCT coder FROM passages WHERE codebook = ? AND removed IS NULL "
            "ORDER BY coder",
            (codebook,),
        )
    ]


def counts_by_row(
    db: sqlite3.Connection, codebook: str, coder: str | None = None
) -> list[tuple[int, str, int]]:
    """(row_id, code, how many passages) in force in ``codebook`` (by ``coder``; None:
    anyone), one tuple per row and code: what a crosstab counts."""
    where, args = "codebook = ? AND removed IS NULL", [codebook]
    if coder is not None:
        where += " AND coder = ?"
        args.append(coder)
    return db.execute(
        f"SELECT row_id, code, COUNT(*) FROM passages WHERE {where} GROUP BY row_id, code", args
    ).fetchall()


def by_row(db: sqlite3.Connection, codebook: str, coder: str) -> dict[int, int]:
    """Row id -> how many passages in force ``coder`` marked there in ``codebook``."""
    return dict(
        db.execute(
            "SELECT row_id, COUNT(*) FROM passages WHERE codebook = ? AND coder = ? "
            "AND removed IS NULL GROUP BY row_id",
            (codebook, coder),
        ).fetchall()
    )


def count(db: sqlite3.Connection, codebook: str, coder: str) -> int:
    """How many passages in force ``coder`` marked in ``codebook`` (by the coder index)."""
    return db.execute(
        "SELECT COUNT(*) FROM passages WHERE codebook = ? AND coder = ? AND removed IS NULL",
        (codebook, coder),
    ).fetchone()[0]


def rename_code(db: sqlite3.Connection, codebook: str, old: str, new: str) -> int:
    """Every passage of code ``old`` (removed ones too) now has code ``new``; how many."""
    return db.execute(
        "UPDATE passages SET code = ? WHERE codebook = ? AND code = ?", (new, codebook, old)
    ).rowcount


def duplicates(db: sqlite3.Connection, codebook: str, code: str) -> list[int]:
    """Passages in force of ``code`` that repeat an earlier one in force (same coder, row,
    column, start, end and code): the later ids, which a merge of two codes leaves."""
    return [
        i
        for (i,) in db.execute(
            "SELECT p.id FROM passages p WHERE p.codebook = ? AND p.code = ? AND "
            "p.removed IS NULL AND EXISTS (SELECT 1 FROM passages q WHERE q.codebook = "
            "p.codebook AND q.code = p.code AND q.coder = p.coder AND q.row_id = p.row_id AND "
            'q.text_column = p.text_column AND q.start = p.start AND q."end" = p."end" AND '
            "q.removed IS NULL AND q.id < p.id)",
            (codebook, code),
        )
    ]


def remove_many(db: sqlite3.Connection, ids: Iterable[int], removed: str) -> None:
    """Mark each passage of ``ids`` removed at ``removed``."""
    db.executemany("UPDATE passages SET removed = ? WHERE id = ?", [(removed, i) for i in ids])


def rename_codebook(db: sqlite3.Connection, old: str, new: str) -> None:
    """The passages made in codebook ``old`` follow it to its new name."""
    db.execute("UPDATE passages SET codebook = ? WHERE codebook = ?", (new, old))


def all_passages(db: sqlite3.Connection) -> list[Row]:
    """Every passage ever stored (removed ones too), oldest first."""
    return db.execute(f"SELECT {_COLUMNS} FROM passages ORDER BY id").fetchall()

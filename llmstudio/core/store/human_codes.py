"""The ``human_codes`` table: one row per click, appended and never changed.

A click is returned as the tuple (id, codebook, coder, row_id, codes JSON, memo, time,
blind: 1, 0 or None); ``core/human_codes.py`` makes it a ``RowCoding``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

Click = tuple[int, str, str, int, str, str, str, int | None]

_COLUMNS = "id, codebook, coder, row_id, codes, memo, time, blind"


def add(
    db: sqlite3.Connection,
    codebook: str,
    coder: str,
    row_id: int,
    codes: str,
    memo: str,
    time: str,
    blind: int | None,
) -> int:
    """Append a click; its id."""
    cur = db.execute(
        "INSERT INTO human_codes (codebook, coder, row_id, codes, memo, time, blind) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (codebook, coder, row_id, codes, memo, time, blind),
    )
    return cur.lastrowid


def latest_click(db: sqlite3.Connection, codebook: str, coder: str, row_id: int) -> Click | None:
    """The coder's latest click on the row, or None."""
    return db.execute(
        f"SELECT {_COLUMNS} FROM human_codes WHERE codebook = ? AND coder = ? AND row_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (codebook, coder, row_id),
    ).fetchone()


def latest_clicks(
    db: sqlite3.Connection,
    codebook: str,
    coder: str | None = None,
    codes: Sequence[str] | None = None,
) -> list[Click]:
    """Each coder's (or ``coder``'s) latest click per row in ``codebook``, by coder then row;
    ``codes``: only those latest clicks that give one of these codes."""
    where, args = "codebook = ?", [codebook]
    if coder is not None:
        where += " AND coder = ?"
        args.append(coder)
    having = ""
    if codes is not None:
        # The codes are stored as a JSON list: json_each looks inside it.
        having = (
            " AND EXISTS (SELECT 1 FROM json_each(human_codes.codes) WHERE value IN "
            f"({', '.join('?' * len(codes))}))"
        )
        args = [*args, *codes]
    return db.execute(
        f"SELECT {_COLUMNS} FROM human_codes WHERE id IN (SELECT MAX(id) FROM human_codes "
        f"WHERE {where} GROUP BY coder, row_id){having} ORDER BY coder, row_id",
        args,
    ).fetchall()


def coders(db: sqlite3.Connection, codebook: str | None = None) -> list[str]:
    """Everyone who clicked (in ``codebook``), in alphabetical order."""
    if codebook is None:
        rows = db.execute("SELECT DISTINCT coder FROM human_codes ORDER BY coder")
    else:
        rows = db.execute(
            "SELECT DISTINCT coder FROM human_codes WHERE codebook = ? ORDER BY coder", (codebook,)
        )
    return [c for (c,) in rows]


def row_clicks(db: sqlite3.Connection, codebook: str, row_id: int) -> list[Click]:
    """Every click on the row in ``codebook``, oldest first."""
    return db.execute(
        f"SELECT {_COLUMNS} FROM human_codes WHERE codebook = ? AND row_id = ? ORDER BY id",
        (codebook, row_id),
    ).fetchall()


def all_clicks(db: sqlite3.Connection) -> list[Click]:
    """Every click ever stored, oldest first."""
    return db.execute(f"SELECT {_COLUMNS} FROM human_codes ORDER BY id").fetchall()


def codebook_coders(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every (codebook, coder) pair with a click, in order."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT DISTINCT codebook, coder FROM human_codes ORDER BY codebook, coder"
        )
    ]


def memo_holders(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """The (codebook, coder) pairs whose latest click on some row carries a memo."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT DISTINCT codebook, coder FROM human_codes WHERE id IN (SELECT MAX(id) FROM "
            "human_codes GROUP BY codebook, coder, row_id) AND memo IS NOT NULL AND memo != '' "
            "ORDER BY codebook, coder"
        )
    ]


def rename_codebook(db: sqlite3.Connection, old: str, new: str) -> None:
    """The clicks made in codebook ``old`` follow it to its new name."""
    db.execute("UPDATE human_codes SET codebook = ? WHERE codebook = ?", (new, old))


def codebooks(db: sqlite3.Connection) -> list[str]:
    """The codebooks with a click (a deleted codebook's too), in alphabetical order."""
    return [b for (b,) in db.execute("SELECT DISTINCT codebook FROM human_codes ORDER BY codebook")]


def blindness_by_row(
    db: sqlite3.Connection, codebook: str, coder: str
) -> list[tuple[int, int | None, int | None, str]]:
    """Per row the coder clicked in ``codebook``: (row_id, any click not blind, any click
    not recorded, the last click's time)."""
    return db.execute(
        "SELECT row_id, MAX(blind = 0), MAX(blind IS NULL), MAX(time) FROM human_codes "
        "WHERE codebook = ? AND coder = ? GROUP BY row_id",
        (codebook, coder),
    ).fetchall()


def any_click(db: sqlite3.Connection) -> bool:
    """Whether anyone has coded anything in the project."""
    return db.execute("SELECT 1 FROM human_codes LIMIT 1").fetchone() is not None


def clicks_with_code(db: sqlite3.Connection, codebook: str, code: str) -> list[tuple[int, str]]:
    """(id, codes JSON) of every click in ``codebook`` whose codes include ``code``."""
    return db.execute(
        "SELECT id, codes FROM human_codes WHERE codebook = ? AND EXISTS "
        "(SELECT 1 FROM json_each(human_codes.codes) WHERE value = ?)",
        (codebook, code),
    ).fetchall()


def set_codes(db: sqlite3.Connection, updates: Iterable[tuple[str, int]]) -> None:
    """Store (codes JSON, id) for each click given: only when a code is renamed or merged
    into another, so that the clicks name the codes as the codebook now does."""
    db.executemany("UPDATE human_codes SET codes = ? WHERE id = ?", updates)

"""The ``memos`` and ``memo_versions`` tables (schema 8): memos on codes and on the
project, and every save of each. A memo is returned as the tuple (id, kind, codebook,
code, author, title, text, created, modified, deleted); ``core/memos.py`` makes it a
``Memo``. Row and passage memos live on their clicks and passages (``human_codes``,
``passages``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

Row = tuple
_COLUMNS = "id, kind, codebook, code, author, title, text, created, modified, deleted"


def add(
    db: sqlite3.Connection,
    kind: str,
    codebook: str,
    code: str,
    author: str,
    title: str,
    text: str,
    created: str,
    modified: str | None = None,
) -> int:
    """Insert a memo and its first version; its id."""
    cur = db.execute(
        "INSERT INTO memos (kind, codebook, code, author, title, text, created, modified) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, codebook, code, author, title, text, created, modified or created),
    )
    memo_id = int(cur.lastrowid)
    add_version(db, memo_id, title, text, modified or created)
    return memo_id


def add_version(db: sqlite3.Connection, memo_id: int, title: str, text: str, saved: str) -> None:
    """Keep one save of the memo."""
    db.execute(
        "INSERT INTO memo_versions (memo_id, title, text, saved) VALUES (?, ?, ?, ?)",
        (memo_id, title, text, saved),
    )


def update(db: sqlite3.Connection, memo_id: int, title: str, text: str, modified: str) -> None:
    """Store the memo's latest title and text (the caller adds the version)."""
    db.execute(
        "UPDATE memos SET title = ?, text = ?, modified = ? WHERE id = ?",
        (title, text, modified, memo_id),
    )


def set_deleted(db: sqlite3.Connection, memo_id: int, deleted: str | None) -> None:
    """Mark the memo deleted (or not): the row and its versions stay."""
    db.execute("UPDATE memos SET deleted = ? WHERE id = ?", (deleted, memo_id))


def get(db: sqlite3.Connection, memo_id: int) -> Row | None:
    """The memo, deleted or not, or None."""
    return db.execute(f"SELECT {_COLUMNS} FROM memos WHERE id = ?", (memo_id,)).fetchone()


def code_memo(db: sqlite3.Connection, codebook: str, code: str, author: str) -> Row | None:
    """The author's memo on the code (not deleted), or None."""
    return db.execute(
        f"SELECT {_COLUMNS} FROM memos WHERE kind = 'code' AND codebook = ? AND code = ? "
        "AND author = ? AND deleted IS NULL ORDER BY id DESC LIMIT 1",
        (codebook, code, author),
    ).fetchone()


def code_memos(db: sqlite3.Connection, codebook: str, code: str) -> list[Row]:
    """Every author's memo on the code (not deleted), oldest first."""
    return db.execute(
        f"SELECT {_COLUMNS} FROM memos WHERE kind = 'code' AND codebook = ? AND code = ? "
        "AND deleted IS NULL ORDER BY id",
        (codebook, code),
    ).fetchall()


def all_memos(db: sqlite3.Connection) -> list[Row]:
    """Every memo not deleted, oldest first."""
    return db.execute(f"SELECT {_COLUMNS} FROM memos WHERE deleted IS NULL ORDER BY id").fetchall()


def row_memos(db: sqlite3.Connection) -> list[tuple]:
    """Each coder's latest click per row when it carries a memo, as (click id, codebook,
    coder, row_id, memo, time), by codebook, row, coder (from ``human_codes``)."""
    # Only the clicks with a memo are looked at, each checked for a later click through
    # the index human_codes_latest: memos are few next to clicks.
    return db.execute(
        "SELECT id, codebook, coder, row_id, memo, time FROM human_codes AS h "
        "WHERE memo IS NOT NULL AND memo != '' AND NOT EXISTS (SELECT 1 FROM human_codes "
        "AS later WHERE later.codebook = h.codebook AND later.coder = h.coder "
        "AND later.row_id = h.row_id AND later.id > h.id) ORDER BY codebook, row_id, coder"
    ).fetchall()


def passage_memos(db: sqlite3.Connection) -> list[tuple]:
    """The passages in force with a memo, as (passage id, codebook, coder, row_id, code,
    memo, created), by codebook, row, start (from ``passages``)."""
    return db.execute(
        "SELECT id, codebook, coder, row_id, code, memo, created FROM passages "
        "WHERE removed IS NULL AND memo != '' ORDER BY codebook, row_id, start, id"
    ).fetchall()


def versions(db: sqlite3.Connection, memo_id: int) -> list[tuple[str, str, str]]:
    """Every save of the memo as (saved, title, text), oldest first."""
    return db.execute(
        "SELECT saved, title, text FROM memo_versions WHERE memo_id = ? ORDER BY id",
        (memo_id,),
    ).fetchall()


def rename_code(db: sqlite3.Connection, codebook: str, old: str, new: str) -> int:
    """Code memos of ``old`` become memos of ``new``; how many."""
    cur = db.execute(
        "UPDATE memos SET code = ? WHERE kind = 'code' AND codebook = ? AND code = ?",
        (new, codebook, old),
    )
    return cur.rowcount


def rename_codebook(db: sqlite3.Connection, old: str, new: str) -> None:
    """Code memos follow a renamed codebook."""
    db.execute("UPDATE memos SET codebook = ? WHERE codebook = ?", (new, old))


def count(db: sqlite3.Connection) -> int:
    """How many memos (not deleted) the table holds."""
    return int(db.execute("SELECT COUNT(*) FROM memos WHERE deleted IS NULL").fetchone()[0])


def add_many(db: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Insert memos given whole (kind, codebook, code, author, title, text, created,
    modified), each with its one version: an import."""
    for row in rows:
        add(db, *row)

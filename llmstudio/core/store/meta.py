"""The corpus as imported: ``meta`` (import details, key/value), ``columns`` (the
original columns in order) and ``corpus_chunks`` (the rows as Parquet blobs)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator


def get(db: sqlite3.Connection, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def add_all(db: sqlite3.Connection, items: Iterable[tuple[str, str]]) -> None:
    """Store new (key, value) pairs."""
    db.executemany("INSERT INTO meta VALUES (?, ?)", items)


def set_value(db: sqlite3.Connection, key: str, value: str) -> None:
    """Change the value of an existing ``key``."""
    db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))


def column_names(db: sqlite3.Connection) -> list[str]:
    """The corpus's columns in their original order."""
    return [r[0] for r in db.execute("SELECT name FROM columns ORDER BY position")]


def add_columns(db: sqlite3.Connection, columns: Iterable[tuple[int, str, str]]) -> None:
    """Store (position, name, dtype) of each column."""
    db.executemany("INSERT INTO columns VALUES (?, ?, ?)", columns)


def chunk_blobs(db: sqlite3.Connection) -> Iterator[bytes]:
    """The corpus's Parquet chunks, in order, one at a time (a large corpus's blobs are
    never all held at once)."""
    return (blob for (blob,) in db.execute("SELECT data FROM corpus_chunks ORDER BY chunk"))


def add_chunks(db: sqlite3.Connection, chunks: Iterable[tuple[int, int, int, bytes]]) -> None:
    """Store (chunk, first_row, n_rows, data) chunks."""
    db.executemany("INSERT INTO corpus_chunks VALUES (?, ?, ?, ?)", chunks)


def put(db: sqlite3.Connection, key: str, value: str) -> None:
    """Store ``value`` under ``key``, replacing any value there."""
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def delete(db: sqlite3.Connection, key: str) -> None:
    """Remove ``key`` (nothing when absent)."""
    db.execute("DELETE FROM meta WHERE key = ?", (key,))

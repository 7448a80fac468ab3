"""The ``history`` table: every change the user makes, with its time (the audit trail)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def add(db: sqlite3.Connection, action: str, detail: str) -> None:
    """Append one line (``at`` is filled by SQLite, UTC)."""
    db.execute("INSERT INTO history (action, detail) VALUES (?, ?)", (action, detail))


def lines(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Every line as (at, action, detail), oldest first."""
    return list(db.execute("SELECT at, action, detail FROM history ORDER BY id"))


def last_at(db: sqlite3.Connection, action: str, detail_prefix: str) -> str | None:
    """When the newest line of ``action`` whose detail starts with ``detail_prefix`` was
    written, or None."""
    row = db.execute(
        "SELECT at FROM history WHERE action = ? AND detail LIKE ? ORDER BY id DESC LIMIT 1",
        (action, f"{detail_prefix}%"),
    ).fetchone()
    return row[0] if row else None


def first_at(db: sqlite3.Connection, action: str) -> str | None:
    """When the oldest line of ``action`` was written, or None."""
    return db.execute("SELECT MIN(at) FROM history WHERE action = ?", (action,)).fetchone()[0]


def with_at_sign(db: sqlite3.Connection) -> list[tuple[int, str]]:
    """(id, detail) of the lines whose detail holds an ``@``."""
    return db.execute("SELECT id, detail FROM history WHERE detail LIKE '%@%'").fetchall()


def set_details(db: sqlite3.Connection, updates: Iterable[tuple[str, int]]) -> None:
    """Store (detail, id) for each line given (only to take credentials off)."""
    db.executemany("UPDATE history SET detail = ? WHERE id = ?", updates)

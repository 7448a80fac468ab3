"""The ``response_cache`` table: answers by (model, parameters, prompt, text) key, so the
same question is never paid for twice, across runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def get(db: sqlite3.Connection, key: str) -> str | None:
    """The stored answer (JSON) for ``key``, or None."""
    row = db.execute("SELECT output FROM response_cache WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def put(db: sqlite3.Connection, entries: Iterable[tuple[str, str, str]]) -> None:
    """Store (key, output JSON, created) entries; a key already there keeps its answer."""
    db.executemany("INSERT OR IGNORE INTO response_cache VALUES (?, ?, ?)", entries)


def everything(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Every entry as (key, output JSON, created)."""
    return db.execute("SELECT * FROM response_cache").fetchall()

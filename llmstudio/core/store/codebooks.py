"""The ``codebooks`` table: the project's codebooks by name, each as JSON."""

from __future__ import annotations

import sqlite3


def names(db: sqlite3.Connection) -> list[str]:
    """The codebooks' names, in alphabetical order."""
    return [n for (n,) in db.execute("SELECT name FROM codebooks ORDER BY name")]


def body(db: sqlite3.Connection, name: str) -> str | None:
    """The JSON of codebook ``name``, or None when there is none."""
    row = db.execute("SELECT body FROM codebooks WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def put(db: sqlite3.Connection, name: str, body: str, modified: str) -> None:
    """Store codebook ``name`` (replacing one of that name)."""
    db.execute("INSERT OR REPLACE INTO codebooks VALUES (?, ?, ?)", (name, body, modified))


def delete(db: sqlite3.Connection, name: str) -> None:
    """Remove codebook ``name`` (its human codes stay)."""
    db.execute("DELETE FROM codebooks WHERE name = ?", (name,))

"""The ``consents`` table: which columns the researcher agreed to send to which endpoint."""

from __future__ import annotations

import sqlite3


def has(db: sqlite3.Connection, endpoint: str, columns: str) -> bool:
    """Whether consent is stored for ``endpoint`` and ``columns`` (their JSON)."""
    row = db.execute(
        "SELECT 1 FROM consents WHERE endpoint = ? AND columns = ?", (endpoint, columns)
    ).fetchone()
    return row is not None


def put(db: sqlite3.Connection, endpoint: str, columns: str, granted: str) -> None:
    """Store (or renew) the consent for ``endpoint`` and ``columns`` (their JSON)."""
    db.execute("INSERT OR REPLACE INTO consents VALUES (?, ?, ?)", (endpoint, columns, granted))

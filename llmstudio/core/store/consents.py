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


def endpoints_with_userinfo(db: sqlite3.Connection) -> list[str]:
    """The consented endpoints that hold an ``@`` (an older version's user:pass@host)."""
    return [e for (e,) in db.execute("SELECT endpoint FROM consents WHERE endpoint LIKE '%@%'")]


def move(db: sqlite3.Connection, old: str, new: str) -> None:
    """The consents given for endpoint ``old`` now name ``new`` (where ``new`` has the same
    one already, that earlier grant is kept)."""
    db.execute(
        "INSERT OR IGNORE INTO consents SELECT ?, columns, granted FROM consents "
        "WHERE endpoint = ?",
        (new, old),
    )
    db.execute("DELETE FROM consents WHERE endpoint = ?", (old,))

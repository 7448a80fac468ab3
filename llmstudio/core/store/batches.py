"""The ``batches`` table: runs sent through an OpenAI-compatible Batch API (schema 9).

``core/batch_runs.py`` keeps the rules (what is sent, fetching, states); the queries are here.
"""

from __future__ import annotations

import sqlite3

# The columns of a batch as :func:`all_batches` and :func:`batch` return them.
COLUMNS = (
    "id, run_id, batch_id, input_file_id, base_url, request_count, status, created, "
    "checked, fetched, note"
)


def add(
    db: sqlite3.Connection,
    *,
    run_id: int,
    batch_id: str,
    input_file_id: str,
    base_url: str | None,
    requests: str,
    request_count: int,
    status: str,
    created: str,
) -> int:
    """Store a batch just created at the server; its row id."""
    cursor = db.execute(
        "INSERT INTO batches (run_id, batch_id, input_file_id, base_url, requests, "
        "request_count, status, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, batch_id, input_file_id, base_url, requests, request_count, status, created),
    )
    return int(cursor.lastrowid)


def all_batches(db: sqlite3.Connection) -> list[tuple]:
    """Every batch (:data:`COLUMNS`), oldest first."""
    return db.execute(f"SELECT {COLUMNS} FROM batches ORDER BY id").fetchall()


def batch(db: sqlite3.Connection, batch_id: str) -> tuple | None:
    """The batch with the server's id ``batch_id`` (:data:`COLUMNS`), or None."""
    return db.execute(f"SELECT {COLUMNS} FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()


def requests_of(db: sqlite3.Connection, batch_id: str) -> str:
    """The JSON map of custom_id -> rows of batch ``batch_id``."""
    return db.execute("SELECT requests FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()[0]


def unfetched_of_run(db: sqlite3.Connection, run_id: int) -> list[str]:
    """The ids of run ``run_id``'s batches whose results are not stored yet."""
    return [
        b
        for (b,) in db.execute(
            "SELECT batch_id FROM batches WHERE run_id = ? AND fetched IS NULL ORDER BY id",
            (run_id,),
        )
    ]


def runs_waiting(db: sqlite3.Connection) -> set[int]:
    """The runs with a batch whose results are not stored yet."""
    return {r for (r,) in db.execute("SELECT DISTINCT run_id FROM batches WHERE fetched IS NULL")}


def set_status(
    db: sqlite3.Connection, batch_id: str, status: str, checked: str, note: str = ""
) -> None:
    """Store the state the server gave batch ``batch_id`` when it was last asked."""
    db.execute(
        "UPDATE batches SET status = ?, checked = ?, note = ? WHERE batch_id = ?",
        (status, checked, note, batch_id),
    )


def set_fetched(db: sqlite3.Connection, batch_id: str, fetched: str, note: str) -> None:
    """Batch ``batch_id``'s results are stored in its run (with what was said of them)."""
    db.execute(
        "UPDATE batches SET fetched = ?, note = ? WHERE batch_id = ?", (fetched, note, batch_id)
    )

"""The ``batches`` table: runs sent through an OpenAI-compatible Batch API (schema 9;
schema 11: a batch is stored with its ``key`` before it is sent, ``batch_id`` NULL until
the server has created it: such a record is *pending*).

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
    """Every batch created at the server (:data:`COLUMNS`), oldest first."""
    return db.execute(
        f"SELECT {COLUMNS} FROM batches WHERE batch_id IS NOT NULL ORDER BY id"
    ).fetchall()


def batch(db: sqlite3.Connection, batch_id: str) -> tuple | None:
    """The batch with the server's id ``batch_id`` (:data:`COLUMNS`), or None."""
    return db.execute(f"SELECT {COLUMNS} FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()


def requests_of(db: sqlite3.Connection, batch_id: str) -> str:
    """The JSON map of custom_id -> rows of batch ``batch_id``."""
    return db.execute("SELECT requests FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()[0]


def unfetched_of_run(db: sqlite3.Connection, run_id: int) -> list[str | None]:
    """The ids of run ``run_id``'s batches whose results are not stored yet (None: a
    pending one, which may exist at the server)."""
    return [
        b
        for (b,) in db.execute(
            "SELECT batch_id FROM batches WHERE run_id = ? AND fetched IS NULL ORDER BY id",
            (run_id,),
        )
    ]


def runs_waiting(db: sqlite3.Connection) -> set[int]:
    """The runs with a batch whose results are not stored yet (pending ones included)."""
    return {r for (r,) in db.execute("SELECT DISTINCT run_id FROM batches WHERE fetched IS NULL")}


def delete_of_run(db: sqlite3.Connection, run_id: int) -> None:
    """Remove run ``run_id``'s batches (with the run: their answers are deleted too)."""
    db.execute("DELETE FROM batches WHERE run_id = ?", (run_id,))


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


# -- pending records: stored before the upload, completed once the server created the batch


def add_pending(
    db: sqlite3.Connection,
    *,
    run_id: int,
    key: str,
    base_url: str | None,
    requests: str,
    request_count: int,
    created: str,
) -> int:
    """Store a batch about to be sent, known by ``key`` (sent in its metadata); its row id."""
    cursor = db.execute(
        "INSERT INTO batches (run_id, key, base_url, requests, request_count, status, created) "
        "VALUES (?, ?, ?, ?, ?, 'sending', ?)",
        (run_id, key, base_url, requests, request_count, created),
    )
    return int(cursor.lastrowid)


def set_uploaded(db: sqlite3.Connection, key: str, input_file_id: str) -> None:
    """The pending batch ``key``'s file is at the server as ``input_file_id``."""
    db.execute("UPDATE batches SET input_file_id = ? WHERE key = ?", (input_file_id, key))


def set_created(
    db: sqlite3.Connection, key: str, batch_id: str, input_file_id: str, status: str
) -> bool:
    """The pending batch ``key`` was created at the server as ``batch_id``; False when
    it was not pending any more (another process settled it first)."""
    cursor = db.execute(
        "UPDATE batches SET batch_id = ?, input_file_id = ?, status = ? "
        "WHERE key = ? AND batch_id IS NULL",
        (batch_id, input_file_id, status, key),
    )
    return cursor.rowcount == 1


# The columns of a pending batch as :func:`pending` returns them.
PENDING_COLUMNS = "key, run_id, input_file_id, base_url, request_count, created"


def pending(db: sqlite3.Connection) -> list[tuple]:
    """The batches stored but not known to be created at the server
    (:data:`PENDING_COLUMNS`), oldest first."""
    return db.execute(
        f"SELECT {PENDING_COLUMNS} FROM batches WHERE batch_id IS NULL ORDER BY id"
    ).fetchall()


def drop_pending(db: sqlite3.Connection, key: str) -> bool:
    """Forget the pending batch ``key`` (never created: its rows are free to send again);
    False when it was not pending any more."""
    cursor = db.execute("DELETE FROM batches WHERE key = ? AND batch_id IS NULL", (key,))
    return cursor.rowcount == 1

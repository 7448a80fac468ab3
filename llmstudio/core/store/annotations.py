"""The ``annotations`` table: a row's result in a run (its output as JSON, or the error
it ended with; ``retryable`` 1 when a resumed run asks again)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# The table's columns in order: run_id, row_id, output, error, cached, retryable.
Annotation = tuple[int, int, str | None, str | None, int, int]


def put(db: sqlite3.Connection, rows: Iterable[Annotation]) -> None:
    """Store (replacing) the results of rows."""
    db.executemany("INSERT OR REPLACE INTO annotations VALUES (?, ?, ?, ?, ?, ?)", rows)


def finished_rows(db: sqlite3.Connection, run_id: int) -> set[int]:
    """The rows of run ``run_id`` with a final answer or error (not to be asked again)."""
    return {
        r
        for (r,) in db.execute(
            "SELECT row_id FROM annotations WHERE run_id = ? AND retryable = 0", (run_id,)
        )
    }


def outputs(db: sqlite3.Connection, run_id: int) -> list[tuple[int, str | None, str | None]]:
    """(row_id, output JSON, error) of every stored row of run ``run_id``."""
    return db.execute(
        "SELECT row_id, output, error FROM annotations WHERE run_id = ?", (run_id,)
    ).fetchall()


def counts_by_run(db: sqlite3.Connection, not_failed: str) -> dict[int, tuple[int, int]]:
    """``{run_id: (answered, failed)}``: rows with a final answer or error, and of those
    the rows that ended with an error other than ``not_failed`` (a row with no text)."""
    return {
        run_id: (answered, failed)
        for run_id, answered, failed in db.execute(
            "SELECT run_id, SUM(retryable = 0), SUM(retryable = 0 AND output IS NULL "
            "AND error IS NOT ?) FROM annotations GROUP BY run_id",
            (not_failed,),
        )
    }


def count_with_error(db: sqlite3.Connection, run_id: int, error: str) -> int:
    """How many rows of run ``run_id`` ended with exactly ``error``."""
    return db.execute(
        "SELECT COUNT(*) FROM annotations WHERE run_id = ? AND error = ?", (run_id, error)
    ).fetchone()[0]


def count_answered(db: sqlite3.Connection, run_id: int) -> int:
    """How many rows of run ``run_id`` have an output."""
    return db.execute(
        "SELECT COUNT(*) FROM annotations WHERE run_id = ? AND output IS NOT NULL", (run_id,)
    ).fetchone()[0]


def long_text_counts(db: sqlite3.Connection, run_id: int, task: str) -> tuple[int, int]:
    """(rows split into more than one chunk, rows truncated) of run ``run_id`` of
    ``task``, read from the ``<task>_chunks`` and ``<task>_truncated`` output fields."""
    row = db.execute(
        "SELECT COALESCE(SUM(json_extract(output, ?) > 1), 0), "
        "COALESCE(SUM(json_extract(output, ?) = 1), 0) FROM annotations "
        "WHERE run_id = ? AND output IS NOT NULL",
        (f"$.{task}_chunks", f"$.{task}_truncated", run_id),
    ).fetchone()
    return int(row[0]), int(row[1])


def row_ids(db: sqlite3.Connection, run_id: int) -> tuple[int, ...]:
    """The rows run ``run_id`` stored a result for, in order."""
    return tuple(
        r
        for (r,) in db.execute(
            "SELECT row_id FROM annotations WHERE run_id = ? ORDER BY row_id", (run_id,)
        )
    )


def tallies(db: sqlite3.Connection, run_id: int, no_text: str) -> tuple[int, int, int]:
    """(rows answered, rows failed, rows with no text) of run ``run_id``: ``no_text`` is
    the error a row with no text is stored with, counted apart from failures."""
    return db.execute(
        "SELECT COALESCE(SUM(output IS NOT NULL), 0), "
        "COALESCE(SUM(error IS NOT NULL AND error IS NOT ?), 0), "
        "COALESCE(SUM(error IS ?), 0) FROM annotations WHERE run_id = ?",
        (no_text, no_text, run_id),
    ).fetchone()


def errors_with_at_sign(db: sqlite3.Connection, run_id: int) -> list[tuple[int, str]]:
    """(row_id, error) of the rows of run ``run_id`` whose error holds an ``@``."""
    return db.execute(
        "SELECT row_id, error FROM annotations WHERE run_id = ? AND error LIKE '%@%'",
        (run_id,),
    ).fetchall()


def set_errors(db: sqlite3.Connection, run_id: int, updates: Iterable[tuple[str, int]]) -> None:
    """Store (error, row_id) for each row of run ``run_id`` given."""
    db.executemany(
        "UPDATE annotations SET error = ? WHERE run_id = ? AND row_id = ?",
        [(error, run_id, row) for error, row in updates],
    )

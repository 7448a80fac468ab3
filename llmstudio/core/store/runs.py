"""The ``runs`` table: one model run over the corpus (what was asked of which model).

``core/runs.py`` holds the rules about runs (their states, names, claims); the queries
are here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

# The columns a caller may ask for by name (:func:`fields`): the schema's, nothing else.
FIELDS = frozenset(
    (
        "id spec_key task params backend fingerprint text_column columns status rows_total "
        "created finished software prompt name replicate_of pid"
    ).split()
)


def _checked(names: Sequence[str]) -> str:
    unknown = [n for n in names if n not in FIELDS]
    if unknown or not names:
        raise ValueError(f"runs has no column(s) {unknown or names}")
    return ", ".join(names)


def fields(db: sqlite3.Connection, run_id: int, *names: str) -> tuple | None:
    """The run's values of columns ``names``, in that order; None when there is no such run."""
    return db.execute(f"SELECT {_checked(names)} FROM runs WHERE id = ?", (run_id,)).fetchone()


def all_fields(db: sqlite3.Connection, *names: str) -> list[tuple]:
    """Columns ``names`` of every run, oldest first."""
    return db.execute(f"SELECT {_checked(names)} FROM runs ORDER BY id").fetchall()


def ids(db: sqlite3.Connection) -> list[int]:
    """Every run's id, oldest first."""
    return [r for (r,) in db.execute("SELECT id FROM runs ORDER BY id")]


def params_of_tasks(db: sqlite3.Connection, tasks: Sequence[str]) -> list[tuple[int, str]]:
    """(id, params JSON) of the runs of ``tasks``, newest first."""
    marks = ", ".join("?" * len(tasks))
    return db.execute(
        f"SELECT id, params FROM runs WHERE task IN ({marks}) ORDER BY id DESC", tuple(tasks)
    ).fetchall()


def latest_of_spec(db: sqlite3.Connection, spec_key: str) -> tuple | None:
    """(id, rows_total, status, finished, pid) of the newest run made with ``spec_key``."""
    return db.execute(
        "SELECT id, rows_total, status, finished, pid FROM runs "
        "WHERE spec_key = ? ORDER BY id DESC LIMIT 1",
        (spec_key,),
    ).fetchone()


def newer_of_spec(db: sqlite3.Connection, spec_key: str, run_id: int) -> int | None:
    """A run made with ``spec_key`` after run ``run_id``, or None."""
    row = db.execute(
        "SELECT id FROM runs WHERE spec_key = ? AND id > ?", (spec_key, run_id)
    ).fetchone()
    return row[0] if row else None


def add(
    db: sqlite3.Connection,
    *,
    spec_key: str,
    task: str,
    params: str,
    backend: str,
    fingerprint: str,
    text_column: str,
    columns: str,
    status: str,
    rows_total: int,
    created: str,
    software: str,
    prompt: str | None,
    replicate_of: int | None,
    pid: int | None,
) -> int:
    """A new run (JSON fields given as text); its id."""
    cur = db.execute(
        "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column, "
        "columns, status, rows_total, created, software, prompt, replicate_of, pid) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            spec_key,
            task,
            params,
            backend,
            fingerprint,
            text_column,
            columns,
            status,
            rows_total,
            created,
            software,
            prompt,
            replicate_of,
            pid,
        ),
    )
    return cur.lastrowid


def claim(db: sqlite3.Connection, run_id: int, rows_total: int, pid: int) -> None:
    """Mark run ``run_id`` running again for process ``pid``, over at least ``rows_total``
    rows (a run found again is never made smaller)."""
    db.execute(
        "UPDATE runs SET status = 'running', rows_total = MAX(rows_total, ?), "
        "finished = NULL, pid = ? WHERE id = ?",
        (rows_total, pid, run_id),
    )


def finish(db: sqlite3.Connection, run_id: int, status: str, finished: str) -> None:
    """Store how run ``run_id`` ended (done, cancelled, failed, ...) and when."""
    db.execute("UPDATE runs SET status = ?, finished = ? WHERE id = ?", (status, finished, run_id))


def rename(db: sqlite3.Connection, run_id: int, name: str | None) -> None:
    """Set (None: clear) the researcher's name of run ``run_id``."""
    db.execute("UPDATE runs SET name = ? WHERE id = ?", (name, run_id))


def replicates_of(db: sqlite3.Connection, run_id: int) -> list[int]:
    """The runs that are replicates of run ``run_id``."""
    return [r for (r,) in db.execute("SELECT id FROM runs WHERE replicate_of = ?", (run_id,))]


def delete(db: sqlite3.Connection, run_id: int) -> None:
    """Remove run ``run_id`` and its answers; its replicates stay, pointing at no run."""
    db.execute("UPDATE runs SET replicate_of = NULL WHERE replicate_of = ?", (run_id,))
    db.execute("DELETE FROM annotations WHERE run_id = ?", (run_id,))
    db.execute("DELETE FROM runs WHERE id = ?", (run_id,))


def any_run(db: sqlite3.Connection) -> bool:
    """Whether the project holds a run."""
    return db.execute("SELECT 1 FROM runs LIMIT 1").fetchone() is not None


def first_created(db: sqlite3.Connection) -> str | None:
    """When the oldest stored run was made, or None."""
    return db.execute("SELECT MIN(created) FROM runs").fetchone()[0]


def replicate_params(db: sqlite3.Connection) -> list[tuple[int, str]]:
    """(id, params JSON) of every replicate run."""
    return db.execute("SELECT id, params FROM runs WHERE replicate_of IS NOT NULL").fetchall()


def replicate_links(db: sqlite3.Connection) -> list[tuple[int, int]]:
    """(replicate's id, the run it repeats) of every replicate run, oldest first."""
    return db.execute(
        "SELECT id, replicate_of FROM runs WHERE replicate_of IS NOT NULL ORDER BY id"
    ).fetchall()


def unfinished_replicates(db: sqlite3.Connection, of: int) -> list[tuple[int, str, str]]:
    """(id, params JSON, fingerprint JSON) of the replicates of run ``of`` not done,
    newest first."""
    return db.execute(
        "SELECT id, params, fingerprint FROM runs WHERE replicate_of = ? AND status != 'done' "
        "ORDER BY id DESC",
        (of,),
    ).fetchall()


def with_userinfo(db: sqlite3.Connection) -> list[tuple[int, str, str, str, str]]:
    """(id, fingerprint, spec_key, params, text_column) of the runs whose model details
    hold an ``@`` (an older version's user:pass@host)."""
    return db.execute(
        "SELECT id, fingerprint, spec_key, params, text_column FROM runs "
        "WHERE fingerprint LIKE '%@%'"
    ).fetchall()


def set_fingerprints(db: sqlite3.Connection, updates: Iterable[tuple[str, str, int]]) -> None:
    """Store (fingerprint JSON, spec_key, id) for each run given."""
    db.executemany("UPDATE runs SET fingerprint = ?, spec_key = ? WHERE id = ?", updates)

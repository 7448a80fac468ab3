"""Opening, checking and copying the SQLite file itself (PRAGMAs, WAL, backups).

``Project`` (``core/project.py``) decides when; the statements are here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

APPLICATION_ID = 0x4C4C4D53  # "LLMS": tells our files from other SQLite databases


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL journal,
    ``synchronous=FULL`` and foreign keys on."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def checkpoint(db: sqlite3.Connection) -> None:
    """Fold the write-ahead log into the file and empty it."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def fold_wal(path: Path) -> None:
    """Open ``path`` on its own connection and fold its write-ahead log into it;
    ``sqlite3.Error`` when it is not a database."""
    db = sqlite3.connect(path)
    try:
        checkpoint(db)
    finally:
        db.close()


def mark_ours(db: sqlite3.Connection) -> None:
    """Write llmstudio's application id into a new file."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def is_ours(db: sqlite3.Connection) -> bool:
    """Whether the file carries llmstudio's application id."""
    return db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def intact(db: sqlite3.Connection) -> bool:
    """SQLite's quick integrity check passes."""
    return db.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def tables(db: sqlite3.Connection) -> set[str]:
    """The names of the database's own tables."""
    return {
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def copy_to(db: sqlite3.Connection, path: Path) -> None:
    """A consistent copy of ``db`` (even mid-use) written to ``path`` as a one-file
    database (rollback journal, no WAL beside it)."""
    target = sqlite3.connect(path)
    with target:
        db.backup(target)
    target.execute("PRAGMA journal_mode=DELETE")
    target.close()


def all_tables(db: sqlite3.Connection) -> set[str]:
    """The names of every table, SQLite's own included."""
    return {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@contextmanager
def secure_delete(db: sqlite3.Connection) -> Iterator[None]:
    """Within: deleted or overwritten text is zeroed in the file, not left in its free
    space; the setting as it was afterwards."""
    before = db.execute("PRAGMA secure_delete").fetchone()[0]
    db.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        db.execute(f"PRAGMA secure_delete = {int(before)}")

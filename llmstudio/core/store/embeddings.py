"""The ``embedding_models``, ``embeddings`` and ``embedding_uses`` tables (schema 10): a
sentence-embedding model's stored vectors of the corpus texts, by model and text hash,
and how each run came by them. The rules (hashing, float16) are in
``core/embedding/stored.py``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

# SQLite's default limit on host parameters in one statement is 32,766; stay well under.
_BATCH = 900


def model_id(db: sqlite3.Connection, model: str, dimensions: int, created: str) -> int:
    """The id of ``model`` (canonical JSON), added when not there yet."""
    db.execute(
        "INSERT OR IGNORE INTO embedding_models (model, dimensions, created) VALUES (?, ?, ?)",
        (model, dimensions, created),
    )
    return int(
        db.execute("SELECT id FROM embedding_models WHERE model = ?", (model,)).fetchone()[0]
    )


def find_model(db: sqlite3.Connection, model: str) -> tuple[int, int] | None:
    """(id, dimensions) of ``model`` when any of its vectors were stored, else None."""
    row = db.execute(
        "SELECT id, dimensions FROM embedding_models WHERE model = ?", (model,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def vectors(db: sqlite3.Connection, model: int, hashes: Sequence[bytes]) -> dict[bytes, bytes]:
    """The stored vector (bytes) of each of ``hashes`` that has one, by hash."""
    found: dict[bytes, bytes] = {}
    for start in range(0, len(hashes), _BATCH):
        part = hashes[start : start + _BATCH]
        marks = ",".join("?" * len(part))
        found.update(
            db.execute(
                "SELECT text_hash, vector FROM embeddings "
                f"WHERE model_id = ? AND text_hash IN ({marks})",
                (model, *part),
            ).fetchall()
        )
    return found


def put(db: sqlite3.Connection, model: int, rows: Iterable[tuple[bytes, bytes]]) -> None:
    """Store (text hash, vector) rows of ``model``; a hash already there keeps its vector."""
    db.executemany(
        "INSERT OR IGNORE INTO embeddings (model_id, text_hash, vector) VALUES (?, ?, ?)",
        ((model, h, v) for h, v in rows),
    )


def count(db: sqlite3.Connection, model: int | None = None) -> int:
    """How many vectors are stored (of ``model``, or of every model)."""
    if model is None:
        return int(db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
    return int(
        db.execute("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model,)).fetchone()[0]
    )


def add_use(
    db: sqlite3.Connection, model: int, run_id: int | None, reused: int, computed: int, at: str
) -> None:
    """Record that ``run_id`` (None: not a run) read ``reused`` vectors and computed
    ``computed``."""
    db.execute(
        "INSERT INTO embedding_uses (model_id, run_id, reused, computed, at) "
        "VALUES (?, ?, ?, ?, ?)",
        (model, run_id, reused, computed, at),
    )


def uses_of_run(db: sqlite3.Connection, run_id: int) -> list[tuple[str, int, int, str]]:
    """(model JSON, reused, computed, at) of each time ``run_id`` embedded its corpus,
    oldest first."""
    return db.execute(
        "SELECT m.model, u.reused, u.computed, u.at FROM embedding_uses u "
        "JOIN embedding_models m ON m.id = u.model_id WHERE u.run_id = ? ORDER BY u.id",
        (run_id,),
    ).fetchall()

"""What an auto concurrency settled on in each run (``--concurrency auto``): stored in
the project (meta key :data:`KEY`, one entry per run, the latest job's) for the run's
record and the methods record."""

from __future__ import annotations

import json

from .backends.auto_concurrency import Settled
from .store import meta, transaction

KEY = "concurrency_settled"


def _all(db) -> dict:
    try:
        stored = json.loads(meta.get(db, KEY) or "{}")
    except ValueError:  # damaged by hand: the record of earlier runs is lost, not the run
        return {}
    return stored if isinstance(stored, dict) else {}


def record(db, run_id: int, settled: Settled) -> None:
    """Keep what run ``run_id``'s auto concurrency settled on (its latest job's)."""
    with transaction(db):
        stored = _all(db)
        stored[str(run_id)] = settled.as_dict()
        meta.put(db, KEY, json.dumps(stored))


def settled_of(db, run_id: int) -> Settled | None:
    """What run ``run_id``'s auto concurrency settled on; None for a fixed one."""
    entry = _all(db).get(str(run_id))
    if not isinstance(entry, dict):
        return None
    try:
        return Settled(
            *(int(entry[k]) for k in ("settled", "maximum", "lowest", "highest", "decreases")),
            rising=bool(entry.get("rising")),
        )
    except (KeyError, TypeError, ValueError):
        return None

"""The SQL of the project file: its schema (``migrations``) and every query, grouped by
table (``runs``, ``annotations``, ``cache``, ``human_codes``, ...).

The rest of the core keeps the rules and calls the small functions here; no SQL string
lives outside this package (``tests/core/test_sql_in_store.py`` checks it). Each function
takes the open connection (``Project.db``) first. Functions that write do not commit: the
caller opens the transaction with :func:`transaction`, so one action stays one
transaction, as before the SQL moved here.
"""

# No ``from __future__ import annotations`` here: it would bind the name ``annotations``
# in this package, and ``from .store import annotations`` would then get that instead of
# the module store/annotations.py.
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: ``BEGIN IMMEDIATE`` (the write lock taken at once, so two
    processes cannot both read a state and then both act on it), committed on leaving,
    rolled back on any exception."""
    with db:
        db.execute("BEGIN IMMEDIATE")
        yield db

"""The runner's writer: each flush commits finished rows and their response-cache entries
in one transaction, and gives the rows sharing a request key the same outcome."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from .backends.base import Backend, RowError
from .empty_texts import EmptyText
from .run_keys import Replicate, request_keyer
from .store import annotations as stored_annotations
from .store import cache as response_cache
from .store import transaction
from .tasks.base import Task

FLUSH_SECONDS = 0.25
FLUSH_ROWS = 256


def now_iso() -> str:
    """Now, in UTC, as the project stores times."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Writer:
    """Commits finished rows and their cache entries, a transaction per flush."""

    def __init__(
        self,
        db,
        run_id: int,
        task: Task,
        backend: Backend,
        corpus: str | None,
        replicate: Replicate | None = None,
    ):
        self.db, self.run_id, self.task, self.backend = db, run_id, task, backend
        self.pending: list[tuple[int, str, dict | RowError, bool]] = []
        self.last_flush = time.monotonic()
        self.errors: list[tuple[int, str]] = []
        self.key = request_keyer(task, backend, corpus, replicate)
        self.stopped = ""  # the circuit breaker's reason, set by run_execution.run_remote
        # The row sent for a request key -> the other rows of this job with that key: they
        # get its outcome when it comes (run_job fills it before the rows are asked).
        self.same: dict[int, list[int]] = {}

    def add(self, row_id: int, text: str, outcome: dict | RowError, cached: bool) -> int:
        """Queue a row's outcome, and the same for the rows sharing its input; returns
        the number of rows queued."""
        if not cached and not isinstance(outcome, RowError):
            outcome = self.task.complete(text, outcome)  # e.g. the lexicon baseline column
        self.pending.append((row_id, text, outcome, cached))
        others = self.same.pop(row_id, ()) if not cached else ()
        for other in others:
            # A copy each: a consumer of on_rows that changed one row's dict would
            # otherwise change them all.
            copy = outcome if isinstance(outcome, RowError) else dict(outcome)
            self.pending.append((other, text, copy, False))
        return 1 + len(others)

    def due(self) -> bool:
        return bool(self.pending) and (
            len(self.pending) >= FLUSH_ROWS or time.monotonic() - self.last_flush >= FLUSH_SECONDS
        )

    def flush(self) -> list[tuple[int, dict | RowError]]:
        if not self.pending:
            return []
        rows, cache = [], []
        for row_id, text, outcome, cached in self.pending:
            if isinstance(outcome, RowError):
                rows.append((self.run_id, row_id, None, str(outcome), 0, int(outcome.retryable)))
                if not isinstance(outcome, EmptyText):
                    self.errors.append((row_id, str(outcome)))
            else:
                output = json.dumps(outcome, ensure_ascii=False)
                rows.append((self.run_id, row_id, output, None, int(cached), 0))
                if not cached:
                    cache.append((self.key(text), output, now_iso()))
        with transaction(self.db):
            stored_annotations.put(self.db, rows)
            response_cache.put(self.db, cache)
        done = [(row_id, outcome) for row_id, _, outcome, _ in self.pending]
        self.pending = []
        self.last_flush = time.monotonic()
        return done

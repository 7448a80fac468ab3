"""How a job's rows are asked: local models in length-sorted batches, remote ones from
``concurrency`` request threads under a circuit breaker that stops a job whose rows keep
failing the same way (see :mod:`runner` for the guarantees)."""

from __future__ import annotations

import queue
import re
import threading
import time
from contextlib import nullcontext

from .backends.base import BackendError, RowError
from .empty_texts import EmptyText
from .run_writer import FLUSH_SECONDS

POLL_SECONDS = 0.05
# Rows in a row failing the same way (retryably) that stop a remote job: see the docstring.
STOP_AFTER_FAILED_ROWS = 5
# Seconds with no row back after which a remote job says how long it has been waiting.
WAIT_SHOWN_AFTER_S = 5.0


def _local_batches(backend, row_ids, text_of) -> list[list]:
    """Row ids in batches: the backend's own plan when it has one (``plan_batches``: a
    model that knows its token lengths), else sorted by characters in ``batch_size`` rows,
    since similar lengths pad less and so each batch does less work."""
    planned = backend.plan_batches([text_of(r) for r in row_ids])
    if planned is not None:
        return [[row_ids[i] for i in batch] for batch in planned]
    order = sorted(row_ids, key=lambda r: len(text_of(r)))
    size = max(1, backend.batch_size)
    return [order[start : start + size] for start in range(0, len(order), size)]


def failure_kind(error: RowError) -> str | None:
    """What a failed row counts as for the circuit breaker: "HTTP 500", "connection
    failed"...; None for a failure that does not count (an unreadable answer is the
    row's own, not the server's)."""
    if isinstance(error, EmptyText) or not error.retryable:
        return None
    message = re.sub(r"^chunk \d+ of \d+: ", "", error.message)  # a long text's piece
    kind = message.split(":", 1)[0]
    return kind.replace(" after retries", "").strip()


class _Breaker:
    """Counts rows in a row failing the same way; ``reason`` once they are too many."""

    def __init__(self, limit: int = STOP_AFTER_FAILED_ROWS):
        self.limit, self.kind, self.count, self.last, self.reason = limit, None, 0, "", ""

    def saw(self, outcome) -> bool:
        """Note a row's outcome; True when the job should stop."""
        kind = failure_kind(outcome) if isinstance(outcome, RowError) else None
        if kind is None or kind != self.kind:
            self.kind, self.count = kind, 0
        if kind is None:
            return False
        self.count += 1
        self.last = str(outcome)
        if outcome.stop_after is not None:  # the backend knows the job cannot go on
            if self.count >= outcome.stop_after:
                self.reason = f"{self.last.rstrip('.')}; stopped"
                return True
            return False
        if self.count >= self.limit:
            self.reason = (
                f"stopped after {self.count} rows in a row failed the same way: "
                f"{self.last.rstrip('.')}"
            )
            return True
        return False


def run_local(long_texts, row_ids, text_of, writer, state, report, cancelled) -> str:
    for batch in _local_batches(long_texts.backend, list(row_ids), text_of):
        if cancelled():
            return "cancelled"
        batch_texts = [text_of(r) for r in batch]
        outcomes = long_texts.annotate(batch_texts)
        for row_id, text, outcome in zip(batch, batch_texts, outcomes, strict=True):
            state.computed += writer.add(row_id, text, outcome, False)
        report(writer.flush())
    return "done"


def run_remote(long_texts, row_ids, text_of, writer, state, report, cancelled) -> str:
    backend = long_texts.backend
    # An auto concurrency (``--concurrency auto``) lets ``limit`` of the threads ask at
    # once and finds the limit as they go (backends/auto_concurrency.py).
    gate = backend.adaptive
    jobs: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    for row_id in row_ids:
        jobs.put(row_id)

    def work() -> None:
        while not stop.is_set():
            try:
                row_id = jobs.get_nowait()
            except queue.Empty:
                return
            text = text_of(row_id)
            try:
                with gate.slot() if gate is not None else nullcontext():
                    outcome = long_texts.annotate_one(text)
            except BackendError as exc:
                results.put((row_id, text, exc, None))
                return
            except Exception as exc:  # any other failure is this row's, the job goes on
                outcome = RowError(f"{type(exc).__name__}: {exc}")
            if stop.is_set():
                return
            stored = threading.Event()
            results.put((row_id, text, outcome, stored))
            # The next row only once this answer is in the project file: a SIGKILL then
            # loses at most the requests in flight (one per thread), never an answer that
            # came back. (Batched flushes every 250 ms lost up to a quarter second of paid
            # answers, which a resumed job requested again.)
            while not stored.wait(POLL_SECONDS):
                if stop.is_set():
                    return

    # Daemon threads: on Cancel they are abandoned mid-request, not waited for.
    threads = [
        threading.Thread(target=work, daemon=True, name=f"llmstudio-request-{i}")
        for i in range(min(backend.concurrency, len(row_ids)))
    ]
    for t in threads:
        t.start()
    received = 0
    breaker = _Breaker()
    unreported: list = []
    last_report = last_row = time.monotonic()
    try:
        while received < len(row_ids):
            if cancelled():
                stop.set()
                backend.close()
                return "cancelled"
            try:
                batch = [results.get(timeout=POLL_SECONDS)]
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and results.empty():
                    break
                # Said while it lasts: a server that does not answer is not "0/30 rows"
                # for minutes without a word.
                now = time.monotonic()
                if now - last_row >= WAIT_SHOWN_AFTER_S and now - last_report >= 1.0:
                    state.waiting_s = now - last_row
                    state.waiting_for = backend.host or backend.describe()
                    report(unreported)
                    unreported, last_report = [], now
                continue
            last_row, state.waiting_s = time.monotonic(), 0.0
            if gate is not None:
                state.at_once = gate.limit
            batch += _drain(results)  # whatever else has come back: one commit for all
            fatal = next((o for _, _, o, _ in batch if isinstance(o, BackendError)), None)
            if fatal is not None:
                # The job cannot go on; the answers that came back with the error (in this
                # batch or just after it) are paid for: stored before it is raised.
                stop.set()
                batch += _drain(results)
            for row_id, text, outcome, _ in batch:
                if isinstance(outcome, BackendError):
                    continue
                if isinstance(outcome, RowError) and outcome.message == "cancelled":
                    continue
                received += 1
                state.computed += writer.add(row_id, text, outcome, False)
                # With no row left to ask, stopping would save nothing: the job is done.
                if breaker.saw(outcome) and received < len(row_ids) and not writer.stopped:
                    writer.stopped = breaker.reason
            # Committed at once (answers cost money); progress is still reported per
            # FLUSH_SECONDS, not per row.
            unreported += writer.flush()
            if fatal is not None:
                raise fatal
            for *_, stored in batch:
                if stored is not None:
                    stored.set()
            if unreported and time.monotonic() - last_report >= FLUSH_SECONDS:
                report(unreported)
                unreported, last_report = [], time.monotonic()
            if writer.stopped:  # requests in flight are abandoned, as on Cancel
                stop.set()
                backend.close()
                return "stopped"
    finally:
        stop.set()
        report(unreported + writer.flush())
    return "done" if received == len(row_ids) else "cancelled"


def _drain(results: queue.Queue) -> list:
    """Whatever is in ``results`` now."""
    taken = []
    while True:
        try:
            taken.append(results.get_nowait())
        except queue.Empty:
            return taken

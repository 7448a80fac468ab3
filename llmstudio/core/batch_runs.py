"""A run sent through an OpenAI-compatible Batch API: about half the price, finished within
24 hours, no rate limits to wait out.

:func:`submit_batches` does what a run does first (finds or makes the run, stores the
rows with no text and the answers already in the response cache, asks each distinct input
once, plans long texts), then writes each remaining request exactly as an ordinary run
sends it (``OpenAIBackend.request_body``) into JSONL files within the API's limits
(:mod:`.batch_file`), uploads them, creates one batch per file and stores each batch's id
in the project with the rows its requests answer. The run stays interrupted meanwhile, and
no ordinary run may fill it (the runner refuses while a batch waits: that would pay
twice). :mod:`.batch_results` follows the batches and stores their answers.
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .backends.base import Backend, RowError
from .batch_file import (
    ENDPOINT,
    MAX_BYTES,
    MAX_REQUESTS,
    custom_id,
    parse_custom_id,
    request_line,
    split_groups,
)
from .chunking import LongTexts
from .errors import RunError
from .nested import text_column_problem
from .progress import Monitor
from .project import Project
from .run_progress import Progress
from .run_writer import Writer, now_iso
from .runner import check_can_run, empty_rows, find_or_create_run, input_maker, rows_to_ask
from .runs import release_run
from .store import annotations as stored_annotations
from .store import batches as stored_batches
from .store import history, transaction
from .store import runs as stored_runs
from .tasks.base import Task

PLANNED_AT_ONCE = 10_000  # rows whose texts are measured against the context at once
KEY_FIELD = "llmstudio_key"  # the batch's metadata field that carries its stored record's key


@dataclass
class Submitted:
    """What :func:`submit_batches` did: the run, its batches, and the rows it stored
    without a request."""

    run_id: int
    batch_ids: list[str] = field(default_factory=list)
    requests: int = 0  # requests in the batches (a long text's pieces each count)
    rows: int = 0  # rows the batches answer (rows sharing an input included)
    done_before: int = 0  # rows already answered in the run
    cached: int = 0  # rows answered from the response cache, no request
    empty: int = 0  # rows with no text: stored without a label, never sent
    refused: list[tuple[int, str]] = field(default_factory=list)  # rows not sent, and why

    def summary(self) -> str:
        """One line for the user."""
        parts = [
            f"run {self.run_id}: {self.requests:,} requests for {self.rows:,} rows in "
            f"{len(self.batch_ids)} batch{'es' if len(self.batch_ids) != 1 else ''}"
        ]
        if self.cached:
            parts.append(f"{self.cached:,} answered from the project's cache")
        if self.done_before:
            parts.append(f"{self.done_before:,} answered before")
        if self.empty:
            parts.append(f"{self.empty:,} with no text")
        if self.refused:
            parts.append(f"{len(self.refused):,} not sent (listed below)")
        return "; ".join(parts)


def supports_batches(backend: Backend) -> bool:
    """Whether ``backend`` can send a run as a batch (an OpenAI-compatible API model)."""
    return hasattr(backend, "request_body") and getattr(backend, "client", None) is not None


def submit_batches(
    project: Project,
    task: Task,
    backend: Backend,
    *,
    text_column: str | None = None,
    limit: int | None = None,
    max_requests: int = MAX_REQUESTS,
    max_bytes: int = MAX_BYTES,
    monitor: Monitor | None = None,
) -> Submitted:
    """Send the rows of ``task`` over the project's corpus (the first ``limit``) that need
    a request as batches to ``backend``'s server; the consent is the caller's to ask.
    ``max_requests``/``max_bytes``: one file's limits (the API's by default). A run with
    a pending batch (a process stopped while sending it) is refused until
    :func:`.batch_recovery.reconcile` has settled it: callers reconcile first."""
    if not supports_batches(backend):
        raise RunError(
            f"{backend.describe()} cannot take a batch: batches are for openai: models "
            "(OpenAI, or a server with /v1/files and /v1/batches)"
        )
    monitor = Monitor.of(monitor)
    check_can_run(task, backend)
    corpus = project.corpus()
    column = text_column or corpus.text_column
    problem = text_column_problem(corpus.frame, column)
    if problem:
        raise RunError(f"{project.path}: {problem}")
    text_of = input_maker(task, corpus.frame, column)
    wanted = list(range(len(corpus.frame)))[:limit]
    blanks = set(empty_rows(task, corpus.frame, column, wanted))
    held_as = Path(project.path).resolve()
    db = project.db
    run_id, _ = find_or_create_run(db, held_as, task, backend, column, len(wanted))
    try:
        stored = stored_annotations.finished_rows(db, run_id)
        todo = [r for r in wanted if r not in stored]
        state = Progress(done=len(wanted) - len(todo), total=len(wanted))
        writer = Writer(db, run_id, task, backend, None)
        ask = rows_to_ask(todo, text_of, blanks, writer, state, lambda _: None)
        sent = Submitted(run_id, done_before=len(wanted) - len(todo))
        sent.cached, sent.empty = state.cached, state.empty
        rows_of: dict[str, list[int]] = {}  # filled as the groups are made
        made: deque[str] = deque()  # their request ids, in order
        groups = _requests(task, backend, ask, text_of, writer, sent, rows_of, made)
        for lines in split_groups(groups, max_requests, max_bytes):
            if monitor.cancelled():
                break
            # the groups are made in order: this file's requests are the next ones made
            ids = [made.popleft() for _ in lines]
            requests = {cid: rows_of.pop(cid) for cid in ids}
            batch_id = _send(db, backend, lines, run_id, len(sent.batch_ids), requests)
            sent.batch_ids.append(batch_id)
            sent.requests += len(lines)
            # a long text's pieces share their rows: counted once, by the first piece
            sent.rows += sum(len(r) for c, r in requests.items() if parse_custom_id(c)[1] == 0)
            monitor.report(sent.rows, len(ask) or 1)
        writer.flush()  # the rows not sent, with why
        with transaction(db):  # interrupted until its batches' answers are stored
            settle_run(db, run_id)
        return sent
    finally:
        release_run(held_as, run_id)


def _requests(task, backend, ask, text_of, writer, sent, rows_of, made) -> Iterator[list[bytes]]:
    """The request lines of each row to ask, a group per row (a long text's pieces stay
    together), made as the files are written (a million rows are never all in memory);
    ``rows_of`` gets each request's rows (the row, then those sharing its input) and
    ``made`` its id, in the order of the lines. Rows whose text cannot be sent as asked
    are queued in ``writer`` with the reason."""
    long_texts = LongTexts(backend, task)
    for start in range(0, len(ask), PLANNED_AT_ONCE):
        part = ask[start : start + PLANNED_AT_ONCE]
        texts = [text_of(r) for r in part]
        for row_id, text, plan in zip(part, texts, long_texts.plan(texts), strict=True):
            if plan.refused:
                writer.add(row_id, text, RowError(plan.refused), False)
                sent.refused.append((row_id, plan.refused))
                continue
            n = len(plan.pieces)
            rows = [row_id, *writer.same.pop(row_id, [])]
            group = []
            for i, piece in enumerate(plan.pieces):
                cid = custom_id(row_id, i, n)
                group.append(request_line(cid, backend.request_body(task, piece)))
                rows_of[cid] = rows
                made.append(cid)
            yield group


def _send(db, backend, lines: list[bytes], run_id: int, number: int, requests: dict) -> str:
    """Send one file of requests as a batch; its id. The batch is stored first, pending,
    with a random key that goes to the server in its metadata, then completed with the
    file's and the batch's ids: a process killed at any moment leaves a record that
    :func:`.batch_recovery.reconcile` settles with the server, never a billed batch that
    nobody fetches while its rows look unsent."""
    key = secrets.token_hex(16)
    with transaction(db):
        stored_batches.add_pending(
            db,
            run_id=run_id,
            key=key,
            base_url=backend.base_url,
            requests=json.dumps(requests),
            request_count=len(lines),
            created=now_iso(),
        )
    client = backend.client
    # the key in the name too: a file whose batch was never created is found by it
    name = f"llmstudio-run{run_id}-{number + 1}-{key}.jsonl"
    try:
        uploaded = client.files.create(file=(name, b"".join(lines)), purpose="batch")
    except Exception as exc:  # the server has no Batch API, refuses the file, ...
        with transaction(db):
            stored_batches.drop_pending(db, key)
        raise RunError(batch_refused(backend, exc)) from None
    with transaction(db):
        stored_batches.set_uploaded(db, key, uploaded.id)
    try:
        batch = client.batches.create(
            input_file_id=uploaded.id,
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata={"llmstudio_run": str(run_id), KEY_FIELD: key},
        )
    except Exception as exc:
        if getattr(exc, "status_code", None) is None:  # no answer: it may have been made
            raise RunError(
                batch_refused(backend, exc) + "; whether the server created the batch is "
                "not known: llmstudio batch status PROJECT (or the window's Jobs panel) "
                "looks it up there, and its rows are not sent again meanwhile"
            ) from None
        with transaction(db):  # refused: nothing was made, the rows are free
            stored_batches.drop_pending(db, key)
        delete_file(client, uploaded.id)
        raise RunError(batch_refused(backend, exc)) from None
    with transaction(db):  # kept at once: a crash after this loses no batch
        stored_batches.set_created(db, key, batch.id, uploaded.id, batch.status)
        history.add(db, "batch", f"run {run_id}: batch {batch.id}, {len(lines)} requests")
    return batch.id


def delete_file(client, file_id: str) -> bool:
    """Delete an uploaded file that no batch uses (nothing is billed for it, but it takes
    the account's storage); whether the server deleted it."""
    try:
        client.files.delete(file_id)
    except Exception:  # gone already, or no such endpoint: the caller says it stays
        return False
    return True


def settle_run(db, run_id: int) -> str:
    """Mark batch run ``run_id`` done when every row is answered and no batch waits,
    else interrupted (its rows are sent again once no batch waits); the state stored."""
    total = stored_runs.fields(db, run_id, "rows_total")[0]
    waits = stored_batches.unfetched_of_run(db, run_id)
    finished = len(stored_annotations.finished_rows(db, run_id))
    state = "done" if not waits and finished >= total else "cancelled"
    stored_runs.finish(db, run_id, state, now_iso())
    return state


def batch_refused(backend, exc: Exception) -> str:
    """What the user reads when the server refuses a Batch API call."""
    from .secrets import redact

    status = getattr(exc, "status_code", None)
    why = (
        f"{backend.host} has no Batch API (HTTP 404 for /v1/files or /v1/batches): send "
        "the run as an ordinary run"
        if status == 404
        else f"{backend.host} refused the batch: {type(exc).__name__}: {exc}"
    )
    return redact(why)

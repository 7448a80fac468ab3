"""Run a task over many documents with a backend, without ever losing work.

* Local backends get length-sorted batches (less padding); remote ones get ``concurrency``
  threads, each sending one row at a time, under the backend's rate limits.
* Every finished row is committed to the project with its answer in the response cache:
  local batches as they finish, remote answers as soon as they arrive (a request thread
  takes its next row only once its answer is stored). A run killed
  with SIGKILL and started again skips every row already stored, and answers already in
  the cache (from any run with the same model, parameters, prompt and text) are reused
  without a call: running the same job twice makes zero requests.
* Rows with the same input (retweets, a survey's many "no") are asked once per run: one
  row of each request key is sent and its answer (or its error, retryable as it was) is
  stored for every row that shares it, in the same commit (``_Writer.same``).
* ``monitor.cancelled()`` is polled between batches and while waiting for remote answers; on
  Cancel, requests in flight are abandoned (the backend closes its connections) and the
  call returns within about a second.
* ``monitor.report(done, total, record=Progress)`` reports rows done after every flush;
  the :class:`Progress` record adds rows/s, ETA, the step before the rows and waits.
* Circuit breaker (remote backends): when ``STOP_AFTER_FAILED_ROWS`` rows in a row (in the
  order their answers arrive) fail the same way with a failure of the moment (the same
  HTTP status, or a lost connection: the retryable ones), whether or not earlier rows
  succeeded, the job stops: a server answering 500 or ``insufficient_quota`` to
  everything is not asked about every row. The finished rows are kept, the failed ones
  stay retryable, the run is stored as cancelled (read as *interrupted*, resumable once
  the server is fixed) and ``JobResult.stopped`` says why; the status is ``stopped``.
  Requests spent are bounded by (that count + ``concurrency``) x the client's attempts.
  A backend may say a failure stops the job sooner (``RowError.stop_after``): a server
  lost midway, or one that no longer answers within its timeout.
* While no row has come back for ``WAIT_SHOWN_AFTER_S``, progress is reported every
  second with the time waited and for what (``Progress.waiting_s``, ``waiting_for``).

Qt-free: the GUI wraps this in a worker, the CLI calls it directly.
"""

from __future__ import annotations

import json
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .. import __version__
from .backends.base import Backend, BackendError, RowError, digest
from .cells import cell_text
from .chunking import LongTexts, long_text_counts, long_text_summary
from .cost import same_text_words
from .empty_texts import EMPTY_TEXT, EmptyText, empty_words, no_text
from .errors import ProjectError
from .nested import shown_column, text_column_problem
from .progress import Monitor
from .project import Project
from .runs import check_run_free, hold_run, release_run, stored_json
from .store import annotations as stored_annotations
from .store import cache as response_cache
from .store import history, transaction
from .store import runs as stored_runs
from .tasks.base import Task

FLUSH_SECONDS = 0.25
FLUSH_ROWS = 256
POLL_SECONDS = 0.05
# Rows in a row failing the same way (retryably) that stop a remote job: see the docstring.
STOP_AFTER_FAILED_ROWS = 5
# Seconds with no row back after which a remote job says how long it has been waiting.
WAIT_SHOWN_AFTER_S = 5.0


@dataclass
class Progress:
    """Where a job stands; ``rows_per_s`` and ``eta_s`` count rows computed in this call."""

    done: int
    total: int
    failed: int = 0
    cached: int = 0
    computed: int = 0
    elapsed: float = 0.0
    empty: int = 0  # rows with no text: stored without a label, never sent (empty_texts)
    phase: str = ""  # before the rows: what the model is doing (learning from examples…)
    phase_fraction: float | None = None  # how far that step is, 0..1 (None: no step now)
    phase_elapsed: float = 0.0  # seconds spent in that step so far
    rows_started: float = 0.0  # ``elapsed`` when the rows began (after any step before them)
    waiting_s: float = 0.0  # remote: seconds since a row last came back, once it is long
    waiting_for: str = ""  # the server waited for (its host)
    same_text: int = 0  # rows answered with another row's answer (the same input, sent once)

    @property
    def rows_per_s(self) -> float:
        # Counted from when the rows began: a minute of embedding the corpus first is not
        # a slow row rate (it made the time left after it far too long).
        seconds = self.elapsed - self.rows_started
        return self.computed / seconds if seconds > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        rate = self.rows_per_s
        return (self.total - self.done) / rate if rate > 0 else None

    @property
    def phase_eta_s(self) -> float | None:
        """Seconds left in the step before the rows, from its pace so far; None before
        it has measurably begun."""
        f = self.phase_fraction
        if f is None or f <= 0.0 or self.phase_elapsed <= 0.0:
            return None
        return self.phase_elapsed * (1.0 - f) / f


@dataclass
class JobResult:
    run_id: int
    status: str  # done, cancelled, stopped (circuit breaker: see ``stopped``), failed
    total: int
    done: int
    failed: int
    cached: int
    computed: int
    elapsed: float
    errors: list[tuple[int, str]] = field(default_factory=list)
    chunked: int = 0  # rows whose text was split into chunks (the whole run's)
    truncated: int = 0  # rows whose text the model read only the start of
    empty: int = 0  # rows with no text: no label, never sent (core/empty_texts.py)
    stopped: str = ""  # why the circuit breaker stopped the job ("" when it did not)
    same_text: int = 0  # rows computed with another row's answer: the same input, sent once

    def summary(self, title: str | None = None) -> str:
        """The end-of-run line: "run 3: done; 300/300 rows, 300 computed, 0 from cache,
        0 failed, 12.3 s", the empty texts (no label, not sent) and the long texts split or
        truncated, if any."""
        long_texts = long_text_summary(self.chunked, self.truncated)
        empty = empty_words(self.empty)
        return (
            f"{title or f'run {self.run_id}'}: {self.status}; {self.done:,}/{self.total:,} "
            f"rows, {self.computed:,} computed, {self.cached:,} from cache, "
            f"{self.failed:,} failed, {self.elapsed:,.1f} s"
            + (f"; {empty}, not sent" if empty else "")
            + (
                f"; {same_text_words(self.same_text)}, answered by its request"
                if self.same_text
                else ""
            )
            + (f"; {long_texts}" if long_texts else "")
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Replicate:
    """A replicate run: it repeats run ``of`` and is its project's ``index``-th replicate.
    The index joins the run's spec and every cache key, so a replicate asks the model
    again instead of reading the answers of the run it repeats (or of another replicate)."""

    of: int
    index: int


def run_spec(
    task: Task,
    backend: Backend,
    text_column: str,
    corpus: str | None = None,
    replicate: Replicate | None = None,
) -> dict:
    spec = {"task": task.params(), "model": backend.fingerprint(), "text_column": text_column}
    if corpus is not None:
        spec["corpus"] = corpus
    if replicate is not None:
        spec["replicate"] = replicate.index
    return spec


def cache_key(
    task: Task,
    backend: Backend,
    text: str,
    corpus: str | None = None,
    replicate: Replicate | None = None,
) -> str:
    """Same model, parameters, prompt and text (and corpus, for a method that learns from
    it; and replicate index, for a replicate): the same answer."""
    return _keyer(task, backend, corpus, replicate)(text)


def _keyer(
    task: Task, backend: Backend, corpus: str | None = None, replicate: Replicate | None = None
):
    """``cache_key`` with the model's fingerprint and the task's parameters taken once:
    some fingerprints are not free (package metadata, weight hashes) and keys are made
    per row."""
    identity = [backend.fingerprint(), task.params()]
    if corpus is not None:
        identity.append(corpus)
    if replicate is not None:
        identity.append({"replicate": replicate.index})
    return lambda text: digest(identity + [text])


def _find_or_create_run(
    db,
    path,
    task: Task,
    backend: Backend,
    text_column: str,
    total: int,
    corpus: str | None = None,
    replicate: Replicate | None = None,
) -> tuple[int, str | None]:
    """(the run's id, when it finished if it was already done: a run found again with
    nothing left to ask keeps that time, see :func:`run_job`). The run is claimed for this
    job (held until :func:`release_run`); RunBusy when another live job fills it."""
    spec = run_spec(task, backend, text_column, corpus, replicate)
    params = task.params()
    if replicate is not None:  # stored with the task's parameters: resuming needs it
        params = {**params, "replicate": replicate.index}
    key = digest(spec)
    # Found and claimed in one write transaction: two processes starting together
    # cannot both find it free (or both make a new one) and pay for every row twice.
    with transaction(db):
        row = stored_runs.latest_of_spec(db, key)
        done_at = row[3] if row is not None and row[2] == "done" else None
        if row is not None:
            check_run_free(db, path, row[0], row[2], row[4])
            # The pid tells a run still being filled from one whose process was killed.
            stored_runs.claim(db, row[0], total, os.getpid())
            run_id = row[0]
        else:
            run_id = stored_runs.add(
                db,
                spec_key=key,
                task=task.name,
                params=json.dumps(params),
                backend=backend.kind,
                fingerprint=json.dumps(backend.fingerprint()),
                text_column=text_column,
                columns=json.dumps(task.columns()),
                status="running",
                rows_total=total,
                created=_now(),
                software=f"llmstudio {__version__}",
                prompt=json.dumps(
                    task.messages(task.render("{text}", {c: "{" + c + "}" for c in task.inputs()}))
                ),
                replicate_of=replicate.of if replicate is not None else None,
                pid=os.getpid(),
            )
        history.add(db, "run", f"run {run_id}: {task.name} with {backend.describe()}")
        hold_run(path, run_id)  # before the commit: no other job of ours sees it free
    return run_id, done_at


class _Writer:
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
        self.key = _keyer(task, backend, corpus, replicate)
        self.stopped = ""  # the circuit breaker's reason, set by _run_remote
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
                    cache.append((self.key(text), output, _now()))
        with transaction(self.db):
            stored_annotations.put(self.db, rows)
            response_cache.put(self.db, cache)
        done = [(row_id, outcome) for row_id, _, outcome, _ in self.pending]
        self.pending = []
        self.last_flush = time.monotonic()
        return done


def run_job(
    project: Project | str,
    task: Task,
    backend: Backend,
    *,
    text_column: str | None = None,
    rows: Sequence[int] | None = None,
    limit: int | None = None,
    monitor: Monitor | None = None,
    on_rows: Callable[[list[tuple[int, dict | RowError]]], None] | None = None,
    replicate: Replicate | None = None,
    on_run: Callable[[int], None] | None = None,
) -> JobResult:
    """Annotate ``rows`` (default: all, or the first ``limit``) of a project's corpus.

    Resumes the latest run with the same task, model and text column (and replicate: see
    :class:`Replicate`, ``core/replicate.py`` makes them; ``on_run`` gets its id before
    any row is stored: the window names the run's columns by it); raises
    :class:`BackendError` when the model cannot be used at all (bad key, unknown model).
    Cancel (``monitor``) ends it with the status ``cancelled``, the finished rows kept.
    """
    monitor = Monitor.of(monitor)
    cancelled = monitor.cancelled
    own = not isinstance(project, Project)
    proj = Project.open(project) if own else project
    started = time.monotonic()
    held_as, run_id = Path(proj.path).resolve(), None
    try:
        corpus = proj.corpus()
        column = text_column or corpus.text_column
        problem = text_column_problem(corpus.frame, column)
        if problem:  # a list or map has no text to send
            raise ProjectError(f"{proj.path}: {problem}")
        # The row's input: its text, or a prompt filled from its columns (a placeholder
        # naming no column is refused here, before anything is stored).
        text_of = _input_maker(task, corpus.frame, column)
        _check_can_run(task, backend)
        long_texts = LongTexts(backend, task)
        wanted = list(range(len(corpus.frame))) if rows is None else list(rows)
        if limit is not None:
            wanted = wanted[:limit]
        db = proj.db

        # A backend that learns from the corpus sees every input (prepare) and its
        # answers depend on them all (the corpus digest joins the cache key).
        # Rows with no text are never sent, nor learnt from (found once: each check reads
        # every input column of the row).
        blanks = set(empty_rows(task, corpus.frame, column, wanted))
        with_text = [r for r in wanted if r not in blanks]
        inputs = [text_of(r) for r in with_text] if backend.transductive(task) else None
        corpus_key = digest(inputs) if inputs is not None else None
        run_id, done_at = _find_or_create_run(
            db, held_as, task, backend, column, len(wanted), corpus_key, replicate
        )
        if on_run is not None:
            on_run(run_id)
        # Rows that failed for a reason of the moment (retryable) are asked again.
        stored = stored_annotations.finished_rows(db, run_id)
        todo = [r for r in wanted if r not in stored]
        state = Progress(done=len(wanted) - len(todo), total=len(wanted))
        writer = _Writer(db, run_id, task, backend, corpus_key, replicate)

        def report(flushed) -> None:
            for _, outcome in flushed:
                state.done += 1
                state.failed += isinstance(outcome, RowError) and not isinstance(outcome, EmptyText)
            state.elapsed = time.monotonic() - started
            if flushed and on_rows:
                on_rows(flushed)
            monitor.report(state.done, state.total, record=state)

        # Answers already paid for: no call at all; rows with no text need none.
        uncached, first_of = [], {}
        for row_id in todo:
            text = text_of(row_id)
            if row_id in blanks:
                writer.add(row_id, text, EmptyText(), True)
                state.empty += 1
                continue
            key = writer.key(text)
            hit = response_cache.get(db, key)
            if hit is not None:
                writer.add(row_id, text, json.loads(hit), True)
                state.cached += 1
            elif key in first_of:  # the same input as a row to be asked: asked once
                writer.same.setdefault(first_of[key], []).append(row_id)
                state.same_text += 1
            else:
                first_of[key] = row_id
                uncached.append(row_id)
            if writer.due():
                report(writer.flush())
        report(writer.flush())

        status = "done"
        if uncached and not cancelled():
            runner = _run_remote if backend.remote else _run_local
            try:
                # A backend that learns from the corpus sees the pieces it will be asked
                # about: a long text's chunks.
                seen = (
                    long_texts.pieces(inputs)
                    if inputs is not None
                    else [text_of(r) for r in with_text]
                )
                prepared = _prepare(backend, task, seen, state, monitor, started)
                status = (
                    "cancelled"
                    if not prepared
                    else runner(long_texts, uncached, text_of, writer, state, report, cancelled)
                )
            except BackendError:
                # The model cannot be used at all (bad key, unmappable labels): keep what
                # finished and mark the run failed rather than leaving it "running".
                writer.flush()
                with transaction(db):
                    stored_runs.finish(db, run_id, "failed", _now())
                raise
        elif uncached:
            status = "cancelled"
        report(writer.flush())
        stopped = writer.stopped if status == "stopped" else ""  # the breaker's reason
        # A complete run asked again with nothing left to ask keeps its finishing time:
        # the record stays true, and it does not become the latest complete run of its
        # task (taking the plain column names) for having been looked at.
        finished = done_at if done_at and not todo and status == "done" else _now()
        with transaction(db):
            # Stopped by the breaker: stored as cancelled, i.e. interrupted and resumable.
            stored_runs.finish(db, run_id, "cancelled" if stopped else status, finished)
        chunked, truncated = long_text_counts(db, run_id)
        same_text = state.same_text - sum(map(len, writer.same.values()))  # not asked: 0
        return JobResult(
            run_id,
            status,
            state.total,
            state.done,
            state.failed,
            state.cached,
            state.computed,
            time.monotonic() - started,
            writer.errors,
            chunked,
            truncated,
            _empty_count(db, run_id),
            stopped,
            same_text,
        )
    finally:
        if run_id is not None:
            release_run(held_as, run_id)
        if own:
            proj.close()


def _prepare(
    backend: Backend,
    task: Task,
    texts: list[str],
    state: Progress,
    monitor: Monitor,
    started: float,
) -> bool:
    """Let the backend learn from the corpus (and examples) first; False if cancelled.
    Its progress shows as the job's ``phase``."""
    begun = time.monotonic()
    cancelled = monitor.cancelled

    def phase(done: float, total: float, message: str = "", **_) -> None:
        fraction = done / total if total else 0.0
        state.phase = f"{message} ({fraction:.0%})"
        state.phase_fraction = min(1.0, max(0.0, float(fraction)))
        now = time.monotonic()
        state.phase_elapsed = now - begun
        state.elapsed = now - started
        monitor.report(state.done, state.total, record=state)

    try:
        backend.prepare(task, texts, monitor=Monitor(phase, cancelled))
    except BackendError:
        raise
    except Exception as exc:
        if cancelled():
            return False
        raise BackendError(
            f"{backend.describe()} could not learn from the corpus: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        state.phase, state.phase_fraction = "", None
        state.rows_started = time.monotonic() - started
    return not cancelled()


def row_inputs(
    task: Task, frame: pd.DataFrame, text_column: str, rows: Sequence[int] | None = None
) -> list[str]:
    """Each row's input as the model gets it: its text, or the prompt filled from its
    columns (what is sent, and so what cost estimates count). Rows with no text
    (:func:`empty_rows`) are left out: they are never sent."""
    input_of = _input_maker(task, frame, text_column)
    blank = _blank_maker(task, frame, text_column)
    return [input_of(r) for r in (range(len(frame)) if rows is None else rows) if not blank(r)]


def empty_rows(
    task: Task, frame: pd.DataFrame, text_column: str, rows: Sequence[int] | None = None
) -> list[int]:
    """The rows (of ``rows``, default all) with no text for ``task``: stored without a
    label and never sent (:mod:`llmstudio.core.empty_texts` gives the rule)."""
    blank = _blank_maker(task, frame, text_column)
    return [r for r in (range(len(frame)) if rows is None else rows) if blank(r)]


def _blank_maker(task: Task, frame: pd.DataFrame, text_column: str) -> Callable[[int], bool]:
    # The text column always counts, with every column a custom prompt names.
    columns = [frame[text_column]] + [
        shown_column(frame[c]) for c in task.inputs() if c in frame.columns
    ]
    return lambda row_id: no_text(cell_text(values, row_id) for values in columns)


def _empty_count(db, run_id: int) -> int:
    return stored_annotations.count_with_error(db, run_id, EMPTY_TEXT)


def _input_maker(task: Task, frame: pd.DataFrame, text_column: str) -> Callable[[int], str]:
    task.check_columns(list(frame.columns))  # placeholders naming no column
    # A placeholder naming a list or map column gets its JSON text, as the table shows it.
    texts, extra = frame[text_column], {c: shown_column(frame[c]) for c in task.inputs()}

    def input_of(row_id: int) -> str:
        return task.render(
            cell_text(texts, row_id), {c: cell_text(values, row_id) for c, values in extra.items()}
        )

    return input_of


def _check_can_run(task: Task, backend: Backend) -> None:
    """Refuse a job this model cannot run before anything is stored or sent."""
    if backend.supports(task):
        return
    why = backend.refusal(task)
    if task.generative_only or task.explain:
        why += (
            "; it needs a model that writes text: an hf: chat or causal model, or an openai: model"
        )
    raise BackendError(f"{backend.describe()} cannot run {task.describe()}: {why}")


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


def _run_local(long_texts, row_ids, text_of, writer, state, report, cancelled) -> str:
    for batch in _local_batches(long_texts.backend, list(row_ids), text_of):
        if cancelled():
            return "cancelled"
        batch_texts = [text_of(r) for r in batch]
        outcomes = long_texts.annotate(batch_texts)
        for row_id, text, outcome in zip(batch, batch_texts, outcomes, strict=True):
            state.computed += writer.add(row_id, text, outcome, False)
        report(writer.flush())
    return "done"


def _run_remote(long_texts, row_ids, text_of, writer, state, report, cancelled) -> str:
    backend = long_texts.backend
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


def run_results(project: Project, run_id: int) -> pd.DataFrame:
    """One row per annotated row id: the task's output columns and ``<task>_error``."""
    task, columns = stored_runs.fields(project.db, run_id, "task", "columns")
    columns = stored_json(project, run_id, "output columns", columns, "[]")
    records = {}
    for row_id, output, error in stored_annotations.outputs(project.db, run_id):
        values = json.loads(output) if output else {}
        record = {c: values.get(c) for c in columns}
        record[f"{task}_error"] = error
        records[row_id] = record
    frame = pd.DataFrame.from_dict(records, orient="index", columns=columns + [f"{task}_error"])
    return frame.sort_index()


# Public: the CLI says a model cannot run a task before it announces any request.
check_can_run = _check_can_run

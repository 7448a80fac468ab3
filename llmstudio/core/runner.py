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
  stored for every row that shares it, in the same commit (``run_writer.Writer.same``).
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

This module is the job loop (find or claim the run, what each row sends, run it, store
its end); beside it: :mod:`run_execution` (local batches, remote threads, the circuit
breaker), :mod:`run_writer` (the commits), :mod:`run_keys` (a run's spec, the cache key)
and :mod:`run_progress` (:class:`Progress`, :class:`JobResult`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .. import __version__
from .backends.base import Backend, BackendError, RowError, digest
from .cells import cell_text
from .chunking import LongTexts, long_text_counts
from .embedding.stored import ProjectEmbeddings
from .empty_texts import EMPTY_TEXT, EmptyText, no_text
from .errors import ProjectError, RunBusy
from .nested import shown_column, text_column_problem
from .progress import Monitor
from .project import Project
from .run_concurrency import record as record_concurrency
from .run_execution import run_local, run_remote
from .run_keys import Replicate, run_spec
from .run_progress import JobResult, Progress
from .run_writer import Writer, now_iso
from .runs import check_run_free, hold_run, release_run, stored_json
from .store import annotations as stored_annotations
from .store import batches as stored_batches
from .store import cache as response_cache
from .store import history, transaction
from .store import runs as stored_runs
from .tasks.base import Task


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
            waiting = stored_batches.unfetched_of_run(db, row[0])
            if waiting:  # asking its rows now would pay for them twice
                what = f"batch {waiting[0]}" if waiting[0] else "a batch being sent"
                raise RunBusy(
                    f"run {row[0]} waits for {what} at the server: llmstudio batch status "
                    "looks it up, then fetch its results (llmstudio batch fetch) or cancel "
                    "it first"
                )
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
                created=now_iso(),
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
        writer = Writer(db, run_id, task, backend, corpus_key, replicate)

        def report(flushed) -> None:
            for _, outcome in flushed:
                state.done += 1
                state.failed += isinstance(outcome, RowError) and not isinstance(outcome, EmptyText)
            state.elapsed = time.monotonic() - started
            if flushed and on_rows:
                on_rows(flushed)
            monitor.report(state.done, state.total, record=state)

        uncached = rows_to_ask(todo, text_of, blanks, writer, state, report)

        status, concurrency = "done", ""
        if uncached and not cancelled():
            runner = run_remote if backend.remote else run_local
            try:
                # A backend that learns from the corpus sees the pieces it will be asked
                # about: a long text's chunks.
                seen = (
                    long_texts.pieces(inputs)
                    if inputs is not None
                    else [text_of(r) for r in with_text]
                )
                # A sentence-embedding model keeps its corpus vectors in the project.
                backend.keep_embeddings(ProjectEmbeddings(db, run_id))
                try:
                    prepared = _prepare(backend, task, seen, state, monitor, started)
                finally:  # the connection is this job's, never a later job's
                    backend.keep_embeddings(None)
                status = (
                    "cancelled"
                    if not prepared
                    else runner(long_texts, uncached, text_of, writer, state, report, cancelled)
                )
                if backend.adaptive is not None and prepared:
                    settled = backend.adaptive.settled()
                    record_concurrency(db, run_id, settled)
                    concurrency = settled.describe()
            except BackendError:
                # The model cannot be used at all (bad key, unmappable labels): keep what
                # finished and mark the run failed rather than leaving it "running".
                writer.flush()
                with transaction(db):
                    stored_runs.finish(db, run_id, "failed", now_iso())
                raise
        elif uncached:
            status = "cancelled"
        report(writer.flush())
        stopped = writer.stopped if status == "stopped" else ""  # the breaker's reason
        # A complete run asked again with nothing left to ask keeps its finishing time:
        # the record stays true, and it does not become the latest complete run of its
        # task (taking the plain column names) for having been looked at.
        finished = done_at if done_at and not todo and status == "done" else now_iso()
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
            concurrency,
        )
    finally:
        if run_id is not None:
            release_run(held_as, run_id)
        if own:
            proj.close()


def rows_to_ask(
    todo: Sequence[int],
    text_of: Callable[[int], str],
    blanks: set[int],
    writer: Writer,
    state: Progress,
    report: Callable[[list], None],
) -> list[int]:
    """The rows of ``todo`` that need a request (one per request key: the others are
    queued in ``writer.same``); answers already paid for are stored without a call, and
    rows with no text need none (what a run and a batch both do first)."""
    uncached, first_of = [], {}
    for row_id in todo:
        text = text_of(row_id)
        if row_id in blanks:
            writer.add(row_id, text, EmptyText(), True)
            state.empty += 1
            continue
        key = writer.key(text)
        hit = response_cache.get(writer.db, key)
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
    return uncached


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
# Public: a batch (core/batch_runs.py) finds its run and makes its rows' inputs as a run does.
find_or_create_run = _find_or_create_run
input_maker = _input_maker

"""Following the batches a project sent (:mod:`.batch_runs`): their states at the server,
their answers stored as the run's results, cancelling one.

Each answer is found by its ``custom_id`` among the rows the batch stored, read as an
ordinary run reads it (``OpenAIBackend.read_answer``: the same parsing, the confidence
from logprobs), a long text's pieces combined as a run combines them, and stored with its
response-cache entry by the runner's writer. A request that failed is stored as that row's
error, retryable; so is a row a batch never answered (expired, cancelled, failed): such
rows are listed, and resuming the run sends them again as an ordinary run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .backends import make_backend
from .backends.base import RowError
from .batch_file import FINISHED_STATES, Result, parse_custom_id, parse_results
from .batch_runs import batch_refused, settle_run
from .chunking import LongTexts
from .errors import RunError
from .project import Project
from .run_writer import Writer, now_iso
from .runner import input_maker
from .runs import run_settings
from .store import batches as stored_batches
from .store import history, transaction
from .tasks.build import make_task


@dataclass
class BatchInfo:
    """One batch as the project knows it (and the server said when last asked)."""

    batch_id: str
    run_id: int
    status: str  # the server's: validating, in_progress, finalizing, completed, expired, ...
    requests: int
    created: str
    checked: str | None
    fetched: str | None  # when its answers were stored in the run; None: not yet
    note: str  # the counts the server gave, or what fetching found

    @property
    def finished(self) -> bool:
        """The server is done with it: its answers (all, or the part done) can be fetched."""
        return self.status in FINISHED_STATES

    @property
    def state_text(self) -> str:
        """Its state in words, for the Jobs panel and ``batch status``."""
        if self.fetched:
            return f"fetched ({self.note})" if self.note else "fetched"
        if self.finished:
            return f"{self.status}: ready to fetch" + (f" ({self.note})" if self.note else "")
        return self.status.replace("_", " ") + (f" ({self.note})" if self.note else "")


def _info(row: tuple) -> BatchInfo:
    _, run_id, batch_id, _, _, count, status, created, checked, fetched, note = row
    return BatchInfo(batch_id, run_id, status, count, created, checked, fetched, note)


def batches(project: Project) -> list[BatchInfo]:
    """Every batch the project sent, oldest first, as last seen (no request)."""
    return [_info(r) for r in stored_batches.all_batches(project.db)]


def waiting(project: Project) -> list[BatchInfo]:
    """The batches whose answers are not stored yet (the Jobs panel shows them on open)."""
    return [b for b in batches(project) if not b.fetched]


def _chosen(project: Project, batch_id: str | None) -> list[BatchInfo]:
    if batch_id is None:
        return waiting(project)
    row = stored_batches.batch(project.db, batch_id)
    if row is None:
        known = ", ".join(b.batch_id for b in batches(project)) or "none"
        raise RunError(f"{project.path} has no batch {batch_id!r} (its batches: {known})")
    return [_info(row)]


def _backend(project: Project, run_id: int, batch_id: str):
    """The run's task and a backend on the server the batch went to."""
    return run_backend(project, run_id, stored_batches.batch(project.db, batch_id)[4])


def run_backend(project: Project, run_id: int, base_url: str | None):
    """(settings, task, backend) of run ``run_id`` on the server at ``base_url`` (the
    key is found as for any run: the environment, then the keyring)."""
    spec = run_settings(project, run_id)
    backend = make_backend(spec.model, base_url=base_url, **spec.backend_options)
    return spec, make_task(spec.options), backend


def base_url_of_run(project: Project, run_id: int) -> str | None:
    """The base URL of the server run ``run_id``'s latest batch went to (to send its
    failed rows again there)."""
    urls = [r[4] for r in stored_batches.all_batches(project.db) if r[1] == run_id]
    return urls[-1] if urls else None


def _counts(batch) -> str:
    counts = getattr(batch, "request_counts", None)
    if counts is None:
        return ""
    failed = f", {counts.failed:,} failed" if counts.failed else ""
    return f"{counts.completed:,} of {counts.total:,} done{failed}"


def refresh(project: Project, batch_id: str | None = None) -> list[BatchInfo]:
    """Ask the server the state of each batch not fetched yet (or of ``batch_id``), store
    it, and return them."""
    out = []
    for info in _chosen(project, batch_id):
        if info.fetched:
            out.append(info)
            continue
        _, _, backend = _backend(project, info.run_id, info.batch_id)
        try:
            batch = backend.client.batches.retrieve(info.batch_id)
        except Exception as exc:
            raise RunError(batch_refused(backend, exc)) from None
        finally:
            backend.close()
        with transaction(project.db):
            stored_batches.set_status(
                project.db, info.batch_id, batch.status, now_iso(), _counts(batch)
            )
        out.append(_info(stored_batches.batch(project.db, info.batch_id)))
    return out


def cancel(project: Project, batch_id: str | None = None) -> list[BatchInfo]:
    """Ask the server to cancel the batches not finished (or ``batch_id``): the part done
    can still be fetched once it says ``cancelled``."""
    for info in _chosen(project, batch_id):
        if info.fetched or info.finished:
            continue
        _, _, backend = _backend(project, info.run_id, info.batch_id)
        try:
            batch = backend.client.batches.cancel(info.batch_id)
        except Exception as exc:
            raise RunError(batch_refused(backend, exc)) from None
        finally:
            backend.close()
        with transaction(project.db):
            stored_batches.set_status(project.db, info.batch_id, batch.status, now_iso())
            history.add(project.db, "batch", f"run {info.run_id}: batch {info.batch_id} cancelled")
    return refresh(project, batch_id)


@dataclass
class Fetched:
    """What :func:`fetch` stored."""

    batch_ids: list[str] = field(default_factory=list)  # fetched now
    not_ready: list[BatchInfo] = field(default_factory=list)  # still at work at the server
    answered: int = 0  # rows stored with an answer
    failed: list[tuple[int, str]] = field(default_factory=list)  # (row, why), sendable again
    runs: dict[int, str] = field(default_factory=dict)  # run -> its state after the fetch


def fetch(project: Project, batch_id: str | None = None) -> Fetched:
    """Store the answers of each finished batch not fetched yet (or of ``batch_id``) in
    its run; the rows it left unanswered are stored as retryable errors and listed."""
    result = Fetched()
    for info in refresh(project, batch_id):
        if info.fetched:
            continue
        if not info.finished:
            result.not_ready.append(info)
            continue
        _store(project, info, result)
        result.batch_ids.append(info.batch_id)
    return result


def _store(project: Project, info: BatchInfo, result: Fetched) -> None:
    db = project.db
    spec, task, backend = _backend(project, info.run_id, info.batch_id)
    try:
        batch = backend.client.batches.retrieve(info.batch_id)
        lines = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                content = backend.client.files.content(file_id)
                for item in parse_results(content.iter_lines()):
                    lines[item.custom_id] = item
    except RunError:
        raise
    except Exception as exc:
        raise RunError(batch_refused(backend, exc)) from None
    try:
        requests = json.loads(stored_batches.requests_of(db, info.batch_id))
        frame = project.corpus().frame
        text_of = input_maker(task, frame, spec.text_column)
        writer = Writer(db, info.run_id, task, backend, None)
        long_texts = LongTexts(backend, task)
        missing = _why_missing(batch)
        for row_id, pieces in _rows(requests).items():
            rows = requests[pieces[0]]
            text = text_of(row_id)
            outcome = _outcome(backend, task, long_texts, text, pieces, lines, missing)
            writer.same[row_id] = rows[1:]
            writer.add(row_id, text, outcome, False)
            if isinstance(outcome, RowError):
                result.failed.extend((r, outcome.message) for r in rows)
            else:
                result.answered += len(rows)
        writer.flush()
    finally:
        backend.close()
    note = f"{result.answered:,} answered, {len(result.failed):,} failed"
    with transaction(db):
        stored_batches.set_fetched(db, info.batch_id, now_iso(), note)
        history.add(db, "batch", f"run {info.run_id}: batch {info.batch_id} fetched: {note}")
        state = settle_run(db, info.run_id)
    result.runs[info.run_id] = "complete" if state == "done" else "interrupted"


def _rows(requests: dict[str, list[int]]) -> dict[int, list[str]]:
    """Each asked row's request ids, its pieces in order."""
    out: dict[int, list[str]] = {}
    for cid in sorted(requests, key=parse_custom_id):
        out.setdefault(parse_custom_id(cid)[0], []).append(cid)
    return out


def _why_missing(batch) -> str:
    """Why a request of ``batch`` has no result line."""
    if batch.status == "failed":
        errors = getattr(getattr(batch, "errors", None), "data", None) or []
        said = "; ".join(str(getattr(e, "message", e)) for e in errors[:3])
        return f"the batch failed at the server{': ' + said if said else ''}"
    if batch.status == "expired":
        return "the batch expired (24 h) before this row was answered"
    if batch.status == "cancelled":
        return "the batch was cancelled before this row was answered"
    return f"the batch ({batch.status}) returned no result for this row"


def _outcome(backend, task, long_texts, text, pieces, lines, missing) -> dict | RowError:
    """The row's outcome from its pieces' results, read and combined as a run does."""
    from openai.types.chat import ChatCompletion

    from .tasks.base import ParseError

    plan = long_texts.plan([text])[0]
    if len(plan.pieces) != len(pieces):
        return RowError(
            "the text is split differently now than when the batch was sent; send it "
            "again as an ordinary run",
            retryable=True,
        )
    answers: list[dict | RowError] = []
    for cid in pieces:
        item: Result | None = lines.get(cid)
        if item is None:
            answers.append(RowError(missing, retryable=True))
        elif item.body is None:
            answers.append(RowError(f"batch: {item.error}", retryable=True))
        else:
            try:
                reply = ChatCompletion.model_validate(item.body)
                answers.append(backend.read_answer(task, reply))
            except (ParseError, ValueError) as exc:
                # not asked again with the reason, as a run would: sent again as a run
                answers.append(RowError(f"unreadable answer in the batch: {exc}", retryable=True))
    return long_texts.finish(plan, answers)

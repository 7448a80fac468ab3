"""Settling the batches a killed process left pending (:func:`.batch_runs.submit_batches`
stores each batch, with a random key, before its file is uploaded, and its id once the
server has created it).

A pending record means llmstudio stopped (was killed, lost power, lost the network)
between storing it and storing the batch's id. The batch may exist at the server, running
and billed: :func:`reconcile` lists the server's batches and adopts the one whose metadata
carries the record's key (it is then followed and fetched like any other). When none
does, the batch was never created: the record is dropped, so its rows are sent again by
the next run or batch, and the file uploaded for it, if any, is deleted at the server.
Either way the project's history says so, and the caller shows the message.

It runs whenever a project is opened for batch work (``llmstudio batch``, a new
``annotate --batch``, the Jobs panel's checks); a record whose run a live job still fills
(another process, or a job of this window sending it now) is left to that job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .batch_results import run_backend
from .batch_runs import KEY_FIELD, batch_refused, delete_file, settle_run
from .errors import RunBusy, RunError
from .project import Project
from .runs import check_run_free
from .store import batches as stored_batches
from .store import history, transaction
from .store import runs as stored_runs

PAGE = 100  # batches per page of the server's list (the API's most)
# The list is newest first: once past batches made this long before the oldest record,
# the rest are older than any record (the margin covers a server clock ahead of ours).
CLOCK_MARGIN_S = 6 * 3600


@dataclass
class Reconciled:
    """What became of one pending record."""

    run_id: int
    requests: int
    batch_id: str | None  # the batch adopted; None: it was never created, record dropped
    file_id: str | None = None  # the file uploaded for a batch never created
    file_deleted: bool = False  # ... and deleted at the server now

    @property
    def message(self) -> str:
        """One line for the user (CLI, Jobs panel) and the project's history."""
        if self.batch_id is not None:
            return (
                f"run {self.run_id}: batch {self.batch_id} ({self.requests:,} requests) was "
                "created at the server before llmstudio stopped; found there by its key and "
                "kept, it is followed and fetched like the others"
            )
        said = (
            f"run {self.run_id}: a batch of {self.requests:,} requests was never created at "
            "the server (llmstudio stopped first); its rows were not sent: resuming the run "
            "(or sending it as a batch again) sends them"
        )
        if self.file_id and self.file_deleted:
            return f"{said}; its uploaded file {self.file_id} was deleted at the server"
        if self.file_id:
            return (
                f"{said}; its uploaded file {self.file_id} could not be deleted at the server "
                "(no batch uses it: delete it there)"
            )
        return said


def unconfirmed(project: Project) -> int:
    """How many batches the project stored but does not know to be created at the server."""
    return len(stored_batches.pending(project.db))


def reconcile(project: Project) -> list[Reconciled]:
    """Adopt or drop each pending batch whose run no live job fills (see the module's
    docstring); what became of each. RunError when the server cannot be asked (the
    records are kept for the next try)."""
    db, path = project.db, Path(project.path).resolve()
    groups: dict[tuple[int, str | None], list[tuple]] = {}
    for record in stored_batches.pending(db):
        key, run_id, file_id, base_url, count, created = record
        if not _filled_by_a_live_job(db, path, run_id):
            groups.setdefault((run_id, base_url), []).append(record)
    out: list[Reconciled] = []
    for (run_id, base_url), records in groups.items():
        _, _, backend = run_backend(project, run_id, base_url)
        try:
            found = _batches_with_keys(backend.client, records)
            files = _files_with_keys(backend.client, records, found)
        except Exception as exc:
            backend.close()
            raise RunError(_cannot_look_up(backend, exc, run_id, records)) from None
        try:
            for key, _, file_id, _, count, _ in records:
                batch = found.get(key)
                if batch is not None:
                    done = Reconciled(run_id, count, batch.id)
                    with transaction(db):  # unless another process settled it meanwhile
                        if stored_batches.set_created(
                            db, key, batch.id, batch.input_file_id, batch.status
                        ):
                            history.add(db, "batch", done.message)
                            out.append(done)
                    continue
                with transaction(db):
                    if not stored_batches.drop_pending(db, key):
                        continue
                file_id = file_id or files.get(key)
                deleted = bool(file_id) and delete_file(backend.client, file_id)
                done = Reconciled(run_id, count, None, file_id, deleted)
                with transaction(db):
                    history.add(db, "batch", done.message)
                out.append(done)
        finally:
            backend.close()
        with transaction(db):  # its process is gone: interrupted, or done
            if stored_runs.fields(db, run_id, "status")[0] == "running":
                settle_run(db, run_id)
    return out


def _cannot_look_up(backend, exc: Exception, run_id: int, records: list[tuple]) -> str:
    requests = sum(r[4] for r in records)
    return (
        f"cannot look up at {backend.host} the batch llmstudio was sending for run "
        f"{run_id} ({requests:,} requests) when it stopped: {batch_refused(backend, exc)}. "
        "Its rows are not sent again until the server says whether it made the batch: "
        "try again when it answers"
    )


def _filled_by_a_live_job(db, path: Path, run_id: int) -> bool:
    """Whether a live job (another process, or one of ours) holds run ``run_id``: its
    pending batch is being sent now and is its to complete."""
    status, pid = stored_runs.fields(db, run_id, "status", "pid")
    try:
        check_run_free(db, path, run_id, status, pid)
    except RunBusy:
        return True
    return False


def _batches_with_keys(client, records: list[tuple]) -> dict[str, object]:
    """The server's batches whose metadata carries one of ``records``' keys, by key: its
    list is read page by page, newest first, until every key is found or the batches are
    older than the oldest record."""
    keys = {r[0] for r in records}
    oldest = min(_seconds(r[5]) for r in records) - CLOCK_MARGIN_S
    found: dict[str, object] = {}
    for batch in client.batches.list(limit=PAGE):  # the client asks for the next pages
        key = (batch.metadata or {}).get(KEY_FIELD)
        if key in keys:
            found[key] = batch
            if len(found) == len(keys):
                break
        if batch.created_at < oldest:
            break
    return found


def _files_with_keys(client, records: list[tuple], found: dict) -> dict[str, str]:
    """The uploaded file of each record not created whose file id was never stored (the
    process stopped while uploading), found by the key in its name."""
    lost = {r[0] for r in records if r[0] not in found and not r[2]}
    if not lost:
        return {}
    out = {}
    for item in client.files.list(purpose="batch"):
        for key in lost:
            if key in (item.filename or ""):
                out[key] = item.id
    return out


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()

"""The runs of a project: what state each is in, which one's columns get the plain names,
and the researcher's actions on them (resume, discard, rename, delete).

One rule, used by the table, the exports, the charts, ``agree`` and the methods record:

* A run is **complete** when it finished over the whole corpus; **interrupted** when it
  stopped early (killed: marked running but its process is gone; cancelled; or done with
  rows still unanswered); **running** while a live process fills it; **failed** when the
  model could not be used; a **trial** when it asked for part of the corpus only.
* Per task (two codebooks are two tasks), the latest *complete* run that is not a
  replicate gives its columns the plain names (``sentiment_label``); every other run's
  columns carry ``_run<N>`` (``sentiment_label_run2``), a suffix that never changes, even
  when the run is renamed. Where two tasks would give the same plain names (coding with
  two codebooks), the newest keeps them and the other is suffixed: never one hiding the
  other.

Qt-free: the window and the CLI call these functions.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .backends.onnx_runtime.choice import LOCAL_KINDS, runtime_of
from .backends.spec import ModelSpec, short_model
from .empty_texts import EMPTY_TEXT
from .errors import LlmstudioError, ProjectError, RunBusy, RunError
from .leftovers import pid_alive, process_started
from .project import Project
from .store import annotations as stored_annotations
from .store import batches as stored_batches
from .store import history, transaction
from .store import runs as stored_runs

COMPLETE, INTERRUPTED, RUNNING, FAILED, TRIAL = (
    "complete",
    "interrupted",
    "running",
    "failed",
    "trial",
)
STATES = (COMPLETE, INTERRUPTED, RUNNING, FAILED, TRIAL)


def stored_json(where, run_id: int, what: str, text: str | None, empty: str = "{}"):
    """A JSON field of run ``run_id`` (``empty`` when there is none: "{}" for an object,
    "[]" for a list); a clear ProjectError naming the project (``where``: it or its path)
    and the run when the file holds something else there (edited or damaged: not JSON,
    or JSON of another shape), never a bare JSONDecodeError or AttributeError later."""
    path = getattr(where, "path", where)
    kind = dict if empty.startswith("{") else list
    try:
        value = json.loads(text or empty)
    except (ValueError, TypeError):
        value = None
        why = "not readable JSON"
    else:
        why = f"not a JSON {'object' if kind is dict else 'list'}"
    if not isinstance(value, kind):
        raise ProjectError(
            f"{path}: the project file is damaged (run {run_id}: its {what} are {why})"
        ) from None
    return value


def run_params(where, run_id: int, text: str | None) -> dict:
    """Run ``run_id``'s stored task parameters (``runs.params``), checked: the one reader
    for every module that reads them (ProjectError naming the run when damaged)."""
    params = stored_json(where, run_id, "parameters", text)
    if not isinstance(params.get("codebook") or {}, dict) or not isinstance(
        params.get("labels") or [], list
    ):
        raise ProjectError(
            f"{getattr(where, 'path', where)}: the project file is damaged "
            f"(run {run_id}: its parameters hold a codebook or labels of the "
            "wrong shape)"
        )
    return params


def run_name(run_id: int, name: str | None = "") -> str:
    """How a run is named to a reader: "run 3", or "run 3 'pilot'" when it has a name."""
    return f"run {run_id}" + (f" {name!r}" if name else "")


@dataclass(frozen=True)
class RunInfo:
    """One stored run as a researcher reads it."""

    run_id: int
    name: str  # the researcher's name for it ("" when none)
    task: str  # sentiment, code, prompt
    task_key: str  # the task for the plain-names rule: "code:Issues"
    backend: str
    model: str  # short: builtin, lexicon, gpt-4o-mini, a folder's name
    status: str  # as stored: running, done, cancelled, failed
    state: str  # one of STATES
    answered: int  # rows with a final answer or error
    failed: int  # of those, rows that ended with an error
    rows_total: int  # rows asked for
    corpus_rows: int
    created: str
    finished: str
    replicate_of: int | None
    pid: int | None
    columns: tuple[str, ...]  # the task's output columns, without any suffix
    codebook: str = ""  # a coding run's codebook ("" for other tasks)

    @property
    def title(self) -> str:
        """ "run 3", or "run 3 'pilot'" when it has a name."""
        return run_name(self.run_id, self.name)

    @property
    def what(self) -> str:
        """ "sentiment", or "code (codebook 'Issues')"."""
        return f"{self.task} (codebook {self.codebook!r})" if self.codebook else self.task

    def state_text(self) -> str:
        """ "complete", "interrupted, 69 of 300 rows", "trial, 5 of 300 rows"..."""
        if self.state == COMPLETE:
            return COMPLETE
        if self.state == TRIAL:
            return f"trial, {self.answered:,} of {self.corpus_rows:,} rows"
        return f"{self.state}, {self.answered:,} of {self.rows_total:,} rows"

    def describe(self) -> str:
        """ "run 2 'pilot': sentiment with builtin, interrupted, 69 of 300 rows" """
        return f"{self.title}: {self.what} with {self.model}, {self.state_text()}"

    def label(self) -> str:
        """ "run 4 'pilot': sentiment by gpt-4o-mini, replicate of run 1": a run in a list
        (the run first, so a narrow list still tells runs apart; the state is the
        caller's to add)."""
        of = f", replicate of run {self.replicate_of}" if self.replicate_of else ""
        return f"{self.title}: {self.task} by {self.model}{of}"

    def list_text(self) -> str:
        """:meth:`label` with the state after it unless complete:
        "run 4: sentiment by gpt-4o-mini, replicate of run 1, interrupted"."""
        return self.label() + ("" if self.state == COMPLETE else f", {self.state}")


def task_key(task: str, params: dict) -> str:
    """The task a run belongs to for the plain-names rule: its name, and for coding the
    codebook it codes with (two codebooks are two tasks)."""
    book = params.get("codebook") or {}
    return f"{task}:{book.get('name', '')}" if task == "code" and book else task


def _state(status: str, live: bool, answered: int, total: int, whole: int) -> str:
    if status == "running" and live:
        return RUNNING
    if status == "failed":
        return FAILED
    if total < whole:
        return TRIAL
    # Marked running with its process gone (killed), cancelled, or rows left unanswered.
    if status in ("running", "cancelled") or answered < total:
        return INTERRUPTED
    return COMPLETE


def run_infos(project: Project) -> list[RunInfo]:
    """Every run of the project with its state, oldest first."""
    whole = int(project.meta("rows", "0") or 0)
    # A row with no text is answered (no label) and not a failure: core/empty_texts.py.
    counts = stored_annotations.counts_by_run(project.db, EMPTY_TEXT)
    out = []
    for (
        run_id,
        name,
        task,
        params,
        backend,
        fingerprint,
        status,
        total,
        created,
        finished,
        replicate_of,
        pid,
        columns,
    ) in stored_runs.all_fields(
        project.db,
        *"id name task params backend fingerprint status rows_total created finished "
        "replicate_of pid columns".split(),
    ):
        params = run_params(project, run_id, params)
        answered, failed = counts.get(run_id, (0, 0))
        total = int(total or 0)
        out.append(
            RunInfo(
                run_id,
                name or "",
                task,
                task_key(task, params),
                backend,
                short_model(
                    backend,
                    stored_json(project, run_id, "model details", fingerprint, "{}").get("model"),
                ),
                status,
                _state(
                    status,
                    status == "running" and _process_holds(project.db, run_id, pid),
                    int(answered or 0),
                    total,
                    whole,
                ),
                int(answered or 0),
                int(failed or 0),
                total,
                whole,
                created or "",
                finished or "",
                replicate_of,
                pid,
                tuple(stored_json(project, run_id, "output columns", columns, "[]"))
                + (f"{task}_error",),
                (params.get("codebook") or {}).get("name", "") if task == "code" else "",
            )
        )
    return out


def run_info(project: Project, run_id: int) -> RunInfo:
    """The run ``run_id``; RunError naming the runs there are when there is none."""
    infos = run_infos(project)
    for info in infos:
        if info.run_id == run_id:
            return info
    raise RunError(no_such_run(project, run_id))


def no_such_run(project: Project, run_id: int) -> str:
    """ "p.llmstudio: no run 9 (the runs are: 1, 2)": the message for a run not there."""
    have = ", ".join(str(r) for r in stored_runs.ids(project.db))
    return f"{project.path}: no run {run_id} (the runs are: {have or 'none yet'})"


def stored_params(project: Project, run_id: int) -> dict | None:
    """Run ``run_id``'s task parameters, checked (:func:`run_params`); None: no such run."""
    row = stored_runs.fields(project.db, run_id, "params")
    return run_params(project, run_id, row[0]) if row is not None else None


def finished_runs(project: Project) -> list[RunInfo]:
    """The runs that ran to their end (stored status done), oldest first: those a replicate
    can repeat and run stability compares."""
    return [i for i in run_infos(project) if i.status == "done"]


def _newest_first(info: RunInfo) -> tuple:
    return (info.finished or info.created, info.run_id)


def plain_runs(infos: list[RunInfo]) -> set[int]:
    """The runs whose columns get the plain names: per task, the latest complete run that
    is not a replicate; where two of them would give the same names, the newest."""
    latest: dict[str, RunInfo] = {}
    for info in infos:
        if info.state == COMPLETE and info.replicate_of is None:
            best = latest.get(info.task_key)
            if best is None or _newest_first(info) > _newest_first(best):
                latest[info.task_key] = info
    chosen: list[RunInfo] = []
    taken: set[str] = set()
    for info in sorted(latest.values(), key=_newest_first, reverse=True):
        if taken.isdisjoint(info.columns):
            chosen.append(info)
            taken.update(info.columns)
    return {info.run_id for info in chosen}


def suffix(run_id: int, plain: set[int]) -> str:
    """The suffix of a run's column names: "" for a plain-named run, else ``_run<N>``."""
    return "" if run_id in plain else f"_run{run_id}"


def table_runs(project: Project) -> list[tuple[RunInfo, str]]:
    """The runs the table shows, each with its column suffix: per task the plain-named
    run, and any interrupted or running run newer than it (so that it is seen, under its
    own names); a task with no complete run shows its newest run. Replicates and older
    runs are left to the exports. The plain-named runs come first."""
    infos = run_infos(project)
    plain = plain_runs(infos)
    by_key: dict[str, list[RunInfo]] = {}
    for info in infos:
        if info.replicate_of is None:
            by_key.setdefault(info.task_key, []).append(info)
    shown: list[RunInfo] = []
    for runs in by_key.values():
        base = next((r for r in runs if r.run_id in plain), None)
        if base is None:
            # Another codebook's run holds the names: its latest complete run, suffixed.
            complete = [r for r in runs if r.state == COMPLETE]
            base = max(complete, key=_newest_first) if complete else None
        if base is None:
            shown.append(max(runs, key=lambda r: r.run_id))
            continue
        shown.append(base)
        shown += [r for r in runs if r.run_id > base.run_id and r.state in (INTERRUPTED, RUNNING)]
    # The plain-named runs first: a chart's first choice and the reader's eye land there.
    return sorted(
        ((info, suffix(info.run_id, plain)) for info in shown),
        key=lambda item: (item[1] != "", item[0].run_id),
    )


def interrupted_runs(project: Project) -> list[RunInfo]:
    """The runs that stopped before the end and can be resumed or discarded (not those
    waiting for a batch's answers: the Jobs panel's batches follow them)."""
    waiting = stored_batches.runs_waiting(project.db)
    return [i for i in run_infos(project) if i.state == INTERRUPTED and i.run_id not in waiting]


# -- actions -------------------------------------------------------------------------------


def rename_run(project: Project, run_id: int, name: str | None) -> RunInfo:
    """Give run ``run_id`` a name ("" or None: back to plain "run N"). Its columns keep
    their ``_run<N>`` suffix, so scripts that read them go on working."""
    info = run_info(project, run_id)
    name = " ".join((name or "").split())
    if len(name) > 80:
        raise RunError(f"a run's name is at most 80 characters; {name[:20]!r}... has {len(name)}")
    with transaction(project.db):
        stored_runs.rename(project.db, run_id, name or None)
        history.add(
            project.db,
            "runs",
            f"renamed run {run_id} from {info.name or '(no name)'!r} to {name or '(no name)'!r}",
        )
    return run_info(project, run_id)


def delete_run(project: Project, run_id: int, *, only_interrupted: bool = False) -> RunInfo:
    """Delete run ``run_id`` and its answers. The response cache stays (running the same
    task again pays for nothing) and human codes are never touched. A run that is running
    is refused; ``only_interrupted`` (discard) refuses any run but an interrupted one."""
    info = run_info(project, run_id)
    if info.state == RUNNING:
        raise RunError(f"{info.title} is running (process {info.pid}); cancel it first")
    if only_interrupted and info.state != INTERRUPTED:
        raise RunError(
            f"{info.title} is {info.state_text()}, not interrupted: only an "
            "interrupted run is discarded (delete removes any run)"
        )
    waiting = stored_batches.unfetched_of_run(project.db, run_id)
    if waiting:  # billed at the server: its answers would have no run to go to
        what = f"batch {waiting[0]}" if waiting[0] else "a batch being sent"
        raise RunError(
            f"{info.title} waits for {what} at the server: fetch or cancel it first "
            "(llmstudio batch status|fetch|cancel, or the Jobs panel)"
        )
    action = "discarded" if only_interrupted else "deleted"
    with transaction(project.db):
        stored_batches.delete_of_run(project.db, run_id)  # fetched: their answers go too
        replicates = stored_runs.replicates_of(project.db, run_id)
        # A replicate of it stays, no longer pointing at a run that is gone (said below).
        stored_runs.delete(project.db, run_id)
        note = (
            f"; its replicate run{'s' if len(replicates) > 1 else ''} "
            f"{', '.join(map(str, replicates))} kept"
            if replicates
            else ""
        )
        history.add(
            project.db,
            "runs",
            f"{action} {info.describe()} ({info.answered:,} answers; the "
            f"response cache kept){note}",
        )
    return info


def discard_run(project: Project, run_id: int) -> RunInfo:
    """Delete an interrupted run (see :func:`delete_run`)."""
    return delete_run(project, run_id, only_interrupted=True)


# -- resuming ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResumeSpec:
    """What a run was made with, to run it again with the same settings."""

    run_id: int
    options: object  # tasks.build.TaskOptions
    model: str  # a model SPEC: builtin, lexicon, hf:PATH, openai:MODEL
    endpoint: str  # API runs: the host the texts went to ("" for local models)
    backend_options: dict  # openai: temperature, seed, max_tokens as the run had them
    text_column: str
    params: dict  # the task's parameters as stored (checked against the rebuilt)


def resume_spec(project: Project, run_id: int) -> ResumeSpec:
    """How to resume run ``run_id``: RunError unless it is interrupted and llmstudio can
    rebuild its task exactly (same parameters, so the same run is resumed)."""
    info = run_info(project, run_id)
    if info.state != INTERRUPTED:
        why = {
            COMPLETE: "it is complete: nothing to resume",
            RUNNING: f"it is running now (process {info.pid})",
            FAILED: "it failed (the model could not be used); start it again from the "
            "run dialog or llmstudio annotate",
            TRIAL: "it is a trial on part of the corpus; run the task on the whole corpus instead",
        }[info.state]
        raise RunError(f"cannot resume {info.title}: {why}")
    if info.replicate_of is not None:  # its spec carries its replicate index: not ours
        raise RunError(
            f"{info.title} is a replicate of run {info.replicate_of}: resume it "
            f"with llmstudio replicate PROJECT --run {info.replicate_of} and the "
            "same changes (its answers so far are kept and not asked again)"
        )
    return run_settings(project, run_id)


def run_settings(project: Project, run_id: int) -> ResumeSpec:
    """The task options, model SPEC and settings run ``run_id`` was made with, whatever
    its state (a replicate starts from them); RunError when llmstudio cannot make its
    task the same way again (then the same settings would not be the same run)."""
    from .tasks.build import make_task, options_from_params

    info = run_info(project, run_id)
    params_json, backend, fingerprint, column = stored_runs.fields(
        project.db, run_id, "params", "backend", "fingerprint", "text_column"
    )
    params = run_params(project, run_id, params_json)
    fp = stored_json(project, run_id, "model details", fingerprint, "{}")
    try:
        options = options_from_params(params)
        rebuilt = make_task(options).params()
    except LlmstudioError as exc:
        raise RunError(
            f"cannot run {info.title} again: its task cannot be made again ({exc})"
        ) from None
    if rebuilt != {k: v for k, v in params.items() if k != "replicate"}:
        raise RunError(
            f"cannot run {info.title} again: it was made by another llmstudio version "
            "whose task settings this one does not make the same way; run the "
            "task again instead"
        )
    backend_options: dict = {}
    endpoint = ""
    spec = ModelSpec.from_fingerprint({**fp, "kind": backend})
    if spec is not None:
        model = str(spec)
        if spec.info.network:  # the server it asked, and its sampling settings
            endpoint = str(fp.get("endpoint") or "")
            backend_options = {k: fp[k] for k in ("temperature", "seed", "max_tokens") if k in fp}
        elif spec.kind in LOCAL_KINDS:  # the runtime it ran with, whatever the default
            backend_options = {"runtime": runtime_of(fp)}
    else:
        raise RunError(
            f"cannot run {info.title} again: its model ({backend}) is not one "
            "llmstudio can load again"
        )
    return ResumeSpec(run_id, options, model, endpoint, backend_options, column, params)


def base_url_for(spec: ResumeSpec, base_url: str | None) -> str | None:
    """The base URL to resume an API run with: ``base_url`` when it names the run's host,
    None for api.openai.com; RunError when the run's server is elsewhere and not given."""
    from .secrets import endpoint_id

    if not spec.endpoint:
        return None
    if base_url:
        if endpoint_id(base_url) != spec.endpoint:
            raise RunError(
                f"run {spec.run_id} was sent to {spec.endpoint}, not "
                f"{endpoint_id(base_url)}: give that server's base URL"
            )
        return base_url
    if spec.endpoint == endpoint_id(None):
        return None
    raise RunError(
        f"run {spec.run_id} was sent to {spec.endpoint}: give its base URL "
        f"(e.g. --base-url http://{spec.endpoint}/v1)"
    )


def note_resume(project: Project, run_id: int) -> None:
    """Say in the project's history that run ``run_id`` was resumed (the runner then logs
    the run itself)."""
    with transaction(project.db):
        history.add(project.db, "runs", f"resumed run {run_id} with its stored settings")


# -- one job per run -----------------------------------------------------------------------
#
# Two jobs filling one run would each ask the model for the same rows and pay twice. The
# job that finds or makes a run claims it (status running, its pid, in the transaction that
# finds it); another process then finds it claimed and is refused, with who holds it. A
# claim left by a killed process is stale as soon as its pid is gone, or is taken by a
# process started after the claim (the run's state reads it the same way). In one process
# (the window runs several jobs) the pid is ours either way: the runs held by live jobs of
# this process are kept here.

_held: set[tuple[str, int]] = set()
_held_lock = threading.Lock()


def _claimed_at(db, run_id: int) -> datetime | None:
    """When run ``run_id`` was last started or resumed (its line in the history), or None
    when the history does not say."""
    at = history.last_at(db, "run", f"run {run_id}:")
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")) if at is not None else None
    except (TypeError, ValueError):
        return None


def _reused(pid: int, claimed: datetime | None) -> bool:
    """Whether ``pid`` is now another process than the one that claimed the run: it
    started after the claim (a killed job's pid taken by a new process)."""
    started = process_started(pid)
    # The boot time the start is counted from has whole seconds: a margin of two.
    return started is not None and claimed is not None and started > claimed.timestamp() + 2


def _process_holds(db, run_id: int, pid: int | None) -> bool:
    """Whether the process that marked run ``run_id`` as running (``pid``) still runs:
    its pid is alive and was not taken, since the claim, by a new process."""
    return pid is not None and pid_alive(pid) and not _reused(pid, _claimed_at(db, run_id))


def check_run_free(db, path, run_id: int, status: str, pid: int | None) -> None:
    """RunBusy unless run ``run_id`` (stored ``status`` and ``pid``) can be claimed by
    this job: not running, or its process is gone, or (this process) no live job of ours
    holds it. Called inside the write transaction that then claims it. The message starts
    with the run and the project's file name: the Jobs panel's cell shows its start."""
    if status != "running" or pid is None:
        return
    if pid == os.getpid():
        with _held_lock:
            mine = (str(path), run_id) in _held
        if not mine:
            return  # a job of ours that ended without saying so: nobody fills it now
        holder = "another job in this window (see the Jobs panel)"
    elif _process_holds(db, run_id, pid):
        holder = f"another llmstudio process (pid {pid})"
    else:
        return  # killed: its finished rows are kept, the rest are ours to ask
    row = stored_runs.fields(db, run_id, "name", "task")
    claimed = _claimed_at(db, run_id)
    since = claimed.strftime("%Y-%m-%d %H:%M UTC") if claimed else ""
    raise RunBusy(
        f"{run_name(run_id, row[0] if row else '')} of {Path(path).name} "
        f"({row[1] if row else 'a task'} "
        f"with the same model and settings) is being filled by {holder}"
        f"{', since ' + since if since else ''}; nothing was sent. Wait for it to finish, "
        "or cancel it (Cancel in the window's Jobs panel, Ctrl+C in its terminal"
        f"{'' if pid == os.getpid() else f', or kill {pid}'}), then run this again: the "
        "rows it finished are kept and not asked again"
    )


def hold_run(path, run_id: int) -> None:
    """Mark run ``run_id`` of project ``path`` as held by a live job of this process."""
    with _held_lock:
        _held.add((str(path), run_id))


def release_run(path, run_id: int) -> None:
    """The job holding run ``run_id`` ended (whatever the way)."""
    with _held_lock:
        _held.discard((str(path), run_id))

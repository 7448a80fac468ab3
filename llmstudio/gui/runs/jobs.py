"""One model run in the background: ``runner.run_job`` on a worker thread.

A :class:`~.background.BackgroundTask` (paced to the window) runs it: the worker thread
talks to the GUI only through signals, queued into the GUI thread: one per flush of the
runner (a few a second), never one per row. Cancel cancels the task's monitor, which
``run_job`` polls; the rows finished so far are already in the project, and starting the
same job again resumes it (``run_job`` finds the stored run by its spec).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QObject, Qt, Signal

from ...core.backends import ModelSpec, ModelSpecError, make_backend
from ...core.backends.base import Backend
from ...core.backends.onnx_runtime.choice import AUTO, LABELS
from ...core.empty_texts import EMPTY_TEXT
from ...core.notices import notices_to
from ...core.priority import lower_this_thread
from ...core.progress import Monitor
from ...core.project import Project
from ...core.results import batch_frame, result_columns, run_frame, shown_name
from ...core.run_progress import JobResult, Progress
from ...core.runner import run_job
from ...core.secrets import accept_url, effective_base_url, endpoint_id, redact
from ...core.send_plan import leaves_computer
from ...core.tasks import SentimentTask
from ...core.tasks.base import Task
from ...core.tasks.build import TaskOptions, make_task
from ..common.background import BackgroundTask
from ..common.errors import describe

TASK_TITLES = {"sentiment": "Sentiment", "code": "Coding", "prompt": "Prompt"}


@dataclass(frozen=True)
class JobSpec:
    """What to run: a task and a model SPEC, as ``llmstudio annotate`` takes them.

    ``options`` describes the task as the CLI's flags do (None: sentiment with ``labels``).
    It is never changed once in a spec: its values are immutable (a tuple of examples,
    a frozen ``Codebook``), so a spec can be handed to a worker thread as it is.
    """

    model: str = "builtin"  # builtin, lexicon, hf:PATH_OR_HUB_ID, openai:MODEL
    base_url: str | None = None  # openai: any OpenAI-compatible server
    labels: tuple[str, ...] = SentimentTask().labels
    concurrency: int | str = 8  # or "auto:64" (core/backends/auto_concurrency.py)
    text_column: str = ""
    options: TaskOptions | None = None
    replicate: object | None = None  # a core.replicate.ReplicatePlan: ask a run again
    batch: bool = False  # sent through the server's Batch API (gui/runs/batch_jobs.py)
    # local models: auto, torch, onnx or onnx-int8 (core.backends.onnx_runtime); None: the
    # default (a model that does not run here)
    runtime: str | None = None

    def __post_init__(self):
        # A password or token typed in the base URL goes with the requests; the spec (shown
        # in the Jobs panel, kept with the job) holds the URL without it.
        if self.base_url:
            object.__setattr__(self, "base_url", accept_url(self.base_url))

    @property
    def task_name(self) -> str:
        """``sentiment``, ``code`` or ``prompt``: the task's name, its columns' prefix."""
        return self.options.task if self.options is not None else "sentiment"

    @property
    def task_title(self) -> str:
        title = TASK_TITLES.get(self.task_name, self.task_name.capitalize())
        if self.replicate is not None:
            return f"{title}, replicate of run {self.replicate.of}"
        return title

    def task_options(self) -> TaskOptions:
        if self.options is not None:
            return self.options
        return TaskOptions(task="sentiment", labels=tuple(self.labels))

    @property
    def remote(self) -> bool:
        """True when the texts leave this computer (consent is asked first); an API
        server on this computer (a loopback base URL) is not remote."""
        return leaves_computer(self.model, self.base_url)

    @property
    def endpoint(self) -> str:
        """The host texts are sent to (remote models only): OPENAI_BASE_URL's when no base
        URL is given, as the client does."""
        return endpoint_id(effective_base_url(self.base_url))

    def task(self) -> Task:
        """The task to run: the one place the GUI makes tasks (``make_task``, as the CLI).
        Raises LlmstudioError for options that do not make a task."""
        if self.replicate is not None:
            return self.replicate.task()
        return make_task(self.task_options())

    def backend(self) -> Backend:
        if self.replicate is not None:  # the run's model, with its settings and the change
            return self.replicate.backend(self.concurrency)
        options = {"runtime": self.runtime} if self.runtime else {}
        return make_backend(
            self.model, base_url=self.base_url or None, concurrency=self.concurrency, **options
        )

    def model_name(self) -> str:
        """The model as a researcher reads it in the Jobs panel."""
        try:
            spec = ModelSpec.parse(self.model)
        except ModelSpecError:
            return self.model
        if not spec.info.named:
            return spec.info.title + self._runtime_note()
        if spec.info.network:
            return f"{spec.name} at {self.endpoint}"
        return f"{spec.info.title} {spec.name}{self._runtime_note()}"

    def _runtime_note(self) -> str:
        chosen = self.runtime not in (None, AUTO)  # automatic: the record says what ran
        return f" ({LABELS[self.runtime]})" if chosen else ""


@dataclass
class JobState:
    """What the Jobs panel shows for a job (GUI thread only)."""

    status: str = "waiting"  # waiting, loading, running, cancelling, cancelled, done, failed
    progress: Progress | None = None
    message: str = ""  # why it failed
    notice: str = ""  # what loading the model is doing (a conversion: seconds), if said
    # What stays said of the run once it has loaded (it runs with PyTorch: ONNX Runtime
    # could not convert the model): the status of the finished job keeps it.
    warnings: list[str] = field(default_factory=list)
    busy: bool = False  # refused: another job (another process) fills its run
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row id, message)


class Job(QObject):
    """A model run over a project's corpus; :meth:`start` again to resume it."""

    sig_changed = Signal()  # status or progress changed
    sig_results = Signal(object)  # a DataFrame of results by row id
    sig_ended = Signal()
    sig_run = Signal(int)  # the run it fills is known (before its rows come)

    # Emitted in the worker thread, delivered in the GUI thread (queued).
    _sig_run = Signal(int)
    _sig_rows = Signal(object)
    _sig_loaded = Signal()
    _sig_notice = Signal(str, bool)

    def __init__(
        self,
        spec: JobSpec,
        project_path: str | Path,
        corpus_columns,
        parent=None,
        rows: list[int] | None = None,
    ):
        super().__init__(parent)
        self.spec = spec
        self.rows = None if rows is None else list(rows)  # None: every row (a trial: a few)
        self.project_path = Path(project_path)
        self.columns = [shown_name(c, corpus_columns) for c in result_columns(spec.task())]
        self.corpus_columns = list(corpus_columns)
        self.state = JobState()
        self.result: JobResult | None = None
        self.background = BackgroundTask(self, pace=True)
        self.background.sig_progress.connect(self._on_progress)
        self.background.sig_result.connect(self._on_done)
        self.background.sig_error.connect(self._on_error)
        self.background.sig_finished.connect(self._on_finished)
        self.started = False  # once started, Start again resumes
        queued = Qt.ConnectionType.QueuedConnection
        self._sig_rows.connect(self._on_rows, queued)
        self._sig_loaded.connect(self._on_loaded, queued)
        self._sig_notice.connect(self._on_notice, queued)
        self._sig_run.connect(self._on_run, queued)
        self.run_id: int | None = None  # the run it fills, once run_job has found or made it

    @property
    def running(self) -> bool:
        return self.background.running

    @property
    def worker(self):
        """The thread-pool worker while the job runs, else None."""
        return self.background.worker

    def start(self) -> None:
        """Run (or resume) the job in the background."""
        if self.running:
            return
        first = not self.started
        self.started = True
        self.result = None
        self.state.message = self.state.notice = ""
        self.state.warnings = []
        self.background.start(self._work, first)
        self._set_status("loading")  # after: listeners see a running job

    def cancel(self) -> None:
        """Stop at the next batch (within about a second); finished rows are kept."""
        if self.running and not self.background.cancelled:
            self.background.cancel()
            self._set_status("cancelling")

    # -- in the worker thread ---------------------------------------------------------

    def _work(self, first: bool, monitor: Monitor) -> JobResult:
        lower_this_thread()  # the model's threads start from here: the window stays first
        self.background.wait_shown()  # the window shows the new job before the model loads
        task = self.spec.task()
        # Loading a model takes seconds, converting one for ONNX Runtime more: not in the
        # GUI thread, and what it is doing is shown beside the job (core.notices).
        with notices_to(self._sig_notice.emit):
            backend = self.spec.backend()
        try:
            self._sig_loaded.emit()
            # Its own connection: the window keeps using its own in the GUI thread.
            with Project.open(self.project_path) as project:
                column = self.spec.text_column or project.text_column

                def found(run_id: int) -> None:
                    # First the run (the window names its columns by it), then the rows
                    # it already holds (a resumed job's rows came in while it ran).
                    self._sig_run.emit(run_id)
                    if first and self.rows is None:
                        stored = run_frame(project, run_id, self.corpus_columns)
                        if len(stored):
                            self._sig_rows.emit(stored)

                on_rows = lambda batch: self._sig_rows.emit(  # noqa: E731
                    batch_frame(task, batch, self.corpus_columns)
                )
                if self.spec.replicate is not None:
                    from ...core.replicate import run_replicate

                    return run_replicate(
                        project,
                        self.spec.replicate,
                        backend,
                        monitor=monitor,
                        on_rows=on_rows,
                        on_run=found,
                    )
                return run_job(
                    project,
                    task,
                    backend,
                    text_column=column,
                    rows=self.rows,
                    monitor=monitor,
                    on_rows=on_rows,
                    on_run=found,
                )
        finally:
            backend.close()

    # -- in the GUI thread ------------------------------------------------------------

    def _set_status(self, status: str) -> None:
        if self.state.status == "cancelling" and status == "running":
            return  # a late "loaded" must not hide that Cancel was pressed
        self.state.status = status
        self.sig_changed.emit()

    def _on_run(self, run_id: int) -> None:
        self.run_id = run_id
        self.sig_run.emit(run_id)

    def _on_loaded(self) -> None:
        self.state.notice = ""
        self._set_status("running")

    def _on_notice(self, message: str, lasting: bool) -> None:
        self.state.notice = message
        if lasting:
            self.state.warnings.append(message)
        self.sig_changed.emit()

    def _on_progress(self, done, total, detail: dict) -> None:
        self.state.progress = detail["record"]  # the runner's: rows, speed, time left
        self.sig_changed.emit()

    def _on_rows(self, frame: pd.DataFrame) -> None:
        errors = frame[self.columns[-1]].dropna()
        errors = errors[errors != EMPTY_TEXT]  # a row with no text is not a failure
        self.state.errors.extend((int(r), str(m)) for r, m in errors.items())
        self.sig_results.emit(frame)

    def _on_done(self, result: JobResult) -> None:
        self.result = result
        self.state.status = result.status

    def _on_error(self, exc: BaseException) -> None:
        from ...core.errors import RunBusy

        self.state.status = "failed"
        self.state.busy = isinstance(exc, RunBusy)
        self.state.message = redact(describe(exc))  # a server's error may echo a key

    def _on_finished(self) -> None:
        self.sig_changed.emit()
        self.sig_ended.emit()

"""Model runs in the main window: the Run Model… and Model Settings… actions, the Jobs
panel, consent before an API run, and result columns in the corpus table."""

from __future__ import annotations

import gc
import re
from dataclasses import replace

import pandas as pd
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMessageBox, QStyle

from ...core.backends.spec import ModelSpec, short_spec
from ...core.no_rows import zero_rows_message
from ...core.results import (
    RunLabel,
    code_names,
    has_runs,
    latest_results,
    may_say_nothing,
    result_columns,
    says_nothing,
    shown_name,
)
from ...core.send_plan import send_plan, sent_columns
from ..common.consent_dialog import ask_consent
from ..common.workers import wait_for_all
from .batch_jobs import BatchJobs
from .jobs import Job, JobSpec
from .jobs_panel import JobsPanel
from .run_dialog import RunDialog

PANEL_HEIGHT = 170
SCORE_NOTE = "The score is the model's confidence in its label, from 0 to 1."
# What a run's other columns hold (by the end of their name): confidence is named only
# where it is the value.
COLUMN_NOTES = {
    "valence": "Signed sentiment from −1 to 1: the label probabilities weighted by the "
    "labels' valence (3 points: P(positive) − P(negative)); empty where the "
    "model gives no probabilities.",
    "lexicon": "The VADER lexicon's label, to compare with the model's.",
    "chunks": "How many chunks the text was split into for this model (1: read whole).",
    "truncated": "1 where the text was cut to what this model reads at once.",
    "error": "Why the row failed, where it did.",
}


def column_note(name: str, note: str = SCORE_NOTE) -> str:
    """What result column ``name`` (``sentiment_valence_run3``...) holds, for its header's
    tooltip: ``note`` (the score's meaning) for a score column."""
    base = re.sub(r"_run\d+$", "", name)
    if base.endswith("_score"):
        return note
    return next((text for end, text in COLUMN_NOTES.items() if base.endswith("_" + end)), "")


SHUTDOWN_WAIT_MS = 3000  # on quit: long enough for a cancelled job to record its last rows


class ModelRuns(QObject):
    """Owns the jobs of one window; the window only places the actions and the dock."""

    sig_results_shown = Signal()  # an opened project's stored results are in the table
    sig_job_added = Signal(object)  # a Job started in this window (its sig_ended follows)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.act_run = QAction("&Run Model…", window)
        self.act_run.setShortcut(QKeySequence("Ctrl+R"))
        self.act_run.setStatusTip(
            "Label every text with a model: sentiment, a codebook, or your own prompt"
        )
        self.act_run.setToolTip("Label every text with a model (Ctrl+R)")
        self.act_run.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.act_run.triggered.connect(lambda: self.ask_run())  # not triggered(checked)
        self.act_codebooks = QAction("&Codebooks…", window)
        self.act_codebooks.setShortcut(QKeySequence("Ctrl+B"))
        self.act_codebooks.setStatusTip("Write, change, import and export the project's codebooks")
        self.act_codebooks.setToolTip("The project's codebooks (Ctrl+B)")
        self.act_codebooks.triggered.connect(self.ask_codebooks)
        self.act_settings = QAction("Model &Settings…", window)
        self.act_settings.setStatusTip("Local models, API endpoints and keys, prices")
        self.act_settings.triggered.connect(self.show_settings)
        self.busy_box: QMessageBox | None = None  # the last "run in use" message shown
        self.panel = JobsPanel(window)
        self.panel.sig_goto_row.connect(window.goto_row)
        self.panel.hide()
        self._running: dict[Job, object] = {}
        self._labels: dict[Job, RunLabel] = {}  # which run each job's columns show
        # The suffix of each job's columns: "" the plain names, "_run<N>" (a run newer than
        # the complete one that has them), None until the job's run is known.
        self._suffix: dict[Job, str | None] = {}
        window.sig_loaded.connect(self._show_stored_results)
        self.batches = BatchJobs(self)  # batch runs: sent, followed across sessions, fetched

    @property
    def jobs(self) -> list[Job]:
        return self.panel.jobs

    # -- starting a run ---------------------------------------------------------------

    def ask_run(self, model: str | None = None, codebook: str | None = None) -> None:
        """The whole flow: a project, the run dialog, consent for API models, the job.
        ``model`` (and ``codebook``): chosen in the dialog for coding (Use This Model)."""
        w = self.window
        if w.corpus is None or self._no_rows():
            return
        if w.project is None:
            self._offer_project(
                "Model results are saved in a project file as they arrive, so that a crash "
                "or a cancel loses nothing and a run can be resumed.",
                self.ask_run,
            )
            return
        busy = [j for j in self.jobs if j.running and j.project_path == w.project.path.resolve()]
        if busy:
            QMessageBox.information(
                w,
                "A model is running",
                "Wait for the running job to end, or cancel it in the "
                "Jobs panel, before starting another on this project.",
            )
            return
        dialog = RunDialog(
            w.corpus.text_column,
            w.corpus.rows,
            w,
            project=w.project,
            frame=w.corpus.frame,
            consent=lambda spec, rows: self.consent(
                replace(spec, text_column=w.corpus.text_column), rows
            ),
        )
        if model is not None:  # a classifier trained on a codebook's codes: code with it
            dialog.set_task("code")
            dialog.set_model(model)
            dialog.codebook.setCurrentIndex(max(0, dialog.codebook.findText(codebook or "")))
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            spec = dialog.spec()
        finally:
            dialog.deleteLater()
        self.run(spec)

    def _no_rows(self) -> bool:
        """True, and said, when the open table has no rows: a job over nothing would end
        as "done" having done nothing."""
        w = self.window
        name = w.source.name if w.source is not None else "the table"
        empty = zero_rows_message(w.corpus, name)
        if empty:
            w.show_error("Nothing to run", empty + ".")
        return empty is not None

    def _offer_project(self, why: str, then) -> None:
        """Offer to save the open corpus as a project, then call ``then``."""
        w = self.window
        answer = QMessageBox.question(
            w, "Save as a project first?", f"{why}\n\nSave this corpus as a project now?"
        )
        if answer == QMessageBox.StandardButton.Yes and w.files.ask_save_as():
            self._after_save(then)

    def ask_codebooks(self) -> None:
        """The codebook editor for the open project."""
        from ..coding.codebook_editor import CodebookEditor

        w = self.window
        if w.corpus is None:
            return
        if w.project is None:
            self._offer_project(
                "Codebooks are kept in the project file, with the codes and "
                "the runs made with them.",
                self.ask_codebooks,
            )
            return
        editor = CodebookEditor(w.project, w)
        try:
            editor.exec()
        finally:
            editor.deleteLater()

    def _after_save(self, then) -> None:
        """Call ``then`` once the project save just started has finished (not if it fails)."""
        w = self.window

        def saved(path: str) -> None:
            stop()
            if w.project is not None and str(w.project.path) == path:
                then()

        def stop(*_) -> None:
            w.sig_saved.disconnect(saved)
            w.sig_error.disconnect(stop)

        w.sig_saved.connect(saved)
        w.sig_error.connect(stop)

    def run(self, spec: JobSpec) -> Job | None:
        """Start ``spec`` on the open project's text column; None when consent was refused
        (or no project is open: :meth:`ask_run` offers to save one first)."""
        w = self.window
        if w.project is None or self._no_rows():
            return None
        if spec.batch:  # sent as batches: followed in the Jobs panel's batches, not a Job
            return self.batches.submit(replace(spec, text_column=w.corpus.text_column))
        # A resumed run keeps the text column it was made with.
        spec = replace(spec, text_column=spec.text_column or w.corpus.text_column)
        if spec.remote and not self.consent(spec):
            return None
        job = Job(spec, w.project.path.resolve(), w.corpus.frame.columns, parent=self)
        self._labels[job] = RunLabel(
            spec.task_name,
            short_spec(spec.model),
            status="running",
            code_names=tuple(code_names(spec.task().params()).items()),
        )
        job.sig_results.connect(lambda frame: self._show_results(job, frame))
        job.sig_run.connect(lambda run_id: self._on_run(job, run_id))
        self.keep(job)
        job.sig_changed.connect(lambda: self._relabel(job))
        job.sig_ended.connect(lambda: self._relabel(job))
        job.sig_ended.connect(lambda: self._after_end(job))
        self.panel.add_job(job)
        if self.panel.isHidden():
            self.panel.show()
            # A few job rows need little height; the corpus keeps most of the window.
            w.resizeDocks([self.panel], [PANEL_HEIGHT], Qt.Orientation.Vertical)
        self.panel.raise_()
        if self._would_hide_a_complete_run(job):
            self._suffix[job] = None  # named once its run is known (sig_run)
        else:
            self._suffix[job] = ""
            # Empty result columns now, before the worker competes for the interpreter: the
            # table's relayout and repaint are quick here and slow beside a busy job.
            self._show_results(job, pd.DataFrame(columns=job.columns), whole=True)
            # Its columns in view once, as it starts (new or a former run's): not per batch.
            shown = [
                c for c in map(w.model.column_index, job.columns) if not w.table.isColumnHidden(c)
            ]
            if shown:
                w.widths.scroll_to(max(shown))
        job.start()
        self.sig_job_added.emit(job)
        return job

    def _would_hide_a_complete_run(self, job: Job) -> bool:
        """Whether the job's columns are plain names a complete run holds now: a run not
        yet complete must not take them (it gets ``_run<N>``, unless it resumes that run)."""
        from ...core.runs import plain_runs, run_infos

        infos = run_infos(self.window.project)
        plain = plain_runs(infos)
        taken = {c for i in infos if i.run_id in plain for c in i.columns}
        return bool(taken & set(result_columns(job.spec.task())))

    def _on_run(self, job: Job, run_id: int) -> None:
        """The job's run is known: its label says which, and a job that waited for it
        gets its columns now, plainly when it resumes the run that holds the names."""
        label = self._labels.get(job)
        if label is not None and label.run_id is None:
            self._labels[job] = label.with_status(label.status, run_id)
        if self._suffix.get(job, "") is None and self._shows(job):
            from ...core.runs import plain_runs, run_infos, suffix

            self._suffix[job] = suffix(run_id, plain_runs(run_infos(self.window.project)))
            self._show_results(job, pd.DataFrame(columns=job.columns), whole=True)

    def _names(self, job: Job) -> list[str]:
        """The job's columns as the table shows them (with its suffix)."""
        end = self._suffix.get(job) or ""
        if not end:
            return list(job.columns)
        return [
            shown_name(f"{c}{end}", job.corpus_columns) for c in result_columns(job.spec.task())
        ]

    def consent(self, spec: JobSpec, rows: int | None = None) -> bool:
        """Ask, once per project, endpoint and set of columns, before the texts (and the
        columns a prompt names) leave the computer. ``rows``: only the first rows go (a
        trial); the estimate is for those."""
        w = self.window
        task = spec.task()
        if w.project.has_consent(spec.endpoint, sent_columns(task, [spec.text_column])):
            return True
        frame = w.corpus.frame
        plan = send_plan(
            task,
            frame,
            [spec.text_column],
            spec.endpoint,
            spec.model.partition(":")[2],
            None if rows is None else range(min(rows, len(frame))),
            batch=spec.batch and rows is None,  # a trial is an ordinary run
        )
        return ask_consent(w.project, plan, spec.model_name(), w)

    def keep(self, job: Job) -> None:
        """Hold ``job``'s work in the window's background work while it runs (and keep
        collections from freezing the window meanwhile)."""
        job.sig_changed.connect(lambda: self._track(job))
        job.sig_ended.connect(lambda: self._untrack(job))

    def _track(self, job: Job) -> None:
        # The window's background work holds it while it runs (tests settle on it).
        if job.worker is not None and job not in self._running:
            if not self._running:
                # A full garbage collection walks every object (a big corpus, torch's
                # modules) holding the interpreter for 100 ms and more: the window would
                # freeze mid-job. What exists now is left out of collections until the
                # jobs end; the job's own garbage is still collected.
                gc.freeze()
            self._running[job] = job.worker
            self.window.background_work.keep(job.worker)

    def _untrack(self, job: Job) -> None:
        self._running.pop(job, None)  # the window lets it go itself when it finishes
        if not self._running:
            gc.unfreeze()

    # -- result columns ---------------------------------------------------------------

    def _shows(self, job: Job) -> bool:
        project = self.window.project
        return project is not None and project.path.resolve() == job.project_path

    def _show_results(self, job: Job, frame: pd.DataFrame, whole: bool = False) -> None:
        if self._shows(job) and self._suffix.get(job, "") is not None:  # another corpus
            label = self._labels[job]  # may be open by now
            names = self._names(job)
            if names != list(job.columns):
                frame = frame.rename(columns=dict(zip(job.columns, names)))
            what = f"{job.spec.task_name} by {job.spec.model_name()}"
            if label.run_id is not None:
                what += f" (run {label.run_id}, {label.status})"
            self.put_results(
                frame, whole, what, label, note=SCORE_NOTE if job.spec.task_name != "prompt" else ""
            )

    def _relabel(self, job: Job) -> None:
        """The status bar and detail pane say when a job's run ends, and how."""
        label = self._labels.get(job)
        if label is None:
            return
        status = job.state.status
        if job.running:
            status = "running"  # loading and cancelling too: the run is not over
        elif job.result is not None:
            status = job.result.status
        run_id = job.result.run_id if job.result is not None else None
        new = label.with_status(status, run_id)
        if job.running:
            new = replace(new, part="")  # "69 of 300 rows" was said of it when stopped
        if new != label:
            self._labels[job] = new
            if self._shows(job) and self._suffix.get(job, "") is not None:
                self.window.model.set_run(self._names(job), new)

    def _after_end(self, job: Job) -> None:
        """A job under its ``_run<N>`` names that completed takes the plain names now (the
        project's runs shown afresh); one that stopped early is labelled as the project
        stores it ("interrupted, 69 of 300 rows"), its columns kept where they are so
        that Resume in the Jobs panel goes on filling them."""
        if job.state.busy:
            # Nothing was sent: said in a box as well as in the Jobs panel, where a narrow
            # Status cell would cut the who and the how to go on.
            box = QMessageBox(
                QMessageBox.Icon.Information,
                "The run is in use",
                job.state.message,
                QMessageBox.StandardButton.Ok,
                self.window,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.busy_box = box
            box.open()
        if not self._shows(job):
            return
        ended = job.result.status if job.result is not None else "failed"
        if ended == "done" and self._suffix.get(job):
            self.refresh_results()
        elif ended != "done" and job.result is not None and self._suffix.get(job) is not None:
            from ...core.results import run_label

            label = self._labels[job] = run_label(self.window.project, job.result.run_id)
            self.window.model.set_run(self._names(job), label)

    def refresh_results(self) -> None:
        """Show the open project's stored runs afresh (after a run ended early, was
        renamed, deleted or discarded); not while a job of this window fills columns."""
        w = self.window
        if w.project is None or any(j.running and self._shows(j) for j in self.jobs):
            return
        w.model.clear_results()
        self._show_stored_results(always=True)

    def resume(self, run_id: int) -> Job | None:
        """Resume an interrupted run with the settings it stored: an ordinary job (the
        Jobs panel shows its progress and time left, Cancel stops it). Raises
        LlmstudioError when it cannot be resumed (its message says why)."""
        from ...core.errors import RunError
        from ...core.model_config import load_config
        from ...core.runs import note_resume, resume_spec
        from ...core.secrets import endpoint_id

        w = self.window
        spec = resume_spec(w.project, run_id)
        base_url = None
        if spec.endpoint and spec.endpoint != endpoint_id(None):
            name = ModelSpec.parse(spec.model).name
            known = [
                e for e in load_config().endpoints if e.host == spec.endpoint and e.model == name
            ]
            if not known:
                raise RunError(
                    f"run {run_id} was sent to {spec.endpoint}, which is not among "
                    "the models in Model Settings; add it there (its base URL) "
                    "and resume again"
                )
            base_url = known[0].base_url or None
        # The window's API models run with the reproducible defaults only.
        defaults = {"temperature": 0.0, "seed": 0, "max_tokens": 200}
        if any(spec.backend_options.get(k, v) != v for k, v in defaults.items()):
            raise RunError(
                f"run {run_id} used API settings the window does not set "
                f"({spec.backend_options}); resume it with llmstudio runs resume"
            )
        job_spec = JobSpec(
            model=spec.model,
            base_url=base_url,
            options=spec.options,
            text_column=spec.text_column,
            runtime=spec.backend_options.get("runtime", "torch"),  # ONNX runs stay ONNX
        )
        busy = [j for j in self.jobs if j.running and j.project_path == w.project.path.resolve()]
        if busy:
            raise RunError("wait for the running job to end, or cancel it, before resuming")
        job = self.run(job_spec)
        if job is not None:
            note_resume(w.project, run_id)
        return job

    def put_results(
        self,
        frame: pd.DataFrame,
        whole: bool,
        tip: str,
        run: RunLabel | None = None,
        note: str = SCORE_NOTE,
        bring_into_view: bool = True,
    ) -> None:
        """Show a results frame in the table; its last column is its error column (the
        order of ``run_results``). Columns with nothing to tell (``results.says_nothing``:
        no row failed, no text split) stay hidden until they do: empty columns would only
        push the labels out of view. ``bring_into_view``: scroll to new columns (not for
        an opened project's stored results: it opens scrolled to the left)."""
        model, table = self.window.model, self.window.table
        before = model.columnCount()
        model.put_results(frame, replace=whole, run=run)
        model.set_result_tips(
            {str(c): f"{tip}. {column_note(str(c), note)}".strip() for c in frame.columns}
        )
        changed = False
        for name in frame.columns:
            if not may_say_nothing(name):
                continue
            column = model.column_index(name)
            was_hidden = table.isColumnHidden(column)
            quiet = says_nothing(name, frame[name])
            table.setColumnHidden(column, quiet and (whole or was_hidden))
            changed |= table.isColumnHidden(column) != was_hidden
            if was_hidden and not quiet and model.columnCount() == before:
                self.window.widths.scroll_to(column)  # the first failure or split: why
        if model.columnCount() != before:
            # New columns must not appear off-screen: narrow the texts, and scroll to them.
            self.window.widths.add(range(before, model.columnCount()), bring_into_view)
        if changed:
            self.window.update_counts()  # it counts the result columns in view

    def _show_stored_results(self, always: bool = False) -> None:
        """An opened project's latest results, read in the background (``always``: say
        when they are shown even when there is no run left)."""
        w = self.window
        project, corpus = w.project, w.corpus
        if project is None or not has_runs(project):
            if always and project is not None:
                self.sig_results_shown.emit()
            return

        def done(runs) -> None:
            if w.project is project and w.corpus is corpus:
                for tip, label, frame in runs:
                    self.put_results(frame, True, tip, label, bring_into_view=False)
            self.sig_results_shown.emit()

        w.start_work(
            "Reading model results…",
            latest_results,
            project,
            list(corpus.frame.columns),
            on_done=done,
            error_title="Cannot read the model results",
        )

    # -- settings and closing ---------------------------------------------------------

    def show_settings(self) -> None:
        from .model_settings import ModelSettingsDialog

        dialog = ModelSettingsDialog(self.window)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def running(self) -> list[Job]:
        return [j for j in self.jobs if j.running]

    def may_close(self) -> bool:
        """Before the window closes: True when no job runs. Otherwise ask whether to cancel
        the running jobs; if so they are cancelled and the window closes again once each
        has recorded its last rows (False now either way: not yet)."""
        running = self.running()
        if not running:
            return True
        if not any(j.state.status == "cancelling" for j in running):
            if not ask_cancel_to_close(self.window, running):
                return False
            for job in running:
                job.cancel()
                job.sig_ended.connect(self._close_when_done)
        self.window.statusBar().showMessage(
            "Closing once the cancelled job has recorded its finished rows…"
        )
        return False

    def _close_when_done(self) -> None:
        if not self.running():
            self.window.close()

    def shutdown(self) -> None:
        """On quit: cancel running jobs and let them record their last rows."""
        running = self.running()
        for job in running:
            job.cancel()
        if running:
            wait_for_all(SHUTDOWN_WAIT_MS)


def job_summary(job: Job) -> str:
    """ "sentiment, 120 of 300 rows" (or "coding, loading the model")."""
    p = job.state.progress
    where = f"{p.done:,} of {p.total:,} rows" if p is not None else "loading the model"
    return f"{job.spec.task_title.lower()}, {where}"


def ask_cancel_to_close(parent, jobs: list[Job]) -> bool:
    """Ask whether to cancel the running ``jobs`` and close; True to go ahead."""
    what = "; ".join(job_summary(j) for j in jobs)
    head = (
        f"A job is running ({what})."
        if len(jobs) == 1
        else f"{len(jobs)} jobs are running ({what})."
    )
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "A job is running",
        f"{head} Cancel {'it' if len(jobs) == 1 else 'them'} and close? "
        f"{'Its' if len(jobs) == 1 else 'Their'} finished rows are kept.",
        parent=parent,
    )
    box.setInformativeText("Run the same job again later to resume it.")
    stop = box.addButton(
        "Cancel job and close" if len(jobs) == 1 else "Cancel jobs and close",
        QMessageBox.ButtonRole.DestructiveRole,
    )
    keep = box.addButton("Keep running", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is stop

"""Model runs in the main window: the Run Model… and Model Settings… actions, the Jobs
panel, consent before an API run, and result columns in the corpus table."""

from __future__ import annotations

import gc
from dataclasses import replace

import pandas as pd
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMessageBox, QStyle

from ..core.cost import estimate
from ..core.runner import row_inputs
from .consent_dialog import ConsentDialog
from .jobs import Job, JobSpec
from .jobs_panel import JobsPanel
from ..core.results import RunLabel, code_names, latest_results, running_run_id, spec_model
from .run_dialog import RunDialog

PANEL_HEIGHT = 170
SCORE_NOTE = "The score is the model's confidence in its label, from 0 to 1."
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
        self.act_run.setStatusTip("Label every text with a model: sentiment, a codebook, or "
                                  "your own prompt")
        self.act_run.setToolTip("Label every text with a model (Ctrl+R)")
        self.act_run.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.act_run.triggered.connect(self.ask_run)
        self.act_codebooks = QAction("&Codebooks…", window)
        self.act_codebooks.setShortcut(QKeySequence("Ctrl+B"))
        self.act_codebooks.setStatusTip("Write, change, import and export the project's codebooks")
        self.act_codebooks.setToolTip("The project's codebooks (Ctrl+B)")
        self.act_codebooks.triggered.connect(self.ask_codebooks)
        self.act_settings = QAction("Model &Settings…", window)
        self.act_settings.setStatusTip("Local models, API endpoints and keys, prices")
        self.act_settings.triggered.connect(self.show_settings)
        self.panel = JobsPanel(window)
        self.panel.sig_goto_row.connect(window.goto_row)
        self.panel.hide()
        self._workers: dict[Job, object] = {}
        self._labels: dict[Job, RunLabel] = {}  # which run each job's columns show
        window.sig_loaded.connect(self._show_stored_results)

    @property
    def jobs(self) -> list[Job]:
        return self.panel.jobs

    # -- starting a run ---------------------------------------------------------------

    def ask_run(self) -> None:
        """The whole flow: a project, the run dialog, consent for API models, the job."""
        w = self.window
        if w.corpus is None:
            return
        if w.project is None:
            self._offer_project(
                "Model results are saved in a project file as they arrive, so that a crash "
                "or a cancel loses nothing and a run can be resumed.", self.ask_run)
            return
        busy = [j for j in self.jobs if j.running and j.project_path == w.project.path.resolve()]
        if busy:
            QMessageBox.information(w, "A model is running",
                                    "Wait for the running job to end, or cancel it in the "
                                    "Jobs panel, before starting another on this project.")
            return
        dialog = RunDialog(w.corpus.text_column, w.corpus.rows, w, project=w.project,
                           frame=w.corpus.frame,
                           consent=lambda spec, rows: self.consent(
                               replace(spec, text_column=w.corpus.text_column), rows))
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            spec = dialog.spec()
        finally:
            dialog.deleteLater()
        self.run(spec)

    def _offer_project(self, why: str, then) -> None:
        """Offer to save the open corpus as a project, then call ``then``."""
        w = self.window
        answer = QMessageBox.question(w, "Save as a project first?",
                                      f"{why}\n\nSave this corpus as a project now?")
        if answer == QMessageBox.StandardButton.Yes and w.ask_save_as():
            self._after_save(then)

    def ask_codebooks(self) -> None:
        """The codebook editor for the open project."""
        from .codebook_editor import CodebookEditor

        w = self.window
        if w.corpus is None:
            return
        if w.project is None:
            self._offer_project("Codebooks are kept in the project file, with the codes and "
                                "the runs made with them.", self.ask_codebooks)
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
        if w.project is None:
            return None
        spec = replace(spec, text_column=w.corpus.text_column)
        if spec.remote and not self.consent(spec):
            return None
        job = Job(spec, w.project.path.resolve(), w.corpus.frame.columns, parent=self)
        self._labels[job] = RunLabel(spec.task_name, spec_model(spec.model), status="running",
                                     code_names=tuple(code_names(spec.task().params()).items()))
        job.sig_results.connect(lambda frame: self._show_results(job, frame))
        job.sig_changed.connect(lambda: self._track(job))
        job.sig_changed.connect(lambda: self._relabel(job))
        job.sig_ended.connect(lambda: self._untrack(job))
        job.sig_ended.connect(lambda: self._relabel(job))
        self.panel.add_job(job)
        if self.panel.isHidden():
            self.panel.show()
            # A few job rows need little height; the corpus keeps most of the window.
            w.resizeDocks([self.panel], [PANEL_HEIGHT], Qt.Orientation.Vertical)
        self.panel.raise_()
        # Empty result columns now, before the worker competes for the interpreter: the
        # table's relayout and repaint are quick here and slow beside a busy job.
        self._show_results(job, pd.DataFrame(columns=job.columns), whole=True)
        job.start()
        self.sig_job_added.emit(job)
        return job

    def consent(self, spec: JobSpec, rows: int | None = None) -> bool:
        """Ask, once per project, endpoint and set of columns, before the texts (and the
        columns a prompt names) leave the computer. ``rows``: only the first rows go (a
        trial); the estimate is for those."""
        w = self.window
        task = spec.task()
        columns = [spec.text_column, *[c for c in task.inputs() if c != spec.text_column]]
        if w.project.has_consent(spec.endpoint, columns):
            return True
        frame = w.corpus.frame
        # What is sent, as the runner makes it: the text, or the filled prompt.
        texts = row_inputs(task, frame, spec.text_column,
                           None if rows is None else range(min(rows, len(frame))))
        guess = estimate(task, texts, spec.model.partition(":")[2])
        dialog = ConsentDialog(spec.endpoint, spec.model_name(), columns, len(texts), guess, w)
        try:
            agreed = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
        if agreed:
            w.project.grant_consent(spec.endpoint, columns)
        return agreed

    def _track(self, job: Job) -> None:
        # The window's set of background work: closing waits for it (and tests settle on it).
        if job.worker is not None and job not in self._workers:
            if not self._workers:
                # A full garbage collection walks every object (a big corpus, torch's
                # modules) holding the interpreter for 100 ms and more: the window would
                # freeze mid-job. What exists now is left out of collections until the
                # jobs end; the job's own garbage is still collected.
                gc.freeze()
            self._workers[job] = job.worker
            self.window._workers.add(job.worker)
            # A job holds a pool thread for minutes: opening, exporting and searching must
            # still find one (the pool has one thread per core, one on a small laptop).
            pool = QThreadPool.globalInstance()
            pool.setMaxThreadCount(max(pool.maxThreadCount(), len(self._workers) + 2))

    def _untrack(self, job: Job) -> None:
        self.window._workers.discard(self._workers.pop(job, None))
        if not self._workers:
            gc.unfreeze()

    # -- result columns ---------------------------------------------------------------

    def _shows(self, job: Job) -> bool:
        project = self.window.project
        return project is not None and project.path.resolve() == job.project_path

    def _show_results(self, job: Job, frame: pd.DataFrame, whole: bool = False) -> None:
        if self._shows(job):  # another corpus may be open by now
            label = self._labels[job]
            if label.run_id is None and job.running and len(frame):
                # The worker made (or resumed) the run before its first rows came.
                run_id = running_run_id(self.window.project, job.spec.task_name)
                if run_id is not None:
                    label = self._labels[job] = label.with_status(label.status, run_id)
            self._put(frame, whole, f"{job.spec.task_name} by {job.spec.model_name()}", label,
                      note=SCORE_NOTE if job.spec.task_name != "prompt" else "")

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
        if new != label:
            self._labels[job] = new
            if self._shows(job):
                self.window.model.set_run(job.columns, new)

    def _put(self, frame: pd.DataFrame, whole: bool, tip: str, run: RunLabel | None = None,
             note: str = SCORE_NOTE) -> None:
        """Show a results frame in the table; its last column is its error column (the
        order of ``run_results``), hidden while no row has failed: an empty column would
        only push the labels out of view."""
        model, table = self.window.model, self.window.table
        before = model.columnCount()
        model.put_results(frame, replace=whole, tip=f"{tip}. {note}".strip(), run=run)
        errors = model.column_index(frame.columns[-1])
        failed = bool(frame[frame.columns[-1]].notna().any())
        was_hidden = table.isColumnHidden(errors)
        table.setColumnHidden(errors, not failed and (whole or was_hidden))
        if model.columnCount() != before:
            # New columns must not appear off-screen: narrow the texts, and scroll to them.
            self.window._fit_text_column()
            self._scroll_to(max(c for c in range(before, model.columnCount())
                                if not table.isColumnHidden(c)))
        elif was_hidden and failed:
            self._scroll_to(errors)  # the first failure: say why its cells are empty
        if table.isColumnHidden(errors) != was_hidden:
            self.window._update_counts()  # it counts the result columns in view

    def _scroll_to(self, column: int) -> None:
        table = self.window.table
        # The view sets its scroll range from a timer of its own: first bring it up to date
        # with the new or shown columns, or the scroll stops short of them.
        table.updateGeometries()
        table.scrollTo(table.model().index(max(0, table.currentIndex().row()), column))

    def _show_stored_results(self) -> None:
        """An opened project's latest results, read in the background."""
        w = self.window
        project, corpus = w.project, w.corpus
        if project is None or project.db.execute("SELECT 1 FROM runs LIMIT 1").fetchone() is None:
            return

        def done(runs) -> None:
            if w.project is project and w.corpus is corpus:
                for tip, label, frame in runs:
                    self._put(frame, True, tip, label)
            self.sig_results_shown.emit()

        w._start("Reading model results…", latest_results, project, list(corpus.frame.columns),
                 on_done=done, error_title="Cannot read the model results")

    # -- settings and closing ---------------------------------------------------------

    def show_settings(self) -> None:
        from .model_settings import ModelSettingsDialog

        dialog = ModelSettingsDialog(self.window)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def shutdown(self) -> None:
        """On quit: cancel running jobs and let them record their last rows."""
        running = [j for j in self.jobs if j.running]
        for job in running:
            job.cancel()
        if running:
            QThreadPool.globalInstance().waitForDone(SHUTDOWN_WAIT_MS)

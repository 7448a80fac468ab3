"""Batch runs in the window: the run dialog's "Run as batch" sends the run through the
server's Batch API (``core/batch_runs``), and the Jobs panel's "Batches at the server"
follows every batch the open project sent, also in a later session: its state (asked on
open, every few minutes and on Check now), Fetch once the server is done (the answers go
into the run and the table), Cancel while it runs, and Send again for the rows a batch
left unanswered (an ordinary run of the same settings)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import batch_results
from ...core.batch_recovery import reconcile, unconfirmed
from ...core.batch_runs import submit_batches
from ...core.project import Project
from ..common.background import BackgroundTask
from .jobs import JobSpec

HEADERS = ["Run", "Batch", "Requests", "State", ""]
RUN, BATCH, REQUESTS, STATE, ACTION = range(len(HEADERS))
CHECK_EVERY_MS = 5 * 60 * 1000  # the API finishes within 24 h: no need to ask often


def _submit(path, spec: JobSpec):
    with Project.open(path) as project:
        # a batch a killed session may have created is found before any row is sent again
        found = reconcile(project)
        backend = spec.backend()
        try:
            sent = submit_batches(
                project, spec.task(), backend, text_column=spec.text_column or None
            )
        finally:
            backend.close()
        return found, sent


def _refresh(path):
    with Project.open(path) as project:
        found = reconcile(project)
        batch_results.refresh(project)
        return found, batch_results.batches(project)


def _said(found) -> list[str]:
    """What became of the batches a killed session left unconfirmed, a line each."""
    return [f.message[0].upper() + f.message[1:] for f in found]


def _fetch(path, batch_id: str):
    with Project.open(path) as project:
        return batch_results.fetch(project, batch_id)


def _cancel(path, batch_id: str):
    with Project.open(path) as project:
        return batch_results.cancel(project, batch_id)


class BatchesBox(QWidget):
    """The batches of the open project, one row each, with the action its state allows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel("Batches at the server")
        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Ask the server the state of the batches not fetched")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.check_button)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Stretch)
        self.note = QLabel()
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.table)
        lay.addWidget(self.note)
        self.buttons: dict[str, QPushButton] = {}

    def show_batches(self, infos, interrupted: set[int], act) -> None:
        """One row per batch; ``act(info, action)`` is called by its button."""
        self.table.setRowCount(len(infos))
        self.buttons = {}
        # a run's rows are sent again once none of its batches waits (else refused)
        interrupted = interrupted - {i.run_id for i in infos if not i.fetched}
        for row, info in enumerate(infos):
            texts = (f"Run {info.run_id}", info.batch_id, f"{info.requests:,}", info.state_text)
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
            action = self._action(info, interrupted)
            if action is None:
                self.table.removeCellWidget(row, ACTION)
                continue
            button = QPushButton(action)
            button.clicked.connect(lambda _=False, i=info, a=action: act(i, a))
            self.buttons[info.batch_id] = button
            self.table.setCellWidget(row, ACTION, button)
        waiting = sum(not i.fetched for i in infos)
        self.title.setText(
            f"Batches at the server: {waiting} waiting" if waiting else "Batches at the server"
        )
        self.check_button.setEnabled(bool(waiting))

    @staticmethod
    def _action(info, interrupted: set[int]) -> str | None:
        if not info.fetched:
            return "Fetch" if info.finished else "Cancel"
        if info.run_id in interrupted:
            return "Send again"  # its unanswered rows, as an ordinary run
        return None


class BatchJobs(QObject):
    """The window's batches: submit, follow, fetch, cancel, send again."""

    def __init__(self, runs):
        super().__init__(runs)
        self.runs, self.window = runs, runs.window
        self.box = BatchesBox()
        self.box.hide()
        self.box.check_button.clicked.connect(self.check)
        runs.panel.add_section(self.box)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.window.sig_loaded.connect(self.load)

    def _path(self):
        project = self.window.project
        return project.path.resolve() if project is not None else None

    def _work(self, func, *args, on_done, title: str) -> None:
        task = BackgroundTask(keep_in=self.window.background_work, reports=False)
        task.sig_result.connect(on_done)
        task.sig_error.connect(lambda exc: self.window.show_error(title, exc))
        task.start(func, *args)

    def load(self) -> None:
        """The open project's batches as stored, then their states asked of the server."""
        project = self.window.project
        infos = batch_results.batches(project) if project is not None else []
        self._show(infos)
        # a batch a killed session left unconfirmed is looked up at the server too
        if any(not i.fetched for i in infos) or (project is not None and unconfirmed(project)):
            self.check()

    def check(self) -> None:
        """Ask the server the state of the batches not fetched, and settle those a killed
        session left unconfirmed (in the background)."""
        path = self._path()
        if path is not None:
            self._work(_refresh, path, on_done=self._checked, title="Cannot check the batches")

    def _checked(self, result) -> None:
        found, infos = result
        if found:  # said where the batches are shown (and in the project's history)
            self.box.note.setText("\n".join(_said(found)))
        self._show(infos, keep_note=bool(found))
        if any(f.batch_id is None for f in found):  # its run's rows may now be resumed
            self.runs.refresh_results()

    def _show(self, infos, keep_note: bool = False) -> None:
        if not infos and not keep_note:
            self.box.hide()
            self.timer.stop()
            return
        from ...core.runs import INTERRUPTED, run_infos

        project = self.window.project
        interrupted = (
            {i.run_id for i in run_infos(project) if i.state == INTERRUPTED} if project else set()
        )
        self.box.show_batches(infos, interrupted, self._act)
        self.box.show()
        panel = self.runs.panel
        if panel.isHidden():
            panel.show()
        if any(not i.fetched for i in infos):
            self.timer.start()
        else:
            self.timer.stop()

    def submit(self, spec: JobSpec) -> None:
        """Send ``spec``'s run as batches, after the consent (at the batch price)."""
        path = self._path()
        if path is None or (spec.remote and not self.runs.consent(spec)):
            return
        self.box.note.setText("Uploading the requests…")
        self.box.show()
        self.runs.panel.show()

        def done(result) -> None:
            found, sent = result
            self.box.note.setText("\n".join([*_said(found), sent.summary()]))
            self.load()

        self._work(_submit, path, spec, on_done=done, title="Cannot send the batch")

    def _act(self, info, action: str) -> None:
        path = self._path()
        if action == "Fetch":
            self._work(_fetch, path, info.batch_id, on_done=self._fetched, title="Cannot fetch")
        elif action == "Cancel":
            asked = QMessageBox.question(
                self.window,
                "Cancel the batch?",
                f"Stop batch {info.batch_id} at the server? What it has answered so far can "
                "still be fetched; the other rows can then be sent again as an ordinary run.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if asked == QMessageBox.StandardButton.Yes:
                self._work(
                    _cancel, path, info.batch_id, on_done=lambda _: self.load(), title="Cancel"
                )
        else:
            self.send_again(info.run_id)

    def _fetched(self, got) -> None:
        failed = len(got.failed)
        self.box.note.setText(
            f"Fetched: {got.answered:,} rows answered, {failed:,} failed"
            + (" (their errors are stored in the run; Send again asks them)" if failed else "")
        )
        self.load()
        self.runs.refresh_results()

    def send_again(self, run_id: int):
        """The rows run ``run_id``'s batches left unanswered, as an ordinary run on the
        server the batches went to (the consent was given for the batch)."""
        from ...core.runs import note_resume, resume_spec

        project = self.window.project
        try:
            spec = resume_spec(project, run_id)
        except Exception as exc:
            self.window.show_error("Cannot send again", exc)
            return None
        job = self.runs.run(
            JobSpec(
                model=spec.model,
                base_url=batch_results.base_url_of_run(project, run_id),
                options=spec.options,
                text_column=spec.text_column,
            )
        )
        if job is not None:
            note_resume(project, run_id)
            job.sig_ended.connect(self.load)
        return job

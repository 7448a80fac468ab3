"""Analyse › Runs… (Ctrl+Shift+R): the project's model runs with their states, and Resume /
Discard / Rename / Delete; and the bar that says, when a project opens, that a run was
interrupted (with Resume and Discard). The states and actions are ``core.runs``'."""

from __future__ import annotations

from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core import runs
from ...core.errors import LlmstudioError
from ..common.errors import describe

COLUMNS = ("Run", "Name", "Task", "Model", "State", "Rows", "Columns", "Created", "Finished")
STATE_COLOURS = {
    runs.INTERRUPTED: "#b45309",
    runs.RUNNING: "#1d4ed8",
    runs.FAILED: "#b91c1c",
    runs.TRIAL: "#6b7280",
}


def _when(stamp: str) -> str:
    return stamp[:16].replace("T", " ") if stamp else "-"


class RunsDialog(QDialog):
    """The runs of the window's project; every action goes through ``core.runs`` (and so
    into the project's history)."""

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.setWindowTitle("Runs")
        self.resize(900, 360)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Run an interrupted run to the end with its own settings")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete an interrupted run and its answers")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip(
            "Delete the run and its answers (human codes and the response cache stay)"
        )
        self.resume_button.clicked.connect(self.resume)
        self.discard_button.clicked.connect(lambda: self.delete(discard=True))
        self.rename_button.clicked.connect(self.rename)
        self.delete_button.clicked.connect(lambda: self.delete(discard=False))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.resume_button, self.discard_button, self.rename_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        lay.addLayout(buttons)
        self.infos: list[runs.RunInfo] = []
        self.reload()

    def reload(self, select: int | None = None) -> None:
        project = self.window.project
        self.infos = runs.run_infos(project) if project is not None else []
        plain = runs.plain_runs(self.infos)
        self.table.setRowCount(len(self.infos))
        for row, i in enumerate(self.infos):
            what = i.what + (f", replicate of run {i.replicate_of}" if i.replicate_of else "")
            values = (
                str(i.run_id),
                i.name,
                what,
                i.model,
                i.state_text(),
                f"{i.answered:,} / {i.rows_total:,}",
                f"{i.columns[0]}…" if i.run_id in plain else f"…_run{i.run_id}",
                _when(i.created),
                _when(i.finished),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 4 and i.state in STATE_COLOURS:
                    item.setForeground(QColor(STATE_COLOURS[i.state]))
                item.setToolTip(
                    i.describe()
                    + (
                        "; its columns have the plain names"
                        if i.run_id in plain
                        else f"; its columns end in _run{i.run_id}"
                    )
                )
                self.table.setItem(row, col, item)
        self.note.setText(
            "The latest complete run of each task has the plain column names "
            "(sentiment_label…); every other run's columns end in _run<N>. Deleting a run "
            "keeps the response cache (nothing is paid twice) and never touches human codes."
            if self.infos
            else "No model runs in this project yet."
        )
        target = select if select is not None else (self.infos[-1].run_id if self.infos else None)
        for row, i in enumerate(self.infos):
            if i.run_id == target:
                self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> runs.RunInfo | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.infos[rows.pop()] if len(rows) == 1 else None

    def select(self, run_id: int) -> None:
        self.reload(select=run_id)

    def _update_buttons(self) -> None:
        info = self.selected()
        self.resume_button.setEnabled(info is not None and info.state == runs.INTERRUPTED)
        self.discard_button.setEnabled(info is not None and info.state == runs.INTERRUPTED)
        self.rename_button.setEnabled(info is not None)
        self.delete_button.setEnabled(info is not None and info.state != runs.RUNNING)

    def _done(self, run_id: int | None = None) -> None:
        self.reload(run_id)
        self.window.runs.refresh_results()

    def _error(self, exc: LlmstudioError) -> None:
        QMessageBox.warning(self, "Runs", describe(exc))

    def resume(self) -> None:
        info = self.selected()
        if info is None:
            return
        try:
            job = self.window.runs.resume(info.run_id)
        except LlmstudioError as exc:
            self._error(exc)
            return
        if job is not None:
            job.sig_ended.connect(lambda: self.reload(info.run_id))
            self.reload(info.run_id)

    def rename(self) -> None:
        info = self.selected()
        if info is None:
            return
        name, ok = QInputDialog.getText(
            self,
            "Rename run",
            f"A name for run {info.run_id} (its columns keep the "
            f"suffix _run{info.run_id}; empty: no name):",
            text=info.name,
        )
        if not ok:
            return
        try:
            runs.rename_run(self.window.project, info.run_id, name)
        except LlmstudioError as exc:
            self._error(exc)
            return
        self._done(info.run_id)

    def delete(self, discard: bool) -> None:
        info = self.selected()
        if info is None:
            return
        if delete_asking(self, self.window, info, discard):
            self._done()


def delete_asking(parent, window, info: runs.RunInfo, discard: bool) -> bool:
    """Ask, then delete (or discard) the run; True when it was deleted."""
    verb = "Discard" if discard else "Delete"
    answer = QMessageBox.question(
        parent,
        f"{verb} run {info.run_id}?",
        f"{verb} {info.describe()}?\n\nIts {info.answered:,} answers are removed from the "
        "project. The response cache stays (running the same task again pays for "
        "nothing) and human codes are never touched.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    try:
        runs.delete_run(window.project, info.run_id, only_interrupted=discard)
    except LlmstudioError as exc:
        QMessageBox.warning(parent, "Runs", describe(exc))
        return False
    return True


class InterruptedBar(QWidget):
    """Above the table: "Run 3 (sentiment with builtin) was interrupted, 69 of 300 rows",
    with Resume and Discard; hidden when no run is interrupted."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.setStyleSheet("background: #fde8c8;")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.resume_button = QPushButton("Resume")
        self.discard_button = QPushButton("Discard…")
        self.runs_button = QPushButton("Runs…")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 3, 8, 3)
        lay.addWidget(self.label, 1)
        for b in (self.resume_button, self.discard_button, self.runs_button):
            lay.addWidget(b)
        self.resume_button.clicked.connect(self.resume)
        self.discard_button.clicked.connect(self.discard)
        self.runs_button.clicked.connect(lambda: show_runs(window))
        self.run_id: int | None = None
        self.hide()

    def update_for(self, project) -> None:
        found = runs.interrupted_runs(project) if project is not None else []
        if not found:
            self.run_id = None
            self.hide()
            return
        latest = found[-1]
        self.run_id = latest.run_id
        more = f" ({len(found) - 1} more in Analyse › Runs…)" if len(found) > 1 else ""
        self.label.setText(
            f"{latest.title.capitalize()} ({latest.what} with {latest.model}) "
            f"was interrupted: {latest.answered:,} of {latest.rows_total:,} "
            f"rows. Resume it to the end, or discard it{more}."
        )
        self.window.statusBar().showMessage(
            f"{latest.title}: interrupted, {latest.answered:,} of {latest.rows_total:,} rows",
            10_000,
        )
        self.show()

    def resume(self) -> None:
        try:
            if self.run_id is not None and self.window.runs.resume(self.run_id) is not None:
                self.hide()
        except LlmstudioError as exc:
            QMessageBox.warning(self.window, "Cannot resume", describe(exc))

    def discard(self) -> None:
        if self.run_id is None or self.window.project is None:
            return
        try:
            info = runs.run_info(self.window.project, self.run_id)
        except LlmstudioError as exc:
            QMessageBox.warning(self.window, "Runs", describe(exc))
            return
        if delete_asking(self.window, self.window, info, discard=True):
            self.window.runs.refresh_results()
            self.update_for(self.window.project)


def show_runs(window) -> None:
    """Open the Runs dialog for the window's project."""
    dialog = RunsDialog(window)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
    window.interrupted_bar.update_for(window.project)


def install_runs(window, menu) -> QAction:
    """Analyse › Runs… and the interrupted-run bar above the table (kept up to date when
    a project opens and when its runs change)."""
    act = QAction("R&uns…", window)
    act.setShortcut(QKeySequence("Ctrl+Shift+R"))
    act.setStatusTip("The project's model runs: resume, discard, rename or delete them")
    act.setToolTip("The project's runs (Ctrl+Shift+R)")
    act.triggered.connect(lambda: window.project is not None and show_runs(window))
    menu.addAction(act)
    bar = InterruptedBar(window)
    window.subset_bar.parentWidget().layout().insertWidget(0, bar)
    window.interrupted_bar = bar
    window.runs.sig_results_shown.connect(lambda: bar.update_for(window.project))
    window.sig_loaded.connect(lambda: bar.update_for(window.project))
    return act

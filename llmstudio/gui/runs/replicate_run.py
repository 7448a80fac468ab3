"""Analyse › Replicate run…: ask a stored run's task again, with one thing changed.

A small dialog chooses the run and the change (nothing, temperature, seed, the prompt's
wording, another model); what the replicate will do, or why it cannot, is said as the
choice changes (``core.replicate.plan_replicate``, before any model is loaded). The
replicate runs as an ordinary job of the Jobs panel (progress, time left, Cancel), and its
columns join the table with their run suffix when it ends: a replicate never takes the
plain column names.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core import runs as core_runs
from ...core.backends import KINDS
from ...core.errors import LlmstudioError
from ...core.model_config import load_config
from ...core.project import Project
from ...core.replicate import Changes, plan_replicate
from ...core.results import describe_run
from ...core.runner import run_results
from ...core.runs import stored_params
from ..common.errors import describe
from .jobs import Job, JobSpec

CHANGES = (
    ("nothing", "Nothing: ask again"),
    ("temperature", "Temperature"),
    ("seed", "Seed"),
    ("prompt", "Prompt wording"),
    ("model", "Model"),
)


def finished_runs(project: Project) -> list[tuple[int, str]]:
    """(run id, description) of the runs a replicate can repeat: the finished ones."""
    return [(i.run_id, i.list_text()) for i in core_runs.finished_runs(project)]


def known_base_urls() -> list[str]:
    """The API servers of Model settings: a run stores its server's host only."""
    return [e.base_url for e in load_config().endpoints if e.base_url]


class ReplicateDialog(QDialog):
    """Choose a finished run and what to change; :meth:`plan` is the checked replicate."""

    def __init__(self, project: Project, parent=None, run_id: int | None = None):
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Replicate run")
        self._plan = None
        self.run = QComboBox()
        for rid, text in finished_runs(project):
            self.run.addItem(text, rid)
            self.run.setItemData(
                self.run.count() - 1, describe_run(project, rid), Qt.ItemDataRole.ToolTipRole
            )
        if run_id is not None and self.run.findData(run_id) >= 0:
            self.run.setCurrentIndex(self.run.findData(run_id))
        self.change = QComboBox()
        for key, text in CHANGES:
            self.change.addItem(text, key)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(0.7)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(1)
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText(
            "A prompt task's template, or the first line of the instruction (sentiment, coding)"
        )
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(
            [k.syntax for k in KINDS.values() if not k.named]
            + [e.spec for e in load_config().endpoints]
        )
        self.model.setToolTip(
            "A model SPEC: builtin, lexicon, hf:PATH_OR_HUB_ID, openai:MODEL_NAME"
        )
        self.value = QStackedWidget()
        for widget in (QWidget(), self.temperature, self.seed, self.prompt, self.model):
            self.value.addWidget(widget)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setMinimumHeight(54)
        self.form = form = QFormLayout()
        form.addRow("Run:", self.run)
        form.addRow("Change:", self.change)
        form.addRow("To:", self.value)
        form.setRowVisible(self.value, False)  # "Nothing" has no value to give
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Replicate")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.note)
        lay.addWidget(self.buttons)
        self.resize(620, 0)
        self.change.currentIndexChanged.connect(self.value.setCurrentIndex)
        self.change.currentIndexChanged.connect(
            lambda i: self.form.setRowVisible(self.value, i > 0)
        )
        for signal in (
            self.run.currentIndexChanged,
            self.change.currentIndexChanged,
            self.temperature.valueChanged,
            self.seed.valueChanged,
            self.prompt.textChanged,
            self.model.currentTextChanged,
        ):
            signal.connect(self._check)
        self._check()

    def changes(self) -> Changes:
        key = self.change.currentData()
        if key == "temperature":
            return Changes(temperature=self.temperature.value())
        if key == "seed":
            return Changes(seed=self.seed.value())
        if key == "prompt":
            return Changes(prompt=self.prompt.text().strip() or None)
        if key == "model":
            spec = self.model.currentText().strip()
            url = next(
                (e.base_url or None for e in load_config().endpoints if e.spec == spec),
                None,
            )
            return Changes(model=spec or None, base_url=url)
        return Changes()

    def _check(self, *_) -> None:
        """Plan the replicate now: say what it will do, or why it cannot."""
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._plan = None
        if self.run.count() == 0:
            self.note.setText(
                "No finished run to replicate yet: run a model first (Analyse › Run Model…)."
            )
            ok.setEnabled(False)
            return
        if self.change.currentData() == "prompt" and not self.prompt.text().strip():
            self.note.setStyleSheet("color: #c62828")
            self.note.setText(
                "Type the new wording under To: (or choose Change: Nothing to "
                "ask the same question again)."
            )
            ok.setEnabled(False)
            return
        try:
            plan = plan_replicate(
                self.project, self.run.currentData(), self.changes(), base_urls=known_base_urls()
            )
        except LlmstudioError as exc:
            self.note.setStyleSheet("color: #c62828")
            self.note.setText(describe(exc))
            ok.setEnabled(False)
            return
        self._plan = plan
        self.note.setStyleSheet("")
        lines = [
            f"Asks {plan.model} again about the {len(plan.rows):,} rows of run {plan.of}, "
            f"changing {plan.changes.describe()}; never from the cache."
        ]
        if plan.resume is not None:
            lines.append(
                f"Resumes run {plan.resume}, an interrupted replicate with these settings."
            )
        lines += [f"Note: {n[0].upper()}{n[1:]}." for n in plan.notes]
        self.note.setText("\n".join(lines))
        ok.setEnabled(True)

    def plan(self):
        """The checked replicate (None when the choices cannot make one)."""
        return self._plan


class ReplicateRuns:
    """The Replicate run… action of a window; a replicate is a job of the Jobs panel."""

    def __init__(self, window):
        self.window = window
        self.act_open = QAction("Re&plicate Run…", window)
        self.act_open.setStatusTip(
            "Ask a run's task again, with one thing changed (model, "
            "prompt wording, temperature, seed) or nothing, and see "
            "how stable its answers are"
        )
        self.act_open.triggered.connect(self.ask)

    def ask(self, run_id: int | None = None) -> Job | None:
        w = self.window
        if w.project is None:
            QMessageBox.information(w, "Replicate run", "Open a project with a model run first.")
            return None
        runs = w.runs
        if any(j.running and j.project_path == w.project.path.resolve() for j in runs.jobs):
            QMessageBox.information(
                w,
                "A model is running",
                "Wait for the running job to end, or cancel it in the "
                "Jobs panel, before starting another on this project.",
            )
            return None
        dialog = ReplicateDialog(w.project, w, run_id if isinstance(run_id, int) else None)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.plan() is None:
                return None
            plan = dialog.plan()
        finally:
            dialog.deleteLater()
        return self.start(plan)

    def start(self, plan) -> Job | None:
        """Run ``plan`` as a job (after consent, for an API model)."""
        w = self.window
        spec = JobSpec(
            model=plan.model,
            base_url=plan.base_url,
            text_column=plan.text_column,
            options=plan.options,
            replicate=plan,
        )
        if spec.remote and not w.runs.consent(spec):
            return None
        job = Job(spec, w.project.path.resolve(), w.corpus.frame.columns, parent=w.runs)
        job.sig_ended.connect(lambda: self._show(job))
        runs = w.runs
        runs.panel.add_job(job)
        runs.panel.show()
        runs.panel.raise_()
        runs.keep(job)
        job.start()
        runs.sig_job_added.emit(job)  # the views that follow the window's jobs (Validate)
        return job

    def _show(self, job: Job) -> None:
        """The replicate's columns, with their run suffix, once it has stopped."""
        w = self.window
        result = job.result
        if result is None or w.project is None or w.project.path.resolve() != job.project_path:
            return
        from ...core.results import run_label

        frame = run_results(w.project, result.run_id)
        frame = frame.rename(columns={c: f"{c}_run{result.run_id}" for c in frame.columns})
        of = stored_params(w.project, result.run_id)
        tip = (
            f"{describe_run(w.project, result.run_id)}; replicate {of.get('replicate')} "
            f"of run {job.spec.replicate.of}"
        )
        w.runs.put_results(frame, True, tip, run_label(w.project, result.run_id))


def install_replicate(window) -> ReplicateRuns:
    """Analyse › Replicate run… for ``window`` (its ModelRuns must exist)."""
    return ReplicateRuns(window)

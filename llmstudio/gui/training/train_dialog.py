"""Analyse > Train a Classifier…: fine-tune a transformer encoder on a codebook's hand codes
(``core.training``) in the background with progress, time left and Cancel; then its
held-out scores, the learning curve, and Use This Model (a run with it, where it is
listed as a project model).

The model is saved in ``NAME models/`` beside the project file (``models_folder``), one
folder per training, named for the codebook and the time."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from ...core.errors import Cancelled, LlmstudioError
from ...core.human_codes import coders
from ...core.training import (
    TrainSettings,
    check_enough,
    from_project,
    models_folder,
    train_classifier,
)
from ..common.background import BackgroundTask
from ..common.progress_row import ProgressRow
from .train_result import TrainResult

BUILTIN = "builtin"


class TrainDialog(QDialog):
    """The codebook, coder, base model, folds and epochs; Train; the result."""

    def __init__(self, window, project):
        super().__init__(window)
        self.window, self.project = window, project
        self.setWindowTitle("Train a classifier on your codes")
        self.task = BackgroundTask(self, keep_in=window.background_work)
        self.result = None
        self._data = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Fine-tune a transformer model on the texts you coded by hand, test it on "
            "codes it did not see (cross-validation, beside the builtin few-shot method), "
            f"and save it in <b>{models_folder(project.path).name}</b> beside the project, "
            "to code the rest of the corpus with it."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.codebook = QComboBox()
        self.codebook.addItems(project.codebooks())
        self.coder = QComboBox()
        self.base = QComboBox()
        self.base.setEditable(True)
        self.base.addItem("builtin (all-MiniLM-L6-v2, bundled)", BUILTIN)
        self.base.setToolTip("builtin, or hf: and a folder or hub id of an encoder")
        self.folds = QSpinBox()
        self.folds.setRange(2, 20)
        self.folds.setValue(5)
        self.folds.setSuffix("-fold cross-validation")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100)
        self.epochs.setValue(4)
        self.epochs.setSuffix(" passes over the codes")
        self.epochs.valueChanged.connect(
            lambda n: self.epochs.setSuffix(
                " pass over the codes" if n == 1 else " passes over the codes"
            )
        )
        self.curve = QCheckBox("Learning curve (trains on 25% and 50% too: ~75% more time)")
        self.curve.setChecked(True)
        self.few_shot = QCheckBox("Compare with the builtin few-shot method on the same folds")
        self.few_shot.setChecked(True)
        form.addRow("Codebook:", self.codebook)
        form.addRow("Coder:", self.coder)
        form.addRow("Base model:", self.base)
        form.addRow("Folds:", self.folds)
        form.addRow("Epochs:", self.epochs)
        form.addRow(self.curve)
        form.addRow(self.few_shot)
        layout.addLayout(form)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.counts)
        self.progress = ProgressRow()
        self.progress.follow(self.task)
        self.progress.hide()
        self.step = QLabel()
        self.step.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self.step)
        self.result_box = QVBoxLayout()
        layout.addLayout(self.result_box, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.train_button = self.buttons.addButton("&Train", QDialogButtonBox.ButtonRole.ActionRole)
        self.use_button = self.buttons.addButton(
            "&Use This Model…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.use_button.setToolTip("Run it over the corpus (it is listed as a project model)")
        self.use_button.hide()
        self.train_button.clicked.connect(self.start)
        self.use_button.clicked.connect(self.use_model)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.codebook.currentIndexChanged.connect(self._fill_coders)
        self.coder.currentIndexChanged.connect(lambda *_: self.update_counts())
        self.folds.valueChanged.connect(lambda *_: self.update_counts())
        self.task.sig_progress.connect(self._on_progress)
        self.task.sig_result.connect(self._done)
        self.task.sig_error.connect(self._failed)
        self.task.sig_finished.connect(lambda: self._busy(False))
        self._fill_coders()
        self.resize(640, self.sizeHint().height())

    # -- the choices -----------------------------------------------------------------------

    def _fill_coders(self, *_) -> None:
        self.coder.blockSignals(True)
        self.coder.clear()
        name = self.codebook.currentText()
        self.coder.addItems(coders(self.project, name) if name else [])
        self.coder.blockSignals(False)
        self.update_counts()

    def settings(self) -> TrainSettings:
        """The parameters chosen."""
        base = self.base.currentData() if self.base.currentIndex() >= 0 else None
        text = self.base.currentText().strip()
        if base is None or text != self.base.itemText(self.base.currentIndex()):
            base = text or BUILTIN
        return TrainSettings(
            base=base,
            folds=self.folds.value(),
            epochs=self.epochs.value(),
            curve=TrainSettings.curve if self.curve.isChecked() else (),
            compare_few_shot=self.few_shot.isChecked(),
        )

    def update_counts(self) -> None:
        """The codes per label for the codebook and coder chosen, and whether they are
        enough; Train is on only when they are."""
        self._data = None
        problem = ""
        if not self.codebook.count():
            problem = "This project has no codebook yet: make one (Analyse › Codebooks…)."
        elif not self.coder.count():
            problem = f"Nobody has coded a text in “{self.codebook.currentText()}” yet."
        else:
            try:
                book = self.project.codebook(self.codebook.currentText())
                data = from_project(self.project, book, self.coder.currentText())
                check_enough(data, self.folds.value())
                self._data = data
            except LlmstudioError as exc:
                problem = str(exc)
        if self._data is not None:
            counts = ", ".join(f"{k} <b>{v:,}</b>" for k, v in self._data.counts().items())
            left = (
                f" Not learnt (no text has them): {', '.join(self._data.left_out)}."
                if self._data.left_out
                else ""
            )
            self.counts.setText(f"Codes per label: {counts}.{left}")
        else:
            problem = html.escape(problem[:1].upper() + problem[1:])
            self.counts.setText(f"<span style='color:#b00'>{problem}</span>")
        self.train_button.setEnabled(self._data is not None and not self.task.running)

    def out_folder(self) -> Path:
        """A new folder in the project's models folder: the codebook and the time."""
        name = re.sub(r"[^\w.-]+", "-", self.codebook.currentText()).strip("-") or "model"
        stamp = datetime.now().strftime("%Y-%m-%d %H%M%S")
        return models_folder(self.project.path) / f"{name} {stamp}"

    # -- training --------------------------------------------------------------------------

    def start(self) -> None:
        """Train in the background on the codes shown."""
        if self._data is None:
            return
        settings = self.settings()
        if problem := settings.problem():
            self.window.show_error("Cannot train", problem)
            return
        self._clear_result()
        self._busy(True)
        self.task.start(train_classifier, self._data, self.out_folder(), settings)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.step.setVisible(busy)
        for w in (self.codebook, self.coder, self.base, self.folds, self.epochs):
            w.setEnabled(not busy)
        for w in (self.curve, self.few_shot):
            w.setEnabled(not busy)
        self.train_button.setEnabled(not busy and self._data is not None)

    def _on_progress(self, done, total, detail: dict) -> None:
        if detail.get("message"):
            self.step.setText(detail["message"][:1].upper() + detail["message"][1:])

    def _clear_result(self) -> None:
        while self.result_box.count():
            item = self.result_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.use_button.hide()
        self.result = None

    def _done(self, result) -> None:
        self.result = result
        view = TrainResult(result.record, self)
        self.result_box.addWidget(view)
        # Shown now: a layout shows a widget added to a visible dialog only once the event
        # loop runs, so until then its warnings read as hidden (a race in the GUI test).
        view.show()
        saved = QLabel(f"Saved in {result.folder} (its model card: README.md).")
        saved.setWordWrap(True)
        saved.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_box.addWidget(saved)
        self.use_button.show()
        self.resize(max(self.width(), 680), max(self.height(), 780))
        self.window.show_status(f"Trained a classifier: {result.folder.name}", 10000)

    def _failed(self, exc) -> None:
        if isinstance(exc, Cancelled):
            self.window.show_status("Training cancelled: no model was saved", 10000)
            return
        self.window.show_error("Cannot train the classifier", exc)

    def use_model(self) -> None:
        """A run of the codebook's coding task with this model, chosen in the run dialog."""
        if self.result is None:
            return
        self.accept()
        self.window.runs.ask_run(
            model=f"hf:{self.result.folder}", codebook=self.codebook.currentText()
        )

    def reject(self) -> None:
        """Close, or while training: Cancel (nothing is saved)."""
        if self.task.running:
            self.task.cancel()
            return
        super().reject()


class TrainClassifier(QObject):
    """Analyse > Train a Classifier… for one main window."""

    def __init__(self, window, menu=None):
        super().__init__(window)
        self.window = window
        self.dialog: TrainDialog | None = None
        self.act_open = window.make_action(
            "&Train a Classifier…",
            self.open,
            None,
            "Fine-tune a transformer model on your hand codes, test it on codes it did not "
            "see, and keep it to code the corpus",
        )
        if menu is not None:
            menu.addAction(self.act_open)

    def open(self) -> TrainDialog | None:
        """Show the dialog for the open project (None, said, without one)."""
        w = self.window
        if w.project is None:
            w.show_error(
                "Train a classifier",
                "Training learns from hand codes, which live in a project: open or save "
                "a project first.",
            )
            return None
        self.dialog = TrainDialog(w, w.project)
        self.dialog.show()
        return self.dialog

"""The "Why this label?" window: one row, a run and a method chosen, the words weighed in
the background (progress, Cancel; an API model's requests consented to first), the text
shown with each word on its colour, and the result exported as HTML or a table."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
)

from ...core.explain.attribution import COLOURS, GRADIENTS, OCCLUSION, WHAT_IT_IS, Attribution
from ...core.explain.explain import Explainer
from ...core.explain.export import highlighted_html, legend_html, write_attribution
from ...core.model_config import load_config
from ...core.runs import COMPLETE, run_infos
from ..common.background import BackgroundTask
from ..common.consent_dialog import ask_consent
from ..common.errors import describe
from ..common.progress_row import ProgressRow

METHOD_CHOICES = (
    (OCCLUSION, "Occlusion: leave each word out and ask again (any model)"),
    (GRADIENTS, "Integrated gradients (local classifier models only)"),
)
EXPORT_FILTERS = "Web page (*.html);;Table of words (*.csv);;Excel table of words (*.xlsx)"


def labelled_runs(project) -> list:
    """The runs whose answers are labels (sentiment, coding) with answers, newest first."""
    infos = [i for i in run_infos(project) if i.task in ("sentiment", "code")]
    infos = [i for i in infos if i.state == COMPLETE or i.answered]
    return sorted(infos, key=lambda i: i.run_id, reverse=True)


class ExplainWindow(QDialog):
    """Why row ``row_id`` got its label in a run of ``project``; ``run_id`` the run chosen
    first (default the newest run with labels). ``keep_in``: the window's running work."""

    def __init__(self, project, row_id: int, run_id: int | None = None, parent=None, keep_in=None):
        super().__init__(parent)
        self.setWindowTitle(f"Why this label? Row {row_id + 1:,}")
        self.setObjectName("explainWindow")
        self.resize(720, 620)
        self.project, self.row_id = project, row_id
        self.explainer: Explainer | None = None
        self.result: Attribution | None = None
        self.error = ""

        self.run_box = QComboBox()
        for info in labelled_runs(project):
            self.run_box.addItem(f"{info.title}: {info.what} by {info.model}", info.run_id)
        if run_id is not None and (at := self.run_box.findData(run_id)) >= 0:
            self.run_box.setCurrentIndex(at)
        self.method_box = QComboBox()
        for key, text in METHOD_CHOICES:
            self.method_box.addItem(text, key)
        self.window_box = QSpinBox()
        self.window_box.setRange(1, 5)
        self.window_box.setSuffix(" word(s) at a time")
        self.window_box.setToolTip(
            "Occlusion: how many words in a row are left out at once; a word's weight is "
            "then the mean over the phrases that hold it"
        )
        self.method_box.currentIndexChanged.connect(
            lambda: self.window_box.setEnabled(self.method_box.currentData() == OCCLUSION)
        )
        self.explain_button = QPushButton("Explain")
        self.explain_button.setDefault(True)
        self.explain_button.clicked.connect(self.start)
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.ask_export)

        self.what = QLabel(WHAT_IT_IS)
        self.what.setWordWrap(True)
        self.what.setStyleSheet("color: #444;")
        self.status = QLabel("Choose a run and a method, then Explain.")
        self.status.setWordWrap(True)
        self.progress = ProgressRow("texts")
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setObjectName("explainText")
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #8a5300;")

        self.load_task = BackgroundTask(self, keep_in=keep_in)
        self.load_task.sig_result.connect(self._loaded)
        self.load_task.sig_error.connect(self._failed)
        self.run_task = BackgroundTask(self, keep_in=keep_in)
        self.run_task.sig_result.connect(self._done)
        self.run_task.sig_error.connect(self._failed)
        self.run_task.sig_finished.connect(self._close_explainer)
        self.progress.follow(self.run_task)
        for task in (self.load_task, self.run_task):
            task.sig_finished.connect(self._enable)

        form = QFormLayout()
        form.addRow("Run:", self.run_box)
        form.addRow("Method:", self.method_box)
        form.addRow("Leave out:", self.window_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.explain_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.what)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(self.progress)
        lay.addWidget(self.legend)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.notes)
        self._show(None)
        if not self.run_box.count():
            self.status.setText(
                "No run with labels yet: run sentiment or coding on the corpus first."
            )
            self.explain_button.setEnabled(False)

    # -- the work ----------------------------------------------------------------------

    def running(self) -> bool:
        return self.load_task.running or self.run_task.running

    def start(self) -> None:
        """Load the run's model and plan the requests (in the background)."""
        if self.running() or self.run_box.currentData() is None:
            return
        self.error, self.result = "", None
        self._show(None)
        self.status.setText("Loading the run's model…")
        self._enable()
        urls = [e.base_url for e in load_config().endpoints if e.base_url]
        self.load_task.start(
            _open_explainer,
            self.project,
            self.run_box.currentData(),
            self.row_id,
            method=self.method_box.currentData(),
            window=self.window_box.value(),
            base_urls=urls,
        )
        self._enable()

    def _loaded(self, explainer: Explainer) -> None:
        self.explainer = explainer
        plan = explainer.plan
        if plan.send is not None and not ask_consent(
            self.project, plan.send, explainer.question.settings.model, self
        ):
            self._close_explainer()
            self.status.setText(f"Nothing was sent ({plan.describe()}).")
            return
        self.status.setText(
            f"Explaining {explainer.question.label!r} in {explainer.question.run_title}: "
            f"{plan.describe()}…"
        )
        self.run_task.start(explainer.run)
        self._enable()

    def _done(self, result: Attribution) -> None:
        if self.run_task.cancelled:
            return
        self.result = result
        self.status.setText(result.describe())
        self._show(result)

    def _failed(self, exc: BaseException) -> None:
        self._close_explainer()
        if self.run_task.cancelled:
            self.status.setText("Cancelled: nothing is shown.")
            return
        self.error = describe(exc, "Could not explain this row")
        self.status.setText(self.error)

    def _close_explainer(self) -> None:
        if self.explainer is not None:
            self.explainer.close()
            self.explainer = None

    def _enable(self) -> None:
        busy = self.running()
        for widget in (self.run_box, self.method_box, self.explain_button):
            widget.setEnabled(not busy and self.run_box.count() > 0)
        self.window_box.setEnabled(not busy and self.method_box.currentData() == OCCLUSION)
        self.export_button.setEnabled(not busy and self.result is not None)

    def _show(self, result: Attribution | None) -> None:
        if result is None:
            self.legend.clear()
            self.text.clear()
            self.notes.clear()
            self.notes.hide()
            return
        self.legend.setText(f"{legend_html(result)}<br>{html.escape(COLOURS)}")
        self.text.setHtml(
            f"<div style='font-size:13pt; line-height:160%'>{highlighted_html(result)}</div>"
        )
        self.notes.setText("\n".join(f"Note: {n}" for n in result.notes))
        self.notes.setVisible(bool(result.notes))

    # -- export ------------------------------------------------------------------------

    def ask_export(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the attribution", f"why-row-{self.row_id + 1}.html", EXPORT_FILTERS
        )
        if path:
            self.export(path)

    def export(self, path: str | Path) -> Path | None:
        """Write the result to ``path`` (.html, .csv, .xlsx); the error in the status."""
        try:
            written = write_attribution(self.result, path)
        except Exception as exc:
            self.status.setText(describe(exc, "Could not export"))
            return None
        self.status.setText(f"Exported to {written}")
        return written

    def closeEvent(self, event) -> None:
        self.load_task.cancel()
        self.run_task.cancel()
        super().closeEvent(event)


def _open_explainer(project, run_id, row_id, *, method, window, base_urls, monitor):
    """In the background: the model loaded and the plan made (nothing asked yet)."""
    monitor.report(0, 1, message="loading the model")
    return Explainer(project, run_id, row_id, method=method, window=window, base_urls=base_urls)

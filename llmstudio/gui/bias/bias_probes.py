"""The bias view's probe tabs: the template probe on the Equity Evaluation Corpus
(Kiritchenko & Mohammad 2018, :func:`llmstudio.core.bias.eec.eec_probe`: mean score per
group and emotion with 95% CIs, and the paired gaps) and the occupations completion probe
for generative models (:func:`llmstudio.core.bias.completion.completion_probe`: "The
{occupation} walked into the room." followed by He or She?).

The EEC is not shipped (free for research from NRC Canada): the researcher gives its path;
a checkout's ``../shared/data/eec`` copy is the default when it exists, else llmstudio's own
set in the EEC's design (``resources/probes/eec_style.csv``). The EEC run is kept
in ``<project stem>-bias-eec-<rows>.llmstudio`` beside the open project, so a second probe
with the same model answers from its cache. Only the probes' own sentences are sent to an
API model, never the researcher's data; the occupations tab says how many requests go
where before it sends them.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.bias.eec import EMOTION_NAMES
from ...core.bias.eec_style import default_eec
from ...core.model_config import cached_models, load_config, model_choices
from ...core.send_plan import leaves_computer
from ..common.errors import describe
from .bias_common import (
    BASE_URL_ROLE,
    Exports,
    _ci,
    _num,
    bias_project_path,
    file_row,
    model_box,
    p_text,
    run_controls,
    table_defaults,
)


def _run_eec(path, model, base_url, limit, project, monitor):
    from ...core.backends import make_backend
    from ...core.bias.eec import eec_probe
    from ...core.tasks import SentimentTask

    backend = make_backend(model, base_url=base_url or None)
    try:
        return eec_probe(
            path,
            SentimentTask(),
            backend,
            limit=limit,
            project=project,
            monitor=monitor,
        )
    finally:
        backend.close()


class ProbeTab(Exports, QWidget):
    """What the probe tabs share: Run / Cancel with progress in the background, a summary,
    a chart, a table and the three exports. A subclass fills ``form``, makes ``chart``
    and ``table`` and says what to run (:meth:`job`) and how to show it (:meth:`show_report`)."""

    sig_finished = Signal()
    unit = "prompts"

    def __init__(self, window, chart, columns: list[str], parent=None):
        super().__init__(parent)
        self.main = window
        self.report = None
        self.error = ""
        self.cancelled = False
        self.form = QFormLayout()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555")
        row = run_controls(self, "Run the probe", self.unit)
        self.background.sig_result.connect(self._on_result)
        self.background.sig_error.connect(self._on_error)
        self.background.sig_finished.connect(self._on_finished)
        self.status = QLabel("No result yet.")
        self.status.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.chart = chart
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        table_defaults(self.table)
        header = self.table.horizontalHeader()
        for c in range(len(columns)):
            header.setSectionResizeMode(c, header.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        exports = QHBoxLayout()
        exports.addStretch(1)
        for b in self.make_export_buttons():
            exports.addWidget(b)
        self.results_box = QWidget()
        rv = QVBoxLayout(self.results_box)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.summary)
        rv.addWidget(self.chart.widget, 3)
        rv.addLayout(exports)
        rv.addWidget(self.table, 2)
        self.results_box.hide()
        outer = QVBoxLayout(self)
        outer.addLayout(self.form)
        outer.addWidget(self.note)
        outer.addLayout(row)
        outer.addWidget(self.status)
        outer.addWidget(self.results_box, 1)
        outer.addStretch(0)

    def job(self):
        """``(function, args)`` to run in the background, or None (not now)."""
        raise NotImplementedError

    def show_report(self, report) -> None:
        raise NotImplementedError

    def running(self) -> bool:
        return self.background.running

    def run(self) -> None:
        if self.background.running:
            return
        job = self.job()
        if job is None:
            return
        func, args = job
        self.error, self.cancelled = "", False
        self.background.start(func, *args)
        self.run_button.setEnabled(False)

    def cancel(self) -> None:
        if self.background.running:
            self.background.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    def _on_error(self, exc: BaseException) -> None:
        from ...core.errors import Cancelled

        if isinstance(exc, Cancelled):
            self.cancelled = True
            self.status.setText(self.cancelled_text())
            return
        self.error = describe(exc)
        self.status.setText(f"<b>The probe failed:</b> {escape(self.error)}")

    def cancelled_text(self) -> str:
        return "Cancelled: nothing to report. Run again to start over."

    def _on_finished(self) -> None:
        self.run_button.setEnabled(True)
        self.sig_finished.emit()

    def _on_result(self, report) -> None:
        self.report = report
        self.show_report(report)
        self.chart.show(report)
        self.results_box.show()
        self.enable_exports()

    def fill_table(self, rows: list[tuple]) -> None:
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))

    def project_path(self) -> Path:
        return bias_project_path(self.main, "probe")

    def exported_rows(self):
        """The report's rows (one per sentence or per occupation)."""
        return self.report.rows if self.report is not None else None

    def methods_text(self) -> str | None:
        """The methods-record section, with the data's attribution."""
        return self.report.to_markdown() if self.report is not None else None


class EecTab(ProbeTab):
    """Choose the EEC file, the model and how many sentences; run; read; export."""

    unit = "sentences"
    csv_name = "-sentences.csv"

    def __init__(self, window, parent=None):
        from .bias_charts import EecChart

        super().__init__(
            window,
            EecChart(),
            ["Emotion", "Gap", "Frame pairs", "Mean gap", "95% CI", "p (paired t)"],
            parent,
        )
        self.export_csv_button.setText("Export sentences (CSV)…")
        self.path = QLineEdit(str(default_eec()))
        self.path.setPlaceholderText(
            "Equity-Evaluation-Corpus.csv (free for research from "
            "NRC Canada) or a file in its format"
        )
        self.path.setToolTip(
            "The template sentences: the EEC, or by default llmstudio's own "
            "set in the EEC's design (resources/probes/eec_style.csv)"
        )
        where = file_row(self.path, self._browse)
        self.model = model_box(model_choices(load_config(), cached_models()))
        self.limit = QSpinBox()
        self.limit.setRange(0, 100_000)
        self.limit.setSingleStep(60)
        self.limit.setSpecialValueText("all sentences")
        self.limit.setToolTip(
            "At most this many sentences, as whole template frames (a "
            "template and emotion word with every person: 60 sentences in "
            "the EEC, 52 in llmstudio's set) drawn at random with seed 0"
        )
        self.form.addRow("Templates:", where)
        self.form.addRow("Model:", self.model)
        self.form.addRow("Sentences:", self.limit)
        self.note.setText(
            "The template sentences differ only in the person named (my sister / "
            "my brother, a woman's / man's name, an African- / European-American "
            "name). A model without bias scores the groups alike: gaps near 0. "
            "Only these sentences are sent to an API model, none of your data."
        )

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The Equity Evaluation Corpus", self.path.text(), "CSV (*.csv);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def project_path(self) -> Path:
        limit = self.limit.value()
        name = f"eec-{limit if limit else 'all'}"
        if self.path.text() and self.path.text() != str(default_eec()):
            name += f"-{Path(self.path.text()).stem}"
        return bias_project_path(self.main, name)

    def job(self):
        self.status.setText(
            f"Scoring the template sentences with {self.model.currentText()}; "
            f"project {self.project_path().name}"
        )
        spec, base_url = self.model.currentData(), self.model.currentData(BASE_URL_ROLE) or ""
        if leaves_computer(spec, base_url) and not self._ask_send(base_url):
            return None
        return _run_eec, (
            self.path.text().strip(),
            spec,
            base_url,
            self.limit.value() or None,
            self.project_path(),
        )

    def _ask_send(self, base_url: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        from ...core.secrets import endpoint_id

        host = endpoint_id(base_url or None)
        n = f"{self.limit.value():,}" if self.limit.value() else "all the"
        answer = QMessageBox.question(
            self,
            f"Send the template sentences to {host}?",
            f"Up to {n} template sentences (none of your data) go to {host}, one request each; "
            f"sentences already answered in {self.project_path().name} are not sent again.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            self.status.setText("Not run: nothing was sent.")
            return False
        return True

    def cancelled_text(self) -> str:
        return (
            "Cancelled: the sentences scored so far are kept in "
            f"{self.project_path().name}; Run again to resume."
        )

    def show_report(self, report) -> None:
        d = report.to_dict()
        self.status.setText(
            f"Done: {d['n']:,} of {d['n_sentences']:,} sentences scored "
            f"({d['n_errors']:,} failed); model {d['model']}."
        )
        self.summary.setText(self.summary_text(report))
        self.fill_table(
            [
                (
                    EMOTION_NAMES.get(g["emotion"], g["emotion"]),
                    g["difference"],
                    f"{g['n_pairs']:,}",
                    _num(g["mean_difference"]),
                    (
                        f"{_num(g['ci_low'])} to {_num(g['ci_high'])}"
                        if g["ci_low"] is not None
                        else "needs 2+ pairs"
                    ),
                    p_text(g["p_value"]).lstrip("= ")
                    if g["p_value"] is not None
                    else "needs 2+ pairs",
                )
                for g in report.gaps
            ]
        )

    @staticmethod
    def summary_text(report) -> str:
        parts = []
        for dimension, words in (
            ("gender", "female − male"),
            ("race", "African-American − European-American names"),
        ):
            g = report.gap(dimension)
            parts.append(
                f"<b>{dimension.capitalize()} gap</b> ({words}, all templates): "
                f"{_num(g['mean_difference'])} ({_ci(g['ci_low'], g['ci_high'])}); "
                f"p {escape(p_text(g['p_value']))} (paired t test over "
                f"{g['n_pairs']:,} sentence frames)."
            )
        parts.append(
            "<span style='color:#555'>Positive: the first group scored more "
            "positive. Score: P(positive) − P(negative), or VADER's compound.</span>"
        )
        return " ".join(parts)

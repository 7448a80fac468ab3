"""The "Run model" dialog: which task (sentiment, coding with a codebook, a custom prompt),
with which options (for sentiment and coding, a file of few-shot examples checked against
the labels), which model, how many requests at once.

It mirrors ``llmstudio annotate``'s options and returns a :class:`JobSpec` whose
``TaskOptions`` build the task with the same ``make_task`` the CLI uses. Before the run it
can show the exact request the first row makes ("Show request") and run the first five
rows in the background ("Try on 5 rows"); those answers are stored in the project, so the
full run does not ask for them again. Consent for API models is asked by the caller's
``consent`` callback, for the trial as for the run.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QTableWidgetItem,
)

from ...core.backends import ModelSpec
from ...core.backends.onnx_runtime.choice import LOCAL_KINDS
from ...core.backends.spec import BUILTIN, HF, OPENAI, Kind, kind_of
from ...core.catalogue import builtin_note, catalogue, no_neutral, no_neutral_note
from ...core.cells import cell_text
from ...core.codebook import Codebook
from ...core.empty_texts import EMPTY_TEXT
from ...core.errors import LlmstudioError
from ...core.examples import read_examples
from ...core.model_config import ModelChoice, cached_models, load_config, model_choices
from ...core.results import code_names
from ...core.run_form import RunForm, request_preview
from ...core.secrets import accept_url
from ...core.tasks import CodeTask
from ...core.tasks.build import TaskOptions
from ...core.tasks.prompt import placeholders
from ...core.tasks.sentiment import DEFAULT_LABELS, SentimentTask
from ...core.training import project_models
from ..common.errors import describe
from ..models.local_models import LocalModelsFinder, where_texts_go
from ..table.corpus_model import cell_excerpt
from ..table.detail_pane import readable_values
from .jobs import Job, JobSpec
from .length_check import LengthCheck
from .run_dialog_view import (
    EXAMPLE_FILES,
    OTHER_API,
    OTHER_HF,
    SCALE_CHOICES,
    TRIAL_ROWS,
    RunDialogView,
)

TRIAL_CANCEL_WAIT_MS = 5000  # closing the dialog waits this long for a cancelled trial
# Where a stronger model is found, after the builtin's measured numbers (core.catalogue).
STRONGER_MODEL = (
    "A stronger model: Get models… in Model settings, the catalogue of recommended models."
)


def typed_labels(text: str) -> tuple[str, ...]:
    """The labels typed, read as ``--labels`` reads them (core.tasks.build.parse_labels:
    CSV-style quotes); () while the field is empty or wrong (problem() says why)."""
    return RunForm(labels=text if text.strip() else None).parsed_labels()


class RunDialog(RunDialogView):
    """Returns, once accepted, the run as a :class:`JobSpec` (:meth:`spec`).

    ``project`` (its codebooks; the trial run's file) and ``frame`` (the corpus: its
    columns for prompt placeholders, its first rows for the request and the trial) are
    optional: without them the dialog offers what needs neither. ``consent(spec, rows)``
    is asked before a trial sends rows to an API model.
    """

    def __init__(
        self,
        text_column: str,
        rows: int,
        parent=None,
        choices: list[ModelChoice] | None = None,
        *,
        project=None,
        frame: pd.DataFrame | None = None,
        consent=None,
    ):
        if choices is None:
            trained = project_models(project.path) if project is not None else []
            choices = model_choices(load_config(), cached_models(), trained)
        columns = [str(c) for c in frame.columns] if frame is not None else [text_column]
        super().__init__(
            text_column, rows, choices, columns, parent, has_project=project is not None
        )
        self.project = project
        self.frame = frame
        self._rows = rows
        self._consent = consent
        self._book: Codebook | None = None
        self._book_error = ""
        self._examples: tuple[tuple[str, str], ...] = ()
        self._examples_path: str | None = None
        self._examples_error = ""
        self._examples_read_for = None  # (task name, task) the file was last read against
        self.trial: Job | None = None
        self._trial_started = 0.0
        self._ready = False  # _update waits for the widgets to be filled
        self.lengths = LengthCheck(self)  # texts over the model's limit, in the background
        self.browse_button.clicked.connect(self._browse)
        self.base_url.editingFinished.connect(self._hide_url_credentials)
        self.show_request_button.toggled.connect(self._toggle_request)
        self.try_button.clicked.connect(self.try_rows)
        self.examples_button.clicked.connect(self._ask_examples)
        self.clear_examples.clicked.connect(lambda: self.set_examples_file(None))
        self.scale.currentIndexChanged.connect(self._on_scale)
        self.labels.textEdited.connect(self._on_labels_edited)
        self.codebook.currentIndexChanged.connect(self._on_codebook)
        self.edit_codebooks.clicked.connect(self.open_codebook_editor)
        self._fill_codebooks()
        self._shown_kind = None
        self.task.currentIndexChanged.connect(self._on_task)
        self.model.currentIndexChanged.connect(self._fill_fields)
        for edit in (self.labels, self.hf_path, self.api_model, self.base_url, self.system):
            edit.textChanged.connect(self._update)
        self.template.textChanged.connect(self._update)
        for box in (self.explain, self.baseline, self.code_explain):
            box.toggled.connect(self._update)
        for combo in (self.long_texts, self.runtime):
            combo.currentIndexChanged.connect(self._update)
        self._ready = True
        self._fill_fields()
        self.local_models = LocalModelsFinder(self.model, (OTHER_HF, OTHER_API), self)
        # The model follows the task (core.catalogue.default_model: the best downloaded
        # one) until the user picks one.
        self._model_picked = False
        self.model.activated.connect(self._pick_model)
        self._default_model()

    # -- task pages -------------------------------------------------------------------

    def _place_examples(self) -> None:
        """The examples row on the page shown (the view places it), and what it says."""
        self.place_examples_row()
        self._show_examples()

    def _on_task(self, *_) -> None:
        if self._ready and self.sender() is self.task:
            self._default_model()  # which comes back here through _fill_fields
        for i, page in enumerate(self.pages):
            page.setVisible(i == self.task.currentIndex())
        self.task_box.setTitle(
            {"sentiment": "Sentiment options", "code": "Coding options", "prompt": "Your prompt"}[
                self.task_name()
            ]
        )
        self._place_examples()
        self._update()

    def set_task(self, name: str) -> None:
        """Choose the task ``sentiment``, ``code`` or ``prompt``."""
        self.task.setCurrentIndex(self.task.findData(name))

    def task_name(self) -> str:
        return self.task.currentData()

    def _on_scale(self, index: int) -> None:
        labels = self.scale.itemData(index)
        if labels is not None:
            self.labels.setText(", ".join(labels))
        else:
            self.labels.setFocus()
            self.labels.selectAll()

    def _on_labels_edited(self, text: str) -> None:
        labels = typed_labels(text)
        match = next((i for i, (_, scale) in enumerate(SCALE_CHOICES) if scale == labels), 2)
        self.scale.blockSignals(True)
        self.scale.setCurrentIndex(match)
        self.scale.blockSignals(False)

    # -- codebooks and examples -------------------------------------------------------

    def _fill_codebooks(self, select: str | None = None) -> None:
        names = self.project.codebooks() if self.project is not None else []
        select = select or self.codebook.currentText()
        self.codebook.blockSignals(True)
        self.codebook.clear()
        self.codebook.addItems(names)
        if select in names:
            self.codebook.setCurrentIndex(names.index(select))
        self.codebook.blockSignals(False)
        self._on_codebook()

    def _on_codebook(self, *_) -> None:
        name = self.codebook.currentText()
        self._book, self._book_error = None, ""
        if name:
            try:
                self._book = self.project.codebook(name)
            except LlmstudioError as exc:
                self._book_error = str(exc)
        self.show_codebook(self._book, self._book_error, self.project is not None)
        self._update()  # which re-reads the examples file against the new codes

    def open_codebook_editor(self) -> None:
        from ..coding.codebook_editor import CodebookEditor

        editor = CodebookEditor(self.project, self, select=self.codebook.currentText() or None)
        try:
            editor.exec()
            chosen = editor.current_name()
        finally:
            editor.deleteLater()
        self._fill_codebooks(chosen)

    def _ask_examples(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Labelled examples (text, label)", "", EXAMPLE_FILES
        )
        if path:
            self.set_examples_file(path)

    def _examples_task(self) -> CodeTask | SentimentTask | None:
        """The task whose labels the examples must use (core.run_form)."""
        return self.form().examples_task()

    def set_examples_file(self, path: str | Path | None) -> None:
        """Read labelled examples for the task's labels: the sentiment labels, or the
        chosen codebook's codes (None: no examples). They are read again whenever those
        change; what is wrong (file, row, label) is shown in red and stops Run."""
        self._examples, self._examples_error = (), ""
        self._examples_path = str(path) if path else None
        task = self._examples_task()
        self._examples_read_for = (self.task_name(), task)
        if path and task is not None:
            try:
                self._examples = read_examples(
                    path,
                    task.labels,
                    multi_label=task.multi_label,
                    label_of=task.label_of,
                )
            except Exception as exc:  # noqa: BLE001 - any reading error is shown, not raised
                self._examples_error = describe(exc)
        self._show_examples()
        self._update()

    def _examples_stale(self) -> bool:
        """Whether the chosen file was read for other labels than the task's now."""
        return (
            self._examples_path is not None
            and self.task_name() in self._example_forms
            and self._examples_read_for != (self.task_name(), self._examples_task())
        )

    def _show_examples(self) -> None:
        self.show_examples(
            self.task_name() == "code", self._examples_path, self._examples, self._examples_error
        )

    # -- state ------------------------------------------------------------------------

    def _kind(self) -> Kind:
        return kind_of(self.model.currentData().spec)

    def _fill_fields(self, *_) -> None:
        choice: ModelChoice = self.model.currentData()
        kind, name = self._kind(), ModelSpec.partial(choice.spec).name
        if kind.name == HF:
            self.hf_path.setText(name)
        elif kind.name == OPENAI:
            self.api_model.setText(name)
            self.base_url.setText(choice.base_url)
        self._on_task()

    def _update(self, *_) -> None:
        if not self._ready:
            return  # still building
        if self._examples_stale():  # the labels changed: read the file against the new ones
            self.set_examples_file(self._examples_path)  # which updates the rest
            return
        kind = self._kind()
        if kind != self._shown_kind:  # only the rows this kind of model needs
            self._shown_kind = kind
            for widget, shown in (
                (self.hf_row, kind.name == HF),
                (self.api_model, kind.name == OPENAI),
                (self.base_url, kind.name == OPENAI),
                (self.concurrency, kind.name == OPENAI),
                (self.as_batch, kind.name == OPENAI),
                (self.runtime, kind.name in LOCAL_KINDS),
            ):
                self._form.setRowVisible(widget, shown)
        self._show_template_status()
        problem = self.problem()
        if problem and self.task_name() == "prompt" and problem == self.form().template_problem():
            # Said in red under the prompt already, where the placeholder is.
            self.note.setText("<span style='color:#c62828'>Fix the prompt above.</span>")
        elif problem:
            self.note.setText(f"<span style='color:#c62828'>{html.escape(problem)}</span>")
        elif kind.sends_texts:
            self.note.setText(where_texts_go(self.base_url.text()))
        elif kind.name == BUILTIN and self.task_name() == "sentiment":
            self.note.setText(
                "Runs on this computer; nothing is sent anywhere. "
                f"{html.escape(builtin_note())} " + STRONGER_MODEL
            )
        else:  # a catalogue model: what it is good and not good at, from the catalogue
            entry = next((e for e in catalogue() if e.spec == self.form().model), None)
            about = (
                f" {entry.name}: good at: {entry.good_at} Not good at: {entry.not_good_at}"
                + ("" if entry.checked else " (Unchecked: its size or licence is not confirmed.)")
                if entry is not None
                else ""
            )
            if self.task_name() == "sentiment" and no_neutral(entry):
                about += " " + no_neutral_note(entry)
            self.note.setText(
                "Runs on this computer; nothing is sent anywhere." + html.escape(about)
            )
        trying = self.trial is not None and self.trial.running
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            not problem and not trying
        )
        self.try_button.setEnabled(
            trying
            or (
                not problem
                and self.project is not None
                and self.frame is not None
                and self._rows > 0
            )
        )
        self.lengths.show(problem)
        if self.preview.isVisible() and self.preview.currentIndex() == 0:
            self.request_view.setPlainText(self.request_text())
        if (
            self.trial is not None
            and not trying
            and self.trial_table.rowCount()
            and not problem
            and self.spec() != self.trial.spec
        ):
            # The answers shown were for other settings: they would mislead.
            self.trial_table.setRowCount(0)
            self.trial_table.setColumnCount(0)
            self.trial_status.setText(
                "The settings changed since the last try: try again to see these settings' answers."
            )

    def _show_template_status(self) -> None:
        if self.task_name() != "prompt":
            return
        problem = self.form().template_problem()
        if problem:
            self.template_status.setText(
                f"<span style='color:#c62828'>{html.escape(problem)}</span>"
            )
        else:
            names = [n for n in placeholders(self.template.toPlainText()) if n != "text"]
            sent = ", ".join([self._text_column, *names])
            self.template_status.setText(
                f"<span style='color:#2e7d32'>Each request is filled "
                f"from the column(s) {html.escape(sent)}.</span>"
            )

    def form(self) -> RunForm:
        """The run as filled in, without widgets (core.run_form: shared with the CLI)."""
        task, kind = self.task_name(), self._kind()
        labels = self.labels.text()
        explain = {"sentiment": self.explain, "code": self.code_explain}.get(task)
        return RunForm(
            task_name=task,
            labels=labels if task == "sentiment" and labels.strip() else None,
            codebook=self._book if task == "code" else None,
            codebook_error=self._book_error,
            examples=self._examples if task in self._example_forms else None,
            examples_error=self._examples_error,
            prompt=self.template.toPlainText() if task == "prompt" else None,
            system=self.system.text().strip() if task == "prompt" else "",
            explain=explain is not None and explain.isChecked(),
            baseline=task == "sentiment" and self.baseline.isChecked(),
            long_texts=self.long_texts.currentData(),
            model=self._model_spec(),
            base_url=(self.base_url.text().strip() or None) if kind.network else None,
            text_column=self._text_column,
            columns=tuple(self._columns),
            has_project=self.project is not None,
        )

    def problem(self) -> str:
        """Why the run cannot start as filled in ("" when it can)."""
        return self.form().problem()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of a saved Hugging Face model")
        if folder:
            self.hf_path.setText(folder)

    # -- the answer -------------------------------------------------------------------

    def options(self) -> TaskOptions:
        """The task as the CLI's options say it."""
        return self.form().options()

    def _hide_url_credentials(self) -> None:
        """A password or token typed in the base URL leaves the screen: it goes with this
        session's requests to that host (core.secrets), the field keeps the URL without it."""
        typed = self.base_url.text().strip()
        clean = accept_url(typed) or ""
        if clean != typed:
            self.base_url.setText(clean)

    def _model_spec(self) -> str:
        """The model SPEC as filled in ("hf:" while no folder is chosen)."""
        kind = self._kind()
        name = {HF: self.hf_path, OPENAI: self.api_model}.get(kind.name)
        return str(ModelSpec(kind.name, name.text().strip() if name is not None else ""))

    def spec(self) -> JobSpec:
        form = self.form()
        options = form.options()
        return JobSpec(
            model=form.model,
            base_url=form.base_url,
            labels=options.labels or DEFAULT_LABELS,
            concurrency=self.concurrency.value(),
            text_column=self._text_column,
            options=options,
            batch=self.as_batch.isChecked() and self._kind().name == OPENAI,
            runtime=self.runtime.currentData() if self._kind().name in LOCAL_KINDS else None,
        )

    # -- show request -----------------------------------------------------------------

    def request_text(self) -> str:
        """The exact request row 1 makes, as readable text (what "Show request" shows)."""
        problem = self.problem()
        try:
            spec = self.spec()
            task = spec.task()
        except (LlmstudioError, ValueError) as exc:
            return f"No request yet: {problem or exc}"
        return request_preview(self.form(), task, self.frame, spec.endpoint, problem)

    def _toggle_request(self, shown: bool) -> None:
        if shown:
            self.show_request()
        elif self.preview.currentIndex() == 0:
            self.preview.hide()

    def show_request(self) -> None:
        """Show the request for row 1 below the options."""
        self.request_view.setPlainText(self.request_text())
        self.preview.setCurrentIndex(0)
        self.preview.show()
        self.show_request_button.blockSignals(True)
        self.show_request_button.setChecked(True)
        self.show_request_button.blockSignals(False)

    # -- try on 5 rows ----------------------------------------------------------------

    def try_rows(self) -> Job | None:
        """Run the first rows in the background (Stop while it runs); None when nothing
        started (a problem, or consent refused)."""
        if self.trial is not None and self.trial.running:
            self.trial.cancel()
            self.trial_status.setText("Stopping…")
            return None
        if self.problem() or self.project is None or self.frame is None:
            return None
        spec = self.spec()
        rows = list(range(min(TRIAL_ROWS, len(self.frame))))
        self.preview.setCurrentIndex(1)
        self.preview.show()
        self.show_request_button.setChecked(False)
        if spec.remote and self._consent is not None and not self._consent(spec, len(rows)):
            self.trial_status.setText(f"Nothing was sent: the texts may not go to {spec.endpoint}.")
            return None
        task = spec.task()
        self._trial_columns = [self._text_column, *_trial_headers(task)]
        table = self.trial_table
        table.clear()
        table.setColumnCount(len(self._trial_columns) + 1)
        table.setHorizontalHeaderLabels(["Row", *self._trial_columns])
        table.setRowCount(len(rows))
        for r in rows:
            table.setItem(r, 0, QTableWidgetItem(str(r + 1)))
            text, _ = self._cell_text(r)
            table.setItem(r, 1, QTableWidgetItem(cell_excerpt(text, 200)))
            table.item(r, 1).setToolTip(cell_excerpt(text, 1000))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(0, 44)
        table.setColumnWidth(1, 260)
        for column in range(2, table.columnCount()):  # the answers' names whole, not cut
            table.setColumnWidth(
                column, max(table.columnWidth(column), header.sectionSizeHint(column))
            )
        self.trial = Job(
            spec, Path(self.project.path).resolve(), self.frame.columns, parent=self, rows=rows
        )
        self.trial.sig_results.connect(self._on_trial_rows)
        self.trial.sig_ended.connect(self._on_trial_ended)
        # Cancel as Stop does (only while it runs: Stop again would start a new trial).
        self.trial_progress.follow(
            self.trial.background, cancel=lambda: self.trial.running and self.try_rows()
        )
        self._trial_started = time.monotonic()
        self.trial_status.setText(f"Running {spec.model_name()} on rows 1–{len(rows)}…")
        self.try_button.setText("Stop")
        self.trial.start()
        self._update()
        return self.trial

    def _cell_text(self, row_id: int) -> tuple[str, None]:
        return cell_text(self.frame[self._text_column], row_id), None

    def _on_trial_rows(self, frame: pd.DataFrame) -> None:
        task_columns = list(frame.columns)
        error_column = task_columns[-1]
        for row_id, values in frame.iterrows():
            if not 0 <= row_id < self.trial_table.rowCount():
                continue
            pairs = [(c, values[c]) for c in task_columns[:-1]]
            shown = dict(readable_values(pairs, _code_names(self.trial.spec.task())))
            for k, name in enumerate(self._trial_columns[1:-1], start=2):
                text = shown.get(name, "")
                item = QTableWidgetItem(text)
                item.setToolTip(text if len(text) > 30 else "")
                self.trial_table.setItem(row_id, k, item)
            error = values[error_column]
            if isinstance(error, str) and error:
                item = QTableWidgetItem(error)
                # A row with no text is left without a label on purpose: not a failure.
                item.setForeground(QColor("#999" if error == EMPTY_TEXT else "#c62828"))
                item.setToolTip(error)
                self.trial_table.setItem(row_id, len(self._trial_columns), item)
        self.trial_table.resizeRowsToContents()

    def _on_trial_ended(self) -> None:
        job = self.trial
        self.try_button.setText(f"Try on {TRIAL_ROWS} rows")
        state = job.state
        if state.status == "failed":
            self.trial_status.setText(
                f"<span style='color:#c62828'>The trial failed: {html.escape(state.message)}</span>"
            )
        elif state.status == "cancelled":
            self.trial_status.setText("Stopped. Rows answered so far are kept.")
        else:
            result = job.result
            failed = result.failed if result else len(state.errors)
            seconds = time.monotonic() - self._trial_started
            reused = f" ({result.cached} from earlier answers)" if result and result.cached else ""
            self.trial_status.setText(
                f"{result.done if result else '?'} rows in {seconds:.1f} s{reused}"
                + (f", <span style='color:#c62828'>{failed} failed</span>" if failed else "")
                + ". These answers are saved in the project: the full run will not ask "
                "for them again."
            )
        self._update()

    def _wait_for_trial(self) -> None:
        """Stop a running trial and wait (briefly) until its worker has ended."""
        job = self.trial
        if job is None or not job.running:
            return
        loop = QEventLoop()
        job.sig_ended.connect(loop.quit)
        QTimer.singleShot(TRIAL_CANCEL_WAIT_MS, loop.quit)
        job.cancel()
        if job.running:
            loop.exec()

    def done(self, result: int) -> None:
        # The trial's worker signals into this dialog: it must end first.
        self._wait_for_trial()
        self.lengths.stop()
        super().done(result)


def _trial_headers(task) -> list[str]:
    """The trial table's columns after the text: the task's, multi-label codes as one."""
    names = [
        name for name, _ in readable_values([(c, None) for c in task.columns()], _code_names(task))
    ]
    return [*names, f"{task.name}_error"]


def _code_names(task) -> dict[str, str]:
    """A multi-label coding task's 0/1 columns -> the codes' names."""
    return {f"{task.name}_{slug}": name for slug, name in code_names(task.params()).items()}

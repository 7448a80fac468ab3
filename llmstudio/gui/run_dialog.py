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
import json
import re
import time
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import shiboken6
from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.backends import offline_refusal
from ..core.chunking import over_limit
from ..core.codebook import Codebook
from ..core.empty_texts import EMPTY_TEXT
from ..core.errors import LlmstudioError
from ..core.examples import read_examples
from ..core.nested import shown_column
from ..core.results import code_names
from ..core.runner import row_inputs
from ..core.secrets import accept_url, endpoint_id, url_problem
from ..core.tasks import CodeTask
from ..core.tasks.build import TaskOptions
from ..core.tasks.build import parse_labels as labels_from_text
from ..core.tasks.prompt import TemplateError, placeholders
from ..core.tasks.sentiment import DEFAULT_LABELS, SCALES, SentimentTask
from .corpus_model import cell_excerpt
from .detail_pane import readable_values
from .errors import describe
from .jobs import Job, JobSpec
from .model_config import OFFLINE_MODELS, ModelChoice, cached_models, load_config, model_choices
from .progress_row import ProgressRow
from .workers import run_in_background

OTHER_HF = ModelChoice("Other Hugging Face model (folder or hub id)…", "hf:")
OTHER_API = ModelChoice("Other OpenAI / OpenAI-compatible API…", "openai:")
TRIAL_ROWS = 5
LONG_TEXT_CHOICES = (
    ("Split into chunks, combine the answers", "split"),
    ("Truncate: the model reads the start only", "truncate"),
)
LENGTH_CHECK_DELAY_MS = 400  # after the last change, before the texts are counted again
TRIAL_CANCEL_WAIT_MS = 5000  # closing the dialog waits this long for a cancelled trial
TASKS = (("Sentiment", "sentiment"), ("Code with a codebook", "code"), ("Custom prompt", "prompt"))
SCALE_CHOICES = (
    ("3-point: positive, negative, neutral", SCALES["3"]),
    ("5-point: very negative … very positive", SCALES["5"]),
    ("Own labels", None),
)
# The builtin MiniLM reads sentiment far less well than topics (benchmarks/RESULTS.md).
LARGER_MODEL = (
    "For sentiment, a larger embedding model is far more accurate: in Model, choose "
    "“Other Hugging Face model” and type sentence-transformers/all-mpnet-base-v2 "
    "(SST-2, 16 examples a class: 89% against 77%; about 5x slower)."
)
DEFAULT_PROMPT = "Summarise this text in one sentence:\n\n{text}"
_EXAMPLE_FILES = "Tables (*.csv *.tsv *.txt *.xlsx *.xls *.parquet *.jsonl);;All files (*)"


def _examples_tip(code: bool) -> str:
    """The examples button's tooltip: the file's format, for the task shown."""
    labels = (
        "each label one of the codebook's codes; for a multi-label codebook, the "
        "codes that apply separated by ';' (empty: none applies)"
        if code
        else "each label one of the sentiment labels above (e.g. positive)"
    )
    return (
        "<p>A CSV or Excel file (or TSV, Parquet, JSONL) with a <b>text</b> and a "
        f"<b>label</b> column: texts you have labelled yourself, {labels}.</p>"
        "<p>Chat and API models see them as answered examples before each text; the "
        "builtin model, and any sentence-embedding model, learns from them. A wrong "
        "label is reported with its row.</p>"
    )


def parse_labels(text: str) -> tuple[str, ...]:
    """The labels typed, read as ``--labels`` reads them (core.tasks.build.parse_labels:
    CSV-style quotes); () while the field is empty or wrong (problem() says why)."""
    try:
        return labels_from_text(text, option="Labels") if text.strip() else ()
    except LlmstudioError:
        return ()


@lru_cache(maxsize=64)
def hf_generative(name: str) -> bool | None:
    """Whether the Hugging Face model ``name`` (a folder or a cached hub id) writes text:
    True for a causal LM, False for a classifier or an embedding model, None when its
    config is not on this computer (the runner finds out when it loads it)."""
    from ..core.backends.hf import TEXT_GENERATION, detect_pipeline_task

    name = name.strip()
    if not name:
        return None
    config = None
    folder = Path(name).expanduser()
    try:
        if (folder / "config.json").is_file():
            config = folder / "config.json"
        else:
            from huggingface_hub import try_to_load_from_cache

            found = try_to_load_from_cache(name, "config.json")
            config = Path(found) if isinstance(found, str) else None
        if config is None:
            return None
        data = json.loads(config.read_text(encoding="utf-8"))
    except Exception:  # not a folder, not a hub id, unreadable: the runner will say
        return None
    return (
        detect_pipeline_task(
            SimpleNamespace(**{k: data.get(k) for k in ("architectures", "id2label")})
        )
        == TEXT_GENERATION
    )


class PlaceholderHighlighter(QSyntaxHighlighter):
    """Colours a prompt template's placeholders: known columns blue, unknown ones red with
    a wavy underline (so a typo shows where it is, not only in the message below)."""

    _FIELD = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")

    def __init__(self, document, columns):
        super().__init__(document)
        self.columns = set(columns)
        self.known = QTextCharFormat()
        self.known.setForeground(QColor("#1565c0"))
        self.known.setFontWeight(QFont.Weight.Bold)
        self.unknown = QTextCharFormat()
        self.unknown.setForeground(QColor("#c62828"))
        self.unknown.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self.unknown.setUnderlineColor(QColor("#c62828"))

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        for m in self._FIELD.finditer(text):
            ok = m.group(1) == "text" or m.group(1) in self.columns
            self.setFormat(m.start(), m.end() - m.start(), self.known if ok else self.unknown)


def _wrapped(label: QLabel) -> QLabel:
    # A wrapped label's size hint assumes a narrow column (tall, with gaps above and
    # below in a form); at the width these get, a few lines are enough.
    label.setWordWrap(True)
    label.setMinimumWidth(420)
    return label


def _note(text: str = "") -> QLabel:
    label = _wrapped(QLabel(text))
    label.setStyleSheet("color:#666")
    return label


class RunDialog(QDialog):
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
        super().__init__(parent)
        self.setWindowTitle("Run a model")
        self.setMinimumWidth(640)
        self.project = project
        self.frame = frame
        self._text_column = text_column
        self._rows = rows
        self._consent = consent
        self._columns = [str(c) for c in frame.columns] if frame is not None else [text_column]
        self._book: Codebook | None = None
        self._book_error = ""
        self._examples: tuple[tuple[str, str], ...] = ()
        self._examples_path: str | None = None
        self._examples_error = ""
        self._examples_read_for = None  # (task name, task) the file was last read against
        self.trial: Job | None = None
        self._trial_started = 0.0
        if choices is None:
            choices = model_choices(load_config(), cached_models())

        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)
        texts = QLabel(
            f"column <b>{html.escape(text_column)}</b> · {rows:,} rows "
            "<span style='color:#666'>(choose another in the toolbar)</span>"
        )
        form.addRow("Texts:", texts)
        self.task = QComboBox()
        for title, name in TASKS:
            self.task.addItem(title, name)
        self.task.setToolTip("What the model should do with each text")
        form.addRow("Task:", self.task)
        # One page per task, the others hidden (not a QStackedWidget: it would take the
        # tallest page's height, and it breaks the wrapped labels' height-for-width).
        # The examples row is one row, moved into the sentiment or the code page.
        self._example_forms: dict[str, QFormLayout] = {}
        self._examples_form: QFormLayout | None = None
        self._examples_row()
        self.pages = [self._sentiment_page(), self._code_page(), self._prompt_page()]
        self.task_box = QGroupBox()
        box = QVBoxLayout(self.task_box)
        box.setContentsMargins(8, 6, 8, 6)
        for page in self.pages:
            box.addWidget(page)
        form.addRow(self.task_box)

        self.model = QComboBox()
        for choice in [*choices, OTHER_HF, OTHER_API]:
            self.model.addItem(choice.label, choice)
        form.addRow("Model:", self.model)

        self.hf_path = QLineEdit()
        self.hf_path.setPlaceholderText(
            "a folder with a saved model, or a hub id such as "
            "cardiffnlp/twitter-roberta-base-sentiment-latest"
        )
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.hf_row = QWidget()
        row = QHBoxLayout(self.hf_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.hf_path)
        row.addWidget(browse)
        form.addRow("Hugging Face:", self.hf_row)

        self.api_model = QLineEdit()
        self.api_model.setPlaceholderText("e.g. gpt-4o-mini, or llama3.2 on Ollama")
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText(
            "empty for OpenAI; e.g. http://localhost:11434/v1 (Ollama)"
        )
        form.addRow("API model name:", self.api_model)
        form.addRow("Base URL:", self.base_url)
        self.base_url.editingFinished.connect(self._hide_url_credentials)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(8)
        self.concurrency.setToolTip("How many requests are sent at the same time")
        form.addRow("Requests at once:", self.concurrency)
        self.long_texts = QComboBox()
        for title, mode in LONG_TEXT_CHOICES:
            self.long_texts.addItem(title, mode)
        self.long_texts.setToolTip(
            "A text longer than the model reads at once: split it into chunks, each read "
            "whole, and combine their answers (sentiment: the chunks' label probabilities "
            "averaged by length; codes: a code applies if it applies to any chunk); or "
            "truncate it (the model reads its start only). Either way the row is marked "
            "in the column <task>_chunks (and <task>_truncated)."
        )
        form.addRow("Long texts:", self.long_texts)
        self.length_note = QLabel()
        self.length_note.setWordWrap(True)
        form.addRow(self.length_note)
        # Texts over the model's limit, counted in the background (loading the model's
        # tokenizer, counting a big corpus): (key of what was counted, (n, limit) or None).
        self._lengths: tuple | None = None
        self._length_worker = None
        self._length_backends: dict = {}  # (model, base_url) -> a loaded backend
        self._length_timer = QTimer(self)
        self._length_timer.setSingleShot(True)
        self._length_timer.setInterval(LENGTH_CHECK_DELAY_MS)
        self._length_timer.timeout.connect(self._check_lengths)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        self._form = form

        # What will be sent, and a trial on the first rows: hidden until asked for.
        self.preview = QTabWidget()
        self.request_view = QPlainTextEdit()
        self.request_view.setReadOnly(True)
        self.request_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSize(max(8, self.font().pointSize() - 1))
        self.request_view.setFont(mono)
        self.preview.addTab(self.request_view, "Request for row 1")
        trial = QWidget()
        lay = QVBoxLayout(trial)
        lay.setContentsMargins(4, 4, 4, 4)
        self.trial_status = QLabel()
        self.trial_status.setWordWrap(True)
        self.trial_table = QTableWidget()
        self.trial_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.trial_table.setWordWrap(True)
        self.trial_table.verticalHeader().setVisible(False)
        self.trial_table.horizontalHeader().setStretchLastSection(True)
        self.trial_progress = ProgressRow("rows")
        lay.addWidget(self.trial_status)
        lay.addWidget(self.trial_progress)
        lay.addWidget(self.trial_table, 1)
        self.preview.addTab(trial, f"Try on {TRIAL_ROWS} rows")
        self.preview.setMinimumHeight(220)
        self.preview.hide()
        outer.addWidget(self.preview, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Run")
        self.show_request_button = QPushButton("Show request")
        self.show_request_button.setToolTip("See exactly what the model gets for the first row")
        self.show_request_button.setCheckable(True)
        self.show_request_button.toggled.connect(self._toggle_request)
        self.try_button = QPushButton(f"Try on {TRIAL_ROWS} rows")
        self.try_button.setToolTip(
            f"Run the first {TRIAL_ROWS} rows now and show the answers; the full run reuses them"
        )
        self.try_button.clicked.connect(self.try_rows)
        for b in (self.show_request_button, self.try_button):
            b.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.show_request_button)
        row.addWidget(self.try_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        outer.addLayout(row)

        self._shown_kind = None
        self.task.currentIndexChanged.connect(self._on_task)
        self.model.currentIndexChanged.connect(self._fill_fields)
        for edit in (self.labels, self.hf_path, self.api_model, self.base_url, self.system):
            edit.textChanged.connect(self._update)
        self.template.textChanged.connect(self._update)
        for box in (self.explain, self.baseline, self.code_explain):
            box.toggled.connect(self._update)
        self.long_texts.currentIndexChanged.connect(self._update)
        self._fill_fields()

    # -- task pages -------------------------------------------------------------------

    def _examples_row(self) -> None:
        """The few-shot examples row (a file of labelled texts), shared by the sentiment
        and the code page: :meth:`_place_examples` puts it on the page shown."""
        self.examples_label = QLabel("Examples:")
        self.examples_button = QPushButton("Few-shot examples…")
        self.examples_button.clicked.connect(self._ask_examples)
        self.clear_examples = QPushButton("No examples")
        self.clear_examples.setToolTip("Work without examples (zero-shot)")
        self.clear_examples.clicked.connect(lambda: self.set_examples_file(None))
        self.examples_row = QWidget()
        row = QHBoxLayout(self.examples_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.examples_button)
        row.addWidget(self.clear_examples)
        row.addStretch(1)
        # A row of its own under the buttons (an error names the file, the row and the
        # label, and needs the width): in a form, a wrapped label gets the height it needs.
        self.examples_info = _note()
        self._examples_info_label = QLabel()

    def _sentiment_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.scale = QComboBox()
        for title, labels in SCALE_CHOICES:
            self.scale.addItem(title, labels)
        self.scale.setToolTip("The labels a text can get")
        self.scale.currentIndexChanged.connect(self._on_scale)
        form.addRow("Scale:", self.scale)
        self.labels = QLineEdit(", ".join(DEFAULT_LABELS))
        self.labels.setToolTip("The labels a text can get, separated by commas")
        self.labels.textEdited.connect(self._on_labels_edited)
        form.addRow("Labels:", self.labels)
        self.explain = QCheckBox("Explain each answer in a sentence (generative models)")
        self.explain.setToolTip(
            "Adds the column sentiment_explanation; needs a model that "
            "writes text (an API or a Hugging Face chat model)"
        )
        form.addRow(self.explain)
        self.baseline = QCheckBox("Add the lexicon (VADER) label to compare")
        self.baseline.setToolTip(
            "Adds the column sentiment_lexicon: the classic word-list "
            "baseline's label beside the model's"
        )
        form.addRow(self.baseline)
        self._example_forms["sentiment"] = form
        return page

    def _code_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.codebook = QComboBox()
        self.codebook.setMinimumWidth(240)
        self.codebook.setToolTip("The project's codebooks")
        self.codebook.currentIndexChanged.connect(self._on_codebook)
        self.edit_codebooks = QPushButton("Edit codebooks…")
        self.edit_codebooks.setToolTip(
            "Write, change, import or export codebooks (Analyse › Codebooks…)"
        )
        self.edit_codebooks.clicked.connect(self.open_codebook_editor)
        self.edit_codebooks.setEnabled(self.project is not None)
        row = QHBoxLayout()
        row.addWidget(self.codebook, 1)
        row.addWidget(self.edit_codebooks)
        form.addRow("Codebook:", row)
        self.codebook_info = _note()
        form.addRow("", self.codebook_info)
        self.code_explain = QCheckBox("Explain each answer in a sentence (generative models)")
        self.code_explain.setToolTip("Adds the column code_explanation")
        form.addRow(self.code_explain)
        self._example_forms["code"] = form
        self._fill_codebooks()
        return page

    def _prompt_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.template = QPlainTextEdit(DEFAULT_PROMPT)
        self.template.setTabChangesFocus(True)
        self.template.setFixedHeight(self.template.fontMetrics().lineSpacing() * 5 + 14)
        self.highlighter = PlaceholderHighlighter(self.template.document(), self._columns)
        form.addRow("Prompt:", self.template)
        others = [c for c in self._columns if c != self._text_column]
        shown = " ".join(f"<code>{{{html.escape(c)}}}</code>" for c in others[:12])
        more = f" and {len(others) - 12} more" if len(others) > 12 else ""
        help_text = (
            f"Sent once per row. <code>{{text}}</code> becomes the row's text "
            f"(column {html.escape(self._text_column)})"
        )
        help_text += f"; any other column can be used too: {shown}{more}." if others else "."
        help_text += " Write <code>{{</code> and <code>}}</code> for literal braces. The "
        help_text += "answer goes into the column prompt_output."
        self.prompt_help = _note(help_text)
        self.prompt_help.setTextFormat(Qt.TextFormat.RichText)
        form.addRow("", self.prompt_help)
        self.template_status = _wrapped(QLabel())
        form.addRow("", self.template_status)
        self.system = QLineEdit()
        self.system.setPlaceholderText("optional, e.g. You are a careful research assistant.")
        self.system.setToolTip("The system message sent before each prompt")
        form.addRow("System message:", self.system)
        return page

    def _on_task(self, *_) -> None:
        for i, page in enumerate(self.pages):
            page.setVisible(i == self.task.currentIndex())
        self.task_box.setTitle(
            {"sentiment": "Sentiment options", "code": "Coding options", "prompt": "Your prompt"}[
                self.task_name()
            ]
        )
        self._place_examples()
        self._update()

    def _place_examples(self) -> None:
        """Move the examples row onto the shown page (under the labels or the codebook);
        the prompt task has none."""
        form = self._example_forms.get(self.task_name())
        if form is not None and form is not self._examples_form:
            if self._examples_form is not None:
                for widget in (self.examples_row, self.examples_info):
                    taken = self._examples_form.takeRow(widget)
                    # Deleted, not left over: a widget's first layout item keeps its size
                    # cache up to date, and a stale one clips the wrapped message.
                    for item in (taken.labelItem, taken.fieldItem):
                        if item is not None:
                            shiboken6.delete(item)
            form.insertRow(2, self.examples_label, self.examples_row)
            form.insertRow(3, self._examples_info_label, self.examples_info)
            self._examples_form = form
        for widget in (
            self.examples_label,
            self.examples_row,
            self._examples_info_label,
            self.examples_info,
        ):
            widget.setVisible(form is not None)
        self._show_examples()

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
        labels = parse_labels(text)
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
        book = self._book
        if book is not None:
            names = ", ".join(book.names[:8]) + (" …" if len(book.codes) > 8 else "")
            if book.multi_label:
                kind = "Multi-label: each code applies or not, with a confidence"
            else:
                kind = "Single-label: one code per text" + (
                    ", or “none”" if book.none_option else ""
                )
            self.codebook_info.setText(f"{kind}. {len(book.codes)} codes: {names}")
        elif self._book_error:
            self.codebook_info.setText(
                f"<span style='color:#c62828'>{html.escape(self._book_error)}</span>"
            )
        elif self.project is None:
            self.codebook_info.setText(
                "Codebooks are kept in a project: save the corpus as a project first."
            )
        else:
            self.codebook_info.setText(
                "No codebook in this project yet: click “Edit "
                "codebooks…” to write one or import a YAML/JSON file."
            )
        self._update()  # which re-reads the examples file against the new codes

    def open_codebook_editor(self) -> None:
        from .codebook_editor import CodebookEditor

        editor = CodebookEditor(self.project, self, select=self.codebook.currentText() or None)
        try:
            editor.exec()
            chosen = editor.current_name()
        finally:
            editor.deleteLater()
        self._fill_codebooks(chosen)

    def _ask_examples(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Labelled examples (text, label)", "", _EXAMPLE_FILES
        )
        if path:
            self.set_examples_file(path)

    def _examples_task(self) -> CodeTask | SentimentTask | None:
        """The task whose labels the examples must use, as Run would build it (its
        ``label_of`` maps a file's labels onto them); None: no labels or codebook yet, or
        the prompt task."""
        name = self.task_name()
        if name == "code":
            return CodeTask(codebook=self._book) if self._book is not None else None
        if name == "sentiment":
            labels = parse_labels(self.labels.text())
            return SentimentTask(labels=labels) if len(labels) >= 2 else None
        return None

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
                    multi_label=bool(getattr(task, "multi_label", False)),
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
        code = self.task_name() == "code"
        self.clear_examples.setVisible(self._examples_path is not None)
        self.examples_button.setToolTip(_examples_tip(code))
        self.examples_info.setToolTip(self._examples_path or "")
        if self._examples_error:
            self.examples_info.setText(
                f"<span style='color:#c62828'>{html.escape(self._examples_error)}</span>"
            )
        elif self._examples:
            n = len(self._examples)
            self.examples_info.setText(
                f"{n} example{'s' * (n != 1)} read from "
                f"{html.escape(Path(self._examples_path).name)}"
            )
        elif self._examples_path:
            self.examples_info.setText(
                "Choose a codebook first." if code else "Give at least two labels first."
            )
        elif code:
            self.examples_info.setText("None: the model codes from the codebook alone (zero-shot).")
        else:
            self.examples_info.setText("None: the model works from the labels alone (zero-shot).")

    # -- state ------------------------------------------------------------------------

    def _kind(self) -> str:
        return self.model.currentData().spec.partition(":")[0]

    def _fill_fields(self, *_) -> None:
        choice: ModelChoice = self.model.currentData()
        kind, _, name = choice.spec.partition(":")
        if kind == "hf":
            self.hf_path.setText(name)
        elif kind == "openai":
            self.api_model.setText(name)
            self.base_url.setText(choice.base_url)
        self._on_task()

    def _update(self, *_) -> None:
        if not hasattr(self, "note"):
            return  # still building
        if self._examples_stale():  # the labels changed: read the file against the new ones
            self.set_examples_file(self._examples_path)  # which updates the rest
            return
        kind = self._kind()
        if kind != self._shown_kind:  # only the rows this kind of model needs
            self._shown_kind = kind
            for widget, shown in (
                (self.hf_row, kind == "hf"),
                (self.api_model, kind == "openai"),
                (self.base_url, kind == "openai"),
                (self.concurrency, kind == "openai"),
            ):
                self._form.setRowVisible(widget, shown)
        self._show_template_status()
        problem = self.problem()
        if problem and self.task_name() == "prompt" and problem == self._template_problem():
            # Said in red under the prompt already, where the placeholder is.
            self.note.setText("<span style='color:#c62828'>Fix the prompt above.</span>")
        elif problem:
            self.note.setText(f"<span style='color:#c62828'>{html.escape(problem)}</span>")
        elif kind == "openai":
            host = endpoint_id(self.base_url.text().strip() or None)
            self.note.setText(
                f"The texts will be sent to <b>{host}</b>"
                ". You will see what is sent and an estimate of the cost, and "
                "confirm, before anything leaves this computer."
            )
        elif kind == "builtin" and self.task_name() == "sentiment":
            self.note.setText("Runs on this computer; nothing is sent anywhere. " + LARGER_MODEL)
        else:
            self.note.setText("Runs on this computer; nothing is sent anywhere.")
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
        self._show_lengths(problem)
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

    # -- texts longer than the model reads ----------------------------------------------

    def _length_key(self) -> tuple | None:
        """What the count of long texts depends on (None: nothing to count yet)."""
        if self.frame is None or not len(self.frame):
            return None
        spec = self.spec()
        params = dict(spec.task().params())
        params.pop("long_texts", None)  # the mode changes the words, not the count
        return (spec.model, spec.base_url, json.dumps(params, sort_keys=True, default=str))

    def _show_lengths(self, problem: str) -> None:
        """Say how many texts the model cannot read at once, counting them again (in the
        background, after a pause in typing) when the model or the task changed."""
        key = None if problem else self._length_key()
        if key is None:
            self.length_note.setText("")
            return
        if self._lengths is not None and self._lengths[0] == key:
            self.length_note.setText(self._length_words(self._lengths[1]))
            return
        self.length_note.setText(
            "<span style='color:#666'>Checking the texts' lengths against this model…</span>"
        )
        self._length_timer.start()

    def _check_lengths(self) -> None:
        if self._length_worker is not None:  # one count at a time; this one comes next
            self._length_timer.start()
            return
        key = None if self.problem() else self._length_key()
        if key is None:
            return
        spec = self.spec()
        self._length_worker = run_in_background(
            count_long_texts,
            spec,
            self.frame,
            self._text_column,
            self._length_backends,
            on_done=lambda found: self._lengths_counted(key, found),
            on_error=lambda exc: self._lengths_counted(key, exc),
            on_finished=self._length_check_ended,
        )

    def _length_check_ended(self) -> None:
        self._length_worker = None

    def _lengths_counted(self, key: tuple, found) -> None:
        if not shiboken6.isValid(self):
            return
        self._lengths = (key, found)
        if not self.problem() and self._length_key() == key:
            self.length_note.setText(self._length_words(found))

    def _length_words(self, found) -> str:
        """The warning (or all-clear) for (texts over the limit, limit) or an error."""
        if isinstance(found, BaseException):
            return (
                "<span style='color:#666'>The texts' lengths could not be checked "
                f"against this model: {html.escape(describe(found))}</span>"
            )
        n, limit = found
        if limit is None:
            return ""
        if not n:
            return (
                f"<span style='color:#666'>Every text fits in what this model reads at "
                f"once ({limit:,} tokens).</span>"
            )
        what = (
            "they will be split into chunks and the chunks' answers combined"
            if self.long_texts.currentData() == "split"
            else "they will be truncated: the model reads only their start"
        )
        if self.task_name() == "prompt" and self.long_texts.currentData() == "split":
            what = (
                "a free prompt's answers cannot be combined across chunks: those rows "
                "will fail; choose to truncate, or shorten them"
            )
        texts = "1 text is" if n == 1 else f"{n:,} texts are"
        column = "chunks" if self.long_texts.currentData() == "split" else "truncated"
        return (
            f"<span style='color:#b26a00'>⚠ {texts} longer than this model reads at "
            f"once ({limit:,} tokens): {what}. The column {self.task_name()}_{column} "
            "marks them.</span>"
        )

    def _show_template_status(self) -> None:
        if self.task_name() != "prompt":
            return
        problem = self._template_problem()
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

    def _template_problem(self) -> str:
        template = self.template.toPlainText()
        if not template.strip():
            return (
                "Write the prompt: what the model should do with each text, with {text} "
                "where the text goes."
            )
        try:
            names = placeholders(template)
        except TemplateError as exc:
            return str(exc).removeprefix("prompt template: ").capitalize()
        if not names:
            return "The prompt has no placeholder: put {text} where each row's text goes."
        unknown = [n for n in names if n != "text" and n not in self._columns]
        if unknown:
            listed = ", ".join("{" + n + "}" for n in unknown)
            verb = "is not a column" if len(unknown) == 1 else "are not columns"
            return f"{listed} {verb} of this corpus (the columns: {', '.join(self._columns)})."
        return ""

    def _generative(self) -> bool | None:
        """Whether the chosen model writes text (None: not known before it loads)."""
        kind = self._kind()
        if kind == "openai":
            return True
        if kind == "hf":
            return hf_generative(self.hf_path.text().strip())
        return False

    def _model_words(self) -> str:
        kind = self._kind()
        if kind in OFFLINE_MODELS:
            return {"builtin": "The builtin MiniLM model", "lexicon": "The lexicon (VADER)"}[kind]
        return "This Hugging Face model (a classifier)"

    def problem(self) -> str:
        """Why the run cannot start as filled in ("" when it can)."""
        task = self.task_name()
        if task == "sentiment":
            text = self.labels.text()
            try:  # the same rules as --labels: a repeated label or an open quote is named
                labels = labels_from_text(text, option="Labels") if text.strip() else ()
            except LlmstudioError as exc:
                return str(exc)
            if len(labels) < 2:
                return "Give at least two labels, separated by commas."
        if task == "code":
            if self._book is None:
                return self._book_error or (
                    "Coding needs a codebook: save the corpus as a project first."
                    if self.project is None
                    else "Choose a codebook, or click “Edit codebooks…” to write one."
                )
        if task in ("sentiment", "code") and self._examples_error:
            return f"The examples file cannot be used: {self._examples_error}"
        if task == "prompt":
            problem = self._template_problem()
            if problem:
                return problem
        kind = self._kind()
        if kind == "hf" and not self.hf_path.text().strip():
            return "Choose a model folder, or type a Hugging Face hub id."
        if kind == "openai" and not self.api_model.text().strip():
            return "Type the API's model name."
        if kind == "openai" and self.base_url.text().strip():
            problem = url_problem(self.base_url.text().strip())
            if problem:
                return f"The base URL is {problem}."
        writes = self._generative()
        if writes is False:
            model = self._model_words()
            if task == "prompt":
                return (
                    f"{model} cannot answer a custom prompt: it only gives labels. Choose "
                    "a model that writes text (an API model or a Hugging Face chat model)."
                )
            explain = self.explain if task == "sentiment" else self.code_explain
            if task in ("sentiment", "code") and explain.isChecked():
                return (
                    f"{model} cannot explain its answers: it only gives labels. Untick "
                    "“Explain each answer”, or choose a model that writes text."
                )
            if kind in OFFLINE_MODELS:
                try:
                    why = offline_refusal(kind, self.spec().task())
                except LlmstudioError as exc:
                    return str(exc)
                if why and task == "sentiment" and self._examples:
                    return (
                        f"{model} cannot run this: {why}. Choose the builtin model or "
                        "a model that writes text, or click “No examples”."
                    )
                if why:
                    return (
                        f"{model} cannot run this: {why}. Choose an API model or a "
                        "Hugging Face model (a chat model, or a zero-shot classifier)."
                    )
        try:
            self.spec().task()
        except LlmstudioError as exc:
            return str(exc)
        return ""

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of a saved Hugging Face model")
        if folder:
            self.hf_path.setText(folder)

    # -- the answer -------------------------------------------------------------------

    def set_model(self, spec: str, base_url: str = "") -> None:
        """Choose the listed model with this SPEC, or fill in an "Other…" entry."""
        kind, _, name = spec.partition(":")
        listed = [self.model.itemData(i) for i in range(self.model.count())]
        wanted = ModelChoice("", spec, base_url or "")
        for i, choice in enumerate(listed):
            if (choice.spec, choice.base_url) == (wanted.spec, wanted.base_url):
                self.model.setCurrentIndex(i)
                return
        self.model.setCurrentIndex(listed.index(OTHER_HF if kind == "hf" else OTHER_API))
        if kind == "hf":
            self.hf_path.setText(name)
        else:
            self.api_model.setText(name)
            self.base_url.setText(base_url)

    def options(self) -> TaskOptions:
        """The task as the CLI's options say it."""
        task = self.task_name()
        long_texts = self.long_texts.currentData()
        if task == "code":
            return TaskOptions(
                task="code",
                codebook=self._book,
                examples=self._examples or None,
                explain=self.code_explain.isChecked(),
                long_texts=long_texts,
            )
        if task == "prompt":
            return TaskOptions(
                task="prompt",
                prompt=self.template.toPlainText(),
                system=self.system.text().strip(),
                long_texts=long_texts,
            )
        return TaskOptions(
            task="sentiment",
            labels=parse_labels(self.labels.text()),
            examples=self._examples or None,
            explain=self.explain.isChecked(),
            baseline=self.baseline.isChecked(),
            long_texts=long_texts,
        )

    def _hide_url_credentials(self) -> None:
        """A password or token typed in the base URL leaves the screen: it goes with this
        session's requests to that host (core.secrets), the field keeps the URL without it."""
        typed = self.base_url.text().strip()
        clean = accept_url(typed) or ""
        if clean != typed:
            self.base_url.setText(clean)

    def spec(self) -> JobSpec:
        kind = self._kind()
        base_url = None
        if kind == "hf":
            model = f"hf:{self.hf_path.text().strip()}"
        elif kind == "openai":
            model = f"openai:{self.api_model.text().strip()}"
            base_url = self.base_url.text().strip() or None
        else:
            model = kind
        options = self.options()
        return JobSpec(
            model=model,
            base_url=base_url,
            labels=options.labels or DEFAULT_LABELS,
            concurrency=self.concurrency.value(),
            text_column=self._text_column,
            options=options,
        )

    # -- show request -----------------------------------------------------------------

    def _first_row(self) -> tuple[str, dict[str, str]]:
        """Row 1's text and its other columns, as the runner reads them."""
        if self.frame is None or not len(self.frame):
            return "(the row's text)", {}

        def cell(value) -> str:
            return (
                ""
                if value is None or (not isinstance(value, str) and pd.isna(value))
                else str(value)
            )

        row = {
            str(c): cell(shown_column(self.frame[c].iloc[:1]).iat[0]) for c in self.frame.columns
        }
        return row.get(self._text_column, ""), row

    def request_text(self) -> str:
        """The exact request row 1 makes, as readable text (what "Show request" shows)."""
        problem = self.problem()
        try:
            spec = self.spec()
            task = spec.task()
        except (LlmstudioError, ValueError) as exc:
            return f"No request yet: {problem or exc}"
        text, row = self._first_row()
        messages = task.messages(task.render(text, row))
        parts = []
        if problem:
            parts.append(f"Not ready to run: {problem}\n")
        writes = self._generative()
        if spec.remote:
            parts.append(
                f"Sent to {spec.endpoint}, model {spec.model.partition(':')[2]}, for row 1:"
            )
        elif writes is False:
            parts.append(
                f"{self._model_words()} reads no prompt: it scores each text "
                "itself. A model that writes text would get, for row 1:"
            )
        else:
            parts.append("The model on this computer gets, for row 1:")
        for message in messages:
            parts.append(f"\n── {message['role']} ──\n{message['content']}")
        if spec.remote:
            schema = task.json_schema()
            if schema:
                parts.append(
                    "\n── answer format (JSON schema, structured output) ──\n"
                    + json.dumps(schema, indent=2, ensure_ascii=False)
                )
            else:
                parts.append("\n── answer format ──\nfree text (no JSON schema)")
        return "\n".join(parts)

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
        value = self.frame[self._text_column].iat[row_id]
        return (
            "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        ), None

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

    # -- height ----------------------------------------------------------------------

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a page or a message changed
            self.fit_height()
        return handled

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():  # wrapped lines change
            self.fit_height()

    def fit_height(self) -> None:
        """Keep the dialog as tall as its wrapped labels need at its width.

        A window's minimum size leaves height-for-width out: after a switch to the custom
        prompt page (more lines of help) the dialog kept the shorter page's height and the
        form drew the help over the prompt box. Grown when short; shrunk back when it was
        only as tall as the last page needed."""
        layout = self.layout()
        if layout is None:
            return
        need = layout.totalHeightForWidth(self.width())
        if need <= 0:
            return
        self.setMinimumHeight(need)
        if self.height() < need or self.height() == getattr(self, "_fitted", None):
            self.resize(self.width(), need)
        self._fitted = need

    def done(self, result: int) -> None:
        # The trial's worker signals into this dialog: it must end first.
        self._wait_for_trial()
        self._length_timer.stop()
        self._length_backends.clear()  # the models loaded to count tokens
        super().done(result)


def count_long_texts(
    spec: JobSpec, frame: pd.DataFrame, text_column: str, backends: dict
) -> tuple[int, int | None]:
    """(texts over the model's limit, the limit in tokens) for the run ``spec`` describes
    (in a worker thread; ``backends`` keeps the models loaded for it by model)."""
    task = spec.task()
    key = (spec.model, spec.base_url)
    if key not in backends:
        backends.clear()  # one model held at a time
        backends[key] = spec.backend()
    return over_limit(backends[key], task, row_inputs(task, frame, text_column))


def _trial_headers(task) -> list[str]:
    """The trial table's columns after the text: the task's, multi-label codes as one."""
    names = [
        name for name, _ in readable_values([(c, None) for c in task.columns()], _code_names(task))
    ]
    return [*names, f"{task.name}_error"]


def _code_names(task) -> dict[str, str]:
    """A multi-label coding task's 0/1 columns -> the codes' names."""
    return {f"{task.name}_{slug}": name for slug, name in code_names(task.params()).items()}

"""The run dialog's widgets (``gui/runs/run_dialog`` is what they do): the task and its page
(sentiment, coding, custom prompt; the few-shot examples row moved onto the page shown),
the model and its fields, long texts, the notes, the request and trial tabs, the buttons;
and the dialog's height kept to what its wrapped labels need.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.backends import ModelSpec
from ...core.backends.onnx_runtime.choice import (
    AUTO,
    INSTALL_HINT,
    LABELS,
    ONNX,
    TORCH_BF16,
    default_runtime,
    installed_runtimes,
)
from ...core.backends.spec import HF, OPENAI
from ...core.catalogue import default_model
from ...core.codebook import Codebook
from ...core.errors import BackendError
from ...core.model_config import ModelChoice
from ...core.tasks.sentiment import DEFAULT_LABELS, SCALES
from ..common.progress_row import ProgressRow
from .concurrency_field import ConcurrencyField

# Their SPECs name no model yet ("hf:", "openai:"): the fields below the list do.
OTHER_HF = ModelChoice("Other Hugging Face model (folder or hub id)…", str(ModelSpec(HF)))
OTHER_API = ModelChoice("Other OpenAI / OpenAI-compatible API…", str(ModelSpec(OPENAI)))
TRIAL_ROWS = 5
LONG_TEXT_CHOICES = (
    ("Split into chunks, combine the answers", "split"),
    ("Truncate: the model reads the start only", "truncate"),
)
TASKS = (("Sentiment", "sentiment"), ("Code with a codebook", "code"), ("Custom prompt", "prompt"))
SCALE_CHOICES = (
    ("3-point: positive, negative, neutral", SCALES["3"]),
    ("5-point: very negative … very positive", SCALES["5"]),
    ("Own labels", None),
)
DEFAULT_PROMPT = "Summarise this text in one sentence:\n\n{text}"
EXAMPLE_FILES = "Tables (*.csv *.tsv *.txt *.xlsx *.xls *.parquet *.jsonl);;All files (*)"


def examples_tip(code: bool) -> str:
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


class RunDialogView(QDialog):
    """The widgets of the run dialog, built without what they do."""

    def __init__(
        self,
        text_column: str,
        rows: int,
        choices: list[ModelChoice],
        columns: list[str],
        parent=None,
        *,
        has_project: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle("Run a model")
        self.setMinimumWidth(640)
        self._text_column = text_column
        self._columns = columns
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
        self.pages = [
            self._sentiment_page(),
            self._code_page(has_project),
            self._prompt_page(),
        ]
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
        self.browse_button = browse = QPushButton("Browse…")
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
        self.concurrency = ConcurrencyField()
        form.addRow("Requests at once:", self.concurrency)
        self.as_batch = QCheckBox("Run as batch (about half price, finishes within 24 h)")
        self.as_batch.setToolTip(
            "Send every row at once through the server's Batch API (OpenAI, or a server "
            "with /v1/batches): half the price, answers within a day. The Jobs panel "
            "follows it, also after the program is closed; Fetch stores the answers."
        )
        form.addRow("", self.as_batch)
        self.runtime = runtime_choice()
        form.addRow("Runtime:", self.runtime)
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
        self.try_button = QPushButton(f"Try on {TRIAL_ROWS} rows")
        self.try_button.setToolTip(
            f"Run the first {TRIAL_ROWS} rows now and show the answers; the full run reuses them"
        )
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

    # -- the model -----------------------------------------------------------------------

    def _pick_model(self, *_) -> None:
        self._model_picked = True

    def _default_model(self) -> None:
        """Choose the task's default model (the best downloaded catalogue model, else the
        builtin) when it is listed and no model was picked by hand."""
        if self._model_picked:
            return
        spec = default_model(self.task.currentData()).spec
        index = next(
            (i for i in range(self.model.count()) if self.model.itemData(i).spec == spec), 0
        )
        if index != self.model.currentIndex():
            self.model.setCurrentIndex(index)

    def set_model(self, spec: str, base_url: str = "") -> None:
        """Choose the listed model with this SPEC, or fill in an "Other…" entry."""
        self._model_picked = True  # the task's default no longer replaces it
        model = ModelSpec.partial(spec)  # "hf:": the folder is still to be chosen
        listed = [self.model.itemData(i) for i in range(self.model.count())]
        wanted = ModelChoice("", spec, base_url or "")
        for i, choice in enumerate(listed):
            if (choice.spec, choice.base_url) == (wanted.spec, wanted.base_url):
                self.model.setCurrentIndex(i)
                return
        other = OTHER_HF if model is not None and model.kind == HF else OTHER_API
        self.model.setCurrentIndex(listed.index(other))
        name = model.name if model is not None else ""
        if other is OTHER_HF:
            self.hf_path.setText(name)
        else:
            self.api_model.setText(name)
            self.base_url.setText(base_url)

    def show_codebook(self, book: Codebook | None, error: str, has_project: bool) -> None:
        """What the codebook row says: its kind and codes, or why there is none."""
        if book is not None:
            names = ", ".join(book.names[:8]) + (" …" if len(book.codes) > 8 else "")
            if book.multi_label:
                kind = "Multi-label: each code applies or not, with a confidence"
            else:
                kind = "Single-label: one code per text" + (
                    ", or “none”" if book.none_option else ""
                )
            self.codebook_info.setText(f"{kind}. {len(book.codes)} codes: {names}")
        elif error:
            self.codebook_info.setText(f"<span style='color:#c62828'>{html.escape(error)}</span>")
        elif not has_project:
            self.codebook_info.setText(
                "Codebooks are kept in a project: save the corpus as a project first."
            )
        else:
            self.codebook_info.setText(
                "No codebook in this project yet: click “Edit "
                "codebooks…” to write one or import a YAML/JSON file."
            )

    def show_examples(self, code: bool, path: str | None, examples: tuple, error: str) -> None:
        """What the examples row says: the file read, how many examples, or what is
        wrong with it (``code``: for the coding task)."""
        self.clear_examples.setVisible(path is not None)
        self.examples_button.setToolTip(examples_tip(code))
        self.examples_info.setToolTip(path or "")
        if error:
            self.examples_info.setText(f"<span style='color:#c62828'>{html.escape(error)}</span>")
        elif examples:
            n = len(examples)
            self.examples_info.setText(
                f"{n} example{'s' * (n != 1)} read from {html.escape(Path(path).name)}"
            )
        elif path:
            self.examples_info.setText(
                "Choose a codebook first." if code else "Give at least two labels first."
            )
        elif code:
            self.examples_info.setText("None: the model codes from the codebook alone (zero-shot).")
        else:
            self.examples_info.setText("None: the model works from the labels alone (zero-shot).")

    @property
    def text_column(self) -> str:
        """The column whose texts the run reads (chosen in the window's toolbar)."""
        return self._text_column

    # -- task pages -------------------------------------------------------------------

    def _examples_row(self) -> None:
        """The few-shot examples row (a file of labelled texts), shared by the sentiment
        and the code page: :meth:`_place_examples` puts it on the page shown."""
        self.examples_label = QLabel("Examples:")
        self.examples_button = QPushButton("Few-shot examples…")
        self.clear_examples = QPushButton("No examples")
        self.clear_examples.setToolTip("Work without examples (zero-shot)")
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
        form.addRow("Scale:", self.scale)
        self.labels = QLineEdit(", ".join(DEFAULT_LABELS))
        self.labels.setToolTip("The labels a text can get, separated by commas")
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

    def _code_page(self, has_project: bool) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.codebook = QComboBox()
        self.codebook.setMinimumWidth(240)
        self.codebook.setToolTip("The project's codebooks")
        self.edit_codebooks = QPushButton("Edit codebooks…")
        self.edit_codebooks.setToolTip(
            "Write, change, import or export codebooks (Analyse › Codebooks…)"
        )
        self.edit_codebooks.setEnabled(has_project)
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

    def place_examples_row(self) -> None:
        """Move the examples row onto the shown page (under the labels or the codebook);
        the prompt task has none."""
        form = self._example_forms.get(self.task.currentData())
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


def runtime_choice() -> QComboBox:
    """The runtimes installed here, for a local model (builtin, hf:): automatic (chosen:
    the default, or $LLMSTUDIO_RUNTIME's), PyTorch, PyTorch in bfloat16 where the CPU has
    bfloat16 instructions, and ONNX Runtime float32 and int8 when its packages are there."""
    box = QComboBox()
    for runtime in installed_runtimes():
        box.addItem(LABELS[runtime], runtime)
    try:
        chosen = default_runtime()
    except BackendError:  # a wrong $LLMSTUDIO_RUNTIME: Run says so (backend's check)
        chosen = AUTO
    box.setCurrentIndex(max(0, box.findData(chosen)))
    tip = (
        "Automatic runs encoder classifiers and embedding models on this computer's CPU "
        "with ONNX Runtime in float32 (the same labels as PyTorch, in less time), and "
        "everything else, or a model on a GPU, with PyTorch. ONNX Runtime runs a copy of "
        "the model converted once per model version, checked against PyTorch and kept in "
        "llmstudio's cache folder; int8 stores the weights in 8 bits: faster, slightly "
        "less exact. The methods record names the runtime that ran."
    )
    if box.findData(TORCH_BF16) >= 0:
        tip += (
            " PyTorch in bfloat16 (offered because this CPU has bfloat16 instructions) runs "
            "any local model, text-writing ones too, 1.4-1.9x as fast as in float32 once "
            "loaded, with float32's label on 97.5-100% of rows: slightly less exact, but far "
            "closer than int8. It loads PyTorch (seconds), so it pays on large corpora."
        )
    if box.findData(ONNX) < 0:
        tip += f" ONNX Runtime is not installed here ({INSTALL_HINT}): PyTorch runs every model."
    box.setToolTip(tip)
    return box

"""The "Run model" dialog: which task, which labels, which model, how many requests at once.

It mirrors ``llmstudio annotate``'s options and returns a :class:`JobSpec`; it starts
nothing itself (consent for API models is asked after it, by the caller).
"""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget)

from ..core.secrets import endpoint_id
from ..core.tasks.sentiment import DEFAULT_LABELS
from .jobs import JobSpec
from .model_config import ModelChoice, cached_models, load_config, model_choices

OTHER_HF = ModelChoice("Other Hugging Face model (folder or hub id)…", "hf:")
OTHER_API = ModelChoice("Other OpenAI / OpenAI-compatible API…", "openai:")


def parse_labels(text: str) -> tuple[str, ...]:
    """Comma-separated labels, stripped, without repeats, in the order given."""
    return tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))


class RunDialog(QDialog):
    def __init__(self, text_column: str, rows: int, parent=None,
                 choices: list[ModelChoice] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Run a model")
        self.setMinimumWidth(560)
        if choices is None:
            choices = model_choices(load_config(), cached_models())
        form = QFormLayout(self)
        texts = QLabel(f"column <b>{text_column}</b> · {rows:,} rows "
                       "<span style='color:#666'>(choose another in the toolbar)</span>")
        form.addRow("Texts:", texts)
        self.task = QComboBox()
        self.task.addItem("Sentiment")
        form.addRow("Task:", self.task)
        self.labels = QLineEdit(", ".join(DEFAULT_LABELS))
        self.labels.setToolTip("The labels a text can get, separated by commas")
        form.addRow("Labels:", self.labels)

        self.model = QComboBox()
        for choice in [*choices, OTHER_HF, OTHER_API]:
            self.model.addItem(choice.label, choice)
        form.addRow("Model:", self.model)

        self.hf_path = QLineEdit()
        self.hf_path.setPlaceholderText("a folder with a saved model, or a hub id such as "
                                        "cardiffnlp/twitter-roberta-base-sentiment-latest")
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
        self.base_url.setPlaceholderText("empty for OpenAI; e.g. http://localhost:11434/v1 (Ollama)")
        form.addRow("API model name:", self.api_model)
        form.addRow("Base URL:", self.base_url)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(8)
        self.concurrency.setToolTip("How many requests are sent at the same time")
        form.addRow("Requests at once:", self.concurrency)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Run")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._form = form
        self._shown_kind = None
        self.model.currentIndexChanged.connect(self._fill_fields)
        for edit in (self.labels, self.hf_path, self.api_model, self.base_url):
            edit.textChanged.connect(self._update)
        self._fill_fields()

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
        self._update()

    def _update(self, *_) -> None:
        kind = self._kind()
        if kind != self._shown_kind:  # only the rows this kind of model needs
            self._shown_kind = kind
            for widget, shown in ((self.hf_row, kind == "hf"), (self.api_model, kind == "openai"),
                                  (self.base_url, kind == "openai"),
                                  (self.concurrency, kind == "openai")):
                self._form.setRowVisible(widget, shown)
            self.adjustSize()
        problem = self.problem()
        if problem:
            self.note.setText(f"<span style='color:#c62828'>{problem}</span>")
        elif kind == "openai":
            self.note.setText(f"The texts will be sent to <b>{endpoint_id(self.base_url.text().strip() or None)}</b>"
                              ". You will see what is sent and an estimate of the cost, and "
                              "confirm, before anything leaves this computer.")
        else:
            self.note.setText("Runs on this computer; nothing is sent anywhere.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def problem(self) -> str:
        """Why the run cannot start as filled in ("" when it can)."""
        if len(parse_labels(self.labels.text())) < 2:
            return "Give at least two labels, separated by commas."
        kind = self._kind()
        if kind == "hf" and not self.hf_path.text().strip():
            return "Choose a model folder, or type a Hugging Face hub id."
        if kind == "openai" and not self.api_model.text().strip():
            return "Type the API's model name."
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
        return JobSpec(model=model, base_url=base_url, labels=parse_labels(self.labels.text()),
                       concurrency=self.concurrency.value())

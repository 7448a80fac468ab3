"""Analyse > Split into Units…: the open corpus's texts split into paragraphs, sentences or
windows of N words, saved as a new project linked to this one (``core.unit_corpus``) in
the background with progress and Cancel, then opened.

The dialog previews the first document's units and the number of units to expect before
anything is written."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QListWidget,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from ...core.cells import as_text
from ...core.errors import Cancelled, LlmstudioError
from ...core.project import SUFFIX
from ...core.recent import add_recent
from ...core.unit_corpus import save_units_project, spec_text, split_corpus, units_info
from ...core.unit_links import NOT_SAVED, record_units_link
from ...core.units import LANGUAGES, SENTENCEX_LANGUAGES, UnitSpec
from ...core.wording import counted
from ..common.background import BackgroundTask
from ..common.progress_row import ProgressRow
from .corpus_links import CorpusLinks

# The preview and the total are worked out on the GUI thread, as the choice changes: on
# this many characters at most (about 0.1 s with the fast rules or the other units; pysbd
# reads ~150,000 characters a second). Beyond, the total is estimated by characters.
BUDGET_CHARS = 2_000_000
PYSBD_BUDGET_CHARS = 100_000
PREVIEW_UNITS = 200  # units of the first document listed


def budget(spec: UnitSpec) -> int:
    """How many characters the dialog splits to preview and count ``spec``."""
    slow = spec.kind == "sentence" and spec.splitter == "pysbd"
    return PYSBD_BUDGET_CHARS if slow else BUDGET_CHARS


def _split_and_save(corpus, spec, path, split_from, monitor):
    units = split_corpus(corpus, spec, monitor)
    info = units_info(corpus, units, spec, split_from)
    monitor.check()  # a Cancel during the split writes nothing
    project = save_units_project(path, units, info, replace=True)
    try:
        record_units_link(project)  # the source lists it: Corpus: switches between them
    except LlmstudioError as exc:  # the units are written: said, not undone
        return project, info, str(exc)
    return project, info, ""


def expected_units(corpus, spec: UnitSpec) -> tuple[int, int | None]:
    """The number of units ``corpus`` splits into, and None when it was counted, else
    the number of documents it was estimated from (by characters: the first documents
    within :func:`budget`'s characters, at least one, cut to the budget)."""
    texts = corpus.frame[corpus.text_column]
    most = budget(spec)
    counted = chars = documents = 0
    for value in texts:
        text = as_text(value)
        if chars + len(text) > most:
            if documents:
                break
            text = text[:most]  # one long document: its start
        counted += len(spec.split(text))
        chars += len(text)
        documents += 1
    if documents == len(texts) and chars < most:
        return counted, None
    all_chars = int(texts.map(lambda t: len(as_text(t))).sum())
    return round(counted * all_chars / max(chars, 1)), documents


class SplitDialog(QDialog):
    """The choice of unit, the preview, then Save as New Project… (progress, Cancel)."""

    def __init__(self, window, corpus, split_from: Path | None):
        super().__init__(window)
        self.window, self.corpus, self.split_from = window, corpus, split_from
        self.setWindowTitle("Split into units")
        self.task = BackgroundTask(self, keep_in=window.background_work)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Split the texts of <b>{corpus.text_column}</b> ({counted(corpus.rows, 'row')}) into "
            "units, each a row of a new project linked to this one: its document, its "
            "position, its characters in the document, and the document's other columns."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        self.kinds = QButtonGroup(self)
        self.paragraph = QRadioButton("&Paragraphs (blocks separated by a blank line)")
        self.sentence = QRadioButton("&Sentences, split by")
        self.words = QRadioButton("&Windows of")
        for i, b in enumerate((self.paragraph, self.sentence, self.words)):
            self.kinds.addButton(b, i)
        self.sentence.setChecked(True)
        self.splitter = QComboBox()
        self.splitter.addItem(f"sentencex ({len(SENTENCEX_LANGUAGES)} languages)", "sentencex")
        self.splitter.addItem("llmstudio's rules (English, German, French, Spanish)", "rules")
        self.splitter.addItem("pysbd (23 languages, 300x slower)", "pysbd")
        self.splitter.setToolTip(
            "sentencex (Wikimedia) is the default: fast, with abbreviation lists for "
            "31 languages. The others are kept to compare or to split as before."
        )
        self.language = QComboBox()  # the chosen splitter's languages; rules: en, de, fr, es
        self.language.setToolTip("The language whose abbreviations and rules are used")
        self._fill_languages()
        self.size = QSpinBox()
        self.size.setRange(1, 100_000)
        self.size.setValue(200)
        self.size.setSuffix(" words")
        self.overlap = QSpinBox()
        self.overlap.setRange(0, 199)
        self.overlap.setValue(50)
        self.overlap.setSuffix(" words")
        self.overlap.setPrefix("overlapping by ")
        grid.addWidget(self.paragraph, 0, 0, 1, 3)
        grid.addWidget(self.sentence, 1, 0)
        grid.addWidget(self.splitter, 1, 1)
        grid.addWidget(self.language, 1, 2)
        grid.addWidget(self.words, 2, 0)
        grid.addWidget(self.size, 2, 1)
        grid.addWidget(self.overlap, 2, 2)
        layout.addLayout(grid)
        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        layout.addWidget(self.preview_label)
        self.preview = QListWidget()
        self.preview.setWordWrap(True)
        self.preview.setMinimumHeight(160)
        layout.addWidget(self.preview, 1)
        self.total_label = QLabel()
        layout.addWidget(self.total_label)
        self.progress = ProgressRow("documents")
        self.progress.follow(self.task)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "Save as &New Project…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.ask_path)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.kinds.idToggled.connect(lambda *_: self.update_preview())
        self.splitter.currentIndexChanged.connect(lambda *_: self._fill_languages())
        self.splitter.currentIndexChanged.connect(lambda *_: self.update_preview())
        self.language.currentIndexChanged.connect(lambda *_: self.update_preview())
        self.size.valueChanged.connect(self._size_changed)
        self.overlap.valueChanged.connect(lambda *_: self.update_preview())
        for box in (self.size, self.overlap):
            box.valueChanged.connect(
                lambda v, box=box: box.setSuffix(" word" if v == 1 else " words")
            )
        self.task.sig_result.connect(self._done)
        self.task.sig_error.connect(self._failed)
        self.task.sig_finished.connect(lambda: self._busy(False))
        self.resize(620, 560)
        self.update_preview()

    def spec(self) -> UnitSpec:
        """The unit chosen."""
        if self.paragraph.isChecked():
            return UnitSpec("paragraph")
        if self.sentence.isChecked():
            splitter = self.splitter.currentData()
            language = self.language.currentData() if splitter != "rules" else "en"
            return UnitSpec("sentence", splitter=splitter, language=language or "en")
        return UnitSpec("words", self.size.value(), self.overlap.value())

    def _fill_languages(self) -> None:
        """The language list of the splitter chosen (the same code kept where it has it)."""
        kept = self.language.currentData() or "en"
        codes = LANGUAGES if self.splitter.currentData() == "pysbd" else SENTENCEX_LANGUAGES
        self.language.blockSignals(True)  # one preview, from the splitter's own signal
        self.language.clear()
        for code in codes:
            self.language.addItem(code, code)
        self.language.setCurrentIndex(max(0, self.language.findData(kept)))
        self.language.blockSignals(False)

    def _size_changed(self, size: int) -> None:
        self.overlap.setMaximum(size - 1)  # an overlap of the whole window never moves on
        self.update_preview()

    def update_preview(self) -> None:
        """The first document's units and the total to expect, for the unit chosen."""
        spec = self.spec()
        self.splitter.setEnabled(self.sentence.isChecked())
        self.language.setEnabled(self.sentence.isChecked() and spec.splitter != "rules")
        for box in (self.size, self.overlap):
            box.setEnabled(self.words.isChecked())
        frame = self.corpus.frame
        text = as_text(frame[self.corpus.text_column].iat[0]) if len(frame) else ""
        cut = len(text) > budget(spec)
        units = spec.split(text[: budget(spec)])
        name = as_text(frame["document"].iat[0]) if "document" in frame.columns else "row 1"
        self.preview_label.setText(
            f"The first document ({name}): <b>{len(units):,} unit"
            f"{'' if len(units) == 1 else 's'}</b>"
            + (f" in its first {budget(spec):,} characters" if cut else "")
            + (f", the first {PREVIEW_UNITS} listed" if len(units) > PREVIEW_UNITS else "")
        )
        self.preview.clear()
        self.preview.addItems(
            [f"{u.index + 1}. {u.text}" for u in units[:PREVIEW_UNITS]]
            or ["(this document has no text: it gives no unit)"]
        )
        total, sample = expected_units(self.corpus, spec)
        units_from = f"{counted(total, 'unit')} from {counted(self.corpus.rows, 'document')}"
        text = f"{units_from} in all."
        if sample is not None:
            text = (
                f"About {units_from} in all (estimated from the first {sample:,} by their length)."
            )
        self.total_label.setText(text)
        self.save_button.setEnabled(total > 0)

    def suggested_path(self) -> Path:
        """``interviews_sentence.llmstudio`` beside what is split."""
        base = self.split_from or Path.home() / "corpus"
        label = spec_text(self.spec()).replace(":", "-")
        return base.with_name(f"{base.stem}_{label}{SUFFIX}")

    def ask_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the units as a new project", str(self.suggested_path()),
            f"llmstudio projects (*{SUFFIX})",
        )  # fmt: skip
        if path:
            self.start(path)

    def start(self, path: str | Path) -> None:
        """Split and save to ``path`` in the background; the project opens when done."""
        path = Path(path)
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        here = getattr(self.window.project, "path", None)
        if here is not None and Path(here).resolve() == path.resolve():
            self.window.show_error(
                "Cannot save the units there",
                ValueError(f"{path.name} is the project open now: choose a new name"),
            )
            return
        self._path = path
        self._busy(True)
        source = str(self.split_from) if self.split_from else NOT_SAVED
        self.task.start(_split_and_save, self.corpus, self.spec(), path, source)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.save_button.setEnabled(not busy)
        for w in (self.paragraph, self.sentence, self.words, self.splitter, self.size):
            w.setEnabled(not busy)
        self.language.setEnabled(not busy and self.spec().splitter != "rules")
        self.overlap.setEnabled(not busy and self.words.isChecked())

    def reject(self) -> None:
        """Cancel: stops a split under way (nothing is written), else closes."""
        if self.task.running:
            self.task.cancel()
            return
        super().reject()

    def _done(self, result) -> None:
        project, info, unlinked = result
        add_recent(project.path)
        self.window.show_corpus(project.corpus(), project, source=project.path)
        self.window.show_status(
            f"Split {info.documents:,} documents into {info.units:,} units: {project.path.name}",
            10000,
        )
        self.accept()
        if unlinked:
            self.window.show_error(
                "The units are not listed in their documents' project",
                f"The units were saved as {project.path.name}, but {Path(info.split_from).name} "
                f"could not list them: {unlinked}",
            )

    def _failed(self, exc) -> None:
        if isinstance(exc, Cancelled):
            self.window.show_status("Split cancelled: no project was written", 10000)
            return
        self.window.show_error("Cannot split the texts into units", exc)


class SplitUnits(QObject):
    """Analyse > Split into Units… for one main window, and (``links``) the corpus bar
    and View > Corpus that switch between the documents and their units."""

    def __init__(self, window, view_menu):
        super().__init__(window)
        self.window = window
        self.links = CorpusLinks(window, view_menu)
        self.dialog: SplitDialog | None = None
        self.act_split = window.make_action(
            "Split into &Units…",
            self.open,
            None,
            "Split the texts into paragraphs, sentences or windows of words, as a new "
            "project of one row per unit linked to this one",
        )

    def open(self) -> SplitDialog | None:
        """Show the dialog for the open corpus (None when there is none)."""
        w = self.window
        if w.corpus is None or not w.corpus.rows:
            return None
        split_from = w.project.path if w.project is not None else w.source
        self.dialog = SplitDialog(w, w.corpus, Path(split_from) if split_from else None)
        self.dialog.show()
        return self.dialog

"""Learn from my codes: how well the builtin model learns the researcher's coding, which
rows to code next, and coding the rest of the corpus from the codes made so far.

The corpus is read once by the builtin model (frozen MiniLM embeddings, in the
background with progress, ETA and Cancel), and the embeddings are kept in the project
(``core/learn_features``): the next time, in this session or another, and for the
builtin model's runs, they are read back instead. After that each update
is a few logistic regressions (``core.embedding.learning``): the learning curve (cross-validated
accuracy after the first n codes, in the order they were made), and the uncertainty order
of the uncoded rows ("Suggest next"). "Code the rest" runs the builtin model's few-shot
coding (fine-tuned on the codes) as an ordinary job: stored, resumable, in the table.
A multi-label codebook is learnt code by code (the chosen code applies or not), as the
validation view compares it; "Code the rest" learns all its codes at once.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from ...core import human_codes
from ...core.codebook import NONE_CODE
from ...core.embedding import learning
from ...core.errors import Cancelled
from ...core.learn_features import builtin_embeddings
from ...core.tasks.build import TaskOptions
from ...core.validation import APPLIES, DOES_NOT_APPLY
from ..common.background import BackgroundTask
from ..common.errors import describe
from ..common.progress_row import ProgressRow
from ..runs.jobs import JobSpec

# Features per corpus while the window is open: a panel opened again starts at once.
# The embeddings under them are in the project (read back in a second, even in a new
# session); reading 10,000 texts afresh takes minutes on a laptop CPU.
_FEATURES: dict[tuple, np.ndarray] = {}


def _features(path, texts: list[str], monitor) -> np.ndarray:
    return learning.prepare_features(builtin_embeddings(path, texts, monitor))


class LearnPanel(QDialog):
    """The learning curve of one coder's codes, Suggest next, and Code the rest."""

    sig_suggested = Signal(list)  # uncoded row ids, the most useful to code first
    sig_updated = Signal()  # the curve (or a message) is shown

    def __init__(self, window, codebook: str | None = None, coder: str | None = None):
        super().__init__(window)
        self.window_ = window
        self.project = window.project
        self.setWindowTitle("Learn from my codes")
        self.resize(760, 560)
        self._x: np.ndarray | None = None
        self.background = BackgroundTask(self)
        self.background.sig_result.connect(self._on_features)
        self.background.sig_error.connect(self._on_error)

        self.codebook = QComboBox()
        self.coder = QComboBox()
        self.code = QComboBox()  # multi-label codebooks: the code learnt (applies or not)
        self.code.setToolTip(
            "Several codes can apply to a text: each code is learnt on its "
            "own, as “applies” or “does not apply”"
        )
        form = QFormLayout()
        form.addRow("Codebook:", self.codebook)
        form.addRow("Coder:", self.coder)
        form.addRow("Code:", self.code)
        self._form = form

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = ProgressRow()
        self.progress.follow(self.background)
        self.progress.sig_cancel.connect(self.cancel)
        self.bar, self.cancel_button = self.progress.bar, self.progress.cancel_button

        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "codes made (in the order made)")
        self.plot.setLabel("left", "accuracy on codes it did not see")
        self.plot.setYRange(0, 1)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMinimumHeight(260)
        # Okabe-Ito blue: distinguishable for colour-blind readers
        self.curve = self.plot.plot(
            [],
            [],
            pen=pg.mkPen("#0072B2", width=2),
            symbol="o",
            symbolBrush="#0072B2",
            symbolSize=7,
        )
        self.errors = pg.ErrorBarItem(x=np.array([]), y=np.array([]), pen="#0072B2", beam=0.0)
        self.plot.addItem(self.errors)
        self.chance = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine),
            label="most common code",
            labelOpts={"position": 0.85, "color": "#777"},
        )
        self.plot.addItem(self.chance)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        self.update_button = QPushButton("Update")
        self.update_button.setToolTip("Measure again with the codes made since")
        self.update_button.clicked.connect(self.update_curve)
        self.suggest_button = QPushButton("Suggest next rows")
        self.suggest_button.setToolTip(
            "Order the uncoded rows so that the ones the model is "
            "least sure about come first: coding those teaches it most"
        )
        self.suggest_button.clicked.connect(self.suggest)
        self.code_rest_button = QPushButton("Code the rest with the builtin model")
        self.code_rest_button.setToolTip(
            "A job of the builtin model, fine-tuned on these codes "
            "(few-shot), codes every row; its labels go to the table"
        )
        self.code_rest_button.clicked.connect(self.code_rest)
        buttons = QHBoxLayout()
        for b in (self.update_button, self.suggest_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.code_rest_button)

        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.status)
        outer.addWidget(self.progress)
        outer.addWidget(self.plot, 1)
        outer.addWidget(self.summary)
        outer.addLayout(buttons)

        self.codebook.addItems(self.project.codebooks())
        if codebook:
            self.codebook.setCurrentText(codebook)
        self._fill_coders(coder)
        self.codebook.currentIndexChanged.connect(lambda *_: self._fill_coders())
        self.coder.currentIndexChanged.connect(lambda *_: self.update_curve())
        self.code.currentIndexChanged.connect(lambda *_: self.update_curve())
        self._set_busy(False)
        self._read_corpus()

    # -- state ------------------------------------------------------------------------

    def _book(self):
        return self.project.codebook(self.codebook.currentText())

    def _fill_coders(self, select: str | None = None) -> None:
        self.coder.blockSignals(True)
        self.coder.clear()
        name = self.codebook.currentText()
        if name:
            self.coder.addItems(human_codes.coders(self.project, name))
        if select:
            self.coder.setCurrentText(select)
        self.coder.blockSignals(False)
        book = self._book() if name else None
        multi = bool(book is not None and book.multi_label)
        self.code.blockSignals(True)
        self.code.clear()
        if multi:
            self.code.addItems(list(book.names))
        self.code.blockSignals(False)
        self._form.setRowVisible(self.code, multi)
        if self._x is not None:
            self.update_curve()

    def _made(self) -> list:
        """This coder's codings of the codebook, in the order they were made."""
        book = self._book()
        return sorted(
            (
                c
                for c in human_codes.current(self.project, book.name, self.coder.currentText())
                if c.coded
            ),
            key=lambda c: c.id,
        )

    def _codes(self) -> tuple[list[int], list[str], list[str]]:
        """This coder's coded rows and codes in the order they were made, and the codes
        the codebook offers; for a multi-label codebook, whether the chosen code applies
        ("none": it does not)."""
        book, made = self._book(), self._made()
        rows = [c.row_id for c in made]
        if book.multi_label:
            code = self.code.currentText()
            return (
                rows,
                [APPLIES if code in c.codes else DOES_NOT_APPLY for c in made],
                [APPLIES, DOES_NOT_APPLY],
            )
        return rows, [c.codes[0] for c in made], list(book.labels())

    def _key(self) -> tuple:
        corpus = self.window_.corpus
        return (str(self.project.path), corpus.text_column, corpus.rows)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for b in (self.update_button, self.suggest_button, self.code_rest_button):
            b.setEnabled(not busy and self._x is not None)

    # -- reading the corpus -----------------------------------------------------------

    def _read_corpus(self) -> None:
        self._x = _FEATURES.get(self._key())
        if self._x is not None:
            self.update_curve()
            return
        corpus = self.window_.corpus
        texts = [
            "" if not isinstance(t, str) else t for t in corpus.frame[corpus.text_column].tolist()
        ]
        self.status.setText(
            f"Reading the {len(texts):,} texts with the builtin model (once: what it "
            "reads is kept in the project)…"
        )
        self._set_busy(True)
        self.background.start(_features, self.project.path, texts)

    def _on_features(self, x) -> None:
        _FEATURES[self._key()] = x
        self._x = x
        self._set_busy(False)
        self.update_curve()

    def _on_error(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, Cancelled):
            self.status.setText("Cancelled. Open this again to read the texts.")
        else:
            self.status.setText(f"<span style='color:#c62828'>{html.escape(describe(exc))}</span>")
        self.sig_updated.emit()

    def cancel(self) -> None:
        self.background.cancel()
        self.status.setText("Cancelling…")

    def done(self, result: int) -> None:
        self.background.cancel()  # closing stops a reading in progress
        super().done(result)

    # -- the curve --------------------------------------------------------------------

    def update_curve(self) -> None:
        if self._x is None or self.project is not self.window_.project:
            return  # not read yet, or its project was closed meanwhile (a late reading)
        if not self.coder.currentText():
            self._message(
                "No codes yet in this codebook: code some rows by hand first "
                "(Analyse › Code by Hand)."
            )
            return
        book = self._book()
        rows, labels, classes = self._codes()
        self.status.setText(f"{len(rows):,} rows coded by {html.escape(self.coder.currentText())}.")
        points = learning.learning_curve(self._x, rows, labels, classes)
        if not points:
            self._message(
                "Code at least 4 rows with at least two different codes to see how "
                "well the model learns them."
            )
            return
        xs = np.array([p.n for p in points], dtype=float)
        ys = np.array([p.accuracy for p in points])
        self.curve.setData(xs, ys)
        self.errors.setData(
            x=xs,
            y=ys,
            top=np.array([p.ci_high for p in points]) - ys,
            bottom=ys - np.array([p.ci_low for p in points]),
        )
        share = max(labels.count(c) for c in set(labels)) / len(labels)
        self.chance.setValue(share)
        self.plot.setXRange(0, xs.max() * 1.05)
        last = points[-1]
        what = (
            f"says as you did whether “{html.escape(self.code.currentText())}” applies"
            if book.multi_label
            else "gives the code you gave"
        )
        self.summary.setText(
            f"With <b>{last.n:,}</b> codes, a classifier trained on them {what} "
            f"<b>{last.accuracy:.0%}</b> of the time on rows it did not see (95% CI "
            f"{last.ci_low:.0%}–{last.ci_high:.0%}; {last.folds}-fold cross-validation). "
            f"Always giving the most common code: {share:.0%}. "
            "<span style='color:#555'>This is the quick classifier on the model's frozen "
            "reading; “Code the rest” also fine-tunes the model on your codes, which is usually "
            "better. If the curve still rises, more codes will help.</span>"
        )
        self.sig_updated.emit()

    def _message(self, text: str) -> None:
        self.curve.setData([], [])
        self.errors.setData(x=np.array([]), y=np.array([]))
        self.summary.setText(html.escape(text))
        self.sig_updated.emit()

    # -- actions ----------------------------------------------------------------------

    def suggest(self) -> list[int]:
        """The uncoded rows, those the model is least sure of first (sent to the coding
        panel through ``sig_suggested``)."""
        if self._x is None or not self.coder.currentText():
            return []
        rows, labels, classes = self._codes()
        order = [int(r) for r in learning.suggest_order(self._x, rows, labels, classes)]
        self.status.setText(
            f"{len(order):,} uncoded rows ordered: the ones the model is least sure about first."
        )
        self.sig_suggested.emit(order)
        return order

    def code_rest(self):
        """Start the builtin few-shot job with this coder's codes as the examples."""
        book = self._book()
        made = self._made()
        corpus = self.window_.corpus
        texts = corpus.frame[corpus.text_column]
        if book.multi_label:  # all the codes that apply, ";"-separated ("" for none)
            labels = [";".join(c for c in m.codes if c != NONE_CODE) for m in made]
        else:
            labels = [m.codes[0] for m in made]
        examples = tuple((str(texts.iat[m.row_id]), label) for m, label in zip(made, labels))
        spec = JobSpec(
            model="builtin",
            text_column=corpus.text_column,
            options=TaskOptions(task="code", codebook=book, examples=examples),
        )
        return self.window_.runs.run(spec)

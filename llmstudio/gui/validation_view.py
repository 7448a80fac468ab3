"""The validation view: a reference coder against another coder or a model run.

Statistics with bootstrap 95% intervals (``core.validation`` / ``core.stats``), per-code
precision, recall and F1, and a confusion matrix drawn as a heatmap whose cells open their
rows in the main table (``sig_show_rows``). Computed in the background from a connection
of its own, so a large project never freezes the window.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ..core.errors import LlmstudioError
from ..core.project import Project
from ..core.validation import Source, compare, sources
from .errors import describe
from .stability_view import StabilityView
from .workers import run_in_background

RESAMPLES = 1000

_STATS = (("percent_agreement", "Percent agreement"), ("cohen_kappa", "Cohen's kappa"),
          ("krippendorff_alpha", "Krippendorff's alpha (nominal)"), ("accuracy", "Accuracy"),
          ("macro_f1", "Macro-F1"), ("fleiss_kappa", "Fleiss' kappa (rows every coder coded)"))


def _number(value) -> str:
    return "undefined" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.3f}"


def _interval(estimate) -> str:
    if estimate.ci_low is None:
        return "–"
    return f"{estimate.ci_low:.3f} – {estimate.ci_high:.3f}"


def _item(text: str, align=Qt.AlignmentFlag.AlignRight) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def _table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def _compute(path: Path, book_name: str, reference: Source, comparison: Source,
             code: str | None):
    """Runs in the background, on a connection of its own."""
    with Project.open(path) as project:
        book = project.codebook(book_name)
        return compare(project, book, reference, comparison, code=code,
                       n_resamples=RESAMPLES)


class ValidationView(QDialog):
    """Pick a codebook, a reference and a comparison; see how far they agree."""

    sig_show_rows = Signal(list, str)  # row ids, what they are ("ana: Housing, run 3: ...")
    sig_computed = Signal()            # statistics shown (or their error)

    def __init__(self, project: Project, parent=None):
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Validate codes")
        self.resize(900, 800)
        self._pairs = None  # the rows both coded (frame), for the confusion matrix's cells
        self._labels: list[str] = []
        self._worker = None
        self._pending = False

        self.codebook = QComboBox()
        self.reference = QComboBox()
        self.comparison = QComboBox()
        self.code = QComboBox()
        self.code.setToolTip("A multi-label codebook is compared one code at a time")
        for box in (self.reference, self.comparison):
            box.setMinimumWidth(260)
        self.reference.setToolTip("Whose codes count as right: usually a human coder")
        self.comparison.setToolTip("Codes to check against the reference: another coder, "
                                   "or a model run of this codebook")
        form = QFormLayout()
        form.addRow("Codebook:", self.codebook)
        pick = QHBoxLayout()
        pick.addWidget(self.reference, 1)
        pick.addWidget(QLabel("  compared with  "))
        pick.addWidget(self.comparison, 1)
        form.addRow("Reference:", pick)
        self.code_label = QLabel("Code:")
        form.addRow(self.code_label, self.code)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        self.stats = _table(["Statistic", "Value", "95% CI"])
        self.per_code = _table(["Code", "Precision", "Recall", "F1", "n (reference)"])
        self.confusion = QTableWidget()
        self.confusion.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion.cellClicked.connect(self._open_cell)
        self.confusion.setToolTip("Rows: the reference's codes; columns: the comparison's. "
                                  "Click a cell to see its rows in the table.")
        matrix_box = QWidget()
        lay = QVBoxLayout(matrix_box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.matrix_title = QLabel()
        self.matrix_title.setWordWrap(True)
        lay.addWidget(self.matrix_title)
        lay.addWidget(self.confusion, 1)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.stats)
        left.addWidget(self.per_code)
        left.setSizes([230, 300])
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(matrix_box)
        body.setSizes([420, 460])

        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.summary)
        outer.addWidget(body, 1)
        self.stability = StabilityView(project, self)  # a run against its replicate
        outer.addWidget(self.stability)

        self.codebook.currentIndexChanged.connect(self._fill_sources)
        for box in (self.reference, self.comparison, self.code):
            box.currentIndexChanged.connect(self.refresh)
        self.codebook.addItems(project.codebooks())
        if not project.codebooks():
            self._say("This project has no codebook yet: write one (Analyse › Codebooks…) "
                      "and code some rows first.")

    # -- choices ----------------------------------------------------------------------

    def book(self):
        name = self.codebook.currentText()
        return self.project.codebook(name) if name else None

    def _fill_sources(self, *_) -> None:
        book = self.book()
        found = sources(self.project, book) if book is not None else []
        for box in (self.reference, self.comparison, self.code):
            box.blockSignals(True)
            box.clear()
        for s in found:
            self.reference.addItem(s.title, s)
            self.comparison.addItem(s.title, s)
        # the usual question: the first coder against the next source (coder or model)
        self.comparison.setCurrentIndex(min(1, len(found) - 1))
        multi = book is not None and book.multi_label
        self.code_label.setVisible(multi)
        self.code.setVisible(multi)
        if multi:
            self.code.addItems(book.names)
        for box in (self.reference, self.comparison, self.code):
            box.blockSignals(False)
        self.refresh()

    def select(self, reference: str, comparison: str) -> None:
        """Choose the sources whose titles start with these (tests, the coding panel)."""
        for box, title in ((self.reference, reference), (self.comparison, comparison)):
            index = next(i for i in range(box.count()) if box.itemText(i).startswith(title))
            box.setCurrentIndex(index)

    # -- computing --------------------------------------------------------------------

    def _say(self, text: str, error: bool = False) -> None:
        colour = "#c62828" if error else "#444"
        self.summary.setText(f"<span style='color:{colour}'>{html.escape(text)}</span>")

    def refresh(self, *_) -> None:
        """Compute again for the current choices (in the background)."""
        reference, comparison = self.reference.currentData(), self.comparison.currentData()
        self._clear()
        if reference is None or comparison is None or self.reference.count() < 2:
            if self.codebook.count():
                self._say("Nothing to compare yet: validation needs two coders, or a coder "
                          "and a model run of this codebook (Analyse › Run Model…, task "
                          "“Codebook”).")
            self.sig_computed.emit()
            return
        if reference == comparison:
            self._say("Choose two different sources.")
            self.sig_computed.emit()
            return
        if self._worker is not None:
            self._pending = True  # one computation at a time; the latest choice wins
            return
        self._say("Computing…")
        code = self.code.currentText() if self.code.isVisible() else None
        self._worker = run_in_background(
            _compute, self.project.path, self.codebook.currentText(), reference, comparison,
            code, on_done=self._show, on_error=self._failed, on_finished=self._finished)

    def _finished(self) -> None:
        self._worker = None
        if self._pending:
            self._pending = False
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._say(describe(exc) if isinstance(exc, LlmstudioError) else
                  f"Could not compare: {describe(exc)}", error=True)
        self.sig_computed.emit()

    def _clear(self) -> None:
        self._pairs = None
        for table in (self.stats, self.per_code):
            table.setRowCount(0)
        self.confusion.clear()
        self.confusion.setRowCount(0)
        self.confusion.setColumnCount(0)
        self.matrix_title.setText("")

    def _show(self, outcome) -> None:
        if self._pending:
            return  # a newer choice is waiting; this answer is for the old one
        result, pairs = outcome
        self._pairs, self._labels = pairs, list(result.labels)
        ref, cmp_ = self.reference.currentText(), self.comparison.currentText()
        who = (f"by at least two of {len(result.columns)} coders"
               if len(result.columns) > 2 else
               f"by both <i>{html.escape(ref)}</i> and <i>{html.escape(cmp_)}</i>")
        self.summary.setText(
            f"<b>{result.n:,}</b> rows coded {who} ({result.skipped:,} rows of the corpus "
            "are not).<br>"
            f"<span style='color:#555'>95% intervals: bootstrap over rows, "
            f"{result.n_resamples:,} resamples. Kappa and alpha: 1 is perfect agreement, "
            "0 is what chance alone would give.</span>")
        rows = [(title, getattr(result, key)) for key, title in _STATS
                if getattr(result, key) is not None]
        rows += [(f"Cohen's kappa, {a} / {b}", est)
                 for (a, b), est in result.pairwise_cohen_kappa.items()]
        self.stats.setRowCount(len(rows))
        for r, (title, est) in enumerate(rows):
            self.stats.setItem(r, 0, _item(title, Qt.AlignmentFlag.AlignLeft))
            self.stats.setItem(r, 1, _item(_number(est.value)))
            self.stats.setItem(r, 2, _item(_interval(est)))
        self.per_code.setRowCount(len(result.per_code))
        for r, (code, values) in enumerate(result.per_code.items()):
            self.per_code.setItem(r, 0, _item(code, Qt.AlignmentFlag.AlignLeft))
            for c, key in enumerate(("precision", "recall", "f1"), start=1):
                est = values[key]
                item = _item(_number(est.value))
                item.setToolTip(f"95% CI {_interval(est)}")
                self.per_code.setItem(r, c, item)
            self.per_code.setItem(r, 4, _item(f"{values.get('support', 0):,}"))
        self._fill_confusion(result.confusion or [], ref, cmp_)
        self.sig_computed.emit()

    def _fill_confusion(self, counts, ref: str, cmp_: str) -> None:
        labels = self._labels
        if not counts:  # all coders together: no one is the reference
            self.matrix_title.setText("<span style='color:#555'>A confusion matrix compares "
                                      "two sources: choose a coder and one other.</span>")
            return
        self.matrix_title.setText(f"<b>Confusion matrix</b><br>rows (↓): {html.escape(ref)}"
                                  f"<br>columns (→): {html.escape(cmp_)}<br>"
                                  "<span style='color:#555'>Click a cell to see its rows in "
                                  "the table.</span>")
        self.confusion.setRowCount(len(labels))
        self.confusion.setColumnCount(len(labels))
        self.confusion.setHorizontalHeaderLabels(labels)
        self.confusion.setVerticalHeaderLabels(labels)
        for r, row in enumerate(counts):
            total = sum(row) or 1
            for c, n in enumerate(row):
                item = _item(f"{n:,}", Qt.AlignmentFlag.AlignCenter)
                share = n / total
                # Blue for agreement (the diagonal), orange for confusion; darker = more of
                # the reference's row: both legible to colour-blind readers (Okabe-Ito hues).
                base = QColor("#0072B2") if r == c else QColor("#E69F00")
                colour = QColor(base)
                colour.setAlphaF(0.08 + 0.8 * share if n else 0.0)
                item.setBackground(QBrush(colour))
                if share > 0.55:
                    item.setForeground(QBrush(QColor("white")))
                item.setToolTip(f"{n:,} rows: {ref} says {labels[r]}, {cmp_} says "
                                f"{labels[c]} ({share:.0%} of {labels[r]})")
                self.confusion.setItem(r, c, item)
        self.confusion.horizontalHeader().setMinimumSectionSize(72)
        self.confusion.resizeColumnsToContents()
        self.confusion.verticalHeader().setDefaultSectionSize(34)

    # -- drilling down ----------------------------------------------------------------

    def rows_of(self, r: int, c: int) -> list[int]:
        """The row ids in confusion cell (r, c)."""
        if self._pairs is None:
            return []
        p = self._pairs
        hit = (p["reference"] == self._labels[r]) & (p["comparison"] == self._labels[c])
        return [int(i) for i in p.index[hit]]

    def _open_cell(self, r: int, c: int) -> None:
        rows = self.rows_of(r, c)
        what = (f"{self.reference.currentText()}: {self._labels[r]}, "
                f"{self.comparison.currentText()}: {self._labels[c]}")
        self.sig_show_rows.emit(rows, what)

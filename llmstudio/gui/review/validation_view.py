"""The validation view: a reference coder against another coder or a model run.

Statistics with bootstrap 95% intervals (``core.validation`` / ``core.stats``), per-code
precision, recall and F1, and a confusion matrix drawn as a heatmap whose cells open their
rows in the main table (``sig_show_rows``). Computed in the background from a connection
of its own, so a large project never freezes the window.

What is shown comes from ``core.validation_report`` (the same text the export writes):
each undefined value with its reason, percent agreement once (it is accuracy), a note when
n is too small for a useful interval, how the human codes were made (blind or not) and a
warning when a model is compared with codes made in sight of its answers. The lists of
coders and runs follow the window (:meth:`ValidationView.update_sources`).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import LlmstudioError
from ...core.project import Project
from ...core.validation import Source, report, sources
from ...core.validation_report import ValidationReport, write_report
from ..common.background import BackgroundTask
from ..common.errors import describe
from .passage_agreement_view import PassageAgreementView
from .stability_view import StabilityView

RESAMPLES = 1000

EXPORT_FILTER = "CSV, one number a row (*.csv);;Markdown tables (*.md)"


def _item(text: str, align=Qt.AlignmentFlag.AlignRight) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def _table(columns: list[str], stretch: int = 0) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setWordWrap(False)  # a long note is cut with … and shown whole in its tooltip
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _compute(path: Path, book_name: str, reference: Source, comparison: Source, code: str | None):
    """Runs in the background, on a connection of its own: (report, agreement, rows)."""
    with Project.open(path) as project:
        book = project.codebook(book_name)
        return report(project, book, reference, comparison, code=code, n_resamples=RESAMPLES)


class ValidationView(QDialog):
    """Pick a codebook, a reference and a comparison; see how far they agree."""

    sig_show_rows = Signal(list, str)  # row ids, what they are ("ana: Housing, run 3: ...")
    sig_computed = Signal()  # statistics shown (or their error)

    def __init__(self, project: Project, parent=None):
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("Validate codes")
        self.resize(900, 800)
        self._pairs = None  # the rows both coded (frame), for the confusion matrix's cells
        self._labels: list[str] = []
        # Latest wins: choices changed while it computes are computed for once it ends.
        self._jobs = BackgroundTask(reports=False, again=self.refresh)
        self._jobs.sig_result.connect(self._show)
        self._jobs.sig_error.connect(self._failed)

        self.codebook = QComboBox()
        self.reference = QComboBox()
        self.comparison = QComboBox()
        self.code = QComboBox()
        self.code.setToolTip("A multi-label codebook is compared one code at a time")
        for box in (self.reference, self.comparison):
            box.setMinimumWidth(260)
        self.reference.setToolTip("Whose codes count as right: usually a human coder")
        self.comparison.setToolTip(
            "Codes to check against the reference: another coder, or a model run of this codebook"
        )
        self.unit = QComboBox()
        self.unit.addItems(["Row codes", "Passages (characters)"])
        self.unit.setToolTip(
            "Row codes: codes given to whole rows, one coder or run against another. "
            "Passages: per code, every pair of coders over the characters they marked"
        )
        form = QFormLayout()
        self.form = form
        form.addRow("Codebook:", self.codebook)
        form.addRow("Compare:", self.unit)
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

        self.stats = _table(["Statistic", "Value", "95% CI", "Note"], stretch=3)
        self.per_code = _table(
            ["Code", "Precision", "Recall", "F1", "n (reference)", "Note"], stretch=5
        )
        self.report: ValidationReport | None = None  # what is shown, for the export
        self.export_button = QPushButton("Export tables…")
        self.export_button.setToolTip(
            "Write these tables as CSV (one number a row, "
            "unrounded) or Markdown (for a paper's appendix)"
        )
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.ask_export)
        self.confusion = QTableWidget()
        self.confusion.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion.cellClicked.connect(self._open_cell)
        self.confusion.setToolTip(
            "Rows: the reference's codes; columns: the comparison's. "
            "Click a cell to see its rows in the table."
        )
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
        body.setSizes([560, 340])  # the tables' notes need the room more than the matrix

        self.body = body
        self.passages = PassageAgreementView(project, self)
        self.passages.hide()
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.summary)
        outer.addWidget(body, 1)
        outer.addWidget(self.passages, 1)
        self.stability = StabilityView(project, self)  # a run against its replicate
        outer.addWidget(self.stability)
        bottom = QHBoxLayout()
        self.export_status = QLabel()
        self.export_status.setWordWrap(True)
        self.export_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom.addWidget(self.export_status, 1)
        bottom.addWidget(self.export_button)
        outer.addLayout(bottom)

        self.codebook.currentIndexChanged.connect(self._fill_sources)
        self.unit.currentIndexChanged.connect(self._unit_changed)
        for box in (self.reference, self.comparison, self.code):
            box.currentIndexChanged.connect(self.refresh)
        self.codebook.addItems(project.codebooks())
        if not project.codebooks():
            self._say(
                "This project has no codebook yet: write one (Analyse › Codebooks…) "
                "and code some rows first."
            )

    # -- choices ----------------------------------------------------------------------

    def _unit_changed(self, *_) -> None:
        """Row codes (reference and comparison) or passages (every pair, per code)."""
        passages = self.unit.currentIndex() == 1
        for row in (2, 3):  # the reference / comparison and the code
            self.form.setRowVisible(row, not passages)
        for w in (self.summary, self.body, self.export_button, self.export_status, self.stability):
            w.setVisible(not passages)
        self.passages.setVisible(passages)
        if passages:
            self.passages.show_book(self.codebook.currentText())
        else:
            self._fill_sources(keep=True)

    def book(self):
        name = self.codebook.currentText()
        return self.project.codebook(name) if name else None

    def _fill_sources(self, *_, keep: bool = False) -> None:
        """List the codebook's coders and comparable runs; ``keep``: the choices stay
        (by coder name or run id: a run's title changes from running to done)."""
        book = self.book()
        found = sources(self.project, book) if book is not None else []
        chosen = (
            self.reference.currentData(),
            self.comparison.currentData(),
            self.code.currentText(),
        )
        for box in (self.reference, self.comparison, self.code):
            box.blockSignals(True)
            box.clear()
        for s in found:
            self.reference.addItem(s.title, s)
            self.comparison.addItem(s.title, s)
        # the usual question: the first coder against the next source (coder or model)
        self.comparison.setCurrentIndex(min(1, len(found) - 1))
        if keep:
            for box, was in zip((self.reference, self.comparison), chosen):
                match = [
                    i
                    for i, s in enumerate(found)
                    if was is not None and (s.kind, s.key) == (was.kind, was.key)
                ]
                if match:
                    box.setCurrentIndex(match[0])
            if self.reference.currentIndex() == self.comparison.currentIndex() and len(found) > 1:
                # kept only because nothing else was listed: the next source now
                self.comparison.setCurrentIndex(1 if self.reference.currentIndex() == 0 else 0)
        multi = book is not None and book.multi_label
        self.code_label.setVisible(multi)
        self.code.setVisible(multi)
        if multi:
            self.code.addItems(book.names)
            if keep and chosen[2] in book.names:
                self.code.setCurrentText(chosen[2])
        for box in (self.reference, self.comparison, self.code):
            box.blockSignals(False)
        self.refresh()

    def update_sources(self) -> None:
        """A run started or ended, a coder coded: list the coders and runs as they are now
        (the choices made stay) and compute again. The window calls it."""
        if self.codebook.currentText() not in self.project.codebooks():
            names = self.project.codebooks()
            self.codebook.blockSignals(True)
            self.codebook.clear()
            self.codebook.addItems(names)
            self.codebook.blockSignals(False)
        else:
            have = [self.codebook.itemText(i) for i in range(self.codebook.count())]
            for name in self.project.codebooks():
                if name not in have:
                    self.codebook.addItem(name)
        self._fill_sources(keep=True)
        self.stability.update_runs()
        if self.unit.currentIndex() == 1 and self.passages.book_name:
            self.passages.refresh()  # the passages' agreement, as the row codes' above

    def select(self, reference: str, comparison: str) -> None:
        """Choose the sources whose titles start with these (tests, the coding panel)."""
        for box, title in ((self.reference, reference), (self.comparison, comparison)):
            index = next(i for i in range(box.count()) if box.itemText(i).startswith(title))
            box.setCurrentIndex(index)

    # -- computing --------------------------------------------------------------------

    def select_run(self, run_id: int, coder: str | None = None) -> bool:
        """Compare run ``run_id`` with ``coder`` as the reference (or the reference
        chosen); by the sources' keys, not their titles (a run's title may change). False
        when either is not listed."""

        def index(box, kind: str, key: str) -> int:
            return next(
                (
                    i
                    for i in range(box.count())
                    if box.itemData(i) is not None
                    and (box.itemData(i).kind, box.itemData(i).key) == (kind, key)
                ),
                -1,
            )

        ref = (
            index(self.reference, "coder", coder)
            if coder is not None
            else self.reference.currentIndex()
        )
        cmp_ = index(self.comparison, "run", str(run_id))
        if ref < 0 or cmp_ < 0:
            return False
        self.reference.setCurrentIndex(ref)
        self.comparison.setCurrentIndex(cmp_)
        return True

    def _say(self, text: str, error: bool = False) -> None:
        colour = "#c62828" if error else "#444"
        self.summary.setText(f"<span style='color:{colour}'>{html.escape(text)}</span>")

    def refresh(self, *_) -> None:
        """Compute again for the current choices (in the background)."""
        if self.unit.currentIndex() == 1:
            for row in (2, 3):  # a new codebook's lists were filled: hidden still
                self.form.setRowVisible(row, False)
            self.passages.show_book(self.codebook.currentText())
            return
        reference, comparison = self.reference.currentData(), self.comparison.currentData()
        self._clear()
        if reference is None or comparison is None or self.reference.count() < 2:
            if self.codebook.count():
                self._say(
                    "Nothing to compare yet: validation needs two coders, or a coder "
                    "and a model run of this codebook (Analyse › Run Model…, task "
                    "“Codebook”)."
                )
            self.sig_computed.emit()
            return
        if reference == comparison:
            self._say("Choose two different sources.")
            self.sig_computed.emit()
            return
        code = self.code.currentText() if self.code.isVisible() else None
        if self._jobs.start(
            _compute,
            self.project.path,
            self.codebook.currentText(),
            reference,
            comparison,
            code,
        ):
            self._say("Computing…")

    def _failed(self, exc: BaseException) -> None:
        self._say(describe(exc, "Could not compare"), error=True)
        self.sig_computed.emit()

    def _clear(self) -> None:
        self._pairs = None
        self.report = None
        self.export_button.setEnabled(False)
        for table in (self.stats, self.per_code):
            table.setRowCount(0)
        self.confusion.clear()
        self.confusion.setRowCount(0)
        self.confusion.setColumnCount(0)
        self.matrix_title.setText("")

    def _show(self, outcome) -> None:
        if self._jobs.stale:
            return  # a newer choice is waiting; this answer is for the old one
        rep, result, pairs = outcome
        self._pairs, self._labels = pairs, list(result.labels)
        self.report = rep
        self.export_button.setEnabled(True)
        ref, cmp_ = self.reference.currentText(), self.comparison.currentText()
        self._show_summary(rep, result, ref, cmp_)
        self._show_stats(rep)
        self._show_per_code(rep)
        self._fill_confusion(result.confusion or [], ref, cmp_)
        self.sig_computed.emit()

    def _show_summary(self, rep: ValidationReport, result, ref: str, cmp_: str) -> None:
        """n, how the intervals are made, and what a reader must know before using them:
        an interval too wide to be useful, how the human codes were made, the warning."""
        who = (
            f"by at least two of {len(result.columns)} coders"
            if len(result.columns) > 2
            else f"by both <i>{html.escape(ref)}</i> and <i>{html.escape(cmp_)}</i>"
        )
        lines = [
            f"<b>{result.n:,}</b> rows coded {who} ({result.skipped:,} rows of the "
            "corpus are not).",
            f"<span style='color:#555'>95% intervals: bootstrap over rows, "
            f"{result.n_resamples:,} resamples. Kappa and alpha: 1 is perfect agreement, "
            "0 is what chance alone would give.</span>",
        ]
        if rep.precision:
            lines.append(f"<span style='color:#b26a00'>{html.escape(rep.precision)}</span>")
        if rep.blind_note:
            lines.append(f"<span style='color:#555'>{html.escape(rep.blind_note)}</span>")
        if rep.warning:
            lines.append(f"<span style='color:#c62828'>{html.escape(rep.warning)}</span>")
        self.summary.setText("<br>".join(lines))

    def _show_stats(self, rep: ValidationReport) -> None:
        self.stats.setRowCount(len(rep.stats))
        for r, row in enumerate(rep.stats):
            self.stats.setItem(r, 0, _item(row.name, Qt.AlignmentFlag.AlignLeft))
            self.stats.setItem(r, 1, _item(row.value_text()))
            self.stats.setItem(r, 2, _item(row.interval_text()))
            note = _item(row.note, Qt.AlignmentFlag.AlignLeft)
            note.setToolTip(row.note)
            self.stats.setItem(r, 3, note)

    def _show_per_code(self, rep: ValidationReport) -> None:
        self.per_code.setRowCount(len(rep.per_code))
        for r, (code, *values, support) in enumerate(rep.per_code):
            self.per_code.setItem(r, 0, _item(code, Qt.AlignmentFlag.AlignLeft))
            for c, value in enumerate(values, start=1):
                item = _item(value.value_text())
                item.setToolTip(value.note or f"95% CI {value.interval_text()}")
                self.per_code.setItem(r, c, item)
            self.per_code.setItem(r, 4, _item(f"{support:,}"))
            notes = "; ".join(v.note for v in values if v.note)
            note = _item(notes, Qt.AlignmentFlag.AlignLeft)
            note.setToolTip(notes)
            self.per_code.setItem(r, 5, note)

    # -- exporting --------------------------------------------------------------------

    def ask_export(self) -> None:
        """Ask where, then write the tables shown (CSV or Markdown, by the choice)."""
        if self.report is None:
            return
        base = self.project.path.with_name(f"{self.project.path.stem}_validation.csv")
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export the validation tables", str(base), EXPORT_FILTER
        )
        if not path:
            return
        if not Path(path).suffix:
            path += ".md" if "Markdown" in chosen else ".csv"
        self.export_to(path)

    def export_to(self, path: str | Path) -> Path | None:
        """Write the tables shown to ``path`` (.csv or .md); None (the reason shown) when
        it cannot be written."""
        try:
            written = write_report(self.report, path)
        except LlmstudioError as exc:
            self.export_status.setStyleSheet("color: #c62828;")
            self.export_status.setText(f"Not written: {describe(exc)}")
            return None
        self.export_status.setStyleSheet("color: #555;")
        self.export_status.setText(f"Wrote {written}")
        return written

    def _fill_confusion(self, counts, ref: str, cmp_: str) -> None:
        labels = self._labels
        if not counts:  # all coders together: no one is the reference
            self.matrix_title.setText(
                "<span style='color:#555'>A confusion matrix compares "
                "two sources: choose a coder and one other.</span>"
            )
            return
        self.matrix_title.setText(
            f"<b>Confusion matrix</b><br>rows (↓): {html.escape(ref)}"
            f"<br>columns (→): {html.escape(cmp_)}<br>"
            "<span style='color:#555'>Click a cell to see its rows in "
            "the table.</span>"
        )
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
                item.setToolTip(
                    f"{n:,} rows: {ref} says {labels[r]}, {cmp_} says "
                    f"{labels[c]} ({share:.0%} of {labels[r]})"
                )
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
        what = (
            f"{self.reference.currentText()}: {self._labels[r]}, "
            f"{self.comparison.currentText()}: {self._labels[c]}"
        )
        self.sig_show_rows.emit(rows, what)

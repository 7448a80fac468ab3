"""The Validate view's "Passages (characters)" choice: per code of the codebook, how far
the coders who marked passages agree over characters (``core.passage_agreement``), each
statistic with its bootstrap 95% interval over rows. Computed in the background on a
connection of its own; the method is said above the table, a code with nothing to compare
says why in its row."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.passage_agreement import METHOD, agreement_on_passages, left_out_text
from ...core.project import Project
from ...core.wording import counted
from ..common.background import BackgroundTask
from ..common.errors import describe

RESAMPLES = 1000
FEW_ROWS = 20  # fewer rows than this: the bootstrap over rows has few distinct resamples
COLUMNS = [
    "Code",
    "Coders",
    "Rows",
    "Characters",
    "Percent agreement",
    "Cohen's kappa",
    "Krippendorff's alpha",
    "Positive agreement",
]
TIPS = {
    "Rows": "Rows both coders looked at (a row code or a passage by each)",
    "Characters": "Characters of those rows: the units compared",
    "Percent agreement": "Share of characters both coded or both left uncoded",
    "Positive agreement": "Coded characters only: 2 x both / (first + second) (Dice); "
    "the other three count agreement on absence, which dominates long texts",
}


def _compute(path: Path, book_name: str, children: bool):
    """Runs in the background, on a connection of its own."""
    with Project.open(path) as project:
        book = project.codebook(book_name)
        return agreement_on_passages(project, book, children=children, n_resamples=RESAMPLES)


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        item.setToolTip(tip)
    return item


class PassageAgreementView(QWidget):
    """Agreement on passages for one codebook: :meth:`show_book` computes it."""

    sig_computed = Signal()  # the table (or its error) shown

    def __init__(self, project: Project, parent=None):
        super().__init__(parent)
        self.project = project
        self.book_name = ""
        self._jobs = BackgroundTask(reports=False, again=self.refresh)
        self._jobs.sig_result.connect(self._show)
        self._jobs.sig_error.connect(self._failed)
        self.method = QLabel(
            f"Passages compared over characters: {METHOD}; {RESAMPLES:,} resamples."
        )
        self.method.setWordWrap(True)
        self.children_box = QCheckBox("A code's passages include those of the codes under it")
        self.children_box.toggled.connect(self.refresh)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for i, name in enumerate(COLUMNS):
            if name in TIPS:
                self.table.horizontalHeaderItem(i).setToolTip(TIPS[name])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.method, self.children_box, self.status):
            lay.addWidget(w)
        lay.addWidget(self.table, 1)

    def show_book(self, name: str) -> None:
        """Compute for codebook ``name``."""
        self.book_name = name
        self.refresh()

    def refresh(self, *_) -> None:
        """Compute again (in the background; latest wins)."""
        self.table.setRowCount(0)
        if not self.book_name:
            self.status.setText("Choose a codebook.")
            self.sig_computed.emit()
            return
        if self._jobs.start(
            _compute, self.project.path, self.book_name, self.children_box.isChecked()
        ):
            self.status.setText("Computing…")

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(describe(exc, "Could not compare the passages"))
        self.sig_computed.emit()

    def _show(self, found) -> None:
        if self._jobs.stale:
            return  # computed for an older choice; the newer one follows
        rows = []
        for item in found:
            if not item.used:  # no statistics: they would read as perfect agreement
                rows.append([item.code, item.problem, "", "", "", "", "", ""])
                continue
            if item.result is None:
                rows.append([item.code, "-", "-", "-", item.problem, "", "", ""])
                continue
            for pair in item.result.pairs:
                rows.append(
                    [
                        item.code,
                        " / ".join(pair.coders),
                        f"{pair.rows:,}",
                        f"{pair.characters:,}",
                        pair.percent_agreement.text(),
                        pair.cohen_kappa.text(),
                        pair.krippendorff_alpha.text(),
                        pair.positive_agreement.text(),
                    ]
                )
            if len(item.result.coders) > 2:
                all_coders = ", ".join(item.result.coders)
                rows.append(
                    [
                        item.code,
                        f"all: {all_coders}",
                        f"{item.result.rows:,}",
                        f"{item.result.characters:,}",
                        "",
                        "",
                        item.result.krippendorff_alpha.text(),
                        "",
                    ]
                )
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                tip = (
                    "undefined: nobody (or everybody) coded every character compared"
                    if value == "undefined"
                    else value
                )
                self.table.setItem(r, c, _item(value, tip))
        few = min((p.rows for item in found if item.result for p in item.result.pairs), default=0)
        left_out = left_out_text(found)
        self.status.setText(
            f"{counted(len(found), 'code')} of {self.book_name!r}; 'undefined' where nobody (or "
            "everybody) coded every character compared."
            + (f" {left_out}." if left_out else "")
            + (
                f" Only {counted(few, 'row')} compared: intervals over so few rows say little."
                if 0 < few < FEW_ROWS
                else ""
            )
        )
        self.sig_computed.emit()

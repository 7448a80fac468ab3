"""The Validate view's "Run stability" section: two model runs compared like two coders.

Kappa and Krippendorff's alpha with bootstrap 95% intervals and the share of rows whose
answer changed with its Wilson interval (``core.stability``), computed in the background
on a connection of its own. A replicate and the run it repeats are chosen first; the run
lists are read again each time one is opened, so runs made after the view opened appear.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...core.project import Project
from ...core.results import describe_run
from ...core.runs import finished_runs
from ...core.stability import compare_runs
from ..common.background import BackgroundTask
from ..common.errors import describe

RESAMPLES = 1000
COLUMNS = [
    "Compared",
    "n",
    "Share changed [95% CI]",
    "Cohen's kappa [95% CI]",
    "Krippendorff's alpha [95% CI]",
    "Note",
]


def _estimate(e) -> str:
    return "–" if e is None else e.text()


def _compute(path: Path, a: int, b: int):
    with Project.open(path) as project:
        return compare_runs(project, a, b, n_resamples=RESAMPLES)


class _RunBox(QComboBox):
    """A run chooser that reads the project's runs again whenever it is opened."""

    def __init__(self, fill):
        super().__init__()
        self._fill = fill

    def showPopup(self) -> None:
        self._fill(self)
        super().showPopup()


class StabilityView(QGroupBox):
    """Choose two runs of one task; see how far their answers agree."""

    sig_computed = Signal()  # shown (or its error)

    def __init__(self, project: Project, parent=None):
        super().__init__("Run stability (a run against its replicate, or any two runs)", parent)
        self.project = project
        # Latest wins: runs chosen while it computes are compared once it ends.
        self._jobs = BackgroundTask(reports=False, again=self.refresh)
        self._jobs.sig_result.connect(self._show)
        self._jobs.sig_error.connect(self._failed)
        self.first = _RunBox(self._fill)
        self.second = _RunBox(self._fill)
        for box in (self.first, self.second):
            box.setMinimumWidth(260)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.second.setToolTip(
            "A replicate (Analyse › Replicate Run…) or another run of the same task and labels"
        )
        pick = QHBoxLayout()
        pick.addWidget(self.first, 1)
        pick.addWidget(QLabel("  compared with  "))
        pick.addWidget(self.second, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(110)
        lay = QVBoxLayout(self)
        lay.addLayout(pick)
        lay.addWidget(self.summary)
        lay.addWidget(self.table)
        self._fill(None)
        self.first.currentIndexChanged.connect(self.refresh)
        self.second.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def _runs(self) -> list[tuple[int, str, int | None]]:
        return [(i.run_id, i.list_text(), i.replicate_of) for i in finished_runs(self.project)]

    def _fill(self, opened) -> None:
        """(Re)list the finished runs; at first, the latest replicate and its run."""
        runs = self._runs()
        for box in (self.first, self.second):  # both: a new run is a choice for either
            keep = box.currentData()
            box.blockSignals(True)
            box.clear()
            for run_id, text, _ in runs:
                box.addItem(text, run_id)
                box.setItemData(
                    box.count() - 1, describe_run(self.project, run_id), Qt.ItemDataRole.ToolTipRole
                )
            if keep is not None and box.findData(keep) >= 0:
                box.setCurrentIndex(box.findData(keep))
            box.blockSignals(False)
        if opened is None:
            self._default_pair(runs)

    def _default_pair(self, runs) -> None:
        """The latest replicate and its run; else the first two runs."""
        replicates = [(run_id, of) for run_id, _, of in runs if of]
        if replicates:
            run_id, of = replicates[-1]
            self.first.setCurrentIndex(max(0, self.first.findData(of)))
            self.second.setCurrentIndex(max(0, self.second.findData(run_id)))
        elif len(runs) > 1:
            self.second.setCurrentIndex(1)

    def update_runs(self) -> None:
        """A run ended or was made: list the finished runs again (the choices made stay)
        and compare, so the section never says two runs are needed when there are."""
        listed = [self.first.itemData(i) for i in range(self.first.count())]
        for box in (self.first, self.second):
            box.blockSignals(True)
        self._fill(self.first)
        if self.first.currentData() == self.second.currentData():
            self._default_pair(self._runs())
        for box in (self.first, self.second):
            box.blockSignals(False)
        if [self.first.itemData(i) for i in range(self.first.count())] != listed:
            self.refresh()

    def _say(self, text: str, error: bool = False) -> None:
        colour = "#c62828" if error else "#444"
        self.summary.setText(f"<span style='color:{colour}'>{html.escape(text)}</span>")

    def refresh(self, *_) -> None:
        """Compare the chosen runs again (in the background)."""
        a, b = self.first.currentData(), self.second.currentData()
        self.table.setRowCount(0)
        if a is None or b is None or self.first.count() < 2:
            self._say(
                "Two finished runs are needed: replicate one with Analyse › Replicate "
                "Run… to see whether the model answers the same way again."
            )
            self.sig_computed.emit()
            return
        if a == b:
            self._say("Choose two different runs.")
            self.sig_computed.emit()
            return
        if self._jobs.start(_compute, self.project.path, a, b):
            self._say("Computing…")

    def _failed(self, exc: BaseException) -> None:
        self._say(describe(exc, "Could not compare"), error=True)
        self.sig_computed.emit()

    def _show(self, found) -> None:
        self.table.setRowCount(len(found))
        for i, r in enumerate(found):
            share = r.share_text("–")
            note = r.full_note()
            for j, text in enumerate(
                [r.what, f"{r.n:,}", share, _estimate(r.kappa), _estimate(r.alpha), note]
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, j, item)
        self._say(
            f"Rows both runs answered. Intervals: kappa and alpha {RESAMPLES:,} "
            "bootstrap resamples (95%); share changed Wilson 95%."
        )
        self.sig_computed.emit()

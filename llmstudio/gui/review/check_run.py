"""Check this run: after a model run of :data:`~llmstudio.core.check_run.MIN_ROWS` rows or
more ends in the window, a bar above the table offers to check it (never a popup that
stops the work). The dialog draws a random sample of N rows, showing the interval width to
expect for that N; the sample is stored as the codebook's sample (every coder codes the
same rows), coding starts in the panel on it, blind; when the coder has coded every row of
the sample, the Validate view opens on that coder against the run.

A sentiment run is checked with a codebook of its labels, made when the project has none.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
)

from ...core.check_run import (
    DEFAULT_N,
    EXPECTED_AGREEMENT,
    codebook_for_run,
    observed_agreement,
    width_text,
    worth_checking,
)
from ...core.codebook import Codebook
from ...core.errors import LlmstudioError
from ...core.results import run_label
from ...core.sampling import Sample, load_sample, random_sample

__all__ = ["CheckRun", "CheckRunDialog"]


class CheckRunDialog(QDialog):
    """N rows (default 100) and a seed, with the interval width N gives."""

    def __init__(
        self,
        run_title: str,
        book: Codebook,
        new_book: bool,
        rows: int,
        stored: Sample | None,
        observed: float | None,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle(f"Check {run_title}")
        self._p = observed if observed is not None else EXPECTED_AGREEMENT
        self._observed = observed is not None
        intro = QLabel(
            f"Code a random sample of the rows yourself, <b>blind</b> (the model's answers, "
            f"other coders and result columns are hidden while you code), then see how far "
            f"<b>{run_title}</b> agrees with you (Validate view)."
        )
        intro.setWordWrap(True)
        self.n = QSpinBox()
        self.n.setRange(1, max(1, rows))
        self.n.setValue(min(DEFAULT_N, rows))
        self.n.setSuffix(" rows")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(1)
        self.seed.setToolTip("The same seed draws the same rows again: cite it in the paper")
        self.width = QLabel()
        self.width.setWordWrap(True)
        self.width.setStyleSheet("color: #1f4e79;")
        self.n.valueChanged.connect(self._update_width)
        self._update_width()
        made = " (made now from the run's labels)" if new_book else ""
        book_label = QLabel(f"{book.name}{made}: {', '.join(book.labels())}")
        book_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow("Sample:", self.n)
        form.addRow("", self.width)
        form.addRow("Seed:", self.seed)
        form.addRow("Codebook:", book_label)
        if stored is not None:
            note = QLabel(
                f"This replaces the codebook's stored sample ({stored.describe()}); "
                "codes already made are kept."
            )
            note.setWordWrap(True)
            note.setStyleSheet("color: #b26a00;")
            form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start coding")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(520)

    def _update_width(self) -> None:
        self.width.setText(width_text(self.n.value(), self._p, self._observed))

    def choice(self) -> tuple[int, int]:
        return self.n.value(), self.seed.value()


class CheckRun(QObject):
    """The bar that offers a check, the dialog, and the path from sample to agreement."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.run_id: int | None = None  # the run offered
        self._checking: tuple[int, str, frozenset] | None = None  # run, codebook, rows
        self._build_bar()
        self.act_check = QAction("C&heck a Model Run…", window)
        self.act_check.setStatusTip(
            "Code a random sample of a sentiment or codebook run "
            "blind, then see how far the model agrees with you"
        )
        self.act_check.triggered.connect(self.ask_latest)
        window.runs.sig_job_added.connect(self._job_added)
        window.sig_loaded.connect(self._loaded)
        window.coding.sig_coded.connect(self._coded)

    def _build_bar(self) -> None:
        self.bar = QFrame()
        self.bar.setObjectName("checkRunBar")
        self.bar.setStyleSheet(
            "#checkRunBar { background: #e3f2fd; border-bottom: 1px solid #90caf9; }"
        )
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.check_button = QPushButton("Check this run…")
        self.check_button.setToolTip("Code a random sample blind, then see the agreement")
        self.check_button.clicked.connect(lambda: self.ask())
        self.later_button = QPushButton("Not now")
        self.later_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self.bar)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.check_button)
        lay.addWidget(self.later_button)
        self.bar.hide()
        # above the table, beside the bar of rows opened from elsewhere
        self.window.subset_bar.parentWidget().layout().insertWidget(0, self.bar)

    # -- offering ---------------------------------------------------------------------

    def _job_added(self, job) -> None:
        job.sig_ended.connect(lambda: self._ended(job))

    def _ended(self, job) -> None:
        w = self.window
        result = job.result
        if job.spec.replicate is not None:
            return  # a replicate is compared with its run (Validate › Run stability)
        if result is None or w.project is None or w.project.path.resolve() != job.project_path:
            return
        try:
            if worth_checking(w.project, result.run_id):
                self.offer(result.run_id)
        except (LlmstudioError, sqlite3.Error):
            pass  # an offer, not a result: a project that cannot be read says so elsewhere

    def offer(self, run_id: int) -> None:
        """Show the bar offering to check run ``run_id``."""
        self.run_id = run_id
        label = run_label(self.window.project, run_id)
        self.label.setText(
            f"<b>{label.status_text().capitalize()}</b> is done. Before using its labels, "
            "check it: code a random sample yourself, blind, and see how far it agrees "
            "with you."
        )
        self.check_button.setText("Check this run…")
        self.check_button.setEnabled(True)
        self.bar.show()

    def dismiss(self) -> None:
        self.bar.hide()

    def _loaded(self) -> None:
        """Another corpus or project: its runs were not offered, its sample not checked."""
        self.bar.hide()
        self.run_id = None
        self._checking = None

    @property
    def offered(self) -> bool:
        """Whether the bar offers a check now."""
        return self.bar.isVisibleTo(self.window) and self.run_id is not None

    # -- the dialog and the coding ----------------------------------------------------

    def ask_latest(self) -> bool:
        """Analyse › Check a Model Run…: the run offered, else the newest finished
        sentiment or codebook run (of any size); says so when there is none."""
        w = self.window
        if w.project is None:
            w.statusBar().showMessage("Model runs are kept in a project: open one first.", 8000)
            return False
        run_id = self.run_id
        if run_id is None:
            from ...core.runs import COMPLETE, TRIAL, run_infos

            # Finished runs only (core.runs: an interrupted or running one is not checked).
            done = [
                i.run_id
                for i in run_infos(w.project)
                if i.task in ("sentiment", "code") and i.state in (COMPLETE, TRIAL)
            ]
            run_id = done[-1] if done else None
        if run_id is None:
            w.statusBar().showMessage(
                "No finished sentiment or codebook run to check yet: "
                "run one with Analyse › Run Model… (Ctrl+R).",
                8000,
            )
            return False
        return self.ask(run_id)

    def ask(self, run_id: int | None = None) -> bool:
        """The dialog for run ``run_id`` (the run offered); True when coding started."""
        w = self.window
        run_id = self.run_id if run_id is None else run_id
        if w.project is None or w.corpus is None or run_id is None:
            return False
        try:
            book = codebook_for_run(w.project, run_id, save=False)
            new_book = book.name not in w.project.codebooks()
            stored = None if new_book else load_sample(w.project, book.name)
            observed = None if new_book else observed_agreement(w.project, book, run_id)
        except (LlmstudioError, sqlite3.Error) as exc:
            w.show_error("Cannot check this run", exc)
            return False
        dialog = CheckRunDialog(
            run_label(w.project, run_id).status_text(),
            book,
            new_book,
            w.corpus.rows,
            stored,
            observed,
            w,
        )
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            n, seed = dialog.choice()
        finally:
            dialog.deleteLater()
        return self.start(run_id, n, seed)

    def start(self, run_id: int, n: int, seed: int = 1) -> bool:
        """Store a random sample of ``n`` rows as the run's codebook's sample and start
        coding it in the panel, blind; the Validate view follows the last code."""
        w, coding = self.window, self.window.coding
        try:
            book = codebook_for_run(w.project, run_id)
            sample = replace(random_sample(w.corpus.rows, n, seed), purpose=f"check run {run_id}")
        except (LlmstudioError, sqlite3.Error) as exc:
            w.show_error("Cannot check this run", exc)
            return False
        coding.act_open.trigger()
        coding.reload_codebooks()  # the codebook may be new
        coding.codebook_box.setCurrentText(book.name)
        if coding.book is None or coding.book.name != book.name:
            return False
        coding.set_filter("uncoded")
        try:
            coding.samples.set(sample)
        except (LlmstudioError, sqlite3.Error) as exc:
            w.show_error("Cannot store the sample", exc)
            return False
        self._checking = (run_id, book.name, frozenset(sample.rows))
        self.label.setText(
            f"Checking run {run_id}: code the {len(sample.rows):,} rows of the "
            "sample in the panel (blind). The agreement opens when they are "
            "all coded."
        )
        self.check_button.setEnabled(False)
        self.bar.show()
        if coding.coder:
            coding.setFocus()
        self._coded()  # already all coded (a sample drawn again): straight to the result
        return True

    def _coded(self, *_) -> None:
        """After a click: when the coder has coded the whole sample, the agreement."""
        if self._checking is None:
            return
        w, coding = self.window, self.window.coding
        run_id, book, rows = self._checking
        if w.project is None or coding.book is None or coding.book.name != book or not coding.coder:
            return
        coded = {r for r in rows if coding.codes(r)}
        if len(coded) < len(rows):
            return
        self._checking = None
        self.label.setText(
            f"All {len(rows):,} rows of the sample are coded: the agreement of "
            f"run {run_id} with {coding.coder} is in the Validate window."
        )
        view = w.review.open_validation()
        if view is None:
            return
        view.codebook.setCurrentText(book)
        view.update_sources()
        view.select_run(run_id, coding.coder)

    def checking(self) -> tuple[int, str, frozenset] | None:
        """(run id, codebook, sample rows) while a check is being coded, else None."""
        return self._checking

"""Analyse › Validate Codes… and Learn from My Codes…: the windows that check a coding
against another and learn from it, wired to the main window (rows opened from a
confusion matrix cell; suggested rows handed to the coding panel)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence

from ..coding.codebook_editor import SAVES as CODEBOOK_SAVES
from .learn_panel import LearnPanel
from .validation_view import ValidationView

LEARN_UPDATE_MS = 600  # after the last code of a burst: a fit per key press would lag
SOURCES_UPDATE_MS = 800  # the Validate view's lists and figures after a burst of codes


class Review:
    """Owns the two actions and the open windows (one of each, raised when asked again)."""

    def __init__(self, window):
        self.window = window
        self.validation: ValidationView | None = None
        self.learn: LearnPanel | None = None
        self.act_validate = QAction("&Validate Codes…", window)
        self.act_validate.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.act_validate.setStatusTip(
            "Agreement between coders, or a coder and a model run: "
            "kappa, alpha, F1 with confidence intervals"
        )
        self.act_validate.triggered.connect(self.open_validation)
        self.act_learn = QAction("&Learn from My Codes…", window)
        self.act_learn.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.act_learn.setStatusTip(
            "How well the builtin model learns your codes; which rows to code next; code the rest"
        )
        self.act_learn.triggered.connect(self.open_learn)

    def set_enabled(self, enabled: bool) -> None:
        for action in (self.act_validate, self.act_learn):
            action.setEnabled(enabled)

    def _close_stale(self) -> None:
        """Windows of a project that is no longer open go."""
        for name in ("validation", "learn"):
            view = getattr(self, name)
            if view is not None and view.project is not self.window.project:
                view.close()
                view.deleteLater()
                setattr(self, name, None)

    def _needs_project(self) -> bool:
        if self.window.project is None:
            self.window.statusBar().showMessage(
                "Codes are kept in a project: save the corpus as a project first (Ctrl+S).", 8000
            )
            return True
        return False

    def open_validation(self) -> ValidationView | None:
        self._close_stale()
        if self._needs_project():
            return None
        if self.validation is None:
            self.validation = ValidationView(self.window.project, self.window)
            self.validation.sig_show_rows.connect(self.window.show_rows)
            self._follow(self.validation)
            book = self.window.coding.book
            if book is not None:
                self.validation.codebook.setCurrentText(book.name)
        else:
            self.validation.refresh()  # codes or runs may have changed meanwhile
        self.validation.show()
        self.validation.raise_()
        return self.validation

    def _follow(self, view: ValidationView) -> None:
        """The Validate view lists coders and runs as they appear: a run started or ended
        in this window, a code given in the coding panel (once per burst of keys)."""
        timer = QTimer(view)
        timer.setSingleShot(True)
        timer.setInterval(SOURCES_UPDATE_MS)
        timer.timeout.connect(view.update_sources)
        coding, runs = self.window.coding, self.window.runs

        def job_added(job) -> None:
            timer.start()
            job.sig_ended.connect(timer.start)

        coding.sig_coded.connect(timer.start)
        CODEBOOK_SAVES.sig_saved.connect(timer.start)  # a rename or merge: codes named anew
        runs.sig_job_added.connect(job_added)
        # a closed view stops following (its timer goes with it)
        view.destroyed.connect(lambda *_: _disconnect(coding.sig_coded, timer.start))
        view.destroyed.connect(lambda *_: _disconnect(CODEBOOK_SAVES.sig_saved, timer.start))
        view.destroyed.connect(lambda *_: _disconnect(runs.sig_job_added, job_added))

    def open_learn(self) -> LearnPanel | None:
        self._close_stale()
        if self._needs_project():
            return None
        coding = self.window.coding
        if self.learn is None:
            self.learn = LearnPanel(
                self.window, coding.book.name if coding.book else None, coding.coder or None
            )
            self.learn.sig_suggested.connect(self._suggested)
            # The curve follows the coding: a new code updates it (once per burst of keys).
            self._learn_timer = QTimer(self.learn)
            self._learn_timer.setSingleShot(True)
            self._learn_timer.setInterval(LEARN_UPDATE_MS)
            self._learn_timer.timeout.connect(self.learn.update_curve)
            coding.sig_coded.connect(self._learn_timer.start)
        else:
            self.learn.update_curve()
        self.learn.show()
        self.learn.raise_()
        return self.learn

    def _suggested(self, rows: list) -> None:
        coding = self.window.coding
        coding.set_suggested(rows)
        coding.dock.show()


def _disconnect(signal, slot) -> None:
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):
        pass  # already gone with its receiver

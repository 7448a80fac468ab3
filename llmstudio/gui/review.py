"""Analyse › Validate Codes… and Learn from My Codes…: the windows that check a coding
against another and learn from it, wired to the main window (rows opened from a
confusion matrix cell; suggested rows handed to the coding panel)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence

from .learn_panel import LearnPanel
from .validation_view import ValidationView

LEARN_UPDATE_MS = 600  # after the last code of a burst: a fit per key press would lag


class Review:
    """Owns the two actions and the open windows (one of each, raised when asked again)."""

    def __init__(self, window):
        self.window = window
        self.validation: ValidationView | None = None
        self.learn: LearnPanel | None = None
        self.act_validate = QAction("&Validate Codes…", window)
        self.act_validate.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.act_validate.setStatusTip("Agreement between coders, or a coder and a model run: "
                                       "kappa, alpha, F1 with confidence intervals")
        self.act_validate.triggered.connect(self.open_validation)
        self.act_learn = QAction("&Learn from My Codes…", window)
        self.act_learn.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.act_learn.setStatusTip("How well the builtin model learns your codes; which rows "
                                    "to code next; code the rest")
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
                "Codes are kept in a project: save the corpus as a project first (Ctrl+S).",
                8000)
            return True
        return False

    def open_validation(self) -> ValidationView | None:
        self._close_stale()
        if self._needs_project():
            return None
        if self.validation is None:
            self.validation = ValidationView(self.window.project, self.window)
            self.validation.sig_show_rows.connect(self.window.show_rows)
            book = self.window.coding.book
            if book is not None:
                self.validation.codebook.setCurrentText(book.name)
        else:
            self.validation.refresh()  # codes or runs may have changed meanwhile
        self.validation.show()
        self.validation.raise_()
        return self.validation

    def open_learn(self) -> LearnPanel | None:
        self._close_stale()
        if self._needs_project():
            return None
        coding = self.window.coding
        if self.learn is None:
            self.learn = LearnPanel(self.window, coding.book.name if coding.book else None,
                                    coding.coder or None)
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

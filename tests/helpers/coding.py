"""The coding panel driven from the keyboard, and a coding run stored as the runner
stores it: shared by the coding GUI tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from llmstudio.core.codebook import Code, Codebook

from .code_runs import add_code_run  # noqa: F401  (kept here for the coding tests)

ROWS = 12


BOOK = Codebook(
    codes=(
        Code("Housing", "Rents, house prices, homelessness"),
        Code("Transport", "Buses, trains, roads, potholes"),
        Code("Health", "Hospitals, doctors, waiting lists"),
    ),
    name="Local issues",
    none_option=True,
)


CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


K = Qt.Key


def key(qtbot, k, mods=Qt.KeyboardModifier.NoModifier):
    """A key pressed where the focus is, as a user's keyboard would send it."""
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, k, mods)


def open_panel(qtbot, window):
    key(qtbot, K.Key_K, CTRL)
    panel = window.coding
    qtbot.waitUntil(lambda: panel.dock.isVisible())
    return panel

"""The coding panel driven from the keyboard, and a coding run stored as the runner
stores it: shared by the coding GUI tests."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project

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


def add_code_run(path, book, labels: dict[int, str]) -> None:
    """A finished single-label coding run of ``book`` as the runner stores it."""
    with Project.open(path) as p:
        with p.db:
            cur = p.db.execute(
                "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column,"
                " columns, status, rows_total, created, finished) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    "k",
                    "code",
                    json.dumps({"task": "code", "codebook": book.to_dict()}),
                    "builtin",
                    "{}",
                    "text",
                    json.dumps(["code_label", "code_score"]),
                    "done",
                    int(p.meta("rows")),
                    "2026-01-01",
                    "2026-01-01",
                ),
            )
            p.db.executemany(
                "INSERT INTO annotations (run_id, row_id, output) VALUES (?,?,?)",
                [(cur.lastrowid, r, json.dumps({"code_label": lab})) for r, lab in labels.items()],
            )

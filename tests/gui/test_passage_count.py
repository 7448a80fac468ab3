"""The coding panel's count of the coder's passages and rows, kept up to date by each
change instead of counted again at every click: after any sequence of marks, undo,
redo, recode and removal it equals a fresh count from the project; a row with only a
passage of mine is coded ("Uncoded by me" leaves it out, "N of M coded" counts it)."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtWidgets import QApplication

from llmstudio.core import passages
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project

from helpers.coding import CTRL, SHIFT, K, key, open_panel
from helpers.gui import make_project, open_project

TEXTS = ["Rents are too high and buses late.", "Tea with café.", "Nothing here.", "Potholes."]
BOOK = Codebook(codes=(Code("Housing"), Code("Transport")), name="Issues")


@pytest.fixture
def panel(qtbot, window, tmp_path):
    """The coding panel on row 1, coder "ana", codebook "Issues", all rows."""
    frame = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS})
    path = make_project(tmp_path / "count.llmstudio", frame)
    with Project.open(path) as project:
        project.save_codebook(BOOK)
    open_project(qtbot, window, path)
    window.activateWindow()
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText("Issues")
    panel.coder_edit.setText("ana")
    panel.coder_entered()
    panel.set_filter("all")
    panel.goto(0)
    panel.setFocus()
    return panel


def fresh(panel) -> tuple[int, set[int]]:
    """The coder's passages in force and their rows, read from the project file anew."""
    with Project.open(panel.project.path) as p:
        return passages.count(p, "Issues", "ana"), set(passages.by_row(p, "Issues", "ana"))


def test_the_count_follows_every_change_and_matches_a_fresh_count(qtbot, panel, monkeypatch):
    store = panel.passage_coding.store
    assert (store.count(), set(store.rows())) == fresh(panel) == (0, set())
    reads = []
    for name in ("by_row", "count"):  # every way of counting them again
        real = getattr(passages, name)
        monkeypatch.setattr(passages, name, lambda *a, real=real: reads.append(a) or real(*a))

    def check(n: int, rows: set[int]) -> None:
        assert (store.count(), set(store.rows())) == fresh(panel) == (n, rows)

    panel.text.select(0, 5)
    key(qtbot, K.Key_1)  # mark Housing
    check(1, {0})
    panel.text.select(0, 9)
    key(qtbot, K.Key_2)  # mark Transport, overlapping
    check(2, {0})
    key(qtbot, K.Key_Z, CTRL)
    check(1, {0})
    key(qtbot, K.Key_Z, CTRL)
    check(0, set())
    key(qtbot, K.Key_Z, CTRL | SHIFT)
    key(qtbot, K.Key_Z, CTRL | SHIFT)
    check(2, {0})
    menu = panel.passage_coding.menu_for(panel.text.at(2))
    recode = next(a for a in menu.actions() if a.menu() is not None).menu()
    recode.actions()[0].trigger()  # the innermost recoded: one out, its successor in
    check(2, {0})
    panel.goto(1)
    panel.text.select(0, 3)
    key(qtbot, K.Key_1)
    check(3, {0, 1})
    panel.text.select(0, 3)
    key(qtbot, K.Key_1)  # the same key on the same words: that passage out again
    check(2, {0})
    key(qtbot, K.Key_Z, CTRL)
    check(3, {0, 1})
    # nothing was counted again: each change moved the count by what it did
    assert [a for a in reads if a[0] is panel.project] == []


def test_a_row_with_only_my_passages_is_coded(qtbot, panel):
    panel.text.select(0, 5)
    key(qtbot, K.Key_1)  # a passage, no row code
    assert panel.progress_label.text().startswith("1 of 4 coded by ana")
    panel.set_filter("uncoded")
    assert panel.rows == [1, 2, 3]
    panel.set_filter("coded")
    assert panel.rows == [0]
    panel.coder_edit.setText("ben")  # another coder: recounted, their own rows
    panel.coder_entered()
    assert panel.passage_coding.store.count() == 0
    panel.set_filter("uncoded")
    assert panel.rows == [0, 1, 2, 3]
    assert panel.progress_label.text().startswith("0 of 4 coded by ben")

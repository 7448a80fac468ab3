"""Blind coding in the window: the switch (the panel's box and Ctrl+Shift+K) hides the
model's answer, the model's filters, the result columns and the other coders' columns,
and shows them again when switched off; every click stores the mode; the switch is
remembered per coder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from llmstudio.core import human_codes as hc
from llmstudio.core.coder_prefs import remembered_blind
from llmstudio.core.project import Project
from llmstudio.gui.coding.blind_mode import HIDDEN_NOTE

from helpers.coding import BOOK, ROWS, add_code_run, open_panel
from helpers.gui import make_project, open_project, sample_frame

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def visible_columns(window) -> list[str]:
    model, table = window.model, window.table
    return [
        model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(model.columnCount())
        if not table.isColumnHidden(c)
    ]


def test_blind_hides_and_shows_and_every_click_keeps_its_mode(qtbot, window, tmp_path):
    path = make_project(tmp_path / "blind.llmstudio", sample_frame().head(ROWS).copy())
    with Project.open(path) as p:
        p.save_codebook(BOOK)
        hc.record(p, BOOK, "ben", 0, ["Health"], blind=True)
    add_code_run(path, BOOK, dict.fromkeys(range(ROWS), "Housing"))
    open_project(qtbot, window, path)
    qtbot.waitUntil(
        lambda: (
            "code_label" in window.model.result_names
            and "human_local_issues_ben" in window.model.result_names
        ),
        timeout=20_000,
    )
    panel = open_panel(qtbot, window)
    panel.coder_edit.setText("ana")
    panel.coder_edit.editingFinished.emit()
    panel.codebook_box.setCurrentText(BOOK.name)
    panel.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel)
    assert panel.row_id == 0
    # not blind: the model's answer, its filters, its column and ben's
    assert panel.model_label.isVisible() and "Housing" in panel.model_label.text()
    filters = [panel.filter_box.itemData(i) for i in range(panel.filter_box.count())]
    assert "disagree" in filters and "suggested" in filters
    assert {"code_label", "human_local_issues_ben"} <= set(visible_columns(window))
    qtbot.wait(100)
    panel.grab().save(str(tmp_path / "panel_normal.png"))
    QTest.keyClick(panel, Qt.Key.Key_1)  # row 0: Housing, not blind
    assert panel.row_id == 1

    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_K, CTRL_SHIFT)  # Code Blind
    assert panel.blind and panel.blind_box.isChecked() and panel.act_blind.isChecked()
    assert not panel.model_label.isVisible()
    filters = [panel.filter_box.itemData(i) for i in range(panel.filter_box.count())]
    assert "disagree" not in filters and "suggested" not in filters
    shown = visible_columns(window)
    assert "code_label" not in shown and "human_local_issues_ben" not in shown
    assert "human_local_issues_ana" in shown  # her own codes stay
    assert window.detail.results_text() == HIDDEN_NOTE
    qtbot.wait(100)
    panel.grab().save(str(tmp_path / "panel_blind.png"))
    window.grab().save(str(tmp_path / "window_blind.png"))
    QTest.keyClick(panel, Qt.Key.Key_2)  # row 1: Transport, blind
    assert remembered_blind("ana") is True

    panel.blind_box.click()  # off again: everything is back
    assert not panel.blind and not panel.act_blind.isChecked()
    assert panel.model_label.isVisible()
    assert {"code_label", "human_local_issues_ben"} <= set(visible_columns(window))
    assert window.detail.results_text() != HIDDEN_NOTE
    QTest.keyClick(panel, Qt.Key.Key_3)  # row 2: Health, not blind
    with Project.open(path) as p:
        modes = {c.row_id: c.blind for c in hc.current(p, BOOK.name, "ana")}
    assert modes == {0: False, 1: True, 2: False}
    assert remembered_blind("ana") is False and remembered_blind("ben") is False


def test_the_switch_is_remembered_per_coder(qtbot, window, tmp_path):
    from llmstudio.core.coder_prefs import remember_blind

    path = make_project(tmp_path / "r.llmstudio", sample_frame().head(ROWS).copy())
    with Project.open(path) as p:
        p.save_codebook(BOOK)
    remember_blind("cy", True)
    open_project(qtbot, window, path)
    panel = open_panel(qtbot, window)
    for name, blind in (("cy", True), ("dee", False), ("cy", True)):
        panel.coder_edit.setText(name)
        panel.coder_edit.editingFinished.emit()
        assert panel.blind is blind and panel.blind_box.isChecked() is blind


def test_a_new_coder_while_blind_sees_only_their_own_column(qtbot, window, tmp_path):
    from llmstudio.core.coder_prefs import remember_blind

    path = make_project(tmp_path / "two.llmstudio", sample_frame().head(ROWS).copy())
    with Project.open(path) as p:
        p.save_codebook(BOOK)
        hc.record(p, BOOK, "ana", 0, ["Health"], blind=True)
        hc.record(p, BOOK, "ben", 1, ["Housing"], blind=True)
    remember_blind("ana", True)
    remember_blind("ben", True)
    open_project(qtbot, window, path)
    qtbot.waitUntil(
        lambda: (
            {"human_local_issues_ana", "human_local_issues_ben"} <= set(window.model.result_names)
        ),
        timeout=20_000,
    )
    panel = open_panel(qtbot, window)
    for me, other in (("ana", "ben"), ("ben", "ana")):
        panel.coder_edit.setText(me)
        panel.coder_edit.editingFinished.emit()
        assert panel.blind
        shown = visible_columns(window)
        assert f"human_local_issues_{me}" in shown and f"human_local_issues_{other}" not in shown
    panel.set_blind(False)
    assert {"human_local_issues_ana", "human_local_issues_ben"} <= set(visible_columns(window))


def test_the_status_bar_counts_the_result_columns_in_view_as_blind_hides_and_shows_them(
    qtbot, window, tmp_path
):
    """Seen: "7 columns + 0 result columns" stayed in the status bar after Blind was
    switched off with two runs' columns in view again."""
    path = make_project(tmp_path / "count.llmstudio", sample_frame().head(ROWS).copy())
    with Project.open(path) as p:
        p.save_codebook(BOOK)
    add_code_run(path, BOOK, dict.fromkeys(range(ROWS), "Housing"))
    open_project(qtbot, window, path)
    qtbot.waitUntil(lambda: "code_label" in window.model.result_names, timeout=20_000)
    before = window.rows_label.text()
    assert "+ 0 result columns" not in before
    panel = open_panel(qtbot, window)
    panel.coder_edit.setText("ana")
    panel.coder_edit.editingFinished.emit()
    panel.set_blind(True)
    assert "code_label" not in visible_columns(window)
    assert "+ 0 result columns" in window.rows_label.text()
    panel.set_blind(False)
    assert window.rows_label.text() == before

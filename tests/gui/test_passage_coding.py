"""Coding passages in the real coding panel: words selected with the keyboard or the
mouse and a code's key (or button) store a passage with the exact characters; overlaps
and two codes on the same words both show; undo and redo cover passages and row codes in
one history; hover, right-click, Delete; blind mode; astral characters and CRLF; the
codes as a tree whose keys follow what is visible; a codebook change clears the history."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from llmstudio.core import code_tree, passages
from llmstudio.core import human_codes as hc
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project

from helpers.coding import CTRL, SHIFT, K, key, open_panel
from helpers.gui import make_project, open_project

TEXTS = [
    "Rents are too high and the buses are late every morning.",
    "Tea 😀 with 𝔘nicode\r\nand café 😀 at the end",
    "   ",
    "The third text, about nothing in particular.",
]
TREE = Codebook(
    codes=(
        Code("Housing", "Anything about where people live"),
        Code("Rent", "What people pay to live somewhere", parent="Housing"),
        Code("Transport", "Buses, trains, roads", color="#0072B2"),
    ),
    name="Tree",
)


@pytest.fixture
def project_path(tmp_path):
    frame = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS})
    path = make_project(tmp_path / "passages.llmstudio", frame)
    with Project.open(path) as project:
        project.save_codebook(TREE)
    return path


@pytest.fixture
def panel(qtbot, window, project_path):
    """The coding panel on row 1, coder "ana", codebook "Tree", all rows."""
    open_project(qtbot, window, project_path)
    window.activateWindow()
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText("Tree")
    panel.coder_edit.setFocus()
    QTest.keyClicks(panel.coder_edit, "ana")
    key(qtbot, K.Key_Return)
    panel.set_filter("all")
    panel.goto(0)
    assert QApplication.focusWidget() is panel and panel.book.name == "Tree"
    return panel


def in_force(path, coder=None):
    """(code, coder, the passage's characters) of every passage in force, from a fresh open."""
    with Project.open(path) as p:
        return sorted(
            (x.code, x.coder, passages.text_of(p, x), x.row_id)
            for x in passages.find(p, "Tree", coder=coder)
        )


def point_of(text_widget, index: int):
    """The viewport point of str index ``index`` of the text shown (where a user clicks)."""
    cursor = QTextCursor(text_widget.document())
    cursor.setPosition(text_widget.positions.position(index))
    rect = text_widget.cursorRect(cursor)
    return rect.center()


def drag(text_widget, start: int, end: int) -> None:
    """A mouse drag from character ``start`` to ``end``, as the user's mouse sends it."""
    viewport = text_widget.viewport()
    a, b = point_of(text_widget, start), point_of(text_widget, end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(b),
        viewport.mapToGlobal(QPointF(b)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, move)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def test_keyboard_selection_marks_a_passage_and_no_selection_codes_the_row(
    qtbot, panel, project_path
):
    for _ in range(5):
        key(qtbot, K.Key_Right, SHIFT)
    assert panel.text.selection() == (0, 5)
    key(qtbot, K.Key_2)  # "Rent" (the child of Housing): the words, not the row
    assert in_force(project_path) == [("Rent", "ana", "Rents", 0)]
    assert panel.row_id == 0 and panel.codes() == ()
    with Project.open(project_path) as p:
        assert hc.current(p, "Tree", "ana") == []
    # the progress counts it: "0 of N coded" alone read as if nothing had been done
    assert panel.progress_label.text().endswith("coded by ana · 1 passage marked")
    # a word with Ctrl+Shift+→ brings its space along: the passage is the word alone
    key(qtbot, K.Key_Escape)  # drops the selection (the focus stays with the codes)
    assert panel.text.selection() is None and QApplication.focusWidget() is panel
    key(qtbot, K.Key_Right, CTRL)  # the caret a word on: "are"
    key(qtbot, K.Key_Right, CTRL | SHIFT)
    assert panel.text.selection() == (6, 10)
    key(qtbot, K.Key_3)
    assert ("Transport", "ana", "are", 0) in in_force(project_path)
    key(qtbot, K.Key_Escape)
    key(qtbot, K.Key_1)  # no selection: the row gets Housing and the next row is shown
    assert panel.row_id == 1
    with Project.open(project_path) as p:
        assert [(c.row_id, c.codes) for c in hc.current(p, "Tree", "ana")] == [(0, ("Housing",))]
    assert len(in_force(project_path)) == 2  # the passages are still there
    progress = panel.progress_label.text()
    assert progress.startswith("1 of ") and progress.endswith("coded by ana · 2 passages marked")


def test_overlapping_passages_and_two_codes_on_the_same_words_all_show(qtbot, panel, project_path):
    text = TEXTS[0]
    buses = text.index("buses are late")
    drag(panel.text, buses, buses + len("buses are late"))
    assert panel.text.selection() == (buses, buses + len("buses are late"))
    panel.code_buttons[2].click()  # Transport, by the mouse
    key(qtbot, K.Key_1)  # and Housing on the same words (the selection stays)
    late = text.index("late every morning")
    panel.text.select(late, late + len("late every morning"))
    key(qtbot, K.Key_2)  # Rent, overlapping "late"
    assert in_force(project_path) == [
        ("Housing", "ana", "buses are late", 0),
        ("Rent", "ana", "late every morning", 0),
        ("Transport", "ana", "buses are late", 0),
    ]
    text_widget = panel.text
    assert len(text_widget.shown) == 3
    assert len(set(text_widget.lanes.values())) == 3  # a bar per code under the line
    assert panel.passage_list.count() == 3 and panel.passage_list.isVisible()
    # each code's colour is drawn (its bar), the child code in its own palette colour
    panel.text.clear_selection()
    image = text_widget.viewport().grab().toImage()
    seen = {
        image.pixelColor(x, y).name().upper()
        for x in range(0, image.width(), 2)
        for y in range(image.height())
    }
    for code in ("Housing", "Rent", "Transport"):
        assert TREE.color_of(code) in seen, code
    # hovering "late": all three codes and the coder
    tip = text_widget.tooltip_at(point_of(text_widget, late + 1))
    assert all(c in tip for c in ("Housing", "Rent", "Transport", "ana"))
    assert "Rent" not in text_widget.tooltip_at(point_of(text_widget, buses + 1))
    assert text_widget.tooltip_at(point_of(text_widget, 1)) == ""
    # clicking a listed passage selects its words
    item = next(
        panel.passage_list.item(i)
        for i in range(3)
        if panel.passage_list.item(i).text().startswith("Rent")
    )
    panel.passage_list.itemClicked.emit(item)
    assert panel.text.selection() == (late, late + len("late every morning"))
    key(qtbot, K.Key_2)  # the same key on the same words: the passage is taken out
    assert [x[0] for x in in_force(project_path)] == ["Housing", "Transport"]


def test_undo_and_redo_cover_passages_and_row_codes_in_one_history(qtbot, panel, project_path):
    panel.text.select(0, 5)
    key(qtbot, K.Key_2)  # mark Rent
    key(qtbot, K.Key_Escape)
    key(qtbot, K.Key_3)  # the row: Transport, on to row 2
    assert panel.row_id == 1

    def row_codes():
        with Project.open(project_path) as p:
            return {c.row_id: c.codes for c in hc.current(p, "Tree", "ana")}

    assert row_codes() == {0: ("Transport",)} and len(in_force(project_path)) == 1
    key(qtbot, K.Key_Z, CTRL)  # the row code undone: back on row 1
    assert panel.row_id == 0 and row_codes() == {0: ()}
    assert len(in_force(project_path)) == 1
    key(qtbot, K.Key_Z, CTRL)  # the passage undone (kept, marked removed)
    assert in_force(project_path) == [] and panel.passage_list.count() == 0
    # said so: the status no longer says the passage was marked
    assert panel.window.statusBar().currentMessage() == "Undone: mark Rent (row 1)"
    with Project.open(project_path) as p:
        assert len(passages.find(p, "Tree", removed=True)) == 1
    key(qtbot, K.Key_Z, CTRL | SHIFT)  # redo: the passage again, highlighted
    assert in_force(project_path) == [("Rent", "ana", "Rents", 0)]
    assert panel.window.statusBar().currentMessage() == "Redone: mark Rent (row 1)"
    assert len(panel.text.shown) == 1
    key(qtbot, K.Key_Z, CTRL | SHIFT)
    assert row_codes() == {0: ("Transport",)}
    assert not panel.act_redo.isEnabled()


def test_delete_and_the_right_click_menu_remove_and_recode_my_passages(qtbot, panel, project_path):
    panel.text.select(0, 5)
    key(qtbot, K.Key_2)
    panel.text.select(0, 10)
    key(qtbot, K.Key_3)
    # the menu on "Rents": remove or recode each of my passages there, innermost first
    menu = panel.passage_coding.menu_for(panel.text.at(2))
    titles = [a.text() for a in menu.actions()]
    assert titles == [
        "Remove passage ‘Rent’",
        "Memo on ‘Rent’…",
        "Recode ‘Rent’ as",
        "Remove passage ‘Transport’",
        "Memo on ‘Transport’…",
        "Recode ‘Transport’ as",
    ]
    recode = menu.actions()[2].menu()
    assert [a.text() for a in recode.actions()] == ["Housing", "Transport"]
    recode.actions()[0].trigger()  # Rent -> Housing
    assert in_force(project_path) == [
        ("Housing", "ana", "Rents", 0),
        ("Transport", "ana", "Rents are", 0),
    ]
    # Delete with the caret in both: the innermost goes
    panel.text.clear_selection()
    cursor = panel.text.textCursor()
    cursor.setPosition(2)
    panel.text.setTextCursor(cursor)
    key(qtbot, K.Key_Delete)
    assert in_force(project_path) == [("Transport", "ana", "Rents are", 0)]
    key(qtbot, K.Key_Delete)
    assert in_force(project_path) == []
    key(qtbot, K.Key_Delete)  # nothing left there: said, nothing changes
    assert "No passage of yours" in panel.window.statusBar().currentMessage()
    key(qtbot, K.Key_Z, CTRL)  # the last removal undone
    assert in_force(project_path) == [("Transport", "ana", "Rents are", 0)]


def test_none_of_these_and_a_selection_of_spaces_mark_nothing(qtbot, panel, project_path):
    bar = panel.window.statusBar()
    panel.text.select(5, 6)  # the space after "Rents"
    key(qtbot, K.Key_1)
    assert "Only spaces" in bar.currentMessage()
    panel.goto(2)  # a row of spaces: nothing can be marked
    assert panel.text.positions is None and panel.text.selection() is None
    key(qtbot, K.Key_End, SHIFT)  # "(this row has no text)" selected: not a passage,
    key(qtbot, K.Key_1)  # and not the row's code either (not what was asked)
    assert "cannot be marked" in bar.currentMessage() and panel.row_id == 2
    key(qtbot, K.Key_Escape)
    key(qtbot, K.Key_1)  # no selection: the row is coded and the next one shown
    assert panel.row_id == 3
    assert in_force(project_path) == []
    with Project.open(project_path) as p:
        assert [(c.row_id, c.codes) for c in hc.current(p, "Tree", "ana")] == [(2, ("Housing",))]


def test_blind_coding_shows_only_my_passages(qtbot, panel, project_path):
    with Project.open(project_path) as p:
        passages.add(p, TREE, "bo", 0, 0, 5, "Housing")
    panel.text.select(6, 9)
    key(qtbot, K.Key_3)
    panel.goto(0)
    assert sorted(x.passage.coder for x in panel.text.shown) == ["ana", "bo"]
    assert "bo" in panel.text.tooltip_at(point_of(panel.text, 1))
    # bo's passage is named in the menu but not offered
    menu = panel.passage_coding.menu_for(panel.text.at(1))
    assert [(a.text(), a.isEnabled()) for a in menu.actions()] == [
        ("Housing · bo (not yours)", False)
    ]
    key(qtbot, K.Key_K, CTRL | SHIFT)  # blind on
    assert panel.blind
    assert [x.passage.coder for x in panel.text.shown] == ["ana"]
    assert panel.passage_list.count() == 1 and "bo" not in panel.passage_list.item(0).text()
    assert panel.text.tooltip_at(point_of(panel.text, 1)) == ""
    key(qtbot, K.Key_K, CTRL | SHIFT)
    assert len(panel.text.shown) == 2


def test_astral_characters_and_crlf_store_the_exact_characters(qtbot, panel, project_path):
    panel.goto(1)
    with Project.open(project_path) as p:
        text = passages.row_text(p, 1)
    assert "\r\n" in text and "😀" in text  # the CSV kept them
    start = text.index("😀")
    for _ in range(start):  # the caret to the emoji, a character at a time
        panel.text.move(QTextCursor.MoveOperation.Right, select=False)
    expected = "😀 with 𝔘nicode\r\nand"
    for _ in range(len(expected) - 1):  # CRLF is one line break: one step
        key(qtbot, K.Key_Right, SHIFT)  # Shift+→ steps over a surrogate pair at once
    key(qtbot, K.Key_1)
    assert in_force(project_path) == [("Housing", "ana", expected, 1)]
    with Project.open(project_path) as p:
        (x,) = passages.find(p, "Tree")
    assert (x.start, x.end) == (start, start + len(expected))
    # the passage after the CRLF, by the mouse: offsets past it are exact too
    cafe = text.index("café 😀")
    drag(panel.text, cafe, cafe + len("café 😀"))
    key(qtbot, K.Key_3)
    assert ("Transport", "ana", "café 😀", 1) in in_force(project_path)
    tip = panel.text.tooltip_at(point_of(panel.text, cafe + 2))
    assert "café 😀" in tip


def test_the_code_tree_numbers_the_visible_codes(qtbot, panel, project_path):
    codes = panel.codes_box
    assert [b.text() for b in panel.code_buttons] == ["1  Housing", "2  Rent", "3  Transport"]
    assert "Under: Housing" in panel.code_buttons[1].toolTip()
    assert "What people pay" in panel.code_buttons[1].toolTip()
    assert all(not b.icon().isNull() for b in panel.code_buttons)
    codes.toggle("Housing")  # collapsed: Rent hidden, Transport is 2
    assert [b.text() for b in panel.code_buttons] == ["1  Housing", "2  Transport"]
    key(qtbot, K.Key_2)
    with Project.open(project_path) as p:
        assert [c.codes for c in hc.current(p, "Tree", "ana")] == [("Transport",)]
    codes.toggle("Housing")
    assert [b.text() for b in panel.code_buttons][1] == "2  Rent"


def test_a_codebook_change_in_the_editor_reloads_the_tree_and_clears_the_history(
    qtbot, panel, project_path, monkeypatch
):
    from llmstudio.gui.coding.codebook_editor import CodebookEditor

    panel.text.select(0, 5)
    key(qtbot, K.Key_2)
    assert panel.act_undo.isEnabled()

    def rename_and_close(editor):  # what the editor does to the project: a rename
        code_tree.rename(editor.project, "Tree", "Rent", "Rent level")
        return 0

    monkeypatch.setattr(CodebookEditor, "exec", rename_and_close)
    panel.window.runs.act_codebooks.trigger()
    assert [b.text() for b in panel.code_buttons][1] == "2  Rent level"
    assert not panel.act_undo.isEnabled()  # an undo now would write the old name
    assert [x.passage.code for x in panel.text.shown] == ["Rent level"]
    assert in_force(project_path) == [("Rent level", "ana", "Rents", 0)]
    # the same while the panel is hidden: it reads the codebook again when shown
    panel.text.select(6, 9)
    key(qtbot, K.Key_3)
    assert panel.act_undo.isEnabled()
    panel.dock.hide()
    with Project.open(project_path) as p:
        code_tree.rename(p, "Tree", "Transport", "Mobility")
    panel.act_open.trigger()
    qtbot.waitUntil(lambda: panel.dock.isVisible())
    assert "3  Mobility" in [b.text() for b in panel.code_buttons]
    assert not panel.act_undo.isEnabled()


def test_a_passage_that_cannot_be_stored_is_said_and_nothing_changes(qtbot, panel, project_path):
    import sqlite3

    # another program holds the project file's write lock
    panel.window.project.db.execute("PRAGMA busy_timeout = 200")  # not 5 s of waiting
    other = sqlite3.connect(project_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        panel.text.select(0, 5)
        with qtbot.waitSignal(panel.window.sig_error) as said:
            key(qtbot, K.Key_2)
        assert "locked" in said.args[0]
        assert panel.text.shown == [] and not panel.act_undo.isEnabled()
    finally:
        other.execute("ROLLBACK")
        other.close()
    key(qtbot, K.Key_2)  # the lock gone, the same key stores it
    assert in_force(project_path) == [("Rent", "ana", "Rents", 0)]
    assert panel.act_undo.isEnabled()


def test_hovering_a_passage_shows_its_code_coder_and_memo(qtbot, panel, project_path):
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    panel.text.select(0, 5)
    key(qtbot, K.Key_2)
    with Project.open(project_path) as p:
        (x,) = passages.find(p, "Tree")
        passages.change(p, TREE, x.id, memo="rent rises <since 2020>")
    panel.goto(0)  # read again
    viewport = panel.text.viewport()
    at = point_of(panel.text, 2)
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, at, viewport.mapToGlobal(at)))
    qtbot.waitUntil(QToolTip.isVisible)
    tip = QToolTip.text()
    assert "<b>Rent</b> · ana" in tip and "“Rents”" in tip
    assert "rent rises &lt;since 2020&gt;" in tip  # the memo, as text
    listed = panel.passage_list.item(0)  # and in the list under the text, unhovered
    assert listed.text().endswith("· memo: rent rises <since 2020>")
    assert listed.toolTip().endswith("Memo: rent rises <since 2020>")
    elsewhere = point_of(panel.text, 30)
    QApplication.sendEvent(
        viewport, QHelpEvent(QEvent.Type.ToolTip, elsewhere, viewport.mapToGlobal(elsewhere))
    )
    qtbot.waitUntil(lambda: not QToolTip.isVisible())

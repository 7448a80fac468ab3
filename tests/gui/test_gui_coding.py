"""The coding panel, driven from the keyboard alone: codes, skip, back, undo, redo and memos
end up in the project file exactly as pressed; multi-label toggles; filters; the stored
sample; the messages shown when something is missing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from llmstudio.core import human_codes as hc
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project
from llmstudio.core.sampling import load_sample

from helpers.coding import BOOK, CTRL, ROWS, SHIFT, K, add_code_run, key, open_panel
from helpers.gui import make_project, open_project, sample_frame

MULTI = Codebook(codes=BOOK.codes, name="Issues (multi)", multi_label=True)


@pytest.fixture
def project_path(tmp_path):
    path = make_project(tmp_path / "coding.llmstudio", sample_frame().head(ROWS).copy())
    with Project.open(path) as project:
        project.save_codebook(BOOK)
        project.save_codebook(MULTI)
    return path


@pytest.fixture
def opened(qtbot, window, project_path):
    open_project(qtbot, window, project_path)
    window.activateWindow()
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table)
    return window


def type_text(text: str):
    QTest.keyClicks(QApplication.focusWidget(), text)


def current_row(window) -> int:
    return window.model.row_id(window.table.currentIndex().row())


def stored(path, book=BOOK.name, coder="ana"):
    """What a fresh open of the project file holds: (current codes, memos) per row and
    the clicks of each row."""
    with Project.open(path) as p:
        now = {c.row_id: (c.codes, c.memo) for c in hc.current(p, book, coder)}
        clicks = {
            r: [(c.codes, c.memo) for c in hc.history(p, book, r) if c.coder == coder]
            for r in range(ROWS)
        }
    return now, {r: v for r, v in clicks.items() if v}


def test_a_keyboard_only_coding_session(qtbot, opened, project_path):
    window = opened
    panel = open_panel(qtbot, window)
    # No coder yet: the focus waits in the coder field, and says why.
    assert QApplication.focusWidget() is panel.coder_edit
    assert "Type your name" in panel.message
    type_text("ana")
    key(qtbot, K.Key_Tab)  # on to the codebook chooser; the name is taken
    assert QApplication.focusWidget() is panel.codebook_box and panel.coder == "ana"
    assert panel.codebook_box.currentText() == MULTI.name  # the first, alphabetically
    key(qtbot, K.Key_Down)
    assert panel.book.name == BOOK.name
    key(qtbot, K.Key_K, CTRL)  # back to the coding keys
    assert QApplication.focusWidget() is panel
    assert panel.message == ""
    assert [b.text() for b in panel.code_buttons] == [
        "1  Housing",
        "2  Transport",
        "3  Health",
        "0  none of these",
    ]
    assert "Rents, house prices" in panel.code_buttons[0].toolTip()
    assert panel.row_id == 0 and current_row(window) == 0
    assert panel.progress_label.text() == f"0 of {ROWS} coded by ana"

    key(qtbot, K.Key_1)  # row 0: Housing, on to row 1
    assert panel.row_id == 1 and current_row(window) == 1
    key(qtbot, K.Key_3)  # row 1: Health
    key(qtbot, K.Key_2)  # row 2: Transport
    assert panel.row_id == 3 and current_row(window) == 3
    key(qtbot, K.Key_S)  # skip row 3
    assert panel.row_id == 4 and current_row(window) == 4
    key(qtbot, K.Key_Left)  # back to row 3
    assert panel.row_id == 3 and current_row(window) == 3
    key(qtbot, K.Key_0)  # row 3: none of these
    assert panel.row_id == 4
    key(qtbot, K.Key_Z, CTRL)  # undo: row 3 uncoded again, and shown
    assert panel.row_id == 3 and current_row(window) == 3
    assert panel.codes(3) == ()
    key(qtbot, K.Key_Z, CTRL | SHIFT)  # redo: none again
    assert panel.codes(3) == ("none",) and panel.row_id == 3
    assert [b.isChecked() for b in panel.code_buttons] == [False, False, False, True]
    # A memo: M, digits typed there are text, not codes; Enter saves it and comes back.
    key(qtbot, K.Key_M)
    assert QApplication.focusWidget() is panel.memo
    type_text("sarcastic? see 12")
    assert panel.codes(3) == ("none",) and panel.row_id == 3
    key(qtbot, K.Key_Return)
    assert QApplication.focusWidget() is panel and panel.row_id == 3
    key(qtbot, K.Key_1)  # row 3 recoded Housing, the memo kept; on to row 4
    assert panel.row_id == 4 and current_row(window) == 4
    assert panel.progress_label.text() == f"4 of {ROWS} coded by ana"

    # The table drives the panel too.
    window.table.setCurrentIndex(window.model.index(window.model.view_row(9), 0))
    assert panel.row_id == 9

    now, clicks = stored(project_path)
    memo = "sarcastic? see 12"
    assert now == {
        0: (("Housing",), ""),
        1: (("Health",), ""),
        2: (("Transport",), ""),
        3: (("Housing",), memo),
    }
    assert clicks == {
        0: [(("Housing",), "")],
        1: [(("Health",), "")],
        2: [(("Transport",), "")],
        3: [(("none",), ""), ((), ""), (("none",), ""), (("none",), memo), (("Housing",), memo)],
    }


def test_multi_label_keys_toggle_and_enter_moves_on(qtbot, opened, project_path):
    window = opened
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText(MULTI.name)
    type_text("ben")
    key(qtbot, K.Key_Return)
    assert panel.book.multi_label and "Multi-label" in panel.mode_label.text()
    key(qtbot, K.Key_1)
    key(qtbot, K.Key_3)
    assert panel.row_id == 0 and panel.codes() == ("Housing", "Health")
    key(qtbot, K.Key_1)  # off again
    assert panel.codes() == ("Health",)
    key(qtbot, K.Key_Return)
    assert panel.row_id == 1 and current_row(window) == 1
    key(qtbot, K.Key_2)
    key(qtbot, K.Key_0)  # "none": the other codes go
    assert panel.codes() == ("none",)
    key(qtbot, K.Key_Enter)
    assert panel.row_id == 2
    key(qtbot, K.Key_Z, CTRL)  # undoes the last toggle, back on row 1
    assert panel.row_id == 1 and panel.codes() == ("Transport",)
    key(qtbot, K.Key_Escape)  # to the table: undo and redo still work there
    assert QApplication.focusWidget() is window.table
    key(qtbot, K.Key_Z, CTRL | SHIFT)
    assert panel.codes(1) == ("none",)
    key(qtbot, K.Key_Z, CTRL)
    assert panel.codes(1) == ("Transport",) and current_row(window) == 1

    now, clicks = stored(project_path, MULTI.name, "ben")
    assert now == {0: (("Health",), ""), 1: (("Transport",), "")}
    assert [c for c, _ in clicks[0]] == [("Housing",), ("Housing", "Health"), ("Health",)]
    assert [c for c, _ in clicks[1]] == [
        ("Transport",),
        ("none",),
        ("Transport",),
        ("none",),
        ("Transport",),
    ]


def test_digits_in_the_coder_and_memo_fields_do_not_code(qtbot, opened, project_path):
    window = opened
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText(BOOK.name)
    type_text("ana 2")
    assert panel.coder_edit.text() == "ana 2" and panel.codes() == ()
    key(qtbot, K.Key_Backspace)
    key(qtbot, K.Key_Backspace)
    key(qtbot, K.Key_Return)
    assert panel.coder == "ana" and QApplication.focusWidget() is panel
    key(qtbot, K.Key_M)
    type_text("1 2 3 0")
    assert panel.memo.text() == "1 2 3 0" and panel.codes() == ()
    with Project.open(project_path) as p:
        assert hc.current(p, BOOK.name) == []  # digits typed: nothing coded or stored
    key(qtbot, K.Key_Escape)  # back to the coding keys; the memo left is saved
    assert QApplication.focusWidget() is panel and panel.row_id == 0
    key(qtbot, K.Key_S)  # leaving the row: nothing more to save
    assert panel.row_id == 1
    now, clicks = stored(project_path)
    assert now == {0: ((), "1 2 3 0")} and clicks == {0: [((), "1 2 3 0")]}
    # Another coder takes over the panel on row 0: ana's memo is not theirs.
    key(qtbot, K.Key_Left)
    assert panel.row_id == 0 and panel.memo.text() == "1 2 3 0"
    panel.coder_edit.setFocus()
    panel.coder_edit.selectAll()
    type_text("ben")
    key(qtbot, K.Key_Return)
    assert panel.coder == "ben" and panel.memo.text() == ""
    key(qtbot, K.Key_S)
    with Project.open(project_path) as p:
        assert hc.current(p, BOOK.name, "ben") == []


def test_filters_change_the_rows_to_code(qtbot, opened, project_path):
    window = opened
    with Project.open(project_path) as p:
        for r, code in ((0, "Housing"), (2, "Health"), (5, "Transport")):
            hc.record(p, BOOK, "ana", r, [code])
        hc.record(p, BOOK, "ben", 1, ["Health"])
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText(BOOK.name)
    type_text("ana")
    key(qtbot, K.Key_Return)
    assert panel.which == "uncoded"
    assert panel.rows == [r for r in range(ROWS) if r not in (0, 2, 5)]
    assert panel.row_id == 1  # the first uncoded row, selected in the table
    assert current_row(window) == 1
    assert panel.progress_label.text() == f"3 of {ROWS} coded by ana"
    key(qtbot, K.Key_1)
    assert panel.row_id == 3  # row 2 is coded already: not in this list
    panel.set_filter("coded")
    assert panel.rows == [0, 1, 2, 5]
    panel.set_filter("all")
    assert panel.rows == list(range(ROWS))
    panel.set_filter("disagree")
    assert panel.rows == [] and "No model has coded" in panel.message
    assert panel.notice_button.text().startswith("Run a model")
    # A model run of this codebook: the rows where it says otherwise.
    add_code_run(project_path, BOOK, {0: "Housing", 1: "Health", 2: "Transport"})
    panel.reload_codebooks()
    panel.set_filter("all")
    panel.set_filter("disagree")
    assert panel.rows == [1, 2] and panel.message == ""
    assert panel.row_id == 1
    assert "Health" in panel.model_label.text() and "differs" in panel.model_label.text()


def test_the_sample_is_stored_for_every_coder(qtbot, opened, project_path, new_window):
    window = opened
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText(BOOK.name)
    type_text("ana")
    key(qtbot, K.Key_Return)
    sample = panel.samples.draw("random", 5, seed=3)
    assert panel.sample_label.text() == "sample of 5 (seed 3)"
    assert panel.rows == list(sample.rows) and panel.row_id == sample.rows[0]
    assert panel.progress_label.text() == "0 of 5 coded by ana"
    key(qtbot, K.Key_2)
    assert panel.row_id == sample.rows[1]
    assert panel.progress_label.text() == "1 of 5 coded by ana"
    with Project.open(project_path) as p:
        assert load_sample(p, BOOK.name) == sample
        assert load_sample(p, MULTI.name) is None

    # Another coder, in another window on the same file: the same rows.
    other = new_window()
    open_project(qtbot, other, project_path)
    other.activateWindow()
    other.coding.act_open.trigger()
    second = other.coding
    second.codebook_box.setCurrentText(BOOK.name)
    second.coder_edit.setText("ben")
    second.coder_edit.editingFinished.emit()
    assert second.sample == sample and second.rows == list(sample.rows)
    assert second.sample_label.text() == "sample of 5 (seed 3)"
    assert second.progress_label.text() == "0 of 5 coded by ben"

    strat = panel.samples.draw("stratified", 1, seed=2, column="wave")
    assert panel.sample_label.text().startswith("stratified by wave: 1 per group")
    frame = window.corpus.frame
    assert sorted(frame["wave"].iloc[list(strat.rows)]) == sorted(frame["wave"].unique())


def test_the_coder_name_is_remembered_per_project(qtbot, opened, project_path, new_window):
    open_panel(qtbot, opened)
    type_text("ana")
    key(qtbot, K.Key_Return)
    other = new_window()
    open_project(qtbot, other, project_path)
    other.coding.act_open.trigger()
    assert other.coding.coder == "ana" and other.coding.coder_edit.text() == "ana"
    assert other.coding.book.name == MULTI.name
    other.coding.codebook_box.setCurrentText(BOOK.name)
    third = new_window()
    open_project(qtbot, third, project_path)
    third.coding.act_open.trigger()
    assert third.coding.book.name == BOOK.name and third.coding.coder == "ana"


def test_no_project_and_no_codebook_say_what_to_do(qtbot, window, open_file, small_csv, tmp_path):
    open_file(small_csv)
    window.activateWindow()
    window.table.setFocus()
    panel = open_panel(qtbot, window)
    assert "save the corpus as a project first (Ctrl+S)" in panel.message
    assert panel.notice_button.isVisible() and "Save as a project" in panel.notice_button.text()
    assert not panel.work.isVisible() and not panel.coder_edit.isEnabled()
    key(qtbot, K.Key_1)  # nothing to code into: nothing happens, nothing breaks
    assert panel.notice_button.text() == "Save as a project… (Ctrl+S)"
    # Saved as a project (what the button starts): no codebook yet, a button to write one.
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.save_project_to(tmp_path / "answers.llmstudio")
    assert "no codebook yet" in panel.message and panel.coder_edit.isEnabled()
    path = make_project(tmp_path / "empty.llmstudio", sample_frame().head(4).copy())
    open_project(qtbot, window, path)
    assert "no codebook yet" in panel.message
    assert "codebook editor" in panel.notice_button.text()
    assert panel._notice_action is window.runs.act_codebooks


def test_f1_lists_the_coding_keys(qtbot, opened):
    text = opened.help.show_shortcuts().text()
    for words in (
        "Code by Hand",
        "Ctrl+K",
        "Undo Coding",
        "Ctrl+Z",
        "Redo Coding",
        "Ctrl+Shift+Z",
        "1–9, 0",
        "→ or S / ← or B",
    ):
        assert words in text, words
    opened.help.pages["shortcuts"].close()
    act = opened.coding.act_open
    menu = [a for a in opened.menuBar().actions() if a.text() == "&Analyse"][0].menu()
    assert act in menu.actions() and act.isEnabled()


def test_screenshot_of_the_coding_panel(qtbot, window, tmp_path):
    frame = sample_frame().head(60).copy()
    path = make_project(tmp_path / "survey.llmstudio", frame)
    book = Codebook(
        codes=(
            Code("Housing", "Rents, house prices, homelessness, new homes"),
            Code("Transport", "Buses, trains, roads, potholes, parking"),
            Code("Health", "Hospitals, GPs, waiting lists, care"),
            Code("Crime", "Safety, policing, antisocial behaviour"),
            Code("Environment", "Pollution, flooding, climate, green spaces"),
            Code("Economy", "Jobs, wages, prices, local business"),
        ),
        name="Local issues",
        none_option=True,
    )
    with Project.open(path) as p:
        p.save_codebook(book)
        for r, code in ((0, "Environment"), (1, "Crime"), (2, "Environment")):
            hc.record(p, book, "ana", r, [code])
    window.resize(1440, 860)
    open_project(qtbot, window, path)
    window.activateWindow()
    window.coding.act_open.trigger()
    panel = window.coding
    panel.coder_edit.setText("ana")
    panel.coder_edit.editingFinished.emit()
    sample = panel.samples.draw("stratified", 5, seed=1, column="group")
    add_code_run(
        path,
        book,
        {r: ("Housing", "Transport", "Economy")[k % 3] for k, r in enumerate(sample.rows)},
    )
    panel.reload_codebooks()
    panel.set_filter("all")
    panel.setFocus()
    start = panel.rows.index(panel.row_id)
    for k in (K.Key_1, K.Key_5, K.Key_6, K.Key_Left):
        QTest.keyClick(panel, k)
    shown = panel.row_id
    assert shown == panel.rows[start + 2] and panel.codes() == ("Economy",)
    panel.memo.setText("mentions the bypass too")
    qtbot.wait(50)
    out = tmp_path / "coding_panel.png"  # for a look (docs/images/coding_panel.png is one)
    assert window.grab().save(str(out))
    assert panel.text.toPlainText() == frame["text"].iloc[shown]


def test_sample_dialog_mouse_clicks_and_dropping_the_sample(
    qtbot, opened, project_path, monkeypatch
):
    from llmstudio.gui.coding.sample_dialog import SampleDialog

    panel = open_panel(qtbot, opened)
    panel.codebook_box.setCurrentText(BOOK.name)
    type_text("ana")
    key(qtbot, K.Key_Return)

    def exec_(dialog):
        dialog.stratified.setChecked(True)
        dialog.n.setValue(2)
        dialog.column.setCurrentText("wave")
        dialog.seed.setValue(4)
        return SampleDialog.DialogCode.Accepted

    monkeypatch.setattr(SampleDialog, "exec", exec_)
    panel.samples.ask()
    assert panel.sample.kind == "stratified" and panel.sample.column == "wave"
    assert panel.sample.seed == 4 and panel.sample_label.text().startswith("stratified by wave")
    first = panel.row_id
    assert first == panel.sample.rows[0]
    qtbot.mouseClick(panel.code_buttons[1], Qt.MouseButton.LeftButton)  # Transport
    assert panel.codes(first) == ("Transport",) and panel.row_id == panel.sample.rows[1]
    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert panel.row_id == first and panel.code_buttons[1].isChecked()
    assert panel.hasFocus() or QApplication.focusWidget() is panel  # keys code next
    panel.act_no_sample.trigger()
    assert panel.sample is None and panel.sample_label.text() == "all rows"
    with Project.open(project_path) as p:
        assert load_sample(p, BOOK.name) is None
        assert [c.codes for c in hc.current(p, BOOK.name, "ana")] == [("Transport",)]


def test_a_memo_being_typed_is_saved_when_another_project_opens(
    qtbot, opened, project_path, tmp_path
):
    window = opened
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText(BOOK.name)
    type_text("ana")
    key(qtbot, K.Key_Return)
    key(qtbot, K.Key_M)
    type_text("check the date")
    assert QApplication.focusWidget() is panel.memo  # still typing
    other = make_project(tmp_path / "other.llmstudio", sample_frame().head(3).copy())
    open_project(qtbot, window, other)
    now, _ = stored(project_path)
    assert now == {0: ((), "check the date")}


def cell(window, row_id: int, column: str):
    """What the table shows in ``column`` for the row with id ``row_id``."""
    model = window.model
    return model.index(model.view_row(row_id), model.column_index(column)).data()


def test_codes_made_by_hand_are_table_columns_live_and_after_reopening(
    qtbot, opened, project_path, new_window
):
    window = opened
    open_panel(qtbot, window)
    type_text("ana")
    key(qtbot, K.Key_Tab)
    key(qtbot, K.Key_Down)  # the single-label codebook
    key(qtbot, K.Key_K, CTRL)
    column = "human_local_issues_ana"  # the name an export gives it
    key(qtbot, K.Key_1)
    key(qtbot, K.Key_3)
    assert cell(window, 0, column) == "Housing" and cell(window, 1, column) == "Health"
    assert "by ana" in window.model.headerData(
        window.model.column_index(column), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    key(qtbot, K.Key_Z, CTRL)  # undo: row 1 uncoded, its cell empty again
    assert cell(window, 1, column) == ""
    key(qtbot, K.Key_0)  # row 1: none of these
    assert cell(window, 1, column) == "none"

    other = new_window()
    open_project(qtbot, other, project_path)
    qtbot.waitUntil(
        lambda: (
            column
            in [
                str(other.model.headerData(c, Qt.Orientation.Horizontal))
                for c in range(other.model.columnCount())
            ]
        )
    )
    assert [cell(other, r, column) for r in range(3)] == ["Housing", "none", ""]


def test_two_digit_keys_with_more_than_nine_codes(qtbot, window, tmp_path):
    names = [f"Topic {k}" for k in range(1, 13)]
    book = Codebook(codes=tuple(Code(n) for n in names), name="Many", none_option=True)
    path = make_project(tmp_path / "many.llmstudio", sample_frame().head(ROWS).copy())
    with Project.open(path) as p:
        p.save_codebook(book)
    open_project(qtbot, window, path)
    panel = window.coding
    panel.act_open.trigger()
    panel.codebook_box.setCurrentText(book.name)
    panel.coder_edit.setText("ana")
    panel.coder_edit.editingFinished.emit()
    panel.setFocus()
    assert [b.text() for b in panel.code_buttons][9:] == [
        "10  Topic 10",
        "11  Topic 11",
        "12  Topic 12",
        "0  none of these",
    ]
    assert "1–12</b> code (two digits" in panel.keys_label.text()
    for k in (K.Key_1, K.Key_2):  # row 0: code 12
        QTest.keyClick(panel, k)
    QTest.keyClick(panel, K.Key_3)  # row 1: code 3 at once (no code 30)
    QTest.keyClick(panel, K.Key_1)  # row 2: 1 waits for a second digit...
    assert panel.row_id == 2 and panel.codes(2) == ()
    qtbot.waitUntil(lambda: panel.codes(2) == ("Topic 1",), timeout=3000)  # ...then code 1
    QTest.keyClick(panel, K.Key_1)  # row 3: 1, then 0 quickly: code 10
    QTest.keyClick(panel, K.Key_0)
    QTest.keyClick(panel, K.Key_0)  # row 4: 0 alone: none of these
    QTest.keyClick(panel, K.Key_1)  # row 5: 1 then S: code 1 given, then S skips row 6
    QTest.keyClick(panel, K.Key_S)
    assert panel.row_id == 7
    now, _ = stored(path, book.name)
    assert {r: c for r, (c, _memo) in now.items()} == {
        0: ("Topic 12",),
        1: ("Topic 3",),
        2: ("Topic 1",),
        3: ("Topic 10",),
        4: ("none",),
        5: ("Topic 1",),
    }

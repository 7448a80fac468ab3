"""The memo browser in the real window: every kind listed, the search and filters narrow
the list, an edit is saved after a pause in the typing (and when the window closes), a
row or passage memo edited keeps its place in the list, Show rows goes to the rows, a
new project memo; the passage and code memo dialogs; a kill while typing loses at most
the last pause."""

from __future__ import annotations

import os
import signal
import textwrap

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmstudio.core import human_codes as hc
from llmstudio.core import memos
from llmstudio.core import passages as ps
from llmstudio.core.coder_prefs import remember_coder
from llmstudio.core.project import Project
from llmstudio.gui.memos.memo_dialog import code_memo_dialog, passage_memo_dialog
from llmstudio.gui.memos.memo_editor import PAUSE_MS

from helpers import window_child
from helpers.gui import open_project
from helpers.memos import corpus, make
from helpers.window_child import OPEN_WINDOW


@pytest.fixture
def browser(qtbot, window, tmp_path):
    open_project(qtbot, window, make(tmp_path / "memos.llmstudio"))
    window.memos.act_open.trigger()
    assert window.memos.isVisible()
    return window.memos


def listed(browser) -> list[tuple[str, str, str]]:
    m = browser.table.model()
    return [tuple(m.index(r, c).data() for c in (0, 1, 2)) for r in range(m.rowCount())]


def choose(browser, kind: str, on: str | None = None) -> None:
    for row, memo in enumerate(browser.shown):
        if memo.kind == kind and (on is None or on in memo.text or on == memo.title):
            browser.table.selectRow(row)
            return
    raise AssertionError(f"no {kind} memo listed")


def test_every_kind_is_listed_and_the_filters_narrow_it(browser):
    assert listed(browser) == [
        ("Project", "the project", "ana"),
        ("Project", "the project", "ben"),
        ("Code", "code Rents", "ana"),
        ("Row", "row 1", "ana"),
        ("Passage", "row 1, passage coded Rents", "ana"),
    ]
    assert browser.count.text() == "5 memos"
    browser.search.setText("bus")
    assert [k for k, _, _ in listed(browser)] == ["Project", "Row"]
    assert browser.count.text() == "2 of 5 memos"
    browser.search.clear()
    browser.kind.setCurrentIndex(browser.kind.findData("passage"))
    assert listed(browser) == [("Passage", "row 1, passage coded Rents", "ana")]
    browser.kind.setCurrentIndex(0)
    browser.author.setCurrentIndex(browser.author.findData("ben"))
    assert listed(browser) == [("Project", "the project", "ben")]
    browser.author.setCurrentIndex(0)
    browser.code.setCurrentIndex(browser.code.findData("Rents"))
    assert [k for k, _, _ in listed(browser)] == ["Code", "Passage"]
    browser.search.setText("nothing like this")
    assert listed(browser) == [] and not browser.editor.isEnabled()


def test_an_edit_is_saved_after_a_pause_and_keeps_the_earlier_text(qtbot, window, browser):
    choose(browser, "project", "Sampling")
    editor = browser.editor
    assert editor.title.isVisibleTo(editor) and editor.title.text() == "Sampling"
    QTest.keyClicks(editor.text, " Added later.")
    stored = next(m for m in memos.all_memos(window.project) if m.title == "Sampling")
    assert "Added later" not in stored.text and editor.pending  # not yet: typing goes on
    qtbot.waitUntil(lambda: not editor.pending, timeout=PAUSE_MS * 5)
    stored = next(m for m in memos.all_memos(window.project) if m.title == "Sampling")
    assert stored.text.endswith("Then the south. Added later.")
    assert len(memos.versions(window.project, stored)) == 2
    assert editor.state.text().startswith("Saved")


def test_a_row_memo_edited_stays_chosen_and_is_a_new_click(qtbot, window, browser):
    choose(browser, "row")
    assert browser.context.text().startswith("Row 1: “Rents have doubled and the buses")
    QTest.keyClicks(browser.editor.text, " NEW")  # at the end, where the cursor is
    qtbot.waitUntil(lambda: not browser.editor.pending, timeout=PAUSE_MS * 5)
    latest = hc.coding_of(window.project, "Issues", "ana", 0)
    assert latest.memo == "landlords blamed; bus cuts too NEW"
    assert latest.codes == ("Housing", "Transport")
    assert browser.current().id == latest.id and browser.current().text == latest.memo
    row = browser.table.selectionModel().selectedRows()[0].row()
    assert browser.table.model().index(row, 4).data().endswith(" NEW")


def test_the_coding_panel_reads_a_row_memo_edited_in_the_browser(qtbot, window, browser):
    panel = window.coding
    panel.act_open.trigger()
    panel.codebook_box.setCurrentText("Issues")
    panel.coder_edit.setText("ana")
    panel.coder_entered()
    panel.set_filter("all")
    panel.goto(0)
    assert panel.row_id == 0 and panel.memo.text() == "landlords blamed; bus cuts too"
    choose(browser, "row")
    QTest.keyClicks(browser.editor.text, " and fares")
    qtbot.waitUntil(lambda: not browser.editor.pending, timeout=PAUSE_MS * 5)
    # the panel's next click on the row must not put the old memo back
    assert panel.memo.text() == "landlords blamed; bus cuts too and fares"


def test_coding_blind_lists_only_the_coders_own_memos(qtbot, window, browser):
    panel = window.coding
    panel.act_open.trigger()
    panel.codebook_box.setCurrentText("Issues")
    panel.coder_edit.setText("ben")
    panel.coder_entered()
    assert browser.count.text() == "5 memos" and not browser.blind_note.isVisible()
    panel.set_blind(True)
    assert listed(browser) == [("Project", "the project", "ben")]
    assert browser.blind_note.isVisible() and "blind as ben" in browser.blind_note.text()
    panel.set_blind(False)
    assert browser.count.text() == "5 memos"


def test_a_passage_memo_from_the_coding_panels_menu_is_undoable(
    qtbot, monkeypatch, window, browser
):
    panel = window.coding
    panel.act_open.trigger()
    panel.codebook_box.setCurrentText("Issues")
    panel.coder_edit.setText("ana")
    panel.coder_entered()
    panel.set_filter("all")
    panel.goto(0)
    before = ps.find(window.project, "Issues", coder="ana")[0]

    def type_and_close(dialog):
        QTest.keyClicks(dialog.editor.text, " (and 'have')")
        dialog.reject()
        return 0

    monkeypatch.setattr("llmstudio.gui.memos.memo_dialog.MemoDialog.exec", type_and_close)
    menu = panel.passage_coding.menu_for(panel.text.at(2))
    (memo_action,) = [a for a in menu.actions() if a.text() == "Memo on ‘Rents’…"]
    memo_action.trigger()
    (now,) = ps.find(window.project, "Issues", coder="ana")
    assert now.memo == "the word 'doubled' matters (and 'have')" and now.replaces == before.id
    panel.undo()  # Ctrl+Z: the memo as it was
    (back,) = ps.find(window.project, "Issues", coder="ana")
    assert back.id == before.id and back.memo == "the word 'doubled' matters"


def test_show_rows_goes_to_the_memos_rows(window, browser):
    choose(browser, "passage")
    assert browser.context.text() == "Passage of row 1, Rents: “Rents”"
    browser.btn_show.click()
    assert window.table.currentIndex().row() == window.model.view_row(0)
    choose(browser, "code")
    browser.btn_show.click()
    assert window.model.rowCount() == 1  # row 1 has passages coded Rents
    choose(browser, "project")
    assert not browser.btn_show.isEnabled()


def test_a_new_project_memo(qtbot, window, browser):
    browser.new_author.setText("carla")
    browser.btn_new.click()
    assert browser.current().author == "carla" and browser.current().title == "New memo"
    browser.editor.title.clear()
    QTest.keyClicks(browser.editor.title, "Coding rules")
    QTest.keyClicks(browser.editor.text, "Code the whole answer first.")
    qtbot.waitUntil(lambda: not browser.editor.pending, timeout=PAUSE_MS * 5)
    got = [m for m in memos.all_memos(window.project) if m.author == "carla"]
    assert [(m.title, m.text) for m in got] == [("Coding rules", "Code the whole answer first.")]
    assert ("Project", "the project", "carla") in listed(browser)


def test_enter_in_the_search_box_starts_no_memo(qtbot, window, browser):
    browser.search.setFocus()
    QTest.keyClicks(browser.search, "bus")
    QTest.keyClick(browser.search, Qt.Key.Key_Return)
    assert len(memos.all_memos(window.project)) == 5 and browser.isVisible()


def test_a_memo_on_a_code_from_the_browser(qtbot, monkeypatch, window, browser):
    asked = []

    def pick(parent, title, label, items, current, editable):
        asked.extend(items)
        return "Issues › Health", True

    def type_and_close(dialog):
        QTest.keyClicks(dialog.editor.text, "Health means services here.")
        dialog.reject()
        return 0

    monkeypatch.setattr("PySide6.QtWidgets.QInputDialog.getItem", pick)
    monkeypatch.setattr("llmstudio.gui.memos.memo_dialog.MemoDialog.exec", type_and_close)
    browser.new_author.setText("dora")
    browser.btn_code.click()
    assert asked == [f"Issues › {c}" for c in ("Housing", "Rents", "Transport", "Health")]
    memo = memos.code_memo(window.project, "Issues", "Health", "dora")
    assert memo.text == "Health means services here."
    assert browser.current().key == memo.key  # listed and chosen


def test_a_project_without_a_codebook_has_no_code_to_write_about(qtbot, window, tmp_path):
    with Project.create(tmp_path / "bare.llmstudio", corpus()):
        pass
    open_project(qtbot, window, tmp_path / "bare.llmstudio")
    window.memos.act_open.trigger()
    assert window.memos.count.text() == "0 memos" and not window.memos.editor.isEnabled()
    window.memos.btn_code.click()
    assert window.memos.count.text() == "The project has no codebook: no code to write about"


def test_the_memos_listed_are_exported(monkeypatch, window, browser, tmp_path):
    browser.kind.setCurrentIndex(browser.kind.findData("project"))
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getSaveFileName",
        lambda *a: (str(tmp_path / "memos.csv"), "CSV (*.csv)"),
    )
    browser.btn_export.click()
    assert browser.count.text() == "2 memos written to memos.csv"
    got = pd.read_csv(tmp_path / "memos.csv", keep_default_na=False)
    assert got["title"].tolist() == ["Sampling", "Doubts"]
    assert got["author"].tolist() == ["ana", "ben"] and set(got["kind"]) == {"project"}
    assert got["memo"][0] == "We coded every answer from the north first.\nThen the south."


def test_an_export_that_cannot_be_written_says_why(qtbot, window, browser, tmp_path):
    errors = []
    window.sig_error.connect(errors.append)
    assert not browser.export_to(str(tmp_path / "memos.docx"))
    assert errors and ".docx" in errors[0]
    assert not (tmp_path / "memos.docx").exists()


def test_deleting_takes_a_project_memo_out_of_the_list(window, browser):
    choose(browser, "project", "Doubts")
    browser.btn_delete.click()
    assert "ben" not in [a for _, _, a in listed(browser)]
    choose(browser, "row")
    assert not browser.btn_delete.isEnabled()


def test_typing_is_saved_when_the_window_closes(window, browser):
    choose(browser, "code")
    QTest.keyClicks(browser.editor.text, " Last words.")
    assert browser.editor.pending
    path = window.project.path
    window.close()
    with Project.open(path) as p:
        assert memos.code_memo(p, "Issues", "Rents", "ana").text.endswith("child. Last words.")


def test_the_passage_memo_dialog(qtbot, window, tmp_path):
    path = make(tmp_path / "p.llmstudio")
    with Project.open(path) as p:
        passage = ps.find(p, "Issues", coder="ben")[0]
        dialog = passage_memo_dialog(window, p, passage.id)
        qtbot.addWidget(dialog)
        assert "Potholes" in dialog.heading.text() and "ben" in dialog.heading.text()
        QTest.keyClicks(dialog.editor.text, "potholes are roads")
        dialog.reject()  # Close saves what is pending
        now = dialog.editor.memo
        assert now.passage_id != passage.id
        assert ps.get(p, now.passage_id).memo == "potholes are roads"
        assert not ps.get(p, passage.id).in_force  # kept, replaced


def test_the_passage_memo_dialog_saves_through_the_callers_step(qtbot, window, tmp_path):
    path = make(tmp_path / "s.llmstudio")
    with Project.open(path) as p:
        passage = ps.find(p, "Issues", coder="ben")[0]
        steps = []

        def change(passage_id, memo):  # e.g. the coding session's undoable step
            new = ps.change(p, p.codebook("Issues"), passage_id, memo=memo).id
            steps.append((passage_id, memo, new))
            return new

        dialog = passage_memo_dialog(window, p, passage.id, change)
        qtbot.addWidget(dialog)
        QTest.keyClicks(dialog.editor.text, "roads")
        qtbot.waitUntil(lambda: not dialog.editor.pending, timeout=PAUSE_MS * 5)
        QTest.keyClicks(dialog.editor.text, "!")
        dialog.reject()
        (old, text, new), (old2, text2, new2) = steps  # one step per pause, chained
        assert (old, text, old2, text2) == (passage.id, "roads", new, "roads!")
        assert dialog.editor.memo.passage_id == new2
        assert ps.get(p, new2).memo == "roads!"


def test_the_code_memo_dialog_makes_the_first_memo(qtbot, window, tmp_path):
    path = make(tmp_path / "c.llmstudio")
    with Project.open(path) as p:
        dialog = code_memo_dialog(window, p, "Issues", "Health", "ben")
        qtbot.addWidget(dialog)
        assert dialog.editor.memo is None
        QTest.keyClicks(dialog.editor.text, "waiting lists dominate")
        qtbot.waitUntil(lambda: not dialog.editor.pending, timeout=PAUSE_MS * 5)
        assert memos.code_memo(p, "Issues", "Health", "ben").text == "waiting lists dominate"
        QTest.keyClicks(dialog.editor.text, "!")
        dialog.reject()
        assert memos.code_memo(p, "Issues", "Health", "ben").text == "waiting lists dominate!"
        assert len(memos.versions(p, dialog.editor.memo)) == 2


def test_a_save_that_is_refused_says_so_and_keeps_the_text(qtbot, window, tmp_path):
    path = make(tmp_path / "r.llmstudio")
    with Project.open(path) as p:
        passage = ps.find(p, "Issues", coder="ben")[0]
        dialog = passage_memo_dialog(window, p, passage.id)
        qtbot.addWidget(dialog)
        ps.remove(p, passage.id)  # meanwhile, elsewhere (another window on the project)
        with qtbot.waitSignal(dialog.editor.sig_failed, timeout=PAUSE_MS * 5) as failed:
            QTest.keyClicks(dialog.editor.text, "too late")
        assert "was removed" in failed.args[0]
        assert dialog.editor.state.text().startswith("Not saved: passage")
        assert dialog.editor.text.toPlainText() == "too late" and dialog.editor.pending


def test_a_code_memo_from_the_codebook_editor(qtbot, monkeypatch, window, tmp_path):
    from llmstudio.gui.coding.codebook_editor import CodebookEditor

    path = make(tmp_path / "e.llmstudio")
    with Project.open(path) as p:
        editor = CodebookEditor(p, window, select="Issues")
        qtbot.addWidget(editor)
        form = editor.code_box
        editor.tree.set_current_index(1)  # Rents: ana wrote a memo on it
        assert form.memo_button.isEnabled() and form.memo_note.text() == "by ana"
        editor.tree.set_current_index(3)  # Health: none yet
        assert form.memo_note.text() == "none yet"

        def type_and_close(dialog):
            QTest.keyClicks(dialog.editor.text, "NHS only?")
            dialog.reject()
            return 0

        monkeypatch.setattr("llmstudio.gui.memos.memo_dialog.MemoDialog.exec", type_and_close)
        remember_coder("carla", str(path.resolve()))
        form.memo_button.click()
        assert memos.code_memo(p, "Issues", "Health", "carla").text == "NHS only?"
        assert form.memo_note.text() == "by carla"
        # the description (the code's definition) is untouched
        assert p.codebook("Issues").code("Health").description.startswith("Hospitals")
        editor.add_code("Fresh")  # not saved yet: no memo can refer to it
        assert not form.memo_button.isEnabled()
        assert form.memo_note.text() == "(once the code is saved)"


CHILD = OPEN_WINDOW + textwrap.dedent("""
    w.memos.act_open.trigger()
    b = w.memos
    row = next(i for i, m in enumerate(b.shown) if m.title == "Sampling")
    b.table.selectRow(row)
    for i in range(10**6):
        QTest.keyClicks(b.editor.text, f" word{i}")
        while b.editor.pending:  # the pause: the editor saves by itself
            app.processEvents()
        print(i, flush=True)
""")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_killing_the_window_while_typing_a_memo_loses_at_most_the_last_pause(tmp_path):
    path = make(tmp_path / "kill.llmstudio")
    child = window_child.start(CHILD, path, tmp_path)
    said = -1
    for line in child.stdout:
        said = int(line)
        if said >= 4:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert said >= 4, child.stderr.read()
    with Project.open(path) as p:
        memo = next(m for m in memos.all_memos(p) if m.title == "Sampling")
    words = [w for w in memo.text.split() if w.startswith("word")]
    assert words[: said + 1] == [f"word{i}" for i in range(said + 1)]
    assert len(words) in (said + 1, said + 2)


def test_the_open_browser_follows_a_code_renamed_in_the_editor(qtbot, window, browser):
    """The memos' codes named as the codebook now names them (the memos follow a rename
    in the project; the list open beside the editor named the old code)."""
    from llmstudio.gui.coding.codebook_editor import CodebookEditor

    editor = CodebookEditor(window.project, window, select="Issues")
    qtbot.addWidget(editor)
    editor._confirm = lambda *_: True  # the Yes of the rename's question
    editor.tree.set_current_index(editor.tree.titles().index("  Rents"))
    assert editor.rename_code("Rent costs")
    assert ("Code", "code Rent costs", "ana") in listed(browser)
    assert ("Passage", "row 1, passage coded Rent costs", "ana") in listed(browser)
    codes = [browser.code.itemText(i) for i in range(browser.code.count())]
    assert "Rent costs" in codes and "Rents" not in codes


def test_the_open_browser_follows_a_passage_memo_written_in_the_panel(
    qtbot, monkeypatch, window, browser
):
    """A passage memo changed from the coding panel while the browser shows it: the
    browser showed the old memo, and typing there was refused ("passage … was removed")."""
    panel = window.coding
    panel.act_open.trigger()
    panel.codebook_box.setCurrentText("Issues")
    panel.coder_edit.setText("ana")
    panel.coder_entered()
    panel.set_filter("all")
    panel.goto(0)
    choose(browser, "passage")

    def type_and_close(dialog):
        QTest.keyClicks(dialog.editor.text, " (and 'have')")
        dialog.reject()
        return 0

    monkeypatch.setattr("llmstudio.gui.memos.memo_dialog.MemoDialog.exec", type_and_close)
    menu = panel.passage_coding.menu_for(panel.text.at(2))
    (memo_action,) = [a for a in menu.actions() if a.text() == "Memo on ‘Rents’…"]
    memo_action.trigger()
    shown = {m.text for m in browser.shown if m.kind == "passage"}
    assert shown == {"the word 'doubled' matters (and 'have')"}
    choose(browser, "passage")
    QTest.keyClicks(browser.editor.text, " and more")
    browser.editor.save_pending()
    (now,) = ps.find(window.project, "Issues", coder="ana")
    assert now.memo == "the word 'doubled' matters (and 'have') and more"

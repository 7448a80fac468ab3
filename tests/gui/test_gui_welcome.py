"""The welcome screen shown when nothing is open."""

from __future__ import annotations

from PySide6.QtCore import Qt

from llmstudio.core.recent import add_recent
from llmstudio.gui.start.welcome import PATH_ROLE

from helpers.gui import wait_for_charts


def test_welcome_with_no_corpus(qtbot, window):
    assert window.stack.currentWidget() is window.welcome
    assert window.windowTitle() == "llmstudio"
    assert "Ctrl+O" in window.welcome.label.text()
    assert not window.welcome.recent_list.isVisible()  # nothing recent yet
    for action in (
        window.files.act_export,
        window.files.act_save,
        window.files.act_save_as,
        window.act_goto,
        window.act_copy,
        window.files.act_import,
    ):
        assert not action.isEnabled(), action.text()
    assert window.files.act_open.isEnabled() and window.files.act_new.isEnabled()
    assert window.rows_label.text() == ""
    # Actions with nothing open do nothing, and do not fail.
    window.search_bar.apply_order()
    window.copy_rows()
    window.files.save_project()
    assert window.corpus is None


def test_welcome_lists_recent_files_and_opens_one(qtbot, new_window, small_csv, tmp_path):
    gone = tmp_path / "deleted.csv"
    gone.write_text("a\n1\n", encoding="utf-8")
    add_recent(gone)
    add_recent(small_csv)
    gone.unlink()  # missing files are not offered

    window = new_window()  # reads the list when made
    assert window.welcome.recent_list.isVisible()
    items = [
        window.welcome.recent_list.item(i).data(PATH_ROLE)
        for i in range(window.welcome.recent_list.count())
    ]
    assert items == [str(small_csv.resolve())]
    window.files.fill_recent_menu()
    assert [a.text() for a in window.files.recent_menu.actions()] == items
    with qtbot.waitSignal(window.sig_loaded, timeout=20_000):
        window.welcome.recent_list.itemActivated.emit(window.welcome.recent_list.item(0))
    assert window.corpus.rows == 5 and window.files.act_export.isEnabled()
    assert window.stack.currentWidget() is window.splitter


def test_shortcuts_help_lists_the_keys(qtbot, window):
    page = window.help.show_shortcuts()
    text = page.text()
    for words in ("Ctrl+O", "Ctrl+F", "Esc", "Home End"):
        assert words in text, words
    page.close()
    assert window.isVisible() and window.testAttribute(Qt.WidgetAttribute.WA_WState_Visible)


def test_sample_button_opens_the_sample_project(window, qtbot, monkeypatch):
    from llmstudio.core.sample_project import sample_project_path

    started = []  # its first model run: tests/gui/test_gui_first_run.py
    monkeypatch.setattr(window.runs, "run", lambda spec: started.append(spec))
    with qtbot.waitSignal(window.sig_loaded, timeout=20000):
        window.welcome.sample_button.click()
    assert window.corpus.rows == 300
    assert window.corpus.text_column == "text"
    assert window.project.path == sample_project_path()
    assert window.stack.currentWidget() is window.splitter
    qtbot.waitUntil(lambda: len(started) == 1)
    assert started[0].model == "builtin"
    wait_for_charts(qtbot, window)

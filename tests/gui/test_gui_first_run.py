"""First run in the window: the start page's buttons and steps, the sample project (codes,
a model run, a chart), and the Help menu's windows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence

from llmstudio.core import human_codes
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.paths import log_dir, resources_dir
from llmstudio.core.recent import add_recent
from llmstudio.core.runner import run_job
from llmstudio.core.runs import run_infos
from llmstudio.core.sample_project import (
    SAMPLE_CODEBOOK,
    SAMPLE_CODER,
    needs_model_run,
    open_sample_project,
    sample_project_path,
)
from llmstudio.core.tasks import SentimentTask
from llmstudio.gui.charts.chart_kinds import GROUP_MEANS
from llmstudio.gui.start.welcome import PATH_ROLE, STEPS, folder_text

from helpers.gui import wait_for_charts

SAMPLE_TIMEOUT_MS = 30_000


@pytest.fixture
def sample_with_run(isolated_config):
    """The user's sample project made beforehand, with a finished sentiment run (the
    lexicon's: seconds faster than the builtin model's, which the slow test runs)."""
    project, _ = open_sample_project()
    try:
        run_job(project, SentimentTask(), LexiconBackend())
    finally:
        project.close()
    return sample_project_path()


def open_sample(qtbot, window):
    with qtbot.waitSignal(window.sig_loaded, timeout=SAMPLE_TIMEOUT_MS):
        window.welcome.sample_button.click()


def chart_state(window) -> tuple[int, str, str]:
    panel = window.charts.panel()
    return panel.kind.currentIndex(), panel.column.currentData(), panel.second.currentData()


# -- the start page ---------------------------------------------------------------------


def test_new_and_open_ask_for_a_file(qtbot, window, monkeypatch):
    asked = []
    monkeypatch.setattr(
        "llmstudio.gui.project.file_actions.QFileDialog.getOpenFileName",
        lambda _parent, title, *_a: asked.append(title) or ("", ""),
    )
    window.welcome.new_button.click()
    window.welcome.open_button.click()
    assert asked == ["Data for the new project", "Open a table or project"]
    assert window.corpus is None  # both cancelled: nothing opened


def test_recent_item_shows_name_folder_and_time_and_one_click_opens_it(
    qtbot, new_window, small_csv, tmp_path
):
    add_recent(small_csv)
    window = new_window()  # reads the list when made
    page = window.welcome
    assert page.recent_list.isVisible() and not page.no_recent.isVisible()
    item = page.recent_list.item(0)
    name_line, folder_line = item.text().split("\n")
    assert name_line == "answers.csv  (CSV file)"
    assert folder_line.startswith(str(small_csv.parent)) and "opened today" in folder_line
    assert item.data(PATH_ROLE) == str(small_csv.resolve())
    rect = page.recent_list.visualItemRect(item)
    with qtbot.waitSignal(window.sig_loaded, timeout=SAMPLE_TIMEOUT_MS):
        qtbot.mouseClick(page.recent_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.corpus.rows == 5 and window.source == small_csv.resolve()


def test_every_control_is_reached_with_tab_in_reading_order(window):
    page = window.welcome
    chain, widget = [page.new_button], page.new_button
    while len(chain) < 9:  # what Tab stops at, from New project on
        widget = widget.nextInFocusChain()
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(page):
            chain.append(widget)
    expected = [page.new_button, page.open_button, page.sample_button]
    expected += [page.step_buttons[key] for key, _title, _hint in STEPS]
    assert chain[: len(expected)] == expected
    assert all(w.focusPolicy() & Qt.FocusPolicy.TabFocus for w in expected)


def test_a_step_with_nothing_open_opens_the_sample_and_goes_there(qtbot, window, sample_with_run):
    with qtbot.waitSignal(window.sig_loaded, timeout=SAMPLE_TIMEOUT_MS):
        window.welcome.step_buttons["code"].click()
    assert window.project.path == sample_with_run
    qtbot.waitUntil(lambda: window.coding.dock.isVisible(), timeout=5000)
    hint = {k: h for k, _t, h in STEPS}["code"]
    assert window.statusBar().currentMessage() == hint
    window.first_run.step("charts")  # open now: straight there
    assert window.charts.dock.isVisible()
    assert window.statusBar().currentMessage() == {k: h for k, _t, h in STEPS}["charts"]
    wait_for_charts(qtbot, window)


def test_import_step_asks_for_a_file_and_opens_no_sample(qtbot, window, monkeypatch):
    asked = []
    monkeypatch.setattr(
        "llmstudio.gui.project.file_actions.QFileDialog.getOpenFileName",
        lambda *_a: asked.append(1) or ("", ""),
    )
    window.welcome.step_buttons["import"].click()
    assert asked == [1] and window.corpus is None and not window.background_work


# -- the sample project ------------------------------------------------------------------


def test_sample_opens_with_codes_a_run_and_a_chart(qtbot, window, sample_with_run):
    open_sample(qtbot, window)
    assert window.project.path == sample_with_run and window.corpus.rows == 300
    coded = human_codes.current(window.project, SAMPLE_CODEBOOK.name, SAMPLE_CODER)
    assert len(coded) == 40
    # The coders' columns and the run's are read in two background jobs: either may end
    # first (CI once saw the coders' before the run's), so both are waited for.
    qtbot.waitUntil(
        lambda: (
            any(name.startswith("human_") for name in window.model.result_names)
            and "sentiment_label" in window.model.result_names
        )  # the run's column in the table
    )
    assert window.runs.running() == []  # a finished run: nothing started again
    assert window.charts.dock.isVisible()
    # The run's columns are read after the corpus: then the chart turns to its mean.
    qtbot.waitUntil(lambda: chart_state(window)[0] == GROUP_MEANS, timeout=10_000)
    kind, column, group = chart_state(window)
    assert (kind, group) == (GROUP_MEANS, "column:group")
    assert column.startswith("signed:")  # the mean sentiment of the run, by party
    qtbot.waitUntil(lambda: not window.charts.panel().data.empty, timeout=10_000)
    assert set(window.charts.panel().data.iloc[:, 0]) >= {"Labour", "Green"}
    wait_for_charts(qtbot, window)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_first_sample_runs_the_builtin_model_in_the_background(qtbot, window):
    open_sample(qtbot, window)
    path = sample_project_path()
    assert window.project.path == path and path.is_file()
    qtbot.waitUntil(lambda: bool(window.runs.jobs))  # started once the window showed the project
    (job,) = window.runs.jobs
    assert window.runs.panel.isVisible()
    with qtbot.waitSignal(job.sig_ended, timeout=240_000):
        pass
    (info,) = run_infos(window.project)
    assert (info.task, info.model, info.answered) == ("sentiment", "builtin", 300)
    assert not needs_model_run(window.project)
    kind, column, _group = chart_state(window)
    assert kind == GROUP_MEANS and column.startswith("signed:")
    wait_for_charts(qtbot, window)


def test_a_sample_that_cannot_be_made_is_said(qtbot, window, tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(blocker))
    with qtbot.waitSignal(window.sig_error, timeout=SAMPLE_TIMEOUT_MS) as said:
        window.welcome.sample_button.click()
    assert "cannot create the folder for the sample project" in said.args[0]
    assert str(blocker / "data") in said.args[0]
    assert window.corpus is None and window.stack.currentWidget() is window.welcome


# -- the Help menu -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "title", "words"),
    [
        ("act_getting_started", "Getting started", ["Open the sample project", "Code 20"]),
        ("act_methods", "Methods guide", ["validate", "Methods Record", "kappa"]),
        ("act_about", "About", ["all-MiniLM-L6-v2", "Apache-2.0", "VADER", "pandas"]),
        ("act_shortcuts", "Keyboard shortcuts", ["Ctrl+O", "Home End"]),
    ],
)
def test_each_help_window_opens_with_its_content(qtbot, window, action, title, words):
    getattr(window.help, action).trigger()
    (page,) = [p for p in window.help.pages.values() if p.isVisible()]
    assert page.windowTitle().startswith(title)
    text = page.text()
    assert len(text) > 200
    for word in words:
        assert word in text, word
    getattr(window.help, action).trigger()  # asked again: the same window, raised
    assert [p for p in window.help.pages.values() if p.isVisible()] == [page]


def test_about_names_the_builtin_model_and_its_licence(window):
    window.help.show_about()
    html = window.help.pages["about"].browser.toHtml()
    row = next(row for row in html.split("<tr") if "all-MiniLM-L6-v2" in row)
    assert "Apache-2.0" in row and "builtin model" in row


def test_the_shortcuts_are_the_registered_actions(qtbot, window):
    text = window.help.show_shortcuts().text()
    registered = [
        (a.text().replace("&", "").rstrip("…").strip(), a.shortcut().toString())
        for a in window.findChildren(QAction)
        if not a.shortcut().isEmpty()
    ]
    assert len(registered) > 10
    for name, keys in registered:
        assert f"{name}\n{keys}" in text or f"{name}\t{keys}" in text, (name, keys)
    # A new action is listed the next time (never stale).
    window.addAction(window.make_action("Frobnicate", lambda: None, "Ctrl+Alt+F9"))
    window.help.pages["shortcuts"].close()
    assert "Frobnicate" in window.help.show_shortcuts().text()
    assert QKeySequence("Ctrl+Alt+F9").toString() in window.help.show_shortcuts().text()


def test_show_log_folder_opens_the_log_folder_made_if_missing(window, monkeypatch, isolated_config):
    opened = []
    monkeypatch.setattr(
        "llmstudio.gui.help.menu.QDesktopServices.openUrl",
        lambda url: opened.append(url) or True,
    )
    assert log_dir() == isolated_config / "logs"
    window.help.act_log.trigger()
    assert opened == [QUrl.fromLocalFile(str(isolated_config / "logs"))]
    assert log_dir().is_dir()


def test_show_log_folder_says_the_path_when_nothing_opens_it(qtbot, window, monkeypatch):
    monkeypatch.setattr("llmstudio.gui.help.menu.QDesktopServices.openUrl", lambda url: False)
    with qtbot.waitSignal(window.sig_error) as said:
        window.help.act_log.trigger()
    assert str(log_dir()) in said.args[0]


def test_recent_folders_read_as_a_researcher_knows_them(tmp_path):
    home = tmp_path / "home" / "ana"
    assert folder_text(resources_dir()) == "bundled with llmstudio"  # not the install path
    assert folder_text(home / "Documents" / "study", home=home) == "~/Documents/study"
    assert folder_text(tmp_path / "elsewhere", home=home) == str(tmp_path / "elsewhere")
    assert folder_text(home, home=home) == str(home)

"""Analyse › Replicate Run… and the Validate view's Run stability section: real widgets,
real worker threads, the fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from llmstudio.core.backends import make_backend
from llmstudio.core.model_config import Endpoint, ModelConfig, save_config
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask
from llmstudio.gui.common.consent_dialog import ConsentDialog
from llmstudio.gui.review.validation_view import ValidationView
from llmstudio.gui.runs.replicate_run import ReplicateDialog

from helpers.gui import make_project, open_project, sample_frame, wait_job

ROWS = 40


@pytest.fixture
def project_path(tmp_path, fake_openai):
    """A project with one finished API run (run 1) of the fake server, kept in Model settings."""
    path = make_project(tmp_path / "rep.llmstudio", sample_frame().head(ROWS))
    save_config(ModelConfig(endpoints=[Endpoint("fake", fake_openai.url)]))
    with Project.open(path) as project:
        backend = make_backend("openai:fake", base_url=fake_openai.url)
        run_job(project, SentimentTask(), backend)
        backend.close()
    fake_openai.reset()
    return path


def test_the_dialog_says_what_a_replicate_will_do_or_why_not(qtbot, project_path, tmp_path):
    with Project.open(project_path) as project:
        run_job(project, SentimentTask(), make_backend("lexicon"))  # run 2
        dialog = ReplicateDialog(project, run_id=1)
        qtbot.addWidget(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.change.setCurrentIndex(dialog.change.findData("temperature"))
        dialog.temperature.setValue(0.7)
        assert ok.isEnabled() and "changing temperature 0.7" in dialog.note.text()
        assert dialog.plan().backend_options == (
            ("max_tokens", 200),
            ("seed", 0),
            ("temperature", 0.7),
        )
        dialog.run.setCurrentIndex(dialog.run.findData(2))  # the lexicon has no temperature
        assert not ok.isEnabled() and "lexicon has no temperature" in dialog.note.text()
        dialog.change.setCurrentIndex(dialog.change.findData("nothing"))
        assert ok.isEnabled()
        assert "A deterministic model gives the same answers" in dialog.note.text()
        dialog.resize(640, dialog.sizeHint().height())
        dialog.grab().save(str(tmp_path / "replicate_dialog.png"))


def test_a_replicate_job_asks_again_and_shows_under_its_run_suffix(
    qtbot, window, project_path, fake_openai, monkeypatch, tmp_path
):
    open_project(qtbot, window, project_path)
    monkeypatch.setattr(ConsentDialog, "exec", lambda dialog: QDialog.DialogCode.Accepted)

    def answer(dialog):
        dialog.change.setCurrentIndex(dialog.change.findData("temperature"))
        dialog.temperature.setValue(0.7)
        assert dialog.plan() is not None, dialog.note.text()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ReplicateDialog, "exec", answer)
    job = window.replicate.ask(1)
    assert job is not None and job in window.runs.jobs  # a job of the Jobs panel
    wait_job(qtbot, job)
    assert job.result.status == "done" and job.result.computed == ROWS
    assert fake_openai.total == ROWS
    assert {r.body["temperature"] for r in fake_openai.chat_requests()} == {0.7}
    run = job.result.run_id
    qtbot.waitUntil(lambda: f"sentiment_label_run{run}" in window.model.result_names)
    assert "sentiment_label" in window.model.result_names  # run 1 keeps the plain names
    window.grab().save(str(tmp_path / "window_replicate.png"))
    with Project.open(project_path) as project:
        assert project.db.execute(
            "SELECT replicate_of FROM runs WHERE id = ?", (run,)
        ).fetchone() == (1,)

    view = ValidationView(window.project, window)
    qtbot.addWidget(view)
    stability = view.stability
    assert (stability.first.currentData(), stability.second.currentData()) == (1, run)
    qtbot.waitUntil(lambda: stability.table.rowCount() == 1, timeout=20_000)
    cells = [stability.table.item(0, j).text() for j in range(stability.table.columnCount())]
    assert cells[0] == "sentiment label" and cells[1] == str(ROWS)
    assert cells[2].startswith("0.000 [0.000, ")  # the fake server answers by the text
    view.show()
    qtbot.waitExposed(view)
    view.grab().save(str(tmp_path / "validate_stability.png"))


def test_runs_made_after_the_view_opened_are_listed(qtbot, window, project_path, tmp_path):
    open_project(qtbot, window, project_path)
    view = ValidationView(window.project, window)
    qtbot.addWidget(view)
    stability = view.stability
    assert (
        stability.first.count() == 1 and "Two finished runs are needed" in stability.summary.text()
    )
    with Project.open(project_path) as project:  # a run made elsewhere (another window)
        run_job(project, SentimentTask(), make_backend("lexicon"))
    stability.second.showPopup()  # opening the list reads the runs again
    stability.second.hidePopup()
    assert [stability.second.itemText(i) for i in range(stability.second.count())] == [
        "run 1: sentiment by fake",
        "run 2: sentiment by lexicon",
    ]
    stability.second.setCurrentIndex(1)
    qtbot.waitUntil(lambda: stability.table.rowCount() == 1, timeout=20_000)
    assert stability.table.item(0, 1).text() == str(ROWS)


def one_run_and_validate_open(qtbot, window, tmp_path):
    """A project with one lexicon run, open in the window with Validate open (whose Run
    stability has nothing to compare yet); the project's path and the view."""
    path = make_project(tmp_path / "one_run.llmstudio", sample_frame().head(ROWS))
    with Project.open(path) as project:
        run_job(project, SentimentTask(), make_backend("lexicon"))
    open_project(qtbot, window, path)
    view = window.review.open_validation()
    assert "Two finished runs are needed" in view.stability.summary.text()
    return path, view


def test_a_run_ending_while_validate_is_open_is_compared_without_opening_a_list(
    qtbot, window, tmp_path
):
    """Seen: Validate opened before a run; the run ended; Run stability still said "Two
    finished runs are needed" until a list was opened. The window tells the view when a
    run ends (``update_sources``): the section lists it and compares."""
    path, view = one_run_and_validate_open(qtbot, window, tmp_path)
    stability = view.stability
    with Project.open(path) as project:
        run_job(project, SentimentTask(labels=("positive", "negative")), make_backend("lexicon"))
    view.update_sources()  # what the window calls when a job ends
    assert stability.second.count() == 2
    assert stability.first.currentData() != stability.second.currentData()
    qtbot.waitUntil(
        lambda: (
            "Two finished runs" not in stability.summary.text()
            and "Computing" not in stability.summary.text()
        ),
        timeout=20_000,
    )


def test_a_change_chosen_without_its_value_is_not_a_replicate_of_nothing(qtbot, tmp_path):
    """Seen: Change "Prompt wording" with the box empty said "changing nothing" and let
    Replicate start; the run's own model said "changing model builtin"."""
    path = make_project(tmp_path / "one.llmstudio", sample_frame().head(ROWS))
    with Project.open(path) as project:
        run_job(project, SentimentTask(), make_backend("lexicon"))
        dialog = ReplicateDialog(project, run_id=1)
        qtbot.addWidget(dialog)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.change.setCurrentIndex(dialog.change.findData("prompt"))
        assert not ok.isEnabled() and "Type the new wording" in dialog.note.text()
        dialog.prompt.setText("Rate the tone.")
        assert not ok.isEnabled() and "never reads a prompt" in dialog.note.text()
        dialog.change.setCurrentIndex(dialog.change.findData("model"))
        dialog.model.setCurrentText("lexicon")
        assert not ok.isEnabled() and "lexicon is the model of run 1" in dialog.note.text()
        dialog.model.setCurrentText("builtin")
        assert ok.isEnabled() and "changing model builtin" in dialog.note.text()


def test_a_replicate_made_in_the_window_is_listed_by_an_open_validate_view(qtbot, window, tmp_path):
    """Seen: Validate open, Replicate Run… of run 2, the replicate done: Run stability
    still said "Two finished runs are needed" (a replicate job was never announced to the
    views that follow the window's jobs)."""
    path, view = one_run_and_validate_open(qtbot, window, tmp_path)
    stability = view.stability
    dialog = ReplicateDialog(window.project, window, run_id=1)
    qtbot.addWidget(dialog)
    job = window.replicate.start(dialog.plan())
    wait_job(qtbot, job)
    qtbot.waitUntil(lambda: stability.table.rowCount() == 1, timeout=20_000)
    assert {stability.first.currentData(), stability.second.currentData()} == {1, 2}
    assert stability.table.item(0, 1).text() == str(ROWS)
    assert not window.check_run.offered  # a replicate is checked against its run, above
    # Its texts were read whole: no "chunks_run2 1" in the detail pane (none for run 1).
    window.goto_row(0)
    qtbot.waitUntil(lambda: "run 2" in window.detail.results_text())
    assert "chunks" not in window.detail.results_text()

"""Analyse › Runs… and the interrupted-run bar: a run killed mid-way is said so when the
project opens (its columns suffixed, the complete run's plain), can be resumed to the end
as an ordinary job, discarded, renamed and deleted with a confirmation."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from llmstudio.core import runs
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask
from llmstudio.gui.runs.runs_dialog import RunsDialog

from helpers.gui import make_project, open_project, wait_job

ROWS = 300


def killed(path, run_id: int, keep: int) -> None:
    """As SIGKILL leaves a run: ``keep`` answers, marked running, its process gone."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Project.open(path) as p:
        with p.db:
            p.db.execute("DELETE FROM annotations WHERE run_id = ? AND row_id >= ?", (run_id, keep))
            p.db.execute(
                "UPDATE runs SET status = 'running', finished = NULL, pid = ? WHERE id = ?",
                (dead.pid, run_id),
            )


@pytest.fixture
def kill_and_rerun(tmp_path):
    """Run 1 complete (with the lexicon column), run 2 newer and killed after 69 rows."""
    path = tmp_path / "sample.llmstudio"
    make_project(path)
    with Project.open(path) as p:
        run_job(p, SentimentTask(baseline=True), LexiconBackend())
        run_job(p, SentimentTask(), LexiconBackend())
    killed(path, 2, 69)
    return path


def opened(qtbot, window, path):
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        window.open_path(path)


def column(window, name):
    return list(window.model.result(name))


def test_opening_after_kill_and_rerun_shows_both_and_says_interrupted(
    qtbot, window, kill_and_rerun, tmp_path
):
    opened(qtbot, window, kill_and_rerun)
    model = window.model
    assert model.result_names[:2] == ["sentiment_label", "sentiment_score"]
    assert "sentiment_lexicon" in model.result_names  # the complete run's own (--baseline)
    assert sum(v is not None for v in column(window, "sentiment_label")) == ROWS
    assert sum(v is not None for v in column(window, "sentiment_label_run2")) == 69
    tip = model.headerData(
        model.column_index("sentiment_label_run2"),
        Qt.Orientation.Horizontal,
        Qt.ItemDataRole.ToolTipRole,
    )
    assert "(run 2, interrupted, 69 of 300 rows)" in tip
    assert "run 2: sentiment with lexicon, interrupted, 69 of 300 rows" in window.rows_label.text()
    bar = window.interrupted_bar
    assert bar.isVisible() and bar.run_id == 2
    assert "was interrupted: 69 of 300 rows" in bar.label.text()
    window.goto_row(100)  # a row run 2 never reached
    assert "run 2, interrupted, 69 of 300 rows" in window.detail.results_text()
    window.resize(1400, 700)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "runs_table_after_kill.png"))


def test_the_bar_resumes_the_run_to_the_end_as_a_job(qtbot, window, kill_and_rerun):
    opened(qtbot, window, kill_and_rerun)
    window.interrupted_bar.resume_button.click()
    job = window.runs.jobs[-1]
    assert job in window.runs.panel.jobs  # an ordinary job: progress, time left, Cancel
    wait_job(qtbot, job)
    assert job.result.run_id == 2 and job.result.status == "done"
    assert not window.interrupted_bar.isVisible()
    with Project.open(kill_and_rerun) as p:
        assert runs.run_info(p, 2).state == runs.COMPLETE
        assert runs.plain_runs(runs.run_infos(p)) == {2}
        assert "resumed run 2 with its stored settings" in [d for _, _, d in p.history()]


def test_runs_dialog_rename_delete_with_confirmation_and_resume(
    qtbot, window, kill_and_rerun, monkeypatch, tmp_path
):
    opened(qtbot, window, kill_and_rerun)
    dialog = RunsDialog(window)
    qtbot.addWidget(dialog)
    assert [dialog.table.item(r, 4).text() for r in range(2)] == [
        "complete",
        "interrupted, 69 of 300 rows",
    ]
    dialog.select(1)
    assert not dialog.resume_button.isEnabled() and not dialog.discard_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("with lexicon", True))
    dialog.rename_button.click()
    assert dialog.table.item(0, 1).text() == "with lexicon"
    qtbot.waitUntil(lambda: "run 1 'with lexicon'" in window.rows_label.text(), timeout=20_000)
    # Delete asks; Cancel keeps the run.
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: (asked.append(a[2]), QMessageBox.StandardButton.Cancel)[1],
    )
    dialog.select(1)
    dialog.delete_button.click()
    assert "Delete run 1 'with lexicon'" in asked[0] and "human codes are never touched" in asked[0]
    assert dialog.table.rowCount() == 2
    dialog.show()
    dialog.resize(900, 300)
    dialog.select(2)
    dialog.grab().save(str(tmp_path / "runs_dialog.png"))
    # Resume the interrupted run from the dialog: a job to the end.
    assert dialog.resume_button.isEnabled()
    dialog.resume_button.click()
    wait_job(qtbot, window.runs.jobs[-1])
    qtbot.waitUntil(lambda: dialog.table.item(1, 4).text() == "complete", timeout=10_000)
    # Delete, confirmed: run 1 goes, the table shows run 2 plainly.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.select(1)
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        dialog.delete_button.click()
    assert dialog.table.rowCount() == 1
    assert "sentiment_lexicon" not in window.model.result_names
    assert "sentiment_label_run2" not in window.model.result_names
    assert sum(v is not None for v in column(window, "sentiment_label")) == ROWS
    with Project.open(kill_and_rerun) as p:
        said = [d for _, a, d in p.history() if a == "runs"]
    assert said[0] == "renamed run 1 from '(no name)' to 'with lexicon'"
    assert said[-1].startswith("deleted run 1 'with lexicon'")


def test_discard_from_the_bar(qtbot, window, kill_and_rerun, monkeypatch):
    opened(qtbot, window, kill_and_rerun)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        window.interrupted_bar.discard_button.click()
    assert not window.interrupted_bar.isVisible()
    assert "sentiment_label_run2" not in window.model.result_names
    with Project.open(kill_and_rerun) as p:
        assert [i.run_id for i in runs.run_infos(p)] == [1]


def test_cancelled_job_leaves_the_complete_run_plain(qtbot, window, tmp_path):
    """Cancel a second run: the complete run keeps the plain names, the cancelled one is
    shown suffixed, said interrupted."""
    from llmstudio.gui.runs.jobs import JobSpec

    path = tmp_path / "sample.llmstudio"
    make_project(path)
    open_project(qtbot, window, path)
    wait_job(qtbot, window.runs.run(JobSpec(model="lexicon")))
    labels = column(window, "sentiment_label")
    job = window.runs.run(JobSpec(model="lexicon", labels=("positive", "negative")))
    job.cancel()  # before its first row
    wait_job(qtbot, job)
    assert column(window, "sentiment_label") == labels
    with Project.open(path) as p:
        assert runs.run_info(p, job.result.run_id).state == runs.INTERRUPTED
    assert f"sentiment_label_run{job.result.run_id}" in window.model.result_names
    assert "interrupted, 0 of 300 rows" in window.rows_label.text()


def test_a_new_run_fills_its_own_columns_until_it_is_complete(qtbot, window, tmp_path):
    """While a second run of a task runs, the complete run keeps the plain columns and the
    new one fills sentiment_label_run2 (said running); complete, it takes the names."""
    from llmstudio.gui.runs.jobs import JobSpec

    path = tmp_path / "sample.llmstudio"
    make_project(path)
    open_project(qtbot, window, path)
    wait_job(qtbot, window.runs.run(JobSpec(model="lexicon")))
    first = column(window, "sentiment_label")
    seen = {}

    def at_run(run_id):
        seen["names"] = list(window.model.result_names)
        seen["plain"] = column(window, "sentiment_label")
        seen["tip"] = window.model.headerData(
            window.model.column_index(f"sentiment_label_run{run_id}"),
            Qt.Orientation.Horizontal,
            Qt.ItemDataRole.ToolTipRole,
        )

    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=30_000):
        job = window.runs.run(JobSpec(model="lexicon", labels=("positive", "negative")))
        job.sig_run.connect(at_run, Qt.ConnectionType.QueuedConnection)
        wait_job(qtbot, job)
    assert "sentiment_label_run2" in seen["names"]
    assert seen["plain"] == first  # never overwritten by the run in progress
    assert "(run 2, running)" in seen["tip"]
    # complete now: run 2 has the plain names, no suffixed column is left
    assert not [n for n in window.model.result_names if "_run" in n]
    second = column(window, "sentiment_label")
    assert {v for v in second if isinstance(v, str)} == {"positive", "negative"}
    assert window.rows_label.text().endswith("(run 2: sentiment with lexicon)")

"""Batch runs in the window against the fake Batch API: the run dialog's batch choice, the
consent at the batch price, and the Jobs panel's batches after the project is opened again
(a new window): state, Fetch, the answers in the table, Send again for the failed rows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from llmstudio.core.cost import save_price_table
from llmstudio.gui.runs.batch_jobs import ACTION, STATE
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.run_dialog import RunDialog

from fakes.batch_server import FakeBatchAPI
from fakes.openai_server import label_for
from helpers.gui import consent, make_project, open_project, sample_frame, wait_job
from helpers.remote import REMOTE_HOST, resolve_to_loopback

ROWS = 12


@pytest.fixture
def fake(monkeypatch):
    resolve_to_loopback(monkeypatch)
    with FakeBatchAPI(host_name=REMOTE_HOST) as server:
        yield server


def test_the_run_dialog_offers_a_batch_for_api_models(qtbot, fake, tmp_path):
    dialog = RunDialog("text", ROWS, frame=sample_frame().head(ROWS))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_model("openai:fake", fake.url)
    assert dialog.as_batch.isVisible()
    dialog.as_batch.setChecked(True)
    assert dialog.spec().batch
    dialog.adjustSize()
    qtbot.wait(50)  # laid out before the picture
    dialog.grab().save(str(tmp_path / "batch_run_dialog.png"))
    dialog.set_model("lexicon", "")
    assert not dialog.as_batch.isVisible() and not dialog.spec().batch


def batch_cell(window, column: int) -> str:
    return window.runs.batches.box.table.item(0, column).text()


def action(window):
    return window.runs.batches.box.table.cellWidget(0, ACTION)


def test_a_batch_is_followed_after_reopening_and_fetched(
    qtbot, new_window, tmp_path, fake, monkeypatch
):
    save_price_table({"fake": (1.0, 2.0)})
    frame = sample_frame().head(ROWS)
    path = make_project(tmp_path / "batch.llmstudio", frame)
    shown = consent(monkeypatch, QDialog.DialogCode.Accepted)
    first = new_window()
    open_project(qtbot, first, path)
    fake.add_rule("500", match=frame["text"][2], times=None)
    first.runs.run(JobSpec(model="openai:fake", base_url=fake.url, batch=True))
    qtbot.waitUntil(lambda: len(fake.batches) == 1, timeout=20_000)
    # the server has the batch before the sending work has stored its id: a window
    # opened in between sees it as being sent (left to that work) until its next check
    qtbot.waitUntil(lambda: not first.background_work, timeout=20_000)
    assert "at the batch price (half the list price)" in shown[0]
    assert fake.total == 0 and not first.runs.jobs  # no ordinary request, no job
    first.close()

    # Another session: the project opened again shows the batch and asks its state.
    window = new_window()
    open_project(qtbot, window, path)
    qtbot.waitUntil(lambda: window.runs.batches.box.isVisible(), timeout=20_000)
    qtbot.waitUntil(lambda: batch_cell(window, STATE).startswith("in progress"), timeout=20_000)
    assert window.runs.panel.isVisible() and action(window).text() == "Cancel"
    assert window.interrupted_bar.isHidden()  # not offered to resume: it waits for its batch
    window.grab().save(str(tmp_path / "batch_jobs_in_progress.png"))
    fake.finish()
    qtbot.mouseClick(window.runs.batches.box.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: action(window).text() == "Fetch", timeout=20_000)
    assert batch_cell(window, STATE).startswith("completed: ready to fetch")
    qtbot.mouseClick(action(window), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: action(window).text() == "Send again", timeout=20_000)
    # an interrupted run (one row failed) carries its number in its column names
    qtbot.waitUntil(lambda: "sentiment_label_run1" in window.model.result_names, timeout=20_000)
    labels = list(window.model.result("sentiment_label_run1"))
    wanted = [label_for(t) if i != 2 else None for i, t in enumerate(frame["text"])]
    assert [x if isinstance(x, str) else None for x in labels] == wanted
    assert "11 rows answered, 1 failed" in window.runs.batches.box.note.text()
    window.grab().save(str(tmp_path / "batch_jobs_fetched.png"))

    fake.clear_rules()
    qtbot.mouseClick(action(window), Qt.MouseButton.LeftButton)  # Send again
    qtbot.waitUntil(lambda: bool(window.runs.jobs), timeout=20_000)
    wait_job(qtbot, window.runs.jobs[0])
    assert fake.total == 1  # the failed row only, as an ordinary request
    qtbot.waitUntil(lambda: action(window) is None, timeout=20_000)  # the run is complete
    qtbot.waitUntil(lambda: "sentiment_label" in window.model.result_names, timeout=20_000)
    assert list(window.model.result("sentiment_label")) == [label_for(t) for t in frame["text"]]


def test_cancel_asks_first_and_keeps_the_part_done(qtbot, window, tmp_path, fake, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from llmstudio.core.backends.openai_backend import OpenAIBackend
    from llmstudio.core.batch_runs import submit_batches
    from llmstudio.core.project import Project
    from llmstudio.core.tasks import SentimentTask

    path = make_project(tmp_path / "cancel.llmstudio", sample_frame().head(ROWS))
    with Project.open(path) as project:
        submit_batches(project, SentimentTask(), OpenAIBackend("fake", fake.url))
    open_project(qtbot, window, path)
    qtbot.waitUntil(lambda: action(window) is not None and action(window).text() == "Cancel")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    qtbot.mouseClick(action(window), Qt.MouseButton.LeftButton)  # No: nothing happens
    qtbot.waitUntil(lambda: not window.background_work)
    assert all(b["status"] != "cancelling" for b in fake.batches.values())
    qtbot.mouseClick(action(window), Qt.MouseButton.LeftButton)  # Yes
    qtbot.waitUntil(lambda: action(window).text() == "Fetch", timeout=20_000)
    assert batch_cell(window, STATE).startswith("cancelled: ready to fetch")

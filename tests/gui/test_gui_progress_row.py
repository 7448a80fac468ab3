"""The one progress row and the one background task: real worker threads, real widgets,
the same row in two places (the counterfactual bias tab, the Learn panel)."""

from __future__ import annotations

import re
import time

import pytest
from PySide6.QtCore import Qt

from llmstudio.core.errors import Cancelled
from llmstudio.gui.common.background import BackgroundTask
from llmstudio.gui.common.progress_row import ProgressRow, progress_text
from llmstudio.gui.review import learn_panel
from llmstudio.gui.review.learn_panel import LearnPanel

from helpers.gui import bigger_frame, consent, make_project, open_project

TIMEOUT = 120_000


def _count(n: int, pause: float, monitor) -> int:
    """Plain work with a monitor: a report and a check per step."""
    for i in range(n):
        monitor.check()
        time.sleep(pause)
        monitor.report(i + 1, n)
    return n


def test_progress_text_reads_counts_fractions_and_time_left():
    assert progress_text(1200, 5000, "rows", 130) == "1,200 of 5,000 rows, about 2 min 10 s left"
    assert progress_text(5000, 5000, "rows", 3) == "5,000 of 5,000 rows"  # nothing left
    assert progress_text(0.42, 1.0) == "42 %"


def test_a_task_sends_its_result_before_finished_and_the_row_follows(qtbot):
    task, row = BackgroundTask(), ProgressRow("steps")
    qtbot.addWidget(row)
    row.follow(task)
    order = []
    task.sig_result.connect(lambda value: order.append(("result", value)))
    task.sig_finished.connect(lambda: order.append(("finished", None)))
    with qtbot.waitSignal(task.sig_finished, timeout=10_000):
        assert task.start(_count, 5, 0.01)
        assert not task.start(_count, 5, 0.01)  # one at a time
        assert row.cancel_button.isEnabled()
    assert order == [("result", 5), ("finished", None)]
    assert (row.bar.value(), row.bar.maximum()) == (5, 5)
    assert row.bar.format() == "5 of 5 steps"
    assert not row.cancel_button.isEnabled() and not task.running


def test_cancel_on_the_row_ends_the_work_with_cancelled(qtbot):
    task, row = BackgroundTask(), ProgressRow("steps")
    qtbot.addWidget(row)
    row.follow(task)
    errors = []
    task.sig_error.connect(errors.append)
    task.start(_count, 10_000, 0.01)
    qtbot.waitUntil(lambda: row.bar.value() >= 3, timeout=10_000)
    assert row.bar.format().startswith(f"{row.bar.value():,} of 10,000 steps")
    with qtbot.waitSignal(task.sig_finished, timeout=5_000):
        qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert len(errors) == 1 and isinstance(errors[0], Cancelled) and task.cancelled
    assert row.bar.value() < 10_000 and not row.cancel_button.isEnabled()


def test_an_error_in_the_work_arrives_as_an_object(qtbot):
    task = BackgroundTask()

    def broken(monitor):
        raise ValueError("bad cell in row 3")

    errors = []
    task.sig_error.connect(errors.append)
    with qtbot.waitSignal(task.sig_finished, timeout=10_000):
        task.start(broken)
    assert [str(e) for e in errors] == ["bad cell in row 3"]


def test_the_counterfactual_tab_shows_answers_and_its_cancel_works(
    qtbot, window, tmp_path, paced_vader
):
    path = make_project(tmp_path / "big.llmstudio", bigger_frame(40))
    open_project(qtbot, window, path)
    tab = window.bias.open().counterfactual
    total = 2 * tab.preview_counts[0]
    tab.run()
    row = tab.progress
    qtbot.waitUntil(lambda: 0 < row.bar.value(), timeout=TIMEOUT)
    assert row.bar.maximum() == total  # both runs' answers in one count
    assert f" of {total:,} answers" in row.bar.format()
    window.bias.view.resize(1100, 700)
    window.bias.view.grab().save(str(tmp_path / "progress_counterfactual.png"))
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "Cancelling…"
    qtbot.waitUntil(lambda: not tab.running(), timeout=10_000)
    assert tab.result is not None and tab.result.status == "cancelled"
    assert row.bar.value() < total and not row.cancel_button.isEnabled()


@pytest.mark.slow  # loads the builtin model and reads a few thousand texts: ~10 s
def test_the_learn_panel_shows_its_reading_and_its_cancel_works(qtbot, window, tmp_path):
    path = make_project(tmp_path / "learn.llmstudio", bigger_frame(20))
    open_project(qtbot, window, path)
    learn_panel._FEATURES.clear()
    panel = LearnPanel(window)
    qtbot.addWidget(panel)
    panel.show()
    row = panel.progress
    assert row.isVisible() and row.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: row.bar.value() > 0, timeout=TIMEOUT)
    assert re.fullmatch(r"\d+ %(, about .+ left)?", row.bar.format()), row.bar.format()
    panel.grab().save(str(tmp_path / "progress_learn.png"))
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.background.running, timeout=10_000)
    assert panel.status.text().startswith("Cancelled")
    assert panel._x is None and not row.isVisible()


def test_the_run_dialogs_trial_shows_its_rows_and_its_cancel_stops_it(
    qtbot, window, tmp_path, monkeypatch, fake_openai
):
    from llmstudio.gui.runs.run_dialog import RunDialog

    open_project(qtbot, window, make_project(tmp_path / "trial.llmstudio"))
    consent(monkeypatch)
    fake_openai.add_rule("slow", times=None, seconds=5)
    w = window
    d = RunDialog(
        w.corpus.text_column,
        w.corpus.rows,
        w,
        project=w.project,
        frame=w.corpus.frame,
        consent=lambda spec, rows: w.runs.consent(spec, rows),
    )
    qtbot.addWidget(d)
    d.show()
    d.set_model("openai:fake", fake_openai.url)
    job = d.try_rows()
    row = d.trial_progress
    qtbot.waitUntil(lambda: fake_openai.in_flight > 0, timeout=10_000)
    assert row.cancel_button.isEnabled()
    d.grab().save(str(tmp_path / "progress_trial.png"))
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not job.running, timeout=3_000)
    assert job.state.status == "cancelled"
    assert "Stopped" in d.trial_status.text()
    assert not row.cancel_button.isEnabled() and d.try_button.text() != "Stop"

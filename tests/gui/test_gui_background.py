"""The one background task's modes (short work without a monitor, latest wins) and the
window's background work that holds every panel's work while it runs: real worker
threads."""

from __future__ import annotations

import gc
import threading

from llmstudio.gui.common.background import BackgroundTask, RunningWork


def _wait_for(gate: threading.Event, value):
    """Short work without a monitor: returns ``value`` once ``gate`` opens."""
    assert gate.wait(10), "the test never opened the gate"
    return value


def test_short_work_is_called_without_a_monitor(qtbot):
    task = BackgroundTask(reports=False)
    got = []
    task.sig_result.connect(got.append)
    with qtbot.waitSignal(task.sig_finished, timeout=10_000):
        task.start(lambda *args, **kwargs: (args, sorted(kwargs)), 1, 2)
    assert got == [((1, 2), [])]  # no monitor= given


def test_latest_wins_calls_again_once_and_marks_the_old_answer_stale(qtbot):
    gate = threading.Event()
    again, seen = [], []
    task = BackgroundTask(reports=False, again=lambda: again.append(task.running))
    task.sig_result.connect(lambda value: seen.append((value, task.stale)))
    assert not task.ask_again()  # nothing runs: nothing to remember
    assert task.start(_wait_for, gate, "old")
    assert not task.start(_wait_for, gate, "newer")  # deferred, not started
    assert not task.start(_wait_for, gate, "newest")
    assert task.ask_again() and task.stale
    with qtbot.waitSignal(task.sig_finished, timeout=10_000):
        gate.set()
    qtbot.waitUntil(lambda: bool(again), timeout=5_000)
    assert seen == [("old", True)]  # the one answer, known to be stale when it came
    assert again == [False]  # called once, after the work ended
    assert not task.stale


def test_without_latest_wins_a_second_start_is_refused_and_forgotten(qtbot):
    gate = threading.Event()
    task = BackgroundTask(reports=False)
    assert task.start(_wait_for, gate, 1)
    assert not task.start(_wait_for, gate, 2)
    assert not task.ask_again() and not task.stale
    with qtbot.waitSignal(task.sig_finished, timeout=10_000):
        gate.set()


def test_running_work_holds_each_worker_until_it_ends(qtbot):
    gate = threading.Event()
    work = RunningWork()
    tasks = [BackgroundTask(keep_in=work, reports=False) for _ in range(2)]
    for i, task in enumerate(tasks):
        task.start(_wait_for, gate, i)
    qtbot.wait(50)
    assert len(work) == 2 and work  # still running
    gate.set()
    qtbot.waitUntil(lambda: not work, timeout=10_000)
    assert len(work) == 0


def test_a_task_made_for_one_call_is_not_lost_while_it_runs(qtbot):
    """The window's ``start_work`` makes a task per call and keeps no reference to it."""
    gate = threading.Event()
    work, got = RunningWork(), []
    task = BackgroundTask(keep_in=work, reports=False)
    task.sig_result.connect(got.append)
    task.start(_wait_for, gate, "read")
    del task
    gc.collect()
    gate.set()
    qtbot.waitUntil(lambda: got == ["read"] and not work, timeout=10_000)

"""Background work: every job started reports its end, however quickly it finishes, and
nothing the GUI thread owns is let go or collected on a worker's thread."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from llmstudio.gui.common import gc_guard, workers
from llmstudio.gui.common.background import BackgroundTask


def test_quick_jobs_started_outside_the_event_loop_all_finish(
    qtbot, window, open_file, small_csv, tmp_path
):
    """``open_path``/``export_to`` called from a script (no event loop running yet, as in
    ``llmstudio FILE``) must not lose a job that ends before its finish handler is
    connected: the busy bar would stay on for good."""
    open_file(small_csv)
    outs = [tmp_path / f"out{i}.csv" for i in range(30)]
    for out in outs:
        window.files.export_to(out)  # started with no event loop running
        assert workers.wait_for_all(5000)  # the thread ends before anything is delivered
    qtbot.waitUntil(lambda: all(o.exists() for o in outs), timeout=20_000)
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=5000)
    assert window._busy == 0 and not window.background_work


class _Noted:
    """Notes on which thread its last reference went."""

    def __init__(self, notes: list):
        self.notes = notes

    def __del__(self):
        self.notes.append(threading.current_thread() is threading.main_thread())


def test_what_the_work_was_given_is_let_go_on_the_gui_thread(qtbot):
    """The work's arguments (a panel, a project) are released in the GUI thread only after
    the worker's thread has ended: a last reference dropped on the worker's thread would
    delete a Qt object there."""
    notes: list = []
    task = BackgroundTask(reports=False)
    given = _Noted(notes)
    results = []
    task.sig_result.connect(results.append)
    task.start(lambda item: item.__class__.__name__, given)
    del given
    qtbot.waitUntil(lambda: not task.running, timeout=5000)
    assert results == ["_Noted"]
    gc.collect()
    assert notes == [True]


def test_a_task_deleted_while_its_work_runs_is_not_called_back(qtbot):
    """A dialog closed (and its task deleted) while the work runs: the work's reports and
    end reach nobody, and nothing fails."""
    parent = QObject()
    task = BackgroundTask(parent)
    called = []
    task.sig_progress.connect(lambda *a: called.append("progress"))
    task.sig_result.connect(lambda *a: called.append("result"))
    release = threading.Event()

    def work(monitor):
        release.wait(5)
        monitor.report(1, 2)
        return 42

    task.start(work)
    worker = weakref.ref(task.worker)
    parent.deleteLater()  # deletes the task with it
    qtbot.waitUntil(lambda: not _valid(task), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: worker() is None or not worker().is_running, timeout=5000)
    qtbot.wait(50)
    assert called == []
    assert workers.running_workers() == 0


def _valid(obj) -> bool:
    from shiboken6 import Shiboken

    return Shiboken.isValid(obj)


def test_garbage_is_collected_on_the_gui_thread_only(qtbot):
    """A collection started on another thread would delete the Qt objects in the garbage
    there (a deadlock or an abort): automatic collection is off and the GUI thread collects
    on a timer, as CPython's thresholds ask."""
    gc_guard.install()
    assert not gc.isenabled()
    notes: list = []
    done = threading.Event()

    def allocate():  # any thread: a worker's, or one a library starts (HTTP, tokenizers)
        a, b = _Noted(notes), _Noted(notes)
        a.other, b.other = b, a  # a cycle: only a collection frees it
        del a, b
        kept = [[] for _ in range(5000)]  # enough new objects to start a collection
        done.wait(10)
        return kept

    thread = threading.Thread(target=allocate)
    thread.start()
    try:
        qtbot.waitUntil(lambda: len(notes) == 2, timeout=10_000)
    finally:
        done.set()
        thread.join()
    assert notes == [True, True]


def test_the_window_collects_on_its_own_thread_from_the_start(qtbot):
    """The application the window runs in is made with the guard on."""
    from llmstudio.gui.app import application

    gc.enable()  # as a library might
    assert application() is not None
    assert not gc.isenabled()

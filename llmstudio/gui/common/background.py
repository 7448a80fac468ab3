"""Long work in the background, with progress and Cancel: :class:`BackgroundTask`.

Every piece of background work in the window uses it (a model run's
:class:`~llmstudio.gui.runs.jobs.Job`, the bias tabs, the Learn panel, the run dialog's
trial, the window's file work, charts, checks and settings): the work is a plain core call
that takes ``monitor=`` (a :class:`~llmstudio.core.progress.Monitor`; ``reports=False``
for short work that takes none), run on a worker thread by
:func:`~.workers.run_in_background`, which nothing else calls. Its reports, its result
and its exception arrive as signals in the GUI thread, the result before
``sig_finished``; Cancel makes the monitor's next ``check()`` raise
:class:`~llmstudio.core.errors.Cancelled` (or the runner stop with the status
``cancelled``). A :class:`~.progress_row.ProgressRow` shows it: ``row.follow(task)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal

from ...core.progress import Monitor
from .workers import run_in_background

SHOW_WAIT_S = 0.2
_SHOWN = QEvent.Type(QEvent.registerEventType())
# Tasks without a parent, held while they run: nothing else may hold one made for a call.
_UNOWNED: set = set()


class RunningWork:
    """Background work held while it runs: a worker nobody holds may be collected mid-run.

    The window has one (``window.background_work``): every panel's task keeps its work
    there (``BackgroundTask(keep_in=window.background_work)``), so the window and tests
    can tell whether anything still runs (``bool(work)``, ``len(work)``). A dialog with
    work of its own may hold its own."""

    def __init__(self):
        self._workers: set = set()

    def keep(self, worker) -> None:
        """Hold ``worker`` until it finishes (its ``finished`` signal)."""
        self._workers.add(worker)
        worker.finished.connect(lambda: self._workers.discard(worker))

    def __len__(self) -> int:
        return len(self._workers)


class BackgroundTask(QObject):
    """One piece of long work at a time: :meth:`start` it, :meth:`cancel` it, listen.

    ``sig_progress(done, total, detail)``: a report of the work (``detail`` a dict: the
    runner's ``record``, a step's ``message``, ...). ``sig_result(value)`` then
    ``sig_finished()`` when it returns; ``sig_error(exception)`` then ``sig_finished()``
    when it raises (``Cancelled`` included: :attr:`cancelled` tells them apart).
    ``keep_in``: the :class:`RunningWork` that holds the worker while it runs (the
    window's ``background_work``). A task without a parent keeps itself alive while it
    runs, so one made for a single call (``BackgroundTask(...).start(...)``) is not lost.

    ``reports=False``: the work is called without ``monitor=`` (short work: a file read,
    a count; it neither reports nor can be cancelled).

    ``again``: latest wins, for a view whose choices change while it computes. A
    :meth:`start` (or :meth:`ask_again`) while work runs starts nothing: when the running
    work ends, ``again()`` is called once (the view computes for its current choices).
    Until then :attr:`stale` is true: an answer arriving now is for an older choice.

    ``pace=True``: after each report the work waits (at most ``SHOW_WAIT_S``) until the
    window has painted it. A backend in pure Python (VADER) holds the interpreter almost
    all the time; every call the window makes into Python while it repaints must wait for
    it, and a repaint took 100-200 ms instead of 25. Waiting costs the work about 25 ms a
    report and keeps the window answering at once (model runs report once per flush).
    """

    sig_started = Signal()
    sig_progress = Signal(object, object, object)  # done, total, detail (dict)
    sig_result = Signal(object)
    sig_error = Signal(object)  # the exception, mapped to a message by gui.errors
    sig_finished = Signal()

    def __init__(
        self,
        parent=None,
        *,
        pace: bool = False,
        keep_in: RunningWork | None = None,
        reports: bool = True,
        again: Callable[[], None] | None = None,
    ):
        super().__init__(parent)
        self.worker = None
        self._keep_in = keep_in
        self._reports = reports
        self._again = again
        self._pending = False  # latest wins: asked again while the work ran
        self.monitor: Monitor | None = None
        self._pace = pace
        self._shown = threading.Event()  # the window has painted the last report
        self._rounds = 0

    @property
    def running(self) -> bool:
        return self.worker is not None

    @property
    def stale(self) -> bool:
        """Latest wins: a newer start waits, so an answer arriving now is for an older
        choice."""
        return self._pending

    def ask_again(self) -> bool:
        """Latest wins: while work runs, remember to call ``again()`` when it ends and
        return True; False (nothing remembered) when nothing runs."""
        if self._again is None or not self.running:
            return False
        self._pending = True
        return True

    @property
    def cancelled(self) -> bool:
        """Cancel was asked for the work running (or last run)."""
        return self.monitor is not None and self.monitor.cancelled()

    def start(self, func: Callable, *args, **kwargs) -> bool:
        """Run ``func(*args, monitor=..., **kwargs)`` in the background; False (nothing
        started) while a run of this task is still going (latest wins: ``again()`` is
        called when it ends)."""
        if self.running:
            self.ask_again()
            return False
        shown, pace = self._shown, self._pace
        worker = None

        def report(done, total, **detail) -> None:
            # In the work's thread. It reaches the window only through its worker, never
            # through this object, which its dialog may delete meanwhile (see workers.py).
            if pace:
                shown.clear()
            worker.report(done, total, detail)
            if pace and not monitor.cancelled():
                shown.wait(SHOW_WAIT_S)

        monitor = self.monitor = Monitor(report)
        if self._reports:
            kwargs["monitor"] = monitor
        worker = self.worker = run_in_background(
            func,
            *args,
            on_progress=self._on_report,
            on_done=self._on_done,
            on_error=self._on_error,
            on_finished=self._on_finished,
            start=False,
            **kwargs,
        )
        shown.clear()
        if pace:
            self._after_repaint()  # the window shows the new work before it starts
        worker.start()
        if self._keep_in is not None:
            self._keep_in.keep(self.worker)
        if self.parent() is None:
            _UNOWNED.add(self)
        self.sig_started.emit()
        return True

    def cancel(self) -> None:
        """Ask the work to stop at its next check (within about a second)."""
        if self.monitor is not None and self.running:
            self.monitor.cancel()
            self._shown.set()  # not waiting for the window any more

    # -- in the worker thread ---------------------------------------------------------

    def wait_shown(self) -> None:
        """In the work (``pace=True``): wait, at most ``SHOW_WAIT_S``, until the window has
        painted what it was last told (the new work's row, before a model loads)."""
        self._shown.wait(SHOW_WAIT_S)

    # -- in the GUI thread ------------------------------------------------------------

    # Methods of this object, not its signals' emit: a worker skips the callbacks of an
    # object deleted while it ran.
    def _on_done(self, result) -> None:
        self.sig_result.emit(result)

    def _on_error(self, exc) -> None:
        self.sig_error.emit(exc)

    def _on_report(self, done, total, detail) -> None:
        self.sig_progress.emit(done, total, detail)
        if self._pace:
            self._after_repaint()

    def event(self, event) -> bool:
        if event.type() == _SHOWN:
            self._rounds -= 1
            if self._rounds > 0:
                self._after_repaint(self._rounds)
            else:
                self._shown.set()
            return True
        return super().event(event)

    def _after_repaint(self, rounds: int = 3) -> None:
        """Tell the work, once the window has repainted, to go on."""
        # Low priority, like the repaint requests posted before it, so handled after them;
        # passed on three times: the first repaint lays out (a new dock), which asks for
        # another.
        self._rounds = rounds
        QCoreApplication.postEvent(self, QEvent(_SHOWN), Qt.EventPriority.LowEventPriority.value)

    def _on_finished(self) -> None:
        self.worker = None
        self.sig_finished.emit()
        _UNOWNED.discard(self)
        if self._pending:
            self._pending = False
            self._again()

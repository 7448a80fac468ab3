"""Run a function on a worker thread and get its reports, result and end back on the GUI
thread.

Only :class:`~.background.BackgroundTask` calls :func:`run_in_background`: panels use that
(progress, Cancel, latest wins, held by the window while it runs).

Why not Qt's thread pool (superqt's workers, which this replaced): a pooled worker is a
``QRunnable`` whose signals live on a ``QObject`` it owns; Qt deletes the runnable on the
pool thread when it ends, while the GUI thread still holds its Python wrapper. So here:

- a worker is a plain Python thread and a plain Python object (no ``QObject`` of its own);
  it talks to the GUI thread only through one ``QObject`` that lives as long as the
  application (:class:`_Dispatcher`), so no signal is ever emitted on an object that may be
  deleted meanwhile;
- the GUI thread holds everything the work was given until the thread has ended (joined),
  so the last reference to a window, panel or task is never dropped on a worker thread
  (that would delete a Qt object there);
- garbage is collected on the GUI thread only (:mod:`.gc_guard`), for the same reason.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from shiboken6 import Shiboken

from . import gc_guard


class Hook:
    """Callbacks run in the GUI thread when the worker reports: ``hook.connect(fn)``.

    A callback bound to a Qt object deleted meanwhile (a dialog closed while its work ran)
    is skipped: there is nobody left to tell."""

    def __init__(self):
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            owner = getattr(callback, "__self__", None)
            if isinstance(owner, QObject) and not Shiboken.isValid(owner):
                continue
            callback(*args)

    def clear(self) -> None:
        self._callbacks.clear()


class Worker:
    """One call of ``func(*args, **kwargs)`` on its own thread.

    Hooks, all in the GUI thread: ``progress(*values)`` for each :meth:`report`,
    ``returned(result)`` or ``errored(exception)``, then ``finished()`` once the thread has
    ended."""

    def __init__(self, func: Callable, *args, **kwargs):
        self.progress, self.returned, self.errored, self.finished = Hook(), Hook(), Hook(), Hook()
        self.id = next(_IDS)
        self._call: tuple | None = (func, args, kwargs)
        self._thread: threading.Thread | None = None
        self._dispatcher = _dispatcher()

    @property
    def is_running(self) -> bool:
        """Started and not yet finished (as the GUI thread has been told)."""
        return self._thread is not None and self.id in self._dispatcher.live

    def start(self) -> None:
        """Start the thread (once); call it from the GUI thread."""
        if self._thread is not None:
            raise RuntimeError("This worker has already been started")
        func, args, kwargs = self._call
        post = self._dispatcher.post
        self._thread = threading.Thread(
            target=_run,
            args=(post, self.id, func, args, kwargs),
            name=f"llmstudio-worker-{self.id}",
            daemon=True,  # a job still running when the window has closed ends with it
        )
        self._dispatcher.adopt(self)
        self._thread.start()

    def report(self, *values) -> None:
        """From the work's thread: deliver ``values`` to the ``progress`` hook."""
        self._dispatcher.post(self.id, "progress", values)

    def _end(self) -> None:
        """In the GUI thread, after the thread has ended: let go of everything."""
        self._call = None
        for hook in (self.progress, self.returned, self.errored, self.finished):
            hook.clear()  # no cycles through the callbacks left for the collector


_IDS = itertools.count(1)


def _run(post, worker_id: int, func, args, kwargs) -> None:
    """The worker thread: the call, then its outcome, then its end, all posted."""
    try:
        result = func(*args, **kwargs)
    except Exception as exc:  # every failure is the caller's to show (Cancelled too)
        post(worker_id, "errored", (exc,))
    else:
        post(worker_id, "returned", (result,))
        del result
    finally:
        post(worker_id, "finished", ())


class _Dispatcher(QObject):
    """The one object workers post to: lives in the GUI thread as long as the application."""

    _sig_post = Signal(int, str, object)  # worker id, hook name, values

    def __init__(self, app: QCoreApplication):
        super().__init__(app)
        self.live: dict[int, Worker] = {}
        self._sig_post.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def post(self, worker_id: int, hook: str, values: tuple) -> None:
        self._sig_post.emit(worker_id, hook, values)

    def adopt(self, worker: Worker) -> None:
        self.live[worker.id] = worker

    def _deliver(self, worker_id: int, hook: str, values: tuple) -> None:
        worker = self.live.get(worker_id)
        if worker is None:
            return
        if hook == "finished":
            worker._thread.join()  # it has posted its last word: its references are gone
            del self.live[worker_id]
        try:
            getattr(worker, hook).emit(*values)
        finally:
            if hook == "finished":
                worker._end()


_DISPATCHER: _Dispatcher | None = None


def _dispatcher() -> _Dispatcher:
    global _DISPATCHER
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("Background work needs a running Qt application")
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("Background work is started from the GUI thread only")
    if _DISPATCHER is None or not Shiboken.isValid(_DISPATCHER):
        _DISPATCHER = _Dispatcher(app)
    gc_guard.install(app)  # worker threads exist from now on
    return _DISPATCHER


def running_workers() -> int:
    """How many workers have started and not yet been seen to finish."""
    return len(_DISPATCHER.live) if _DISPATCHER is not None else 0


def wait_for_all(msecs: int) -> bool:
    """Wait (at most ``msecs``) until every worker thread has ended; True when they have.
    Their ends are delivered to the GUI thread when its event loop next runs."""
    if _DISPATCHER is None:
        return True
    deadline = time.monotonic() + msecs / 1000
    for worker in list(_DISPATCHER.live.values()):
        worker._thread.join(max(0.0, deadline - time.monotonic()))
    return all(not w._thread.is_alive() for w in _DISPATCHER.live.values())


def run_in_background(
    func: Callable,
    *args,
    on_progress: Callable | None = None,
    on_done: Callable | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_finished: Callable | None = None,
    start: bool = True,
    **kwargs,
) -> Worker:
    """Run ``func(*args, **kwargs)`` on a worker thread; returns the worker.

    ``start=False``: the caller connects more and calls ``worker.start()`` itself."""
    from .errors import describe

    worker = Worker(func, *args, **kwargs)
    worker.errored.connect(on_error or describe)
    for hook, callback in (
        (worker.progress, on_progress),
        (worker.returned, on_done),
        (worker.finished, on_finished),
    ):
        if callback is not None:
            hook.connect(callback)
    if start:
        worker.start()
    return worker

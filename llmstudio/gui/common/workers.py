"""Run a function on Qt's thread pool and get its result back on the GUI thread.

A thin layer over superqt's ``create_worker`` so every background call in the GUI is
made the same way: results and errors arrive as signals in the GUI thread, errors as
exception objects (mapped to messages by :mod:`llmstudio.gui.common.errors`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer


def run_in_background(
    func: Callable,
    *args,
    on_done: Callable | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_finished: Callable | None = None,
    **kwargs,
):
    """Start ``func(*args, **kwargs)`` in the background; returns the worker."""
    # Imported here, not at the top: superqt's package import pulls in all its widgets
    # (~0.4 s), which the window does not need to appear.
    from superqt.utils import create_worker

    from .errors import describe

    connect = {"errored": on_error or describe}
    if on_done:
        connect["returned"] = on_done
    if on_finished:
        connect["finished"] = on_finished
    worker = create_worker(
        func, *args, _connect=connect, _start_thread=False, _ignore_errors=True, **kwargs
    )
    # Start it from the event loop, not now: callers connect more handlers (``finished``)
    # after this returns, and a quick job started outside a running loop (``llmstudio
    # FILE``, scripts, tests) could end before those exist and never report its end,
    # leaving the busy bar on for good. superqt defers like this only inside a loop.
    QTimer.singleShot(0, worker.start)
    return worker


class LatestWins:
    """One background computation at a time for a view whose choices change while it runs.

    A ``start`` made while one runs is not started: it is remembered, and when the running
    one ends ``again`` is called (the view computes once more for its current choices).
    ``stale`` says an answer arriving now is for an older choice.
    """

    def __init__(self, again: Callable[[], None]):
        self._again = again
        self._worker = None
        self._pending = False

    @property
    def stale(self) -> bool:
        """True while a newer choice waits: an answer arriving now is for the old one."""
        return self._pending

    def start(
        self, func: Callable, *args, on_done: Callable, on_error: Callable[[BaseException], None]
    ) -> bool:
        """Run ``func(*args)`` in the background unless one runs; False when deferred."""
        if self._worker is not None:
            self._pending = True
            return False
        self._worker = run_in_background(
            func, *args, on_done=on_done, on_error=on_error, on_finished=self._finished
        )
        return True

    def _finished(self) -> None:
        self._worker = None
        if self._pending:
            self._pending = False
            self._again()

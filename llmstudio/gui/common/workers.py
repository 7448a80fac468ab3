"""Run a function on Qt's thread pool and get its result back on the GUI thread.

A thin layer over superqt's ``create_worker``: results and errors arrive as signals in the
GUI thread, errors as exception objects (mapped to messages by
:mod:`llmstudio.gui.common.errors`). Only :class:`~.background.BackgroundTask` calls it:
panels use that (progress, Cancel, latest wins, held by the window while it runs).
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

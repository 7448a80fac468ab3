"""Garbage collection on the GUI thread only, in a process with a Qt application.

CPython collects cyclic garbage on whichever thread happens to allocate past its
threshold. When that garbage holds Qt objects (a closed dialog, a window in a reference
cycle) and the thread is not the GUI thread, shiboken deletes plain ``QObject``\\ s on that
thread at once and posts widgets' deletion to the GUI thread: both sides then take Qt's
object locks in turn and wait for the interpreter lock the other holds. Seen here as a
deadlock (a worker's HTTP thread collecting a window's menu while the GUI thread deleted
its actions) and as an abort, in CI, 1 run in 6.

So while the application lives, automatic collection is off and a timer on the GUI thread
collects instead, as deep as CPython's own thresholds ask (pyqtgraph's
``GarbageCollector`` does the same, for the same reason). A collection waits while the GUI
thread is busy: the garbage waits with it, nothing else does.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer
from shiboken6 import Shiboken

# Each tick is a look at three counters; most collections it makes are of the youngest
# generation (well under a millisecond).
COLLECT_EVERY_MS = 500

_TIMER: QTimer | None = None


def install(app: QCoreApplication | None = None) -> None:
    """Turn automatic collection off and collect on ``app``'s thread (once per app)."""
    global _TIMER
    app = app or QCoreApplication.instance()
    if app is None:
        return
    if _TIMER is not None and Shiboken.isValid(_TIMER) and _TIMER.parent() is app:
        gc.disable()  # someone may have turned it on again (a test, a library)
        return
    _TIMER = QTimer(app)
    _TIMER.setInterval(COLLECT_EVERY_MS)
    _TIMER.timeout.connect(collect_as_python_would)
    _TIMER.start()
    gc.disable()


def collect_as_python_would() -> None:
    """One collection of the oldest generation CPython's thresholds ask for (none if none)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return

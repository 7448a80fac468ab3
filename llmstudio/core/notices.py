"""What a long or surprising step tells the person waiting for it, beyond a progress bar:
a model converted once for ONNX Runtime (seconds before the first row), a model run with
another runtime than the default would pick. Records of the logger :data:`NOTICES`: the
log file keeps them, the command line prints them as notes (``log.show_notices``), and a
window's job shows them while its model loads (:func:`notices_to`); a warning (the run is
not what was asked for: PyTorch instead of ONNX Runtime) stays beside the finished job."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

NOTICES = "llmstudio.notice"
notice = logging.getLogger(NOTICES)
notice.setLevel(logging.INFO)  # said wherever someone listens, whatever the root's level


@contextmanager
def notices_to(callback: Callable[[str, bool], None]) -> Iterator[None]:
    """``callback(message, lasting)`` for each notice made in this thread while the block
    runs (a window's job shows what its worker thread is doing, not another job's
    notices); ``lasting``: a warning, which says something of the run itself rather than
    of a step while it loads."""
    thread = threading.get_ident()

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                callback(record.getMessage(), record.levelno >= logging.WARNING)

    handler = Forward()
    notice.addHandler(handler)
    try:
        yield
    finally:
        notice.removeHandler(handler)

"""One object for the progress and the cancelling of long work: :class:`Monitor`.

Every long core function (a run, a probe, a bootstrap, reading a corpus with the embedding
model, ...) takes ``monitor: Monitor | None``. It calls :meth:`Monitor.report` per batch
(never per row) and :meth:`Monitor.check` between batches, which raises
:class:`~llmstudio.core.errors.Cancelled` once the caller asked to stop. The caller makes
the monitor from two plain callables, as the design notes ask (Qt-free, testable with a
``Mock()``)::

    monitor = Monitor(progress=lambda done, total, **detail: ..., cancelled=stop.is_set)
    run_job(project, task, backend, monitor=monitor)

The callback's signature is the one of :meth:`report`: ``progress(done, total,
**detail)``. ``detail`` carries what one kind of work knows beyond the counts: the
runner's :class:`~llmstudio.core.run_progress.Progress` record (``record=``, with speed, time
left and waits), a step's ``message=``, an ``eta_s=`` when the work times itself.

Thread-safety: a monitor is made in one thread (the GUI's) and used in another (the
worker's); :meth:`cancel` sets an event, the only state both threads touch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import Cancelled

__all__ = ["Monitor"]


def _nothing(done, total, **detail) -> None:
    return None


class Monitor:
    """Progress reports and a cancel check for one piece of long work.

    ``progress(done, total, **detail)`` receives each report; ``cancelled()`` says the
    caller wants to stop (polled by :meth:`check`, as is :meth:`cancel`'s own flag).
    Both are optional: ``Monitor()`` reports nowhere and stops only when cancelled.
    """

    def __init__(
        self,
        progress: Callable[..., None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ):
        self._progress = progress or _nothing
        self._cancelled = cancelled
        self._stop = threading.Event()

    @classmethod
    def of(cls, monitor: Monitor | None) -> Monitor:
        """``monitor`` itself, or a silent one where the caller gave none."""
        return monitor if monitor is not None else cls()

    def report(self, done: float, total: float, **detail) -> None:
        """Say how far the work is: ``done`` of ``total`` (rows, prompts, resamples; or a
        fraction of 1.0 for work measured in steps), with what else it knows."""
        self._progress(done, total, **detail)

    def cancel(self) -> None:
        """Ask the work to stop at its next :meth:`check` (any thread)."""
        self._stop.set()

    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called or the caller's ``cancelled()`` says so. A wait
        takes the monitor itself and calls :meth:`check` (the rate limiter's ``acquire``)."""
        if self._stop.is_set():
            return True
        if self._cancelled is not None and self._cancelled():
            self._stop.set()  # once cancelled, always cancelled
            return True
        return False

    def check(self) -> None:
        """Raise :class:`Cancelled` when the work should stop; call it between batches."""
        if self.cancelled():
            raise Cancelled("cancelled")

    def part(self, start: float, stop: float, total: float | None = None) -> Monitor:
        """A monitor for one step of this work: its reports of ``done`` of ``total`` come
        out here as ``start + (stop - start) * done / total`` of this work's ``total``
        (``total=None``: this work's total is taken from each report's own, then the step
        is measured in fractions of 1). Shares this monitor's cancel."""

        def forward(done, of, **detail) -> None:
            whole = total if total is not None else 1.0
            share = done / of if of else 0.0
            self.report(start + (stop - start) * share, whole, **detail)

        child = Monitor(forward, self.cancelled)
        child._stop = self._stop  # cancelling the step cancels the whole, and back
        return child

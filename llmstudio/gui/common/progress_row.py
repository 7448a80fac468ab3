"""The one progress row of the window: a bar reading "n of N, about T left" and Cancel.

Every tab and panel that runs long work shows it the same way: ``row.follow(task)`` with
a :class:`~.background.BackgroundTask`, or :meth:`ProgressRow.show_progress` fed by hand
(the run dialog's trial, from its :class:`~.jobs.Job`). The Jobs dock paints the same
numbers in its table (``jobs_panel``), with :func:`format_duration` for its times.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

STEPS = 1000  # the bar's resolution for work measured in fractions
ESTIMATE_AFTER = 0.05  # a time left from the pace once this share is done, not before


def format_duration(seconds: float | None) -> str:
    """``45 s``, ``3 min 05 s``, ``2 h 07 min``; a dash when unknown."""
    if seconds is None:
        return "–"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def progress_text(done: float, total: float, unit: str = "", left_s: float | None = None) -> str:
    """``1,200 of 5,000 rows, about 2 min 10 s left``; ``42 %`` for work measured in
    fractions of 1 (a float total of 1.0); the time left only while work remains."""
    if isinstance(total, float) and total == 1.0:
        text = f"{100 * done:.0f} %"
    else:
        text = f"{int(done):,} of {int(total):,}" + (f" {unit}" if unit else "")
    if left_s is not None and done < total:
        text += f", about {format_duration(left_s)} left"
    return text


class ProgressRow(QWidget):
    """A progress bar with the counts and the time left, and a Cancel button.

    The time left is the work's own (a report's ``eta_s``, or the runner's record's) when
    it has one, else the pace since :meth:`start`. Cancel is enabled while the work runs;
    pressed, it emits ``sig_cancel`` (or cancels the task followed) and disables itself.
    """

    sig_cancel = Signal()

    def __init__(self, unit: str = "", parent=None, *, cancel_text: str = "Cancel"):
        super().__init__(parent)
        self.unit = unit
        self.bar = QProgressBar()
        self.bar.setFormat("")
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton(cancel_text)
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("Stop at the next step; what is finished is kept")
        self.cancel_button.clicked.connect(self._cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.bar, 1)
        lay.addWidget(self.cancel_button)
        self._started = time.monotonic()
        self._cancel_work = None

    def follow(self, task, cancel=None) -> None:
        """Show ``task``'s (a :class:`~.background.BackgroundTask`) work: reset when it
        starts, its reports, Cancel calling ``cancel`` (default ``task.cancel``), Cancel
        off when it ends."""
        self._cancel_work = cancel or task.cancel
        task.sig_started.connect(self.start)
        task.sig_progress.connect(self._on_report)
        task.sig_finished.connect(self.end)

    def start(self, total: float = 0) -> None:
        """New work begins: an empty bar, the clock from now, Cancel on."""
        self._started = time.monotonic()
        self.bar.setRange(0, max(1, int(total)))
        self.bar.setValue(0)
        self.bar.setFormat(progress_text(0, total, self.unit) if total else "")
        self.cancel_button.setEnabled(True)

    def end(self) -> None:
        """The work ended (done, cancelled or failed): Cancel off, the bar as it was."""
        self.cancel_button.setEnabled(False)

    def clear(self) -> None:
        """What the bar showed no longer holds (the file downloaded was removed): empty."""
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("")

    def show_progress(self, done: float, total: float, left_s: float | None = None) -> None:
        """``done`` of ``total``; the time left is ``left_s``, or estimated from the pace."""
        if isinstance(total, float) and total == 1.0:  # a fraction: the bar in steps
            self.bar.setRange(0, STEPS)
            self.bar.setValue(round(STEPS * min(1.0, max(0.0, done))))
        else:
            self.bar.setRange(0, max(1, int(total)))
            self.bar.setValue(int(done))
        if left_s is None and total and done / total >= ESTIMATE_AFTER:
            elapsed = time.monotonic() - self._started
            left_s = elapsed * (total - done) / done
        self.bar.setFormat(progress_text(done, total, self.unit, left_s))

    def _on_report(self, done, total, detail: dict) -> None:
        left = detail.get("eta_s")
        self.show_progress(done, total, left)

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        if self._cancel_work is not None:
            self._cancel_work()
        self.sig_cancel.emit()

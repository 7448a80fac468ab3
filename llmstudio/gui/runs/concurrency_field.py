"""The run dialog's "Requests at once": a number, or Auto (found while the job runs, up to
the number: ``core/backends/auto_concurrency.py``)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QSpinBox, QWidget

from ...core.backends.auto_concurrency import AUTO_MAXIMUM, Concurrency

FIXED_TIP = "How many requests are sent at the same time"
AUTO_TIP = (
    "At most this many at once: llmstudio starts with one, raises the number while the "
    "server answers more rows per second, and lowers it when the server answers 429 "
    "(too many requests) or times out. What it settled on is shown in the Jobs panel and "
    "kept in the methods record."
)


class ConcurrencyField(QWidget):
    """A spin box of requests at once and an Auto box; :meth:`value` as the backends
    take it (8, or "auto:64")."""

    def __init__(self, parent: QWidget | None = None, value: int = 8):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.number = QSpinBox()
        self.number.setRange(1, 256)
        self.number.setValue(value)
        self.auto = QCheckBox("Auto (find the best, at most this many)")
        self.auto.setToolTip(AUTO_TIP)
        row.addWidget(self.number)
        row.addWidget(self.auto, 1)
        self._fixed = value
        self.auto.toggled.connect(self._auto_toggled)
        self._auto_toggled(False)

    def _auto_toggled(self, on: bool) -> None:
        # The number means the most at once under Auto: 64 by default, the fixed number
        # again when Auto is taken off.
        if on:
            self._fixed = self.number.value()
            self.number.setValue(max(self._fixed, AUTO_MAXIMUM))
        else:
            self.number.setValue(self._fixed)
        self.number.setToolTip(AUTO_TIP if on else FIXED_TIP)

    def value(self) -> int | str:
        """The number, or "auto:N" under Auto."""
        return (
            str(Concurrency(self.number.value(), auto=True))
            if self.auto.isChecked()
            else (self.number.value())
        )

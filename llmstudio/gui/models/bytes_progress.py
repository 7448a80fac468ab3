"""A :class:`~..common.progress_row.ProgressRow` for downloads: megabytes, speed and time
left ("120 MB of 418 MB, 11 MB/s, about 27 s left"; "resumed at 80 MB" when an earlier
download's bytes were continued) instead of counts of rows.

The bar counts kilobytes: a QProgressBar holds 32-bit ints, and a model of a few GB in
bytes would overflow it.
"""

from __future__ import annotations

from ...core.model_cache import size_text
from ..common.progress_row import ProgressRow, format_duration

KB = 1000


def bytes_text(
    done: float,
    total: float,
    speed_bps: float | None,
    left_s: float | None,
    resumed: float = 0,
) -> str:
    """``120 MB of 418 MB (resumed at 80 MB), 11 MB/s, about 27 s left`` (what is known)."""
    text = f"{size_text(done)} of {size_text(total)}"
    if resumed:
        text += f" (resumed at {size_text(resumed)})"
    if speed_bps:
        text += f", {size_text(speed_bps)}/s"
    if left_s is not None and done < total:
        text += f", about {format_duration(left_s)} left"
    return text


class BytesProgressRow(ProgressRow):
    """The progress row of a download: reports carry ``speed_bps`` and ``eta_s``."""

    def __init__(self, parent=None):
        super().__init__("bytes", parent)
        self._last = (0, 0, 0)  # the last report's bytes done, total and resumed

    def start(self, total: float = 0) -> None:
        self._last = (0, 0, 0)
        super().start(0)
        self.bar.setFormat("asking the hub for the files…")

    def _on_report(self, done, total, detail: dict) -> None:
        resumed = detail.get("resumed_bytes") or 0
        self._last = (done, total, resumed)
        self.bar.setRange(0, max(1, int(total // KB)))
        self.bar.setValue(int(done // KB))
        self.bar.setFormat(
            bytes_text(done, total, detail.get("speed_bps"), detail.get("eta_s"), resumed)
        )

    def end(self) -> None:
        """The download ended: a stopped one says so instead of its last time left."""
        super().end()
        done, total, resumed = self._last
        if done < total:
            self.bar.setFormat(f"{bytes_text(done, total, None, None, resumed)}, stopped")

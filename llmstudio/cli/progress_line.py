"""Progress on stderr for the command-line tools (``annotate``, ``bias``, ``probe``).

On a terminal one line is rewritten in place a few times a second. Anywhere else (a log
file, a pipe, a CI job) each update is a line of its own, so it is written less often:
a log of a long run should read as a few dozen lines, not one line of thousands of
carriage returns."""

from __future__ import annotations

import sys
import time

TERMINAL_EVERY_S = 0.5
LOG_EVERY_S = 10.0


class StatusLine:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr  # read now: a test's captured stderr too
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = float("-inf")
        self._open = False  # a rewritten line is on screen, not yet ended
        self._text = ""

    def show(self, text: str, *, final: bool = False) -> None:
        """Show ``text``; skipped when the last update was too recent, unless ``final``
        or the text is of a new kind (its words before the first digit changed: a new
        phase)."""
        if text == self._text:
            return  # the runner reports its last state again when it ends: once is enough
        now = time.monotonic()
        every = TERMINAL_EVERY_S if self.terminal else LOG_EVERY_S
        if not final and now - self._last < every and _kind(text) == _kind(self._text):
            return
        self._last, self._text = now, text
        if self.terminal:
            print(f"\r{text}   ", end="", file=self.stream, flush=True)
            self._open = True
        else:
            print(text, file=self.stream, flush=True)

    def end(self) -> None:
        """End the rewritten line (a terminal) before other output follows."""
        if self._open:
            print(file=self.stream, flush=True)
            self._open = False


def _kind(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isdigit():
            return text[:i]
    return text


def progress_printer(line):
    """Progress of a job on ``line`` (a :class:`StatusLine`): rows done, rows/s and ETA.
    The ``progress`` callback of a :class:`~llmstudio.core.progress.Monitor` given to the
    runner (it reads the runner's ``record``)."""

    def show(done, total, record=None, **_) -> None:
        if record is None:  # not a run: the counts alone
            line.show(f"{done:,}/{total:,}", final=done >= total)
            return
        p = record
        if p.phase:  # learning from the corpus or the examples, before the rows
            left = p.phase_eta_s
            line.show(p.phase + (f", about {left:,.0f} s left, then the rows" if left else ""))
            return
        eta = f", ETA {p.eta_s:,.0f} s" if p.eta_s is not None and p.done < p.total else ""
        # No row back for a while: how long, and for what (a server that does not answer).
        # Put first, a line of a new kind: a log shows at once that the job waits.
        waiting = f"waiting for {p.waiting_for} {p.waiting_s:,.0f} s; " if p.waiting_s else ""
        line.show(
            f"{waiting}{p.done:,}/{p.total:,} rows ({p.cached:,} from cache, "
            f"{p.failed:,} failed), {p.rows_per_s:,.1f} rows/s{eta}",
            final=p.done >= p.total,
        )

    return show

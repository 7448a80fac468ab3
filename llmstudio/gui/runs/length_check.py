"""How many texts are longer than the chosen model reads at once, said under the run
dialog's options: counted again in the background (loading the model's tokenizer,
counting a big corpus) after a pause in typing, when the model or the task changed."""

from __future__ import annotations

import html
import json

import pandas as pd
import shiboken6
from PySide6.QtCore import QObject, QTimer

from ...core.chunking import over_limit
from ...core.runner import row_inputs
from ..common.background import BackgroundTask
from ..common.errors import describe
from .jobs import JobSpec

LENGTH_CHECK_DELAY_MS = 400  # after the last change, before the texts are counted again


class LengthCheck(QObject):
    """The long texts of a run dialog (``dialog``: its spec, problem, frame, text column,
    long-texts choice and ``length_note``)."""

    def __init__(self, dialog):
        super().__init__(dialog)
        self.dialog = dialog
        # (key of what was counted, (n, limit) or the error) of the last count.
        self._found: tuple | None = None
        self._backends: dict = {}  # (model, base_url) -> a loaded backend
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LENGTH_CHECK_DELAY_MS)
        self._timer.timeout.connect(self._check)
        # One count at a time: a change meanwhile is counted after it, after the pause.
        # No parent: the task outlives a dialog closed while it counts.
        self._counting = BackgroundTask(reports=False, again=self._count_later)
        self._counting_key: tuple | None = None  # what the running count is for
        self._counting.sig_result.connect(lambda found: self._counted(self._counting_key, found))
        self._counting.sig_error.connect(lambda exc: self._counted(self._counting_key, exc))

    def stop(self) -> None:
        """The dialog closes: no count to come, the models loaded to count let go."""
        self._timer.stop()
        self._backends.clear()

    def key(self) -> tuple | None:
        """What the count of long texts depends on (None: nothing to count yet)."""
        if self.dialog.frame is None or not len(self.dialog.frame):
            return None
        spec = self.dialog.spec()
        params = dict(spec.task().params())
        params.pop("long_texts", None)  # the mode changes the words, not the count
        return (spec.model, spec.base_url, json.dumps(params, sort_keys=True, default=str))

    def show(self, problem: str) -> None:
        """Say how many texts the model cannot read at once, counting them again (in the
        background, after a pause in typing) when the model or the task changed."""
        key = None if problem else self.key()
        if key is None:
            self.dialog.length_note.setText("")
            return
        if self._found is not None and self._found[0] == key:
            self.dialog.length_note.setText(self.words(self._found[1]))
            return
        self.dialog.length_note.setText(
            "<span style='color:#666'>Checking the texts' lengths against this model…</span>"
        )
        self._timer.start()

    def _check(self) -> None:
        if self._counting.ask_again():  # one count at a time; this one comes next
            return
        key = None if self.dialog.problem() else self.key()
        if key is None:
            return
        self._counting_key = key
        self._counting.start(
            count_long_texts,
            self.dialog.spec(),
            self.dialog.frame,
            self.dialog.text_column,
            self._backends,
        )

    def _count_later(self) -> None:
        if shiboken6.isValid(self._timer):  # not once the dialog has closed
            self._timer.start()

    def _counted(self, key: tuple, found) -> None:
        if not shiboken6.isValid(self.dialog):
            return
        self._found = (key, found)
        if not self.dialog.problem() and self.key() == key:
            self.dialog.length_note.setText(self.words(found))

    def words(self, found) -> str:
        """The warning (or all-clear) for (texts over the limit, limit) or an error."""
        if isinstance(found, BaseException):
            return (
                "<span style='color:#666'>The texts' lengths could not be checked "
                f"against this model: {html.escape(describe(found))}</span>"
            )
        n, limit = found
        if limit is None:
            return ""
        if not n:
            return (
                f"<span style='color:#666'>Every text fits in what this model reads at "
                f"once ({limit:,} tokens).</span>"
            )
        what = (
            "they will be split into chunks and the chunks' answers combined"
            if self.dialog.long_texts.currentData() == "split"
            else "they will be truncated: the model reads only their start"
        )
        if self.dialog.task_name() == "prompt" and self.dialog.long_texts.currentData() == "split":
            what = (
                "a free prompt's answers cannot be combined across chunks: those rows "
                "will fail; choose to truncate, or shorten them"
            )
        texts = "1 text is" if n == 1 else f"{n:,} texts are"
        column = "chunks" if self.dialog.long_texts.currentData() == "split" else "truncated"
        return (
            f"<span style='color:#b26a00'>⚠ {texts} longer than this model reads at "
            f"once ({limit:,} tokens): {what}. The column {self.dialog.task_name()}_{column} "
            "marks them.</span>"
        )


def count_long_texts(
    spec: JobSpec, frame: pd.DataFrame, text_column: str, backends: dict
) -> tuple[int, int | None]:
    """(texts over the model's limit, the limit in tokens) for the run ``spec`` describes
    (in a worker thread; ``backends`` keeps the models loaded for it by model)."""
    task = spec.task()
    key = (spec.model, spec.base_url)
    if key not in backends:
        backends.clear()  # one model held at a time
        backends[key] = spec.backend()
    return over_limit(backends[key], task, row_inputs(task, frame, text_column))

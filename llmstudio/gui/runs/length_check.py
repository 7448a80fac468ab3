"""What a run will send (its rows, or units, and about how many tokens) and how many texts
are longer than the chosen model reads at once, said under the run dialog's options:
counted again in the background (loading the model's tokenizer, counting a big corpus)
after a pause in typing, when the model or the task changed."""

from __future__ import annotations

import html
import json

import pandas as pd
import shiboken6
from PySide6.QtCore import QObject, QTimer

from ...core.chunking import over_limit
from ...core.cost import estimate, same_text_words
from ...core.runner import row_inputs
from ...core.unit_corpus import is_units_frame
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

    def sends(self, rows: int, tokens: int, same: int) -> str:
        """What the run sends: its units (a units corpus) or rows (``same`` of them with
        an earlier row's text, sent once), and about how many tokens of input."""
        units = is_units_frame(self.dialog.frame)
        what = (
            f"{rows:,} unit{'s' if rows != 1 else ''} (rows)"
            if units
            else (f"{rows:,} row{'s' if rows != 1 else ''}")
        )
        return (
            f"<span style='color:#666'>The run sends {what} to the model"
            + (f" ({same_text_words(same)}: sent once)" if same else "")
            + ": about "
            f"{tokens:,} tokens of input, the prompt included.</span>"
        )

    def words(self, found) -> str:
        """What the run sends, and the warning (or all-clear) of its long texts, for
        (texts over the limit, limit, rows, input tokens, rows with an earlier row's text); or an
        error."""
        if isinstance(found, BaseException):
            return (
                "<span style='color:#666'>The texts' lengths could not be checked "
                f"against this model: {html.escape(describe(found))}</span>"
            )
        n, limit, rows, tokens, same = found
        sends = self.sends(rows, tokens, same)
        if limit is None:
            return sends
        if not n:
            return (
                f"{sends}<br><span style='color:#666'>Every text fits in what this model "
                f"reads at once ({limit:,} tokens).</span>"
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
            f"{sends}<br><span style='color:#b26a00'>⚠ {texts} longer than this model reads at "
            f"once ({limit:,} tokens): {what}. The column {self.dialog.task_name()}_{column} "
            "marks them.</span>"
        )


def count_long_texts(
    spec: JobSpec, frame: pd.DataFrame, text_column: str, backends: dict
) -> tuple[int, int | None, int, int, int]:
    """(texts over the model's limit, the limit in tokens, rows sent, about how many
    tokens of input they are and how many rows repeat an earlier row's input: ``core.cost``'s
    estimate) for the run ``spec`` describes
    (in a worker thread; ``backends`` keeps the models loaded for it by model)."""
    task = spec.task()
    key = (spec.model, spec.base_url)
    if key not in backends:
        backends.clear()  # one model held at a time
        backends[key] = spec.backend()
    inputs = row_inputs(task, frame, text_column)
    sent = estimate(task, inputs, spec.model)
    return (
        *over_limit(backends[key], task, inputs),
        len(inputs),
        sent.input_tokens,
        sent.same_text,
    )

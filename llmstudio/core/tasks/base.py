"""The interface every task implements."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod

# Long texts (over what a model reads at once): split into chunks whose answers are
# combined (the default), or truncated to the part the model reads. Part of a task's
# params, so the cache never serves one mode's answer to the other.
SPLIT, TRUNCATE = "split", "truncate"
LONG_TEXT_MODES = (SPLIT, TRUNCATE)

# The key under which an output carries the model's per-label probabilities, for
# combining chunks (never a column: the runner drops it before storing).
PROBABILITIES = "_probabilities"


class ParseError(ValueError):
    """A model's answer could not be read as this task's output."""


class Task(ABC):
    """One kind of annotation (sentiment, coding, a custom prompt)."""

    name: str = "task"

    @abstractmethod
    def params(self) -> dict:
        """Everything that changes the result: part of the cache key and the run record."""

    @abstractmethod
    def columns(self) -> list[str]:
        """The output columns, in order (named after the task: ``sentiment_label``...)."""

    @abstractmethod
    def messages(self, text: str) -> list[dict]:
        """The chat messages sent to a generative model for ``text``."""

    @abstractmethod
    def json_schema(self) -> dict:
        """The JSON schema of one answer (structured output where the server takes it)."""

    @abstractmethod
    def parse(self, raw: str) -> dict:
        """Read a generative answer into ``{column: value}``; raises :class:`ParseError`."""

    @abstractmethod
    def from_scores(self, scores: dict[str, float]) -> dict:
        """``{column: value}`` from a classifier's label probabilities (already on this
        task's labels)."""

    # -- optional -----------------------------------------------------------------------

    generative_only = False  # True: needs a model that writes text (a chat/causal or API model)
    labels: tuple[str, ...] = ()  # a classification task's label set; () for free text

    long_texts: str = SPLIT  # SPLIT or TRUNCATE; dataclass tasks make it a field
    # Tasks that have these make them fields or properties; the defaults are a task's
    # without them, so that every caller may ask any task.
    explain = False  # True: a generative model is asked for a one-sentence explanation
    multi_label = False  # True: several labels a text (a multi-label codebook)
    codebook = None  # the Codebook a coding task applies (None for other tasks)

    def check_columns(self, columns: list[str]) -> None:
        """Raise an error naming what the task needs of the table and ``columns`` lack
        (a prompt's placeholders); by default it needs nothing but the text."""
        return None

    def label_of(self, word: str) -> str | None:
        """This task's label for a model's word (case-insensitively), or None."""
        key = word.strip().lower()
        return next((label for label in self.labels if label.lower() == key), None)

    def long_text_columns(self) -> list[str]:
        """``<task>_chunks`` (how many chunks the model read: 1 when the text fit) and, in
        truncate mode, ``<task>_truncated`` (1 when the model read only the text's start)."""
        columns = [f"{self.name}_chunks"]
        return columns + [f"{self.name}_truncated"] if self.long_texts == TRUNCATE else columns

    def combine(self, outputs: list[dict], weights: list[int]) -> dict:
        """One output from the outputs for a long text's chunks (``weights``: their token
        counts); raises :class:`ParseError` when this task's answers cannot be combined."""
        raise ParseError(f"answers to {self.describe()} cannot be combined across chunks")

    def inputs(self) -> list[str]:
        """Columns besides the text column that one row's input is made of."""
        return []

    def render(self, text: str, row: dict[str, str]) -> str:
        """One row's input to the model (``row`` holds the :meth:`inputs` columns)."""
        return text

    def complete(self, text: str, output: dict) -> dict:
        """A model's output for ``text``, with anything the task adds itself."""
        return output

    def describe(self) -> str:
        """One line for the run record and the Jobs panel."""
        return self.name

    def expected_output_tokens(self) -> int:
        """About how long an answer is (cost estimates)."""
        return 20


_OBJECT = re.compile(r"\{.*\}", re.S)


def json_object(raw: str) -> dict | None:
    """The first JSON object in ``raw``, tolerating prose around it, code fences and a
    truncated end (missing closing quote/brace); None when there is none."""
    text = raw.strip()
    candidates = []
    match = _OBJECT.search(text)
    if match:
        candidates.append(match.group())
    start = text.find("{")
    if start >= 0:
        tail = text[start:]
        # A reply cut off by max_tokens: close what is open and try again.
        for suffix in ("}", '"}', '"}}', "}}"):
            candidates.append(tail + suffix)
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    # Prose after the object that has braces of its own ("... {like this}"): the first
    # complete object from where one starts.
    decoder = json.JSONDecoder()
    for found in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, found.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None

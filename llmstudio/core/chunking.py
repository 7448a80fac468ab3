"""Texts longer than a model reads at once: split into chunks, or truncated, and marked.

Every backend knows its input limit in tokens and counts a text's tokens
(:meth:`Backend.input_limit`, :meth:`Backend.count_tokens`). A text over the limit is,
as the task's ``long_texts`` says:

* ``split`` (the default): cut into chunks on sentence boundaries (a sentence that is
  itself too long on word boundaries, a word too long by characters), each within the
  limit; every chunk is annotated and the answers combined by the task's rule
  (:meth:`Task.combine`: sentiment and single-label codes average the chunks' label
  probabilities weighted by their token counts, or vote by tokens x score for generative
  models; a code of a multi-label codebook applies when it applies to any chunk, with
  the chunks' highest score). A free prompt's answers cannot be combined: such a row
  gets an error saying so.
* ``truncate``: the model reads the text's start only (a local model truncates itself,
  a text for an API model is cut at a word boundary before it is sent).

Either way the row says so: ``<task>_chunks`` is the number of chunks the model read
(1 when the text fit), and in truncate mode ``<task>_truncated`` is 1 for a text the
model read only the start of.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from .backends.base import Backend, RowError
from .store import annotations as stored_annotations
from .store import runs as stored_runs
from .tasks.base import PROBABILITIES, SPLIT, TRUNCATE, ParseError, Task

# Where a sentence ends: its mark, any closing quotes or brackets, then white space.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+|\n\s*\n\s*")
_WORD_END = re.compile(r"\s+")
# Re-splitting a chunk whose joined count came out over the limit (tokens are not quite
# additive across a boundary): rounds before giving up and cutting by characters.
_REFIT_ROUNDS = 4
# Plans of one text with what a server's refusals teach (its window, its tokenizer's
# rate): each refusal teaches more, so a few rounds find it or the error stands.
_RELEARN_ROUNDS = 4


@dataclass
class Plan:
    """How one text goes to the model: the pieces it reads and their token counts."""

    pieces: list[str]
    tokens: list[int]
    truncated: bool = False  # truncate mode: the model reads only the start
    refused: str = ""  # why this text cannot be annotated as asked ("" when it can)


def _cut(text: str, pattern: re.Pattern) -> list[str]:
    """``text`` cut after each match of ``pattern`` (the pieces join back to ``text``)."""
    pieces, start = [], 0
    for match in pattern.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return [p for p in pieces if p]


def split_text(text: str, limit: int, count: Callable[[list[str]], list[int]]) -> list[str]:
    """``text`` in consecutive chunks of at most ``limit`` tokens (as ``count`` counts),
    cut on sentence boundaries where it can, else on word boundaries, else by characters.
    Chunks are filled greedily, so all but the last are close to the limit."""
    units = _units(text, limit, count)
    chunks = _pack(units, limit)
    for _ in range(_REFIT_ROUNDS):
        sizes = count(chunks)
        over = [i for i, n in enumerate(sizes) if n > limit]
        if not over:
            return [c for c in chunks if c.strip()]
        refit = []
        for i, chunk in enumerate(chunks):
            if i in over:  # a little smaller each round than the tokens it went over
                budget = max(1, limit - (sizes[i] - limit) - 1)
                refit += _pack(_units(chunk, budget, count), budget)
            else:
                refit.append(chunk)
        chunks = refit
    return [c for c in chunks if c.strip()]


def _units(text: str, limit: int, count) -> list[tuple[str, int]]:
    """(piece, tokens) of ``text``: sentences, with those over ``limit`` in words, and
    words over it in pieces of characters."""
    sentences = _cut(text, _SENTENCE_END)
    out = []
    for sentence, n in zip(sentences, count(sentences)):
        if n <= limit:
            out.append((sentence, n))
            continue
        words = _cut(sentence, _WORD_END)
        for word, m in zip(words, count(words)):
            if m <= limit:
                out.append((word, m))
            else:  # a URL or a run without spaces: characters, a third of the limit each
                step = max(1, limit // 3)
                parts = [word[i : i + step] for i in range(0, len(word), step)]
                out += list(zip(parts, count(parts)))
    return out


def _pack(units: list[tuple[str, int]], limit: int) -> list[str]:
    chunks, current, size = [], "", 0
    for piece, n in units:
        if current and size + n > limit:
            chunks.append(current)
            current, size = "", 0
        current += piece
        size += n
    if current:
        chunks.append(current)
    return chunks


def truncate_text(text: str, limit: int, count: Callable[[list[str]], list[int]]) -> str:
    """The longest start of ``text`` ending at a word boundary within ``limit`` tokens."""
    words = _cut(text, _WORD_END)
    lo, hi = 0, len(words)  # the most words that fit: binary search
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(["".join(words[:mid])])[0] <= limit:
            lo = mid
        else:
            hi = mid - 1
    return "".join(words[:lo]).rstrip() if lo else split_text(text, limit, count)[0]


class LongTexts:
    """Annotates texts with a backend, splitting or truncating those over its limit (see
    the module docstring) and marking every answer with ``<task>_chunks``."""

    def __init__(self, backend: Backend, task: Task):
        self.backend, self.task = backend, task
        self.mode = task.long_texts
        self.chunks_column = f"{task.name}_chunks"
        self.truncated_column = f"{task.name}_truncated"

    @cached_property
    def limit(self) -> int | None:
        """The backend's limit, asked on first use (an API model's may take a request:
        a job served wholly from the cache makes none)."""
        return self.backend.input_limit(self.task)

    def plan(self, texts: list[str]) -> list[Plan]:
        """How each text goes to the model (token counts in one call for all)."""
        if self.limit is None:
            return [Plan([t], [0]) for t in texts]
        counts = self.backend.count_tokens(texts)
        return [
            Plan([t], [n]) if n <= self.limit else self._long(t, n)
            for t, n in zip(texts, counts, strict=True)
        ]

    def _long(self, text: str, tokens: int) -> Plan:
        count = self.backend.count_tokens
        if self.limit < 1:  # not "more than the -12 tokens it reads"
            return Plan(
                [text],
                [tokens],
                refused=f"the text is {tokens:,} tokens, and {self.backend.describe()} has no "
                "room for any text: the prompt and the answer's tokens (max_tokens) fill its "
                "whole context",
            )
        if self.mode == TRUNCATE:
            if self.backend.cuts_long_inputs:
                return Plan([text], [self.limit], truncated=True)
            return Plan([truncate_text(text, self.limit, count)], [self.limit], truncated=True)
        pieces = split_text(text, self.limit, count)
        plan = Plan(pieces, count(pieces))
        if len(pieces) > 1 and not self._combinable():
            plan.refused = self._too_long(
                tokens,
                "answers to a free prompt cannot be "
                "combined across chunks; shorten the text "
                "or choose to truncate long texts",
            )
        return plan

    def _combinable(self) -> bool:
        return type(self.task).combine is not Task.combine

    def _too_long(self, tokens: int, why: str) -> str:
        return (
            f"the text is {tokens:,} tokens, more than the {self.limit:,} "
            f"{self.backend.describe()} reads at once: {why}"
        )

    def pieces(self, texts: list[str]) -> list[str]:
        """Every piece the model will read for ``texts`` (what a backend that learns from
        the corpus must see in :meth:`Backend.prepare`)."""
        return [p for plan in self.plan(texts) for p in plan.pieces]

    def annotate(self, texts: list[str]) -> list[dict | RowError]:
        """One outcome per text, the backend called once for every piece of the batch."""
        plans = self.plan(texts)
        pieces = [p for plan in plans if not plan.refused for p in plan.pieces]
        answers = iter(self.backend.annotate(self.task, pieces) if pieces else [])
        return [
            self.finish(plan, [] if plan.refused else [next(answers) for _ in plan.pieces])
            for plan in plans
        ]

    def annotate_one(self, text: str) -> dict | RowError:
        """One text through a remote backend, a request per piece. A server that refuses
        a piece as too long for its context, and says how long that is, teaches the
        backend its window: the text is then planned again within it and sent again."""
        for _ in range(_RELEARN_ROUNDS):
            learned = self.backend.learned
            plan = self.plan([text])[0]
            answers = []
            if not plan.refused:
                for piece in plan.pieces:
                    answers.append(self.backend.annotate_one(self.task, piece))
                    if isinstance(answers[-1], RowError):
                        break
            outcome = self.finish(plan, answers)
            # The backend learned its limits from this refusal, or from another row's
            # meanwhile: plan again with them.
            if not isinstance(outcome, RowError) or self.backend.learned == learned:
                return outcome
            self.__dict__.pop("limit", None)  # cached_property: asked again
        return outcome

    def finish(self, plan: Plan, answers: list) -> dict | RowError:
        """The row's outcome from its pieces' answers, marked."""
        if plan.refused:
            return RowError(plan.refused)
        failed = next((a for a in answers if isinstance(a, RowError)), None)
        if failed is not None:
            if len(plan.pieces) == 1:
                return failed
            where = answers.index(failed) + 1
            return RowError(
                f"chunk {where} of {len(plan.pieces)}: {failed.message}",
                retryable=failed.retryable,
                stop_after=failed.stop_after,
            )
        if len(answers) == 1:
            out = dict(answers[0])
        else:
            try:
                out = self.task.combine(answers, plan.tokens)
            except ParseError as exc:
                return RowError(str(exc))
        out.pop(PROBABILITIES, None)
        out[self.chunks_column] = len(plan.pieces)
        if self.mode == TRUNCATE:
            out[self.truncated_column] = int(plan.truncated)
        return out


def over_limit(backend: Backend, task: Task, texts: list[str]) -> tuple[int, int | None]:
    """(how many of ``texts`` are longer than ``backend`` reads at once for ``task``, its
    limit in tokens; None when it has none): what the run dialog warns of."""
    limit = backend.input_limit(task)
    if limit is None or not texts:
        return 0, limit
    return sum(n > limit for n in backend.count_tokens(texts)), limit


def long_text_counts(db, run_id: int) -> tuple[int, int]:
    """(rows split into chunks, rows truncated) of a run, from its stored answers."""
    task = stored_runs.fields(db, run_id, "task")
    if task is None:
        return 0, 0
    return stored_annotations.long_text_counts(db, run_id, task[0])


def long_text_summary(chunked: int, truncated: int) -> str:
    """A clause for run summaries ("" when no text was too long)."""
    parts = []
    if chunked:
        parts.append(f"{chunked:,} long text{'s' if chunked != 1 else ''} split into chunks")
    if truncated:
        parts.append(f"{truncated:,} long text{'s' if truncated != 1 else ''} truncated")
    return "; ".join(parts)


__all__ = [
    "SPLIT",
    "TRUNCATE",
    "LongTexts",
    "Plan",
    "long_text_counts",
    "long_text_summary",
    "over_limit",
    "split_text",
    "truncate_text",
]

"""VADER: the traditional keyword (lexicon) sentiment baseline, Hutto & Gilbert 2014."""

from __future__ import annotations

from ..lexicon import NEGATIVE_AT, POSITIVE_AT, STRONG_AT, compound, vader, vader_word
from ..tasks.base import Task
from ..tasks.sentiment import SentimentTask
from .base import Backend, BackendError, RowError
from .spec import LEXICON


def refusal(task: Task) -> str | None:
    """Why VADER cannot run ``task`` (None when it can): it has its own three- or
    five-way sentiment judgement and nothing else."""
    if not isinstance(task, SentimentTask):
        return "it does sentiment only"
    if task.explain:
        return "it gives labels only and cannot explain them"
    if task.examples:
        return "it is a fixed word list and cannot learn from examples"
    return None


class LexiconBackend(Backend):
    kind = LEXICON
    batch_size = 256

    def __init__(self):
        vader()  # loads the lexicon now: a missing one is an error before any row

    def fingerprint(self) -> dict:
        from importlib.metadata import version

        return {
            "kind": self.kind,
            "model": "vader",
            "revision": version("vaderSentiment"),
            "thresholds": [NEGATIVE_AT, POSITIVE_AT],
            "strong": STRONG_AT,
        }

    def supports(self, task: Task) -> bool:
        return refusal(task) is None

    def refusal(self, task: Task) -> str:
        return refusal(task) or ""

    def input_limit(self, task: Task) -> None:
        return None  # a word list: it reads any length

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        if not isinstance(task, SentimentTask):
            raise BackendError(
                "the lexicon (VADER) does sentiment only; choose another model "
                f"for {task.describe()}"
            )
        out: list[dict | RowError] = []
        for text in texts:
            c = compound(text)
            word = vader_word(c, task.labels)
            label = task.label_of(word)
            if label is None:
                out.append(RowError(f"VADER says {word!r}, which is not in the label set"))
                continue
            # |compound| for a polar label; closeness to 0 for neutral.
            score = abs(c) if word != "neutral" else 1.0 - abs(c) / POSITIVE_AT
            result = task.from_scores({label: round(score, 4)})
            out.append(result)
        return out

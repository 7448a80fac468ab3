"""VADER: the traditional keyword (lexicon) sentiment baseline, Hutto & Gilbert 2014."""

from __future__ import annotations

import functools

from ..tasks.base import Task
from ..tasks.sentiment import SentimentTask
from .base import Backend, BackendError, RowError

# VADER's own recommended cut-offs for the compound score.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
# For a 5-point scale: beyond these the sentiment is "very" (a common choice in the
# literature; VADER itself defines only the three-way cut-offs).
STRONG_AT = 0.6


@functools.cache
def vader():
    """The VADER analyzer (loading its lexicon takes ~0.1 s: once per process)."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as exc:  # pragma: no cover - a dependency of llmstudio
        raise BackendError(f"the VADER lexicon is not installed ({exc})") from None
    return SentimentIntensityAnalyzer()


def vader_word(compound: float, labels: tuple[str, ...]) -> str:
    """VADER's word for a compound score, on a 5-point scale when ``labels`` is one."""
    five = "very positive" in {label.lower() for label in labels}
    if compound >= POSITIVE_AT:
        return "very positive" if five and compound >= STRONG_AT else "positive"
    if compound <= NEGATIVE_AT:
        return "very negative" if five and compound <= -STRONG_AT else "negative"
    return "neutral"


def vader_label(text: str, task: SentimentTask) -> str | None:
    """The task's label VADER gives ``text`` (None when the scheme has no such label)."""
    compound = vader().polarity_scores(text)["compound"]
    return task.label_of(vader_word(compound, task.labels))


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
    kind = "lexicon"
    batch_size = 256

    def __init__(self):
        self._vader = vader()

    def fingerprint(self) -> dict:
        from importlib.metadata import version

        return {"kind": self.kind, "model": "vader", "revision": version("vaderSentiment"),
                "thresholds": [NEGATIVE_AT, POSITIVE_AT], "strong": STRONG_AT}

    def supports(self, task: Task) -> bool:
        return refusal(task) is None

    def refusal(self, task: Task) -> str:
        return refusal(task) or ""

    def input_limit(self, task: Task) -> None:
        return None  # a word list: it reads any length

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        if not isinstance(task, SentimentTask):
            raise BackendError("the lexicon (VADER) does sentiment only; choose another model "
                               f"for {task.describe()}")
        out: list[dict | RowError] = []
        for text in texts:
            compound = self._vader.polarity_scores(text)["compound"]
            word = vader_word(compound, task.labels)
            label = task.label_of(word)
            if label is None:
                out.append(RowError(f"VADER says {word!r}, which is not in the label set"))
                continue
            # |compound| for a polar label; closeness to 0 for neutral.
            score = abs(compound) if word != "neutral" else 1.0 - abs(compound) / POSITIVE_AT
            result = task.from_scores({label: round(score, 4)})
            out.append(result)
        return out

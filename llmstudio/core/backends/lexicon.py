"""VADER: the traditional keyword (lexicon) sentiment baseline, Hutto & Gilbert 2014."""

from __future__ import annotations

from ..tasks.base import Task
from ..tasks.sentiment import SentimentTask
from .base import Backend, BackendError, RowError

# VADER's own recommended cut-offs for the compound score.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


class LexiconBackend(Backend):
    kind = "lexicon"
    batch_size = 256

    def __init__(self):
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError as exc:  # pragma: no cover - a dependency of llmstudio
            raise BackendError(f"the VADER lexicon is not installed ({exc})") from None
        self._vader = SentimentIntensityAnalyzer()

    def fingerprint(self) -> dict:
        from importlib.metadata import version

        return {"kind": self.kind, "model": "vader", "revision": version("vaderSentiment"),
                "thresholds": [NEGATIVE_AT, POSITIVE_AT]}

    def supports(self, task: Task) -> bool:
        return isinstance(task, SentimentTask)

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        out: list[dict | RowError] = []
        for text in texts:
            compound = self._vader.polarity_scores(text)["compound"]
            word = ("positive" if compound >= POSITIVE_AT else
                    "negative" if compound <= NEGATIVE_AT else "neutral")
            label = task.label_of(word)
            if label is None:
                out.append(RowError(f"VADER says {word!r}, which is not in the label set"))
                continue
            # |compound| for a polar label; closeness to 0 for neutral.
            score = abs(compound) if word != "neutral" else 1.0 - abs(compound) / POSITIVE_AT
            out.append({task.columns()[0]: label, task.columns()[1]: round(score, 4)})
        return out

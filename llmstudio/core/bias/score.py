"""The signed sentiment score both bias checks use (the EEC probe and counterfactual
swaps): one number per text in [-1, 1], so that differences between groups and between a
text and its swapped twin are comparable across models."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..errors import LlmstudioError
from ..tasks.sentiment import VALENCE, VALENCE_5, SentimentTask, valence_scale

__all__ = ["SCORE_DEFINITION", "VALENCE", "VALENCE_5", "SignedSentimentTask", "valence_of"]

SCORE_DEFINITION = (
    "signed sentiment score in [-1, 1]: the expected valence of the label probabilities the "
    "model gives (P(positive) - P(negative) for positive/negative/neutral; on the 5-point "
    "scale valences -1, -0.5, 0, 0.5, 1); for the VADER lexicon this is its compound score "
    "(0 inside its neutral band -0.05..0.05); where the model gives a label only "
    "(generative models), the label's valence (-1, 0, +1)"
)


def valence_of(labels) -> dict[str, float]:
    """Each label's valence; raises when a label has none (a scheme of one's own)."""
    table = valence_scale(labels)
    unknown = [label for label in labels if label.lower() not in table]
    if unknown:
        raise LlmstudioError(
            f"a signed sentiment score needs labels with a known valence "
            f"({', '.join(table)}); {', '.join(map(repr, unknown))} has none"
        )
    return {label: table[label.lower()] for label in labels}


@dataclass(frozen=True)
class SignedSentimentTask(SentimentTask):
    """Sentiment with one more output column, ``<name>_signed``: the expected valence of the
    label probabilities a classifier gives (:data:`SCORE_DEFINITION`). Models that answer
    with a label only (through :meth:`parse`) leave it empty; the probe then takes the
    label's valence."""

    def params(self) -> dict:
        return {**super().params(), "signed_score": 1}  # its own cache entries

    def columns(self) -> list[str]:
        return super().columns() + [f"{self.name}_signed"]

    def from_scores(self, scores: dict[str, float]) -> dict:
        out = super().from_scores(scores)
        valence = valence_of(self.labels)
        out[f"{self.name}_signed"] = float(
            sum(valence[label] * float(p) for label, p in scores.items())
        )
        return out

    @classmethod
    def of(cls, task: SentimentTask) -> SignedSentimentTask:
        if not isinstance(task, SentimentTask):
            raise LlmstudioError(f"a signed score needs a sentiment task, not {task.describe()}")
        valence_of(task.labels)  # refused before anything runs
        return cls(**{f.name: getattr(task, f.name) for f in fields(task)})

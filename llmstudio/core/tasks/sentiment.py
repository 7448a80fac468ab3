"""Sentiment: one label from a scheme (positive/negative/neutral by default, a 5-point
scale, or the researcher's own labels), a score, and optionally a one-sentence
explanation (generative models) and the VADER lexicon's label beside it as a baseline."""

from __future__ import annotations

from dataclasses import dataclass

from ..lexicon import vader_label
from .choice import ChoiceTask

DEFAULT_LABELS = ("positive", "negative", "neutral")
SCALES = {
    "3": DEFAULT_LABELS,
    "5": ("very negative", "negative", "neutral", "positive", "very positive"),
}

# How the sentiment labels read as sentences (for comparing a text with its labels).
LABEL_DESCRIPTIONS = {
    "positive": [
        "This text is positive.",
        "I am happy and pleased with this.",
        "This is great, good news, I like it.",
    ],
    "negative": [
        "This text is negative.",
        "I am angry and disappointed with this.",
        "This is terrible, bad news, I hate it.",
    ],
    "neutral": [
        "This text is neutral.",
        "This is a plain statement of fact.",
        "I have no strong feelings about this.",
    ],
    "very positive": [
        "This text is very positive.",
        "I love this, it is wonderful!",
        "Absolutely fantastic, the best news ever.",
    ],
    "very negative": [
        "This text is very negative.",
        "I hate this, it is awful!",
        "Absolutely terrible, a disaster, the worst.",
    ],
}

# Label valences (the signed sentiment of each label on -1..1; see :func:`valence`): the
# 3-point scheme's P(positive) - P(negative), and the 5-point scale spread evenly.
VALENCE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
VALENCE_5 = {
    "very negative": -1.0,
    "negative": -0.5,
    "neutral": 0.0,
    "positive": 0.5,
    "very positive": 1.0,
}


def five_point(labels) -> bool:
    """Whether a label set is the 5-point scale: a label starts "very " (case ignored)."""
    return any(str(label).lower().startswith("very ") for label in labels)


def valence_scale(labels) -> dict[str, float]:
    """The valence table of a label set: :data:`VALENCE_5` or :data:`VALENCE`."""
    return VALENCE_5 if five_point(labels) else VALENCE


def valence(probabilities: dict[str, float]) -> float | None:
    """The signed sentiment of one text on -1..1: the probability-weighted mean of its
    labels' valences. On the default scale P(positive) - P(negative); on the 5-point scale
    very negative -1, negative -0.5, neutral 0, positive 0.5, very positive 1. None for a
    label set with a label of no known valence (the researcher's own labels), or without
    probabilities (a generative model's answer)."""
    if not probabilities:
        return None
    given = {label.lower(): float(p) for label, p in probabilities.items()}
    table = valence_scale(given)
    if not set(given) <= set(table) or not {"positive", "negative"} <= set(given):
        return None
    return round(sum(table[label] * p for label, p in given.items()), 6)


# Words classifiers and chat models use for the default labels.
_SYNONYMS = {
    "pos": "positive",
    "positive": "positive",
    "label_positive": "positive",
    "neg": "negative",
    "negative": "negative",
    "label_negative": "negative",
    "neu": "neutral",
    "neutral": "neutral",
    "mixed": "neutral",
    "none": "neutral",
}


@dataclass(frozen=True)
class SentimentTask(ChoiceTask):
    labels: tuple[str, ...] = DEFAULT_LABELS
    name: str = "sentiment"
    baseline: bool = False  # add the VADER lexicon's label as <name>_lexicon

    def instruction(self) -> str:
        return "You classify the sentiment of texts for social-science research."

    def synonyms(self) -> dict[str, str]:
        return _SYNONYMS

    def label_descriptions(self) -> dict[str, list[str]]:
        return {
            label: LABEL_DESCRIPTIONS[label.lower()]
            for label in self.labels
            if label.lower() in LABEL_DESCRIPTIONS
        }

    def params(self) -> dict:
        out = super().params()
        out["task"] = "sentiment"
        if self.baseline:
            out["baseline"] = "vader"
        return out

    def output_columns(self) -> list[str]:
        columns = super().output_columns() + [f"{self.name}_valence"]
        return columns + [f"{self.name}_lexicon"] if self.baseline else columns

    def from_probabilities(self, probabilities: dict[str, float]) -> dict:
        out = super().from_probabilities(probabilities)
        out[f"{self.name}_valence"] = valence(probabilities)
        return out

    def complete(self, text: str, output: dict) -> dict:
        if self.baseline:
            output = {**output, f"{self.name}_lexicon": vader_label(text, self)}
        return output

    def describe(self) -> str:
        extras = [
            " with explanations" if self.explain else "",
            f" from {len(self.examples)} examples" if self.examples else "",
        ]
        return f"sentiment ({', '.join(self.labels)}){''.join(extras)}"

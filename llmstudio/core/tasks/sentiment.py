"""Sentiment: one label from a scheme (positive/negative/neutral by default, a 5-point
scale, or the researcher's own labels), a score, and optionally a one-sentence
explanation (generative models) and the VADER lexicon's label beside it as a baseline."""

from __future__ import annotations

from dataclasses import dataclass

from .choice import ChoiceTask

DEFAULT_LABELS = ("positive", "negative", "neutral")
SCALES = {
    "3": DEFAULT_LABELS,
    "5": ("very negative", "negative", "neutral", "positive", "very positive"),
}

# How the sentiment labels read as sentences (for comparing a text with its labels).
LABEL_DESCRIPTIONS = {
    "positive": ["This text is positive.", "I am happy and pleased with this.",
                 "This is great, good news, I like it."],
    "negative": ["This text is negative.", "I am angry and disappointed with this.",
                 "This is terrible, bad news, I hate it."],
    "neutral": ["This text is neutral.", "This is a plain statement of fact.",
                "I have no strong feelings about this."],
    "very positive": ["This text is very positive.", "I love this, it is wonderful!",
                      "Absolutely fantastic, the best news ever."],
    "very negative": ["This text is very negative.", "I hate this, it is awful!",
                      "Absolutely terrible, a disaster, the worst."],
}

# Words classifiers and chat models use for the default labels.
_SYNONYMS = {
    "pos": "positive", "positive": "positive", "label_positive": "positive",
    "neg": "negative", "negative": "negative", "label_negative": "negative",
    "neu": "neutral", "neutral": "neutral", "mixed": "neutral", "none": "neutral",
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
        return {label: LABEL_DESCRIPTIONS[label.lower()] for label in self.labels
                if label.lower() in LABEL_DESCRIPTIONS}

    def params(self) -> dict:
        out = super().params()
        out["task"] = "sentiment"
        if self.baseline:
            out["baseline"] = "vader"
        return out

    def columns(self) -> list[str]:
        columns = super().columns()
        return columns + [f"{self.name}_lexicon"] if self.baseline else columns

    def complete(self, text: str, output: dict) -> dict:
        if self.baseline:
            from ..backends.lexicon import vader_label

            output = {**output, f"{self.name}_lexicon": vader_label(text, self)}
        return output

    def describe(self) -> str:
        extras = [" with explanations" if self.explain else "",
                  f" from {len(self.examples)} examples" if self.examples else ""]
        return f"sentiment ({', '.join(self.labels)}){''.join(extras)}"

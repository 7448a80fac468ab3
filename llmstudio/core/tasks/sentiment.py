"""Sentiment: one label from a scheme (positive/negative/neutral by default) and a score."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import ParseError, Task, json_object

DEFAULT_LABELS = ("positive", "negative", "neutral")

# Words classifiers and chat models use for the default labels.
_SYNONYMS = {
    "pos": "positive", "positive": "positive", "label_positive": "positive",
    "neg": "negative", "negative": "negative", "label_negative": "negative",
    "neu": "neutral", "neutral": "neutral", "mixed": "neutral", "none": "neutral",
}


@dataclass(frozen=True)
class SentimentTask(Task):
    labels: tuple[str, ...] = DEFAULT_LABELS
    name: str = "sentiment"

    def params(self) -> dict:
        return {"task": "sentiment", "labels": list(self.labels), "prompt_version": 1}

    def columns(self) -> list[str]:
        return [f"{self.name}_label", f"{self.name}_score"]

    def messages(self, text: str) -> list[dict]:
        labels = ", ".join(self.labels)
        return [
            {"role": "system", "content": (
                "You classify the sentiment of texts for social-science research. "
                f"Answer with JSON only: {{\"label\": one of [{labels}], \"score\": your "
                "confidence from 0 to 1}.")},
            {"role": "user", "content": f"Text:\n{text}"},
        ]

    def json_schema(self) -> dict:
        return {
            "type": "object",
            "properties": {"label": {"type": "string", "enum": list(self.labels)},
                           "score": {"type": "number", "minimum": 0, "maximum": 1}},
            "required": ["label", "score"],
            "additionalProperties": False,
        }

    def label_of(self, word: str) -> str | None:
        """This scheme's label for a model's word (case, synonyms), or None."""
        key = word.strip().strip(".\"'").lower()
        for label in self.labels:
            if key == label.lower():
                return label
        mapped = _SYNONYMS.get(key)
        return mapped if mapped in self.labels else None

    def parse(self, raw: str) -> dict:
        obj = json_object(raw)
        if obj is not None and isinstance(obj.get("label"), str):
            label = self.label_of(obj["label"])
            if label is None:
                raise ParseError(f"label {obj['label']!r} is not one of {list(self.labels)}")
            score = obj.get("score")
            try:
                score = None if score is None else min(1.0, max(0.0, float(score)))
            except (TypeError, ValueError):
                score = None
            return {self.columns()[0]: label, self.columns()[1]: score}
        # Prose: accept it only when exactly one label is named.
        found = {label for label in self.labels
                 if re.search(rf"\b{re.escape(label)}\b", raw, re.IGNORECASE)}
        if len(found) == 1:
            return {self.columns()[0]: found.pop(), self.columns()[1]: None}
        raise ParseError(f"no label of {list(self.labels)} in the answer {raw[:120]!r}")

    def from_scores(self, scores: dict[str, float]) -> dict:
        label = max(scores, key=scores.get)
        return {self.columns()[0]: label, self.columns()[1]: float(scores[label])}

"""An attribution: each word of one text with its weight for one answer's score."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .words import Word

OCCLUSION, GRADIENTS = "occlusion", "gradients"
METHODS = (OCCLUSION, GRADIENTS)
METHOD_NAMES = {
    OCCLUSION: "occlusion (each word left out, the text asked again)",
    GRADIENTS: "integrated gradients (Captum)",
}

# What an attribution is and is not, in plain words: shown beside every view of one and
# written into every export (COLOURS where the words are coloured).
WHAT_IT_IS = (
    "A word's weight says how much it moved this model's score for this label on this "
    "text (positive: it raised the score). It is not what the text means, nor why a "
    "person would code it so, nor what the model does on other texts; a word's weight "
    "can depend on the words around it."
)
COLOURS = "Orange words raised the score, blue words lowered it, pale words changed little."


@dataclass(frozen=True)
class WeightedWord:
    """A word of the text and its weight (None: the model gave no answer without it)."""

    word: Word
    weight: float | None


@dataclass(frozen=True)
class Attribution:
    """Every word of ``text`` weighed for the score of ``label`` by ``method``."""

    text: str
    words: list[WeightedWord]
    method: str  # OCCLUSION or GRADIENTS
    model: str  # the model as the run names it
    run_title: str
    row: int  # 0-based row id
    label: str
    score: float  # the answer's score on the whole text, as asked now
    score_kind: str  # how the score was read (answer.PROBABILITY, ...)
    requests: int = 0  # texts the model was asked (occlusion; 0 for gradients)
    window: int = 1  # occlusion: words left out at once
    notes: list[str] = field(default_factory=list)  # what the reader must know

    def largest(self) -> float:
        """The largest absolute weight (the colour scale's end); 0 when all are 0."""
        return max((abs(w.weight) for w in self.words if w.weight is not None), default=0.0)

    def method_text(self) -> str:
        """The method in words, with its window for occlusion of phrases."""
        text = METHOD_NAMES[self.method]
        if self.method == OCCLUSION and self.window > 1:
            text = f"occlusion ({self.window} words left out at a time, the text asked again)"
        return text

    def table(self) -> pd.DataFrame:
        """One row per word: word, start, end (offsets into the text), weight."""
        return pd.DataFrame(
            {
                "word": [w.word.text for w in self.words],
                "start": [w.word.start for w in self.words],
                "end": [w.word.end for w in self.words],
                "weight": pd.array([w.weight for w in self.words], dtype="Float64"),
            }
        )

    def describe(self) -> str:
        """One line: what was explained, by which model and method."""
        return (
            f"row {self.row + 1}, {self.run_title}: label {self.label!r} "
            f"({self.score_kind} {self.score:.3f}) by {self.model}, {self.method_text()}"
        )

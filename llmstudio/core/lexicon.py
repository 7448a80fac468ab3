"""VADER, the keyword (lexicon) sentiment scorer of Hutto & Gilbert 2014: one home for the
analyzer and its cut-offs, used by the lexicon backend, the sentiment task's lexicon
baseline column and the embedding classifier's lexicon features.

It depends on no backend or task module, so each of those can import it at the top (the
backend and the sentiment task used to import each other).
"""

from __future__ import annotations

import functools

from .errors import BackendError

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


def compound(text: str) -> float:
    """VADER's compound score of ``text``, from -1 (most negative) to 1 (most positive);
    0 for a missing text."""
    return vader().polarity_scores(text if isinstance(text, str) else "")["compound"]


def vader_word(compound: float, labels: tuple[str, ...]) -> str:
    """VADER's word for a compound score, on a 5-point scale when ``labels`` is one."""
    five = "very positive" in {label.lower() for label in labels}
    if compound >= POSITIVE_AT:
        return "very positive" if five and compound >= STRONG_AT else "positive"
    if compound <= NEGATIVE_AT:
        return "very negative" if five and compound <= -STRONG_AT else "negative"
    return "neutral"


def vader_label(text: str, task) -> str | None:
    """The label of ``task`` (a SentimentTask: typed loosely, as the task imports this
    module) that VADER gives ``text`` (None when the scheme has no such label)."""
    return task.label_of(vader_word(compound(text), task.labels))

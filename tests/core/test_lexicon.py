"""core/lexicon.py, the one home of VADER: the backend, the sentiment task's baseline
column and the embedding classifier's features all read the same score."""

from __future__ import annotations

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.lexicon import NEGATIVE_AT, POSITIVE_AT, compound, vader_label, vader_word
from llmstudio.core.tasks import SentimentTask

TEXTS = ["I love this, it is wonderful!", "This is awful and I hate it.", "The bus leaves at 9."]


def test_compound_orders_the_texts_and_a_missing_text_is_neutral():
    good, bad, plain = (compound(t) for t in TEXTS)
    assert good >= POSITIVE_AT and bad <= NEGATIVE_AT and NEGATIVE_AT < plain < POSITIVE_AT
    assert compound(None) == 0.0


def test_the_backend_and_the_baseline_column_agree():
    task = SentimentTask()
    labels = [r["sentiment_label"] for r in LexiconBackend().annotate(task, TEXTS)]
    assert labels == [vader_label(t, task) for t in TEXTS] == ["positive", "negative", "neutral"]
    five = ("very negative", "negative", "neutral", "positive", "very positive")
    assert vader_word(0.9, five) == "very positive" and vader_word(0.9, task.labels) == "positive"

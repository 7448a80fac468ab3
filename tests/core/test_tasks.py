"""Sentiment task: prompts, schema and parsing of messy generative answers."""

from __future__ import annotations

import pytest

from llmstudio.core.tasks import ParseError, SentimentTask
from llmstudio.core.tasks.base import json_object

TASK = SentimentTask()


@pytest.mark.parametrize(
    "raw, label, score",
    [
        ('{"label": "positive", "score": 0.9}', "positive", 0.9),
        (
            'Sure! Here is the JSON:\n```json\n{"label": "Negative", "score": 0.7}\n```',
            "negative",
            0.7,
        ),
        ('{"label": "NEUTRAL", "score": "0.55"}', "neutral", 0.55),
        ('{"label": "pos", "score": 1.7}', "positive", 1.0),  # synonym; score clipped
        ('{"label": "negative", "score": 0.8', "negative", 0.8),  # truncated: brace missing
        ("The sentiment is clearly positive.", "positive", None),  # prose naming one label
    ],
)
def test_parse_messy_answers(raw, label, score):
    out = TASK.parse(raw)
    assert out["sentiment_label"] == label
    assert out["sentiment_score"] == (pytest.approx(score) if score is not None else None)


@pytest.mark.parametrize(
    "raw",
    [
        '{"label": "angry", "score": 0.9}',  # not in the label set
        "It could be positive or negative.",  # two labels named: ambiguous
        "",  # nothing
        '{"label": "posit',  # cut inside the label
    ],
)
def test_unreadable_answers_raise(raw):
    with pytest.raises(ParseError):
        TASK.parse(raw)


def test_custom_labels_and_schema():
    task = SentimentTask(("very negative", "negative", "neutral", "positive", "very positive"))
    schema = task.json_schema()
    assert schema["properties"]["label"]["enum"] == list(task.labels)
    assert schema["required"] == ["label", "score"]
    assert (
        task.parse('{"label": "Very Positive", "score": 0.6}')["sentiment_label"] == "very positive"
    )
    system = task.messages("x")[0]["content"]
    assert all(label in system for label in task.labels)
    assert task.messages("the text")[-1]["content"].endswith("the text")


def test_params_change_with_labels():
    assert SentimentTask().params() != SentimentTask(("pos", "neg")).params()


def test_from_scores_picks_the_most_probable():
    out = TASK.from_scores({"positive": 0.2, "negative": 0.7, "neutral": 0.1})
    assert out == {"sentiment_label": "negative", "sentiment_score": pytest.approx(0.7)}


def test_json_object_ignores_non_objects():
    assert json_object("[1, 2]") is None
    assert json_object('prefix {"a": {"b": 1}} suffix') == {"a": {"b": 1}}

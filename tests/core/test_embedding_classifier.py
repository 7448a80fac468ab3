"""The embedding classifier (``core.embedding.classifier``) with the real builtin MiniLM on
small synthetic corpora: it must separate obvious topics, learn from a few examples, give
the same output for the same input, report progress and stop on Cancel."""

from __future__ import annotations

import sys
from unittest.mock import Mock

import pytest

from llmstudio.core.progress import Monitor

SPORTS = [
    "The striker scored twice as the team won the football match.",
    "The tennis champion lost in the final set at Wimbledon.",
    "The coach praised his players after the basketball game.",
    "She won the gold medal in the 100 metres at the Olympics.",
    "The goalkeeper saved a penalty in the last minute of the game.",
    "The cyclist took the lead on the final mountain stage of the race.",
]
FOOD = [
    "Stir the garlic and onions in olive oil before adding the tomatoes.",
    "This chocolate cake recipe needs butter, sugar and four eggs.",
    "Bake the bread for forty minutes until the crust is golden.",
    "The soup tastes better with fresh basil and a pinch of salt.",
    "Grill the fish and serve it with lemon and boiled potatoes.",
    "Whisk the cream with vanilla and pour it over the strawberries.",
]
WEATHER = [
    "Heavy rain and strong winds are expected across the coast tomorrow.",
    "Temperatures will drop below freezing tonight with some snow.",
    "A sunny and warm afternoon, with clouds moving in by evening.",
    "The storm brought thunder, hail and flooding to the valley.",
    "Fog will clear by noon, leaving a mild and dry day.",
    "Forecasters warn of a heatwave with highs of 38 degrees.",
]
LABELS = ["sports", "cooking", "weather"]


@pytest.fixture(scope="module")
def model(hf_offline):
    import torch
    from sentence_transformers import SentenceTransformer

    from llmstudio.core.backends.builtin import model_dir

    # One thread keeps these tests light beside others; the process's setting comes back
    # after the module (torch's thread count is global).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield SentenceTransformer(str(model_dir()), device="cpu")
    torch.set_num_threads(threads)


def _corpus():
    texts = SPORTS + FOOD + WEATHER
    truth = [0] * len(SPORTS) + [1] * len(FOOD) + [2] * len(WEATHER)
    return texts, truth


def test_import_is_cheap():
    """Importing the module pulls in none of the heavy libraries (the GUI imports it)."""
    import subprocess

    code = (
        "import sys, llmstudio.core.embedding.classifier; "
        "print([m for m in ('torch', 'sklearn', 'sentence_transformers') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_label_sentences_split_compound_names():
    from llmstudio.core.embedding.classifier import label_sentences

    names, described = label_sentences("Sci/Tech")
    assert "This text is about Sci.".lower() in {s.lower() for s in names}
    assert any("Tech" in s for s in names) and any("Sci/Tech" in s for s in names)
    assert described == []
    _, described = label_sentences("positive")  # stock descriptions for sentiment words
    assert described
    _, described = label_sentences("x", ["a text about x", ""])
    assert described == ["a text about x"]


def test_zero_shot_separates_obvious_topics(model):
    from llmstudio.core.embedding.classifier import EmbeddingClassifier

    texts, truth = _corpus()
    probs = EmbeddingClassifier(model).zero_shot(texts, LABELS)
    assert probs.shape == (len(texts), 3)
    assert abs(probs.sum(1) - 1).max() < 1e-6
    accuracy = (probs.argmax(1) == truth).mean()
    assert accuracy >= 0.9, accuracy


def test_few_shot_learns_an_arbitrary_distinction_and_is_deterministic(model):
    """Labels named "A" and "B" carry no meaning: only the examples can tell them apart.
    Fine-tuning runs (2 examples a label) and the output repeats exactly."""
    from llmstudio.core.embedding.classifier import EmbeddingClassifier

    texts = SPORTS + FOOD
    truth = [0] * len(SPORTS) + [1] * len(FOOD)
    ex_texts = [SPORTS[0], SPORTS[1], FOOD[0], FOOD[1]]
    ex_labels = ["A", "A", "B", "B"]
    kwargs = dict(seed=3, finetune_steps=4, finetune_batch=4)

    first = EmbeddingClassifier(model, **kwargs).few_shot(texts, ex_texts, ex_labels, ["A", "B"])
    again = EmbeddingClassifier(model, **kwargs).few_shot(texts, ex_texts, ex_labels, ["A", "B"])
    assert (first == again).all()
    assert (first.argmax(1) == truth).mean() >= 0.8


def test_few_shot_frozen_and_label_without_examples(model):
    from llmstudio.core.embedding.classifier import EmbeddingClassifier

    texts, truth = _corpus()
    probs = EmbeddingClassifier(model, finetune=False).few_shot(
        texts, [SPORTS[0], FOOD[0]], ["sports", "cooking"], LABELS
    )
    # "weather" has no example: its label prompt alone must still win its texts
    assert (probs.argmax(1) == truth).mean() >= 0.8
    assert (probs[-len(WEATHER) :].argmax(1) == 2).mean() >= 0.5


def test_multi_label_scores_are_independent(model):
    from llmstudio.core.embedding.classifier import EmbeddingClassifier

    texts, _ = _corpus()
    clf = EmbeddingClassifier(model, finetune=False)
    probs = clf.few_shot(
        texts,
        [SPORTS[0], FOOD[0], WEATHER[0], SPORTS[1]],
        [["sports"], ["cooking"], ["weather"], ["sports", "weather"]],
        LABELS,
        multi_label=True,
    )
    assert probs.shape == (len(texts), 3)
    assert ((probs >= 0) & (probs <= 1)).all()
    assert abs(probs.sum(1) - 1).max() > 1e-3  # not a softmax
    zero = clf.zero_shot(texts, LABELS, multi_label=True)
    assert ((zero >= 0) & (zero <= 1)).all()


def test_progress_and_cancel(model):
    from llmstudio.core.embedding.classifier import EmbeddingClassifier
    from llmstudio.core.errors import Cancelled

    texts, _ = _corpus()
    progress = Mock()
    EmbeddingClassifier(model, monitor=Monitor(progress)).zero_shot(texts, LABELS)
    fractions = [c.args[0] for c in progress.call_args_list]
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(c.args[1] == 1.0 for c in progress.call_args_list)
    assert all(isinstance(c.kwargs["message"], str) for c in progress.call_args_list)

    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3  # cancel in the middle of fine-tuning

    progress = Mock()
    with pytest.raises(Cancelled):
        EmbeddingClassifier(model, monitor=Monitor(progress, cancelled)).few_shot(
            texts, SPORTS[:2] + FOOD[:2], ["sports"] * 2 + ["cooking"] * 2, LABELS
        )
    assert max(c.args[0] for c in progress.call_args_list) < 0.5


def test_method_describes_parameters(model):
    from llmstudio.core.embedding.classifier import EmbeddingClassifier

    a = EmbeddingClassifier(model).method()
    b = EmbeddingClassifier(model, seed=1).method()
    assert a != b and a["seed"] == 0 and "templates" in a


def test_sentiment_polarity_recognises_sentiment_schemes_only():
    from llmstudio.core.embedding.classifier import _sentiment_polarity

    assert _sentiment_polarity(["negative", "positive"]) == [-1.0, 1.0]
    assert _sentiment_polarity(["Negative", "Neutral", "Positive"]) == [-1.0, 0.0, 1.0]
    assert _sentiment_polarity(
        ["very_negative", "negative", "neutral", "positive", "very positive"]
    ) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert _sentiment_polarity(["positive", "neutral"]) is None  # no negative side
    assert _sentiment_polarity(LABELS) is None
    assert _sentiment_polarity(["negative", "positive", "sports"]) is None


POSITIVE = [
    "I love this film, it is wonderful and moving.",
    "A great, funny and charming story; I enjoyed every minute.",
    "Excellent acting and a beautiful score: a delight.",
    "What a brilliant, happy surprise this was.",
]
NEGATIVE = [
    "I hate this film, it is dull and stupid.",
    "A terrible, boring mess; I regret every minute.",
    "Awful acting and an ugly score: a disaster.",
    "What a sad, painful waste of time this was.",
]


def test_few_shot_sentiment_uses_the_lexicon_and_topics_do_not(model):
    """A sentiment scheme gets the VADER features (the output changes with ``lexicon``);
    a topic scheme is untouched by the switch."""
    from llmstudio.core.embedding.classifier import EmbeddingClassifier

    texts = POSITIVE[1:] + NEGATIVE[1:]
    truth = [1] * 3 + [0] * 3
    ex = [POSITIVE[0], NEGATIVE[0]]
    on = EmbeddingClassifier(model, finetune=False).few_shot(
        texts, ex, ["positive", "negative"], ["negative", "positive"]
    )
    off = EmbeddingClassifier(model, finetune=False, lexicon=False).few_shot(
        texts, ex, ["positive", "negative"], ["negative", "positive"]
    )
    assert (on.argmax(1) == truth).all()
    assert abs(on - off).max() > 1e-3
    topics, _ = _corpus()
    args = (topics, [SPORTS[0], FOOD[0], WEATHER[0]], LABELS, LABELS)
    a = EmbeddingClassifier(model, finetune=False).few_shot(*args)
    b = EmbeddingClassifier(model, finetune=False, lexicon=False).few_shot(*args)
    assert (a == b).all()
    assert EmbeddingClassifier(model).method()["lexicon"]["name"] == "vader"
    assert EmbeddingClassifier(model, lexicon=False).method()["lexicon"] is None


def test_the_cpu_encodes_in_small_batches_a_gpu_in_the_callers():
    # 16 rows a call on the CPU ran the builtin MiniLM 16% faster than 64 (RESULTS.md);
    # a GPU keeps the caller's batch.
    from types import SimpleNamespace

    from llmstudio.core.embedding.sentences import embed_texts, encode_batch

    asked = []

    def encode(texts, batch_size, **kwargs):
        asked.append(batch_size)
        return [[1.0, 0.0]] * len(texts)

    cpu = SimpleNamespace(device="cpu", encode=encode)
    gpu = SimpleNamespace(device="cuda:0", encode=encode)
    embed_texts(cpu, ["a", "b"], 64)
    embed_texts(gpu, ["a", "b"], 64)
    embed_texts(cpu, ["a"], 8)
    assert asked == [16, 64, 8]
    assert encode_batch(SimpleNamespace(), 64) == 16  # a model that does not say: the CPU


def test_a_model_in_half_precision_is_tuned_in_float32(model):
    """On a GPU a sentence model runs in bfloat16 or float16, where AdamW's small steps
    vanish: its tuned copy learns and answers in float32, and the model is untouched."""
    import copy

    import torch

    from llmstudio.core.embedding.training import finetune

    half = copy.deepcopy(model).to(torch.bfloat16)
    before = {k: v.clone() for k, v in half.state_dict().items()}
    tuned = finetune(
        lambda: half,
        SPORTS[:2] + FOOD[:2],
        [[1, 0], [1, 0], [0, 1], [0, 1]],
        (0.0, 1.0),
        seed=0,
        batch_size=4,
        steps=2,
        lr=1e-4,
        report=lambda *a: None,
    )
    assert {p.dtype for p in tuned.parameters()} == {torch.float32}
    assert {p.dtype for p in half.parameters()} == {torch.bfloat16}
    assert all(torch.equal(v, half.state_dict()[k]) for k, v in before.items())
    moved = [
        k
        for k, v in tuned.state_dict().items()
        if v.is_floating_point() and not torch.equal(v, before[k].float())
    ]
    assert len(moved) > len(before) // 2  # it learnt: most weights moved
    embedded = tuned.encode(["a match", "a recipe"], convert_to_numpy=True)
    assert embedded.dtype == "float32"

"""Word attributions of one row's answer (core/explain): occlusion through the run's own
call path (a tiny local classifier, the fake OpenAI server), integrated gradients on a
tiny BERT classifier, and what cannot be explained."""

from __future__ import annotations

import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.errors import ExplainError
from llmstudio.core.explain.attribution import GRADIENTS
from llmstudio.core.explain.explain import Explainer
from llmstudio.core.explain.occlusion import plan_occlusion
from llmstudio.core.explain.words import split_words, without
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks.base import PROBABILITIES
from llmstudio.core.tasks.build import TaskOptions, make_task

from helpers.explain import SENTIMENT, api_run, classifier_run, corpus_project


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from models import build_classifier

    return build_classifier(tmp_path_factory.mktemp("clf") / "clf", list(SENTIMENT))


@pytest.fixture
def project(tmp_path, classifier):
    with Project.open(classifier_run(tmp_path / "p.llmstudio", classifier)) as opened:
        yield opened


def test_words_keep_their_offsets_and_a_gap_leaves_one_space():
    text = "Don't stop, well-known band!\nNext line"
    words = split_words(text)
    assert [w.text for w in words] == ["Don't", "stop", "well-known", "band", "Next", "line"]
    assert all(text[w.start : w.end] == w.text for w in words)
    assert without(text, words[1].start, words[1].end) == "Don't, well-known band!\nNext line"
    assert without("a b c", 2, 3) == "a c"
    assert without("a b c", 0, 1) == "b c"
    assert without("a b c", 4, 5) == "a b"


def test_occlusion_plan_counts_its_texts_before_asking():
    plan = plan_occlusion("one two three two", window=1)
    # Four variants; "one two three" (without the last "two") is distinct from
    # "one three two": every text asked once, the whole text first.
    assert plan.texts[0] == "one two three two" and len(plan.texts) == 5
    phrases = plan_occlusion("one two three two", window=2)
    assert phrases.variants == ["three two", "one two", "one two"]
    assert len(phrases.texts) == 3  # "one two" is asked once
    with pytest.raises(ValueError, match="at least 1"):
        plan_occlusion("x", window=0)


def test_occlusion_weight_is_the_drop_in_the_labels_probability(project, classifier):
    with Explainer(project, 1, 0) as explainer:
        assert explainer.plan.requests == len(split_words(explainer.question.text)) + 1
        assert explainer.plan.send is None and explainer.plan.estimate is None
        result = explainer.run()
    text, label = result.text, result.label
    # The same model asked directly, without the runner: P(label) of each text.
    backend = make_backend(f"hf:{classifier}")
    task = make_task(TaskOptions(task="sentiment"))
    try:
        texts = [text] + [without(text, w.word.start, w.word.end) for w in result.words]
        probs = [out[PROBABILITIES][label] for out in backend.annotate(task, texts)]
    finally:
        backend.close()
    assert result.score == pytest.approx(probs[0])
    assert result.score_kind == "probability"
    for item, p in zip(result.words, probs[1:], strict=True):
        assert item.weight == pytest.approx(probs[0] - p, abs=1e-6)
    assert any(abs(w.weight) > 1e-4 for w in result.words)  # the model does react


def test_gradients_add_up_to_the_probability_change(project, classifier):
    with Explainer(project, 1, 1, method=GRADIENTS) as explainer:
        assert explainer.plan.requests == 0
        result = explainer.run()
    assert [w.word.text for w in result.words] == [w.text for w in split_words(result.text)]
    # Completeness of integrated gradients: the weights sum to P(text) - P(padding).
    backend = make_backend(f"hf:{classifier}")
    try:
        import torch

        tokenizer, model = backend.tokenizer, backend.model
        ids = tokenizer(result.text, return_tensors="pt")["input_ids"]
        special = torch.tensor(
            tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True)
        ).bool()
        padded = torch.where(special, ids[0], torch.full_like(ids[0], tokenizer.pad_token_id))
        with torch.no_grad():
            p = torch.softmax(model(input_ids=torch.stack([ids[0], padded])).logits, -1)
        index = backend.model_labels.index(result.label)
        change = float(p[0, index] - p[1, index])
    finally:
        backend.close()
    assert result.score == pytest.approx(float(p[0, index]), abs=1e-5)
    total = sum(w.weight for w in result.words)
    assert total == pytest.approx(change, abs=0.02 + 0.05 * abs(change))
    assert any(abs(w.weight) > 1e-4 for w in result.words)


def test_occlusion_on_an_api_model_sends_exactly_the_announced_requests(tmp_path, fake_openai):
    path = api_run(tmp_path / "api.llmstudio", fake_openai.url)
    fake_openai.reset()
    with (
        Project.open(path) as project,
        Explainer(project, 1, 1, base_url=fake_openai.url) as explainer,
    ):
        announced = explainer.plan.requests
        assert explainer.plan.estimate is not None and explainer.plan.estimate.requests == announced
        assert explainer.plan.send is None  # a server on this computer: nothing leaves it
        assert fake_openai.total == 0  # planning sends nothing
        result = explainer.run()
    assert len(fake_openai.chat_requests()) == announced == len(result.words) + 1
    # The fake answers "negative" for "bad"/"awful": without one of them the other still
    # makes it negative, so neither weighs the whole score; the other words change only
    # the stated confidence of the same label (or the label, by the fake's hash).
    assert result.label == "negative"
    assert {w.word.text for w in result.words} >= {"bad", "awful"}


def test_api_run_on_a_server_elsewhere_plans_consent_and_its_cost(tmp_path, monkeypatch):
    from fakes.openai_server import FakeOpenAI
    from helpers.remote import REMOTE_HOST, resolve_to_loopback

    resolve_to_loopback(monkeypatch)
    fake = FakeOpenAI(host_name=REMOTE_HOST).start()
    try:
        path = api_run(tmp_path / "api.llmstudio", fake.url)
        fake.reset()
        with (
            Project.open(path) as project,
            Explainer(project, 1, 0, base_urls=["http://other.test/v1", fake.url]) as explainer,
        ):
            send = explainer.plan.send
            assert send is not None and send.endpoint == f"{REMOTE_HOST}:{fake.port}"
            assert send.columns == ["text"] and send.inputs == explainer.plan.requests
            assert send.texts == (
                f"the text of row 1, {send.inputs} times: whole, then with each word left out"
            )
            assert "texts asked of the model to llm.example.test" in explainer.plan.describe()
        assert fake.total == 0  # nothing sent without run()
    finally:
        fake.stop()


def test_what_cannot_be_explained_says_why(project, tmp_path):
    with pytest.raises(ExplainError, match="row 3 has no text"):
        Explainer(project, 1, 2)
    with pytest.raises(ExplainError, match=r"row 9 is not in the corpus \(rows 1 to 4\)"):
        Explainer(project, 1, 8)
    with pytest.raises(ExplainError, match="'joy' is not a label of run 1"):
        Explainer(project, 1, 0, label="joy")
    with pytest.raises(ExplainError, match="unknown method 'shap'"):
        Explainer(project, 1, 0, method="shap")


def test_gradients_refuse_a_model_they_cannot_differentiate(tmp_path):
    path = corpus_project(tmp_path / "lex.llmstudio")
    with Project.open(path) as project:
        backend = make_backend("lexicon")
        run_job(project, make_task(TaskOptions(task="sentiment")), backend, text_column="text")
        with pytest.raises(ExplainError, match="need a local text-classification model"):
            Explainer(project, 1, 0, method=GRADIENTS)
        with Explainer(project, 1, 0) as explainer:  # occlusion explains any model
            result = explainer.run()
    weights = {w.word.text: w.weight for w in result.words}
    assert weights["love"] > 0 and weights["the"] == 0  # VADER's words, and only those


def test_a_prompt_run_has_no_label_to_explain(tmp_path, fake_openai):
    from llmstudio.core.runner import run_job

    path = corpus_project(tmp_path / "p.llmstudio")
    with Project.open(path) as project:
        backend = make_backend("openai:fake", base_url=fake_openai.url)
        task = make_task(TaskOptions(task="prompt", prompt="Summarise: {text}"))
        run_job(project, task, backend, text_column="text")
        backend.close()
        with pytest.raises(ExplainError, match="answers free prompts, not labels"):
            Explainer(project, 1, 0, base_url=fake_openai.url)


@pytest.mark.slow
def test_a_model_that_learns_from_the_corpus_is_fitted_again_with_the_texts_asked(tmp_path):
    from helpers.coding import BOOK
    from helpers.explain import builtin_coding_run

    with Project.open(builtin_coding_run(tmp_path / "b.llmstudio", BOOK)) as project:
        with Explainer(project, 1, 3) as explainer:
            assert explainer.backend.transductive(explainer.question.task)
            result = explainer.run()
    # Without the fit, every text with a word left out would be "not seen" (no weight).
    assert result.words and all(w.weight is not None for w in result.words)
    assert result.label in BOOK.labels()
    assert any("fitted again on the corpus" in n for n in result.notes)


def test_the_answers_score_from_each_kind_of_output():
    from llmstudio.core.backends.base import RowError
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.explain.answer import answer_score, answered_label, score_kind

    from helpers.coding import BOOK

    sentiment = make_task(TaskOptions(task="sentiment"))
    probs = {"sentiment_label": "negative", PROBABILITIES: {"negative": 0.6, "positive": 0.3}}
    assert answer_score(sentiment, probs, "positive") == 0.3
    assert score_kind(sentiment, probs) == "probability"
    chat = {"sentiment_label": "negative", "sentiment_score": 0.8}
    assert answer_score(sentiment, chat, "negative") == 0.8
    assert answer_score(sentiment, chat, "positive") == 0.0  # it chose another label
    assert answer_score(sentiment, {"sentiment_label": "negative"}, "negative") == 1.0
    assert score_kind(sentiment, chat) == "score"
    assert answer_score(sentiment, RowError("HTTP 500"), "negative") is None
    assert answered_label(sentiment, {"sentiment_error": "x"}) is None

    book = Codebook(codes=(Code("Rent"), Code("Buses")), name="m", multi_label=True)
    multi = make_task(TaskOptions(task="code", codebook=book))
    out = {"code_rent": 0, "code_rent_score": 0.9, "code_buses": 1, "code_buses_score": 0.7}
    assert answered_label(multi, out) == "Buses"  # applied first, then the highest score
    assert answer_score(multi, out, "Rent") == 0.9 and score_kind(multi, out) == "code score"
    single = make_task(TaskOptions(task="code", codebook=BOOK))
    assert answered_label(single, {"code_label": "Housing"}) == "Housing"

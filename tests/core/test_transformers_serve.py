"""Hugging Face's ``transformers serve`` as it behaves (transformers 5; seen against a real
one by scripts/serve_tiny_llm.py): it takes ``response_format`` and ``logprobs`` and
ignores both, and lists its models with a ``status``. The fake server plays it
(``server_kind="transformers"``); no test starts the real one."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.backends import dialect as dialects
from llmstudio.core.backends.base import RowError
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.backends.openai_messages import status_message
from llmstudio.core.explain.answer import CONFIDENCE, STATED, STATED_NOTE
from llmstudio.core.explain.explain import Explainer
from llmstudio.core.project import Project
from llmstudio.core.tasks import SentimentTask

from fakes.openai_server import STATED_SCORE, FakeOpenAI
from helpers.explain import api_run

TEXTS = ["I love the new park", "I hate the traffic", "The bus comes at nine"]


@pytest.fixture
def transformers_serve():
    """A fake transformers serve on 127.0.0.1."""
    with FakeOpenAI(server_kind="transformers") as fake:
        yield fake


def test_it_is_known_by_its_model_list_and_sent_neither_schema_nor_logprobs(
    transformers_serve,
):
    backend = OpenAIBackend("fake", transformers_serve.url, key="sk-fake")
    try:
        answers = [backend.annotate_one(SentimentTask(), t) for t in TEXTS]
    finally:
        backend.close()
    bodies = [r.body for r in transformers_serve.chat_requests()]
    assert len(bodies) == len(TEXTS)  # nothing refused, nothing asked twice
    assert not any("response_format" in b or "logprobs" in b for b in bodies)
    assert [a["sentiment_label"] for a in answers[:2]] == ["positive", "negative"]
    # The score is what the model wrote: no logprobs came to replace it.
    assert {a["sentiment_score"] for a in answers} == {STATED_SCORE}
    assert backend.dialect.server == "transformers"
    assert backend.dialect.describe() == "plain prompt, answer parsed, no logprobs"
    assert backend.states_scores
    # Remembered for the endpoint: the next job phrases its first request so too.
    assert dialects.load(backend.host, "fake") == backend.dialect


def test_its_refusals_say_what_it_said(transformers_serve):
    import openai

    client = openai.OpenAI(api_key="x", base_url=transformers_serve.url, max_retries=0)
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.chat.completions.create(
            model="fake",
            messages=[{"role": "user", "content": "Text:\nhi"}],
            extra_body={"guided_json": {}},
        )
    # The client's message is "Error code: 422" alone: FastAPI's "detail" is not in it.
    assert "Unexpected" not in refused.value.message
    assert status_message(refused.value) == (
        "Error code: 422 - Unexpected fields in the request: {'guided_json'}"
    )
    reply = client.chat.completions.create(
        model="fake",
        messages=[{"role": "user", "content": "Text:\nhi"}],
        logprobs=True,
        response_format={"type": "json_object"},
    )
    assert reply.choices[0].logprobs is None  # taken, and ignored


def test_a_model_it_does_not_serve_is_named_in_each_rows_error():
    with FakeOpenAI(server_kind="transformers", models=("tiny-llm",)) as fake:
        backend = OpenAIBackend("tiny-lm", fake.url, key="sk-fake")
        try:
            error = backend.annotate_one(SentimentTask(), TEXTS[0])
        finally:
            backend.close()
    assert isinstance(error, RowError) and not error.retryable
    assert str(error) == (
        "HTTP 400: Error code: 400 - Server is pinned to 'tiny-llm'; requested 'tiny-lm'."
    )


def test_a_server_that_ignores_logprobs_unnamed_is_learned_from_its_first_answer():
    with FakeOpenAI(returns_logprobs=False) as fake:
        backend = OpenAIBackend("fake", fake.url, key="sk-fake")
        try:
            answers = [backend.annotate_one(SentimentTask(), t) for t in TEXTS]
        finally:
            backend.close()
        asked = [bool(r.body.get("logprobs")) for r in fake.chat_requests()]
    assert asked == [True, False, False]  # asked once, then no more
    assert {a["sentiment_score"] for a in answers} == {STATED_SCORE}
    assert backend.states_scores
    assert backend.dialect.describe().endswith("no logprobs")
    assert not dialects.load(backend.host, "fake").logprobs


def test_a_server_that_sends_logprobs_keeps_being_asked_for_them(fake_openai):
    backend = OpenAIBackend("fake", fake_openai.url, key="sk-fake")
    try:
        answers = [backend.annotate_one(SentimentTask(), t) for t in TEXTS]
    finally:
        backend.close()
    assert all(r.body.get("logprobs") for r in fake_openai.chat_requests())
    assert not backend.states_scores
    assert STATED_SCORE not in {a["sentiment_score"] for a in answers}


def test_an_attribution_says_its_score_is_the_stated_confidence(tmp_path, transformers_serve):
    path = api_run(tmp_path / "api.llmstudio", transformers_serve.url)
    transformers_serve.reset()
    with (
        Project.open(path) as project,
        Explainer(project, 1, 1, base_url=transformers_serve.url) as explainer,
    ):
        result = explainer.run()
    announced = explainer.plan.requests
    assert len(transformers_serve.chat_requests()) == announced == len(result.words) + 1
    assert result.score_kind == STATED and STATED_NOTE in result.notes
    assert f"stated confidence {STATED_SCORE:.3f}" in result.describe()
    # "The service was bad and the food was awful.": each of the two words alone keeps it
    # negative, at the same stated number, so no word weighs anything; the note says why.
    assert result.label == "negative" and result.score == STATED_SCORE
    weights = {w.word.text: w.weight for w in result.words}
    assert weights["bad"] == weights["awful"] == 0.0


def test_with_logprobs_the_score_is_not_called_stated(tmp_path, fake_openai):
    path = api_run(tmp_path / "api.llmstudio", fake_openai.url)
    with (
        Project.open(path) as project,
        Explainer(project, 1, 1, base_url=fake_openai.url) as explainer,
    ):
        result = explainer.run()
    assert result.score_kind == CONFIDENCE and STATED_NOTE not in result.notes


def long_text_run(tmp_path, context: int, max_tokens: int) -> tuple[dict, OpenAIBackend, list]:
    """A sentiment run over a 400-word text with a positive word and a short one, at a fake
    transformers serve taking ``context`` tokens: the long row's stored answer, the backend
    and the texts of the chat requests."""
    from llmstudio.core.results import run_frame
    from llmstudio.core.runner import run_job

    from helpers.explain import corpus_project

    words = "the council met to discuss the budget for the town park and the school road"
    long_text = " ".join(words.split() * 27)[:2400] + " and the staff were great."
    path = corpus_project(tmp_path / "long.llmstudio", [long_text, "The coffee was bad."])
    with FakeOpenAI(server_kind="transformers", context_window=context) as fake:
        backend = OpenAIBackend("fake", fake.url, key="sk-fake", max_tokens=max_tokens)
        try:
            with Project.open(path) as project:
                run_job(project, SentimentTask(), backend, text_column="text")
                answers = run_frame(project, 1, [])
        finally:
            backend.close()
        asked = [r.text for r in fake.chat_requests()]
    return answers.loc[0].to_dict(), backend, asked


def test_its_context_refusal_is_learned_and_the_long_text_split(tmp_path):
    answer, backend, asked = long_text_run(tmp_path, context=300, max_tokens=40)
    # Refused whole once ("The prompt has P tokens, but the model takes at most 300"),
    # then asked in chunks that fit: the answer is the chunks' answers combined.
    assert backend.context_window() == (
        300,
        f"{backend.host} said so when it refused a longer request",
    )
    assert pd.isna(answer["sentiment_error"]) and answer["sentiment_label"] == "positive"
    assert answer["sentiment_chunks"] == len(asked) - 2 > 1  # less the refused and short


def test_a_context_the_prompt_and_answer_fill_is_said_so(tmp_path):
    answer, backend, _ = long_text_run(tmp_path, context=100, max_tokens=200)
    assert backend.context_window()[0] == 100
    assert pd.isna(answer["sentiment_label"])
    assert (
        "has no room for any text: the prompt and the answer's tokens"
        in (answer["sentiment_error"])
    )


def test_test_connection_says_what_the_requests_carry(transformers_serve):
    from llmstudio.core.model_config import Endpoint, check_endpoint

    said = check_endpoint(Endpoint("fake", transformers_serve.url))
    assert said.startswith("Connected: fake at 127.0.0.1:")
    assert said.endswith("Requests use plain prompt, answer parsed, no logprobs.")

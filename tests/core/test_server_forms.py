"""GPU inference servers' structured-output forms (vLLM, SGLang, TGI, llama.cpp): each
fake server takes only its own documented form (core/backends/dialect.py says where each
is documented); the backend finds it, by the server's model list or by its refusals, and
every row is then asked in it."""

from __future__ import annotations

import pytest

from llmstudio.core.backends import dialect as dialects
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.tasks import SentimentTask

from fakes.openai_server import FakeOpenAI, structured_form

TEXTS = ["I love the new park", "I hate the traffic", "The bus comes at nine"]


def asked(server_kind: str, form: str) -> tuple[list[str | None], list[dict], OpenAIBackend]:
    """Annotate TEXTS on a fake server of that kind taking only ``form``: the form of each
    chat request it got, the answers, and the backend."""
    with FakeOpenAI(server_kind=server_kind, structured_form=form) as fake:
        backend = OpenAIBackend("fake", fake.url, key="sk-fake", concurrency=2)
        task = SentimentTask()
        answers = [backend.annotate_one(task, t) for t in TEXTS]
        forms = [structured_form(r.body) for r in fake.chat_requests()]
        statuses = [r.status for r in fake.chat_requests()]
    assert statuses[-len(TEXTS) :] == [200] * len(TEXTS)
    return forms, answers, backend


@pytest.mark.parametrize(
    ("server_kind", "form", "words"),
    [
        ("vllm", "json_schema", "structured output (JSON schema)"),
        ("sglang", "json_schema", "structured output (JSON schema)"),
        ("llamacpp", "llamacpp", "JSON mode with the schema"),
    ],
)
def test_a_server_that_names_itself_is_asked_in_its_form_from_the_first_request(
    server_kind, form, words, config_dir
):
    forms, answers, backend = asked(server_kind, form)
    assert forms == [form] * len(TEXTS)  # nothing refused, nothing asked twice
    assert [a["sentiment_label"] for a in answers] == [
        "positive",
        "negative",
        answers[2]["sentiment_label"],
    ]
    assert backend.dialect.describe().startswith(words)
    assert backend.dialect.server == server_kind


def test_an_older_vllm_gets_the_schema_as_guided_json(config_dir):
    forms, answers, backend = asked("vllm", "guided_json")
    assert forms == ["json_schema"] + ["guided_json"] * len(TEXTS)  # one refusal, learned
    assert all("sentiment_label" in a for a in answers)
    assert backend.dialect.describe() == "guided decoding (vLLM's guided_json)"
    # Remembered for the endpoint: the next job sends no refused request.
    again = dialects.load(backend.host, "fake")
    assert again.format == "guided_json" and again.confirmed


def test_tgi_is_learned_from_its_refusals(config_dir):
    # TGI's model list names no server: the common forms first, each refused with TGI's
    # 422, then its own.
    forms, answers, backend = asked("fake", "tgi")
    assert forms == ["llamacpp", "json_schema"] + ["tgi"] * len(TEXTS)
    assert all("sentiment_label" in a for a in answers)
    assert backend.dialect.describe() == "structured output (TGI's JSON grammar)"


def test_the_tgi_and_guided_forms_carry_the_schema():
    schema = {"type": "object", "properties": {"label": {"enum": ["a", "b"]}}}
    common = dict(
        model="m",
        messages=[],
        name="t",
        schema=schema,
        temperature=0.0,
        seed=0,
        max_tokens=5,
    )
    tgi = dialects.Dialect(format="tgi_json").request(**common)
    assert tgi["response_format"] == {"type": "json_object", "value": schema}
    guided = dialects.Dialect(format="guided_json").request(**common)
    assert guided["extra_body"] == {"guided_json": schema} and "response_format" not in guided


def test_server_of_reads_only_names_servers_give_themselves():
    class Entry:
        def __init__(self, owner):
            self.owned_by = owner

    assert dialects.server_of([Entry("vllm")]) == "vllm"
    assert dialects.server_of([Entry("SGLang")]) == "sglang"
    assert dialects.server_of([Entry("openai"), Entry("system")]) == ""
    assert dialects.server_of([]) == ""

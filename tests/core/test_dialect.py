"""What an endpoint accepts: learned from the refusals real servers send, and remembered."""

from __future__ import annotations

from llmstudio.core.backends import dialect as dialects
from llmstudio.core.backends.dialect import OPENAI_HOST, Dialect

LOCAL = "127.0.0.1:8080"
# llama-cpp-python 0.3's answer to response_format json_schema (HTTP 500), as received.
LLAMA_CPP_PYTHON = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/x/llama_cpp/server/app.py\""
)
OPENAI_MAX_TOKENS = (
    "Unsupported parameter: 'max_tokens' is not supported with this model. "
    "Use 'max_completion_tokens' instead."
)
OPENAI_TEMPERATURE = (
    "Unsupported value: 'temperature' does not support 0 with this model. "
    "Only the default (1) value is supported."
)


def kwargs(d: Dialect) -> dict:
    return d.request(
        model="m",
        messages=[{"role": "user", "content": "Text:\nhi"}],
        name="t",
        schema={"type": "object"},
        temperature=0.0,
        seed=0,
        max_tokens=200,
    )


def test_first_guesses_differ_for_openai_and_other_servers():
    assert kwargs(Dialect.first_for(OPENAI_HOST))["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "t", "schema": {"type": "object"}, "strict": True},
    }
    # Elsewhere llama.cpp's form, which vLLM and Ollama take too.
    local = kwargs(Dialect.first_for(LOCAL))
    assert local["response_format"] == {"type": "json_object", "schema": {"type": "object"}}
    assert local["temperature"] == 0 and local["seed"] == 0 and local["max_tokens"] == 200
    assert local["logprobs"] is True


def test_the_format_ladder_ends_in_a_plain_prompt():
    d = Dialect.first_for(LOCAL)
    seen = [d.format]
    while d.format != "text":
        d = d.adjusted(LOCAL, "response_format is not supported")
        seen.append(d.format)
    assert seen == ["json_object", "json_schema", "tgi_json", "text"]
    assert "response_format" not in kwargs(d)
    assert d.adjusted(LOCAL, "response_format is not supported") is None  # nothing left
    # At OpenAI: the schema, then OpenAI's own JSON mode (no llama.cpp schema key).
    d = Dialect.first_for(OPENAI_HOST).adjusted(OPENAI_HOST, "Invalid json_schema")
    assert kwargs(d)["response_format"] == {"type": "json_object"}
    assert d.adjusted(OPENAI_HOST, "Invalid response_format").format == "text"


def test_llama_cpp_pythons_refusal_moves_to_its_form():
    d = Dialect(format="json_schema")
    assert d.adjusted(LOCAL, LLAMA_CPP_PYTHON).format == "json_object"


def test_reasoning_model_refusals():
    d = Dialect.first_for(OPENAI_HOST)
    d = d.adjusted(OPENAI_HOST, OPENAI_MAX_TOKENS, "max_tokens")
    assert "max_tokens" not in kwargs(d) and kwargs(d)["max_completion_tokens"] == 200
    d = d.adjusted(OPENAI_HOST, OPENAI_TEMPERATURE, "temperature")
    assert "temperature" not in kwargs(d) and d.format == "json_schema" and d.logprobs
    assert "default temperature" in d.describe()


def test_the_feature_named_first_is_the_one_refused():
    # A server echoing the whole request names every feature, after the refused one.
    echoed = (
        "logprobs is not supported. Request: {'temperature': 0, 'seed': 0, "
        "'response_format': {...}}"
    )
    d = Dialect.first_for(LOCAL).adjusted(LOCAL, echoed)
    assert not d.logprobs and d.temperature and d.seed and d.format == "json_object"
    # The error's param field outranks the wording.
    d = Dialect.first_for(LOCAL).adjusted(LOCAL, "temperature and seed: invalid", "seed")
    assert not d.seed and d.temperature


def test_other_refusals_are_not_about_the_dialect():
    d = Dialect.first_for(LOCAL)
    assert d.adjusted(LOCAL, "This model's maximum context length is 2048 tokens.") is None
    assert d.adjusted(LOCAL, "max_tokens must be at least 1") is None  # no rename asked


def test_what_was_learned_is_remembered_per_endpoint_and_model(config_dir):
    learned = Dialect(
        format="text", tried=("json_object", "json_schema"), logprobs=False, confirmed=True
    )
    dialects.save(LOCAL, "m", learned)
    assert dialects.load(LOCAL, "m") == learned
    assert dialects.load(LOCAL, "other") == Dialect.first_for(LOCAL)
    assert dialects.load("127.0.0.1:9", "m") == Dialect.first_for("127.0.0.1:9")
    assert (config_dir / "endpoints.json").exists()


def test_an_unreadable_memory_is_learned_again(config_dir):
    (config_dir / "endpoints.json").write_text("{not json", encoding="utf-8")
    assert dialects.load(LOCAL, "m") == Dialect.first_for(LOCAL)
    (config_dir / "endpoints.json").write_text(
        '{"127.0.0.1:8080|m": {"future_field": 1}}', encoding="utf-8"
    )
    assert dialects.load(LOCAL, "m") == Dialect.first_for(LOCAL)
    dialects.save(LOCAL, "m", Dialect(confirmed=True))  # and overwritten cleanly
    assert dialects.load(LOCAL, "m").confirmed

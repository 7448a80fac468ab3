"""One ModelSpec parsed in one place, the registry of kinds, and the hooks every Backend and
Task declares (their defaults)."""

from __future__ import annotations

import pytest

from llmstudio.core.backends import (
    KINDS,
    Backend,
    ModelSpec,
    ModelSpecError,
    make_backend,
    offline_refusal,
    writes_text,
)
from llmstudio.core.backends.hf import PIPELINES
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.backends.registry import FACTORIES, REFUSALS, WRITES_TEXT
from llmstudio.core.backends.spec import run_writes_text, short_model, short_spec
from llmstudio.core.codebook import Codebook
from llmstudio.core.tasks import CodeTask, SentimentTask
from llmstudio.core.tasks.prompt import PromptTask, TemplateError

# -- ModelSpec ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, kind, name",
    [
        ("builtin", "builtin", ""),
        ("", "builtin", ""),
        (None, "builtin", ""),
        ("  lexicon ", "lexicon", ""),
        ("hf:/models/my model", "hf", "/models/my model"),
        ("hf:org/model", "hf", "org/model"),
        ("openai:gpt-4o-mini", "openai", "gpt-4o-mini"),
        ("openai: llama3:8b", "openai", "llama3:8b"),  # a colon in the name is the name's
    ],
)
def test_a_spec_is_parsed_into_its_kind_and_name(typed, kind, name):
    spec = ModelSpec.parse(typed)
    assert (spec.kind, spec.name) == (kind, name)
    assert ModelSpec.parse(str(spec)) == spec  # str() is the SPEC as typed, cleaned


@pytest.mark.parametrize("typed", ["foo", "hf:", "openai:  ", "builtin:x", "HF:model", "gpt-4o"])
def test_a_bad_spec_says_what_is_wrong_and_what_is_accepted(typed):
    with pytest.raises(ModelSpecError) as err:
        ModelSpec.parse(typed)
    message = str(err.value)
    assert message.startswith(f"unknown model {typed.strip()!r}")
    assert "builtin, lexicon, hf:PATH_OR_HUB_ID, openai:MODEL_NAME" in message


def test_only_an_api_model_keeps_a_base_url():
    assert ModelSpec.parse("openai:m", "http://127.0.0.1:9/v1").base_url == "http://127.0.0.1:9/v1"
    assert ModelSpec.parse("builtin", "http://127.0.0.1:9/v1").base_url is None
    assert ModelSpec.parse("hf:x", "").base_url is None


def test_a_spec_being_filled_in_has_its_kind_before_its_name():
    assert ModelSpec.partial("hf:") == ModelSpec("hf", "")
    assert ModelSpec.partial("openai:gpt") == ModelSpec("openai", "gpt")
    assert ModelSpec.partial("lexicon") == ModelSpec("lexicon", "")
    assert ModelSpec.partial("nonsense") is None


def test_a_stored_run_names_its_model_again():
    assert str(ModelSpec.from_fingerprint({"kind": "builtin", "model": "x"})) == "builtin"
    assert str(ModelSpec.from_fingerprint({"kind": "hf", "model": "/m/a"})) == "hf:/m/a"
    assert str(ModelSpec.from_fingerprint({"kind": "openai", "model": "g"})) == "openai:g"
    assert ModelSpec.from_fingerprint({"kind": "hf"}) is None  # no model stored
    assert ModelSpec.from_fingerprint({"kind": "retired", "model": "m"}) is None


def test_short_names():
    assert short_model("hf", "/home/me/models/tiny-bert/") == "tiny-bert"
    assert short_model("openai", "gpt-4o-mini") == "gpt-4o-mini"
    assert short_model("builtin", "whatever") == "builtin"
    assert short_spec("hf:C:\\models\\tiny") == "tiny"
    assert short_spec("hf:") == "hf"
    assert short_spec("nonsense") == "nonsense"


# -- the kinds -----------------------------------------------------------------------------


def test_every_kind_has_a_factory_and_a_syntax_users_see():
    assert set(FACTORIES) == set(KINDS)
    assert set(REFUSALS) | set(WRITES_TEXT) <= set(KINDS)
    # A kind that depends on the model to write text can say so before loading it.
    assert {k.name for k in KINDS.values() if k.writes_text is None} == set(WRITES_TEXT)
    for kind in KINDS.values():
        assert kind.syntax.startswith(kind.name) and kind.title
        assert kind.named == (":" in kind.syntax)


def test_what_each_kind_is():
    assert [k for k in KINDS.values() if k.sends_texts] == [KINDS["openai"]]
    assert [k for k in KINDS.values() if k.may_cost] == [KINDS["openai"]]
    assert [k for k in KINDS.values() if k.learns] == [KINDS["builtin"]]
    assert not KINDS["builtin"].network and not KINDS["lexicon"].network


def test_make_backend_takes_a_spec_or_its_text():
    backend = make_backend(ModelSpec.parse("lexicon"))
    assert isinstance(backend, LexiconBackend) and backend.kind == "lexicon"
    with pytest.raises(ModelSpecError, match="unknown model 'lexicon:x'"):
        make_backend("lexicon:x")


def test_which_models_write_text(tiny_models):
    assert writes_text("builtin") is False and writes_text("lexicon") is False
    assert writes_text("openai:any") is True
    assert writes_text(f"hf:{tiny_models.lm}") is True
    assert writes_text(f"hf:{tiny_models.named}") is False
    assert writes_text("hf:llmstudio-tests/not-downloaded") is None  # known once loaded


@pytest.mark.parametrize(
    "fingerprint, writes",
    [
        ({"kind": "builtin"}, False),
        ({"kind": "lexicon"}, False),
        ({"kind": "openai", "model": "m"}, True),
        ({"kind": "hf", "pipeline_task": "text-generation"}, True),
        ({"kind": "hf", "pipeline_task": "zero-shot-classification"}, False),
        ({"kind": "hf"}, True),  # stored before the pipeline was: only LMs then
        ({"kind": "retired"}, True),
    ],
)
def test_whether_a_stored_run_read_the_prompt(fingerprint, writes):
    assert run_writes_text(fingerprint) is writes


def test_offline_refusal_is_known_before_loading_for_unnamed_kinds_only():
    task = PromptTask("Summarise: {text}")
    assert offline_refusal("lexicon", task)
    assert offline_refusal(ModelSpec.parse("builtin"), task)
    assert offline_refusal("hf:anything", task) is None


@pytest.mark.parametrize(
    "name, cls",
    [
        ("named", "TextClassificationBackend"),
        ("nli", "ZeroShotBackend"),
        ("lm", "GenerationBackend"),
        ("encoder", "EmbeddingsBackend"),
    ],
)
def test_each_hf_pipeline_is_its_own_class(tiny_models, name, cls):
    backend = make_backend(f"hf:{getattr(tiny_models, name)}")
    try:
        assert type(backend).__name__ == cls
        assert PIPELINES[backend.pipeline_task] is type(backend)
    finally:
        backend.close()


# -- the declared hooks --------------------------------------------------------------------


class _Echo(Backend):
    """A backend declaring only what it must: the defaults answer the rest."""

    kind = "echo"

    def __init__(self):
        self.batches = []

    def fingerprint(self) -> dict:
        return {"kind": self.kind, "model": "echo"}

    def annotate(self, task, texts):
        self.batches.append(list(texts))
        return [{"text": t.upper()} for t in texts]


def test_backend_defaults_for_the_runner_hooks():
    backend = _Echo()
    assert backend.annotate_one(SentimentTask(), "hi") == {"text": "HI"}
    assert backend.batches == [["hi"]]  # a batch of one
    assert backend.plan_batches(["a", "b"]) is None  # the runner plans
    assert (backend.host, backend.learned, backend.remote) == ("", 0, False)
    assert backend.supports(SentimentTask()) and not backend.transductive(SentimentTask())
    with pytest.raises(NotImplementedError, match="does not say how much text it reads"):
        backend.input_limit(SentimentTask())


def test_task_defaults_for_the_hooks_the_runner_and_window_ask():
    sentiment = SentimentTask()
    assert (sentiment.multi_label, sentiment.explain, sentiment.codebook) == (False, False, None)
    assert sentiment.label_of(" Positive") == "positive"
    sentiment.check_columns([])  # needs no column but the text
    prompt = PromptTask("Summarise {text} for {audience}")
    assert (prompt.multi_label, prompt.explain, prompt.codebook) == (False, False, None)
    with pytest.raises(TemplateError, match="audience"):
        prompt.check_columns(["text"])
    book = Codebook.from_labels(("a", "b"), multi_label=True)
    coding = CodeTask(codebook=book)
    assert coding.multi_label and coding.codebook is book

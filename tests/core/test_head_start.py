"""A local model's ONNX Runtime session begun before the run asks for it
(core/backends/head_start.py, onnx_runtime/sessions.begin_session): the run takes the
session begun (made once, in its own thread) and answers as without it; a file changed
since is read anew; what fails early fails again, the same way, where the run loads the
model; nothing is begun where the run would not start from the cache."""

from __future__ import annotations

import time

import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.head_start import begin
from llmstudio.core.backends.hf import PIPELINES, loading, locate
from llmstudio.core.backends.hf.classify import TextClassificationBackend
from llmstudio.core.backends.hf.classify_onnx import OnnxTextClassifier
from llmstudio.core.backends.onnx_runtime import sessions
from llmstudio.core.tasks import SentimentTask

pytest.importorskip("onnxruntime")

TEXTS = ["I love this movie!", "This is awful.", "The bus comes at nine.", "", "ok 👍"]
TASK = SentimentTask(long_texts="truncate")


@pytest.fixture
def made(onnx_sessions_made):
    return onnx_sessions_made


def exported(model) -> tuple[TextClassificationBackend, list[dict]]:
    """The classifier loaded with torch, which exports it into the cache; its answers."""
    first = PIPELINES["text-classification"](locate(str(model)), device="cpu", runtime="onnx")
    return first, first.annotate(TASK, TEXTS)


def settled(begun) -> None:
    """Wait until the sessions begun are made (the tests look at them afterwards)."""
    deadline = time.monotonic() + 60
    while any(not f.done() for f in begun.values()) and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.slow  # exports a model
def test_the_run_takes_the_session_begun_and_answers_the_same(tiny_models, made):
    first, want = exported(tiny_models.generic3)
    made.clear()
    spec = f"hf:{tiny_models.generic3}"
    begun = begin(spec, "onnx")
    assert begun == first.onnx_file
    run = make_backend(spec, runtime="onnx")
    assert isinstance(run, OnnxTextClassifier)
    assert made == ["llmstudio-session"]  # one session, made in the head start's thread
    assert sessions._begun == {}  # taken: a second run makes its own
    got = run.annotate(TASK, TEXTS)
    assert [r["sentiment_label"] for r in got] == [r["sentiment_label"] for r in want]
    assert [r["_probabilities"] for r in got] == [r["_probabilities"] for r in want]
    make_backend(spec, runtime="onnx")
    assert made == ["llmstudio-session", "MainThread"]


@pytest.mark.slow  # exports a model
def test_the_automatic_runtime_begins_it_too_on_a_computer_without_a_gpu(
    tiny_models, made, monkeypatch
):
    from llmstudio.core.backends import device

    first, _ = exported(tiny_models.generic3)
    spec = f"hf:{tiny_models.generic3}"
    monkeypatch.setattr(device, "gpu_hardware", lambda: False)
    monkeypatch.delenv("LLMSTUDIO_RUNTIME", raising=False)
    assert begin(spec) == first.onnx_file
    settled(sessions._begun)
    sessions._begun.clear()
    # With a GPU the automatic runtime asks torch: nothing is begun.
    monkeypatch.setattr(device, "gpu_hardware", lambda: True)
    assert begin(spec) is None
    assert sessions._begun == {}


@pytest.mark.slow  # exports a model
def test_a_file_written_since_it_was_begun_is_read_anew(tiny_models, made):
    first, _ = exported(tiny_models.generic3)
    made.clear()
    path = first.onnx_file
    sessions.begin_session(path, 1)
    settled(sessions._begun)
    path.write_bytes(path.read_bytes())  # the same graph, written again: another file
    sessions.session(path, 1)
    assert made == ["llmstudio-session", "MainThread"]


@pytest.mark.slow  # exports a model, then loads it with torch again
@pytest.mark.parametrize("early", [True, False])
def test_a_damaged_export_is_made_again_with_or_without_a_head_start(tiny_models, made, early):
    first, want = exported(tiny_models.generic3)
    first.onnx_file.write_bytes(b"not an ONNX graph")
    spec = f"hf:{tiny_models.generic3}"
    if early:
        assert begin(spec, "onnx") == first.onnx_file
        settled(sessions._begun)
    again = make_backend(spec, runtime="onnx")  # no traceback: loaded with torch, exported
    assert type(again) is TextClassificationBackend
    got = again.annotate(TASK, TEXTS)
    assert [r["sentiment_label"] for r in got] == [r["sentiment_label"] for r in want]
    assert isinstance(make_backend(spec, runtime="onnx"), OnnxTextClassifier)


def test_the_failure_of_a_session_begun_is_raised_where_it_is_asked(tmp_path, made):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an ONNX graph")
    with pytest.raises(Exception) as direct:
        sessions._new_session(bad, 1)
    sessions.begin_session(bad, 1)
    with pytest.raises(type(direct.value)) as taken:
        sessions.session(bad, 1)
    assert str(taken.value) == str(direct.value)
    assert made == ["MainThread", "llmstudio-session"]


def test_nothing_is_begun_where_the_run_would_not_start_from_the_cache(
    tiny_models, made, monkeypatch, tmp_path
):
    def no_hub(*args, **kwargs):
        raise AssertionError("the head start asked the hub")

    monkeypatch.setattr(loading, "_ask_hub", no_hub)
    monkeypatch.setattr(loading, "_hub_offline", lambda: False)  # the hub could be asked
    for spec, runtime in [
        ("openai:gpt-4o-mini", None),
        ("lexicon", None),
        (f"hf:{tiny_models.generic3}", "onnx"),  # not converted yet
        (f"hf:{tiny_models.generic3}", "torch"),
        (f"hf:{tiny_models.nli}", "onnx"),  # zero-shot: loaded with torch
        ("hf:someone/not-downloaded", "onnx"),  # never asks the hub
        (f"hf:{tmp_path / 'no-such-folder'}", "onnx"),
        ("hf:", "onnx"),
        ("nonsense:model", None),
        ("builtin", "no-such-runtime"),
        ("builtin", "onnx"),  # not converted yet in this settings folder
    ]:
        assert begin(spec, runtime) is None, spec
    assert sessions._begun == {} and made == []

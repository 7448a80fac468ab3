"""PyTorch in bfloat16 on the CPU (``--runtime torch-bfloat16``): offered and accepted only
where the CPU has bfloat16 instructions, run for real in bfloat16 by every local pipeline
(the builtin model, hf: classifiers, zero-shot, embedding models and generators), and
said in the fingerprint, the stored vectors' key and the methods record. The model runs
in bfloat16 on any CPU (only slower without the instructions), so these tests say the
CPU has them (``bfloat16_cpu``) and run the real forward passes here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmstudio.core.backends import cpu_features, make_backend
from llmstudio.core.backends.onnx_runtime import choice
from llmstudio.core.errors import BackendError
from llmstudio.core.tasks import SentimentTask

TASK = SentimentTask()
TEXTS = ["I loved it, wonderful", "awful service, terrible food", "it was a day", "good film"]


@pytest.fixture
def bf16_cpu(monkeypatch):
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: True)
    monkeypatch.delenv("LLMSTUDIO_RUNTIME", raising=False)


CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 avx512f {}\n\n"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [("avx512_bf16 avx512_vnni", True), ("amx_bf16 amx_tile", True), ("avx512_vnni", False)],
)
def test_the_cpu_s_bfloat16_instructions_are_read_from_its_flags(extra, expected):
    assert cpu_features.cpu_flags_have_bfloat16(CPUINFO.format(extra)) is expected
    assert cpu_features.cpu_flags_have_bfloat16("") is False  # not Linux, or nothing read


def test_torch_bfloat16_is_offered_and_accepted_only_on_such_a_cpu(monkeypatch):
    monkeypatch.delenv("LLMSTUDIO_RUNTIME", raising=False)
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: False)
    assert "torch-bfloat16" not in choice.installed_runtimes()
    for named in ("torch-bfloat16", None):
        if named is None:  # as the default, from the variable: the same message
            monkeypatch.setenv("LLMSTUDIO_RUNTIME", "torch-bfloat16")
        with pytest.raises(BackendError) as err:
            choice.check_runtime(named)
        message = str(err.value)
        assert "no" in message and "bfloat16 instructions" in message
        assert "onnx-int8" in message  # what to use instead
        assert ("LLMSTUDIO_RUNTIME=torch-bfloat16" in message) is (named is None)
    with pytest.raises(BackendError, match="bfloat16 instructions"):
        make_backend("builtin", runtime="torch-bfloat16")  # before any model is loaded
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: True)
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")
    assert "torch-bfloat16" in choice.installed_runtimes()
    assert choice.check_runtime("torch-bfloat16") == "torch-bfloat16"


def test_its_fingerprint_names_it_and_a_resumed_run_runs_with_it_again():
    fields = choice.runtime_fingerprint("torch-bfloat16")
    assert fields == {"runtime": "pytorch", "precision": "bfloat16"}
    assert choice.runtime_of({**fields, "dtype": "bfloat16"}) == "torch-bfloat16"
    # a GPU's own half precision is PyTorch's choice, not this runtime
    assert choice.runtime_of({"dtype": "bfloat16"}) == "torch"
    for runtime in ("torch", "onnx", "onnx-int8"):
        assert choice.runtime_of(choice.runtime_fingerprint(runtime)) == runtime
    assert "slightly less exact" in choice.runtime_words({**fields, "dtype": "bfloat16"})
    assert "on a GPU" not in choice.runtime_words({**fields, "dtype": "bfloat16"})


def _params(model) -> set:
    return {p.dtype for p in model.parameters()}


@pytest.mark.parametrize("name", ["named", "nli", "encoder"])
def test_the_hf_encoders_run_in_bfloat16_with_float32_s_labels(tiny_models, bf16_cpu, name):
    """A classifier, a zero-shot (NLI) model and an embedding model: loaded in bfloat16,
    their answers close to the float32 run's (random tiny weights: a few hundredths)."""
    import torch

    path = "hf:" + str(getattr(tiny_models, name))
    float32 = make_backend(path, device="cpu", runtime="torch")
    half = make_backend(path, device="cpu", runtime="torch-bfloat16")
    assert half.runtime == "torch-bfloat16"
    model = getattr(half.model, "torch_model", half.model)  # an embedding model's groups
    assert _params(model) == {torch.bfloat16}
    assert half.device_plan.dtype == "bfloat16"
    fp = half.fingerprint()
    assert fp["runtime"] == "pytorch" and fp["precision"] == fp["dtype"] == "bfloat16"
    assert {k: v for k, v in fp.items() if k not in ("runtime", "precision", "dtype")} == {
        k: v for k, v in float32.fingerprint().items()
    }
    a, b = float32.annotate(TASK, TEXTS), half.annotate(TASK, TEXTS)
    for x, y in zip(a, b, strict=True):
        assert math.isfinite(y["sentiment_score"])
        assert abs(x["sentiment_score"] - y["sentiment_score"]) < 0.05
        probs = x["_probabilities"]  # a near tie in float32 may flip, nothing else
        assert probs[x["sentiment_label"]] - probs[y["sentiment_label"]] < 0.05
    assert [x["sentiment_score"] for x in a] != [y["sentiment_score"] for y in b]  # not float32


@pytest.mark.parametrize("name", ["lm", "t5"])
def test_the_generators_run_in_bfloat16_too(tiny_models, bf16_cpu, name):
    import torch

    half = make_backend("hf:" + str(getattr(tiny_models, name)), runtime="torch-bfloat16")
    assert _params(half.model) == {torch.bfloat16}
    assert half.fingerprint()["precision"] == "bfloat16"
    answers = half.annotate(TASK, TEXTS[:2])  # random weights: unparseable, but answered
    assert len(answers) == 2 and all("answer" in str(a) for a in answers)


def test_the_builtin_model_in_bfloat16_labels_as_float32_does_and_keeps_its_own_vectors(
    bf16_cpu, tmp_path
):
    """The real MiniLM: its sentiment labels agree with float32's on clear texts, its
    vectors are bfloat16's (near, not equal), and its stored vectors have a key of
    their own, so a float32 run never reads them."""
    from llmstudio.core.backends.builtin import BuiltinBackend
    from llmstudio.core.corpus import read_table
    from llmstudio.core.embedding.stored import ProjectEmbeddings
    from llmstudio.core.methods import build_record
    from llmstudio.core.project import Project
    from llmstudio.core.runner import run_job

    float32 = BuiltinBackend(device="cpu", runtime="torch")
    half = BuiltinBackend(device="cpu", runtime="torch-bfloat16")
    assert half.dtype == "bfloat16" and half.runtime == "torch-bfloat16"
    a, b = float32.embed(TEXTS), half.embed(TEXTS)
    assert b.dtype == np.float32  # numpy float32 out, whatever ran
    cosines = (a * b).sum(axis=1)
    assert cosines.min() > 0.99 and not np.array_equal(a, b)
    labels = [r["sentiment_label"] for r in float32.annotate(TASK, TEXTS[:2])]
    assert [r["sentiment_label"] for r in half.annotate(TASK, TEXTS[:2])] == labels
    csv = tmp_path / "t.csv"
    csv.write_text("text\n" + "\n".join(TEXTS) + "\n", encoding="utf-8")
    with Project.create(tmp_path / "p.llmstudio", read_table(csv)) as project:
        first = run_job(project, TASK, float32)
        second = run_job(project, TASK, half)
        assert second.run_id != first.run_id  # not served float32's answers
        half.keep_embeddings(ProjectEmbeddings(project.db))
        float32.keep_embeddings(ProjectEmbeddings(project.db))
        assert '"bfloat16"' in half._corpus.store.model
        assert half._corpus.store.model != float32._corpus.store.model
        md = build_record(project, n_resamples=0).markdown()
    assert "PyTorch in bfloat16, asked for speed, slightly less exact than float32" in md
    assert '"precision": "bfloat16"' in md


def test_the_command_line_says_where_it_cannot_run_before_reading_anything(monkeypatch):
    """``--runtime torch-bfloat16``: a usage error naming the option on a CPU without the
    instructions, or for a model that runs elsewhere; passed on to the backend otherwise."""
    from argparse import Namespace

    from llmstudio.cli.options import runtime_options
    from llmstudio.core.errors import UsageError

    monkeypatch.delenv("LLMSTUDIO_RUNTIME", raising=False)
    asked = Namespace(runtime="torch-bfloat16", model="builtin")
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: False)
    with pytest.raises(UsageError, match="^--runtime: the torch-bfloat16 runtime is for CPUs"):
        runtime_options(asked)
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: True)
    assert runtime_options(asked) == {"runtime": "torch-bfloat16"}
    with pytest.raises(UsageError, match="models that run on this computer"):
        runtime_options(Namespace(runtime="torch-bfloat16", model="openai:gpt-4o-mini"))

"""The automatic runtime (the default): ONNX Runtime in float32 for an encoder on this
computer's CPU, PyTorch for anything else; a model whose export fails, or whose export
answers otherwise than torch, runs with PyTorch and is not tried again; a resumed run keeps
the runtime it ran with; ``LLMSTUDIO_RUNTIME`` sets another default and is checked."""

from __future__ import annotations

import logging
import subprocess
import sys
import typing

import pytest
import torch

from llmstudio.core.backends import BackendError, make_backend
from llmstudio.core.backends.onnx_runtime import choice, export
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.runs import INTERRUPTED, resume_spec, run_info
from llmstudio.core.tasks import SentimentTask

pytest.importorskip("onnxruntime")

TEXTS = ["I love this movie", "This is awful", "The bus comes at nine", "Great service"]
TASK = SentimentTask(long_texts="truncate")


@pytest.fixture
def automatic(monkeypatch):
    """No LLMSTUDIO_RUNTIME: the default a user gets (the suite sets torch: conftest)."""
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setattr(export, "cache_dir", lambda: folder)
    return folder


def test_settle_picks_onnx_for_an_encoder_on_the_cpu_only(monkeypatch):
    assert choice.settle("auto", "cpu") == "onnx"
    assert choice.settle("auto", "cuda:0") == "torch"  # a GPU: PyTorch in half precision
    assert choice.settle("auto", "mps") == "torch"
    assert choice.settle("auto", "cpu", onnx_ready=False) == "torch"  # a generator
    for chosen in ("torch", "onnx", "onnx-int8"):  # a choice made is kept
        assert choice.settle(chosen, "cuda") == chosen
    real = choice.find_spec
    monkeypatch.setattr(choice, "find_spec", lambda n: None if n == "onnxruntime" else real(n))
    assert choice.settle("auto", "cpu") == "torch"  # not installed: PyTorch


def test_the_default_is_automatic_and_the_variable_is_checked(monkeypatch):
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")
    assert choice.default_runtime() == "auto" == choice.check_runtime(None)
    monkeypatch.setenv("LLMSTUDIO_RUNTIME", "onnx-int8")
    assert choice.check_runtime(None) == "onnx-int8"
    assert choice.check_runtime("torch") == "torch"  # a choice made wins
    monkeypatch.setenv("LLMSTUDIO_RUNTIME", "tensorrt")
    with pytest.raises(BackendError, match="LLMSTUDIO_RUNTIME='tensorrt' is not a runtime"):
        make_backend("builtin")


def test_a_resumed_or_old_run_names_the_runtime_it_ran_with():
    assert choice.runtime_of({"kind": "hf"}) == "torch"  # torch adds nothing to the key
    assert choice.runtime_of({"runtime": "onnxruntime", "precision": "float32"}) == "onnx"
    assert choice.runtime_of({"runtime": "onnxruntime", "precision": "int8"}) == "onnx-int8"


@pytest.mark.slow  # exports a tiny model (seconds)
def test_an_encoder_classifier_runs_in_onnx_float32_by_default(
    tiny_models, cache, exports, automatic
):
    model = "hf:" + str(tiny_models.named)
    chosen = make_backend(model)
    assert chosen.runtime == "onnx" and chosen.onnx_file is not None
    fingerprint = chosen.fingerprint()
    assert (fingerprint["runtime"], fingerprint["precision"]) == ("onnxruntime", "float32")
    torch_out = make_backend(model, runtime="torch").annotate(TASK, TEXTS)
    auto_out = chosen.annotate(TASK, TEXTS)
    assert [r["sentiment_label"] for r in auto_out] == [r["sentiment_label"] for r in torch_out]
    for a, b in zip(auto_out, torch_out, strict=True):
        assert a["_probabilities"] == pytest.approx(b["_probabilities"], abs=1e-5)
    assert len(exports) == 1
    again = make_backend(model)  # from the cache, without torch's model
    assert again.runtime == "onnx" and len(exports) == 1
    assert again.fingerprint() == fingerprint


def test_a_generator_runs_with_pytorch_by_default(tiny_models, cache, exports, automatic):
    backend = make_backend("hf:" + str(tiny_models.lm))
    assert backend.runtime == "torch" and "runtime" not in backend.fingerprint()
    assert exports == [] and not cache.exists()


@pytest.mark.slow  # tries an export (seconds)
def test_a_model_that_will_not_convert_runs_with_pytorch_and_is_not_tried_again(
    tiny_models, cache, monkeypatch, automatic, caplog
):
    from llmstudio.core.backends.onnx_runtime import sessions

    tried = []

    def broken(*args, **kwargs):
        tried.append(1)
        raise RuntimeError("unsupported operator aten::weird")

    monkeypatch.setattr(sessions, "export_module", broken)
    model = "hf:" + str(tiny_models.named)
    with caplog.at_level(logging.WARNING, logger="llmstudio.notice"):
        backend = make_backend(model)
    assert backend.runtime == "torch" and backend.onnx_file is None
    assert "runtime" not in backend.fingerprint()  # the record names no ONNX Runtime
    want = make_backend(model, runtime="torch").annotate(TASK, TEXTS)
    assert backend.annotate(TASK, TEXTS) == want
    assert "runs with PyTorch" in caplog.text and "aten::weird" in caplog.text
    assert tried == [1]
    assert make_backend(model).runtime == "torch" and tried == [1]  # remembered
    # Asked for by name, ONNX is tried again, and its failure is said, not hidden.
    with pytest.raises(BackendError, match="could not convert model .* aten::weird"):
        make_backend(model, runtime="onnx")
    assert tried == [1, 1]


class Drifting(torch.nn.Module):
    """A model whose answer depends on Python state the exporter bakes in: its export
    gives other numbers than it does."""

    calls: typing.ClassVar[list] = []

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(100, 4)

    def forward(self, input_ids, attention_mask):
        Drifting.calls.append(1)
        return self.embed(input_ids).mean(1) * len(Drifting.calls)


@pytest.mark.slow  # exports a tiny module (seconds)
def test_an_export_that_answers_otherwise_than_torch_is_not_kept(cache):
    sample = {
        "input_ids": torch.tensor([[1, 2, 3], [4, 5, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1], [1, 1, 0]]),
    }
    identity = {"model": "drifting", "revision": "r1"}
    with pytest.raises(BackendError) as err:
        export.exported(
            identity,
            "float32",
            lambda path: export.export_module(Drifting(), sample, "out", path, 16),
        )
    assert "answers sample sentences otherwise than PyTorch does" in str(err.value)
    assert not list(cache.rglob("model.onnx"))  # nothing to be read by a later run
    assert "otherwise than PyTorch" in export.refused(identity)


class MeanTokens(torch.nn.Module):
    """The mean of a text's token vectors."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(100, 4)

    def forward(self, input_ids, attention_mask):
        return self.embed(input_ids).mean(1)


class OverThree(MeanTokens):
    """The same for three tokens only, the sample's length, kept as a number: what a graph
    that kept the traced shape in its arithmetic would compute."""

    def forward(self, input_ids, attention_mask):
        return self.embed(input_ids).sum(1) / 3


@pytest.mark.slow  # exports a tiny module (seconds)
def test_an_export_is_checked_at_another_shape_than_the_traced_one(tmp_path):
    sample = {
        "input_ids": torch.tensor([[1, 2, 3], [4, 5, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1], [1, 1, 0]]),
    }
    wider = export.stretched(sample, 16)
    assert wider["input_ids"].shape == (3, 16) and wider["input_ids"][0, :4].tolist() == [
        1,
        2,
        3,
        1,
    ]
    assert wider["attention_mask"][2].tolist() == [1] * 8 + [0] * 8
    mean = MeanTokens()
    path = tmp_path / "model.onnx"
    export.export_module(mean, sample, "out", path, 16)  # checked: it agrees at both shapes
    same_at_three = OverThree()
    same_at_three.load_state_dict(mean.state_dict())
    assert torch.allclose(same_at_three(**sample), mean(**sample))  # the sample cannot tell
    with pytest.raises(ValueError, match="answers longer texts in a larger batch otherwise"):
        export.check_export(same_at_three, sample, path, 16)


@pytest.mark.slow  # exports a tiny model (seconds)
def test_a_torch_run_resumes_with_torch_under_the_automatic_default(
    tiny_models, cache, tmp_path, automatic
):
    csv = tmp_path / "t.csv"
    csv.write_text("text\n" + "\n".join(TEXTS) + "\n", encoding="utf-8")
    project = Project.create(tmp_path / "p.llmstudio", read_table(csv))
    model = "hf:" + str(tiny_models.named)
    run_id = run_job(project, TASK, make_backend(model, runtime="torch")).run_id
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with project.db:  # what a run killed midway leaves
        project.db.execute("DELETE FROM annotations WHERE run_id = ? AND row_id >= 1", (run_id,))
        project.db.execute(
            "UPDATE runs SET status = 'running', finished = NULL, pid = ? WHERE id = ?",
            (gone.pid, run_id),
        )
    assert run_info(project, run_id).state == INTERRUPTED
    assert resume_spec(project, run_id).backend_options == {"runtime": "torch"}
    project.close()


@pytest.mark.slow  # loads the builtin model with torch, twice (seconds)
def test_the_builtin_model_falls_back_to_pytorch_by_the_same_rule(
    cache, monkeypatch, automatic, caplog
):
    from llmstudio.core.backends.onnx_runtime import sentence_encoder

    tried = []

    def broken(*args, **kwargs):
        tried.append(1)
        raise RuntimeError("unsupported operator aten::weird")

    monkeypatch.setattr(sentence_encoder, "export_module", broken)
    with caplog.at_level(logging.WARNING, logger="llmstudio.notice"):
        backend = make_backend("builtin")
    assert backend.runtime == "torch" and backend.device == "cpu"
    assert backend.fingerprint() == make_backend("builtin", runtime="torch").fingerprint()
    assert "runs with PyTorch" in caplog.text and "aten::weird" in caplog.text
    assert tried == [1]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="llmstudio.notice"):
        assert make_backend("builtin").runtime == "torch" and tried == [1]  # remembered
    assert "runs with PyTorch" in caplog.text  # and said again: why it is not ONNX
    with pytest.raises(BackendError, match="aten::weird"):
        make_backend("builtin", runtime="onnx")  # named: tried again, and loud
    assert tried == [1, 1]

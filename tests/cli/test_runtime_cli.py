"""``annotate --runtime torch|onnx|onnx-int8``: a local classifier run through ONNX Runtime
from the command line, quietly, recorded as such; a model that does not run here and a
missing onnxruntime are refused before anything is read or loaded."""

from __future__ import annotations

import argparse
import json
import sqlite3

import pytest

from llmstudio.cli.options import runtime_options
from llmstudio.core.backends.onnx_runtime import choice
from llmstudio.core.errors import UsageError

from models import build_classifier

TEXTS = ["I love it", "I hate it", "the bus is late", "what a wonderful day"]


def write_csv(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text("text\n" + "\n".join(TEXTS) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # exports the model in a new process
def test_annotate_runs_int8_through_onnx_and_records_it(tmp_path, annotate_cli):
    pytest.importorskip("onnxruntime")
    model = build_classifier(tmp_path / "tiny", ["negative", "positive"])
    csv = write_csv(tmp_path)
    project = tmp_path / "p.llmstudio"
    args = [csv, "--model", f"hf:{model}", "--labels", "negative,positive"]
    done, _ = annotate_cli(*args, "--runtime", "onnx-int8", "--project", project, timeout=300)
    assert done.returncode == 0, done.stderr
    # the exporter's notes (torchvision ops, deprecations) stay off the terminal
    assert "torchvision" not in done.stderr and "Warning" not in done.stderr
    assert "4/4 rows, 4 computed" in done.stderr
    with sqlite3.connect(project) as db:
        (fingerprint,) = db.execute("SELECT fingerprint FROM runs").fetchone()
    assert json.loads(fingerprint)["precision"] == "int8"
    exported = list((tmp_path / "config" / "cache" / "onnx").rglob("model.onnx"))
    assert sorted(p.parent.name for p in exported) == ["float32", "int8"]


def test_a_model_that_runs_elsewhere_is_refused(tmp_path, annotate_cli):
    done, _ = annotate_cli(write_csv(tmp_path), "--model", "lexicon", "--runtime", "onnx")
    assert done.returncode != 0
    assert "--runtime: the onnx runtime is for models that run on this computer" in done.stderr
    assert not (tmp_path / "texts.llmstudio").exists()  # refused before anything was made


def test_missing_onnxruntime_is_refused_with_what_to_install(monkeypatch):
    real = choice.find_spec
    monkeypatch.setattr(choice, "find_spec", lambda n: None if n == "onnxruntime" else real(n))
    args = argparse.Namespace(model="builtin", runtime="onnx-int8")
    with pytest.raises(UsageError) as err:
        runtime_options(args)
    assert "onnxruntime is not installed: pip install 'llmstudio[onnx]'" in str(err.value)
    # torch, named, is passed on (the default is automatic); none given: the default
    assert runtime_options(argparse.Namespace(model="builtin", runtime="torch")) == {
        "runtime": "torch"
    }
    assert runtime_options(argparse.Namespace(model="builtin", runtime=None)) == {}
    assert runtime_options(argparse.Namespace(model="lexicon", runtime="torch")) == {}


@pytest.mark.slow  # exports the model in a new process
def test_annotate_runs_an_encoder_in_onnx_float32_by_default(tmp_path, automatic, annotate_cli):
    """No --runtime, no LLMSTUDIO_RUNTIME: the automatic runtime; the run's fingerprint and
    its methods record name ONNX Runtime in float32, and the labels are PyTorch's."""
    pytest.importorskip("onnxruntime")
    from llmstudio.core.backends.device import gpu_hardware

    if gpu_hardware():
        pytest.skip("a GPU here: the automatic runtime is PyTorch")
    model = build_classifier(tmp_path / "tiny", ["negative", "positive"])
    csv = write_csv(tmp_path)
    args = [csv, "--model", f"hf:{model}", "--labels", "negative,positive"]
    project = tmp_path / "p.llmstudio"
    done, _ = annotate_cli(*args, "--project", project, "--out", "auto.csv", timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
    # the conversion's seconds are said before they pass, once per model version
    assert "note: converting" in done.stderr and "for ONNX Runtime, once" in done.stderr
    again, _ = annotate_cli(*args, "--out", "again.csv", timeout=300)
    assert again.returncode == 0, again.stderr
    assert "converting" not in again.stderr
    done, _ = annotate_cli(*args, "--runtime", "torch", "--out", "torch.csv", timeout=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(project) as db:
        (fingerprint,) = db.execute("SELECT fingerprint FROM runs").fetchone()
    fingerprint = json.loads(fingerprint)
    assert (fingerprint["runtime"], fingerprint["precision"]) == ("onnxruntime", "float32")
    auto, torch_run = (
        (tmp_path / n).read_text(encoding="utf-8") for n in ("auto.csv", "torch.csv")
    )
    label = [line.split(",")[1] for line in auto.splitlines()[1:]]
    assert label == [line.split(",")[1] for line in torch_run.splitlines()[1:]]


@pytest.fixture
def automatic(monkeypatch):
    """No LLMSTUDIO_RUNTIME (the suite sets torch: conftest), before annotate_cli copies
    the environment."""
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")


@pytest.fixture
def wrong_variable(monkeypatch):
    monkeypatch.setenv("LLMSTUDIO_RUNTIME", "fast")


def test_a_wrong_runtime_variable_is_said_before_anything_is_read(
    tmp_path, wrong_variable, annotate_cli
):
    done, _ = annotate_cli(write_csv(tmp_path), "--model", "builtin")
    assert done.returncode != 0
    assert "LLMSTUDIO_RUNTIME='fast' is not a runtime; use one of auto, torch" in done.stderr
    assert not (tmp_path / "texts.llmstudio").exists()

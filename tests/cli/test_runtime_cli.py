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
    assert runtime_options(argparse.Namespace(model="builtin", runtime="torch")) == {}

"""In the window: an hf: classifier (or the builtin model) run with ONNX Runtime exports it
once; the next run, in another project, starts from the cache without torch and gives the
same table."""

from __future__ import annotations

import pytest

from llmstudio.core.backends import hf
from llmstudio.core.backends.hf.classify_onnx import OnnxTextClassifier
from llmstudio.gui.runs.jobs import JobSpec

from helpers.gui import make_project, open_project, wait_job

pytest.importorskip("onnxruntime")


@pytest.mark.slow  # exports a model (seconds)
def test_the_second_onnx_run_starts_from_the_cache_and_fills_the_same_table(
    qtbot, window, tmp_path, monkeypatch
):
    import models  # tests/models.py

    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    model = models.build_classifier(tmp_path / "clf", ["LABEL_0", "LABEL_1", "LABEL_2"], seed=1)
    loaded = []
    real = hf.load

    def load(*args, **kwargs):
        backend = real(*args, **kwargs)
        loaded.append(type(backend).__name__)
        return backend

    monkeypatch.setattr(hf, "load", load)
    tables = []
    for name in ("first", "second"):
        open_project(qtbot, window, make_project(tmp_path / f"{name}.llmstudio"))
        job = window.runs.run(JobSpec(model=f"hf:{model}", runtime="onnx"))
        wait_job(qtbot, job)
        assert job.state.status == "done"
        assert job.state.progress.computed == job.state.progress.total > 0
        tables.append(window.model.result("sentiment_label").tolist())
    window.resize(1200, 800)
    window.grab().save(str(tmp_path / "second_onnx_run.png"))
    assert loaded == ["TextClassificationBackend", OnnxTextClassifier.__name__]
    assert tables[0] == tables[1]
    assert set(tables[1]) <= {"negative", "neutral", "positive"}


@pytest.mark.slow  # exports MiniLM (seconds)
def test_the_builtin_models_second_onnx_run_starts_from_the_cache(
    qtbot, window, tmp_path, monkeypatch
):
    from llmstudio.core.backends.builtin import BuiltinBackend

    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    loaded = []
    real = BuiltinBackend.__init__

    def init(self, *args, **kwargs):
        real(self, *args, **kwargs)
        loaded.append((type(self._model).__name__, self._model._torch_model is None))

    monkeypatch.setattr(BuiltinBackend, "__init__", init)
    tables = []
    for name in ("first", "second"):
        open_project(qtbot, window, make_project(tmp_path / f"{name}.llmstudio"))
        job = window.runs.run(JobSpec(model="builtin", runtime="onnx"))
        wait_job(qtbot, job)
        assert job.state.status == "done"
        assert job.state.progress.computed == job.state.progress.total > 0
        tables.append(window.model.result("sentiment_label").tolist())
    window.resize(1200, 800)
    window.grab().save(str(tmp_path / "second_builtin_onnx_run.png"))
    # the first run loaded MiniLM with torch to export it; the second never did
    assert loaded == [("OnnxSentenceEncoder", False), ("OnnxSentenceEncoder", True)]
    assert tables[0] == tables[1]
    assert set(tables[1]) <= {"negative", "neutral", "positive"}

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


@pytest.mark.slow  # exports a model (seconds)
def test_a_default_run_says_it_converts_the_model_while_it_loads(
    qtbot, window, tmp_path, monkeypatch
):
    """The automatic runtime (no runtime chosen, no LLMSTUDIO_RUNTIME): the Jobs panel says
    the model is being converted, once, while it is; the run is ONNX float32."""
    import json

    from llmstudio.core.backends.device import gpu_hardware
    from llmstudio.gui.runs.jobs_panel import status_text

    import models  # tests/models.py

    if gpu_hardware():
        pytest.skip("a GPU here: the automatic runtime is PyTorch")
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    model = models.build_classifier(tmp_path / "clf", ["LABEL_0", "LABEL_1", "LABEL_2"], seed=1)
    shown: list[str] = []
    for name in ("first", "second"):
        open_project(qtbot, window, make_project(tmp_path / f"{name}.llmstudio"))
        job = window.runs.run(JobSpec(model=f"hf:{model}"))
        seen: list[str] = []

        def look(job=job, seen=seen):
            seen.append(status_text(job))
            if "converting" in seen[-1] and not shown:
                shown.append(seen[-1])
                window.runs.panel.grab().save(str(tmp_path / "jobs_converting.png"))

        job.sig_changed.connect(look)
        wait_job(qtbot, job)
        (fingerprint,) = window.project.db.execute("SELECT fingerprint FROM runs").fetchone()
        assert json.loads(fingerprint)["runtime"] == "onnxruntime"
        converting = [s for s in seen if s.startswith("Loading the model: converting")]
        # the first run converts it, and says so; the second starts from the copy
        assert bool(converting) == (name == "first"), seen
    assert "converting the model for ONNX Runtime, once for this version of it" in shown[0]
    assert str(model) in shown[0]  # which model, in the tooltip (the same text)


@pytest.mark.slow  # tries an export (seconds)
def test_a_default_run_that_falls_back_to_pytorch_says_so_once_done(
    qtbot, window, tmp_path, monkeypatch
):
    """A model ONNX Runtime cannot run: the automatic runtime runs it with PyTorch, and the
    finished job's status keeps saying so (not only while it loads); a run after it, of a
    model that converts, says nothing of the kind."""
    import json

    from llmstudio.core.backends.device import gpu_hardware
    from llmstudio.core.backends.onnx_runtime import sessions
    from llmstudio.gui.runs.jobs_panel import status_text

    import models  # tests/models.py

    if gpu_hardware():
        pytest.skip("a GPU here: the automatic runtime is PyTorch")
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    real = sessions.export_module

    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operator aten::weird")

    monkeypatch.setattr(sessions, "export_module", broken)
    model = models.build_classifier(tmp_path / "clf", ["LABEL_0", "LABEL_1", "LABEL_2"], seed=1)
    open_project(qtbot, window, make_project(tmp_path / "first.llmstudio"))
    job = window.runs.run(JobSpec(model=f"hf:{model}"))
    wait_job(qtbot, job)
    assert job.state.status == "done"
    (fingerprint,) = window.project.db.execute("SELECT fingerprint FROM runs").fetchone()
    assert "runtime" not in json.loads(fingerprint)  # PyTorch ran it
    text = status_text(job)
    assert text.startswith("Done; ") and "runs with PyTorch: ONNX Runtime cannot run" in text
    assert "aten::weird" in text
    window.resize(1200, 800)
    window.runs.panel.grab().save(str(tmp_path / "jobs_fell_back.png"))
    monkeypatch.setattr(sessions, "export_module", real)
    other = models.build_classifier(tmp_path / "clf2", ["LABEL_0", "LABEL_1", "LABEL_2"], seed=2)
    job = window.runs.run(JobSpec(model=f"hf:{other}"))
    wait_job(qtbot, job)
    window.runs.panel.grab().save(str(tmp_path / "jobs_after_the_next_run.png"))
    assert "PyTorch" not in status_text(job) and job.state.warnings == []

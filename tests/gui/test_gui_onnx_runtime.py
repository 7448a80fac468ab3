"""The run dialog's Runtime choice: what is installed is offered for a local model (builtin,
hf:), the row is hidden for a model that runs elsewhere, the job carries the choice and the
Jobs panel names it; without onnxruntime only PyTorch is offered, and the tooltip says how
to get the others."""

from __future__ import annotations

import pytest

from llmstudio.core.backends.onnx_runtime import choice
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.run_dialog import RunDialog


def offered(dialog) -> list[str]:
    return [dialog.runtime.itemData(i) for i in range(dialog.runtime.count())]


def shown(dialog) -> bool:
    return dialog._form.isRowVisible(dialog.runtime)


def test_the_runtime_is_offered_for_local_models_and_goes_with_the_job(qtbot, tmp_path):
    pytest.importorskip("onnxruntime")
    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    assert offered(dialog) == ["torch", "onnx", "onnx-int8"]
    assert dialog.runtime.isEnabled()
    assert "slightly less exact" in dialog.runtime.itemText(2)
    dialog.set_model("builtin")
    assert shown(dialog) and dialog.spec().runtime == "torch"
    dialog.runtime.setCurrentIndex(2)
    spec = dialog.spec()
    assert spec.runtime == "onnx-int8"
    assert "ONNX Runtime int8" in spec.model_name()
    dialog.set_model(f"hf:{tmp_path}")
    assert shown(dialog) and dialog.spec().runtime == "onnx-int8"
    dialog.grab().save(str(tmp_path / "run_dialog_runtime.png"))
    # an API model runs elsewhere: no runtime row, and the job runs none
    dialog.set_model("openai:llama3.2", "http://localhost:11434/v1")
    assert not shown(dialog)
    assert dialog.spec().runtime == "torch"
    dialog.set_model("lexicon")
    assert not shown(dialog) and dialog.spec().runtime == "torch"


def test_without_onnxruntime_only_pytorch_is_offered(qtbot, monkeypatch):
    real = choice.find_spec
    monkeypatch.setattr(choice, "find_spec", lambda n: None if n == "onnxruntime" else real(n))
    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    assert offered(dialog) == ["torch"]
    assert not dialog.runtime.isEnabled()
    assert "pip install 'llmstudio[onnx]'" in dialog.runtime.toolTip()
    assert dialog.spec().runtime == "torch"


def test_a_job_passes_its_runtime_to_the_backend(monkeypatch):
    from llmstudio.gui.runs import jobs

    made = []
    monkeypatch.setattr(jobs, "make_backend", lambda model, **kw: made.append((model, kw)))
    JobSpec(model="builtin", runtime="onnx").backend()
    JobSpec(model="builtin").backend()
    assert made[0][1]["runtime"] == "onnx"
    assert "runtime" not in made[1][1]  # torch: the backend's default, cache keys unchanged
    assert "ONNX" not in JobSpec(model="builtin").model_name()
    assert "(ONNX Runtime (float32))" in JobSpec(model="builtin", runtime="onnx").model_name()

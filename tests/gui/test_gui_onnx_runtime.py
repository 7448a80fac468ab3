"""The run dialog's Runtime choice: what is installed is offered for a local model (builtin,
hf:), automatic first and chosen (or what LLMSTUDIO_RUNTIME names), the row is hidden for a
model that runs elsewhere, the job carries the choice and the Jobs panel names it; without
onnxruntime automatic and PyTorch are offered, and the tooltip says how to get the
others."""

from __future__ import annotations

import pytest

from llmstudio.core.backends import cpu_features
from llmstudio.core.backends.onnx_runtime import choice
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.run_dialog import RunDialog


def offered(dialog) -> list[str]:
    return [dialog.runtime.itemData(i) for i in range(dialog.runtime.count())]


def shown(dialog) -> bool:
    return dialog._form.isRowVisible(dialog.runtime)


def test_the_runtime_is_offered_for_local_models_and_goes_with_the_job(
    qtbot, tmp_path, monkeypatch
):
    pytest.importorskip("onnxruntime")
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")  # the default a user gets
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: False)  # most laptops' CPUs
    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    assert offered(dialog) == ["auto", "torch", "onnx", "onnx-int8"]
    assert dialog.runtime.isEnabled()
    assert "slightly less exact" in dialog.runtime.itemText(3)
    assert "Automatic" in dialog.runtime.currentText()
    assert "checked against PyTorch" in dialog.runtime.toolTip()
    dialog.set_model("builtin")
    assert shown(dialog) and dialog.spec().runtime == "auto"
    assert "Runtime" not in dialog.spec().model_name()  # automatic: the record says what ran
    dialog.runtime.setCurrentIndex(3)
    spec = dialog.spec()
    assert spec.runtime == "onnx-int8"
    assert "ONNX Runtime int8" in spec.model_name()
    dialog.set_model(f"hf:{tmp_path}")
    assert shown(dialog) and dialog.spec().runtime == "onnx-int8"
    dialog.runtime.setCurrentIndex(0)
    dialog.grab().save(str(tmp_path / "run_dialog_runtime.png"))
    # an API model runs elsewhere: no runtime row, and the job runs none
    dialog.set_model("openai:llama3.2", "http://localhost:11434/v1")
    assert not shown(dialog)
    assert dialog.spec().runtime is None
    dialog.set_model("lexicon")
    assert not shown(dialog) and dialog.spec().runtime is None


def test_the_variable_s_runtime_is_the_one_chosen(qtbot, monkeypatch):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("LLMSTUDIO_RUNTIME", "onnx")
    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    dialog.set_model("builtin")
    assert dialog.spec().runtime == "onnx"


def test_without_onnxruntime_automatic_and_pytorch_are_offered(qtbot, monkeypatch):
    real = choice.find_spec
    monkeypatch.setattr(choice, "find_spec", lambda n: None if n == "onnxruntime" else real(n))
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: False)
    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    assert offered(dialog) == ["auto", "torch"]
    assert "pip install 'llmstudio[onnx]'" in dialog.runtime.toolTip()
    assert "PyTorch runs every model" in dialog.runtime.toolTip()
    dialog.set_model("builtin")
    assert dialog.spec().runtime == "auto"


def test_a_job_passes_its_runtime_to_the_backend(monkeypatch):
    from llmstudio.gui.runs import jobs

    made = []
    monkeypatch.setattr(jobs, "make_backend", lambda model, **kw: made.append((model, kw)))
    JobSpec(model="builtin", runtime="onnx").backend()
    JobSpec(model="builtin").backend()
    JobSpec(model="builtin", runtime="torch").backend()
    assert made[0][1]["runtime"] == "onnx"
    assert "runtime" not in made[1][1]  # none chosen: the backend's default
    assert made[2][1]["runtime"] == "torch"  # chosen: not the default, so passed on
    assert "ONNX" not in JobSpec(model="builtin").model_name()
    assert "(PyTorch)" in JobSpec(model="builtin", runtime="torch").model_name()
    assert "(ONNX Runtime (float32))" in JobSpec(model="builtin", runtime="onnx").model_name()


def test_pytorch_in_bfloat16_is_offered_where_the_cpu_has_its_instructions(
    qtbot, tmp_path, monkeypatch
):
    """On a CPU with bfloat16 instructions (AVX512-BF16, AMX) PyTorch in bfloat16 is one
    more choice, for any local model, and the tooltip says what it costs; the job carries
    it and the Jobs panel names it."""
    pytest.importorskip("onnxruntime")
    monkeypatch.delenv("LLMSTUDIO_RUNTIME")
    monkeypatch.setattr(cpu_features, "bfloat16_cpu", lambda: True)
    dialog = RunDialog("text", 10)
    qtbot.addWidget(dialog)
    assert offered(dialog) == ["auto", "torch", "torch-bfloat16", "onnx", "onnx-int8"]
    assert "97.5-100% of rows" in dialog.runtime.toolTip()
    assert "not installed" not in dialog.runtime.toolTip()
    dialog.set_model("builtin")
    dialog.runtime.setCurrentIndex(2)
    spec = dialog.spec()
    assert spec.runtime == "torch-bfloat16"
    assert "PyTorch bfloat16 (faster on this CPU" in spec.model_name()
    dialog.set_model(f"hf:{tmp_path}")  # a generator too: every pipeline runs in it
    assert shown(dialog) and dialog.spec().runtime == "torch-bfloat16"
    dialog.grab().save(str(tmp_path / "run_dialog_bfloat16.png"))

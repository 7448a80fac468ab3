"""Local models on a GPU: the precision and the batch size, decided by gpu_plan.plan from
figures given to it (no GPU here: the free memory is made up), and the Hugging Face
backend's use of it."""

from __future__ import annotations

import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.gpu_plan import (
    CPU_BATCH,
    MAX_GPU_BATCH,
    MEMORY_SHARE,
    choose_dtype,
    plan,
    row_bytes,
    stored_dtype,
)
from llmstudio.core.backends.hf import base as hf_base

GIB = 2**30


@pytest.mark.parametrize(
    ("device", "stored", "model_type", "bf16", "expected"),
    [
        ("cpu", "float16", "bert", True, "float32"),  # never half on the CPU
        ("cuda", "float32", "bert", True, "bfloat16"),
        ("cuda", "float32", "bert", False, "float16"),  # an older GPU
        ("cuda", "float32", "t5", False, "float32"),  # T5 overflows in float16
        ("cuda", "float32", "t5", True, "bfloat16"),  # bfloat16 has float32's range
        ("cuda", "bfloat16", "llama", True, "bfloat16"),
        ("cuda", "bfloat16", "llama", False, "float16"),
        ("cuda", "torch.float16", "bert", True, "float16"),  # as the checkpoint says
        ("mps", None, "roberta", False, "float16"),
    ],
)
def test_half_precision_where_the_model_allows_it(device, stored, model_type, bf16, expected):
    dtype, why = choose_dtype(device, stored, model_type, bf16)
    assert dtype == expected
    assert why.startswith(expected)


def test_the_batch_grows_with_the_free_memory_and_stays_within_bounds():
    figures = dict(tokens=512, hidden=768, heads=12, layers=12)
    per_row = row_bytes(dtype="bfloat16", **figures)
    small = plan("cuda", bfloat16_ok=True, free_bytes=2 * GIB, **figures)
    large = plan("cuda", bfloat16_ok=True, free_bytes=20 * GIB, **figures)
    assert small.dtype == large.dtype == "bfloat16"
    assert small.batch_size == int(2 * GIB * MEMORY_SHARE) // per_row
    assert 1 < small.batch_size < large.batch_size <= MAX_GPU_BATCH
    assert "2.0 GiB free" in small.why
    # Almost no memory left: one row at a time, never zero.
    assert plan("cuda", free_bytes=1024, **figures).batch_size == 1
    # Longer inputs, fewer rows.
    long = plan("cuda", bfloat16_ok=True, free_bytes=2 * GIB, **{**figures, "tokens": 2048})
    assert long.batch_size < small.batch_size


def test_float32_rows_take_twice_the_memory_of_half_ones():
    figures = dict(tokens=256, hidden=1024, heads=16, layers=24)
    assert row_bytes(dtype="float32", **figures) == 2 * row_bytes(dtype="float16", **figures)


def test_on_the_cpu_or_without_a_memory_figure_the_default_batch():
    assert plan("cpu", free_bytes=50 * GIB).batch_size == CPU_BATCH
    unknown = plan("cuda:1", bfloat16_ok=True, free_bytes=None)
    assert unknown.batch_size == CPU_BATCH and "free memory unknown" in unknown.why


def test_the_backend_on_the_cpu_keeps_float32_and_its_fingerprint(tiny_models):
    backend = make_backend("hf:" + str(tiny_models.named), device="cpu")
    assert backend.device_plan.dtype == "float32" and backend.batch_size == CPU_BATCH
    assert next(backend.model.parameters()).dtype.__repr__() == "torch.float32"
    assert "dtype" not in backend.fingerprint()  # CPU runs keep their cache keys
    assert make_backend("hf:" + str(tiny_models.named), batch_size=4).batch_size == 4


def test_the_backend_reads_the_gpus_free_memory_for_its_batch(tiny_models, monkeypatch):
    # No GPU here: the backend is loaded on the CPU, then asked its plan as if on one.
    backend = make_backend("hf:" + str(tiny_models.named), device="cpu")
    backend.device = "cuda"
    monkeypatch.setattr(hf_base, "free_memory", lambda device: 4 * GIB)
    monkeypatch.setattr(hf_base, "bfloat16_ok", lambda device: True)
    on_gpu = backend._device_plan()
    config = backend.model.config
    expected = plan(
        "cuda",
        checkpoint_dtype=stored_dtype(backend.config),  # as saved
        model_type=config.model_type,
        bfloat16_ok=True,
        free_bytes=4 * GIB,
        tokens=backend.max_length,
        hidden=config.hidden_size,
        heads=config.num_attention_heads,
        layers=config.num_hidden_layers,
    )
    assert on_gpu == expected
    assert on_gpu.batch_size > CPU_BATCH  # a tiny model: many rows fit


def test_a_sentence_model_on_a_gpu_runs_in_half_precision_with_batches_from_memory(
    monkeypatch, hf_offline
):
    """The builtin model (and an hf: embedding model) on a GPU: put in bfloat16 where the
    GPU has it, its batch from the memory then free. No GPU here: the model is loaded on
    the CPU and the GPU's figures are made up."""
    import torch
    from sentence_transformers import SentenceTransformer

    from llmstudio.core.backends import device
    from llmstudio.core.backends.builtin import model_dir
    from llmstudio.core.backends.gpu_plan import config_plan
    from llmstudio.core.embedding.sentences import embed_texts

    monkeypatch.setattr(device, "free_memory", lambda name: 4 * GIB)
    monkeypatch.setattr(device, "bfloat16_ok", lambda name: name.startswith("cuda"))
    model = SentenceTransformer(str(model_dir()), device="cpu")
    config = model[0].auto_model.config
    on_gpu = device.sentence_model_on_gpu(model, "cuda")
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    assert on_gpu == config_plan(
        "cuda", config, tokens=model.max_seq_length, bfloat16_ok=True, free_bytes=4 * GIB
    )
    assert on_gpu.dtype == "bfloat16" and on_gpu.batch_size > CPU_BATCH
    # An Apple GPU: float16; the backends' embeddings are float32 numpy either way.
    assert device.sentence_model_on_gpu(model, "mps").dtype == "float16"
    assert {p.dtype for p in model.parameters()} == {torch.float16}
    assert embed_texts(model, ["a text"], 8).dtype == "float32"


def test_half_precision_joins_the_fingerprint_and_float32_adds_nothing():
    from llmstudio.core.backends.gpu_plan import precision_fields

    assert precision_fields("float32") == {}
    assert precision_fields("bfloat16") == {"dtype": "bfloat16"}
    assert precision_fields("float16") != precision_fields("bfloat16")


def test_the_methods_record_names_a_runs_half_precision(tiny_models, tmp_path, monkeypatch):
    """A run in bfloat16 (on a GPU) says so in the methods record, in its settings and
    in words beside the runtime, and is another run than the float32 one. No GPU here:
    the backend loaded on the CPU is given the plan it would have on one."""
    from llmstudio.core.backends.gpu_plan import Plan
    from llmstudio.core.corpus import read_table
    from llmstudio.core.methods import build_record
    from llmstudio.core.project import Project
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks import SentimentTask

    csv = tmp_path / "t.csv"
    csv.write_text("text\nI loved it\nawful service\nit was fine\n", encoding="utf-8")
    model = "hf:" + str(tiny_models.named)
    with Project.create(tmp_path / "p.llmstudio", read_table(csv)) as project:
        float32 = run_job(project, SentimentTask(), make_backend(model, device="cpu"))
        backend = make_backend(model, device="cpu")
        monkeypatch.setattr(backend, "_device_plan", lambda: Plan("bfloat16", 64, "a GPU"))
        backend._settle(None)
        assert backend.fingerprint()["dtype"] == "bfloat16" and backend.batch_size == 64
        half = run_job(project, SentimentTask(), backend)
        assert half.run_id != float32.run_id
        md = build_record(project, n_resamples=0).markdown()
    assert md.count("PyTorch in bfloat16, half precision on a GPU") >= 2  # settings, prose
    assert '"dtype": "bfloat16"' in md

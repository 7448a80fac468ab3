"""Local models on a GPU: half precision where the model allows it, and a batch size from
the GPU's free memory. The decision is :func:`plan`, over figures it is given
(:func:`config_plan` reads the model's from its config; :mod:`.device` reads the GPU's
from torch; tests give made-up ones: there is no GPU here). Every local torch model on
a GPU follows it: the ``hf:`` pipelines, and the sentence-embedding models (the builtin
model, ``hf:`` embedding models; their fine-tuned copies learn in float32).

* Precision: what the run asked for (``--runtime torch-bfloat16``), else float32 on the
  CPU (half precision is slower there without bfloat16 instructions, and a run asks for
  it where they are: :func:`.cpu_features.bfloat16_cpu`). On CUDA or MPS: a checkpoint stored
  in half precision runs in it; otherwise bfloat16 where the GPU has it (float32's
  range, so nothing overflows), else float16, except for models known to overflow in
  float16 (:data:`FLOAT16_UNSAFE`), which stay in float32. Half precision changes the
  last digits of a model's scores, so the precision joins the model's fingerprint (a
  run in float16 is not the same run as one in float32).
* Batch size: what a share (:data:`MEMORY_SHARE`) of the memory left free once the
  weights are loaded holds of one row's activations at the model's longest input
  (:func:`row_bytes`, an upper estimate), between 1 and :data:`MAX_GPU_BATCH`. On the CPU,
  or when the free memory cannot be read, the default :data:`CPU_BATCH`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Rows a batch holds on the CPU, and on a GPU whose free memory is not known.
CPU_BATCH = 32
# Most rows in one GPU batch: past a few hundred rows a GPU is busy anyway, and one batch
# is what a Cancel waits for.
MAX_GPU_BATCH = 256
# Of the free memory once the weights are in, the share a batch's activations may take
# (the rest: the allocator's fragments, the kernels' workspaces, other programs).
MEMORY_SHARE = 0.5
# model_type of models whose activations overflow float16 (Hugging Face's T5 docs: "T5
# models ... produce nan in fp16"; the same for its descendants).
FLOAT16_UNSAFE = {"t5", "mt5", "umt5", "longt5", "switch_transformers"}
HALF = ("float16", "bfloat16")
BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


@dataclass(frozen=True)
class Plan:
    """How a local model runs: its precision (a torch dtype's name), rows per batch, and
    why, in words for the log and the methods record."""

    dtype: str
    batch_size: int
    why: str


def choose_dtype(
    device: str,
    checkpoint_dtype: str | None,
    model_type: str,
    bfloat16_ok: bool,
    requested: str | None = None,
) -> tuple[str, str]:
    """(dtype name, why) for a model of ``model_type`` stored as ``checkpoint_dtype``;
    ``requested``: the precision the run asked for (``--runtime torch-bfloat16``), which
    wins on any device."""
    if requested:
        return requested, f"{requested}, as the run asked"
    if device == "cpu":
        return "float32", "float32 on the CPU"
    stored = str(checkpoint_dtype or "").removeprefix("torch.")
    if (stored == "bfloat16" and bfloat16_ok) or stored == "float16":
        return stored, f"{stored}, as the checkpoint is stored"
    if bfloat16_ok:
        return "bfloat16", "bfloat16 on the GPU (float32's range in half the memory)"
    if model_type in FLOAT16_UNSAFE:
        return "float32", f"float32: {model_type} models overflow in float16"
    return "float16", "float16 on the GPU (it has no bfloat16)"


def row_bytes(tokens: int, hidden: int, heads: int, layers: int, dtype: str) -> int:
    """An upper estimate of one row's activation memory in an inference forward pass at
    ``tokens`` tokens: the hidden states with the feed-forward's intermediate (4x) and
    the attention's query, key, value and output, the attention scores (heads x tokens
    squared), and a generator's key/value cache over every layer; twice that for the
    kernels' temporary copies."""
    size = BYTES.get(dtype, 4)
    per_layer = tokens * (hidden * 8 + heads * tokens)
    cache = 2 * layers * tokens * hidden
    return 2 * (per_layer + cache) * size


def batch_from_memory(free_bytes: int | None, per_row: int) -> int:
    """Rows whose activations fit in :data:`MEMORY_SHARE` of ``free_bytes``."""
    if not free_bytes or free_bytes <= 0 or per_row <= 0:
        return CPU_BATCH
    return max(1, min(MAX_GPU_BATCH, int(free_bytes * MEMORY_SHARE) // per_row))


def plan(
    device: str,
    *,
    checkpoint_dtype: str | None = None,
    model_type: str = "",
    bfloat16_ok: bool = False,
    free_bytes: int | None = None,
    tokens: int = 512,
    hidden: int = 768,
    heads: int = 12,
    layers: int = 12,
    requested: str | None = None,
) -> Plan:
    """The precision and batch size of a model on ``device`` ("cpu", "cuda", "cuda:1",
    "mps"), from the model's config figures and the GPU's free memory after loading."""
    kind = device.split(":", 1)[0]
    dtype, why = choose_dtype(kind, checkpoint_dtype, model_type, bfloat16_ok, requested)
    if kind == "cpu":
        return Plan(dtype, CPU_BATCH, why)
    if not free_bytes:
        return Plan(dtype, CPU_BATCH, f"{why}; {CPU_BATCH} rows a batch (free memory unknown)")
    batch = batch_from_memory(free_bytes, row_bytes(tokens, hidden, heads, layers, dtype))
    free = free_bytes / 2**30
    return Plan(dtype, batch, f"{why}; {batch} rows a batch ({free:.1f} GiB free)")


def precision_fields(dtype: str) -> dict:
    """What a run's fingerprint, and its stored vectors' key, add for ``dtype``: nothing
    for float32 (so those keep their keys), the dtype for half precision (it moves the
    last digits of scores and vectors: never served to a float32 run, nor the reverse)."""
    return {} if dtype == "float32" else {"dtype": dtype}


def figure(config, *names: str) -> int | None:
    """A size from a model config, under whichever of ``names`` it uses."""
    for name in names:
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def stored_dtype(config) -> str | None:
    """The precision a model's checkpoint is stored in, as its config says (None: unsaid)."""
    # dtype first: transformers 5 reads an old config's torch_dtype into it, and asking
    # for torch_dtype logs a deprecation warning in every run
    for name in ("dtype", "torch_dtype"):
        value = getattr(config, name, None)
        if value is not None:
            return str(value)
    return None


def config_plan(
    device: str,
    config,
    *,
    tokens: int,
    bfloat16_ok: bool,
    free_bytes: int | None,
    stored_in: str | None = None,
    requested: str | None = None,
) -> Plan:
    """:func:`plan` for a model whose transformers ``config`` gives its figures;
    ``stored_in``: the checkpoint's precision, when read before loading (a loaded model's
    config names the precision it was loaded in), else the config's."""
    return plan(
        device,
        checkpoint_dtype=stored_in or stored_dtype(config),
        model_type=str(getattr(config, "model_type", "") or ""),
        bfloat16_ok=bfloat16_ok,
        free_bytes=free_bytes,
        tokens=tokens,
        hidden=figure(config, "hidden_size", "n_embd", "d_model") or 768,
        heads=figure(config, "num_attention_heads", "n_head") or 12,
        layers=figure(config, "num_hidden_layers", "n_layer", "num_layers") or 12,
        requested=requested,
    )

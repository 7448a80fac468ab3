"""Pick the compute device for local models (CUDA, then Apple's MPS, then the CPU), read
what a GPU offers (bfloat16, free memory), and put a sentence-embedding model on one in
the precision and batch size :mod:`.gpu_plan` decides."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .gpu_plan import Plan, choose_dtype, config_plan, stored_dtype


def gpu_hardware() -> bool:
    """Whether this computer may have a GPU torch can use, known without importing torch
    (a second of start-up): an NVIDIA or AMD driver (Linux: its device files; Windows: the
    CUDA driver library) or an Apple Silicon Mac. False means the CPU for certain; True
    means ask torch (:func:`best_device`), whose build may still be CPU-only."""
    if sys.platform == "darwin":
        import platform

        return platform.machine() == "arm64"
    if sys.platform == "win32":
        system = Path(os.environ.get("SystemRoot", r"C:\Windows")) / "System32"
        return (system / "nvcuda.dll").exists() or (system / "amdhip64.dll").exists()
    return any(
        Path(p).exists() for p in ("/proc/driver/nvidia/version", "/dev/nvidia0", "/dev/kfd")
    )


def local_device() -> str:
    """The device a local model runs on: :func:`best_device`, without importing torch on a
    computer with no GPU (so a run from the ONNX cache starts without it)."""
    return best_device() if gpu_hardware() else "cpu"


def best_device() -> str:
    import torch  # heavy; only when a local model is loaded

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def bfloat16_ok(device: str) -> bool:
    """Whether ``device`` runs bfloat16 (a CUDA GPU that has it; MPS: float16, which every
    Apple GPU runs)."""
    if device.startswith("cuda"):
        import torch

        return bool(torch.cuda.is_bf16_supported())
    return False


def free_memory(device: str) -> int | None:
    """Bytes free on the GPU ``device`` now; None on the CPU or where it cannot be read."""
    import torch

    try:
        if device.startswith("cuda"):
            return int(torch.cuda.mem_get_info(torch.device(device))[0])
        if device == "mps":
            return int(torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory())
    except (AttributeError, RuntimeError):  # an older torch, a driver that will not say
        return None
    return None


def in_precision(model, dtype: str):
    """``model`` (a torch module) converted, in place, to the torch dtype named ``dtype``."""
    import torch

    return model.to(getattr(torch, dtype))


def sentence_model_on_gpu(model, device: str, requested: str | None = None) -> Plan:
    """A SentenceTransformer loaded on the GPU ``device`` put in the precision its plan
    picks (``requested``, else half where the model allows it); the plan, whose batch
    size is what the memory left free then holds."""
    config = model[0].auto_model.config
    stored, bf16 = stored_dtype(config), bfloat16_ok(device)  # before it is converted
    model_type = str(getattr(config, "model_type", "") or "")
    dtype, _ = choose_dtype(device.split(":", 1)[0], stored, model_type, bf16, requested)
    in_precision(model, dtype)
    return config_plan(
        device,
        config,
        stored_in=stored,
        tokens=int(model.max_seq_length or 512),
        bfloat16_ok=bf16,
        free_bytes=free_memory(device),
        requested=requested,
    )

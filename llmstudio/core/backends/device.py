"""Pick the compute device for local models: CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations


def best_device() -> str:
    import torch  # heavy; only when a local model is loaded

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"

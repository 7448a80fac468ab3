"""Which runtime runs a local encoder: PyTorch (the default), ONNX Runtime in float32, or
ONNX Runtime with int8 weights; which of them this computer has; and what a run's
fingerprint (its cache key and record) says of the choice. Imports nothing heavy."""

from __future__ import annotations

from importlib.util import find_spec

from ...errors import BackendError
from ..spec import BUILTIN, HF, kind_of

TORCH = "torch"
ONNX = "onnx"
ONNX_INT8 = "onnx-int8"
RUNTIMES = (TORCH, ONNX, ONNX_INT8)

# What each choice is called where users pick it (the run dialog; --help).
LABELS = {
    TORCH: "PyTorch",
    ONNX: "ONNX Runtime (float32)",
    ONNX_INT8: "ONNX Runtime int8 (faster, slightly less exact)",
}
PRECISION = {ONNX: "float32", ONNX_INT8: "int8"}

# ONNX Runtime runs the model; onnx and onnxscript are what torch.onnx's exporter and the
# int8 quantiser need. The extra `llmstudio[onnx]` installs all three.
PACKAGES = ("onnxruntime", "onnx", "onnxscript")
INSTALL_HINT = "pip install 'llmstudio[onnx]'"


def missing_packages() -> list[str]:
    """The packages the ONNX runtimes need that are not installed."""
    return [name for name in PACKAGES if find_spec(name) is None]


def installed_runtimes() -> tuple[str, ...]:
    """The runtimes this computer can use: PyTorch always, the ONNX ones when ONNX Runtime
    and the exporter are installed."""
    return RUNTIMES if not missing_packages() else (TORCH,)


def check_runtime(runtime: str | None) -> str:
    """``runtime`` checked (None: torch); a :class:`BackendError` that says what to do for an
    unknown name or an ONNX runtime whose packages are missing."""
    runtime = (runtime or TORCH).strip()
    if runtime not in RUNTIMES:
        raise BackendError(f"unknown runtime {runtime!r}; use one of {', '.join(RUNTIMES)}")
    missing = missing_packages() if runtime != TORCH else []
    if missing:
        raise BackendError(
            f"the {runtime} runtime needs ONNX Runtime, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed: {INSTALL_HINT}, "
            "or run with the torch runtime"
        )
    return runtime


# The kinds of model that run on this computer through a runtime llmstudio chooses.
LOCAL_KINDS = (BUILTIN, HF)


def runtime_refusal(model: str | None, runtime: str | None) -> str:
    """Why the model SPEC ``model`` cannot run with ``runtime`` ("" when it can, as far as
    is known before loading it): only the builtin and ``hf:`` models run here."""
    runtime = runtime or TORCH
    kind = kind_of(model)
    if runtime == TORCH or kind is None or kind.name in LOCAL_KINDS:
        return ""
    return (
        f"the {runtime} runtime is for models that run on this computer (builtin, "
        f"hf:PATH_OR_HUB_ID); {kind.title} models run elsewhere"
    )


def runtime_fingerprint(runtime: str) -> dict:
    """What a run's fingerprint adds for ``runtime``: nothing for torch (so its cached
    answers keep their keys), the runtime and its precision for ONNX (so an int8 answer
    never serves a float32 run, nor an ONNX answer a torch one)."""
    if runtime == TORCH:
        return {}
    return {"runtime": "onnxruntime", "precision": PRECISION[runtime]}


def runtime_of(fingerprint: dict) -> str | None:
    """The ONNX runtime a run's fingerprint names (None: torch, or a model that does not
    run here): a resumed or replicated run runs with the same one."""
    if fingerprint.get("runtime") != "onnxruntime":
        return None
    return ONNX_INT8 if fingerprint.get("precision") == "int8" else ONNX


def runtime_words(fingerprint: dict) -> str:
    """The runtime and precision of a local model's run, for the methods record ("" for a
    model that does not run here, an API or the lexicon, and for PyTorch in float32, the
    default): ONNX Runtime's precision, or PyTorch's half precision on a GPU (gpu_plan)."""
    if fingerprint.get("runtime") == "onnxruntime":
        if fingerprint.get("precision") == "int8":
            return "ONNX Runtime, int8 weights by dynamic quantisation, slightly less exact"
        return "ONNX Runtime, float32"
    if fingerprint.get("dtype"):
        return f"PyTorch in {fingerprint['dtype']}, half precision on a GPU"
    return ""

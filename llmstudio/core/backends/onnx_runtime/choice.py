"""Which runtime runs a local model: automatic (the default), PyTorch, PyTorch in
bfloat16, ONNX Runtime in float32, or ONNX Runtime with int8 weights; which of them this
computer has; and what a run's fingerprint (its cache key and record) says of the choice.
Imports nothing heavy.

Automatic is ONNX Runtime in float32 where it runs the model on this computer's CPU (an
encoder classifier or embedding model, ONNX Runtime installed, no GPU), PyTorch otherwise.
Float32 ONNX gave PyTorch's label on every row of every data set measured, for the builtin
model and a classifier (SST-2, AG News, TweetEval, Sentiment140 and others:
benchmarks/RESULTS.md), and whole runs of 1,500 texts or more took 0.6-0.75x PyTorch's
time. Each export is checked against PyTorch's outputs before it is kept (:mod:`.export`);
a model that does not convert runs with PyTorch, and the run's fingerprint and methods
record say which ran. ``LLMSTUDIO_RUNTIME`` sets another default (a lab that wants
PyTorch everywhere, say).

PyTorch in bfloat16 is offered where the CPU has bfloat16 matrix instructions
(AVX512-BF16 or AMX: :func:`..cpu_features.bfloat16_cpu`). There whole runs of MiniLM
models took 0.52-0.72x float32 PyTorch's time and gave float32's label on 97.5-100% of
rows, where int8 ONNX gives it on 89-98% (benchmarks/RESULTS.md, "ONNX Runtime against
PyTorch"). Without those instructions bfloat16 runs several times slower than float32,
so it is refused there. Every pipeline runs in it, the generators too (1.43x)."""

from __future__ import annotations

import os
from importlib.util import find_spec

from ...errors import BackendError
from ...notices import notice
from ..spec import BUILTIN, HF, kind_of

AUTO = "auto"
TORCH = "torch"
ONNX = "onnx"
ONNX_INT8 = "onnx-int8"
TORCH_BF16 = "torch-bfloat16"
RUNTIMES = (AUTO, TORCH, TORCH_BF16, ONNX, ONNX_INT8)
DEFAULT_VARIABLE = "LLMSTUDIO_RUNTIME"

# What each choice is called where users pick it (the run dialog; --help).
LABELS = {
    AUTO: "Automatic (ONNX Runtime on this CPU where the model allows, else PyTorch)",
    TORCH: "PyTorch",
    TORCH_BF16: "PyTorch bfloat16 (faster on this CPU, slightly less exact)",
    ONNX: "ONNX Runtime (float32)",
    ONNX_INT8: "ONNX Runtime int8 (faster, slightly less exact)",
}
PRECISION = {ONNX: "float32", ONNX_INT8: "int8"}  # the ONNX runtimes' precision
# What a run's fingerprint says of a runtime other than PyTorch in float32 (which adds
# nothing, so that its cached answers keep their keys).
FINGERPRINTS = {
    ONNX: {"runtime": "onnxruntime", "precision": "float32"},
    ONNX_INT8: {"runtime": "onnxruntime", "precision": "int8"},
    TORCH_BF16: {"runtime": "pytorch", "precision": "bfloat16"},
}
# What the methods record says of a run in each of them.
RECORD_WORDS = {
    ONNX: "ONNX Runtime, float32",
    ONNX_INT8: "ONNX Runtime, int8 weights by dynamic quantisation, slightly less exact",
    TORCH_BF16: "PyTorch in bfloat16, asked for speed, slightly less exact than float32",
}
NO_BF16 = (
    "the torch-bfloat16 runtime is for CPUs with bfloat16 instructions (AVX512-BF16 or "
    "AMX), and this computer's has none known: there PyTorch runs slower in bfloat16 than "
    "in float32 (a GPU runs in half precision by itself). For a faster, slightly less "
    "exact run use onnx-int8"
)

# ONNX Runtime runs the model; onnx and onnxscript are what torch.onnx's exporter and the
# int8 quantiser need. llmstudio depends on all three (the desktop app bundles them); an
# install without them runs every model with PyTorch.
PACKAGES = ("onnxruntime", "onnx", "onnxscript")
INSTALL_HINT = "pip install 'llmstudio[onnx]'"


def missing_packages() -> list[str]:
    """The packages the ONNX runtimes need that are not installed."""
    return [name for name in PACKAGES if find_spec(name) is None]


def is_onnx(runtime: str) -> bool:
    """Whether ``runtime`` is one of ONNX Runtime's (float32, int8)."""
    return runtime in PRECISION


def torch_dtype(runtime: str) -> str | None:
    """The precision PyTorch is asked to run in by ``runtime`` (None: its own choice,
    float32 on the CPU and half precision on a GPU where the model allows: gpu_plan)."""
    return "bfloat16" if runtime == TORCH_BF16 else None


def installed_runtimes() -> tuple[str, ...]:
    """The runtimes this computer can use: automatic and PyTorch always, PyTorch in
    bfloat16 where the CPU has bfloat16 instructions, the ONNX ones when ONNX Runtime and
    the exporter are installed."""
    from ..cpu_features import bfloat16_cpu

    onnx, bf16 = not missing_packages(), bfloat16_cpu()
    return tuple(r for r in RUNTIMES if (onnx or not is_onnx(r)) and (bf16 or r != TORCH_BF16))


def default_runtime() -> str:
    """The runtime of a run that names none: ``$LLMSTUDIO_RUNTIME`` when set (checked:
    a :class:`BackendError` names the variable), else automatic."""
    value = (os.environ.get(DEFAULT_VARIABLE) or "").strip()
    if not value:
        return AUTO
    if value not in RUNTIMES:
        raise BackendError(
            f"{DEFAULT_VARIABLE}={value!r} is not a runtime; use one of {', '.join(RUNTIMES)}, "
            "or unset it"
        )
    return value


def check_runtime(runtime: str | None) -> str:
    """``runtime`` checked (None: :func:`default_runtime`); a :class:`BackendError` that
    says what to do for an unknown name or an ONNX runtime whose packages are missing.
    PyTorch in bfloat16 on a CPU without bfloat16 instructions is refused too. A default
    from ``$LLMSTUDIO_RUNTIME`` that cannot run here is named as the variable's. Automatic
    stays automatic: the backend settles it once it knows the model and the device
    (:func:`settle`)."""
    named = (runtime or "").strip()
    runtime = named or default_runtime()
    problem = _runtime_problem(runtime)
    if problem and not named and runtime != AUTO:
        problem = f"{DEFAULT_VARIABLE}={runtime} (the default runtime): {problem}"
    if problem:
        raise BackendError(problem)
    return runtime


def _runtime_problem(runtime: str) -> str:
    """Why ``runtime`` cannot run on this computer ("" when it can)."""
    if runtime not in RUNTIMES:
        return f"unknown runtime {runtime!r}; use one of {', '.join(RUNTIMES)}"
    if runtime == TORCH_BF16:
        from ..cpu_features import bfloat16_cpu

        return "" if bfloat16_cpu() else NO_BF16
    missing = missing_packages() if is_onnx(runtime) else []
    if missing:
        return (
            f"the {runtime} runtime needs ONNX Runtime, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed: {INSTALL_HINT}, "
            "or run with the torch runtime"
        )
    return ""


def settle(runtime: str, device: str, onnx_ready: bool = True) -> str:
    """The runtime that runs a model: ``runtime`` itself unless automatic; automatic is
    ONNX float32 for a model ONNX Runtime can run (``onnx_ready``: an encoder classifier
    or embedding model) on the CPU when it is installed, PyTorch otherwise (a GPU runs
    PyTorch, in half precision where the model allows: gpu_plan)."""
    if runtime != AUTO:
        return runtime
    cpu = device.split(":", 1)[0] == "cpu"
    return ONNX if cpu and onnx_ready and not missing_packages() else TORCH


def fall_back(model: str, problem: Exception) -> str:
    """An automatic run of ``model`` that ONNX Runtime cannot run (``problem``: the export
    failed, or answered otherwise than torch): PyTorch runs it, and a notice says why
    (core.notices: the command line prints it, the log keeps it; the run's fingerprint
    and methods record name no ONNX Runtime)."""
    # What happened first: a window's status cell shows the start of it.
    notice.warning("runs with PyTorch: ONNX Runtime cannot run %s (%s)", model, problem)
    return TORCH


def onnx_or_torch(model: str, identity: dict, automatic: bool, make_onnx):
    """``make_onnx()`` (the model run by ONNX Runtime), or None when an automatic run
    cannot use it (the export failed, now or before: export.refused) and PyTorch runs it,
    said by :func:`fall_back`. A runtime the user named fails loudly instead. The one
    home of that rule for every local encoder (the builtin model, ``hf:`` classifiers
    and embedding models)."""
    from .export import refused  # light, but only a backend being made needs it

    try:
        reason = refused(identity) if automatic else None
        if reason:
            raise BackendError(reason)
        return make_onnx()
    except BackendError as exc:
        if not automatic:
            raise
        fall_back(model, exc)
        return None


# The kinds of model that run on this computer through a runtime llmstudio chooses.
LOCAL_KINDS = (BUILTIN, HF)


def runtime_refusal(model: str | None, runtime: str | None) -> str:
    """Why the model SPEC ``model`` cannot run with ``runtime`` ("" when it can, as far as
    is known before loading it): only the builtin and ``hf:`` models run here."""
    runtime = runtime or AUTO
    kind = kind_of(model)
    if runtime in (AUTO, TORCH) or kind is None or kind.name in LOCAL_KINDS:
        return ""
    return (
        f"the {runtime} runtime is for models that run on this computer (builtin, "
        f"hf:PATH_OR_HUB_ID); {kind.title} models run elsewhere"
    )


def runtime_fingerprint(runtime: str) -> dict:
    """What a run's fingerprint adds for ``runtime``: nothing for torch (so its cached
    answers keep their keys), the runtime and its precision for the others (so an int8
    or bfloat16 answer never serves a float32 run, nor an ONNX answer a torch one)."""
    return dict(FINGERPRINTS.get(runtime, {}))


def runtime_of(fingerprint: dict) -> str:
    """The runtime a local model's run ran with, from its fingerprint (torch when it names
    none: torch adds nothing to it), so that a resumed or replicated run runs with the
    same one, whatever the default is now."""
    said = (fingerprint.get("runtime"), fingerprint.get("precision"))
    for runtime, fields in FINGERPRINTS.items():
        if said == (fields["runtime"], fields["precision"]):
            return runtime
    return TORCH


def runtime_words(fingerprint: dict) -> str:
    """The runtime and precision of a local model's run, for the methods record ("" for a
    model that does not run here, an API or the lexicon, and for PyTorch in float32, the
    default): ONNX Runtime's precision, or PyTorch's half precision on a GPU (gpu_plan)."""
    runtime = runtime_of(fingerprint)
    if runtime != TORCH:
        return RECORD_WORDS[runtime]
    if fingerprint.get("dtype"):
        return f"PyTorch in {fingerprint['dtype']}, half precision on a GPU"
    return ""

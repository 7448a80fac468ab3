"""A local model's ONNX Runtime session begun before a command asks for the model.

A command line that will run the builtin model or an ``hf:`` classifier or embedding model
from the ONNX cache begins making its session (:func:`.onnx_runtime.sessions.begin_session`)
before the command's modules are imported: ONNX Runtime reads and optimises the graph
without the GIL (0.2-0.3 s for MiniLM) while pandas is imported and the table is read,
which took as long again before (issue 23: a 1,500-tweet run spends a sixth of its time
before its first forward). The run then finds the session made; nothing else changes.

Only what the run itself would do from the cache is begun: a model not converted yet, a
run with PyTorch, a computer with a GPU (where the automatic runtime asks torch) or a
model that cannot be found begins nothing, and the run goes as it always did (a model it
cannot find is said there).
"""

from __future__ import annotations

from pathlib import Path

from .base import BackendError
from .spec import BUILTIN, HF, ModelSpec, kind_of


def begin(spec: str, runtime: str | None = None) -> Path | None:
    """Begin loading the session a run of the model ``spec`` in ``runtime`` (None: the
    default) will take from the ONNX cache; the ONNX file begun, or None when the run
    will not start from the cache."""
    kind = kind_of(spec)
    if kind is None or kind.name not in (BUILTIN, HF):
        return None  # an API model or the lexicon: nothing to load
    from .device import gpu_hardware
    from .onnx_runtime import check_runtime, is_onnx, settle

    try:
        runtime = settle(check_runtime(runtime), "cpu")
        if not is_onnx(runtime) or gpu_hardware():
            return None
        files = _cached_files(ModelSpec.parse(spec), runtime)
    except (BackendError, OSError, ValueError):
        return None  # the run says what is wrong where it loads the model
    if files is None:
        return None
    from .onnx_runtime.sessions import begin_grouped

    model_file = files[2]
    begin_grouped(model_file)
    return Path(model_file)


def _cached_files(spec: ModelSpec, runtime: str) -> tuple | None:
    if spec.kind == BUILTIN:
        from .builtin import cached_files

        return cached_files(runtime)
    from .hf.cached import cached_files

    return cached_files(spec.name, runtime=runtime)

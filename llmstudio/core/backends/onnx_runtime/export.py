"""A torch model exported to ONNX once per model revision, and its int8 copy, kept in
``paths.cache_dir()/onnx``: a later load (another run, another process) takes the files.

The key of an export is what the caller says identifies the model (its id and revision or
weights hash, what the graph returns, its input names) with the exporter's version and
torch's. An export is written into a partial folder and renamed into place, so a run
stopped halfway, or two processes exporting at once, never leave a broken model to be
read. Before it is kept, an export's outputs are checked against the torch model's on
sample sentences (:func:`check_export`): a graph that computes something else never runs.
A model that could not be converted is remembered (:func:`refused`), so that automatic
runs go straight to PyTorch instead of trying again each time. A new export removes the
cached exports of the same model made by an older :data:`EXPORT_VERSION`
(:func:`remove_older`), which nothing reads any more."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ...errors import BackendError
from ...notices import notice
from ...paths import cache_dir

log = logging.getLogger("llmstudio.onnx")

# Bump when the exported graph, or the check it passed, changes for the same model (the
# cache then exports anew). 2: checked at a second shape too (check_export's stretched
# sample); version 1 exports were checked at the traced shape only.
EXPORT_VERSION = 2
FILE = "model.onnx"
EXPORTING = "exporting"
REFUSED = "refused.txt"  # why the float32 export failed (beside where it would be)
# An export is kept when its outputs match torch's within float32 noise: measured on
# MiniLM and DistilBERT, the largest difference is near 1e-6.
RTOL, ATOL = 1e-3, 1e-4


def export_folder(identity: dict) -> Path:
    """The cache folder of the model ``identity`` names (its float32 and int8 exports).
    torch's version is read from its package metadata, not by importing it (a second of
    start-up), so that a cached export is found without torch (:mod:`.bundle`)."""
    key = json.dumps(_record(identity), sort_keys=True, default=str)
    return cache_dir() / "onnx" / hashlib.sha256(key.encode()).hexdigest()[:24]


def _torch_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("torch")
    except PackageNotFoundError:  # a frozen app without torch's metadata
        import torch

        return torch.__version__


def exported(identity: dict, precision: str, export: Callable[[Path], None]) -> Path:
    """The ONNX file of the model ``identity`` names in ``precision`` ("float32" or
    "int8"): from the cache, else made (``export(path)`` writes the float32 graph; int8
    is quantised from it). ``identity`` with no revision (a folder without weight files
    to hash) is exported anew each time: its files could change under the same name."""
    if identity.get("revision") is None:
        folder = Path(tempfile.mkdtemp(prefix="llmstudio-onnx-"))
    else:
        folder = export_folder(identity)
    new = not (folder / "float32" / FILE).is_file()
    try:
        float32 = _made(folder / "float32", lambda tmp: export(tmp / FILE), identity, EXPORTING)
    except BackendError as exc:
        _remember_refusal(folder, str(exc))
        raise
    (folder / REFUSED).unlink(missing_ok=True)
    if new and identity.get("revision") is not None:
        remove_older(identity, keep=folder)
    if precision == "float32":
        return float32
    return _made(folder / "int8", lambda tmp: quantise(float32, tmp / FILE), identity, "quantising")


def refused(identity: dict) -> str | None:
    """Why the model ``identity`` names could not be converted, when an earlier try with
    this torch failed (None: it was not tried, or it was converted)."""
    if identity.get("revision") is None:
        return None
    try:
        return (export_folder(identity) / REFUSED).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _remember_refusal(folder: Path, reason: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / REFUSED).write_text(reason + "\n", encoding="utf-8")
    except OSError:  # a cache that cannot be written: the next automatic run tries again
        pass


def _made(final: Path, make: Callable[[Path], None], identity: dict, doing: str) -> Path:
    """``final/model.onnx``, made by ``make(partial folder)`` unless it is there already."""
    if (final / FILE).is_file():
        return final / FILE
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=final.parent))
    log.info("%s %s to ONNX in %s", doing, identity.get("model"), final)
    if doing == EXPORTING:  # seconds before the first row: said where the user waits
        notice.info(  # the action first: a window's status cell shows its start
            "converting the model for ONNX Runtime, once for this version of it (some "
            "seconds; later runs start from the converted copy): %s",
            identity.get("model"),
        )
    try:
        make(partial)
        (partial / "model.json").write_text(json.dumps(_record(identity), indent=2, default=str))
        try:
            os.rename(partial, final)
        except OSError:  # another process finished the same export first: take its files
            if not (final / FILE).is_file():
                raise
    except BackendError:
        raise
    except Exception as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BackendError(
            f"could not convert model {identity.get('model')} to ONNX ({doing}): {line}; "
            "run it with the torch runtime"
        ) from exc
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return final / FILE


def _record(identity: dict) -> dict:
    """What ``model.json`` keeps beside an export: the model's identity, and the exporter
    and torch versions that made it (a file without ``export_version`` is version 1's)."""
    return {**identity, "export_version": EXPORT_VERSION, "torch": _torch_version()}


def _same_model(recorded: dict, identity: dict) -> bool:
    mine = json.loads(json.dumps(identity, default=str))
    return {k: v for k, v in recorded.items() if k not in ("export_version", "torch")} == mine


def remove_older(identity: dict, keep: Path) -> int:
    """Remove the cached exports of the model ``identity`` names that an older
    :data:`EXPORT_VERSION` made (each about the model's size again; nothing reads them
    now), all but ``keep``; the number removed. Exports of another torch version are kept:
    two installs with different torch versions may share the cache, and each would
    otherwise convert the model again every time the other had run it."""
    removed = 0
    for folder in keep.parent.iterdir():
        if folder == keep or not folder.is_dir():
            continue
        try:
            recorded = json.loads((folder / "float32" / "model.json").read_text("utf-8"))
        except (OSError, ValueError):
            continue  # not an export (or a partial, or another program's)
        if not isinstance(recorded, dict) or not _same_model(recorded, identity):
            continue
        if int(recorded.get("export_version", 1)) >= EXPORT_VERSION:
            continue
        shutil.rmtree(folder, ignore_errors=True)  # a file open elsewhere stays: harmless
        if not folder.exists():
            removed += 1
            log.info("removed an older conversion of %s: %s", identity.get("model"), folder)
    return removed


def quantise(source: Path, target: Path, **options) -> None:
    """Int8 dynamic quantisation of ``source``'s weights (activations stay float and are
    quantised per batch as the model runs): ONNX Runtime's ``quantize_dynamic``, one scale
    per output channel, weights only (not the attention's products of two activations).
    Measured on MiniLM's embeddings of 200 SST-2 sentences, cosine to float32: 0.985 on
    average, worst 0.984; one scale per tensor (the default) gives 0.920 and 0.899.
    Leaving the head, the embedding tables, the first and last layers or the feed-forward
    layers in float32 moved nearly as many labels or cost 40-70% of int8's speed-up
    (benchmarks/int8_variants.py, RESULTS.md). ``options``: further ``quantize_dynamic``
    arguments (``nodes_to_exclude``, ``reduce_range``, ...), for trying such variants."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # It logs advice to pre-process the graph on the root logger (meant for static
    # quantisation), which would land on a user's terminal: kept off for the call.
    root = logging.getLogger()
    was = root.disabled
    root.disabled = True
    try:
        shipped = dict(
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"MatMulConstBOnly": True},
        )
        quantize_dynamic(source, target, **{**shipped, **options})
    finally:
        root.disabled = was


def export_module(module, sample: dict, output: str, path: Path, max_length: int) -> None:
    """Export the torch ``module`` (called with ``sample``'s tensors as keyword arguments,
    one output tensor) to ``path``, with the batch and sequence axes dynamic."""
    import warnings

    import torch

    names = list(sample)
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=max(max_length, 8))
    # The exporter's notes (optional torchvision ops skipped, deprecations inside torch,
    # axis names merged) are for torch developers, not for a user's terminal.
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                module.eval(),
                (),
                kwargs=dict(sample),
                dynamo=True,
                input_names=names,
                output_names=[output],
                dynamic_shapes={name: {0: batch, 1: sequence} for name in names},
                verbose=False,
            )
            program.save(str(path))
    finally:
        quiet.setLevel(level)
    check_export(module, sample, path, max_length)


# The second check's sequence length (at most the model's): longer than the sample
# sentences, short enough to cost milliseconds.
STRETCHED_TOKENS = 48


def check_export(module, sample: dict, path: Path, max_length: int) -> None:
    """Raise ValueError when the ONNX graph at ``path`` answers otherwise than the torch
    ``module`` does (beyond float32 noise), on ``sample`` and on the same tokens at
    another batch size and length (:func:`stretched`): the exporter traces one call, so a
    model whose forward depends on Python state, an operator it converts wrongly, or a
    shape of the traced call kept in the graph's arithmetic would otherwise give other
    answers on a user's texts with no sign of it. ``max_length``: the model's longest
    input, which the second check stays within."""
    import numpy as np
    import onnxruntime as ort
    import torch

    graph = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in graph.get_inputs()}
    for inputs, what in (
        (sample, "sample sentences"),
        (stretched(sample, min(max_length, STRETCHED_TOKENS)), "longer texts in a larger batch"),
    ):
        with torch.no_grad():
            expected = module.eval()(**inputs).detach().float().cpu().numpy()
        feed = {
            k: np.asarray(v.cpu().numpy(), dtype=np.int64) for k, v in inputs.items() if k in wanted
        }
        got = graph.run(None, feed)[0]
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=RTOL, atol=ATOL):
            gap = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else None
            raise ValueError(
                f"the converted model answers {what} otherwise than PyTorch does ("
                + (f"largest difference {gap:.3g}" if gap is not None else "other output shape")
                + ")"
            )


def stretched(sample: dict, length: int) -> dict:
    """``sample``'s inputs at another shape than the traced one: one row more, each
    ``length`` tokens long (the first text's tokens repeated), the last row half padding
    (its mask 0 there), token types 0."""
    import torch

    ids = sample["input_ids"]
    mask = sample.get("attention_mask")
    tokens = ids[0][mask[0].bool()] if mask is not None else ids[0]
    row = tokens.repeat(-(-length // len(tokens)))[:length]
    rows = ids.shape[0] + 1
    out = {}
    for name in sample:
        if name == "input_ids":
            out[name] = row.unsqueeze(0).repeat(rows, 1)
        elif name == "attention_mask":
            out[name] = torch.ones(rows, length, dtype=ids.dtype)
            out[name][-1, length // 2 :] = 0
        else:  # token_type_ids
            out[name] = torch.zeros(rows, length, dtype=ids.dtype)
    return out

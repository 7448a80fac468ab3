"""ONNX Runtime sessions over exported encoders: :func:`session`, and a torch-loaded
classifier's logits (:class:`OnnxLogits`), so the backends' batching, tokenising and label
mapping stay the same for every runtime. A sentence-embedding model's:
:mod:`.sentence_encoder`."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path

from ..groups import TokenGroups, stream_shares
from .choice import PRECISION
from .export import export_module, exported

# Sessions begun before a run asks for them (:func:`begin_session`), by what the session
# is made of: the file (its path and stat signature, so a file written since is read
# anew) and the threads. Each is taken once.
_begun: dict[tuple, Future] = {}
_begun_lock = threading.Lock()


def _made_of(path, threads: int) -> tuple | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return str(Path(path).resolve()), int(threads), found.st_size, found.st_mtime_ns


def begin_session(path, threads: int) -> None:
    """Start making the session :func:`session` (``path``, ``threads``) will return, in a
    thread of its own. ONNX Runtime lets go of the GIL while it reads and optimises the
    graph (0.2-0.3 s for MiniLM), so a command imports pandas and reads its table
    meanwhile (benchmarks/end_to_end_bound.py). What fails here fails again, the same
    way, where the session is asked for."""
    key = _made_of(path, threads)
    if key is None:
        return
    future: Future = Future()

    def make() -> None:
        try:
            future.set_result(_new_session(path, threads))
        except BaseException as exc:  # handed to whoever takes it, as a call would raise
            future.set_exception(exc)

    with _begun_lock:
        if key in _begun:
            return
        _begun[key] = future
    # Imported here, not in the thread: two threads importing at once is how partly
    # imported modules are met (the other thread imports pandas meanwhile).
    import onnxruntime  # noqa: F401

    # Not a daemon: a process that ends first waits for it rather than freeing the
    # interpreter under ONNX Runtime's feet.
    threading.Thread(target=make, name="llmstudio-session", daemon=False).start()


def session(path, threads: int):
    """An ONNX Runtime CPU session on ``path``, with ``threads`` intra-op threads per run
    (runs from several threads at once share the session: ``run`` is thread-safe); the
    one :func:`begin_session` began, when the file is unchanged since."""
    key = _made_of(path, threads)
    with _begun_lock:
        begun = _begun.pop(key, None) if key is not None else None
    if begun is not None:
        return begun.result()
    return _new_session(path, threads)


def _new_session(path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's
    return ort.InferenceSession(
        str(path),
        options,
        providers=["CPUExecutionProvider"],
        # Its fused residual-add + LayerNorm kernel is slower on the CPU than the two ops
        # it replaces: 9% of MiniLM's kernel time against 4%; without it a 1,500-text run
        # of AG News takes 6-8% less time (benchmarks/end_to_end_bound.py).
        disabled_optimizers=["SkipLayerNormFusion"],
    )


def _inputs(names: list[str], encoded) -> dict:
    """The session's inputs from a tokenizer's output (numpy or torch), as int64."""
    import numpy as np

    out = {}
    for name in names:
        value = encoded[name]
        value = value.numpy() if hasattr(value, "numpy") else value
        out[name] = np.asarray(value, dtype=np.int64)
    return out


def _forward_names(model, offered) -> list[str]:
    """The tokenizer outputs ``model``'s forward takes (a BERT tokenizer's token_type_ids,
    say; a RoBERTa one gives none), in the tokenizer's order."""
    import inspect

    params = inspect.signature(model.forward).parameters
    return [name for name in offered if name in params]


def _logits_module(model):
    """A ``*ForSequenceClassification`` model with its logits as the one output."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits

    return Logits()


class OnnxLogits:
    """A sequence classifier's logits by ONNX Runtime: exported from the loaded torch
    ``model`` (or taken from the cache) for ``identity`` in ``runtime``'s precision."""

    def __init__(self, model, tokenizer, identity: dict, runtime: str, max_length: int, threads):
        sample = tokenizer(
            ["a short text", "a somewhat longer text to export the model with"],
            padding=True,
            return_tensors="pt",
        )
        self.names = _forward_names(model, list(sample.keys()))
        sample = {name: sample[name] for name in self.names}
        self.precision = PRECISION[runtime]
        # The inputs are the model's (a revision has one set): kept in its bundle, not
        # in the key, so that a load without torch finds the export (bundle.cached).
        self.path = exported(
            identity,
            self.precision,
            lambda path: export_module(_logits_module(model), sample, "logits", path, max_length),
        )
        self._session = session(self.path, threads)

    def __call__(self, encoded):
        """Float32 logits (numpy, one row per text) of a tokenizer's padded output."""
        return self._session.run(None, _inputs(self.names, encoded))[0]


def begin_grouped(model_file) -> None:
    """Begin the session :func:`grouped_session` will take for ``model_file``."""
    begin_session(model_file, stream_shares()[1])


def grouped_session(bundle, tokenizer_file, model_file, max_length: int) -> TokenGroups:
    """A cached export run over many texts (:class:`~..groups.TokenGroups`), as its bundle
    (:mod:`.bundle`, either kind) says: one session, which the streams share."""
    run = session(model_file, stream_shares()[1]).run
    groups = TokenGroups(
        Path(tokenizer_file).read_text(encoding="utf-8"),
        lambda inputs: run(None, inputs)[0],
        inputs=bundle.inputs,
        max_length=max_length,
        special=bundle.special_single,
        pad_token_id=bundle.pad_token_id,
        pad_left=bundle.pad_left,
    )
    groups.file = Path(model_file)
    return groups

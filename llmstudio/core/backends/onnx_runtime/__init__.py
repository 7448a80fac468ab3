"""Local encoders run through ONNX Runtime instead of PyTorch: an ``hf:`` sequence
classifier (its logits) or a sentence-embedding model (the builtin MiniLM, an ``hf:``
embedding model), exported once per model revision with ``torch.onnx`` and kept in
llmstudio's cache folder, as float32 or with int8 dynamic quantisation of the weights
("faster, slightly less exact").

* :mod:`.choice`: the runtimes (``torch``, ``onnx``, ``onnx-int8``), which are installed,
  what a run's fingerprint and the methods record say of them. Light: the window and the
  CLI import it to offer the choice.
* :mod:`.export`: the export and the quantisation, cached per model revision.
* :mod:`.sessions`: the ONNX Runtime sessions: :class:`~.sessions.OnnxLogits` for a
  classifier, :class:`~.sessions.OnnxSentenceModel` for an embedding model (it answers
  ``encode`` as a SentenceTransformer does; fine-tuning still trains the torch model).
"""

from __future__ import annotations

from .choice import (
    ONNX,
    ONNX_INT8,
    RUNTIMES,
    TORCH,
    check_runtime,
    installed_runtimes,
    runtime_fingerprint,
    runtime_of,
    runtime_refusal,
    runtime_words,
)

__all__ = [
    "ONNX",
    "ONNX_INT8",
    "RUNTIMES",
    "TORCH",
    "check_runtime",
    "installed_runtimes",
    "runtime_fingerprint",
    "runtime_of",
    "runtime_refusal",
    "runtime_words",
]

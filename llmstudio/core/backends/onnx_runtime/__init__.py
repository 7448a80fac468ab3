"""Local encoders run through ONNX Runtime instead of PyTorch: an ``hf:`` sequence
classifier (its logits) or a sentence-embedding model (the builtin MiniLM, an ``hf:``
embedding model), exported once per model revision with ``torch.onnx`` and kept in
llmstudio's cache folder, as float32 or with int8 dynamic quantisation of the weights
("faster, slightly less exact").

* :mod:`.choice`: the runtimes (``auto``, the default, ``torch``, ``torch-bfloat16``,
  ``onnx``, ``onnx-int8``), which are installed, what a run's fingerprint and the methods record say
  of them. Light: the window and the CLI import it to offer the choice.
* :mod:`.export`: the export and the quantisation, cached per model revision.
* :mod:`.sessions`: the ONNX Runtime sessions, and :class:`~.sessions.OnnxLogits` for a
  classifier loaded with torch.
* :mod:`.bundle`: what a later run needs besides the graph (the tokenizer, labels,
  padding), kept beside the export, so that it starts without torch.
* :mod:`.groups`: an export run over many texts on the CPU streams, without torch.
* :mod:`.sentence_encoder`: an embedding model (it answers ``encode`` as a
  SentenceTransformer does; fine-tuning still trains the torch model).
"""

from __future__ import annotations

from .choice import (
    AUTO,
    ONNX,
    ONNX_INT8,
    RUNTIMES,
    TORCH,
    TORCH_BF16,
    check_runtime,
    default_runtime,
    fall_back,
    installed_runtimes,
    is_onnx,
    onnx_or_torch,
    runtime_fingerprint,
    runtime_of,
    runtime_refusal,
    runtime_words,
    settle,
    torch_dtype,
)

__all__ = [
    "AUTO",
    "ONNX",
    "ONNX_INT8",
    "RUNTIMES",
    "TORCH",
    "TORCH_BF16",
    "check_runtime",
    "default_runtime",
    "fall_back",
    "installed_runtimes",
    "is_onnx",
    "onnx_or_torch",
    "runtime_fingerprint",
    "runtime_of",
    "runtime_refusal",
    "runtime_words",
    "settle",
    "torch_dtype",
]

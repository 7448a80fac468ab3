"""ONNX Runtime sessions over exported encoders: a classifier's logits
(:class:`OnnxLogits`) and a sentence-embedding model that answers ``encode`` as a
SentenceTransformer does (:class:`OnnxSentenceModel`), so the backends' batching,
tokenising, label mapping and the embedding classifier stay the same for every runtime."""

from __future__ import annotations

import copy

from .choice import PRECISION
from .export import export_module, exported


def session(path, threads: int):
    """An ONNX Runtime CPU session on ``path``, with ``threads`` intra-op threads per run
    (runs from several threads at once share the session: ``run`` is thread-safe)."""
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


def _sentence_module(st, names: list[str]):
    import torch

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.st = st

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                features["token_type_ids"] = token_type_ids
            return self.st(features)["sentence_embedding"]

    return SentenceEmbedding()


class OnnxSentenceModel:
    """A loaded SentenceTransformer whose embeddings ONNX Runtime computes (the whole
    module chain, pooling included, is one graph). It answers what llmstudio asks of a
    SentenceTransformer (``encode``, ``tokenizer``, ``max_seq_length``, the dimension);
    anything else, and a copy for fine-tuning on coded examples (ONNX Runtime does not
    train), is the torch model's."""

    def __init__(self, st, identity: dict, runtime: str, threads: int):
        sample = self._features(st, ["a short text", "a longer text to export the model with"])
        offered = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]
        self.names = offered
        self.precision = PRECISION[runtime]
        self.runtime = runtime
        self.torch_model = st
        st.eval()
        self.path = exported(
            {**identity, "graph": "sentence_embedding", "inputs": offered},
            self.precision,
            lambda path: export_module(
                _sentence_module(st, offered),
                {k: sample[k] for k in offered},
                "sentence_embedding",
                path,
                int(st.max_seq_length or 512),
            ),
        )
        self._session = session(self.path, threads)

    # What the embedding code reads of a SentenceTransformer.
    @property
    def tokenizer(self):
        return self.torch_model.tokenizer

    @property
    def max_seq_length(self):
        return self.torch_model.max_seq_length

    @max_seq_length.setter
    def max_seq_length(self, value):
        self.torch_model.max_seq_length = value

    @staticmethod
    def _features(st, texts: list[str]) -> dict:
        # sentence-transformers 6 renamed tokenize (kept, deprecated) to preprocess.
        return (getattr(st, "preprocess", None) or st.tokenize)(texts)

    def get_sentence_embedding_dimension(self):
        st = self.torch_model
        return (
            getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        )()

    get_embedding_dimension = get_sentence_embedding_dimension

    def __getattr__(self, name):
        # Only reached for what is not defined here: the torch model's other attributes.
        if name == "torch_model":
            raise AttributeError(name)
        return getattr(self.torch_model, name)

    def __deepcopy__(self, memo):
        # Fine-tuning on coded examples trains a copy: ONNX Runtime cannot train, so the
        # copy is the torch model (its answers then come from torch, float32).
        return copy.deepcopy(self.torch_model, memo)

    def encode(
        self,
        sentences,
        batch_size: int = 32,
        normalize_embeddings: bool = False,
        convert_to_tensor: bool = False,
        convert_to_numpy: bool = True,
        show_progress_bar: bool = False,
        **_ignored,
    ):
        """Embeddings of ``sentences`` (a str or a list) as SentenceTransformer.encode
        gives them: in input order, batches of similar length, optionally unit length; a
        torch tensor with ``convert_to_tensor``, else numpy."""
        import numpy as np

        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        dim = self.get_sentence_embedding_dimension() or 0
        out = np.zeros((len(texts), dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), max(1, int(batch_size))):
            rows = order[start : start + batch_size]
            features = self._features(self.torch_model, [texts[i] for i in rows])
            emb = self._session.run(None, _inputs(self.names, features))[0]
            out[rows] = emb
        if normalize_embeddings:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out = out / np.maximum(norms, 1e-12)
        if single:
            out = out[0]
        if convert_to_tensor:
            import torch

            return torch.from_numpy(np.ascontiguousarray(out))
        return out

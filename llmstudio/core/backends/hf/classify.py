"""The text-classification pipeline: a classifier (a sentiment model) whose own labels are
mapped onto the task's (:func:`.labels.map_labels`); texts are classified in batches the
backend plans itself (sorted by token length, cut by a token budget on the CPU)."""

from __future__ import annotations

from ...tasks.base import Task
from ...tasks.choice import ChoiceTask
from ..base import BackendError, RowError
from ..batching import TOKENS_PER_ROW, plan_by_tokens
from .encoder import SequenceClassifierBackend
from .labels import LABEL_MAPPING_VERSION, map_labels
from .loading import TEXT_CLASSIFICATION


class TextClassificationBackend(SequenceClassifierBackend):
    """A ``*ForSequenceClassification`` model with its own label set."""

    pipeline_task = TEXT_CLASSIFICATION

    def _fingerprint_details(self) -> dict:
        return {
            **super()._fingerprint_details(),
            "label_mapping": {"version": LABEL_MAPPING_VERSION, "label_map": self.label_map},
        }

    def _label_refusal(self, task: ChoiceTask, what: str) -> str:
        if task.examples:
            return f"{what} and does not learn from examples here"
        if task.multi_label and not self._multi_label_model():
            return f"{what} from one set; multi-label coding needs an NLI (zero-shot) model"
        try:  # labels the model cannot give: said before the first row, not after all
            map_labels(self.model_name, self.model_labels, task, self.label_map)
        except BackendError as exc:
            return str(exc)
        return ""

    def _multi_label_model(self) -> bool:
        """Trained to give each label on its own (``llmstudio train`` on a multi-label
        codebook): its sigmoid scores are the codes' independent probabilities."""
        return self.model.config.problem_type == "multi_label_classification"

    def _annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        labels = self._labels(task)
        mapping = map_labels(self.model_name, self.model_labels, task, self.label_map)
        if not texts:
            return []
        out: list = [None] * len(texts)
        lengths = self._token_lengths(texts)
        # A batch the runner planned comes back as one batch (it is within the budget).
        for batch in self._plan(lengths):
            probs_of = self._classify([texts[i] for i in batch], [lengths[i] for i in batch])
            for i, probs in zip(batch, probs_of, strict=True):
                scores = dict.fromkeys(labels, 0.0)
                for label, p in zip(mapping, probs, strict=True):
                    scores[label] += p
                out[i] = task.from_probabilities(scores)
        return out

    def input_limit(self, task: Task) -> int:
        """The model's maximum length less its special tokens."""
        return self.max_length - self.tokenizer.num_special_tokens_to_add(pair=False)

    def plan_batches(self, texts: list[str]) -> list[list[int]] | None:
        """Texts sorted by token length (one tokenizer call for all), cut on the CPU by a
        budget of ``batch_size * TOKENS_PER_ROW`` padded tokens, elsewhere into
        ``batch_size`` rows."""
        if not texts:
            return None
        return self._plan(self._token_lengths(texts))

    def _plan(self, lengths: list[int]) -> list[list[int]]:
        if self.device == "cpu":
            return plan_by_tokens(lengths, self.batch_size * TOKENS_PER_ROW)
        order = sorted(range(len(lengths)), key=lengths.__getitem__)
        return [order[a : a + self.batch_size] for a in range(0, len(order), self.batch_size)]

    def _sigmoid(self) -> bool:
        """As the text-classification pipeline does: sigmoid for multi-label or one-logit
        models, softmax otherwise."""
        config = self.model.config
        return config.problem_type == "multi_label_classification" or config.num_labels == 1

    def _classify(self, texts: list[str], lengths: list[int] | None = None) -> list[list[float]]:
        """Probabilities over the model's labels, one list per text (``top_k=None``)."""
        torch = self._torch
        logits = self._forward(texts, lengths=lengths)
        if self._onnx is not None:  # as a run from the ONNX cache alone computes them
            return probabilities(logits.numpy(), self._sigmoid())
        probs = torch.sigmoid(logits) if self._sigmoid() else torch.softmax(logits, dim=-1)
        return probs.cpu().tolist()


def probabilities(logits, sigmoid: bool) -> list[list[float]]:
    """Float32 probabilities of float32 ``logits`` (numpy, one row per text) without
    torch: the ONNX runtimes' (loaded with torch or from the cache, the same numbers)."""
    import numpy as np

    if sigmoid:
        probs = 1.0 / (1.0 + np.exp(-logits))
    else:
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs = shifted / shifted.sum(axis=-1, keepdims=True)
    return probs.astype(np.float32).tolist()

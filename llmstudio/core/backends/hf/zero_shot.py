"""The zero-shot pipeline: an NLI model (``entailment`` and ``contradiction`` or
``neutral`` among its labels) for any label set: each text is paired with the hypothesis
"This text is {label}." and the entailment logits are normalised over the task's labels
with a softmax (what ``pipeline("zero-shot-classification")`` does with
``multi_label=False``); for several codes a text, each label's entailment against
contradiction on its own."""

from __future__ import annotations

from ...tasks.base import Task
from ...tasks.choice import ChoiceTask
from ..base import BackendError, RowError
from .encoder import SequenceClassifierBackend
from .loading import ZERO_SHOT

HYPOTHESIS_TEMPLATE = "This text is {}."


class ZeroShotBackend(SequenceClassifierBackend):
    """An NLI ``*ForSequenceClassification`` model asked one hypothesis per label."""

    pipeline_task = ZERO_SHOT

    def _load(self, source: str) -> None:
        super()._load(source)
        lowered = [name.strip().lower() for name in self.model_labels]
        entail = [i for i, name in enumerate(lowered) if name.startswith("entail")]
        if not entail:
            raise BackendError(
                f"model {self.model_name} has no entailment label "
                f"({', '.join(self.model_labels)}), so it cannot do zero-shot classification"
            )
        self.entailment_id = entail[0]
        contra = [i for i, name in enumerate(lowered) if name.startswith("contradict")]
        self.contradiction_id = contra[0] if contra else None

    def _fingerprint_details(self) -> dict:
        return {**super()._fingerprint_details(), "hypothesis_template": HYPOTHESIS_TEMPLATE}

    def _label_refusal(self, task: ChoiceTask, what: str) -> str:
        if task.examples:
            return f"{what} and does not learn from examples here"
        if task.multi_label and self.contradiction_id is None:
            return f"{what} from one set; multi-label coding needs an NLI (zero-shot) model"
        return ""

    def _annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        self._labels(task)
        return [task.from_probabilities(s) for s in self._zero_shot(task, texts)]

    def input_limit(self, task: Task) -> int:
        """The model's maximum length less its special tokens and the longest hypothesis
        (premise and hypothesis are read together)."""
        hypotheses = [task.hypothesis(label, HYPOTHESIS_TEMPLATE) for label in task.labels]
        return (
            self.max_length
            - self.tokenizer.num_special_tokens_to_add(pair=True)
            - max(self.count_tokens(hypotheses), default=0)
        )

    def _zero_shot(self, task: Task, texts: list[str]) -> list[dict[str, float]]:
        """Label probabilities from an NLI model, as the zero-shot pipeline computes them:
        entailment logits softmaxed across the labels, or for multi-label each label's
        entailment against contradiction on its own."""
        torch = self._torch
        labels = tuple(task.labels)
        hypotheses = [task.hypothesis(label, HYPOTHESIS_TEMPLATE) for label in labels]
        multi = task.multi_label
        pairs = [(text, h) for text in texts for h in hypotheses]
        entail = []
        for start in range(0, len(pairs), self.batch_size):
            chunk = pairs[start : start + self.batch_size]
            logits = self._forward(
                [p for p, _ in chunk], [h for _, h in chunk], truncation="only_first"
            )
            if multi:
                pair = logits[:, [self.contradiction_id, self.entailment_id]]
                entail.append(torch.softmax(pair, dim=1)[:, 1])
            else:
                entail.append(logits[:, self.entailment_id])
        per_text = torch.cat(entail).view(len(texts), len(labels))
        probs = (per_text if multi else torch.softmax(per_text, dim=1)).cpu().tolist()
        return [dict(zip(labels, p, strict=True)) for p in probs]

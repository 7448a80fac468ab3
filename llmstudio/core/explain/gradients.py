"""Integrated gradients (Captum) for a local classifier: each token's share of the
answer's probability, from a text of padding tokens to the text itself, summed into the
words the tokens belong to.

Only a ``*ForSequenceClassification`` model run as a text classifier (the ``hf``
text-classification pipeline) can be differentiated here; any other model is explained
by occlusion.
"""

from __future__ import annotations

from ..backends.base import Backend
from ..backends.hf.classify import TextClassificationBackend
from ..backends.hf.labels import map_labels
from ..errors import ExplainError
from ..progress import Monitor
from ..tasks.base import Task
from .answer import PROBABILITY
from .attribution import WeightedWord
from .words import split_words

# Steps of the path integral: Captum's default; the convergence delta (said in the notes
# when large) tells when more would be needed.
STEPS = 50
# A delta above this share of the score change is reported to the reader.
DELTA_NOTE = 0.05


def gradients_refusal(backend: Backend) -> str:
    """Why integrated gradients cannot explain ``backend``'s answers; "" when they can."""
    if isinstance(backend, TextClassificationBackend):
        return ""
    return (
        f"integrated gradients need a local text-classification model (hf:); "
        f"{backend.describe()} is not one: use occlusion"
    )


def integrated_gradients(
    backend: Backend,
    task: Task,
    text: str,
    label: str,
    monitor: Monitor | None = None,
    steps: int = STEPS,
) -> tuple[float, str, list[WeightedWord], list[str]]:
    """(the probability of ``label`` on ``text``, how it was read, the weighted words,
    notes). A word's weight is the sum of its tokens' attributions (each summed over the
    embedding): together they add up to the probability less that of a text of padding."""
    refusal = gradients_refusal(backend)
    if refusal:
        raise ExplainError(refusal)
    # A classifier run from the ONNX cache alone has no torch weights: loaded for this.
    full = backend.with_torch()
    try:
        return _integrated(full, task, text, label, monitor, steps)
    finally:
        if full is not backend:
            full.close()


def _integrated(backend, task, text, label, monitor, steps):
    from captum.attr import LayerIntegratedGradients

    monitor = Monitor.of(monitor)
    monitor.report(0, 1, message="integrated gradients")
    torch, model, tokenizer = backend._torch, backend.model, backend.tokenizer
    mapping = map_labels(backend.model_name, backend.model_labels, task, backend.label_map)
    targets = [i for i, mapped in enumerate(mapping) if mapped == label]
    if not targets:
        raise ExplainError(f"the model has no label that means {label!r}")
    encoded = tokenizer(text, return_offsets_mapping=True, return_tensors="pt", truncation=False)
    if encoded["input_ids"].shape[1] > backend.max_length:
        raise ExplainError(
            f"the text is {encoded['input_ids'].shape[1]:,} tokens long and the model reads "
            f"{backend.max_length:,} at once: integrated gradients see one input; use "
            "occlusion, which asks the model as the run did"
        )
    offsets = encoded.pop("offset_mapping")[0].tolist()
    inputs = {k: v.to(backend.device) for k, v in encoded.items()}
    ids = inputs["input_ids"]
    special = torch.tensor(
        tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True),
        dtype=torch.bool,
        device=ids.device,
    )
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    baseline = torch.where(special, ids[0], torch.full_like(ids[0], pad)).unsqueeze(0)
    sigmoid = model.config.problem_type == "multi_label_classification" or (
        model.config.num_labels == 1
    )
    rest = {k: v for k, v in inputs.items() if k != "input_ids"}

    def probability(input_ids):
        batch = {k: v.expand(input_ids.shape[0], -1) for k, v in rest.items()}
        logits = model(input_ids=input_ids, **batch).logits.float()
        probs = torch.sigmoid(logits) if sigmoid else torch.softmax(logits, dim=-1)
        return probs[:, targets].sum(dim=-1)

    monitor.check()
    lig = LayerIntegratedGradients(probability, model.get_input_embeddings())
    attributions, delta = lig.attribute(
        ids, baselines=baseline, n_steps=steps, return_convergence_delta=True
    )
    monitor.check()
    per_token = attributions.sum(dim=-1)[0].detach().cpu().tolist()
    with torch.no_grad():
        score = float(probability(ids)[0])
        empty = float(probability(baseline)[0])
    words = split_words(text)
    weights = [0.0] * len(words)
    for (start, end), weight, is_special in zip(offsets, per_token, special.tolist(), strict=True):
        if is_special or end <= start:
            continue
        for i, word in enumerate(words):
            if start < word.end and end > word.start:
                weights[i] += weight
                break
    notes = []
    delta = abs(float(delta[0]))
    if delta > DELTA_NOTE * max(abs(score - empty), 1e-9):
        notes.append(
            f"the weights add up to the probability change within {delta:.3f} only "
            f"(convergence delta; {steps} steps): read small differences with care"
        )
    monitor.report(1, 1, message="integrated gradients")
    weighted = [WeightedWord(w, weight) for w, weight in zip(words, weights, strict=True)]
    return score, PROBABILITY, weighted, notes

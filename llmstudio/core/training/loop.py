"""The training loop: a transformer encoder with a classification head, fine-tuned on coded
texts (plain PyTorch: AdamW, linear warm-up and decay, cross-entropy or, multi-label,
binary cross-entropy per code), and its predictions.

Why a hand loop rather than transformers' ``Trainer``: it needs ``accelerate``, and the
loop is short. Texts of similar length are batched together and each batch is padded only
to its own longest text, which is where the time goes on a CPU
(``benchmarks/train_speed.py`` measures it against a loop padded to the maximum length).
Every step is seeded (``transformers.set_seed``); each
step reports progress and checks Cancel through the :class:`~llmstudio.core.progress.Monitor`.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

import numpy as np

from ..backends.device import best_device
from ..backends.threads import configure_cpu_threads
from ..errors import TrainingError
from ..progress import Monitor
from .settings import BaseModel, TrainSettings

__all__ = ["Trained", "fine_tune", "predict_probabilities", "quiet_transformers", "targets_matrix"]

# Weights a classification head adds (newly made, to be trained): any other weight missing
# from the base model would be random, and the classifier with it.
GROUP_BATCHES = 50  # batches sorted by length together (random order between groups)
_HEAD_PARTS = ("classifier", "pre_classifier", "pooler", "score", "logits_proj", "summary")


@dataclass
class Trained:
    """A fine-tuned model with its tokenizer, the device it is on and how long each epoch
    took (seconds)."""

    model: object
    tokenizer: object
    device: str
    multi_label: bool
    epoch_seconds: list[float] = field(default_factory=list)


def targets_matrix(targets, labels) -> np.ndarray:
    """One row per text, one column per label: 1 where the text has the code."""
    index = {label: i for i, label in enumerate(labels)}
    out = np.zeros((len(targets), len(labels)), dtype=np.float32)
    for row, codes in enumerate(targets):
        for code in codes:
            out[row, index[code]] = 1.0
    return out


@contextlib.contextmanager
def quiet_transformers():
    """transformers' loading report (the new head's weights listed as missing) and its
    progress bars are for developers: the card says a head was added."""
    from transformers.utils import logging as hf_logging

    before, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(before)
        if bars:
            hf_logging.enable_progress_bar()


def load_base(base: BaseModel, labels, multi_label: bool, seed: int):
    """The base model with a fresh classification head for ``labels`` (seeded), and its
    tokenizer. Raises :class:`TrainingError` when weights other than the head's are missing
    (the base is no encoder of this architecture)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, set_seed

    set_seed(seed)
    labels = list(labels)
    with quiet_transformers():
        try:
            tokenizer = AutoTokenizer.from_pretrained(base.path, **base.load_kwargs)
            model, info = AutoModelForSequenceClassification.from_pretrained(
                base.path,
                num_labels=len(labels),
                id2label=dict(enumerate(labels)),
                label2id={label: i for i, label in enumerate(labels)},
                problem_type=(
                    "multi_label_classification" if multi_label else "single_label_classification"
                ),
                ignore_mismatched_sizes=True,  # a classifier as base: its old head goes
                output_loading_info=True,
                **base.load_kwargs,
            )
        except (OSError, ValueError, KeyError) as exc:
            raise TrainingError(f"the base model {base.name} cannot be loaded: {exc}") from None
    missing = [
        k
        for k in info.get("missing_keys") or ()
        if not any(part in k.split(".") for part in _HEAD_PARTS) and "position_ids" not in k
    ]
    if missing:
        raise TrainingError(
            f"the base model {base.name} lacks {len(missing)} of its encoder's weights "
            f"({', '.join(sorted(missing)[:3])}, ...): it is not a trained encoder to start from"
        )
    if tokenizer.pad_token is None:  # GPT-style tokenizers ship without one
        tokenizer.pad_token = tokenizer.eos_token
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def fine_tune(
    base: BaseModel,
    texts,
    targets: np.ndarray,
    labels,
    multi_label: bool,
    settings: TrainSettings,
    monitor: Monitor | None = None,
    seed: int | None = None,
) -> Trained:
    """The base model fine-tuned on ``texts`` with ``targets`` (:func:`targets_matrix`).
    ``monitor`` gets ``done`` of ``total`` optimiser steps with a ``message``."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    monitor = Monitor.of(monitor)
    seed = settings.seed if seed is None else seed
    device = settings.device or best_device()
    if device == "cpu":
        configure_cpu_threads()
    model, tokenizer = load_base(base, labels, multi_label, seed)
    model.to(device).train()
    encoded = tokenizer(list(texts), truncation=True, max_length=settings.max_length)["input_ids"]
    y = torch.tensor(targets if multi_label else targets.argmax(1))
    per_epoch = -(-len(encoded) // settings.batch_size)
    total = per_epoch * settings.epochs
    # as BERT was trained: no weight decay on biases and layer norms
    plain = {n for n, _ in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n}
    params = [
        {
            "params": [p for n, p in model.named_parameters() if n not in plain],
            "weight_decay": settings.weight_decay,
        },
        {"params": [p for n, p in model.named_parameters() if n in plain], "weight_decay": 0.0},
    ]
    optimiser = torch.optim.AdamW(params, lr=settings.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimiser, int(settings.warmup * total), total)
    order_rng = np.random.RandomState(seed)
    trained = Trained(model, tokenizer, device, multi_label)
    step = 0
    for epoch in range(settings.epochs):
        started = time.perf_counter()
        for rows in _length_batches(encoded, settings.batch_size, order_rng):
            monitor.check()
            batch = tokenizer.pad({"input_ids": [encoded[i] for i in rows]}, return_tensors="pt")
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = model(**batch, labels=y[rows].to(device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            monitor.report(
                step,
                total,
                message=f"epoch {epoch + 1} of {settings.epochs}",
                loss=float(loss.detach()),
            )
        trained.epoch_seconds.append(time.perf_counter() - started)
    model.eval()
    return trained


def _length_batches(encoded, batch_size: int, rng) -> list[np.ndarray]:
    """One epoch's batches: the texts shuffled, sorted by length within groups of
    ``GROUP_BATCHES`` batches, cut into batches, the batches shuffled. Texts of similar
    length share a batch, so little of it is padding (transformers' ``group_by_length``
    does the same); the order stays random across batches and epochs."""
    order = rng.permutation(len(encoded))
    group = batch_size * GROUP_BATCHES
    batches = []
    for start in range(0, len(order), group):
        part = sorted(order[start : start + group], key=lambda i: len(encoded[i]))
        batches += [np.array(part[a : a + batch_size]) for a in range(0, len(part), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def predict_probabilities(trained: Trained, texts, batch_size: int = 64, max_length: int = 512):
    """Probabilities ``(len(texts), labels)``: softmax (single-label) or each code's sigmoid
    (multi-label). Texts go in length order so that batches carry little padding."""
    import torch

    texts = list(texts)
    tok, model = trained.tokenizer, trained.model
    encoded = tok(texts, truncation=True, max_length=max_length)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    out = np.zeros((len(texts), model.config.num_labels), dtype=np.float64)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = tok.pad({"input_ids": [encoded[i] for i in rows]}, return_tensors="pt")
            logits = model(**{k: v.to(trained.device) for k, v in batch.items()}).logits.float()
            probs = torch.sigmoid(logits) if trained.multi_label else torch.softmax(logits, -1)
            out[rows] = probs.cpu().numpy()
    return out

"""Held-out testing: the folds, the model trained on each fold's other texts, the learning
curve (the same, on a share of those texts) and the builtin few-shot method on the same
folds.

Every held-out text is predicted once, by a model that never saw it; the scores are
computed over all of them together (pooled, not averaged per fold), so each text counts
once and the intervals are over texts. Folds are stratified by code (single-label) and
seeded: the same codes and settings give the same folds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..backends.device import best_device
from ..embedding.learning import CurvePoint
from ..progress import Monitor
from ..stats.intervals import wilson
from .data import TrainingData
from .loop import fine_tune, predict_probabilities, targets_matrix
from .settings import BaseModel, TrainSettings

__all__ = ["HeldOut", "cross_validate", "fold_indices"]

FEW_SHOT_SHARE = 0.25  # its share of a fold's time in the progress (20 tuning steps)


@dataclass
class HeldOut:
    """The held-out predictions: each text's codes from the trained model (``model``) and
    the builtin few-shot method (``few_shot``, None when not compared), the scheme
    (``"5-fold cross-validation"``), the learning curve and each epoch's seconds."""

    scheme: str
    folds: int
    model: list = field(default_factory=list)
    few_shot: list | None = None
    curve: list[CurvePoint] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)


def fold_indices(data: TrainingData, settings: TrainSettings) -> tuple[str, list]:
    """(the scheme in words, [(train rows, test rows), ...]): stratified k folds, or one
    stratified held-out fifth above ``settings.split_above`` texts."""
    from sklearn.model_selection import KFold, StratifiedKFold, StratifiedShuffleSplit

    n = len(data)
    rows = np.arange(n)
    strata = ["; ".join(t) for t in data.targets]
    if data.multi_label and min(np.unique(strata, return_counts=True)[1]) < settings.folds:
        strata = None  # code combinations too rare to stratify on
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if n > settings.split_above:
            split = StratifiedShuffleSplit(1, test_size=0.2, random_state=settings.seed)
            return "a stratified held-out 20%", list(split.split(rows, strata or rows % 5))
        if strata is None:
            folds = KFold(settings.folds, shuffle=True, random_state=settings.seed)
            return f"{settings.folds}-fold cross-validation", list(folds.split(rows))
        folds = StratifiedKFold(settings.folds, shuffle=True, random_state=settings.seed)
        return f"{settings.folds}-fold cross-validation", list(folds.split(rows, strata))


def _weights(parts, settings: TrainSettings) -> list[float]:
    """Each fold's share of the work: its trainings (full and curve shares) and few-shot."""
    per = 1.0 + sum(settings.curve) + (FEW_SHOT_SHARE if settings.compare_few_shot else 0.0)
    return [per * len(train) for train, _ in parts]


def cross_validate(
    data: TrainingData, base: BaseModel, settings: TrainSettings, monitor: Monitor | None = None
) -> HeldOut:
    """Each fold's model trained and its held-out texts predicted; ``monitor`` gets the
    share done (of 1.0) with a ``message`` naming the fold."""
    from .metrics import predicted_targets

    monitor = Monitor.of(monitor)
    scheme, parts = fold_indices(data, settings)
    y = targets_matrix(data.targets, data.labels)
    texts = np.array(data.texts, dtype=object)
    out = HeldOut(scheme, len(parts), [None] * len(data))
    out.few_shot = [None] * len(data) if settings.compare_few_shot else None
    curve_hits = {share: [0, 0, 0] for share in settings.curve}  # correct, tested, trained
    weights = _weights(parts, settings)
    total, done = sum(weights), 0.0
    few_shot = _few_shot_method(settings) if settings.compare_few_shot else None
    rng = np.random.RandomState(settings.seed)
    for k, (train, test) in enumerate(parts):
        name = f"fold {k + 1} of {len(parts)}" if len(parts) > 1 else "the held-out part"
        share_of = weights[k] / total

        per = weights[k] / len(train)
        at = 0.0
        for share in settings.curve:
            subset = _subset(train, y, share, rng)
            part = monitor.part((done + at * share_of), (done + (at + share / per) * share_of))
            part = _labelled(part, f"{name}: learning curve, {int(share * 100)}% of its codes")
            trained = fine_tune(
                base, texts[subset], y[subset], data.labels, data.multi_label, settings, part
            )
            predicted = predicted_targets(
                predict_probabilities(trained, texts[test], max_length=settings.max_length),
                data.labels,
                data.multi_label,
            )
            hits = curve_hits[share]
            hits[0] += sum(set(p) == set(data.targets[i]) for i, p in zip(test, predicted))
            hits[1] += len(test)
            hits[2] += len(subset)
            at += share / per
        part = monitor.part(done + at * share_of, done + (at + 1 / per) * share_of)
        trained = fine_tune(
            base,
            texts[train],
            y[train],
            data.labels,
            data.multi_label,
            settings,
            _labelled(part, f"{name}: training"),
        )
        out.epoch_seconds += trained.epoch_seconds
        probs = predict_probabilities(trained, texts[test], max_length=settings.max_length)
        for i, codes in zip(test, predicted_targets(probs, data.labels, data.multi_label)):
            out.model[i] = codes
        at += 1 / per
        if few_shot is not None:
            monitor.report(done + at * share_of, 1.0, message=f"{name}: builtin few-shot method")
            few_shot.monitor = monitor.part(done + at * share_of, done + share_of)
            probs = few_shot.few_shot(
                list(texts[test]),
                list(texts[train]),
                [data.targets[i] if data.multi_label else data.targets[i][0] for i in train],
                data.labels,
                multi_label=data.multi_label,
            )
            for i, codes in zip(test, predicted_targets(probs, data.labels, data.multi_label)):
                out.few_shot[i] = codes
        done += share_of
        del trained
    out.curve = _curve(curve_hits, out, data, len(parts))
    return out


def _labelled(monitor: Monitor, message: str) -> Monitor:
    """A monitor whose reports all carry ``message`` (the step's own is dropped)."""

    def forward(done, total, **detail) -> None:
        detail["message"] = message
        monitor.report(done, total, **detail)

    return Monitor(forward, monitor.cancelled)  # cancelled when the whole is


def _subset(train, y, share: float, rng) -> np.ndarray:
    """``share`` of the training rows, stratified by code where each code can keep one."""
    from sklearn.model_selection import train_test_split

    size = max(2, round(share * len(train)))
    strata = y[train].argmax(1) if y.shape[1] > 1 else None
    try:
        kept, _ = train_test_split(train, train_size=size, stratify=strata, random_state=rng)
    except ValueError:  # a code too rare to stratify on
        kept, _ = train_test_split(train, train_size=size, random_state=rng)
    return np.sort(kept)


def _curve(hits, held: HeldOut, data: TrainingData, folds: int) -> list[CurvePoint]:
    """The learning curve's points, the full training parts last: texts trained on (the
    mean over folds), exact-match accuracy on the held-out texts, Wilson 95% interval."""
    points = []
    for correct, tested, trained in hits.values():
        low, high = wilson(correct, tested)
        points.append(
            CurvePoint(round(trained / folds), correct, correct / tested, low, high, folds)
        )
    correct = sum(set(p) == set(t) for p, t in zip(held.model, data.targets) if p is not None)
    tested = sum(p is not None for p in held.model)
    low, high = wilson(correct, tested)
    full = round(tested * (folds - 1) / folds) if folds > 1 else len(data) - tested
    points.append(CurvePoint(full, correct, correct / tested, low, high, folds))
    return points


def _few_shot_method(settings: TrainSettings):
    """The builtin few-shot classifier (MiniLM, its own fine-tuning and head), seeded."""
    from ..embedding.classifier import EmbeddingClassifier

    device = settings.device or best_device()
    return EmbeddingClassifier.from_model_dir(device=device, seed=settings.seed)

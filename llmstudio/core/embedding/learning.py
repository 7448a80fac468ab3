"""Learning from the researcher's own codes: which row to code next, and how well a
classifier trained on the codes so far would do (a learning curve).

Qt-free and model-free: the functions take the corpus as a matrix of features (the
builtin model's frozen sentence embeddings, one row per text) and the human codes as row
ids and labels. The coding panel computes the embeddings once in the background
(``EmbeddingClassifier``) and calls these after each code; each call is a few logistic
regressions on a few hundred coded rows, milliseconds to a second.

Why these choices:

* **Uncertainty sampling** (Lewis & Gale 1994; Settles 2009): the next row is the one the
  current classifier is least sure about (smallest margin between its two most likely
  codes). A code on such a row moves the decision boundary most; a code on a row the
  classifier already gets right teaches it little. Rows are taken from the whole corpus,
  so the researcher's codes stay a sample of it only when they say so (the panel offers
  random samples for validation, uncertainty order for teaching).
* **The learning curve is cross-validated on the codes in the order they were made**:
  the accuracy after the first n codes is what a classifier trained on n codes achieves on
  codes it did not see, so the researcher sees whether more coding still pays.
* The classifier is the same kind as the builtin few-shot head: a logistic regression on
  corpus-centred, unit-length embeddings (C=1), class-balanced so a rare code is not
  drowned by a common one in a small sample.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..progress import Monitor
from ..stats.intervals import wilson

__all__ = ["CurvePoint", "fit_predict", "learning_curve", "prepare_features", "suggest_order"]


@dataclass(frozen=True)
class CurvePoint:
    """Cross-validated accuracy after the first ``n`` codes: ``accuracy`` of the held-out
    predictions (``correct`` of ``n``), with a Wilson 95% interval."""

    n: int
    correct: int
    accuracy: float
    ci_low: float
    ci_high: float
    folds: int


def prepare_features(embeddings: np.ndarray) -> np.ndarray:
    """Embeddings centred on the corpus mean and renormalised (the direction all texts
    share says nothing about the codes; as in ``classifier``)."""
    x = np.asarray(embeddings, dtype=np.float64)
    x = x - x.mean(0)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def fit_predict(
    x: np.ndarray,
    rows: Sequence[int],
    labels: Sequence[str],
    classes: Sequence[str],
    predict_rows=None,
) -> np.ndarray:
    """Probabilities ``(len(predict_rows or all rows), len(classes))`` from a logistic
    regression fitted on the coded ``rows`` of ``x``. Codes never given get 0; with a
    single code given, every row gets that code with probability 1 (nothing to learn)."""
    from sklearn.linear_model import LogisticRegression

    classes = list(classes)
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    target = x if predict_rows is None else x[np.asarray(predict_rows, dtype=int)]
    out = np.zeros((len(target), len(classes)))
    present = np.unique(y)
    if len(present) == 1:
        out[:, present[0]] = 1.0
        return out
    clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    clf.fit(x[np.asarray(rows, dtype=int)], y)
    out[:, clf.classes_] = clf.predict_proba(target)
    return out


def suggest_order(
    x: np.ndarray,
    rows: Sequence[int],
    labels: Sequence[str],
    classes: Sequence[str],
    candidates: Sequence[int] | None = None,
) -> np.ndarray:
    """The ``candidates`` (default: every row not in ``rows``), the least certain first
    (smallest margin between the two most likely codes; ties by row id). With fewer than
    two codes used yet there is no classifier: the candidates in their own order."""
    coded = set(int(r) for r in rows)
    if candidates is None:
        candidates = [r for r in range(len(x)) if r not in coded]
    candidates = np.asarray([int(r) for r in candidates if int(r) not in coded], dtype=int)
    if len(set(labels)) < 2 or len(candidates) == 0:
        return candidates
    probs = fit_predict(x, rows, labels, classes, candidates)
    top2 = np.sort(probs, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    return candidates[np.lexsort((candidates, margin))]


def learning_curve(
    x: np.ndarray,
    rows: Sequence[int],
    labels: Sequence[str],
    classes: Sequence[str],
    sizes: Sequence[int] | None = None,
    folds: int = 5,
    seed: int = 0,
    monitor: Monitor | None = None,
) -> list[CurvePoint]:
    """Cross-validated accuracy after the first n codes (``rows``/``labels`` in the order
    they were made), for each n in ``sizes`` (default: 10, 20, 40, ... and all codes).

    Each point: the first n codes split into ``folds`` stratified folds (fewer when a code
    has fewer examples; at least 2), a classifier fitted on the others predicts each fold;
    every held-out prediction counts once. Points with fewer than two different codes or
    fewer than 4 coded rows are left out. Deterministic for a given ``seed``."""
    from sklearn.model_selection import StratifiedKFold

    rows, labels = [int(r) for r in rows], list(labels)
    total = len(rows)
    if sizes is None:
        sizes, n = [], 10
        while n < total:
            sizes.append(n)
            n *= 2
        sizes.append(total)
    points = []
    for n in sorted(set(int(s) for s in sizes if 0 < s <= total)):
        if monitor is not None and monitor.cancelled():
            break  # the points so far: a curve cut short, not an error
        r, y = np.array(rows[:n]), np.array(labels[:n])
        _, counts = np.unique(y, return_counts=True)
        if len(counts) < 2 or n < 4:
            continue
        # as many folds as the rarest code allows (a code seen once is still held out
        # once: it counts as an error then, as it would in use)
        k = int(max(2, min(folds, counts.min())))
        correct = 0
        split = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "least populated class" notice
            parts = list(split.split(r, y))
        for train, test in parts:
            probs = fit_predict(x, r[train], y[train], classes, r[test])
            predicted = np.array(list(classes))[probs.argmax(1)]
            correct += int((predicted == y[test]).sum())
        low, high = wilson(correct, n)
        points.append(CurvePoint(n, correct, correct / n, low, high, k))
    return points

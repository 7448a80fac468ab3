"""How well held-out predictions match the hand codes: accuracy, macro-F1, and per code
precision, recall and F1, each with a bootstrap 95% interval over texts.

The numbers are the agreement statistics the Validate view and ``agree`` report
(:func:`~llmstudio.core.stats.agreement.agreement`, the hand codes as the reference), so a
trained model's scores read the same as any run's. Multi-label: each code is its own
yes/no comparison; accuracy is the share of texts whose whole set of codes is right
(exact match), macro-F1 the mean of the codes' F1 (its interval is not computed: the
codes' resamples are not paired, and a made-up interval would be worse than none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..stats.agreement import agreement
from ..stats.bootstrap import Estimate

__all__ = ["Scores", "predicted_targets", "score"]

NONE_SET = "(no code)"  # a multi-label text with no code, as one comparable value


@dataclass(frozen=True)
class Scores:
    """Held-out scores of one method: ``accuracy``, ``macro_f1`` and ``per_code`` (code ->
    precision, recall, f1 as :class:`Estimate`, and ``support``: texts coded so by hand)."""

    n: int
    accuracy: Estimate
    macro_f1: Estimate
    per_code: dict[str, dict] = field(default_factory=dict)
    confusion: list[list[int]] | None = None  # single-label: rows hand codes, cols model

    def to_dict(self) -> dict:
        """JSON-ready (NaN as null)."""
        return {
            "n": self.n,
            "accuracy": self.accuracy.to_dict(),
            "macro_f1": self.macro_f1.to_dict(),
            "per_code": {
                code: {k: (v.to_dict() if isinstance(v, Estimate) else v) for k, v in stats.items()}
                for code, stats in self.per_code.items()
            },
            "confusion": self.confusion,
        }


def predicted_targets(probs: np.ndarray, labels, multi_label: bool) -> list[tuple[str, ...]]:
    """Each text's predicted codes: the most probable (single-label) or every code at 0.5
    or more (multi-label, as ``annotate`` applies them)."""
    labels = list(labels)
    if not multi_label:
        return [(labels[int(i)],) for i in probs.argmax(1)]
    return [tuple(labels[j] for j in np.flatnonzero(row >= 0.5)) for row in probs]


def score(truth, predicted, labels, multi_label: bool, *, seed: int = 0, resamples: int = 1000):
    """:class:`Scores` of ``predicted`` against ``truth`` (tuples of codes per text)."""
    labels = list(labels)
    options = dict(n_resamples=resamples, seed=seed)
    names = ["hand codes", "model"]
    if not multi_label:
        report = agreement(
            [[t[0] for t in truth], [p[0] for p in predicted]], names, labels=labels, **options
        )
        return Scores(
            report.n, report.accuracy, report.macro_f1, _per_code(report, labels), report.confusion
        )
    exact = agreement(
        [[_as_set(t, labels) for t in truth], [_as_set(p, labels) for p in predicted]],
        names,
        **options,
    )
    per_code = {}
    for code in labels:
        yes_no = agreement(
            [
                ["yes" if code in t else "no" for t in truth],
                ["yes" if code in p else "no" for p in predicted],
            ],
            names,
            labels=["no", "yes"],
            **options,
        )
        per_code[code] = _per_code(yes_no, ["yes"])["yes"]
    f1s = [s["f1"].value for s in per_code.values() if not math.isnan(s["f1"].value)]
    macro = Estimate(float(np.mean(f1s)) if f1s else math.nan, n=exact.n)
    return Scores(exact.n, exact.accuracy, macro, per_code)


def _as_set(codes, labels) -> str:
    return "; ".join(c for c in labels if c in codes) or NONE_SET


def _per_code(report, labels) -> dict[str, dict]:
    return {
        code: {k: report.per_code[code][k] for k in ("precision", "recall", "f1", "support")}
        for code in labels
        if code in report.per_code
    }

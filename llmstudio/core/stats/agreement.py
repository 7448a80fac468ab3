"""Agreement between coders (humans or models) on nominal codes, with bootstrap CIs.

Codes are compared as text: ``None``, NaN/NA and empty or blank strings are missing,
strings are stripped, and whole numbers stored as floats (a numeric column with gaps
holds 1.0) are written as integers so that they match the same code elsewhere (1).

A *unit* is a row; only units with codes from at least two coders can show agreement,
so every statistic is computed on those (``n``) and the others are counted as skipped.
This is Krippendorff's rule for alpha; for two coders it means rows where both coded.

Statistics (all from per-unit counts, see :mod:`.bootstrap`):

* percent agreement: per unit, the share of agreeing pairs among its coders' codes,
  averaged over units (two coders: the share of units where they agree);
* Krippendorff's alpha, nominal, from the coincidence matrix (Krippendorff 2011,
  "Computing Krippendorff's Alpha-Reliability"): any number of coders, missing codes;
* two coders, the first as the reference: Cohen's kappa, accuracy, per-code precision,
  recall and F1 (undefined, NaN, where the code never occurs in the comparison or in
  the reference), macro-F1 (mean F1 over the codes present in either column, as
  scikit-learn's ``f1_score(average="macro")``) and the confusion matrix;
* three or more coders: Cohen's kappa of every pair (each on the rows both coded) and
  Fleiss' kappa (on the units that every coder coded, as Fleiss' fixed-rater design needs).

These formulas are written out rather than taken from scikit-learn or the ``krippendorff``
package so that one vectorised form serves the point estimate and the 1000 bootstrap
resamples; the tests check them against both libraries and against published examples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from ..errors import StatsError
from ..progress import Monitor
from .bootstrap import Estimate, bootstrap

__all__ = [
    "Agreement",
    "agreement",
    "cohen_kappa",
    "confusion_matrix",
    "encode",
    "fleiss_kappa",
    "krippendorff_alpha",
    "normalize_code",
    "percent_agreement",
]

MAX_CODES = 200  # more distinct values than this is free text, not a coding scheme


def normalize_code(value: object) -> str | None:
    """A code as text, or None when it is missing."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else str(value)
    if pd.isna(value) is True:  # pd.NA, NaT; arrays are not codes, so no ambiguity
        return None
    return str(value)


def _label_key(label: str) -> tuple:
    # Numeric codes in numeric order (2 before 10), then text codes alphabetically.
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", label):
        return (0, float(label), label)
    return (1, label.casefold(), label)


def encode(
    coders: Sequence[Sequence], labels: Sequence | None = None
) -> tuple[list[str], np.ndarray]:
    """``(labels, matrix)``: the codes as integers, units x coders, -1 where missing.

    ``coders`` holds one sequence of codes per coder, all of the same length. Labels are
    sorted (numbers numerically) unless given, e.g. in codebook order.
    """
    columns = [[normalize_code(v) for v in coder] for coder in coders]
    if len({len(c) for c in columns}) > 1:
        raise StatsError(f"the coders' columns differ in length: {[len(c) for c in columns]}")
    found = {v for column in columns for v in column if v is not None}
    if labels is None:
        labels = sorted(found, key=_label_key)
    else:
        labels = [normalize_code(label) for label in labels]
        if unknown := found - set(labels):
            raise StatsError(f"codes not among the labels: {sorted(unknown)[:10]}")
    if len(labels) > MAX_CODES:
        raise StatsError(
            f"{len(labels):,} distinct values; agreement statistics are for "
            f"nominal codes (at most {MAX_CODES})"
        )
    index = {label: i for i, label in enumerate(labels)}
    matrix = (
        np.array(
            [[-1 if v is None else index[v] for v in column] for column in columns], dtype=np.int64
        )
        .reshape(len(columns), -1)
        .T
    )
    return list(labels), matrix


# --- statistics as functions of summed per-unit features (vectorised over resamples) -----


def _ratio(s):  # [units, sum of per-unit shares of agreeing pairs]
    return s[..., 1] / s[..., 0]


def _alpha(s):  # [pairable values n, agreeing coincidences, values per code n_c ...]
    n, agree, per_code = s[..., 0], s[..., 1], s[..., 2:]
    # 1 - D_o/D_e with D_o = (n - sum o_cc)/n, D_e = (n^2 - sum n_c^2)/(n(n-1))
    return 1 - (n - 1) * (n - agree) / (n * n - (per_code * per_code).sum(-1))


def _fleiss(s):  # [units, sum of P_i, codes per category n_j ...]
    share = s[..., 2:] / s[..., 2:].sum(-1, keepdims=True)
    expected = (share * share).sum(-1)
    return (s[..., 1] / s[..., 0] - expected) / (1 - expected)


def _split(s):  # [both agree on code c ..., reference is c ..., comparison is c ...]
    return np.split(s, 3, axis=-1)


def _kappa(s):
    diag, ref, comp = _split(s)
    n = ref.sum(-1)
    observed, expected = diag.sum(-1) / n, (ref * comp).sum(-1) / (n * n)
    return (observed - expected) / (1 - expected)


def _accuracy(s):
    diag, ref, _ = _split(s)
    return diag.sum(-1) / ref.sum(-1)


def _precision(s):
    diag, _, comp = _split(s)
    return diag / comp


def _recall(s):
    diag, ref, _ = _split(s)
    return diag / ref


def _f1(s):
    diag, ref, comp = _split(s)
    return 2 * diag / (ref + comp)  # NaN only for a code absent from both columns


def _macro_f1(s):
    f1 = _f1(s)
    return np.nansum(f1, -1) / (~np.isnan(f1)).sum(-1)


def _per_code_counts(patterns: np.ndarray, n_codes: int) -> np.ndarray:
    """(patterns x codes): how many coders gave each code to the pattern's units."""
    counts = np.zeros((len(patterns), n_codes))
    for column in patterns.T:
        rows = np.nonzero(column >= 0)[0]
        counts[rows, column[rows]] += 1  # one code per coder and unit: no repeated index
    return counts


def _features(patterns: np.ndarray, n_codes: int) -> dict:
    """``{name: (features, statistic)}`` for :func:`bootstrap` from distinct code patterns."""
    counts = _per_code_counts(patterns, n_codes)
    m = counts.sum(1)
    pairs = (counts * (counts - 1)).sum(1)  # ordered pairs of coders that agree
    share = pairs / (m * (m - 1))
    ones = np.ones_like(m)
    stats = {
        "percent_agreement": (np.column_stack([ones, share]), _ratio),
        "krippendorff_alpha": (np.column_stack([m, pairs / (m - 1), counts]), _alpha),
    }
    coders = patterns.shape[1]
    if coders == 2:  # both coded every pairable unit: no -1 here
        ref, comp = (np.eye(n_codes)[patterns[:, j]] for j in (0, 1))
        table = np.hstack([ref * comp, ref, comp])
        stats.update(
            cohen_kappa=(table, _kappa),
            accuracy=(table, _accuracy),
            macro_f1=(table, _macro_f1),
            precision=(table, _precision),
            recall=(table, _recall),
            f1=(table, _f1),
        )
    elif coders > 2:
        full = (m == coders)[:, None]
        stats["fleiss_kappa"] = (np.column_stack([ones, share, counts]) * full, _fleiss)
    return stats


def _pairable(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(keep, patterns, unit_pattern)`` for the units coded by at least two coders."""
    keep = (matrix >= 0).sum(1) >= 2
    patterns, unit_pattern = np.unique(matrix[keep], axis=0, return_inverse=True)
    return keep, patterns.reshape(-1, matrix.shape[1]), unit_pattern.ravel()


def _point(matrix: np.ndarray, n_codes: int, name: str) -> float:
    keep, patterns, unit_pattern = _pairable(matrix)
    if not keep.any():
        return math.nan
    features = _features(patterns, n_codes)
    return bootstrap({name: features[name]}, unit_pattern, int(keep.sum()), n_resamples=0)[
        name
    ].value


def percent_agreement(coders: Sequence[Sequence]) -> float:
    """Mean share of agreeing coder pairs over the units coded by two or more coders."""
    labels, matrix = encode(coders)
    return _point(matrix, len(labels), "percent_agreement")


def krippendorff_alpha(coders: Sequence[Sequence]) -> float:
    """Krippendorff's alpha for nominal codes; ``coders`` holds one column per coder.

    Missing codes are allowed; units with fewer than two codes are left out. NaN when
    there is no variation at all (one code only) or no unit has two codes.
    """
    labels, matrix = encode(coders)
    return _point(matrix, len(labels), "krippendorff_alpha")


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa of two coders on the rows both coded (NaN when chance agreement is 1)."""
    labels, matrix = encode([a, b])
    return _point(matrix, len(labels), "cohen_kappa")


def fleiss_kappa(coders: Sequence[Sequence]) -> float:
    """Fleiss' kappa of three or more coders, on the units that all of them coded."""
    labels, matrix = encode(coders)
    if matrix.shape[1] < 3:
        raise StatsError("Fleiss' kappa here needs three or more coders")
    return _point(matrix, len(labels), "fleiss_kappa")


def confusion_matrix(
    reference: Sequence, comparison: Sequence, labels: Sequence | None = None
) -> tuple[list[str], np.ndarray]:
    """``(labels, counts)``: rows are the reference's codes, columns the comparison's, on
    the rows both coded; labels sorted (numbers numerically) unless given."""
    labels, matrix = encode([reference, comparison], labels)
    both = matrix[(matrix >= 0).all(1)]
    c = len(labels)
    counts = np.bincount(both[:, 0] * c + both[:, 1], minlength=c * c).reshape(c, c)
    return labels, counts


@dataclass(frozen=True)
class Agreement:
    """Everything :func:`agreement` measured; ``to_dict()`` gives the CLI's JSON."""

    columns: list[str]
    labels: list[str]
    rows: int  # all rows given
    n: int  # units (rows) with codes from at least two coders
    percent_agreement: Estimate
    krippendorff_alpha: Estimate
    n_resamples: int
    seed: int | None
    # Two coders (the first is the reference):
    cohen_kappa: Estimate | None = None
    accuracy: Estimate | None = None
    macro_f1: Estimate | None = None
    per_code: dict[str, dict] = field(default_factory=dict)  # code -> precision/recall/f1/support
    confusion: list[list[int]] | None = None  # rows: reference, columns: comparison
    # Three or more coders:
    pairwise_cohen_kappa: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    fleiss_kappa: Estimate | None = None

    @property
    def skipped(self) -> int:
        """Rows left out because fewer than two coders coded them."""
        return self.rows - self.n

    def to_dict(self) -> dict:
        out = {
            "columns": self.columns,
            "labels": self.labels,
            "rows": self.rows,
            "n": self.n,
            "skipped": self.skipped,
            "bootstrap": {
                "resamples": self.n_resamples,
                "seed": self.seed,
                "confidence": 0.95,
                "method": "percentile, units resampled",
            },
            "percent_agreement": self.percent_agreement.to_dict(),
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
        }
        if self.cohen_kappa is not None:
            out.update(
                reference=self.columns[0],
                cohen_kappa=self.cohen_kappa.to_dict(),
                accuracy=self.accuracy.to_dict(),
                macro_f1=self.macro_f1.to_dict(),
                per_code={
                    code: {
                        k: v.to_dict() if isinstance(v, Estimate) else v for k, v in stats.items()
                    }
                    for code, stats in self.per_code.items()
                },
                confusion_matrix={
                    "rows": self.columns[0],
                    "columns": self.columns[1],
                    "labels": self.labels,
                    "counts": self.confusion,
                },
            )
        if self.fleiss_kappa is not None:
            out["fleiss_kappa"] = self.fleiss_kappa.to_dict()
            out["pairwise_cohen_kappa"] = [
                {"columns": list(pair), **e.to_dict()}
                for pair, e in self.pairwise_cohen_kappa.items()
            ]
        return out


def agreement(
    coders: Sequence[Sequence],
    names: Sequence[str] | None = None,
    *,
    labels: Sequence | None = None,
    n_resamples: int = 1000,
    seed: int | None = 0,
    monitor: Monitor | None = None,
) -> Agreement:
    """All agreement statistics of two or more coders, each with a bootstrap 95% CI.

    ``coders`` holds one column of codes per coder (a model run counts as a coder), rows
    aligned; ``names`` labels them. With two coders the first is the reference for
    accuracy, per-code precision/recall/F1 and the confusion matrix. Resampling is over
    units, seeded (same seed and data, same intervals); ``monitor`` is checked between
    blocks of resamples (raises :class:`~llmstudio.core.errors.Cancelled`). Raises
    :class:`StatsError` when there are fewer than two coders, a coder has no codes, or no
    row has two codes.
    """
    names = (
        [str(n) for n in names]
        if names is not None
        else [f"coder {i + 1}" for i in range(len(coders))]
    )
    if len(coders) < 2:
        raise StatsError("agreement needs at least two coders")
    labels, matrix = encode(coders, labels)
    for name, column in zip(names, matrix.T):
        if (column < 0).all():
            raise StatsError(f"column {name!r} has no codes")
    keep, patterns, unit_pattern = _pairable(matrix)
    n = int(keep.sum())
    if n == 0:
        raise StatsError(f"no row has codes from two of the columns {names}")
    options = dict(n_resamples=n_resamples, seed=seed, monitor=monitor)
    coders_n = matrix.shape[1]
    stats = _features(patterns, len(labels))
    fleiss = {}
    if coders_n > 2:  # Fleiss' kappa has its own units: those that every coder coded
        complete = (matrix >= 0).all(1)
        fleiss_stats = {"fleiss_kappa": stats.pop("fleiss_kappa")}
        if complete.any():
            fleiss = bootstrap(
                fleiss_stats, unit_pattern[complete[keep]], int(complete.sum()), **options
            )
    est = bootstrap(stats, unit_pattern, n, **options)
    extra: dict = {}
    if coders_n == 2:
        _, confusion = confusion_matrix(*coders, labels=labels)
        support = confusion.sum(1)
        extra = dict(
            cohen_kappa=est["cohen_kappa"],
            accuracy=est["accuracy"],
            macro_f1=est["macro_f1"],
            confusion=confusion.tolist(),
            per_code={
                label: {
                    "precision": est["precision"][i],
                    "recall": est["recall"][i],
                    "f1": est["f1"][i],
                    "support": int(support[i]),
                }
                for i, label in enumerate(labels)
            },
        )
    else:
        pairwise = {}
        for i, j in combinations(range(coders_n), 2):
            keep_ij, patterns_ij, unit_ij = _pairable(matrix[:, [i, j]])
            if keep_ij.any():
                stat = _features(patterns_ij, len(labels))["cohen_kappa"]
                pairwise[(names[i], names[j])] = bootstrap(
                    {"k": stat}, unit_ij, int(keep_ij.sum()), **options
                )["k"]
            else:
                pairwise[(names[i], names[j])] = Estimate(math.nan)
        extra = dict(
            pairwise_cohen_kappa=pairwise,
            fleiss_kappa=fleiss.get("fleiss_kappa", Estimate(math.nan)),
        )
    return Agreement(
        columns=names,
        labels=labels,
        rows=len(matrix),
        n=n,
        percent_agreement=est["percent_agreement"],
        krippendorff_alpha=est["krippendorff_alpha"],
        n_resamples=n_resamples,
        seed=seed,
        **extra,
    )

"""Agreement on coded passages, per code, over the characters of the texts, with
bootstrap CIs over rows.

The unit of coding is the character: in each row a coder looked at, every character is
coded or not for the code (covered by at least one of that coder's passages of the code;
overlapping passages of one coder count once). Two coders' characters give a 2x2 table
(both coded, only the first, only the second, neither) summed over the rows both looked at;
from it:

* percent agreement: (both + neither) / characters;
* Cohen's kappa on that table (coded / not coded);
* Krippendorff's alpha, nominal, over the character units (any number of coders; a
  character is pairable when two or more coders looked at its row), with the coincidence
  formula of :mod:`.agreement`;
* positive specific agreement (Dice on coded characters, 2 x both / (first + second)):
  since most characters of most texts are coded by nobody, agreement on absence dominates
  the three above; this one counts only the characters someone coded.

Characters of one row are not independent (a passage is one decision over many
characters), so the intervals resample *rows*, never characters: each row contributes its
summed table, and a resample draws rows with replacement (:func:`.bootstrap.bootstrap`).
With whole-text passages on texts of equal length percent agreement, kappa and positive
agreement equal the row-level ones of the code (applies or not); alpha is close but not
equal, as its small-sample correction counts values, here characters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from ..errors import StatsError
from ..progress import Monitor
from .agreement import _accuracy, _alpha, _f1, _kappa
from .bootstrap import Estimate, bootstrap

__all__ = [
    "NO_COMMON_ROWS",
    "PairAgreement",
    "PassageAgreement",
    "RowSpans",
    "coverage",
    "passage_agreement",
]

Span = tuple[int, int]
NO_COMMON_ROWS = "no row both coders looked at"


@dataclass(frozen=True)
class RowSpans:
    """One row: its text's length in characters and, per coder (in the order of the
    names), the spans ``(start, end)`` they coded with the code; None for a coder who did
    not look at the row (it then does not count for that coder)."""

    length: int
    spans: Sequence[Sequence[Span] | None]


def coverage(length: int, spans: Sequence[Span]) -> np.ndarray:
    """A boolean array of ``length``: True on every character some span covers."""
    marks = np.zeros(length + 1, dtype=np.int64)
    for start, end in spans:
        if not 0 <= start < end <= length:
            raise StatsError(f"passage {start}-{end} is outside its text ({length} characters)")
        marks[start] += 1
        marks[end] -= 1
    return np.cumsum(marks[:-1]) > 0


def _dice(s):  # positive specific agreement: the F1 of "coded" (index 1)
    return _f1(s)[..., 1]


@dataclass(frozen=True)
class PairAgreement:
    """Two coders on one code: characters of the rows both looked at."""

    coders: tuple[str, str]
    rows: int  # rows both looked at
    characters: int  # their characters
    both: int  # characters both coded
    first_only: int
    second_only: int
    percent_agreement: Estimate
    cohen_kappa: Estimate
    krippendorff_alpha: Estimate
    positive_agreement: Estimate  # Dice on coded characters

    @property
    def neither(self) -> int:
        return self.characters - self.both - self.first_only - self.second_only

    def to_dict(self) -> dict:
        return {
            "coders": list(self.coders),
            "rows": self.rows,
            "characters": self.characters,
            "coded_by_both": self.both,
            "coded_by_first_only": self.first_only,
            "coded_by_second_only": self.second_only,
            "coded_by_neither": self.neither,
            "percent_agreement": self.percent_agreement.to_dict(),
            "cohen_kappa": self.cohen_kappa.to_dict(),
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
            "positive_agreement": self.positive_agreement.to_dict(),
        }


@dataclass(frozen=True)
class PassageAgreement:
    """Agreement on one code between two or more coders, over characters."""

    code: str
    coders: list[str]
    rows: int  # rows at least two coders looked at (alpha's units come from these)
    characters: int
    krippendorff_alpha: Estimate  # all coders together
    pairs: list[PairAgreement] = field(default_factory=list)
    n_resamples: int = 0
    seed: int | None = 0
    # pairs of coders with no row both looked at: nothing to compare, so no statistics
    pairs_left_out: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "coders": self.coders,
            "unit": "character",
            "rows": self.rows,
            "characters": self.characters,
            "bootstrap": {
                "resamples": self.n_resamples,
                "seed": self.seed,
                "confidence": 0.95,
                "method": "percentile, rows resampled (characters of a row are not independent)",
            },
            "krippendorff_alpha": self.krippendorff_alpha.to_dict(),
            "pairs": [p.to_dict() for p in self.pairs],
            "pairs_left_out": [
                {"coders": list(p), "reason": NO_COMMON_ROWS} for p in self.pairs_left_out
            ],
        }


def _pair_table(rows: Sequence[RowSpans], i: int, j: int) -> np.ndarray:
    """Rows both coders looked at x [neither, both, i's 0, i's 1, j's 0, j's 1]: the
    confusion-table layout (diagonal, reference margins, comparison margins) that
    :mod:`.agreement`'s kappa, accuracy and F1 read."""
    out = []
    for row in rows:
        a, b = row.spans[i], row.spans[j]
        if a is None or b is None:
            continue
        ca, cb = coverage(row.length, a), coverage(row.length, b)
        both, ones_a, ones_b = int((ca & cb).sum()), int(ca.sum()), int(cb.sum())
        neither = row.length - ones_a - ones_b + both
        out.append([neither, both, row.length - ones_a, ones_a, row.length - ones_b, ones_b])
    return np.array(out, dtype=float).reshape(-1, 6)


def _alpha_features(rows: Sequence[RowSpans]) -> np.ndarray:
    """Rows with two or more coders x [pairable values, agreeing pairs / (m - 1), values
    "not coded", values "coded"]: :mod:`.agreement`'s alpha features summed over the
    row's characters (a character's m values are its coders' coded / not coded)."""
    out = []
    for row in rows:
        looked = [s for s in row.spans if s is not None]
        m = len(looked)
        if m < 2 or row.length == 0:
            continue
        k = sum(coverage(row.length, s).astype(np.int64) for s in looked)
        pairs = (k * (k - 1) + (m - k) * (m - k - 1)).sum() / (m - 1)
        coded = int(k.sum())
        out.append([m * row.length, pairs, m * row.length - coded, coded])
    return np.array(out, dtype=float).reshape(-1, 4)


def _estimates(stats: dict, n: int, options: dict) -> dict:
    """``{name: Estimate}`` of ``stats`` (``{name: (features, function)}``), all on the
    same resamples of the ``n`` rows (one draw for every statistic)."""
    if n == 0:
        return {name: Estimate(math.nan) for name in stats}
    return bootstrap(stats, np.arange(n), n, **options)


def passage_agreement(
    rows: Sequence[RowSpans],
    coders: Sequence[str],
    code: str = "",
    *,
    n_resamples: int = 1000,
    seed: int | None = 0,
    monitor: Monitor | None = None,
) -> PassageAgreement:
    """Agreement of ``coders`` on ``code`` over the characters of ``rows``, each statistic
    with a percentile bootstrap 95% CI over rows (seeded). Every pair of coders gets
    percent agreement, Cohen's kappa, alpha and positive specific agreement on the rows
    both looked at; all coders together get Krippendorff's alpha. A statistic is NaN
    (``undefined``) where it is: kappa and alpha when nobody or everybody coded every
    character. StatsError with fewer than two coders or no row two of them looked at."""
    coders = [str(c) for c in coders]
    if len(coders) < 2:
        raise StatsError("agreement needs at least two coders")
    for row in rows:
        if len(row.spans) != len(coders):
            raise StatsError(f"a row has spans of {len(row.spans)} coders, not {len(coders)}")
    options = dict(n_resamples=n_resamples, seed=seed, monitor=monitor)
    alpha_features = _alpha_features(rows)
    if not len(alpha_features):
        raise StatsError(f"no row was looked at by two of the coders {coders}")
    pairs, left_out = [], []
    for i, j in combinations(range(len(coders)), 2):
        table = _pair_table(rows, i, j)
        if not len(table):  # statistics over no rows would read as perfect agreement
            left_out.append((coders[i], coders[j]))
            continue
        # alpha of the pair from the same table: m = 2 values per character
        both, neither = table[:, 1], table[:, 0]
        length = table[:, 2] + table[:, 3]
        pair_alpha = np.column_stack(
            [2 * length, 2 * (both + neither), table[:, 2] + table[:, 4], table[:, 3] + table[:, 5]]
        )
        stats = {
            "percent": (table, _accuracy),
            "kappa": (table, _kappa),
            "dice": (table, _dice),
            "alpha": (pair_alpha, _alpha),
        }
        est = _estimates(stats, len(table), options)
        sums = table.sum(0)
        pairs.append(
            PairAgreement(
                coders=(coders[i], coders[j]),
                rows=len(table),
                characters=int(sums[2] + sums[3]),
                both=int(sums[1]),
                first_only=int(sums[3] - sums[1]),
                second_only=int(sums[5] - sums[1]),
                percent_agreement=est["percent"],
                cohen_kappa=est["kappa"],
                krippendorff_alpha=est["alpha"],
                positive_agreement=est["dice"],
            )
        )
    if len(coders) == 2 and pairs:  # all coders together are the one pair
        alpha = pairs[0].krippendorff_alpha
    else:
        alpha = _estimates({"alpha": (alpha_features, _alpha)}, len(alpha_features), options)[
            "alpha"
        ]
    return PassageAgreement(
        code=code,
        coders=coders,
        rows=len(alpha_features),
        characters=_chars(rows),
        krippendorff_alpha=alpha,
        pairs=pairs,
        n_resamples=n_resamples,
        seed=seed,
        pairs_left_out=left_out,
    )


def _chars(rows: Sequence[RowSpans]) -> int:
    """Characters of the rows that two or more coders looked at."""
    return sum(r.length for r in rows if sum(s is not None for s in r.spans) >= 2)

"""Agreement statistics: checked against scikit-learn, the ``krippendorff`` package, an
explicit coincidence-matrix implementation and published worked examples."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from llmstudio.core.errors import Cancelled, StatsError
from llmstudio.core.progress import Monitor
from llmstudio.core.stats import (
    agreement,
    cohen_kappa,
    confusion_matrix,
    encode,
    fleiss_kappa,
    krippendorff_alpha,
    normalize_code,
    percent_agreement,
)

_ = None  # a missing code, so the tables below line up


def alpha_by_coincidences(coders) -> float:
    """Krippendorff's nominal alpha spelled out as in Krippendorff (2011): build the
    coincidence matrix o_ck unit by unit, then alpha = 1 - (n-1) sum_{c!=k} o_ck /
    sum_{c!=k} n_c n_k. Deliberately loop-based, unlike the vectorised core."""
    o: Counter = Counter()
    for unit in zip(*coders):
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            o[values[i], values[j]] += 1 / (m - 1)
    n_c: Counter = Counter()
    for (c, _k), count in o.items():
        n_c[c] += count
    n = sum(n_c.values())
    disagree = sum(count for (c, k), count in o.items() if c != k)
    expected = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k)
    return 1 - (n - 1) * disagree / expected


def random_codes(
    seed: int, rows: int, coders: int, codes: int, missing: float, agree: float = 0.6
) -> list[list]:
    """Coders who copy a hidden truth with probability ``agree``, else guess."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, codes, rows)
    out = []
    for _c in range(coders):
        guess = rng.integers(0, codes, rows)
        column = np.where(rng.random(rows) < agree, truth, guess)
        out.append([None if rng.random() < missing else f"code{v}" for v in column])
    return out


# --- Krippendorff's alpha: published examples ------------------------------------------


def test_alpha_binary_two_coders_krippendorff_2011():
    """Krippendorff (2011), section A (binary, two observers, no missing data): 0.095.

    Units 1-10; coder A: 0 1 0 0 0 0 0 0 1 0, coder B: 1 1 1 0 0 1 0 0 0 0.
    Five units are (0,0), one (1,1), four disagree (units 1, 3, 6, 9), so
    o_00 = 10, o_11 = 2, o_01 = o_10 = 4; n_0 = 14, n_1 = 6, n = 20;
    alpha = 1 - (n-1) o_01 / (n_0 n_1) = 1 - 19*4/84 = 0.0952.
    """
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha([a, b]) == pytest.approx(1 - 76 / 84, abs=1e-12)
    assert round(krippendorff_alpha([a, b]), 3) == 0.095


def test_alpha_nominal_two_coders_krippendorff_2011():
    """Krippendorff (2011), section B (nominal, two observers, no missing data): 0.692.

    A: a a b b d c c c e d d a; B: b a b b b c c c e d d d. Units 1 (a,b), 5 (d,b) and
    12 (a,d) disagree: sum of off-diagonal o_ck = 6 of n = 24 values. n_a = 4, n_b = 6,
    n_c = 6, n_d = 6, n_e = 2, so sum_{c!=k} n_c n_k = 24^2 - 128 = 448 and
    alpha = 1 - 23*6/448 = 0.692.
    """
    a = list("aabbdcccedda")
    b = list("babbbccceddd")
    assert krippendorff_alpha([a, b]) == pytest.approx(1 - 138 / 448, abs=1e-12)
    assert round(krippendorff_alpha([a, b]), 3) == 0.692


# Krippendorff (2011), section C: nominal data, four observers, missing data.
KRIPPENDORFF_2011_C = [
    # units 1  2  3  4  5  6  7  8  9  10 11 12
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],  # observer A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],  # observer B
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],  # observer C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],  # observer D
]


def test_alpha_four_coders_with_missing_krippendorff_2011():
    """Krippendorff (2011), section C: alpha = 0.743.

    Unit 12 has one value and is dropped; the other 11 units hold n = 40 pairable values.
    Agreeing coincidences per unit, sum_c n_uc(n_uc-1)/(m_u-1):
    u1 3 (1,1,1), u2 2 (2,2,3,2), u3 4, u4 4, u5 4, u6 0 (1,2,3,4), u7 4, u8 2 (1,1,2,1),
    u9 4, u10 3 (5,5,5), u11 2 (1,1) -> 32, so the off-diagonal sum is 8.
    n_1 = 9, n_2 = 13, n_3 = 10, n_4 = 5, n_5 = 3 (sum of squares 384), so
    sum_{c!=k} n_c n_k = 1600 - 384 = 1216 and alpha = 1 - 39*8/1216 = 0.7434.
    """
    value = krippendorff_alpha(KRIPPENDORFF_2011_C)
    assert value == pytest.approx(1 - 312 / 1216, abs=1e-12)
    assert round(value, 3) == 0.743
    assert value == pytest.approx(alpha_by_coincidences(KRIPPENDORFF_2011_C), abs=1e-12)
    report = agreement(KRIPPENDORFF_2011_C, list("ABCD"), n_resamples=0)
    assert (report.rows, report.n, report.skipped) == (12, 11, 1)


# --- against independent implementations -----------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_alpha_matches_coincidence_matrix_and_krippendorff_package(seed):
    coders = random_codes(
        seed, rows=60 + 20 * seed, coders=2 + seed % 4, codes=2 + seed, missing=0.25
    )
    value = krippendorff_alpha(coders)
    assert value == pytest.approx(alpha_by_coincidences(coders), abs=1e-9)
    krippendorff = pytest.importorskip("krippendorff")
    labels, matrix = encode(coders)
    data = np.where(matrix.T < 0, np.nan, matrix.T).astype(float)
    reference = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert value == pytest.approx(float(reference), abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_cohen_kappa_matches_sklearn(seed):
    a, b = random_codes(seed, rows=30 + 40 * seed, coders=2, codes=2 + seed % 5, missing=0.1)
    both = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    expected = cohen_kappa_score([x for x, _y in both], [y for _x, y in both])
    assert cohen_kappa(a, b) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_classification_matches_sklearn(seed):
    ref, comp = random_codes(seed, rows=200, coders=2, codes=3 + seed, missing=0.05, agree=0.5)
    report = agreement([ref, comp], ["ref", "comp"], n_resamples=0)
    both = [(x, y) for x, y in zip(ref, comp) if x is not None and y is not None]
    y_true, y_pred = [x for x, _y in both], [y for _x, y in both]
    assert report.n == len(both)
    assert report.accuracy.value == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    assert report.percent_agreement.value == pytest.approx(report.accuracy.value, abs=1e-12)
    assert report.macro_f1.value == pytest.approx(
        f1_score(y_true, y_pred, average="macro"), abs=1e-12
    )
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=report.labels, zero_division=np.nan
    )
    for i, code in enumerate(report.labels):
        got = report.per_code[code]
        for name, want in (("precision", p[i]), ("recall", r[i]), ("f1", f[i])):
            assert got[name].value == pytest.approx(want, abs=1e-12, nan_ok=True), (code, name)
        assert got["support"] == s[i]
    assert report.confusion == sk_confusion_matrix(y_true, y_pred, labels=report.labels).tolist()


def test_fleiss_kappa_worked_example():
    """Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories;
    P-bar = 0.378, P_e = 0.213, kappa = 0.210."""
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    # Rater r gives subject i the r-th of its 14 codes: kappa ignores who gave which.
    units = [[j for j, count in enumerate(row) for _k in range(count)] for row in table]
    coders = [list(column) for column in zip(*units)]
    assert len(coders) == 14
    p_bar = np.mean([(np.square(row).sum() - 14) / (14 * 13) for row in table])
    p_e = np.square(np.sum(table, 0) / 140).sum()
    assert round(p_bar, 3) == 0.378 and round(p_e, 3) == 0.213
    assert fleiss_kappa(coders) == pytest.approx((p_bar - p_e) / (1 - p_e), abs=1e-12)
    assert round(fleiss_kappa(coders), 3) == 0.210


def test_many_coders_report():
    report = agreement(KRIPPENDORFF_2011_C, list("ABCD"), n_resamples=0)
    assert report.cohen_kappa is None and report.accuracy is None
    assert len(report.pairwise_cohen_kappa) == 6
    a, c = KRIPPENDORFF_2011_C[0], KRIPPENDORFF_2011_C[2]
    assert report.pairwise_cohen_kappa[("A", "C")].value == pytest.approx(cohen_kappa(a, c))
    assert report.pairwise_cohen_kappa[("A", "C")].n == 8
    # Fleiss on the 8 units that all four coded (1 and 10-12 lack a code).
    assert report.fleiss_kappa.n == 8
    complete = [
        [col[u] for u in range(12) if all(k[u] is not None for k in KRIPPENDORFF_2011_C)]
        for col in KRIPPENDORFF_2011_C
    ]
    assert report.fleiss_kappa.value == pytest.approx(fleiss_kappa(complete))
    # Percent agreement: the share of agreeing coder pairs per unit, averaged over units.
    shares = [1, 1 / 2, 1, 1, 1, 0, 1, 1 / 2, 1, 1, 1]
    assert report.percent_agreement.value == pytest.approx(np.mean(shares))
    assert percent_agreement(KRIPPENDORFF_2011_C) == pytest.approx(np.mean(shares))
    json.dumps(report.to_dict(), allow_nan=False)


# --- codes, labels, missing values ------------------------------------------------------


def test_missing_values_and_number_formats():
    for missing in (None, float("nan"), np.nan, pd.NA, "", "   "):
        assert normalize_code(missing) is None
    assert normalize_code(1.0) == normalize_code(1) == normalize_code(" 1 ") == "1"
    assert normalize_code(np.int64(3)) == "3" and normalize_code(2.5) == "2.5"
    # A float column with gaps (1.0) and a text column ("1") hold the same codes.
    assert cohen_kappa([1.0, 2.0, np.nan, 1.0, 2.0], ["1", "2", "1", "1", " 2"]) == 1.0


def test_labels_are_sorted_stably_or_given():
    labels, _m = encode([["10", "2", "b", "A"], ["1", None, "a", "2"]])
    assert labels == ["1", "2", "10", "A", "a", "b"]  # case ties: upper case first
    labels, counts = confusion_matrix(["x", "y", "y"], ["y", "y", None], labels=["y", "x", "z"])
    assert labels == ["y", "x", "z"]
    assert counts.tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 0]]
    with pytest.raises(StatsError, match="not among the labels"):
        encode([["x", "q"], ["x", "x"]], labels=["x"])


# --- bootstrap ----------------------------------------------------------------------------


def test_interval_contains_estimate_and_is_deterministic():
    coders = random_codes(1, rows=400, coders=2, codes=4, missing=0.1)
    first = agreement(coders, ["a", "b"], n_resamples=500, seed=7)
    again = agreement(coders, ["a", "b"], n_resamples=500, seed=7)
    other = agreement(coders, ["a", "b"], n_resamples=500, seed=8)
    assert first == again
    assert first.cohen_kappa != other.cohen_kappa
    for e in (
        first.percent_agreement,
        first.cohen_kappa,
        first.krippendorff_alpha,
        first.accuracy,
        first.macro_f1,
    ):
        assert e.ci_low < e.value < e.ci_high
        assert e.n == first.n and e.undefined_resamples == 0


def test_interval_narrows_with_more_data():
    def width(rows):
        e = agreement(random_codes(3, rows, 2, 3, 0.0), n_resamples=400).krippendorff_alpha
        return e.ci_high - e.ci_low

    small, large = width(100), width(2500)
    assert large < small / 3  # the width shrinks about as 1/sqrt(n): 5x here


def test_perfect_agreement():
    codes = ["a", "b", "a", "c", "b", "a"] * 5
    report = agreement([codes, codes], n_resamples=200)
    for e in (report.cohen_kappa, report.krippendorff_alpha, report.percent_agreement):
        assert (e.value, e.ci_low, e.ci_high) == (1.0, 1.0, 1.0)


def test_one_category_only_is_undefined_not_a_crash():
    report = agreement([["a"] * 20, ["a"] * 19 + [None]], n_resamples=100)
    assert report.percent_agreement.value == 1.0 and report.percent_agreement.ci_low == 1.0
    for e in (report.cohen_kappa, report.krippendorff_alpha):
        assert math.isnan(e.value) and e.ci_low is None and e.ci_high is None
        assert e.to_dict()["value"] is None
    assert report.per_code["a"]["f1"].value == 1.0  # defined: "a" occurs in both
    json.dumps(report.to_dict(), allow_nan=False)


def test_resamples_with_one_category_are_left_out_and_counted():
    a = ["x"] * 9 + ["y"]
    b = ["x"] * 9 + ["y"]
    e = agreement([a, b], n_resamples=1000, seed=0).cohen_kappa
    # About (9/10)^10 = 35% of resamples miss the single "y" unit: kappa is 0/0 there.
    assert 250 < e.undefined_resamples < 450
    assert (e.value, e.ci_low, e.ci_high) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "coders, message",
    [
        ([["a", "b"]], "at least two coders"),
        ([["a", None], [None, "b"]], "no row has codes from two"),
        ([["a", "b"], [None, ""]], "'coder 2' has no codes"),
        ([[None, None], [None, None]], "'coder 1' has no codes"),
        ([["a", "b"], ["a"]], "differ in length"),
    ],
)
def test_unusable_input_gives_a_clear_error(coders, message):
    with pytest.raises(StatsError, match=message):
        agreement(coders)


def test_all_missing_points_are_nan():
    assert math.isnan(krippendorff_alpha([[None, "a"], ["b", None]]))


def test_cancel():
    coders = random_codes(0, rows=1000, coders=2, codes=3, missing=0)
    with pytest.raises(Cancelled):
        agreement(coders, monitor=Monitor(cancelled=lambda: True))


def test_bootstrap_is_fast():
    coders = random_codes(0, rows=10_000, coders=2, codes=5, missing=0.05)
    started = time.perf_counter()
    report = agreement(coders, n_resamples=1000)
    elapsed = time.perf_counter() - started
    assert report.cohen_kappa.ci_low is not None
    assert elapsed < 5, f"1000 resamples of 10,000 rows took {elapsed:.1f} s"

"""Prediction-powered estimates: ppi-python's numbers, coverage on simulated corpora where
the model errs more in one group, refusal of a non-random sample."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llmstudio.core.errors import UsageError
from llmstudio.core.estimates import SampleOrigin, corrected_estimates
from llmstudio.core.stats.ppi import UnlabelledSums, classical_mean, ppi_mean

REFERENCE = json.loads((Path(__file__).parent / "data" / "ppi_reference.json").read_text())
RANDOM = SampleOrigin(True, "random sample")


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: f"n{len(c['y'])}")
def test_numbers_equal_ppi_python(case):
    # ppi_reference.json was written by ppi-python 0.2.3 (scripts/ppi_reference.py)
    y, yhat = np.array(case["y"]), np.array(case["yhat"])
    unlabelled = UnlabelledSums.of(np.array(case["yhat_unlabelled"]))
    classical = ppi_mean(y, yhat, unlabelled, lam=1.0)
    plus = ppi_mean(y, yhat, unlabelled, lam=None)
    human = classical_mean(y)
    assert classical.mean == pytest.approx(case["ppi"], abs=5e-4)
    assert (classical.ci_low, classical.ci_high) == pytest.approx(case["ppi_ci"], abs=5e-4)
    assert plus.mean == pytest.approx(case["ppi_plus"], abs=5e-4)
    assert (plus.ci_low, plus.ci_high) == pytest.approx(case["ppi_plus_ci"], abs=5e-4)
    assert (human.ci_low, human.ci_high) == pytest.approx(case["classical_ci"], abs=5e-4)


def test_numbers_equal_ppi_python_live():
    ppi_py = pytest.importorskip("ppi_py")
    rng = np.random.default_rng(7)
    y = (rng.random(90) < 0.4).astype(float)
    yhat = np.where(rng.random(90) < 0.75, y, 1 - y)
    yu = (rng.random(900) < 0.45).astype(float)
    plus = ppi_mean(y, yhat, UnlabelledSums.of(yu), lam=None)
    low, high = ppi_py.ppi_mean_ci(y, yhat, yu, alpha=0.05)
    assert (plus.ci_low, plus.ci_high) == pytest.approx((float(low[0]), float(high[0])), abs=5e-4)


def _corpus(rng, rows=2000, gold=200):
    """Two groups with the same true share of "neg" (0.3); the model reads group B's
    negatives as "pos" half the time, so its share for B is biased low."""
    group = np.where(rng.random(rows) < 0.5, "A", "B")
    truth = np.where(rng.random(rows) < 0.3, "neg", "pos")
    miss = (group == "B") & (truth == "neg") & (rng.random(rows) < 0.5)
    noise = rng.random(rows) < 0.05
    model = np.where(miss, "pos", truth)
    model = np.where(noise, np.where(model == "neg", "pos", "neg"), model)
    gold_col = np.full(rows, None, dtype=object)
    drawn = rng.choice(rows, gold, replace=False)
    gold_col[drawn] = truth[drawn]
    return pd.DataFrame({"party": group, "model": model, "gold": gold_col})


def _row(report, group, label):
    return next(e for e in report.estimates if e.group == group and e.label == label)


def test_corrected_interval_covers_where_naive_misses():
    rng = np.random.default_rng(2026)
    reps, naive_hits, ppi_hits, plus_hits = 300, 0, 0, 0
    for _ in range(reps):
        report = corrected_estimates(_corpus(rng), "model", "gold", RANDOM, by="party")
        b = _row(report, "B", "neg")
        naive_hits += b.naive_ci_low <= 0.3 <= b.naive_ci_high
        ppi_hits += b.ci_low <= 0.3 <= b.ci_high
        plus_hits += b.ppi_plus_ci_low <= 0.3 <= b.ppi_plus_ci_high
    # the naive interval is narrow around a biased share (about 0.18): it never holds 0.3
    assert naive_hits / reps < 0.05
    assert 0.90 <= ppi_hits / reps <= 0.99
    assert 0.90 <= plus_hits / reps <= 0.99


def test_report_fields_and_effective_size():
    report = corrected_estimates(
        _corpus(np.random.default_rng(1)), "model", "gold", RANDOM, by="party"
    )
    groups = {e.group for e in report.estimates}
    assert groups == {"(all rows)", "A", "B"}
    overall = _row(report, "(all rows)", "neg")
    assert overall.n == 2000 and overall.n_gold == 200
    assert report.gold_rows == 200 and report.left_out == 0
    # a model that agrees on most rows is worth more gold rows than were coded
    assert overall.effective_n > overall.n_gold
    assert overall.ci_low < overall.corrected < overall.ci_high
    assert 0 < overall.ppi_plus_lambda <= 1
    # shares of the two labels are complements
    pos = _row(report, "(all rows)", "pos")
    assert pos.corrected == pytest.approx(1 - overall.corrected)


def test_small_group_gets_no_corrected_interval():
    frame = _corpus(np.random.default_rng(4))
    frame.loc[0:5, "party"] = "C"
    frame.loc[0:5, "gold"] = "neg"
    report = corrected_estimates(frame, "model", "gold", RANDOM, by="party")
    c = _row(report, "C", "neg")
    assert c.corrected is None and c.ci_low is None and c.ppi_plus is None
    assert "only 6 rows of this group" in c.note and "at least 10" in c.note
    assert c.naive is not None and c.human_only == 1.0


def test_non_random_sample_refused_with_reason():
    origin = SampleOrigin(False, "rows coded in file order", "the rows were coded in file order")
    with pytest.raises(UsageError, match="refused: the rows were coded in file order"):
        corrected_estimates(_corpus(np.random.default_rng(1)), "model", "gold", origin)


def test_bad_input_named():
    frame = _corpus(np.random.default_rng(1))
    with pytest.raises(UsageError, match="no column 'label'.*model column"):
        corrected_estimates(frame, "label", "gold", RANDOM)
    with pytest.raises(UsageError, match="no column 'wave'.*--by"):
        corrected_estimates(frame, "model", "gold", RANDOM, by="wave")
    with pytest.raises(UsageError, match="has no codes"):
        corrected_estimates(frame.assign(gold=None), "model", "gold", RANDOM)
    with pytest.raises(UsageError, match="every row has a code"):
        corrected_estimates(frame.assign(gold="neg"), "model", "gold", RANDOM)
    scores = pd.DataFrame({"m": [0.1, 0.2, 0.3] * 10, "g": ["x"] + [None] * 29})
    with pytest.raises(UsageError, match="'g' is not a number on 1 rows \\(first: row 1"):
        corrected_estimates(scores, "m", "g", RANDOM, kind="mean")


def test_mean_of_a_score_corrects_the_model_bias():
    rng = np.random.default_rng(5)
    truth = rng.normal(0.0, 1.0, 3000)
    model = truth + 0.4 + rng.normal(0, 0.3, 3000)  # the model reads everything too positive
    gold = np.full(3000, np.nan)
    drawn = rng.choice(3000, 300, replace=False)
    gold[drawn] = truth[drawn]
    report = corrected_estimates(
        pd.DataFrame({"m": model, "g": gold}), "m", "g", RANDOM, kind="mean"
    )
    (row,) = report.estimates
    assert row.label is None and row.n_gold == 300
    assert row.naive == pytest.approx(0.4 + truth.mean(), abs=0.05)
    assert row.ci_low <= truth.mean() <= row.ci_high
    assert not row.naive_ci_low <= truth.mean() <= row.naive_ci_high
    assert (row.ppi_plus_ci_high - row.ppi_plus_ci_low) < (row.human_ci_high - row.human_ci_low)


def test_rows_without_a_model_label_left_out_and_counted():
    frame = _corpus(np.random.default_rng(3))
    frame.loc[frame.index[:7], "model"] = None
    report = corrected_estimates(frame, "model", "gold", RANDOM)
    assert report.left_out == 7 and report.rows == 1993


def test_methods_record_warns_when_the_model_adds_nothing():
    from llmstudio.core.methods_estimates import methods_markdown, not_narrower

    # a model that guesses at random: PPI++ puts no weight on it, and the person's 30 rows
    # alone (Wilson) are as narrow as anything the model can give
    rng = np.random.default_rng(9)
    truth = np.where(rng.random(1000) < 0.4, "neg", "pos")
    gold = np.full(1000, None, dtype=object)
    drawn = rng.choice(1000, 30, replace=False)
    gold[drawn] = truth[drawn]
    frame = pd.DataFrame({"model": np.where(rng.random(1000) < 0.5, "neg", "pos"), "gold": gold})
    report = corrected_estimates(frame, "model", "gold", RANDOM)
    assert {e.label for e in not_narrower(report)} == {"neg", "pos"}
    text = methods_markdown(report)
    assert "(all rows), share 'neg': the corrected interval is not narrower" in text
    assert "Angelopoulos, A. N., Duchi, J. C., & Zrnic, T. (2023)" in text
    # a model that agrees: no warning
    good = corrected_estimates(_corpus(np.random.default_rng(1)), "model", "gold", RANDOM)
    assert not not_narrower(good)
    assert "not narrower" not in methods_markdown(good)


def test_label_the_person_never_gave_has_no_effective_size():
    frame = _corpus(np.random.default_rng(6))
    frame.loc[frame.index[:40], "model"] = "unsure"  # a label the person never codes
    report = corrected_estimates(frame, "model", "gold", RANDOM)
    unsure = _row(report, "(all rows)", "unsure")
    assert unsure.human_only == 0.0 and unsure.effective_n is None
    assert unsure.naive == pytest.approx(40 / 2000)


def test_share_outside_zero_to_one_is_said():
    # the model says "neg" on a few rows the person never codes "neg" on, so the rectifier
    # pulls the share below 0 while the model's share elsewhere is near 0
    rows = 500
    model = np.array(["pos"] * rows, dtype=object)
    gold = np.full(rows, None, dtype=object)
    gold[:20] = "pos"
    model[:5] = "neg"
    report = corrected_estimates(
        pd.DataFrame({"model": model, "gold": gold}), "model", "gold", RANDOM
    )
    neg = _row(report, "(all rows)", "neg")
    assert neg.corrected < 0
    assert "outside 0-100%" in neg.note
    assert _row(report, "(all rows)", "pos").corrected > 1
    from llmstudio.core.methods_estimates import methods_markdown

    text = methods_markdown(report)
    assert "share 'neg': the corrected share lies outside 0-100%" in text
    assert "too few coded rows with this label." in text

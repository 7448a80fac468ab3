"""core.chart_data: every chart's numbers against a plain pandas / scipy computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t

from llmstudio.core import chart_data as cd


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "label": rng.choice(["positive", "negative", "neutral"], n, p=[0.5, 0.3, 0.2]),
            "score": rng.normal(0.2, 0.5, n),
            "party": rng.choice(["Labour", "Conservative", "Green"], n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180, n), unit="D"),
        }
    )
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    # rows a model has not reached yet
    frame.loc[:9, "label"] = None
    frame.loc[:9, "score"] = np.nan
    return frame


def test_label_counts(table):
    data = cd.label_counts(table["label"])
    counts = table["label"].value_counts()
    assert dict(zip(data["label"], data["n"])) == counts.to_dict()
    assert list(data["label"]) == ["negative", "neutral", "positive"]
    for _, row in data.iterrows():
        n, k = counts.sum(), row["n"]
        p = k / n
        z = 1.959963984540054
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        assert row["ci_low"] == pytest.approx(centre - half)
        assert row["ci_high"] == pytest.approx(centre + half)
        assert sorted(row["rows"]) == table.index[table["label"] == row["label"]].tolist()


def test_missing_and_empty_values_are_left_out():
    values = pd.Series(["a", None, "", np.nan, "b", "a", 1.0])
    data = cd.label_counts(values)
    assert dict(zip(data["label"], data["n"])) == {"a": 2, "b": 1, "1": 1}
    assert cd.label_counts(pd.Series([None, None])).empty
    assert cd.histogram(pd.Series([None, "x"])).empty


def test_histogram(table):
    data = cd.histogram(table["score"], bins=15)
    counts, edges = np.histogram(table["score"].dropna(), bins=15)
    assert data["n"].tolist() == counts.tolist()
    assert np.allclose(data["left"], edges[:-1]) and np.allclose(data["right"], edges[1:])
    assert [len(r) for r in data["rows"]] == counts.tolist()
    top = table["score"].idxmax()
    assert top in data["rows"].iloc[-1]  # the maximum is in the last bin


def test_group_shares(table):
    data = cd.group_shares(table["label"], table["party"])
    known = table[table["label"].notna()]
    expected = pd.crosstab(known["party"], known["label"])
    for _, row in data.iterrows():
        k = expected.loc[row["group"], row["label"]]
        n = expected.loc[row["group"]].sum()
        assert (row["k"], row["n"]) == (k, n)
        assert row["share"] == pytest.approx(k / n)
        assert row["ci_low"] < row["share"] < row["ci_high"]
        assert (
            sorted(row["rows"])
            == known.index[
                (known["party"] == row["group"]) & (known["label"] == row["label"])
            ].tolist()
        )
    assert len(data) == 9


def test_group_means(table):
    data = cd.group_means(table["score"], table["party"])
    grouped = table.groupby("party")["score"]
    for _, row in data.iterrows():
        values = grouped.get_group(row["group"]).dropna()
        half = t.ppf(0.975, len(values) - 1) * values.std() / math.sqrt(len(values))
        assert row["n"] == len(values)
        assert row["mean"] == pytest.approx(values.mean())
        assert row["ci_low"] == pytest.approx(values.mean() - half)
        assert row["ci_high"] == pytest.approx(values.mean() + half)


@pytest.mark.parametrize("freq,rule", [("day", "D"), ("week", "W-MON"), ("month", "MS")])
def test_over_time_mean(table, freq, rule):
    data = cd.over_time(table["score"], table["date"], freq)
    frame = table.assign(when=pd.to_datetime(table["date"])).dropna(subset=["score"])
    resampled = frame.set_index("when").resample(rule, label="left", closed="left")["score"]
    assert data["n"].tolist() == resampled.size().tolist()
    assert np.allclose(data["value"], resampled.mean(), equal_nan=True)
    assert list(data["period"]) == list(resampled.mean().index)
    if freq == "week":
        assert all(p.weekday() == 0 for p in data["period"])  # weeks start on Monday


def test_over_time_share(table):
    data = cd.over_time(table["label"], table["date"], "month", label="positive")
    frame = table.assign(when=pd.to_datetime(table["date"])).dropna(subset=["label"])
    monthly = frame.set_index("when").resample("MS")["label"]
    assert np.allclose(data["value"], monthly.apply(lambda s: (s == "positive").mean()))
    assert data["k"].tolist() == monthly.apply(lambda s: (s == "positive").sum()).tolist()
    assert (data["ci_low"] <= data["value"]).all() and (data["value"] <= data["ci_high"]).all()
    assert sum(len(r) for r in data["rows"]) == (frame["label"] == "positive").sum()


def test_empty_periods_are_kept():
    dates = pd.Series(["2024-01-01", "2024-03-05"])
    data = cd.over_time(pd.Series([1.0, 3.0]), dates, "month")
    assert data["n"].tolist() == [1, 0, 1]
    assert np.isnan(data["value"][1])


def test_confusion(table):
    other = table["label"].where(table.index % 5 != 0, "neutral")
    data = cd.confusion(table["label"], other)
    known = table["label"].notna()
    expected = pd.crosstab(table["label"][known], other[known])
    for _, row in data.iterrows():
        assert row["n"] == expected.loc[row["a"], row["b"]]
    assert data["n"].sum() == known.sum()
    assert len(data) == 9  # every pair, zeros included


def test_column_kinds(table):
    assert cd.is_date_like(table["date"])
    assert not cd.is_date_like(table["party"]) and not cd.is_date_like(table["score"])
    assert cd.is_numeric(table["score"])
    assert not cd.is_numeric(table["label"]) and not cd.is_numeric(pd.Series(["1", "2", "1"]))
    assert cd.period_name(pd.Timestamp("2024-03-01"), "month") == "2024-03"


# -- sentiment on one signed axis ------------------------------------------------------

THREE = ("positive", "negative", "neutral")
FIVE = ("very negative", "negative", "neutral", "positive", "very positive")


def test_label_valence_follows_the_run_scale_not_the_labels_seen():
    labels = pd.Series(["positive", "Negative", None, "neutral", "", "positive"])
    assert cd.label_valence(labels, THREE).to_dict() == {0: 1.0, 1: -1.0, 3: 0.0, 5: 1.0}
    # A 5-point run where no row is "very" anything: negative is still -0.5.
    assert cd.label_valence(pd.Series(["negative", "positive", "neutral"]), FIVE).to_dict() == {
        0: -0.5,
        1: 0.5,
        2: 0.0,
    }
    assert cd.label_valence(pd.Series(["very negative", "very positive"]), FIVE).tolist() == [
        -1.0,
        1.0,
    ]


def test_label_valence_refuses_labels_of_ones_own():
    from llmstudio.core.errors import LlmstudioError

    with pytest.raises(LlmstudioError, match="'meh' has none"):
        cd.label_valence(pd.Series(["good"]), ("good", "bad", "meh"))


def test_signed_sentiment_takes_the_valence_where_given_else_the_label():
    labels = pd.Series(["positive", "negative", "neutral", "positive", None])
    valence = pd.Series([0.62, None, -0.1, None, None])
    values, probabilities, from_labels = cd.SignedSentiment(labels, valence, THREE).values()
    assert values.to_dict() == {0: 0.62, 1: -1.0, 2: -0.1, 3: 1.0}
    assert (probabilities, from_labels) == (2, 2)
    signed = cd.SignedSentiment(labels, valence, THREE)
    assert signed.axis(2, 2) == cd.MIXED_AXIS
    assert signed.axis(4, 0) == "Mean sentiment (P(pos) − P(neg), −1 to 1)"
    assert signed.axis(0, 4) == "Net sentiment from labels (−1 to 1)"
    assert cd.SignedSentiment(labels, None, FIVE).axis(3, 0) == cd.SIGNED_AXIS_5
    # Without a valence column (old runs): every row from its label; the mean is the net
    # valence, not the model's confidence.
    values, probabilities, from_labels = cd.SignedSentiment(labels, None, THREE).values()
    assert values.mean() == pytest.approx((1 - 1 + 0 + 1) / 4)
    assert (probabilities, from_labels) == (0, 4)


def test_has_valence():
    assert cd.has_valence(THREE) and cd.has_valence(FIVE)
    assert not cd.has_valence(("good", "bad")) and not cd.has_valence(())

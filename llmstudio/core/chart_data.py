"""What the charts show, computed without Qt: counts, shares with 95% Wilson intervals,
means with 95% t intervals, time series resampled with pandas, confusion tables.

Every function takes pandas Series indexed by row id (the corpus row's position) and
returns a DataFrame with one row per bar, point or cell, including ``rows``: the row ids
behind it, so that a click on a chart can show exactly those rows in the table. Missing
values (None, NaN, empty text: rows a model has not reached yet) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .stats.intervals import t_interval, wilson
from .tasks.sentiment import five_point

FREQS = {"day": "D", "week": "W-MON", "month": "MS"}  # weeks start on Monday
SNIFF_ROWS = 2000  # what kind a column is, judged from its first values (a million rows)


def labels_of(values: pd.Series) -> pd.Series:
    """Non-missing values as text labels (a row id index kept)."""
    values = pd.Series(values)
    keep = values.notna() & (values.astype(str).str.strip() != "")
    out = values[keep]
    # 1.0 and 1 are the same code: whole floats shown without ".0"
    return out.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))


def numbers_of(values: pd.Series) -> pd.Series:
    """Values that are numbers (text that parses as one included), missing dropped."""
    out = pd.to_numeric(pd.Series(values), errors="coerce")
    return out[out.notna()].astype(float)


def is_numeric(values: pd.Series, min_share: float = 0.9) -> bool:
    """Whether most non-missing values are numbers with more than a few distinct values."""
    present = labels_of(pd.Series(values).dropna().head(SNIFF_ROWS * 5)).head(SNIFF_ROWS)
    if present.empty:
        return False
    numbers = pd.to_numeric(present, errors="coerce")
    return bool(numbers.notna().mean() >= min_share and numbers.nunique() > 12)


def dates_of(values: pd.Series) -> pd.Series:
    """Values parsed as dates (unparsable and missing dropped)."""
    values = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):  # parsed already
        return values[values.notna()]
    present = labels_of(values)
    if present.empty:
        return pd.Series(dtype="datetime64[ns]")
    parsed = pd.to_datetime(present, errors="coerce", format="mixed")
    return parsed[parsed.notna()]


def is_date_like(values: pd.Series, min_share: float = 0.9) -> bool:
    """Whether most non-missing values parse as dates (and are not plain numbers)."""
    values = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return True
    present = labels_of(values.dropna().head(SNIFF_ROWS * 5)).head(SNIFF_ROWS)
    if present.empty or pd.to_numeric(present, errors="coerce").notna().mean() > 0.5:
        return False
    return len(dates_of(present)) >= min_share * len(present)


def _order(labels) -> list[str]:
    # Sentiment labels in their natural order; anything else by frequency.
    natural = ["negative", "neutral", "positive"]
    labels = list(labels)
    if set(labels) <= set(natural):
        return [x for x in natural if x in labels]
    return labels


def label_counts(values: pd.Series) -> pd.DataFrame:
    """One row per label: n, share of the labelled rows, its 95% Wilson interval, rows."""
    labels = labels_of(values)
    total = len(labels)
    counts = labels.value_counts()
    records = []
    for label in _order(counts.index):
        k = int(counts[label])
        low, high = wilson(k, total)
        records.append(
            {
                "label": label,
                "n": k,
                "share": k / total,
                "ci_low": low,
                "ci_high": high,
                "rows": labels.index[labels == label].to_numpy(),
            }
        )
    return pd.DataFrame(records, columns=["label", "n", "share", "ci_low", "ci_high", "rows"])


def histogram(values: pd.Series, bins: int = 20) -> pd.DataFrame:
    """Equal-width bins over the values' range: left and right edge, n, rows. The last bin
    holds its right edge (numpy's convention)."""
    numbers = numbers_of(values)
    if numbers.empty:
        return pd.DataFrame(columns=["left", "right", "n", "rows"])
    counts, edges = np.histogram(numbers.to_numpy(), bins=bins)
    which = np.clip(np.searchsorted(edges, numbers.to_numpy(), side="right") - 1, 0, bins - 1)
    records = [
        {
            "left": float(edges[i]),
            "right": float(edges[i + 1]),
            "n": int(counts[i]),
            "rows": numbers.index[which == i].to_numpy(),
        }
        for i in range(bins)
    ]
    return pd.DataFrame(records)


def _aligned(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    common = a.index.intersection(b.index)
    return a.loc[common], b.loc[common]


def group_shares(values: pd.Series, groups: pd.Series) -> pd.DataFrame:
    """One row per (group, label): n (labelled rows in the group), k (with that label),
    share k/n with its 95% Wilson interval, rows (the k rows)."""
    labels, by = _aligned(labels_of(values), labels_of(groups))
    order = _order(labels.value_counts().index)
    records = []
    for group in by.value_counts().index:
        in_group = labels[by == group]
        n = len(in_group)
        for label in order:
            hit = in_group[in_group == label]
            low, high = wilson(len(hit), n)
            records.append(
                {
                    "group": group,
                    "label": label,
                    "n": n,
                    "k": len(hit),
                    "share": len(hit) / n,
                    "ci_low": low,
                    "ci_high": high,
                    "rows": hit.index.to_numpy(),
                }
            )
    return pd.DataFrame(
        records, columns=["group", "label", "n", "k", "share", "ci_low", "ci_high", "rows"]
    )


def group_means(values: pd.Series, groups: pd.Series) -> pd.DataFrame:
    """One row per group (largest first): n, mean with its 95% t interval, rows."""
    numbers, by = _aligned(numbers_of(values), labels_of(groups))
    records = []
    for group in by.value_counts().index:
        in_group = numbers[by == group]
        t = t_interval(in_group.to_numpy())
        records.append(
            {
                "group": group,
                "n": t.n,
                "mean": t.mean,
                "ci_low": t.ci_low,
                "ci_high": t.ci_high,
                "rows": in_group.index.to_numpy(),
            }
        )
    return pd.DataFrame(records, columns=["group", "n", "mean", "ci_low", "ci_high", "rows"])


def over_time(
    values: pd.Series, dates: pd.Series, freq: str = "month", label: str | None = None
) -> pd.DataFrame:
    """Per period (day, week or month; empty periods kept, with n = 0): with ``label``
    the share of the labelled rows that carry it (95% Wilson interval), else the mean
    of the numeric values (95% t interval). ``rows``: the rows counted (with ``label``,
    the rows carrying it)."""
    rule = FREQS[freq]
    when = dates_of(dates)
    data = labels_of(values) if label is not None else numbers_of(values)
    data, when = _aligned(data, when)
    columns = ["period", "n", "k", "value", "ci_low", "ci_high", "rows"]
    if data.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({"value": data, "when": when})
    records = []
    for period, part in frame.groupby(
        pd.Grouper(key="when", freq=rule, label="left", closed="left")
    ):
        n = len(part)
        if label is not None:
            hit = part[part["value"] == label]
            low, high = wilson(len(hit), n)
            records.append(
                {
                    "period": period,
                    "n": n,
                    "k": len(hit),
                    "value": len(hit) / n if n else np.nan,
                    "ci_low": low,
                    "ci_high": high,
                    "rows": hit.index.to_numpy(),
                }
            )
        else:
            t = t_interval(part["value"].to_numpy())
            records.append(
                {
                    "period": period,
                    "n": n,
                    "k": n,
                    "value": t.mean,
                    "ci_low": t.ci_low,
                    "ci_high": t.ci_high,
                    "rows": part.index.to_numpy(),
                }
            )
    out = pd.DataFrame(records, columns=columns)
    for c in ("value", "ci_low", "ci_high"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out


def period_name(period: pd.Timestamp, freq: str) -> str:
    """How a period reads on an axis: 2024-03-04, week of 2024-03-04, 2024-03."""
    if freq == "month":
        return period.strftime("%Y-%m")
    return period.strftime("%Y-%m-%d")


def confusion(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """One row per (label in a, label in b) over the rows labelled in both (zeros kept):
    n, share of those rows, rows."""
    left, right = _aligned(labels_of(a), labels_of(b))
    names = _order(pd.concat([left, right]).value_counts().index)
    records = []
    total = len(left)
    for x in names:
        for y in names:
            hit = left.index[(left == x).to_numpy() & (right == y).to_numpy()]
            records.append(
                {
                    "a": x,
                    "b": y,
                    "n": len(hit),
                    "share": len(hit) / total if total else np.nan,
                    "rows": hit.to_numpy(),
                }
            )
    return pd.DataFrame(records, columns=["a", "b", "n", "share", "rows"])


# -- sentiment on one signed axis ------------------------------------------------------

SIGNED_AXIS = "Mean sentiment (P(pos) − P(neg), −1 to 1)"
SIGNED_AXIS_5 = "Mean sentiment (probability-weighted valence, −1 to 1)"
LABELS_AXIS = "Net sentiment from labels (−1 to 1)"
MIXED_AXIS = "Mean sentiment (P(pos) − P(neg), else the label's valence; −1 to 1)"
CONFIDENCE_NAME = "Model confidence in its label"


def label_valence(labels: pd.Series, scheme) -> pd.Series:
    """Each row's sentiment label as a number, the labels' net valence: positive +1,
    neutral 0, negative −1; on the 5-point scale very negative −1, negative −0.5, neutral
    0, positive 0.5, very positive 1 (``scheme``: the run's labels, which say the scale; a
    5-point run's "negative" is −0.5 even where no row is "very" anything). Case is
    ignored; rows without a label, or with one outside the scheme, are left out. Raises
    ``LlmstudioError`` when a label of the scheme has no valence (a scheme of one's own)."""
    from .bias.score import valence_of

    table = {k.lower(): v for k, v in valence_of(tuple(scheme)).items()}
    present = labels_of(labels)
    out = present.str.strip().str.lower().map(table)
    return out[out.notna()].astype(float)


def has_valence(scheme) -> bool:
    """Whether every label of a sentiment run's ``scheme`` has a valence (the 3- and
    5-point scales; not labels of one's own), so that its mean sentiment can be charted."""
    from .bias.score import valence_of
    from .errors import LlmstudioError

    try:
        return bool(valence_of(tuple(scheme)))
    except LlmstudioError:
        return False


@dataclass(frozen=True)
class SignedSentiment:
    """A sentiment run's signed score per row, what a mean-sentiment chart averages: the
    model's ``<task>_valence`` (P(positive) − P(negative), or the 5-point scale's
    probability-weighted valence) where the row has one, else its label's net valence
    (:func:`label_valence`: old runs, generative models without probabilities)."""

    labels: pd.Series
    valence: pd.Series | None
    scheme: tuple[str, ...]

    def values(self) -> tuple[pd.Series, int, int]:
        """(the signed score by row id, rows from probabilities, rows from labels)."""
        from_labels = label_valence(self.labels, self.scheme)
        given = numbers_of(self.valence) if self.valence is not None else pd.Series(dtype=float)
        rest = from_labels[~from_labels.index.isin(given.index)]
        out = pd.concat([given, rest]).sort_index()
        return out, len(given), len(rest)

    def axis(self, from_probabilities: int, from_labels: int) -> str:
        """The mean's axis title: which of the two the numbers are."""
        return signed_axis(self.scheme, from_probabilities, from_labels)


def signed_axis(scheme, from_probabilities: int, from_labels: int) -> str:
    """The axis title of a mean of :class:`SignedSentiment` values: from probabilities
    ("Mean sentiment (P(pos) − P(neg), −1 to 1)"), from labels ("Net sentiment from
    labels (−1 to 1)"), or both."""
    if from_labels and not from_probabilities:
        return LABELS_AXIS
    if from_probabilities and not from_labels:
        return SIGNED_AXIS_5 if five_point(scheme) else SIGNED_AXIS
    return MIXED_AXIS if from_labels else SIGNED_AXIS

"""A table cell as plain text: the one rule every reader of the corpus follows.

A missing cell (None, NaN, pd.NA, NaT) is the empty text, never "nan" or "<NA>"; anything
else is ``str(value)``. What a model is sent, what the window shows of a row and what
the exports write as text all go through here, so they agree. Structures (lists, dicts,
binary) as JSON or base64 are :func:`llmstudio.core.nested.structure_text`.
"""

from __future__ import annotations

import pandas as pd


def is_missing(value) -> bool:
    """Whether a single cell holds no value (None, NaN, pd.NA, NaT; a text never is)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def as_text(value) -> str:
    """One cell as text: "" when missing, else ``str(value)``."""
    return "" if is_missing(value) else str(value)


def cell_text(values: pd.Series, row_id: int) -> str:
    """Row ``row_id`` (by position) of a column as text (:func:`as_text`)."""
    return as_text(values.iat[row_id])

"""A cell as text (core/cells.py): the one rule for what a model is sent, what the window
shows and what the exports write, so a missing value is never the text "nan"."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llmstudio.core.cells import as_text, cell_text, is_missing


@pytest.mark.parametrize("value", [None, math.nan, np.float64("nan"), pd.NA, pd.NaT])
def test_every_kind_of_missing_is_the_empty_text(value):
    assert is_missing(value)
    assert as_text(value) == ""


@pytest.mark.parametrize(
    ("value", "text"), [("", ""), ("nan", "nan"), (" a ", " a "), (0, "0"), (2.5, "2.5")]
)
def test_a_value_is_its_str(value, text):
    assert not is_missing(value)
    assert as_text(value) == text  # a text "nan" stays a text, and spaces stay


def test_cell_text_reads_by_position_not_label():
    column = pd.Series(["first", None, 7], index=[10, 20, 30])
    assert [cell_text(column, i) for i in range(3)] == ["first", "", "7"]

"""Which result columns the table may hide while they have nothing to tell."""

import pandas as pd
import pytest

from llmstudio.core.results import says_nothing


@pytest.mark.parametrize(
    "name, values, quiet",
    [
        ("sentiment_error", [None, None], True),  # no row failed
        ("sentiment_error", [None, "HTTP 500"], False),
        ("sentiment_valence", [None, None], True),  # the lexicon gives none
        ("sentiment_valence", [0.2, None], False),
        ("sentiment_chunks", [1, 1, None], True),  # every text fit
        ("sentiment_chunks_run2", [1, 3], False),  # one text was split
        ("code_truncated_2", [0, 0], True),
        ("code_truncated", [0, 1], False),  # one text was cut
        ("sentiment_label", [None, None], False),  # labels always tell
        ("sentiment_score", [None], False),
    ],
)
def test_only_markers_errors_and_valence_can_say_nothing(name, values, quiet):
    assert says_nothing(name, pd.Series(values, dtype=object)) is quiet

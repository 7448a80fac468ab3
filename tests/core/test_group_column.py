"""The column a stratified sample proposes: a category, never an id or the texts."""

from __future__ import annotations

import pandas as pd

from llmstudio.core.corpus import read_table
from llmstudio.core.paths import sample_corpus
from llmstudio.core.sampling import default_group_column, group_counts, stratified_sample


def test_the_sample_corpus_proposes_its_party_column():
    frame = read_table(sample_corpus()).frame
    counts = group_counts(frame)
    assert counts["response_id"] == len(frame) and counts["wave"] == 4
    # response_id (one per row), date (211), wave (numbers) and text are passed over.
    assert default_group_column(frame, "text") == "group"


def test_group_counts_match_the_groups_a_stratified_sample_makes():
    values = ["a", "b", None, " ", "a", "c"]
    frame = pd.DataFrame({"g": values})
    sample = stratified_sample(values, 1, column="g")
    assert group_counts(frame)["g"] == len(sample.groups) == 4  # "(missing)" is one


def test_no_category_no_proposal_and_numbers_only_as_a_last_resort():
    ids = [f"r{i}" for i in range(20)]
    assert default_group_column(pd.DataFrame({"id": ids, "text": ids}), "text") is None
    one = pd.DataFrame({"id": ids, "same": ["x"] * 20})
    assert default_group_column(one, None) is None  # one group: nothing to stratify
    many = pd.DataFrame(
        {"id": ids, "n": [str(i % 60) for i in range(20)], "wave": [str(i % 3) for i in range(20)]}
    )
    assert default_group_column(many, None) == "wave"  # numbers, but few groups
    # A word shifted into a column of numbers (a malformed line) keeps it a number column.
    shifted = pd.DataFrame(
        {"rating": ["8.1"] * 19 + ["video.movie"], "type": ["movie"] * 10 + ["series"] * 10}
    )
    assert default_group_column(shifted, None) == "type"

"""Retrieval of coded passages: a code with its children or not, a coder, a metadata
filter, row codes as whole texts, context cut at sentence and word edges, astral
characters, the export table, and clear errors for an unknown code, coder or column."""

from __future__ import annotations

import pytest

from llmstudio.core import passages as ps
from llmstudio.core import retrieval as rt
from llmstudio.core.errors import ProjectError

from helpers.retrieval import BOOK, TEXTS, make_project


@pytest.fixture
def project(tmp_path):
    p = make_project(tmp_path / "r.llmstudio")
    yield p
    p.close()


def keys(items):
    return [(i.row_id, i.coder, i.code, i.kind) for i in items]


def test_a_parent_brings_its_children_and_row_codes_unless_asked_not_to(project):
    items = rt.retrieve(project, BOOK, rt.Query("Issues", "Housing"))
    assert keys(items) == [
        (0, "ana", "Rents", "whole text"),
        (2, "ana", "Landlords", "passage"),
        (3, "ana", "Housing", "whole text"),
        (4, "ben", "Rents", "passage"),
    ]
    alone = rt.retrieve(project, BOOK, rt.Query("Issues", "Housing", children=False))
    assert keys(alone) == [(3, "ana", "Housing", "whole text")]
    only_passages = rt.retrieve(project, BOOK, rt.Query("Issues", "Housing", kinds=(rt.PASSAGE,)))
    assert keys(only_passages) == [
        (2, "ana", "Landlords", "passage"),
        (4, "ben", "Rents", "passage"),
    ]
    assert rt.count_text(items) == "2 passages and 2 whole texts in 4 rows"
    assert rt.count_text(only_passages) == "2 passages in 2 rows"


def test_coder_and_filter_narrow_the_items(project):
    ben = rt.retrieve(project, BOOK, rt.Query("Issues", coder="ben"))
    assert keys(ben) == [
        (0, "ben", "Health", "passage"),
        (4, "ben", "Rents", "passage"),
        (5, "ben", "Transport", "passage"),
    ]
    party_a = rt.Query("Issues", where=rt.Filter("party", "equals", ("A",)))
    assert {i.row_id for i in rt.retrieve(project, BOOK, party_a)} == {0, 2, 4}
    one_of = rt.Query("Issues", where=rt.Filter("party", "one of", ("B", "")))  # "" = missing
    assert {i.row_id for i in rt.retrieve(project, BOOK, one_of)} == {1, 3, 5}
    wave = rt.Query("Issues", "Housing", where=rt.parse_where("wave=2", ["party", "wave"]))
    assert {i.row_id for i in rt.retrieve(project, BOOK, wave)} == {2, 3, 4}
    contains = rt.Query("Issues", where=rt.Filter("text", "contains", ("LANDLORD",)))
    assert {i.row_id for i in rt.retrieve(project, BOOK, contains)} == {0, 2}


def test_a_passage_carries_its_exact_text_memo_and_context(project):
    (item,) = rt.retrieve(project, BOOK, rt.Query("Issues", "Landlords"))
    assert item.text == "landlord 😡"  # the emoji is one str index: nothing cut in half
    assert TEXTS[2][item.start : item.end] == item.text
    assert item.context == ("My ", " raised the rent twice this year.")
    (rent,) = rt.retrieve(project, BOOK, rt.Query("Issues", "Rents", kinds=(rt.PASSAGE,)))
    assert (rent.text, rent.memo, rent.context[0]) == ("Rent", "short", "")
    (whole,) = rt.retrieve(project, BOOK, rt.Query("Issues", "Rents", coder="ana"))
    assert whole.context == ("", "")
    assert (whole.text, whole.start, whole.end, whole.memo) == (
        TEXTS[0],
        0,
        len(TEXTS[0]),
        "doubling",
    )
    # A removed passage is not retrieved.
    (health,) = rt.retrieve(project, BOOK, rt.Query("Issues", "Health", kinds=(rt.PASSAGE,)))
    ps.remove(project, health.passage_id)
    assert rt.retrieve(project, BOOK, rt.Query("Issues", "Health", kinds=(rt.PASSAGE,))) == []


def test_context_stops_at_a_sentence_and_cuts_at_a_word():
    text = "First sentence here. Then the passage sits in the middle of it! And more after."
    start = text.index("passage")
    assert rt.context(text, start, start + 7) == ("Then the ", " sits in the middle of it!")
    long = " ".join(f"word{i}" for i in range(60))
    start = long.index("word30")
    before, after = rt.context(long, start, start + 6, chars=20)
    assert before.startswith("…") and not before[1:].startswith("ord")  # whole words only
    assert before.endswith(" ") and len(before) <= 21
    assert after.endswith("…") and after.startswith(" word31")
    assert rt.context("abc", 0, 3) == ("", "")  # the text's own edges are no cut
    cjk = "第一句。房租太高了，我们搬走了。第三句。"
    start = cjk.index("房租")
    assert rt.context(cjk, start, start + 2) == ("", "太高了，我们搬走了。")
    emoji = "😡" * 100
    before, after = rt.context(emoji, 50, 51, chars=10)
    assert before == "…" + "😡" * 10 and after == "😡" * 10 + "…"  # one long word: its tail


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (rt.Query("Issues", "Parking"), "has no code 'Parking'"),
        (rt.Query("Issues", coder="carl"), "nobody called 'carl'"),
        (rt.Query("Issues", where=rt.Filter("region", "equals", ("x",))), "no column 'region'"),
    ],
)
def test_unknown_code_coder_or_column_is_named(project, query, message):
    with pytest.raises(ProjectError, match=message):
        rt.retrieve(project, BOOK, query)


def test_where_needs_an_operator_and_a_known_column():
    assert rt.parse_where("party=A|B", ["party"]) == rt.Filter("party", "one of", ("A", "B"))
    assert rt.parse_where("party~gre", ["party"]) == rt.Filter("party", "contains", ("gre",))
    with pytest.raises(ProjectError, match="write COLUMN=VALUE"):
        rt.parse_where("party", ["party"])
    with pytest.raises(ProjectError, match="no column 'region'.*party"):
        rt.parse_where("region=x", ["party"])


def test_the_export_table_has_readable_columns_and_the_rows_metadata(project):
    items = rt.retrieve(project, BOOK, rt.Query("Issues", "Transport"))
    frame = rt.export_frame(project, items)
    assert list(frame.columns) == [*rt.EXPORT_COLUMNS.values(), "party", "wave"]
    assert frame["Row"].tolist() == [2, 6]  # 1-based, as the table numbers rows
    assert frame["Passage"].tolist() == [TEXTS[1], "the trains are late"]
    assert frame["party"].tolist()[0] == "B" and frame["wave"].tolist() == [1, 1]

"""Agreement on passages over characters: hand-computed tables, the ``krippendorff``
package on the character units, the row-code functions where they must agree (whole-text
passages on texts of equal length), rows resampled (not characters), and the project's
rule for which rows count."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import StatsError
from llmstudio.core.passage_agreement import agreement_on_passages, looked_at
from llmstudio.core.project import Project
from llmstudio.core.stats import agreement, cohen_kappa, krippendorff_alpha
from llmstudio.core.stats.passage_agreement import RowSpans, coverage, passage_agreement

# Three rows of ten characters, hand-counted:
#   row 0: a marks 0-5, b marks 2-6 -> both 3 (2,3,4), a only 2, b only 1, neither 4
#   row 1: a marks nothing, b the whole row -> b only 10
#   row 2: both mark the whole row -> both 10
ROWS = [
    RowSpans(10, [[(0, 5)], [(2, 6)]]),
    RowSpans(10, [[], [(0, 10)]]),
    RowSpans(10, [[(0, 3), (2, 10)], [(0, 10)]]),  # a's overlapping passages count once
    RowSpans(7, [[(0, 7)], None]),  # b never looked at this row: it does not count
]


def test_two_coders_hand_computed():
    result = passage_agreement(ROWS, ["a", "b"], "x", n_resamples=0)
    pair = result.pairs[0]
    assert (pair.rows, pair.characters) == (3, 30)
    assert (pair.both, pair.first_only, pair.second_only, pair.neither) == (13, 2, 11, 4)
    assert pair.percent_agreement.value == pytest.approx(17 / 30)
    # p_a(coded) = 15/30, p_b(coded) = 24/30: chance .5*.8 + .5*.2 = .5
    assert pair.cohen_kappa.value == pytest.approx((17 / 30 - 0.5) / 0.5)
    assert pair.positive_agreement.value == pytest.approx(2 * 13 / (15 + 24))
    # alpha: 60 values, 39 coded, 21 not, 26 disagreeing coincidences
    assert pair.krippendorff_alpha.value == pytest.approx(1 - 59 * 26 / (2 * 39 * 21))
    assert result.krippendorff_alpha.value == pytest.approx(pair.krippendorff_alpha.value)
    assert (result.rows, result.characters) == (3, 30)


def characters(rows, coder):
    """One value per character of every row (NaN where the coder did not look)."""
    out = []
    for row in rows:
        spans = row.spans[coder]
        if spans is None:
            out += [np.nan] * row.length
        else:
            out += coverage(row.length, spans).astype(float).tolist()
    return out


def test_alpha_matches_the_krippendorff_package_with_three_coders():
    rng = np.random.default_rng(4)
    rows = []
    for _ in range(12):
        length = int(rng.integers(5, 30))
        spans = []
        for _coder in range(3):
            if rng.random() < 0.2:
                spans.append(None)
                continue
            start = int(rng.integers(0, length - 1))
            spans.append([(start, int(rng.integers(start + 1, length + 1)))])
        rows.append(RowSpans(length, spans))
    result = passage_agreement(rows, ["a", "b", "c"], n_resamples=0)
    data = np.array([characters(rows, j) for j in range(3)])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert result.krippendorff_alpha.value == pytest.approx(expected)
    assert len(result.pairs) == 3
    for pair, (i, j) in zip(result.pairs, [(0, 1), (0, 2), (1, 2)]):
        both = ~np.isnan(data[i]) & ~np.isnan(data[j])
        a, b = data[i][both], data[j][both]
        assert pair.cohen_kappa.value == pytest.approx(cohen_kappa(a.tolist(), b.tolist()))
        assert pair.krippendorff_alpha.value == pytest.approx(
            krippendorff.alpha(reliability_data=np.array([a, b]), level_of_measurement="nominal")
        )


def test_whole_text_passages_on_equal_texts_equal_row_codes():
    """A passage over the whole text is a row code: with texts of one length, the
    character statistics are the row statistics of the code (applies or not)."""
    a = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1]
    b = [1, 0, 0, 0, 1, 1, 1, 1, 0, 0]
    rows = [RowSpans(8, [[(0, 8)] if x else [], [(0, 8)] if y else []]) for x, y in zip(a, b)]
    result = passage_agreement(rows, ["a", "b"], n_resamples=200, seed=3)
    by_row = agreement([a, b], ["a", "b"], n_resamples=200, seed=3)
    pair = result.pairs[0]
    assert pair.cohen_kappa.value == pytest.approx(cohen_kappa(a, b))
    # alpha's small-sample correction counts values (characters): the row codes with
    # each row repeated once per character give the same alpha
    assert pair.krippendorff_alpha.value == pytest.approx(
        krippendorff_alpha([np.repeat(a, 8).tolist(), np.repeat(b, 8).tolist()])
    )
    assert pair.krippendorff_alpha.value != pytest.approx(krippendorff_alpha([a, b]))
    assert pair.percent_agreement.value == pytest.approx(by_row.percent_agreement.value)
    # the same rows resampled with the same seed: the same intervals as the row codes
    assert pair.cohen_kappa.ci_low == pytest.approx(by_row.cohen_kappa.ci_low)
    assert pair.cohen_kappa.ci_high == pytest.approx(by_row.cohen_kappa.ci_high)
    assert pair.positive_agreement.value == pytest.approx(by_row.per_code["1"]["f1"].value)


def test_intervals_resample_rows_not_characters():
    """One long row where the coders agree and one where they do not: resampling rows
    gives resamples of all-agreement and all-disagreement, so the interval of percent
    agreement spans 0 to 1; resampling characters would give a narrow one."""
    rows = [RowSpans(1000, [[(0, 1000)], [(0, 1000)]]), RowSpans(1000, [[(0, 1000)], []])]
    pair = passage_agreement(rows, ["a", "b"], n_resamples=500, seed=1).pairs[0]
    assert pair.percent_agreement.value == pytest.approx(0.5)
    assert pair.percent_agreement.ci_low == 0.0
    assert pair.percent_agreement.ci_high == 1.0
    assert pair.percent_agreement.n == 2  # n is rows


def test_nobody_coded_the_code_is_undefined_not_perfect():
    rows = [RowSpans(5, [[], []]), RowSpans(6, [[], []])]
    pair = passage_agreement(rows, ["a", "b"], n_resamples=50).pairs[0]
    assert pair.percent_agreement.value == 1.0
    assert math.isnan(pair.cohen_kappa.value)
    assert math.isnan(pair.positive_agreement.value)
    assert pair.cohen_kappa.text() == "undefined"


def test_a_pair_with_no_common_row_is_left_out_not_perfect():
    # b and c never looked at the same row: their pair has nothing to compare
    rows = [RowSpans(5, [[(0, 2)], [(0, 2)], None]), RowSpans(6, [[(0, 3)], None, [(1, 3)]])]
    result = passage_agreement(rows, ["a", "b", "c"], n_resamples=0)
    assert [p.coders for p in result.pairs] == [("a", "b"), ("a", "c")]
    assert result.pairs_left_out == [("b", "c")]
    assert result.to_dict()["pairs_left_out"] == [
        {"coders": ["b", "c"], "reason": "no row both coders looked at"}
    ]


def test_bad_input_says_what_is_wrong():
    with pytest.raises(StatsError, match="two coders"):
        passage_agreement(ROWS, ["a"])
    with pytest.raises(StatsError, match="no row was looked at by two"):
        passage_agreement([RowSpans(5, [[(0, 1)], None])], ["a", "b"])
    with pytest.raises(StatsError, match="outside its text"):
        passage_agreement([RowSpans(5, [[(0, 9)], []])], ["a", "b"])


# -- in a project -------------------------------------------------------------------------

TEXTS = ["Rents doubled.", "Buses 😡 late.", "Nothing here.", "Potholes."]
BOOK = Codebook(codes=(Code("Housing"), Code("Rents", parent="Housing"), Code("Transport")))


@pytest.fixture
def project(tmp_path):
    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    with Project.create(
        tmp_path / "p.llmstudio", Corpus(frame=frame, text_column="text", source="t.csv")
    ) as p:
        p.save_codebook(BOOK)
        yield p


def test_rows_count_when_both_coders_looked_at_them(project):
    name = BOOK.name
    ps.add(project, BOOK, "ana", 0, 0, 5, "Rents")
    ps.add(project, BOOK, "ben", 0, 0, 5, "Rents")
    ps.add(project, BOOK, "ana", 1, 0, 5, "Transport")  # ben never looked at row 1
    hc.record(project, BOOK, "ana", 2, [])  # both looked at row 2 and marked nothing
    hc.record(project, BOOK, "ben", 2, ["Transport"])
    gone = ps.add(project, BOOK, "ben", 3, 0, 3, "Transport")
    ps.remove(project, gone.id)  # a removed passage still says ben looked at row 3
    ps.add(project, BOOK, "ana", 3, 0, 9, "Transport")
    assert looked_at(project, name, "ben") == {0, 2, 3}
    found = {c.code: c for c in agreement_on_passages(project, BOOK, n_resamples=0)}
    rents = found["Rents"].result.pairs[0]
    # rows 0, 2, 3: 14 + 13 + 9 characters; Rents 0-5 by both in row 0
    assert (rents.rows, rents.characters, rents.both) == (3, 36, 5)
    assert rents.percent_agreement.value == 1.0
    transport = found["Transport"].result.pairs[0]
    assert (transport.both, transport.first_only, transport.second_only) == (0, 9, 0)
    # Housing has no passage of its own: not used, no statistics (not a perfect 1.000);
    # with children it takes Rents'
    assert not found["Housing"].used and found["Housing"].result is None
    assert found["Housing"].problem == "not used by these coders"
    assert found["Housing"].to_dict() == {
        "code": "Housing",
        "used": False,
        "problem": "not used by these coders",
    }
    assert found["Rents"].used and found["Rents"].to_dict()["used"] is True
    housing = agreement_on_passages(project, BOOK, codes=["Housing"], children=True)[0]
    assert housing.result.pairs[0].both == 5


def test_project_problems_are_said(project):
    ps.add(project, BOOK, "ana", 0, 0, 5, "Rents")
    with pytest.raises(StatsError, match="two coders with passages"):
        agreement_on_passages(project, BOOK)
    with pytest.raises(StatsError, match="'Nope' not in codebook"):
        agreement_on_passages(project, BOOK, ["ana", "ben"], codes=["Nope"])
    with pytest.raises(StatsError, match="'ben' coded no row"):
        agreement_on_passages(project, BOOK, ["ana", "ben"])
    ps.add(project, BOOK, "ben", 1, 0, 5, "Rents")  # no row both looked at
    found = {c.code: c for c in agreement_on_passages(project, BOOK, n_resamples=0)}
    rents = found["Rents"]
    assert rents.used and rents.result is None and "no row was looked at by two" in rents.problem


def test_the_methods_record_names_the_method_and_numbers(project, tmp_path):
    from llmstudio.core.methods import write_methods

    ps.add(project, BOOK, "ana", 0, 0, 5, "Rents")
    ps.add(project, BOOK, "ben", 0, 0, 5, "Rents")
    hc.record(project, BOOK, "ana", 1, [])
    hc.record(project, BOOK, "ben", 1, [])
    out = write_methods(project, tmp_path / "methods.md", n_resamples=50)
    text = out.read_text(encoding="utf-8")
    section = text[text.index("## Agreement on passages") :]
    assert "unit = character" in section and "resample rows" in section
    # Rents: rows 0 and 1, 14 + 13 characters, perfect agreement
    assert f"| {BOOK.name} | Rents | ana / ben | 2 | 27 | 1.000" in section
    assert "| Housing | - | - | - | not used by these coders |" in section
    assert "| Housing | - | - | - | 1.000" not in section
    paragraph = text[text.index("## Suggested methods paragraph") :]
    assert "Passages coded 'Rents'" in paragraph and "27 characters of 2 texts" in paragraph
    assert "Cohen's kappa = 1.00" in paragraph


def test_no_passages_no_section(project, tmp_path):
    from llmstudio.core.methods import write_methods

    hc.record(project, BOOK, "ana", 1, ["Rents"])
    text = write_methods(project, tmp_path / "m.md", n_resamples=0).read_text(encoding="utf-8")
    assert "Agreement on passages" not in text

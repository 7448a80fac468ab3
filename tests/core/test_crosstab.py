"""The code x metadata crosstab on a small project counted by hand: rows (a parent a
subtotal that counts a row once), passages, one coder, a model run, row and column
shares, totals, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from llmstudio.core import crosstab as ct
from llmstudio.core.codebook import Codebook
from llmstudio.core.errors import ProjectError
from llmstudio.core.project import Project

from helpers.code_runs import add_code_run
from helpers.retrieval import BOOK, make_project


@pytest.fixture
def project(tmp_path):
    p = make_project(tmp_path / "r.llmstudio")
    yield p
    p.close()


def cells(table, code):
    return table.counts[table.codes.index(code)].tolist()


def test_rows_of_all_coders_by_party_counted_by_hand(project):
    # Rows' codes, all coders: 0 {Rents, Health} A; 1 {Transport, Health} B;
    # 2 {none, Landlords} A; 3 {Housing} B; 4 {Rents} A; 5 {Transport} missing.
    t = ct.crosstab(project, BOOK, "party")
    assert t.groups == ("A", "B", ct.MISSING)
    assert t.codes == ("Housing", "Rents", "Landlords", "Transport", "Health")
    assert t.depth == (0, 1, 1, 0, 0) and t.parent == (True, False, False, False, False)
    assert cells(t, "Housing") == [3, 1, 0]  # rows 0, 2, 4 and 3: a subtotal, once per row
    assert cells(t, "Rents") == [2, 0, 0]
    assert cells(t, "Landlords") == [1, 0, 0]
    assert cells(t, "Transport") == [0, 1, 1]
    assert cells(t, "Health") == [1, 1, 0]
    assert t.group_totals.tolist() == [3, 2, 1] and t.total == 6
    assert t.code_totals.tolist() == [4, 2, 1, 2, 2]
    assert t.colors[t.codes.index("Health")] == "#ff0000"
    assert t.rows_in(t.codes.index("Housing"), 0).tolist() == [0, 2, 4]  # what a click shows
    assert t.rows_in(t.codes.index("Housing"), 1).tolist() == [3]
    assert any("parent code is a subtotal" in n for n in t.notes)


def test_shares_of_row_and_column_totals(project):
    t = ct.crosstab(project, BOOK, "party")
    rows = t.table("row")
    housing = rows[rows["Code"] == "Housing"].iloc[0]
    assert (housing["A"], housing["B"], housing["Total"]) == (75.0, 25.0, 100.0)
    columns = t.table("column")
    housing = columns[columns["Code"] == "Housing"].iloc[0]
    assert (housing["A"], housing["B"], housing[ct.MISSING]) == (100.0, 50.0, 0.0)
    assert housing["Total"] == pytest.approx(66.7)  # 4 of 6 coded texts
    last = columns.iloc[-1]
    assert (last["Code"], last["A"], last["Total"]) == ("All coded texts", 100.0, 100.0)
    counts = t.table()
    assert counts.columns.tolist() == ["Code", "Under", "A", "B", ct.MISSING, "Total"]
    assert counts["Under"].tolist() == ["", "Housing", "Housing", "", "", ""]
    assert counts.iloc[-1][["A", "B", ct.MISSING, "Total"]].tolist() == [3, 2, 1, 6]


def test_one_coder_and_passages(project):
    ana = ct.crosstab(project, BOOK, "party", ct.CodeSource(coder="ana", name="ana"))
    assert cells(ana, "Housing") == [2, 1, 0]  # rows 0 and 2 (A), 3 (B)
    assert ana.group_totals.tolist() == [2, 2, 0]
    p = ct.crosstab(project, BOOK, "party", unit=ct.PASSAGES)
    # Passages: Landlords row 2 (A), Rents row 4 (A), Transport row 5 (missing), Health row 0 (A).
    assert cells(p, "Housing") == [2, 0, 0] and cells(p, "Transport") == [0, 0, 1]
    assert p.group_totals.tolist() == [3, 0, 1] and p.total_name == "All passages"
    assert p.rows_in(p.codes.index("Housing"), 0).tolist() == [2, 4]
    share = p.table("column")
    assert np.isnan(share[share["Code"] == "Housing"].iloc[0]["B"])  # no passages in B: no share


def test_numbers_as_groups_in_numeric_order_and_a_model_run(tmp_path):
    path = tmp_path / "r.llmstudio"
    make_project(path).close()
    single = Codebook(codes=BOOK.codes, name="Single")
    with Project.open(path) as p:
        p.save_codebook(single)
    add_code_run(path, single, {0: "Rents", 1: "Transport", 2: "Landlords", 3: "Housing"})
    with Project.open(path) as p:
        runs = [s for s in ct.sources(p, single) if s.run_id is not None]
        assert [s.name for s in runs] == ["model builtin (run 1)"]
        t = ct.crosstab(p, single, "wave", runs[0])
        assert t.groups == ("1", "2")
        assert cells(t, "Housing") == [1, 2] and cells(t, "Transport") == [1, 0]
        with pytest.raises(ProjectError, match="whole texts, not passages"):
            ct.crosstab(p, single, "wave", runs[0], unit=ct.PASSAGES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "region"}, "no column 'region'"),
        ({"by": "text"}, "6 different values"),
        ({"by": "party", "source": ct.CodeSource(coder="carl")}, "nobody called 'carl'"),
        ({"by": "party", "unit": "words"}, "count rows or passages"),
    ],
)
def test_errors_name_what_is_wrong(project, kwargs, message, monkeypatch):
    monkeypatch.setattr(ct, "MAX_GROUPS", 5)
    with pytest.raises(ProjectError, match=message):
        ct.crosstab(project, BOOK, **kwargs)

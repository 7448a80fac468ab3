"""Samples of rows to code (drawn again from the seed, stored in the project for every
coder) and the coding panel's filters, without Qt."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core import passages, sampling
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import ProjectError
from llmstudio.core.project import Project

BOOK = Codebook(
    codes=(Code("Housing"), Code("Transport"), Code("Health")), name="Issues", none_option=True
)
MULTI = Codebook(codes=BOOK.codes, name="Issues (multi)", multi_label=True)
ROWS = 30


def corpus(rows: int = ROWS) -> Corpus:
    frame = pd.DataFrame(
        {
            "text": pd.array([f"text {i}" for i in range(rows)], dtype="str"),
            "party": pd.array(
                [("A", "B", "C")[i % 3] if i != 4 else None for i in range(rows)], dtype="str"
            ),
        }
    )
    return Corpus(frame=frame, text_column="text", source="answers.csv")


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "sample.llmstudio", corpus()) as p:
        p.save_codebook(BOOK)
        p.save_codebook(MULTI)
        yield p


def add_run(project, book: Codebook, outputs: dict[int, dict]) -> int:
    """A finished coding run as the runner stores it (task "code", the codebook in its
    parameters, one JSON output per row)."""
    columns = (
        ["code_label", "code_score"]
        if not book.multi_label
        else [
            c for name in book.names for c in (f"code_{name.lower()}", f"code_{name.lower()}_score")
        ]
    )
    params = {"task": "code", "codebook": book.to_dict()}
    with project.db:
        cur = project.db.execute(
            "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column, "
            "columns, status, rows_total, created, finished) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                "k",
                "code",
                json.dumps(params),
                "builtin",
                json.dumps({"model": "builtin"}),
                "text",
                json.dumps(columns),
                "done",
                ROWS,
                "2026-01-01",
                "2026-01-01",
            ),
        )
        project.db.executemany(
            "INSERT INTO annotations (run_id, row_id, output) VALUES (?,?,?)",
            [(cur.lastrowid, r, json.dumps(o)) for r, o in outputs.items()],
        )
    return cur.lastrowid


def test_random_sample_is_drawn_again_from_its_seed():
    a = sampling.random_sample(1000, 50, seed=7)
    assert a == sampling.random_sample(1000, 50, seed=7)
    assert a.rows != sampling.random_sample(1000, 50, seed=8).rows
    assert len(set(a.rows)) == 50 and all(0 <= r < 1000 for r in a.rows)
    assert list(a.rows) != sorted(a.rows)  # coding order is shuffled, not file order
    assert a.describe() == "sample of 50 (seed 7)"
    assert sorted(sampling.random_sample(5, 50, seed=1).rows) == [0, 1, 2, 3, 4]
    with pytest.raises(ProjectError):
        sampling.random_sample(10, 0)


def test_stratified_sample_takes_n_from_each_group_missing_included():
    values = corpus().frame["party"]
    s = sampling.stratified_sample(values, 3, seed=2, column="party")
    assert set(s.groups) == {"A", "B", "C", "(missing)"}
    assert {k: len(v) for k, v in s.groups.items()} == {"A": 3, "B": 3, "C": 3, "(missing)": 1}
    for group, rows in s.groups.items():
        for r in rows:
            v = values[r]
            assert (v if isinstance(v, str) else "(missing)") == group
    assert sorted(s.rows) == sorted(r for rows in s.groups.values() for r in rows)
    assert s == sampling.stratified_sample(values, 3, seed=2, column="party")
    assert s.describe() == "stratified by party: 3 per group, 4 groups, 10 rows (seed 2)"


def test_a_sample_is_kept_in_the_project_per_codebook(project, tmp_path):
    s = sampling.random_sample(ROWS, 8, seed=1)
    sampling.save_sample(project, BOOK.name, s)
    assert sampling.load_sample(project, MULTI.name) is None
    path = project.path
    project.close()
    with Project.open(path) as again:
        assert sampling.load_sample(again, BOOK.name) == s
        assert any(
            action == "sample" and "sample of 8 (seed 1)" in detail
            for _, action, detail in again.history()
        )
        strat = sampling.stratified_sample(again.corpus().frame["party"], 2, 5, "party")
        sampling.save_sample(again, BOOK.name, strat)
        back = sampling.load_sample(again, BOOK.name)
        assert back == strat and back.groups == strat.groups and back.column == "party"
        sampling.clear_sample(again, BOOK.name)
        assert sampling.load_sample(again, BOOK.name) is None


def test_filters_follow_the_coder_and_the_sample(project):
    hc.record(project, BOOK, "ana", 3, ["Housing"])
    hc.record(project, BOOK, "ana", 5, ["Health"])
    hc.record(project, BOOK, "ana", 6, ["Health"])
    hc.record(project, BOOK, "ana", 6, [])  # uncoded again
    hc.record(project, BOOK, "ben", 7, ["Transport"])
    assert sampling.select_rows(project, BOOK, "ana", "all") == list(range(ROWS))
    assert sampling.select_rows(project, BOOK, "ana", "coded") == [3, 5]
    uncoded = sampling.select_rows(project, BOOK, "ana", "uncoded")
    assert 3 not in uncoded and 5 not in uncoded and 6 in uncoded and 7 in uncoded
    assert len(uncoded) == ROWS - 2
    sample = sampling.Sample("random", 4, 1, (9, 5, 3, 1))
    assert sampling.select_rows(project, BOOK, "ana", "all", sample=sample) == [9, 5, 3, 1]
    assert sampling.select_rows(project, BOOK, "ana", "uncoded", sample=sample) == [9, 1]
    assert sampling.select_rows(project, BOOK, "ana", "coded", sample=sample) == [5, 3]
    assert sampling.select_rows(project, BOOK, "ana", "disagree") == []  # no model
    with pytest.raises(ValueError):
        sampling.select_rows(project, BOOK, "ana", "mine")


def test_a_row_with_my_passages_is_coded_not_uncoded(project):
    hc.record(project, BOOK, "ana", 3, ["Housing"])
    passages.add(project, BOOK, "ana", 8, 0, 4, "Health")  # no row code, a passage
    passages.add(project, BOOK, "ben", 9, 0, 4, "Health")  # another coder's passage
    gone = passages.add(project, BOOK, "ana", 10, 0, 4, "Health")
    passages.remove(project, gone.id)  # taken back: uncoded again
    uncoded = sampling.select_rows(project, BOOK, "ana", "uncoded")
    assert 8 not in uncoded and 3 not in uncoded and {9, 10} <= set(uncoded)
    assert len(uncoded) == ROWS - 2
    assert sampling.select_rows(project, BOOK, "ana", "coded") == [3, 8]
    order = [8, 9, 3, 10]
    assert sampling.select_rows(project, BOOK, "ana", "suggested", order=order) == [9, 10]
    assert passages.by_row(project, BOOK.name, "ana") == {8: 1}


def test_disagreement_with_the_latest_coding_run_of_the_codebook(project):
    assert sampling.model_codes(project, BOOK) is None
    add_run(project, BOOK, {3: {"code_label": "Transport"}, 5: {"code_label": "Health"}})
    run = add_run(
        project,
        BOOK,
        {3: {"code_label": "housing"}, 5: {"code_label": "Transport"}, 8: {"code_label": "none"}},
    )
    model = sampling.model_codes(project, BOOK)
    assert model.run_id == run  # the latest run
    assert model.codes == {3: ("Housing",), 5: ("Transport",), 8: ("none",)}
    hc.record(project, BOOK, "ana", 3, ["Housing"])
    hc.record(project, BOOK, "ana", 5, ["Health"])
    hc.record(project, BOOK, "ana", 8, ["none"])
    assert sampling.select_rows(project, BOOK, "ana", "disagree", model=model) == [5]
    assert sampling.model_codes(project, MULTI) is None  # a run of another codebook


def test_multi_label_disagreement_compares_the_sets_of_codes(project):
    add_run(
        project,
        MULTI,
        {
            0: {"code_housing": 1, "code_transport": 0, "code_health": 1},
            1: {"code_housing": 0, "code_transport": 0, "code_health": 0},
            2: {"code_housing": 0, "code_transport": 1, "code_health": 0},
        },
    )
    model = sampling.model_codes(project, MULTI)
    assert model.codes == {0: ("Housing", "Health"), 1: ("none",), 2: ("Transport",)}
    hc.record(project, MULTI, "ana", 0, ["Health", "Housing"])
    hc.record(project, MULTI, "ana", 1, ["none"])
    hc.record(project, MULTI, "ana", 2, ["Transport", "Health"])
    assert sampling.select_rows(project, MULTI, "ana", "disagree", model=model) == [2]

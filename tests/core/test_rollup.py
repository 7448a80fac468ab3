"""Results on units rolled up to documents: shares and means worked out by hand on a
units corpus of 3 documents (3, 2 and 4 units), with a unit without a result, a
multi-label codebook (a run and a coder) and a column that varies within a document;
the document-level export read back (CSV, XLSX) and the methods record's section."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from llmstudio.core.errors import LlmstudioError
from llmstudio.core.methods import build_record
from llmstudio.core.project import Project
from llmstudio.core.rollup import has_documents, roll_up
from llmstudio.core.rollup_export import check_level, export_documents, project_rollup

from helpers.units_corpus import make_units_project, units_frame

SENT = "sentiment_label_run1"  # 8 of 9 units answered: not complete, so suffixed
CODE = "code_run2"
ANA = "human_issues_ana"


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    return make_units_project(tmp_path_factory.mktemp("rollup") / "units.llmstudio")


@pytest.fixture(scope="module")
def rollup(project_path):
    with Project.open(project_path) as p:
        return project_rollup(p)


def _column(rollup, name) -> list:
    return rollup.frame[name].tolist()


def _close(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e is None:
            assert g is None or (isinstance(g, float) and math.isnan(g))
        else:
            assert g == pytest.approx(e)


def test_one_row_per_document_with_units_and_metadata(rollup):
    f = rollup.frame
    assert _column(rollup, "document") == ["A", "B", "C"]
    assert _column(rollup, "units") == [3, 2, 4]
    assert _column(rollup, "party") == ["SPD", "CDU", "SPD"]
    assert _column(rollup, "year") == [2019, 2021, 2019]
    # speaker varies within B: left out and named; the units' own columns are no metadata
    assert "speaker" not in f.columns
    assert any("'speaker'" in note and "vary" in note for note in rollup.notes)
    for column in ("unit", "unit_start", "unit_end", "text"):
        assert column not in f.columns
        assert all(f"'{column}'" not in note for note in rollup.notes)


def test_sentiment_shares_and_mean_by_hand(rollup):
    # C's second unit has no result: 3 of 4 units count, it is not a zero
    assert _column(rollup, f"{SENT}: units with a result") == [3, 2, 3]
    _close(_column(rollup, f"{SENT}: share of units coded positive"), [1 / 3, 1.0, 0.0])
    _close(_column(rollup, f"{SENT}: share of units coded negative"), [1 / 3, 0.0, 2 / 3])
    _close(_column(rollup, f"{SENT}: share of units coded neutral"), [1 / 3, 0.0, 1 / 3])
    # A's neutral unit has no valence: its label's 0 is used
    _close(
        _column(rollup, f"{SENT}: mean signed sentiment"),
        [(0.8 - 0.6 + 0) / 3, (0.5 + 0.9) / 2, (-1.0 + 0.1 - 0.2) / 3],
    )
    about = {c.name: c.description for c in rollup.info}[f"{SENT}: mean signed sentiment"]
    assert "P(positive) − P(negative) for 7 units" in about
    assert "label's valence" in about and "for 1 unit without" in about
    assert "of sentiment by" in about and "run 1" in about  # which run it came from


def test_multi_label_run_each_code_its_own_share(rollup):
    assert _column(rollup, f"{CODE}: units with a result") == [3, 1, 4]
    _close(_column(rollup, f"{CODE}: share of units coded Housing & rent"), [2 / 3, 0.0, 0.5])
    _close(_column(rollup, f"{CODE}: share of units coded Transport"), [1 / 3, 1.0, 0.5])


def test_multi_label_coder_in_codebook_order(rollup):
    names = [c for c in rollup.frame.columns if c.startswith(ANA + ": share")]
    assert names == [
        f"{ANA}: share of units coded Housing & rent",
        f"{ANA}: share of units coded Transport",
        f"{ANA}: share of units coded none",
    ]
    assert _column(rollup, f"{ANA}: units with a result") == [1, 1, 1]
    _close(_column(rollup, names[0]), [1.0, 0.0, 0.0])
    _close(_column(rollup, names[1]), [1.0, 1.0, 0.0])
    _close(_column(rollup, names[2]), [0.0, 0.0, 1.0])


def test_a_document_without_any_result_has_empty_shares_not_zeros():
    frame = units_frame()
    frame["tone"] = ["a", "b", None, None, None, "a", "a", "b", None]
    from llmstudio.core.rollup import UnitResult

    r = roll_up(frame, [UnitResult("tone", "codes", ("tone",))], text_column="text")
    assert _column(r, "tone: units with a result") == [2, 0, 3]
    _close(_column(r, "tone: share of units coded a"), [0.5, None, 2 / 3])


def test_rows_per_document_and_missing_ids_said():
    frame = units_frame()
    frame.loc[8, "document"] = None
    r = roll_up(frame, text_column="text")
    assert r.rows["B"].tolist() == [3, 4]
    assert r.rows["C"].tolist() == [5, 6, 7]
    assert _column(r, "units") == [3, 2, 3]
    assert any("1 units have no document id" in n for n in r.notes)


def test_no_document_column_is_refused_with_what_to_do():
    frame = units_frame().drop(columns=["document"])
    with pytest.raises(LlmstudioError, match="no 'document' column.*party"):
        roll_up(frame)
    assert not has_documents(frame)
    assert has_documents(units_frame())
    assert not has_documents(units_frame().drop_duplicates("document"))


def test_export_csv_and_xlsx_read_back(project_path, tmp_path, rollup):
    with Project.open(project_path) as p:
        csv, _ = export_documents(p, tmp_path / "docs.csv")
        xlsx, _ = export_documents(p, tmp_path / "docs.xlsx")
        record = build_record(p, n_resamples=10).markdown(tmp_path)
    back = pd.read_csv(csv)
    assert list(back.columns) == list(rollup.frame.columns)
    assert back["document"].tolist() == ["A", "B", "C"]
    _close(back[f"{SENT}: mean signed sentiment"].tolist(), [0.2 / 3, 0.7, -1.1 / 3])
    book = pd.read_excel(xlsx, sheet_name=None)
    assert list(book) == ["data", "columns", "notes"]
    _close(book["data"][f"{CODE}: share of units coded Transport"].tolist(), [1 / 3, 1.0, 0.5])
    described = dict(zip(book["columns"]["column"], book["columns"]["description"]))
    assert "not counted as zeros" in described[f"{SENT}: units with a result"]
    assert any("speaker" in n for n in book["notes"]["note"])
    assert "## Results per document" in record
    assert "rolled 9 units up to 3 documents" in record and "not counted as zeros" in record


def test_document_level_refused_without_document_column(tmp_path):
    from llmstudio.core.corpus import Corpus

    frame = units_frame().drop(columns=["document"])
    with Project.create(tmp_path / "plain.llmstudio", Corpus(frame, "text")) as p:
        with pytest.raises(LlmstudioError, match="--level document needs a corpus with a"):
            check_level("document", p)
        check_level("unit", p)
        with pytest.raises(LlmstudioError, match="unknown level 'page'"):
            check_level("page", p)


def test_export_parquet_and_stata_read_back(project_path, tmp_path, rollup):
    with Project.open(project_path) as p:
        parquet, _ = export_documents(p, tmp_path / "docs.parquet")
        dta, _ = export_documents(p, tmp_path / "docs.dta")
    back = pd.read_parquet(parquet)
    assert back["units"].tolist() == [3, 2, 4]
    _close(back[f"{ANA}: share of units coded none"].tolist(), [0.0, 0.0, 1.0])
    with pd.io.stata.StataReader(dta) as reader:
        stata = reader.read()
        labels = reader.variable_labels()
    name = next(k for k, v in labels.items() if v == f"{SENT}: mean signed sentiment")
    _close(stata[name].tolist(), [0.2 / 3, 0.7, -1.1 / 3])


def test_a_wrong_suffix_is_refused_before_any_work(project_path, tmp_path):
    with Project.open(project_path) as p:
        with pytest.raises(LlmstudioError, match="unknown export format '.txt'"):
            export_documents(p, tmp_path / "docs.txt")
    assert not (tmp_path / "docs.txt").exists()

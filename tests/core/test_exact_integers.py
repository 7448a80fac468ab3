"""Integers stay exact from every reader through the project to every export.

Tweet and user ids are 17-19 digits; routed through float64 (ints with a missing cell),
12345678901234567 became 1.2345678901234568e+16 and 9007199254740993 became
9007199254740992.0 in every output.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llmstudio.core.annotated import STATA_INT_NOTE, export_annotated, write_stata
from llmstudio.core.backends import make_backend
from llmstudio.core.corpus import read_table
from llmstudio.core.export import export_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.search import matching_rows
from llmstudio.core.tasks import SentimentTask

BIG = 12345678901234567  # over 2**53: a double rounds it
ODD = 9007199254740993  # 2**53 + 1: the first integer a double cannot hold
IDS = [BIG, None, ODD]
JSONL = f'{{"id": {BIG}, "text": "good"}}\n{{"text": "no id"}}\n{{"id": {ODD}, "text": "bad"}}\n'


def ids(values) -> list:
    return [None if pd.isna(v) else v for v in values]


@pytest.fixture
def jsonl(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text(JSONL, encoding="utf-8")
    return path


@pytest.fixture
def parquet(tmp_path):
    path = tmp_path / "ids.parquet"
    pq.write_table(
        pa.table({"id": pa.array(IDS, pa.int64()), "text": ["good", "no id", "bad"]}), path
    )
    return path


def test_json_lines_keeps_large_integers_with_a_gap(jsonl):
    corpus = read_table(jsonl)
    assert ids(corpus.frame["id"]) == IDS
    assert corpus.frame["id"].dtype == "Int64"


def test_json_lines_integers_beyond_64_bits_are_kept_as_their_digits(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_text('{"id": 123456789012345678901234567890, "text": "a"}\n{"text": "b"}\n')
    corpus = read_table(path)
    assert ids(corpus.frame["id"]) == ["123456789012345678901234567890", None]
    assert any("64-bit" in str(p) for p in corpus.problems)


def test_json_lines_unsigned_64_bit_integers(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_text(f'{{"id": {2**64 - 1}, "text": "a"}}\n{{"text": "b"}}\n')
    assert ids(read_table(path).frame["id"]) == [2**64 - 1, None]


def test_json_lines_whole_and_fractional_numbers_stay_numbers(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text('{"x": 1, "text": "a"}\n{"x": 2.5, "text": "b"}\n')
    assert read_table(path).frame["x"].tolist() == [1.0, 2.5]


def test_parquet_nullable_int64_column(parquet):
    corpus = read_table(parquet)
    assert ids(corpus.frame["id"]) == IDS


def test_xlsx_integer_column_with_an_empty_cell_stays_integer(tmp_path):
    path = tmp_path / "ids.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["id", "text"], [123456789012345, "good"], [None, "no id"], [7, "bad"]):
        sheet.append(row)
    book.save(path)
    frame = read_table(path).frame
    assert ids(frame["id"]) == [123456789012345, None, 7]
    assert str(frame["id"].dtype) == "Int64"


def test_csv_ids_with_an_empty_cell_keep_their_digits(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text(f"id,text\n{BIG},good\n,no id\n{ODD},bad\n")
    assert read_table(path).frame["id"].tolist()[::2] == [str(BIG), str(ODD)]


def test_project_round_trip(jsonl, parquet, tmp_path):
    for source in (jsonl, parquet):
        path = tmp_path / f"{source.suffix[1:]}.llmstudio"
        with Project.create(path, read_table(source)):
            pass
        with Project.open(path) as project:
            assert ids(project.corpus().frame["id"]) == IDS


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_convert_exports_keep_integers(jsonl, tmp_path, suffix):
    out = export_table(read_table(jsonl).frame, tmp_path / f"out{suffix}")
    back = read_back(out)
    assert [str(v) for v in back["id"].dropna()] == [str(BIG), str(ODD)]


def read_back(path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".dta":
        return pd.read_stata(path)
    book = openpyxl.load_workbook(path)
    rows = list(book["data"].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_xlsx_writes_long_integers_as_text(jsonl, tmp_path):
    out = export_table(read_table(jsonl).frame, tmp_path / "out.xlsx")
    cells = [c.value for c in openpyxl.load_workbook(out)["data"]["A"]][1:]
    assert cells == [str(BIG), None, str(ODD)]  # text: Excel keeps 15 digits only


def test_xlsx_keeps_short_integers_as_numbers(tmp_path):
    frame = pd.DataFrame({"n": pd.array([42, None], dtype="Int64"), "text": ["a", "b"]})
    out = export_table(frame, tmp_path / "out.xlsx")
    assert [c.value for c in openpyxl.load_workbook(out)["data"]["A"]][1:] == [42, None]


@pytest.fixture
def annotated(jsonl, tmp_path):
    path = tmp_path / "p.llmstudio"
    with Project.create(path, read_table(jsonl)) as project:
        backend = make_backend("lexicon")
        run_job(project, SentimentTask(), backend, text_column="text")
        backend.close()
    return Project.open(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".dta"])
def test_annotated_exports_keep_integers(annotated, tmp_path, suffix):
    with annotated as project:
        out = export_annotated(project, tmp_path / f"out{suffix}")
    back = read_back(out)
    assert [str(v) for v in back["id"] if not pd.isna(v) and v != ""] == [str(BIG), str(ODD)]
    assert back["sentiment_label"].tolist() == ["positive", "negative", "negative"]


def test_annotated_xlsx_says_why_a_column_is_text(annotated, tmp_path):
    with annotated as project:
        out = export_annotated(project, tmp_path / "out.xlsx")
    rows = {r[0]: r[2] for r in openpyxl.load_workbook(out)["columns"].iter_rows(values_only=True)}
    assert "15 digits" in rows["id"]
    assert "15 digits" not in rows["text"]


def test_stata_labels_a_long_integer_column_written_as_text(annotated, tmp_path):
    with annotated as project:
        out = export_annotated(project, tmp_path / "out.dta")
    with pd.io.stata.StataReader(out) as reader:
        frame = reader.read()
        labels = reader.variable_labels()
    assert frame["id"].tolist() == [str(BIG), "", str(ODD)]
    assert labels["id"] == f"id ({STATA_INT_NOTE})"
    assert labels["text"] == "text"


def test_searching_an_id_finds_its_row(jsonl):
    frame = read_table(jsonl).frame
    assert matching_rows(frame, str(BIG)).tolist() == [0]
    assert matching_rows(frame, str(ODD)).tolist() == [2]
    assert matching_rows(frame, "NA").tolist() == []


def test_stata_plain_int64_beyond_2_53_is_text_small_ints_stay_numbers(tmp_path):
    frame = pd.DataFrame({"big": [-BIG, ODD], "small": [1, 2**53 - 1], "text": ["a", "b"]})
    out = write_stata(frame, [], tmp_path / "plain.dta")
    back = pd.read_stata(out)
    assert back["big"].tolist() == [str(-BIG), str(ODD)]
    assert back["small"].tolist() == [1, 2**53 - 1]

"""Parquet list, map, struct and binary columns carried through the project and every export.

They failed at the project ("cannot write the project": pandas made maps lists of tuples,
which pyarrow could not store), so such a file could be neither annotated nor re-exported
as Parquet, and list cells became numpy reprs (``['a' 'b']``) in CSV.
"""

from __future__ import annotations

import base64
import json

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llmstudio.core.annotated import export_annotated, write_stata
from llmstudio.core.backends import make_backend
from llmstudio.core.corpus import ImportOptions, read_table
from llmstudio.core.errors import CorpusError, ProjectError
from llmstudio.core.export import export_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask

TAGS = pa.list_(pa.string())
META = pa.map_(pa.string(), pa.int64())
PAIRS = pa.map_(pa.int64(), pa.string())  # keys a JSON object cannot hold as numbers
RECORD = pa.struct([("a", pa.int64()), ("b", pa.string()), ("raw", pa.binary())])
TABLE = pa.table(
    {
        "id": pa.array([1, 2, 3], pa.int64()),
        "text": ["a good day", "a bad day", "fine"],
        "tags": pa.array([["a", "b"], [], None], TAGS),
        "meta": pa.array([[("k", 1)], [("x", 2), ("y", 3)], None], META),
        "pairs": pa.array([[(1, "one")], None, [(2, "two")]], PAIRS),
        "blob": pa.array([b"\x00\xff\x01", b"hi", None], pa.binary()),
        "record": pa.array(
            [{"a": 1, "b": "x", "raw": b"\x01"}, {"a": None, "b": None, "raw": None}, None], RECORD
        ),
    }
)
NESTED = ["tags", "meta", "pairs", "blob", "record"]
# What CSV, XLSX and Stata hold: JSON text; binary as base64 (also inside JSON).
AS_TEXT = {
    "tags": ['["a", "b"]', "[]", None],
    "meta": ['{"k": 1}', '{"x": 2, "y": 3}', None],
    "pairs": ['[[1, "one"]]', None, '[[2, "two"]]'],
    "blob": [base64.b64encode(b"\x00\xff\x01").decode(), base64.b64encode(b"hi").decode(), None],
    "record": ['{"a": 1, "b": "x", "raw": "AQ=="}', '{"a": null, "b": null, "raw": null}', None],
}


@pytest.fixture
def nested_file(tmp_path):
    path = tmp_path / "nested.parquet"
    pq.write_table(TABLE, path)
    return path


@pytest.fixture
def project(tmp_path, nested_file):
    project = Project.create(tmp_path / "n.llmstudio", read_table(nested_file))
    yield project
    project.close()


def test_project_keeps_the_types_and_values(tmp_path, project):
    path = project.path
    project.close()
    with Project.open(path) as again:
        frame = again.corpus().frame
        for name in NESTED:
            assert pa.array(frame[name]).type == TABLE.schema.field(name).type, name
            assert pa.array(frame[name]).to_pylist() == TABLE.column(name).to_pylist(), name
        assert frame["text"].tolist() == TABLE.column("text").to_pylist()


def test_parquet_export_keeps_the_original_types(tmp_path, project):
    out = export_table(project.corpus().frame, tmp_path / "out.parquet")
    back = pq.read_table(out)
    for name in NESTED:  # (text comes back as large_string: pandas' str, as before)
        assert back.schema.field(name).type == TABLE.schema.field(name).type, name
    assert back.to_pylist() == TABLE.to_pylist()
    # pandas reads the file too (its metadata for an Arrow-typed column did not parse).
    frame = pd.read_parquet(out)
    assert list(frame["tags"].iloc[0]) == ["a", "b"]
    # ... and so does llmstudio, into the same types.
    assert pa.array(read_table(out).frame["meta"]).type == META


def test_csv_export_writes_json_text(tmp_path, project):
    out = export_table(project.corpus().frame, tmp_path / "out.csv")
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    for name, cells in AS_TEXT.items():
        assert frame[name].tolist() == [c or "" for c in cells], name
    assert base64.b64decode(frame["blob"][0]) == b"\x00\xff\x01"
    assert json.loads(frame["tags"][0]) == ["a", "b"]
    assert "['a' 'b']" not in out.read_text(encoding="utf-8")


def test_xlsx_export_writes_json_text(tmp_path, project):
    out = export_table(project.corpus().frame, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(out)["data"]
    header = [c.value for c in sheet[1]]
    for name, cells in AS_TEXT.items():
        column = header.index(name)
        assert [row[column].value for row in sheet.iter_rows(min_row=2)] == cells, name


def test_stata_export_writes_json_text(tmp_path, project):
    out = write_stata(project.corpus().frame, [], tmp_path / "out.dta")
    frame = pd.read_stata(out)
    for name, cells in AS_TEXT.items():
        assert frame[name].tolist() == [c or "" for c in cells], name


def test_annotated_project_exports_them(tmp_path, project):
    run_job(project, SentimentTask(), make_backend("lexicon"))
    out = export_annotated(project, tmp_path / "annotated.parquet")
    back = pq.read_table(out)
    assert back.schema.field("meta").type == META
    assert back.column("record").to_pylist() == TABLE.column("record").to_pylist()
    assert back.column("sentiment_label").to_pylist()[:2] == ["positive", "negative"]


def test_json_lines_lists_are_json_in_csv(tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(
        '{"text": "x", "tags": ["a", "b"], "who": {"n": 1}}\n'
        '{"text": "y", "tags": [], "who": {"n": 2}}\n',
        encoding="utf-8",
    )
    out = export_table(read_table(src).frame, tmp_path / "t.csv")
    frame = pd.read_csv(out, dtype=str)
    assert frame["tags"].tolist() == ['["a", "b"]', "[]"]
    assert frame["who"].tolist() == ['{"n": 1}', '{"n": 2}']


@pytest.mark.parametrize(
    "column, words",
    [("tags", "lists"), ("meta", "maps"), ("record", "structs"), ("blob", "binary data")],
)
def test_a_structure_cannot_be_the_text_column(nested_file, project, column, words):
    with pytest.raises(CorpusError, match=f"column '{column}' holds {words}"):
        read_table(nested_file, ImportOptions(text_column=column))
    with pytest.raises(ProjectError, match=f"column '{column}' holds {words}"):
        project.set_text_column(column)
    assert project.text_column == "text"
    with pytest.raises(ProjectError, match=f"column '{column}' holds {words}"):
        run_job(project, SentimentTask(), make_backend("lexicon"), text_column=column)
    assert project.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def test_the_suggested_text_column_is_never_a_structure(tmp_path):
    path = tmp_path / "only.parquet"
    pq.write_table(
        pa.table({"tags": pa.array([["a long text"] * 9], TAGS), "n": pa.array([1])}), path
    )
    assert read_table(path).text_column == "n"


def test_a_prompt_placeholder_gets_the_json_text(project):
    from llmstudio.core.runner import empty_rows, row_inputs
    from llmstudio.core.tasks.prompt import PromptTask

    task = PromptTask(template="{text} | tags: {tags} | meta: {meta} | blob: {blob}")
    frame = project.corpus().frame
    assert row_inputs(task, frame, "text") == [
        'a good day | tags: ["a", "b"] | meta: {"k": 1} | blob: AP8B',
        'a bad day | tags: [] | meta: {"x": 2, "y": 3} | blob: aGk=',
        "fine | tags:  | meta:  | blob: ",
    ]
    assert empty_rows(PromptTask(template="{tags}"), frame.assign(text=""), "text") == [2]

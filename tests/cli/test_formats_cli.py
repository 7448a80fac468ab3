"""The issue's format cases as users meet them: a Parquet file with list, map, struct and
binary columns annotated to Parquet and CSV; a table wider than Excel refused before any
request; a Stata export of text holding a NUL refused with its row and column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

TABLE = pa.table({
    "text": ["a good day", "a bad day"],
    "tags": pa.array([["a", "b"], None], pa.list_(pa.string())),
    "meta": pa.array([[("k", 1)], [("x", 2)]], pa.map_(pa.string(), pa.int64())),
    "blob": pa.array([b"\x00\x01", None], pa.binary()),
    "record": pa.array([{"a": 1}, {"a": None}], pa.struct([("a", pa.int64())])),
})


@pytest.fixture
def nested(tmp_path):
    pq.write_table(TABLE, tmp_path / "nested.parquet")
    return "nested.parquet"


def test_annotate_a_parquet_file_with_structures(annotate_cli, tmp_path, nested):
    done, _ = annotate_cli(nested, "--model", "lexicon", "--out", "out.parquet")
    assert done.returncode == 0, done.stderr
    back = pq.read_table(tmp_path / "out.parquet")
    for name in ("tags", "meta", "blob", "record"):
        assert back.schema.field(name).type == TABLE.schema.field(name).type, name
        assert back.column(name).to_pylist() == TABLE.column(name).to_pylist(), name
    assert back.column("sentiment_label").to_pylist() == ["positive", "negative"]

    done, _ = annotate_cli(nested, "--model", "lexicon", "--out", "out.csv")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert frame["tags"].tolist() == ['["a", "b"]', ""]
    assert [json.loads(v) for v in frame["meta"]] == [{"k": 1}, {"x": 2}]
    assert frame["blob"].tolist() == ["AAE=", ""]  # base64 of b"\x00\x01"
    assert frame["record"].tolist() == ['{"a": 1}', '{"a": null}']


def test_a_list_column_as_the_text_column_is_refused(annotate_cli, tmp_path, nested):
    done, _ = annotate_cli(nested, "--model", "lexicon", "--text-column", "tags",
                           "--out", "out.csv")
    assert done.returncode == 1
    # refused while the file is read (the import names the file by its full path)
    said = done.stderr.strip()
    assert said.startswith("llmstudio: error: ") and "\n" not in said
    assert said.endswith("nested.parquet: column 'tags' holds lists, not text; choose a "
                         "column of text as the text column")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.slow  # 16,381 columns through a project: ~6 s
def test_annotate_wider_than_excel_is_refused_before_any_request(annotate_cli, tmp_path,
                                                                 fake_openai):
    # 16,381 columns fit in a sheet; with the run's 5 columns the table would not.
    frame = pd.DataFrame(np.zeros((2, 16_380), dtype="int8"),
                         columns=[f"c{i}" for i in range(16_380)])
    frame["text"] = ["good", "bad"]
    frame.to_parquet(tmp_path / "wide.parquet", index=False)
    done, _ = annotate_cli("wide.parquet", "--model", "openai:fake-model", "--base-url",
                           fake_openai.url, "--out", "wide.xlsx", timeout=120)
    assert done.returncode == 1, done.stderr
    assert "wide.xlsx: 16,386 columns; an Excel sheet holds at most 16,384. Export as CSV " \
           "or Parquet instead" in done.stderr
    assert fake_openai.total == 0
    assert not (tmp_path / "wide.xlsx").exists()


def test_export_to_stata_refuses_text_with_a_nul(cli, tmp_path):
    (tmp_path / "nul.csv").write_bytes(b"id,text\n1,fine\n2,cut\x00here\n")
    done = cli("annotate")("nul.csv", "--model", "lexicon", "--project", "p.llmstudio")
    assert done.returncode == 0, done.stderr
    done = cli("export")("p.llmstudio", "--out", "p.dta")
    assert done.returncode == 1
    assert "p.dta: row 2, column 'text': the text holds a NUL character (U+0000), where a " \
           "Stata string ends" in done.stderr
    assert not (tmp_path / "p.dta").exists()
    done = cli("export")("p.llmstudio", "--out", "p.parquet")
    assert done.returncode == 0, done.stderr
    assert pd.read_parquet(tmp_path / "p.parquet")["text"][1] == "cut\x00here"

"""Row memos leave the project: every table export (``memo_<coder>``), the columns sheet,
the methods record's counts and the coding log, each read back from the written file."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from llmstudio.core import human_codes
from llmstudio.core.annotated import annotated_table, export_annotated, stata_names
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.methods import write_methods
from llmstudio.core.project import Project

from annotated_project import BOOK, make_project

TOPICS = Codebook((Code("Housing"), Code("Transport")), name="Local topics")
# (codebook, coder, row, codes, memo): memo=None keeps the row's memo.
CLICKS = [
    (BOOK, "ana", 0, ["positive"], "sarcasm? =check again"),  # formula-like: guarded
    (BOOK, "ana", 2, ["neutral"], "no stance"),
    (BOOK, "ana", 2, ["negative"], None),  # recoded: the memo stays
    (BOOK, "ana", 3, ["neutral"], "drop me"),
    (BOOK, "ana", 3, ["neutral"], ""),  # memo deleted again
    (BOOK, "bo", 1, ["negative"], "Ärger über Busse\nzweite Zeile"),
    (TOPICS, "ana", 4, ["Transport"], "buses, not trains"),
]
# What the latest clicks leave: (column, row) -> memo.
MEMOS = {
    ("memo_sentiment_ana", 0): "sarcasm? =check again",
    ("memo_sentiment_ana", 2): "no stance",
    ("memo_bo", 1): "Ärger über Busse\nzweite Zeile",
    ("memo_local_topics_ana", 4): "buses, not trains",
}
MEMO_COLUMNS = ["memo_local_topics_ana", "memo_sentiment_ana", "memo_bo"]


def add_memos(path) -> None:
    with Project.open(path) as p:
        p.save_codebook(TOPICS)
        for book, coder, row, codes, memo in CLICKS:
            human_codes.record(p, book, coder, row, codes, memo)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    path = make_project(tmp_path_factory.mktemp("memos"))
    add_memos(path)
    return path


@pytest.fixture
def project(study):
    with Project.open(study) as p:
        yield p


def memo_cells(frame: pd.DataFrame, names=None) -> dict:
    """Every non-empty memo cell: (column, row) -> text (``names``: file column names)."""
    names = names or {c: c for c in MEMO_COLUMNS}
    out = {}
    for c in MEMO_COLUMNS:
        for r, v in enumerate(frame[names[c]].tolist()):
            if not (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == ""):
                out[(c, r)] = v
    return out


def test_memo_columns_follow_the_codes_and_are_described(project):
    frame, info = annotated_table(project)
    assert list(frame.columns)[-3:] == MEMO_COLUMNS
    assert list(frame.columns).index("human_sentiment_bo") < list(frame.columns).index("memo_bo")
    assert memo_cells(frame) == MEMOS
    about = {c.name: c for c in info}
    assert about["memo_bo"].source == "coder bo"
    assert "'bo'" in about["memo_bo"].description and "'sentiment'" in about["memo_bo"].description
    assert "'Local topics'" in about["memo_local_topics_ana"].description
    assert not about["memo_bo"].coded  # text, never value labels


def test_a_coder_with_memos_in_one_codebook_gets_the_short_name(tmp_path):
    path = make_project(tmp_path)
    with Project.open(path) as p:
        assert human_codes.memo_column_names(p) == {}  # no memo: no empty column
        assert "memo_ana" not in annotated_table(p)[0].columns
        human_codes.record(p, BOOK, "ana", 1, ["negative"], "irony")
        human_codes.record(p, BOOK, "Ana", 2, ["neutral"], "another Ana")
        assert human_codes.memo_column_names(p) == {
            ("sentiment", "Ana"): "memo_ana",
            ("sentiment", "ana"): "memo_ana_",
        }
        frame, _ = annotated_table(p)
        assert frame["memo_ana_"].iloc[1] == "irony" and frame["memo_ana"].iloc[2] == "another Ana"


def test_csv_keeps_memos_with_newlines_and_guards_formulas(project, tmp_path):
    got = pd.read_csv(
        export_annotated(project, tmp_path / "a.csv"), dtype=str, keep_default_na=False
    )
    want = dict(MEMOS)
    want[("memo_sentiment_ana", 0)] = "sarcasm? =check again"  # not at the start: as is
    assert memo_cells(got) == want
    guarded = pd.read_csv(export_annotated(project, tmp_path / "b.csv"), dtype=str)
    assert guarded["memo_bo"].iloc[1] == "Ärger über Busse\nzweite Zeile"


def test_xlsx_has_the_memos_and_describes_them_on_the_columns_sheet(project, tmp_path):
    out = export_annotated(project, tmp_path / "a.xlsx")
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["data", "columns"]
    data = list(book["data"].values)
    header = list(data[0])
    assert header[-3:] == MEMO_COLUMNS
    for (column, row), text in MEMOS.items():
        assert data[row + 1][header.index(column)] == text
    columns = {r[0]: r for r in list(book["columns"].values)[1:]}
    assert columns["memo_bo"][1] == "coder bo"
    assert "memos of coder 'bo'" in columns["memo_bo"][2]
    assert (
        "memos of coder 'ana'" in columns["memo_local_topics_ana"][2]
        and "Local topics" in columns["memo_local_topics_ana"][2]
    )
    book.close()


def test_parquet_keeps_memos(project, tmp_path):
    got = pd.read_parquet(export_annotated(project, tmp_path / "a.parquet"))
    assert memo_cells(got) == MEMOS


def test_stata_keeps_memos_as_text_with_their_names_as_labels(project, tmp_path):
    frame, _ = annotated_table(project)
    out = export_annotated(project, tmp_path / "a.dta")
    names = stata_names(frame.columns)
    got = pd.read_stata(out)
    assert memo_cells(got, names) == MEMOS
    with pd.io.stata.StataReader(out) as reader:
        labels = reader.variable_labels()
    assert labels[names["memo_local_topics_ana"]] == "memo_local_topics_ana"


def test_methods_record_counts_rows_with_a_memo(project, tmp_path):
    md = write_methods(project, tmp_path / "m.md", n_resamples=50).read_text("utf-8")
    assert "| mode not recorded | rows with a memo |" in md
    assert re.search(r"\| ana \| 5 \|( [\d,]+ \|){3} 2 \|", md)  # rows 0 and 2, not row 3
    assert re.search(r"\| bo \| 5 \|( [\d,]+ \|){3} 1 \|", md)
    topics = md.split("Codebook Local topics")[1]
    assert re.search(r"\| ana \| 1 \|( [\d,]+ \|){3} 1 \|", topics)


def test_coding_log_has_every_click_with_its_memo(project, tmp_path):
    log = human_codes.coding_log(project)
    assert list(log.columns) == list(human_codes.LOG_COLUMNS)
    stored = project.db.execute("SELECT COUNT(*) FROM human_codes").fetchone()[0]
    assert len(log) == stored and log["click"].is_monotonic_increasing
    mine = log.tail(len(CLICKS))
    assert mine["row"].tolist() == [row + 1 for _, _, row, _, _ in CLICKS]  # 1-based
    assert mine["memo"].tolist() == [
        "sarcasm? =check again",
        "no stance",
        "no stance",
        "drop me",
        "",
        "Ärger über Busse\nzweite Zeile",
        "buses, not trains",
    ]
    assert mine["codes"].tolist()[:3] == ["positive", "neutral", "negative"]
    assert mine["codebook"].tolist()[-1] == "Local topics"
    assert log["blind"].isna().all()  # made without saying: not recorded, not "no"
    for suffix in ("csv", "xlsx", "parquet"):
        out = human_codes.export_coding_log(project, tmp_path / f"log.{suffix}")
        got = (
            pd.read_csv(out, dtype=str, keep_default_na=False)
            if suffix == "csv"
            else pd.read_excel(out, dtype=str, keep_default_na=False)
            if suffix == "xlsx"
            else pd.read_parquet(out)
        )
        assert got["memo"].astype(str).tolist()[-len(CLICKS) :] == mine["memo"].tolist()
        assert got["coder"].tolist() == log["coder"].tolist()


def test_coding_log_says_which_clicks_were_blind(tmp_path):
    path = make_project(tmp_path)
    with Project.open(path) as p:
        human_codes.record(p, BOOK, "ana", 1, ["negative"], "blind one", blind=True)
        human_codes.record(p, BOOK, "ana", 2, ["neutral"], blind=False)
        log = human_codes.coding_log(p)
    assert log["blind"].tolist()[-2:] == ["yes", "no"]
    assert pd.isna(log["blind"].iloc[-3])  # make_project's click: not recorded, not "no"

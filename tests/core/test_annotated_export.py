"""The annotated table exported from a project: CSV, XLSX (with a "columns" sheet),
Parquet and Stata .dta, each read back and compared cell by cell."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from llmstudio.core.annotated import annotated_table, columns_sheet, export_annotated, stata_names
from llmstudio.core.errors import ExportError
from llmstudio.core.project import Project
from llmstudio.core.results import with_results

from annotated_project import ANA, LONG, TEXTS, make_project

ORIGINAL = [
    "id",
    "text",
    "Partei (Wahl) ü",
    "a b",
    "a-b",
    "1st",
    "a column name that is far longer than thirty-two characters",
    "title",
]
RUNS = [
    "sentiment_label",
    "sentiment_score",
    "sentiment_valence",
    "sentiment_chunks",
    "sentiment_error",
    "sentiment_label_run1",
    "sentiment_score_run1",
    "sentiment_valence_run1",
    "sentiment_chunks_run1",
    "sentiment_error_run1",
]
HUMAN = ["human_sentiment_ana", "human_sentiment_bo"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("annotated")
    with Project.open(make_project(folder)) as p:
        yield p


@pytest.fixture(scope="module")
def table(project):
    return annotated_table(project)


def missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def same_cell(got, want, where) -> None:
    if missing(want):
        assert missing(got) or got == "", where
    elif isinstance(want, float):
        assert float(got) == pytest.approx(want, abs=1e-9), where
    else:
        assert str(got) == str(want), where


def compare(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for c in want.columns:
        for r in range(len(want)):
            same_cell(got[c].iloc[r], want[c].iloc[r], (r, c))


def test_columns_original_then_runs_then_coders(table):
    frame, info = table
    assert list(frame.columns) == ORIGINAL + RUNS + HUMAN
    assert [c.name for c in info] == list(frame.columns)
    assert frame["text"].tolist() == TEXTS
    assert frame["human_sentiment_ana"].tolist()[:5] == ANA
    assert missing(frame["human_sentiment_bo"].iloc[4])
    # The older run (title column) differs from the latest somewhere: both are kept.
    assert frame["sentiment_label"].tolist() != frame["sentiment_label_run1"].tolist()


def test_latest_runs_keep_the_names_the_window_and_old_exports_use(project, table):
    frame, _ = table
    old = with_results(project, project.corpus().frame)
    for c in old.columns:
        compare(frame[[c]].reset_index(drop=True), old[[c]].reset_index(drop=True))


def test_every_column_is_described(table):
    _, info = table
    by = {c.name: c for c in info}
    assert all(by[c].source == "original" for c in ORIGINAL)
    assert by["sentiment_label"].source == "run 2"
    assert by["sentiment_label_run1"].source == "run 1"
    assert "lexicon:vader" in by["sentiment_label"].description
    assert "prompt:" in by["sentiment_label"].description
    assert by["sentiment_label"].codes == ("positive", "negative", "neutral")
    assert by["human_sentiment_bo"].source == "coder bo"
    assert "codebook 'sentiment'" in by["human_sentiment_bo"].description


def test_csv_round_trip_with_formula_guard(project, table, tmp_path):
    frame, _ = table
    out = export_annotated(project, tmp_path / "a.csv")
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    want = frame.copy()
    want["text"] = ["'" + t if t.startswith("=") else t for t in frame["text"]]
    assert got["text"].iloc[3] == "'=SUM(A1) is not a formula here"
    compare(got, want)


def test_xlsx_round_trip_and_columns_sheet(project, table, tmp_path):
    frame, info = table
    out = export_annotated(project, tmp_path / "a.xlsx")
    sheets = pd.read_excel(out, sheet_name=None, dtype=object)
    assert list(sheets) == ["data", "columns"]
    want = frame.copy()
    want["text"] = ["'" + t if t.startswith("=") else t for t in frame["text"]]
    compare(sheets["data"], want)
    cols = sheets["columns"]
    assert cols["column"].tolist() == list(frame.columns)
    assert cols["source"].tolist() == [c.source for c in info]
    assert cols["description"].tolist() == [c.description for c in info]
    assert columns_sheet(info).shape[0] == len(frame.columns)


def test_parquet_round_trip(project, table, tmp_path):
    frame, _ = table
    got = pd.read_parquet(export_annotated(project, tmp_path / "a.parquet"))
    compare(got, frame)
    assert got["sentiment_score"].dtype.kind == "f"


def test_stata_round_trip_with_value_labels_long_text_and_safe_names(project, table, tmp_path):
    frame, _ = table
    out = export_annotated(project, tmp_path / "a.dta")
    names = stata_names(frame.columns)
    got = pd.read_stata(out)
    assert list(got.columns) == [names[c] for c in frame.columns]
    for name in got.columns:
        assert name.isascii() and len(name) <= 32 and not name[0].isdigit()
        assert all(ch.isalnum() or ch == "_" for ch in name)
    assert len(set(got.columns)) == len(got.columns)  # "a b" and "a-b" both kept
    with pd.io.stata.StataReader(out) as reader:
        labels = reader.variable_labels()
        value_labels = reader.value_labels()
    assert labels[names["Partei (Wahl) ü"]] == "Partei (Wahl) ü"  # original name kept
    assert labels[names["a column name that is far longer than thirty-two characters"]].startswith(
        "a column name that is far longer"
    )
    for c in frame.columns:
        for r in range(len(frame)):
            same_cell(got[names[c]].iloc[r], frame[c].iloc[r], (r, c))
    assert got[names["text"]].iloc[5] == LONG  # strL: not cut at 2045
    # Code columns are integers with value labels, in the codebook's order.
    raw = pd.read_stata(out, convert_categoricals=False)
    for c in [
        "sentiment_label",
        "sentiment_label_run1",
        "human_sentiment_ana",
        "human_sentiment_bo",
    ]:
        assert raw[names[c]].dtype.kind in "if"
        assert value_labels[names[c]] == {1: "positive", 2: "negative", 3: "neutral"}
    assert raw[names["human_sentiment_ana"]].tolist()[:5] == [1, 2, 3, 3, 1]
    assert math.isnan(raw[names["human_sentiment_bo"]].iloc[4])


def test_stata_names_are_sanitised_and_unique():
    names = stata_names(["a b", "a-b", "a_b", "1st", "ü", "", "in", "x" * 40, "x" * 41])
    values = list(names.values())
    assert len(set(values)) == len(values)
    assert names["a b"] == "a_b" and names["a-b"] != "a_b" and names["1st"] == "v1st"
    assert names["ü"] == "u" and names["in"] != "in"
    assert all(len(v) <= 32 and v.isascii() for v in values)


def test_unknown_format_is_refused_and_nothing_written(project, tmp_path):
    with pytest.raises(ExportError, match="unknown export format"):
        export_annotated(project, tmp_path / "a.sav")
    assert not any(tmp_path.iterdir())


def test_stata_takes_dates_flags_nullable_numbers_and_empty_text(tmp_path):
    from llmstudio.core.annotated import ColumnInfo, write_stata

    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(
                ["2024-01-02 03:04:05", None, "2025-06-01 00:00:00"]
            ).tz_localize("Europe/Berlin"),
            "flag": [True, False, True],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "code_housing": [1, 0, None],  # a multi-label run's 0/1 column
            "err": [None, None, "boom"],
            "emoji": ["😀 é", "", None],
        }
    )
    info = [ColumnInfo(c, "original", "") for c in frame.columns]
    got = pd.read_stata(write_stata(frame, info, tmp_path / "t.dta"))
    assert got["when"].iloc[0] == pd.Timestamp("2024-01-02 02:04:05")  # UTC
    assert pd.isna(got["when"].iloc[1])
    assert got["flag"].tolist() == [1, 0, 1]
    assert got["count"].iloc[0] == 1 and math.isnan(got["count"].iloc[1])
    assert got["code_housing"].iloc[0] == 1 and math.isnan(got["code_housing"].iloc[2])
    assert got["err"].tolist() == ["", "", "boom"]  # Stata has no missing text
    assert got["emoji"].tolist() == ["😀 é", "", ""]


def test_a_multi_label_run_gets_described_and_labelled_in_stata(tmp_path):
    import json

    with Project.open(make_project(tmp_path)) as p:
        # A multi-label coding run as the runner stores it (a model would take too long).
        book = {
            "name": "topics",
            "multi_label": True,
            "none_option": False,
            "codes": [{"name": "Housing & rent"}, {"name": "Jobs"}],
        }
        cols = ["code_housing_rent", "code_housing_rent_score", "code_jobs", "code_jobs_score"]
        run = p.db.execute(
            "INSERT INTO runs (spec_key, task, params, backend, fingerprint, text_column, "
            "columns, status, rows_total, created, finished, software, prompt) VALUES "
            "('k', 'code', ?, 'hf', ?, 'text', ?, 'done', 6, '2026-01-01', '2026-01-02', "
            "'llmstudio 0.1.0', '[]')",
            (
                json.dumps({"task": "code", "codebook": book}),
                json.dumps({"model": "org/model", "revision": "abc123"}),
                json.dumps(cols),
            ),
        ).lastrowid
        for r in range(6):
            answer = {
                "code_housing_rent": r % 2,
                "code_housing_rent_score": 0.5,
                "code_jobs": 1,
                "code_jobs_score": 0.9,
            }
            p.db.execute(
                "INSERT INTO annotations VALUES (?, ?, ?, NULL, 0, 0)", (run, r, json.dumps(answer))
            )
        p.db.commit()
        frame, info = annotated_table(p)
        out = export_annotated(p, tmp_path / "ml.dta")
    by = {c.name: c for c in info}
    assert "code 'Housing & rent': 1 applies" in by["code_housing_rent"].description
    got = pd.read_stata(out)
    assert got["code_housing_rent"].tolist() == ["does not apply", "applies"] * 3
    assert got["code_housing_rent_score"].tolist() == [0.5] * 6


def test_the_baseline_column_is_described_as_the_lexicon_not_the_model(tmp_path):
    from llmstudio.core.backends.lexicon import LexiconBackend
    from llmstudio.core.corpus import Corpus
    from llmstudio.core.runner import run_job
    from llmstudio.core.tasks import SentimentTask

    frame = pd.DataFrame({"text": ["I love it", "I hate it", "a table"]})
    with Project.create(tmp_path / "b.llmstudio", Corpus(frame, text_column="text")) as p:
        run_job(p, SentimentTask(baseline=True), LexiconBackend())
        _, info = annotated_table(p)
    about = {c.name: c.description for c in info}
    assert about["sentiment_lexicon"].startswith(
        "output 'sentiment_lexicon' (the VADER lexicon's label, a baseline to compare with "
        "(--baseline); not the model's answer)"
    )

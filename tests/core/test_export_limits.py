"""Tables a format cannot hold are refused before any work, with the limit named; Stata
export grows linearly and never cuts text at a NUL.

Before: XLSX took 17,000 columns without a word (Excel shows 16,384) and failed with
"internal error: Invalid column index" at 33,000; Stata had no variable limit (33,000
columns ran for 42 minutes), inserted columns one by one (5,000 columns: 4,903 pandas
PerformanceWarnings) and cut text at a NUL silently.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

from llmstudio.core.annotated import (
    STATA_MAX_VARIABLES,
    check_annotated_fits,
    export_annotated,
    write_stata,
)
from llmstudio.core.corpus import read_table
from llmstudio.core.errors import ExportError
from llmstudio.core.export import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, check_fits, export_table
from llmstudio.core.project import Project


def wide(columns: int, rows: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        np.zeros((rows, columns), dtype="int8"), columns=[f"c{i}" for i in range(columns)]
    )


def nothing_written(folder) -> bool:
    return not [p for p in folder.iterdir() if p.name != "in.csv"]


def test_excel_limits_are_the_real_ones():
    assert (EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS + 1) == (16_384, 1_048_576)
    assert STATA_MAX_VARIABLES == 32_767


def test_xlsx_refuses_more_columns_than_excel_holds(tmp_path):
    started = time.monotonic()
    with pytest.raises(
        ExportError,
        match=r"16,385 columns; an Excel sheet holds at most "
        r"16,384\. Export as CSV or Parquet instead",
    ):
        export_table(wide(16_385), tmp_path / "wide.xlsx")
    assert time.monotonic() - started < 2  # refused up front, not after writing
    assert nothing_written(tmp_path)


def test_xlsx_takes_exactly_excels_columns(tmp_path):
    out = export_table(wide(EXCEL_MAX_COLUMNS), tmp_path / "full.xlsx")
    sheet = openpyxl.load_workbook(out, read_only=True)["data"]
    header = next(sheet.iter_rows(values_only=True))
    assert len(header) == EXCEL_MAX_COLUMNS and header[-1] == "c16383"


def test_xlsx_refuses_more_rows_than_excel_holds(tmp_path):
    frame = pd.DataFrame({"n": np.zeros(EXCEL_MAX_ROWS + 1, dtype="int8")})
    with pytest.raises(
        ExportError,
        match=r"1,048,576 rows; an Excel sheet holds at most "
        r"1,048,575 rows below its header",
    ):
        export_table(frame, tmp_path / "long.xlsx")
    assert nothing_written(tmp_path)


def test_other_formats_have_no_such_limit(tmp_path):
    for name in ("a.csv", "a.parquet"):
        check_fits(tmp_path / name, 2_000_000, 40_000)  # no error
    check_annotated_fits(tmp_path / "a.dta", 2_000_000, STATA_MAX_VARIABLES)


def test_stata_refuses_more_variables_than_a_dta_holds(tmp_path):
    started = time.monotonic()
    with pytest.raises(
        ExportError,
        match=r"wide\.dta: 32,768 columns; a Stata \.dta file "
        r"\(format 118\) holds at most 32,767 variables",
    ):
        write_stata(wide(STATA_MAX_VARIABLES + 1), [], tmp_path / "wide.dta")
    assert time.monotonic() - started < 2
    assert nothing_written(tmp_path)
    with pytest.raises(ExportError, match="at most 32,767 variables"):
        check_annotated_fits(tmp_path / "wide.dta", 1, STATA_MAX_VARIABLES + 1)


def test_export_annotated_refuses_before_reading_the_corpus(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    src.write_text("text,a,b\nx,1,2\n", encoding="utf-8")
    project = Project.create(tmp_path / "p.llmstudio", read_table(src))
    monkeypatch.setattr("llmstudio.core.annotated.STATA_MAX_VARIABLES", 2)
    monkeypatch.setattr(Project, "corpus", lambda self: pytest.fail("the corpus was read"))
    with pytest.raises(ExportError, match="3 columns; a Stata .dta file .* at most 2 var"):
        export_annotated(project, tmp_path / "p.dta")
    project.close()
    assert not (tmp_path / "p.dta").exists()


def test_stata_export_of_many_columns_gives_no_performance_warning(tmp_path):
    frame = wide(300, rows=3)
    frame["text"] = ["a", "b", None]
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        out = write_stata(frame, [], tmp_path / "many.dta")
    back = pd.read_stata(out)
    assert back.shape == (3, 301)
    assert back["c299"].tolist() == [0, 0, 0] and back["text"].tolist() == ["a", "b", ""]


def test_stata_refuses_text_with_a_nul_naming_column_and_row(tmp_path):
    frame = pd.DataFrame(
        {"id": [1, 2, 3, 4], "text": ["fine", "cut\x00here", "ok", "and\x00again"]}
    )
    with pytest.raises(
        ExportError,
        match=r"t\.dta: row 2 \(and 1 more rows\), column "
        r"'text': the text holds a NUL character",
    ):
        write_stata(frame, [], tmp_path / "t.dta")
    assert nothing_written(tmp_path)
    # The same table keeps every character where text may hold a NUL.
    out = export_table(frame, tmp_path / "t.parquet")
    assert pd.read_parquet(out)["text"][1] == "cut\x00here"


def test_stata_refuses_a_column_name_with_a_nul(tmp_path):
    frame = pd.DataFrame({"id": [1], "te\x00xt": ["fine"]})
    with pytest.raises(ExportError, match=r"n\.dta: the column name 'te\\x00xt' holds a NUL"):
        write_stata(frame, [], tmp_path / "n.dta")
    assert nothing_written(tmp_path)

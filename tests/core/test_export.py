"""Export: round trips keep every cell; the formula guard; Excel's limits; atomic writes."""

from __future__ import annotations

import errno
import gc
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.corpus import read_table
from llmstudio.core.errors import ExportError
from llmstudio.core.export import export_table

TRICKY = [
    "plain",
    "ünïcödé — 日本語 — emoji 🙂 — RTL مرحبا",
    "two\nlines",
    "windows\r\nline break",
    "old mac\rline break",
    'say "hi", then ""leave""',
    "a,b;c|d\te",
    "007",
    "",
    "  padded  ",
    "NA",
    "null",
    "1e5",
    "_x000D_ and _x0041_ written literally",
    "trailing newline\n",
    "long " * 4000,  # 20,000 characters
]
RISKY = [
    "=1+1",
    "+cmd",
    "-cmd|' /C calc'!A0",
    "@SUM(A1)",
    "\tTab first",
    "\rCR first",
    '=HYPERLINK("http://x","y")',
]
PLAIN_NUMBERS = ["-3.5", "+44", "-0", "+1e5", "-.5", "12"]


def tricky_frame() -> pd.DataFrame:
    n = len(TRICKY)
    return pd.DataFrame(
        {
            "id": pd.array([f"{i:04d}" for i in range(n)], dtype="str"),
            "text": pd.array(TRICKY, dtype="str"),
            "reversed": pd.array(TRICKY[::-1], dtype="str"),
            'ünï, "name"': pd.array(["x"] * n, dtype="str"),
        }
    )


def texts(frame: pd.DataFrame) -> list[list]:
    return [
        [None if pd.isna(v) else v for v in row]
        for row in frame.astype(object).itertuples(index=False, name=None)
    ]


@pytest.mark.parametrize(
    "name, options",
    [
        ("out.csv", {}),
        ("out_bom.csv", {"bom": True}),
        ("out.xlsx", {}),
        ("out.parquet", {}),
    ],
)
def test_round_trip_keeps_every_cell(tmp_path, name, options):
    frame = tricky_frame()
    path = export_table(frame, tmp_path / name, **options)
    assert path == tmp_path / name
    corpus = read_table(path)
    assert corpus.columns == list(frame.columns)
    assert texts(corpus.frame) == texts(frame)
    assert not corpus.problems
    if name.endswith(".csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") == bool(options)
        assert corpus.encoding == ("utf-8-sig" if options else "utf-8")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_round_trip_with_missing_cells_and_numbers(tmp_path, suffix):
    frame = pd.DataFrame({"text": pd.array(["a", None, "c"], dtype="str"), "n": [1.5, -2.0, 3.25]})
    corpus = read_table(export_table(frame, tmp_path / f"m{suffix}"))
    got = corpus.frame
    assert got["text"][0] == "a" and got["text"][2] == "c"
    if suffix == ".csv":  # CSV has no missing value: an empty cell
        assert got["text"][1] == "" and got["n"].tolist() == ["1.5", "-2.0", "3.25"]
    else:
        assert pd.isna(got["text"][1]) and got["n"].tolist() == [1.5, -2.0, 3.25]


# -- formula guard ------------------------------------------------------------------------


def guard_frame() -> pd.DataFrame:
    values = RISKY + PLAIN_NUMBERS + ["safe = text", "mid-word", "e-mail@x.org"]
    return pd.DataFrame(
        {"text": pd.array(values, dtype="str"), "obj": pd.Series(values, dtype=object)}
    )


def expected_guarded(value: str) -> str:
    return "'" + value if value in RISKY else value


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_guard_prefixes_formula_cells_only(tmp_path, suffix):
    frame = guard_frame()
    got = read_table(export_table(frame, tmp_path / f"g{suffix}")).frame
    for column in ("text", "obj"):
        assert got[column].tolist() == [expected_guarded(v) for v in frame[column]]
    for number in PLAIN_NUMBERS:
        assert number in got["text"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_guard_off_leaves_cells_unchanged(tmp_path, suffix):
    frame = guard_frame()
    got = read_table(export_table(frame, tmp_path / f"g{suffix}", guard=False)).frame
    assert got["text"].tolist() == frame["text"].tolist()
    assert got["obj"].tolist() == frame["obj"].tolist()


def test_parquet_never_changes_cells(tmp_path):
    frame = guard_frame()
    got = pd.read_parquet(export_table(frame, tmp_path / "g.parquet", guard=True))
    assert got["text"].tolist() == frame["text"].tolist()


def test_guard_covers_column_names(tmp_path):
    # The header is the first row a spreadsheet shows: "=cmd" there is a formula too.
    frame = pd.DataFrame({"=cmd()": pd.array(["x"], dtype="str"), "ok": ["y"]})
    for suffix in (".csv", ".xlsx"):
        assert read_table(export_table(frame, tmp_path / f"h{suffix}")).columns == ["'=cmd()", "ok"]
        assert read_table(export_table(frame, tmp_path / f"u{suffix}", guard=False)).columns == [
            "=cmd()",
            "ok",
        ]


def test_guard_does_not_change_the_callers_frame(tmp_path):
    frame = guard_frame()
    before = frame.copy()
    export_table(frame, tmp_path / "g.csv")
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("guard", [True, False])
def test_xlsx_text_cells_are_never_formulas(tmp_path, guard):
    from openpyxl import load_workbook

    frame = guard_frame()
    frame.columns = ["=header", "@other"]
    path = export_table(frame, tmp_path / "f.xlsx", guard=guard)
    book = load_workbook(path)  # not data_only: a formula would show as data_type "f"
    sheet = book.active
    types = {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None}
    book.close()
    assert types == {"s"}
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


# -- Excel's limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, what", [("x" * 32_768, "32,767"), ("nul\x00byte", "U+0000"), ("bell\x07", "U+0007")]
)
def test_xlsx_refuses_what_a_cell_cannot_hold(tmp_path, capfd, value, what):
    frame = pd.DataFrame(
        {"id": ["a", "b", "c"], "text": pd.array(["fine", "fine", value], dtype="str")}
    )
    target = tmp_path / "x.xlsx"
    with pytest.raises(ExportError) as info:
        export_table(frame, target)
    message = str(info.value)
    assert "row 3" in message and "'text'" in message and what in message
    assert str(target) in message
    assert list(tmp_path.iterdir()) == []  # nothing written, no .part left
    gc.collect()  # a half-built workbook used to print tracebacks when collected
    assert "Traceback" not in capfd.readouterr().err


def test_xlsx_cell_of_exactly_the_limit_is_fine(tmp_path):
    frame = pd.DataFrame({"text": pd.array(["y" * 32_767], dtype="str")})
    assert read_table(export_table(frame, tmp_path / "ok.xlsx")).frame["text"][0] == "y" * 32_767


def test_xlsx_refuses_too_many_rows(tmp_path):
    frame = pd.DataFrame({"n": range(1_048_576)})
    with pytest.raises(ExportError) as info:
        export_table(frame, tmp_path / "rows.xlsx")
    assert "1,048,576 rows" in str(info.value) and "rows.xlsx" in str(info.value)
    assert ".part" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_csv_and_parquet_keep_what_excel_cannot(tmp_path):
    frame = pd.DataFrame({"text": pd.array(["x" * 40_000, "nul\x00byte"], dtype="str")})
    for suffix in (".csv", ".parquet"):
        got = read_table(export_table(frame, tmp_path / f"k{suffix}")).frame
        assert got["text"].tolist() == frame["text"].tolist()


# -- formats and atomic writes --------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.txt", "out.xls", "out", "out.json"])
def test_unknown_extension(tmp_path, name):
    with pytest.raises(ExportError) as info:
        export_table(tricky_frame(), tmp_path / name)
    assert name in str(info.value) and ".csv" in str(info.value)
    assert list(tmp_path.iterdir()) == []


# Frames whose export fails (the Excel check, pyarrow's type check).
UNWRITABLE = {
    ".xlsx": pd.DataFrame({"text": ["fine", "nul \x00"]}),
    ".parquet": pd.DataFrame({"v": pd.Series(["text", 3], dtype=object)}),
}


def disk_full(self, path, *args, **kwargs):
    """Stands in for DataFrame.to_csv on a full disk: half a file, then the error."""
    Path(path).write_text("id,text\n1,half a ro")
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_writes_are_atomic(tmp_path, monkeypatch, suffix):
    target = tmp_path / f"data{suffix}"
    export_table(tricky_frame(), target)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    before = target.read_bytes()
    if suffix == ".csv":
        monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(ExportError) as info:
        export_table(UNWRITABLE.get(suffix, tricky_frame()), target)
    assert target.name in str(info.value)
    if suffix == ".csv":
        assert "No space left" in str(info.value)
    assert target.read_bytes() == before  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no .part left


def test_missing_folder_is_an_export_error(tmp_path):
    with pytest.raises(ExportError) as info:
        export_table(tricky_frame(), tmp_path / "no" / "such" / "dir" / "x.csv")
    assert "x.csv" in str(info.value)

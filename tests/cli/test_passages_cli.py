"""``llmstudio passages`` and ``llmstudio crosstab``: the files they write read back
(XLSX through openpyxl, CSV through the csv module), formula cells guarded, and one clear
line naming an unknown codebook, code, coder or column."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from llmstudio.cli import main

from helpers.retrieval import TEXTS, make_project


@pytest.fixture
def project_path(tmp_path):
    path = tmp_path / "r.llmstudio"
    make_project(path).close()
    return path


def test_passages_and_crosstab_as_users_run_them(cli, project_path, tmp_path):
    out = tmp_path / "housing.xlsx"
    done = cli("passages")(
        project_path,
        "--codebook",
        "Issues",
        "--code",
        "Housing",
        "--children",
        "--where",
        "party=A",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert "2 passages and 1 whole text in 3 rows" in done.stderr
    sheet = openpyxl.load_workbook(out)["data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:10] == (
        "Row",
        "Coder",
        "Code",
        "Kind",
        "Start",
        "End",
        "Passage",
        "Context before",
        "Context after",
        "Memo",
    )
    assert rows[0][10:] == ("party", "wave")
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        (1, "Rents", "whole text"),
        (3, "Landlords", "passage"),
        (5, "Rents", "passage"),
    ]
    assert rows[2][6] == "landlord 😡" and rows[1][9] == "doubling"
    query = list(openpyxl.load_workbook(out)["query"].iter_rows(values_only=True))
    assert "rows where party is A" in query[1][0]

    table = tmp_path / "by_party.csv"
    done = cli("crosstab")(
        project_path, "--codebook", "Issues", "--by", "party", "--share", "column", "--out", table
    )
    assert done.returncode == 0, done.stderr
    assert "note: A parent code is a subtotal" in done.stderr
    with open(table, encoding="utf-8", newline="") as f:
        read = list(csv.reader(f))
    assert read[0] == ["Code", "Under", "A", "B", "(missing)", "Total"]
    assert read[1] == ["Housing", "", "100.0", "50.0", "0.0", "66.7"]
    assert read[-1][0] == "All coded texts"


def test_a_formula_in_a_passage_is_guarded(project_path, tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert (
        main(
            [
                "passages",
                str(project_path),
                "--codebook",
                "Issues",
                "--code",
                "Transport",
                "--kinds",
                "passages",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    with open(out, encoding="utf-8", newline="") as f:
        row = list(csv.DictReader(f))[0]
    assert row["Passage"] == "the trains are late"
    assert row["Context before"] == "'=SUM(A1) "  # a spreadsheet would run it otherwise
    assert TEXTS[5].startswith("=SUM")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["passages", "--codebook", "Themes"], "no codebook 'Themes' (its codebooks: Issues)"),
        (["passages", "--codebook", "Issues", "--code", "Parking"], "has no code 'Parking'"),
        (["passages", "--codebook", "Issues", "--coder", "carl"], "nobody called 'carl'"),
        (["passages", "--codebook", "Issues", "--where", "region=x"], "no column 'region'"),
        (["passages", "--codebook", "Issues", "--where", "party"], "write COLUMN=VALUE"),
        (["crosstab", "--codebook", "Issues", "--by", "region"], "no column 'region'"),
        (["crosstab", "--codebook", "Issues", "--by", "party", "--run", "4"], "run 4 did not"),
    ],
)
def test_errors_are_one_line_naming_what_is_wrong(project_path, tmp_path, capsys, args, message):
    out = tmp_path / "x.csv"
    command, *rest = args
    assert main([command, str(project_path), *rest, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_a_wrong_suffix_is_a_usage_error(project_path, capsys):
    assert (
        main(
            [
                "crosstab",
                str(project_path),
                "--codebook",
                "Issues",
                "--by",
                "party",
                "--out",
                "t.txt",
            ]
        )
        == 2
    )
    assert "unknown export format '.txt'" in capsys.readouterr().err
    assert (
        main(
            [
                "crosstab",
                str(project_path),
                "--codebook",
                "Issues",
                "--by",
                "party",
                "--coder",
                "ana",
                "--run",
                "1",
                "--out",
                "t.csv",
            ]
        )
        == 2
    )
    assert "--coder and --run name two sources" in capsys.readouterr().err

"""``llmstudio export`` writes the coders' memos: in the table (``memo_<coder>``) and in
the coding log (``--coding-log``), run as users run it."""

from __future__ import annotations

import pandas as pd

from llmstudio.core import human_codes
from llmstudio.core.project import Project

from annotated_project import BOOK, make_project


def test_table_and_coding_log_carry_the_memos(cli, tmp_path):
    study = make_project(tmp_path)
    with Project.open(study) as p:
        human_codes.record(p, BOOK, "ana", 1, ["negative"], "irony, I think")
        human_codes.record(p, BOOK, "ana", 1, ["neutral"])  # the memo stays
    export = cli("export")
    done = export(study, "--out", "t.csv", "--coding-log", "log.xlsx")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "t.csv", dtype=str)
    assert table["memo_ana"].fillna("").tolist() == ["", "irony, I think", "", "", "", ""]
    log = pd.read_excel(tmp_path / "log.xlsx", dtype=str, keep_default_na=False)
    mine = log[log["memo"] == "irony, I think"]
    assert mine["codes"].tolist() == ["negative", "neutral"]
    assert mine["row"].tolist() == ["2", "2"]  # 1-based, as the window shows rows
    assert "wrote log.xlsx" in done.stderr


def test_a_bad_coding_log_suffix_is_refused_before_anything_is_written(cli, tmp_path):
    study = make_project(tmp_path)
    done = cli("export")(study, "--out", "t.csv", "--coding-log", "log.txt")
    assert done.returncode == 2
    assert "log.txt" in done.stderr and "unknown export format" in done.stderr
    assert not (tmp_path / "t.csv").exists() and not (tmp_path / "log.txt").exists()


def test_coding_log_alone_is_enough(cli, tmp_path):
    study = make_project(tmp_path)
    done = cli("export")(study, "--coding-log", "log.csv")
    assert done.returncode == 0, done.stderr
    log = pd.read_csv(tmp_path / "log.csv", dtype=str, keep_default_na=False)
    assert list(log.columns) == list(human_codes.LOG_COLUMNS)
    assert len(log) == 10  # make_project's clicks: 5 by ana, 5 by bo

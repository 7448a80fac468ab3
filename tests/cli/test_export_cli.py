"""``llmstudio export``, run as users run it: ``python -m llmstudio export ...``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.annotated import annotated_table, stata_names
from llmstudio.core.project import Project

from annotated_project import TEXTS, make_project


@pytest.fixture
def export(cli):
    """``export(*args)`` -> CompletedProcess of ``python -m llmstudio export``, in tmp_path."""
    return cli("export")


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("cli"))


def test_every_format_from_the_suffix(export, study, tmp_path):
    with Project.open(study) as p:
        frame, _ = annotated_table(p)
    for suffix in (".csv", ".xlsx", ".parquet", ".dta"):
        out = tmp_path / f"table{suffix}"
        done = export(study, "--out", out)
        assert done.returncode == 0, done.stderr
        assert f"wrote {out}" in done.stderr
        if suffix == ".csv":
            got = pd.read_csv(out, dtype=str, keep_default_na=False)
        elif suffix == ".xlsx":
            got = pd.read_excel(out, sheet_name="data", dtype=object)
            assert "columns" in pd.ExcelFile(out).sheet_names
        elif suffix == ".parquet":
            got = pd.read_parquet(out)
        else:
            got = pd.read_stata(out)
            got.columns = [
                dict(zip(stata_names(frame.columns).values(), frame.columns))[c]
                for c in got.columns
            ]
        assert list(got.columns) == list(frame.columns)
        assert got["text"].tolist()[4:] == TEXTS[4:]
        assert got["sentiment_label"].astype(str).tolist() == frame["sentiment_label"].tolist()


def test_methods_record_with_bias_reports(export, study, tmp_path):
    reports = []
    for name in ("gender", "names"):
        path = tmp_path / name / "report.json"
        path.parent.mkdir()
        path.write_text(
            json.dumps(
                {
                    "n": 10,
                    "changed_share": 0.1,
                    "task": "sentiment",
                    "swap_list": {"name": name, "pairs": 3},
                }
            ),
            "utf-8",
        )
        reports.append(path)
    done = export(
        study,
        "--methods",
        "m.md",
        "--bias-report",
        reports[0],
        "--bias-report",
        reports[1],
        "--bootstrap",
        "100",
    )
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "m.md").read_text("utf-8")
    assert "Run 1: sentiment with vader" in md and "Run 2: sentiment with vader" in md
    assert str(reports[0]) in md and str(reports[1]) in md
    assert "Suggested methods paragraph" in md
    (tmp_path / "c.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', "utf-8")
    done = export(
        study, "--methods", "m.html", "--out", "t.csv", "--bootstrap", "0", "--chart", "c.svg"
    )
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "m.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/svg+xml;base64," in page
    assert (tmp_path / "t.csv").exists()


@pytest.mark.parametrize(
    "args, message, status",
    [
        ((), "give --out FILE", 2),
        (("--out", "x.sav"), "unknown export format '.sav'", 2),
        (("--methods", "m.txt"), "a methods record is .md or .html", 2),
        (("--out", "x.csv", "--bias-report", "r.json"), "--bias-report and --chart go into", 2),
        (("--methods", "m.md", "--bias-report", "missing/report.json"), "cannot read the bias", 1),
        (("--methods", "m.md", "--chart", "missing.png"), "no such chart file", 1),
    ],
)
def test_errors_are_one_line_and_write_nothing(export, study, tmp_path, args, message, status):
    done = export(study, *args)
    assert done.returncode == status  # 2: the command line; 1: a file (exit_codes.py)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("llmstudio: error:") and message in lines[0]
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "m.md").exists()


def test_a_data_file_or_a_missing_project_is_refused(export, tmp_path):
    (tmp_path / "d.csv").write_text("text\nhi\n", "utf-8")
    done = export(tmp_path / "d.csv", "--out", "o.csv")
    assert done.returncode == 1 and "not a project" in done.stderr
    done = export(tmp_path / "none.llmstudio", "--out", "o.csv")
    assert done.returncode == 1 and "no such file" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_real_bias_report_goes_into_the_record(export, cli, study, tmp_path):
    (tmp_path / "c.csv").write_text(
        "text\nHe is a great doctor\nShe was awful to him\nthe weather\n", "utf-8"
    )
    done = cli("bias")(
        "c.csv", "--swap", "gender", "--model", "lexicon", "--out", "bias", "--bootstrap", "100"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "bias" / "report.json").read_text("utf-8"))
    done = export(
        study, "--methods", "m.md", "--bias-report", "bias/report.json", "--bootstrap", "0"
    )
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "m.md").read_text("utf-8").replace("**", "")
    section = md.split("### Bias report", 1)[1].split("## Suggested", 1)[0]
    assert "counterfactual swaps, list gender" in section
    assert (
        f"n: {report['n']}" in section
        and f"rows_with_swaps: {report['rows_with_swaps']}" in section
    )
    assert "label changed for" in md.split("## Suggested", 1)[1]

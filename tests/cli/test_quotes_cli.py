"""Unbalanced quotes from the command line: the line is named on stderr, --quoting gives
the other reading, and a table read as 0 rows is an error, never "done"."""

from __future__ import annotations

import csv
import json

from llmstudio.cli.exit_codes import DONE, ERROR, USAGE_OR_CANCELLED

STRAY = 'id,text\n1,"hello there\n2,world is good\n3,again bad\n'


def test_inspect_names_the_quote_and_offers_the_quoted_reading(tmp_path, cli):
    (tmp_path / "q.csv").write_text(STRAY, encoding="utf-8")
    done = cli("inspect")("q.csv", "--json")
    assert done.returncode == DONE, done.stderr
    summary = json.loads(done.stdout)
    assert summary["rows"] == 3 and summary["quoting"] == "auto"
    [problem] = summary["problems"]
    assert problem.startswith("line 2: the quote at column 3 never closes")
    quoted = json.loads(cli("inspect")("q.csv", "--json", "--quoting", "csv").stdout)
    assert quoted["rows"] == 1 and quoted["quoting"] == "csv"
    assert quoted["problems"][0].startswith("line 2:")


def test_unknown_quoting_is_a_usage_error(tmp_path, cli):
    (tmp_path / "q.csv").write_text(STRAY, encoding="utf-8")
    done = cli("inspect")("q.csv", "--quoting", "maybe")
    assert done.returncode == USAGE_OR_CANCELLED
    assert "invalid choice: 'maybe'" in done.stderr


def test_annotate_says_where_the_quote_opened_and_keeps_every_row(tmp_path, annotate_cli):
    (tmp_path / "q.csv").write_text(STRAY, encoding="utf-8")
    done, _ = annotate_cli("q.csv", "--model", "lexicon", "--out", "out.csv")
    assert done.returncode == DONE, done.stderr
    assert "note: q.csv: line 2: the quote at column 3 never closes" in done.stderr
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["text"] for r in rows] == ['"hello there', "world is good", "again bad"]


def test_annotate_refuses_a_table_read_as_zero_rows(tmp_path, annotate_cli):
    (tmp_path / "h.csv").write_text('"id,text\n1,hello\n2,world\n', encoding="utf-8")
    done, _ = annotate_cli("h.csv", "--model", "lexicon", "--out", "out.csv", "--quoting", "csv")
    assert done.returncode == ERROR
    assert "h.csv: read as 0 rows, nothing to run (line 1: the quote at column 1" in done.stderr
    assert not (tmp_path / "out.csv").exists()
    # The default reading of the same file has its two rows.
    done, _ = annotate_cli("h.csv", "--model", "lexicon", "--out", "out.csv")
    assert done.returncode == DONE, done.stderr
    assert "wrote 2 rows" in done.stderr


def test_annotate_refuses_a_header_without_rows(tmp_path, annotate_cli):
    (tmp_path / "e.csv").write_text("id,text\n", encoding="utf-8")
    done, _ = annotate_cli("e.csv", "--model", "lexicon")
    assert done.returncode == ERROR
    assert "e.csv: read as 0 rows, nothing to run (a header and no rows)" in done.stderr
    assert not list(tmp_path.glob("*.llmstudio"))  # no empty project left beside it


def test_bias_refuses_a_table_read_as_zero_rows(tmp_path, cli):
    (tmp_path / "e.csv").write_text("id,text\n", encoding="utf-8")
    done = cli("bias")("e.csv", "--swap", "gender", "--model", "lexicon", "--out", "b")
    assert done.returncode == ERROR
    assert "e.csv: read as 0 rows, nothing to run (a header and no rows)" in done.stderr
    assert not (tmp_path / "b").exists()

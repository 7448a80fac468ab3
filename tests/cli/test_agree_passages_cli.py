"""``llmstudio agree PROJECT --passages`` as users run it: the JSON is the core's, the
table names the method, bad input is one line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from llmstudio.core import human_codes as hc
from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.passage_agreement import agreement_on_passages
from llmstudio.core.project import Project

BOOK = Codebook(
    codes=(Code("Housing"), Code("Rents", parent="Housing"), Code("Transport")), name="Issues"
)
TEXTS = ["Rents doubled.", "Buses 😡 late.", "Nothing here.", "Potholes."]


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.llmstudio"
    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    with Project.create(path, Corpus(frame=frame, text_column="text", source="t.csv")) as p:
        p.save_codebook(BOOK)
        ps.add(p, BOOK, "ana", 0, 0, 5, "Rents")
        ps.add(p, BOOK, "ben", 0, 0, 7, "Rents")
        ps.add(p, BOOK, "ana", 1, 0, 5, "Transport")
        ps.add(p, BOOK, "ben", 1, 0, 8, "Transport")
        hc.record(p, BOOK, "ana", 2, [])
        hc.record(p, BOOK, "ben", 2, [])
    return path


def test_passages_json_is_the_core_and_the_table_names_the_method(cli, project):
    agree = cli("agree")
    done = agree(project, "--passages", "--json", "--bootstrap", "100", "--code", "Rents")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    with Project.open(project) as p:
        core = agreement_on_passages(p, BOOK, codes=["Rents"], n_resamples=100)
    assert out["codes"] == json.loads(json.dumps([c.to_dict() for c in core]))
    pair = out["codes"][0]["pairs"][0]
    assert (pair["rows"], pair["characters"], pair["coded_by_both"]) == (3, 40, 5)
    assert out["codes"][0]["unit"] == "character"
    done = agree(project, "--passages", "--bootstrap", "0")
    assert done.returncode == 0, done.stderr
    assert "unit = character" in done.stdout and "resample rows" in done.stdout
    # Housing: nobody marked it; no statistics, which would read as perfect agreement
    housing = next(line for line in done.stdout.splitlines() if line.strip().startswith("Housing"))
    assert housing.split() == ["Housing", "not", "used", "by", "these", "coders"]
    done = agree(project, "--passages", "--json", "--bootstrap", "0", "--code", "Housing")
    housing = json.loads(done.stdout)["codes"][0]
    assert housing == {"code": "Housing", "used": False, "problem": "not used by these coders"}


def test_passages_pairs_with_no_common_row_are_left_out_and_said(cli, project):
    with Project.open(project) as p:  # cid looked only at row 3, which nobody else did
        ps.add(p, BOOK, "cid", 3, 0, 4, "Transport")
    agree = cli("agree")
    done = agree(project, "--passages", "--bootstrap", "0", "--code", "Rents")
    assert done.returncode == 0, done.stderr
    assert "2 pairs of coders left out (no row both coders looked at): ana / cid, ben / cid" in (
        done.stdout
    )
    assert "/ cid" not in done.stdout.split("left out")[0]  # no statistics for them
    done = agree(project, "--passages", "--json", "--bootstrap", "0", "--code", "Rents")
    rents = json.loads(done.stdout)["codes"][0]
    assert [p["coders"] for p in rents["pairs"]] == [["ana", "ben"]]
    assert [p["coders"] for p in rents["pairs_left_out"]] == [["ana", "cid"], ["ben", "cid"]]


def test_passages_bad_input_is_one_line(cli, project, tmp_path):
    agree = cli("agree")
    done = agree(project, "--passages", "--coders", "ana", "zoe")
    assert done.returncode != 0 and "'zoe' coded no row" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "t.csv").write_text("text\nhello\n", encoding="utf-8")
    done = agree(tmp_path / "t.csv", "--passages")
    assert done.returncode != 0 and "not a project" in done.stderr

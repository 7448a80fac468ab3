"""``llmstudio export --level unit|document``, run as users run it."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project

from helpers.units_corpus import make_units_project, units_frame


@pytest.fixture
def export(cli):
    return cli("export")


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    return make_units_project(tmp_path_factory.mktemp("level") / "units.llmstudio")


def test_both_levels_read_back(export, units, tmp_path):
    done = export(units, "--out", tmp_path / "units.csv")  # the default: one row per unit
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(tmp_path / "units.csv")) == 9
    out = tmp_path / "docs.xlsx"
    done = export(units, "--out", out, "--level", "document", "--methods", tmp_path / "m.md")
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: 3 documents from 9 units" in done.stderr
    assert "note: left out, as they vary within a document: 'speaker'" in done.stderr
    data = pd.read_excel(out, sheet_name="data")
    assert data["document"].tolist() == ["A", "B", "C"]
    assert data["units"].tolist() == [3, 2, 4]
    assert "Results per document" in (tmp_path / "m.md").read_text(encoding="utf-8")


def test_document_level_without_document_column_says_so(export, tmp_path):
    path = tmp_path / "plain.llmstudio"
    with Project.create(path, Corpus(units_frame().drop(columns=["document"]), "text")):
        pass
    done = export(path, "--out", tmp_path / "docs.csv", "--level", "document")
    assert done.returncode == 2, done.stderr
    assert "--level document needs a corpus with a 'document' column" in done.stderr
    assert "party" in done.stderr  # the columns it has
    assert not (tmp_path / "docs.csv").exists()


def test_document_level_is_for_the_table(export, units, tmp_path):
    done = export(units, "--methods", tmp_path / "m.md", "--level", "document")
    assert done.returncode == 2
    assert "--level document is for the table" in done.stderr

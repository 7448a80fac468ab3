"""Memos through the command line as users run it: ``llmstudio export P --out F.qdpx``
writes every memo as a note (valid QDA-XML), ``llmstudio import`` brings each back (project,
code, row, passage) with author, title and date, and says how many it made."""

from __future__ import annotations

import zipfile

import xmlschema

from llmstudio.core import memos
from llmstudio.core.project import Project

from helpers.memos import make


def test_memos_round_trip_through_the_commands(cli, tmp_path, shared_data):
    project = make(tmp_path / "study.llmstudio")
    with Project.open(project) as p:
        before = memos.all_memos(p)
    done = cli("export")(project, "--out", "study.qdpx")
    assert done.returncode == 0, done.stderr
    schema = xmlschema.XMLSchema(str(shared_data / "refi_qda" / "Project-mrt2019.xsd"))
    with zipfile.ZipFile(tmp_path / "study.qdpx") as zf:
        qde = zf.read("project.qde").decode("utf-8")
    schema.validate(qde)
    assert "Rents overlaps with Housing" in qde and "the word 'doubled' matters" in qde
    done = cli("import")("study.qdpx", "--project", "back.llmstudio")
    assert done.returncode == 0, done.stderr
    assert "2 project memos, 1 code memo\n" in done.stderr
    with Project.open(tmp_path / "back.llmstudio") as p:
        after = memos.all_memos(p)
    keep = lambda m: (m.kind, m.author, m.title, m.text, m.code, m.row_id, m.created)  # noqa: E731
    assert [keep(m) for m in after] == [keep(m) for m in before]

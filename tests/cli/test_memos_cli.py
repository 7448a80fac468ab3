"""Memos through the command line as users run it: ``llmstudio export P --out F.qdpx``
writes project and code memos as notes (valid QDA-XML), ``llmstudio import`` brings them
back with author, title and dates, and says how many it made."""

from __future__ import annotations

import zipfile

import xmlschema

from llmstudio.core import memos, passages
from llmstudio.core.project import Project

from helpers.memos import make


def test_memos_round_trip_through_the_commands(cli, tmp_path, shared_data):
    project = make(tmp_path / "study.llmstudio")
    with Project.open(project) as p:
        # passages go out as selections; the import of partial selections is another part
        before = [m for m in memos.all_memos(p) if m.kind in ("project", "code")]
    done = cli("export")(project, "--out", "study.qdpx")
    assert done.returncode == 0, done.stderr
    schema = xmlschema.XMLSchema(str(shared_data / "refi_qda" / "Project-mrt2019.xsd"))
    with zipfile.ZipFile(tmp_path / "study.qdpx") as zf:
        qde = zf.read("project.qde").decode("utf-8")
    schema.validate(qde)
    assert "Rents overlaps with Housing" in qde and "the word 'doubled' matters" in qde
    with Project.open(project) as p:  # the import takes whole rows only, for now
        for x in passages.find(p, "Issues"):
            passages.remove(p, x.id)
    done = cli("export")(project, "--out", "rows.qdpx")
    assert done.returncode == 0, done.stderr
    done = cli("import")("rows.qdpx", "--project", "back.llmstudio")
    assert done.returncode == 0, done.stderr
    assert "2 project memos, 1 code memos" in done.stderr
    with Project.open(tmp_path / "back.llmstudio") as p:
        after = [m for m in memos.all_memos(p) if m.kind in ("project", "code")]
    keep = lambda m: (m.kind, m.author, m.title, m.text, m.code, m.created, m.modified)  # noqa: E731
    assert [keep(m) for m in after] == [keep(m) for m in before]

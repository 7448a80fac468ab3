"""``llmstudio export PROJECT --out FILE.qdpx`` and ``llmstudio import FILE.qdpx --project
P.llmstudio`` as users run them: a round trip keeps the coding; bad input is one line,
exit status 1, and no project."""

from __future__ import annotations

import zipfile

import xmlschema

from llmstudio.core import human_codes, passages
from llmstudio.core.project import Project

from annotated_project import BOOK, make_project
from helpers.qdpx_files import maxqda


def test_export_then_import_round_trip(cli, tmp_path, shared_data):
    project = make_project(tmp_path)
    with Project.open(project) as p:
        human_codes.record(p, BOOK, "ana", 1, ["negative"], "angry, not sad")
        passages.add(p, BOOK, "bo", 1, 9, 14, "negative", "the word")
        passages.add(p, BOOK, "ana", 0, 0, 6, "positive")
        before = sorted(
            (c.coder, c.row_id, c.codes, c.memo) for c in human_codes.current(p, BOOK.name)
        )
        marked = sorted(
            (x.coder, x.row_id, x.start, x.end, x.code, x.memo) for x in passages.find(p, BOOK.name)
        )
    done = cli("export")(project, "--out", "study.qdpx")
    assert done.returncode == 0, done.stderr
    assert "wrote study.qdpx" in done.stderr
    schema = xmlschema.XMLSchema(str(shared_data / "refi_qda" / "Project-mrt2019.xsd"))
    with zipfile.ZipFile(tmp_path / "study.qdpx") as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
    done = cli("import")("study.qdpx", "--project", "back.llmstudio")
    assert done.returncode == 0, done.stderr
    assert "6 text sources as rows" in done.stderr and "wrote back.llmstudio" in done.stderr
    assert "2 passages" in done.stderr
    with Project.open(tmp_path / "back.llmstudio") as p:
        after = sorted(
            (c.coder, c.row_id, c.codes, c.memo) for c in human_codes.current(p, BOOK.name)
        )
        back = sorted(
            (x.coder, x.row_id, x.start, x.end, x.code, x.memo) for x in passages.find(p, BOOK.name)
        )
    assert after == before and back == marked


def test_import_keeps_partial_selections_as_passages(cli, tmp_path):
    maxqda(tmp_path / "mx.qdpx", partial=True)
    done = cli("import")("mx.qdpx", "--project", "mx.llmstudio")
    assert done.returncode == 0, done.stderr
    assert "1 row code, 1 passage, " in done.stderr
    with Project.open(tmp_path / "mx.llmstudio") as p:
        [passage] = passages.find(p, "MAXQDA export codes")
    assert (passage.row_id, passage.start, passage.end, passage.code) == (1, 0, 5, "Work")


def test_import_wants_a_qdpx_and_a_project_name(cli, tmp_path):
    maxqda(tmp_path / "mx.qdpx")
    done = cli("import")("mx.qdpx", "--project", "mx.csv")
    assert done.returncode == 2 and "ends in .llmstudio" in done.stderr


def test_codebook_alone_as_qdc(cli, tmp_path):
    from llmstudio.core.refi_qda import read_qdc

    project = make_project(tmp_path)
    done = cli("export")(project, "--out", "book.qdc", "--codebook", BOOK.name)
    assert done.returncode == 0, done.stderr
    assert read_qdc(tmp_path / "book.qdc")[0] == [BOOK]
    done = cli("export")(project, "--out", "book.qdc")
    assert done.returncode == 2 and "--codebook NAME" in done.stderr
    done = cli("export")(project, "--out", "book.qdc", "--codebook", "nope")
    assert done.returncode == 1 and "no codebook named 'nope'" in done.stderr

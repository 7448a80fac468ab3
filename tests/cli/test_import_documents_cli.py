"""``llmstudio import DIR --project P`` and ``inspect``/``convert`` of a folder, as users
run them: the project holds one row per document; skipped files and scanned pages are
said; bad input is one line, exit status 1, and no project."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.project import Project

from helpers.documents import PARAGRAPHS, write_docx, write_report_pdf
from helpers.pdf_files import write_pdf


def _folder(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    write_report_pdf(docs / "report.pdf", pages=4, scanned=(2,))
    write_docx(docs / "sub" / "interview.docx", author="Dee")
    write_pdf(docs / "scan.pdf", [None])
    return docs


def test_import_a_folder_as_a_project(cli, tmp_path):
    docs = _folder(tmp_path)
    done = cli("import")(docs, "--project", "p.llmstudio")
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "note: report.pdf, page 2: no text layer (a scanned page?)" in err
    assert "note: scan.pdf: skipped: no text layer on any of its 1 page(s)" in err
    assert "2 documents, 4 PDF pages," in err and "; 1 file skipped" in err
    with Project.open(tmp_path / "p.llmstudio") as p:
        frame = p.corpus().frame
        assert p.text_column == "text"
    assert list(frame["document"]) == ["report.pdf", "sub/interview.docx"]
    assert frame.loc[1, "author"] == "Dee" and PARAGRAPHS[1] in frame.loc[1, "text"]


def test_import_with_metadata_and_its_errors(cli, tmp_path):
    docs = _folder(tmp_path)
    (tmp_path / "meta.csv").write_text("file,party\ninterview.docx,Greens\nmissing.pdf,X\n")
    done = cli("import")(docs, "--project", "p.llmstudio", "--metadata", "meta.csv")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "meta.csv: 1 key(s) in column 'file' match no document: 'missing.pdf' (row 3)" in last
    assert not (tmp_path / "p.llmstudio").exists()
    (tmp_path / "meta.csv").write_text("file,party\ninterview.docx,Greens\n")
    done = cli("import")(docs, "--project", "p.llmstudio", "--metadata", "meta.csv")
    assert done.returncode == 0, done.stderr
    assert "note: 1 document(s) have no row in meta.csv: report.pdf" in done.stderr
    with Project.open(tmp_path / "p.llmstudio") as p:
        assert list(p.corpus().frame["party"].fillna("-")) == ["-", "Greens"]


def test_import_refuses_an_existing_project_and_an_empty_folder(cli, tmp_path):
    (tmp_path / "p.llmstudio").write_text("mine")
    (tmp_path / "empty").mkdir()
    done = cli("import")(tmp_path / "empty", "--project", "p.llmstudio")
    assert done.returncode == 2 and "a file of that name exists" in done.stderr
    assert (tmp_path / "p.llmstudio").read_text() == "mine"
    done = cli("import")(tmp_path / "empty", "--project", "q.llmstudio")
    assert done.returncode == 1 and "the folder holds no documents" in done.stderr
    assert not (tmp_path / "q.llmstudio").exists()


def test_inspect_and_convert_a_folder(cli, tmp_path):
    docs = _folder(tmp_path)
    done = cli("inspect")(docs)
    assert done.returncode == 0, done.stderr
    assert "format:      documents" in done.stdout and "rows:        2" in done.stdout
    assert "  - scan.pdf: skipped: no text layer" in done.stdout
    done = cli("convert")(docs, "--out", "docs.csv")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "docs.csv")
    assert list(table.columns[:3]) == ["document", "title", "text"]
    assert table.loc[0, "text"].startswith("Page 1 opens a paragraph that goes on.\n\n")


def test_metadata_is_for_documents_only(cli, tmp_path):
    from helpers.qdpx_files import maxqda

    maxqda(tmp_path / "mx.qdpx")
    (tmp_path / "meta.csv").write_text("file,party\na.txt,X\n")
    done = cli("import")("mx.qdpx", "--project", "mx.llmstudio", "--metadata", "meta.csv")
    assert done.returncode == 2 and "--metadata joins a table to documents" in done.stderr
    assert not (tmp_path / "mx.llmstudio").exists()


@pytest.mark.slow
def test_ctrl_c_cancels_and_writes_nothing(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from cli_process import cli_env
    from helpers.documents import write_report_pdf

    docs = tmp_path / "many"
    docs.mkdir()
    write_report_pdf(docs / "000.pdf", pages=40)  # a minute of reading for two processes
    for n in range(1, 300):
        (docs / f"{n:03}.pdf").write_bytes((docs / "000.pdf").read_bytes())
    process = subprocess.Popen(
        [sys.executable, "-m", "llmstudio", "import", docs, "--project", "p.llmstudio"],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's command has
    )
    first = process.stderr.readline()  # the progress line: reading has begun
    assert first.startswith("0/300 files read"), first
    time.sleep(3.0)  # the worker processes started and read
    os.killpg(process.pid, signal.SIGINT)  # Ctrl+C: every process of the command
    rest = process.communicate(timeout=60)[1]
    assert process.returncode == 2, rest
    assert "llmstudio: cancelled" in rest and "Traceback" not in rest
    assert not (tmp_path / "p.llmstudio").exists()

"""Documents in: each format's text against what was written, metadata, skipped files and
scanned pages reported, the metadata CSV and its errors, progress and Cancel."""

from __future__ import annotations

from unittest.mock import Mock

import pytest

from llmstudio.core.documents import document_summary, read_documents
from llmstudio.core.errors import Cancelled, CorpusError
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project

from helpers.documents import (
    PARAGRAPHS,
    write_docx,
    write_html,
    write_odt,
    write_report_pdf,
    write_rtf,
)
from helpers.pdf_files import flowed, write_pdf


def _one(path, **kw):
    corpus = read_documents(path, **kw)
    assert len(corpus.frame) == 1
    return corpus.frame.iloc[0], corpus.problems


def test_pdf_text_paragraphs_metadata_and_running_lines(tmp_path):
    row, problems = _one(write_report_pdf(tmp_path / "r.pdf", pages=4))
    expected = "\n\n".join(
        f"Page {n} opens a paragraph that goes on.\n\nPage {n} ends here." for n in range(1, 5)
    )
    assert row["text"] == expected  # header and page numbers out, hyphen joined
    assert (row["title"], row["author"], row["pages"]) == ("The report", "Ann Author", 4)
    assert row["created"] == "2024-03-15T09:30:00+00:00"
    assert row["document"] == "r.pdf" and row["format"] == "pdf"
    assert [str(p) for p in problems] == [
        "r.pdf, pages 1-4: running header, footer or page number left out"
    ]


def test_pdf_short_document_keeps_its_first_and_last_lines(tmp_path):
    # Two pages are too few to tell a running header from a repeated line: kept.
    row, _ = _one(write_report_pdf(tmp_path / "r.pdf", pages=2))
    assert row["text"].startswith("Annual Report 2024\n\nPage 1 opens")
    assert "Annual Report 2024" in row["text"].split("Page 2")[0].split("Page 1 ends here.")[1]


def test_pdf_scanned_page_reported_with_its_number(tmp_path):
    row, problems = _one(write_report_pdf(tmp_path / "r.pdf", pages=5, scanned=(3,)))
    assert "Page 3" not in row["text"] and "Page 4 ends here." in row["text"]
    assert row["pages"] == 5
    assert "r.pdf, page 3: no text layer (a scanned page?)" in str(problems[0])
    assert problems[0].pages == (3,)


def test_pdf_two_columns_in_reading_order(tmp_path):
    left = [(72, 700, "Left column starts"), (72, 686, "and ends here.")]
    right = [(320, 700, "Right column starts"), (320, 686, "and ends too.")]
    row, _ = _one(write_pdf(tmp_path / "c.pdf", [left + right]))
    assert row["text"] == "Left column starts and ends here.\n\nRight column starts and ends too."


def test_pdf_indented_first_line_starts_a_paragraph(tmp_path):
    lines = [(90, 700, "One sentence ends."), (72, 686, "more of it."), (90, 672, "Next one.")]
    row, _ = _one(write_pdf(tmp_path / "i.pdf", [lines]))
    assert row["text"] == "One sentence ends. more of it.\n\nNext one."


def test_scanned_pdf_encrypted_and_damaged_files_are_skipped_with_reasons(tmp_path):
    from pypdf import PdfReader, PdfWriter

    write_pdf(tmp_path / "scan.pdf", [None, None])
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really")
    writer = PdfWriter(clone_from=PdfReader(write_report_pdf(tmp_path / "x.pdf")))
    writer.encrypt("secret", algorithm="RC4-128")
    with open(tmp_path / "locked.pdf", "wb") as fh:
        writer.write(fh)
    (tmp_path / "x.pdf").unlink()
    (tmp_path / "empty.txt").write_text("  \n\n ")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "ok.txt").write_text("Kept.")
    corpus = read_documents(tmp_path)
    assert list(corpus.frame["document"]) == ["ok.txt"]
    lines = {p.file: p.what for p in corpus.problems}
    assert lines["scan.pdf"].startswith("skipped: no text layer on any of its 2 page(s)")
    assert lines["locked.pdf"] == "skipped: encrypted: it needs a password to open"
    assert lines["broken.pdf"].startswith("skipped: not a readable PDF")
    assert lines["empty.txt"] == "skipped: no text in it"
    assert lines["old.doc"] == "skipped: old Word .doc files cannot be read; save it as .docx"
    assert document_summary(corpus) == "1 document, 5 characters; 5 files skipped"


def test_pdf_locked_only_for_editing_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(write_report_pdf(tmp_path / "x.pdf", pages=1)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    with open(tmp_path / "y.pdf", "wb") as fh:
        writer.write(fh)
    row, _ = _one(tmp_path / "y.pdf")
    assert "Page 1 opens a paragraph" in row["text"]


def test_docx_body_order_tables_headers_and_metadata(tmp_path):
    path = write_docx(
        tmp_path / "i.docx",
        author="Dee",
        header="CONFIDENTIAL",
        table=[["name", "age"], ["Ann", "41"]],
        footnote=True,
    )
    row, problems = _one(path)
    assert row["text"] == "\n\n".join(
        [
            "Interview heading",
            PARAGRAPHS[0],
            "name\tage\nAnn\t41",
            PARAGRAPHS[1],
            "[1] A note at the foot.",
        ]
    )
    assert "CONFIDENTIAL" not in row["text"]
    assert (row["title"], row["author"]) == ("Interview heading", "Dee")
    assert [str(p) for p in problems] == ["i.docx: page headers and footers left out"]


def test_odt_text_and_metadata(tmp_path):
    path = write_odt(tmp_path / "o.odt", title="ODT title", author="Olga", table=[["a", "b"]])
    row, _ = _one(path)
    assert row["text"] == "\n\n".join(["ODT heading", PARAGRAPHS[0], "a\tb", PARAGRAPHS[1]])
    assert (row["title"], row["author"], row["format"]) == ("ODT title", "Olga", "odt")


def test_html_drops_navigation_scripts_styles_and_forms(tmp_path):
    row, _ = _one(write_html(tmp_path / "s.html"))
    assert row["text"] == "\n\n".join(["The speech", *PARAGRAPHS])
    assert (row["title"], row["author"]) == ("Speech page", "A. Speaker")


def test_rtf_text_in_its_code_page_and_info(tmp_path):
    row, _ = _one(write_rtf(tmp_path / "r.rtf"))
    assert row["text"] == "Café au lait.\n\n" + PARAGRAPHS[1]
    assert (row["title"], row["author"]) == ("RTF title", "Bob")


def test_txt_in_cp1252_and_markdown_front_matter(tmp_path):
    (tmp_path / "a.txt").write_bytes(
        "Caf\xe9 \x93quoted\x94.\r\n\r\n\r\nNext.\r\n".encode("latin-1")
    )
    (tmp_path / "b.md").write_text("---\ntitle: Notes\nauthor: [A, B]\n---\n# Heading\n\nBody.\n")
    (tmp_path / "c.md").write_text("Intro line\n\n## Second heading\n")
    frame = read_documents(tmp_path).frame.set_index("document")
    assert frame.loc["a.txt", "text"] == "Café “quoted”.\n\nNext."
    assert frame.loc["a.txt", "title"] == "Café “quoted”."  # no metadata: the first line
    assert frame.loc["b.md", "text"] == "# Heading\n\nBody."
    assert (frame.loc["b.md", "title"], frame.loc["b.md", "author"]) == ("Notes", "A, B")
    assert frame.loc["c.md", "title"] == "Second heading"


def test_folder_recursive_relative_paths_sorted_and_other_files_said(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("Zed.")
    (tmp_path / "a.txt").write_text("Ay.")
    (tmp_path / ".hidden.txt").write_text("not imported")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "data.csv").write_text("a,b\n")
    corpus = read_documents(tmp_path)
    assert list(corpus.frame["document"]) == ["a.txt", "b/z.txt"]
    assert corpus.text_column == "text" and corpus.format == "documents"
    assert str(corpus.problems[0]) == (
        "2 other files are not documents and were left out (.csv: 1, .jpg: 1)"
    )


def test_empty_folder_and_nothing_readable_are_errors(tmp_path):
    with pytest.raises(CorpusError, match="holds no documents"):
        read_documents(tmp_path)
    write_pdf(tmp_path / "scan.pdf", [None])
    with pytest.raises(CorpusError, match="no document could be imported.*scan.pdf"):
        read_documents(tmp_path)
    with pytest.raises(CorpusError, match="no such file or folder"):
        read_documents(tmp_path / "nowhere")


def _meta_folder(tmp_path):
    docs = tmp_path / "docs"
    (docs / "x").mkdir(parents=True)
    (docs / "one.txt").write_text("One.")
    (docs / "two.txt").write_text("Two.")
    (docs / "x" / "two.txt").write_text("Another two.")
    return docs


def test_metadata_csv_joined_by_name_or_path(tmp_path):
    docs = _meta_folder(tmp_path)
    meta = tmp_path / "meta.csv"
    meta.write_text("file,party,title\none.txt,Greens,T1\nx/two.txt,Labour,T2\n")
    corpus = read_documents(docs, metadata=meta)
    frame = corpus.frame.set_index("document")
    assert frame.loc["one.txt", "party"] == "Greens"
    assert frame.loc["x/two.txt", "party"] == "Labour"
    assert frame.loc["two.txt", "party"] is None or frame["party"].isna()["two.txt"]
    assert frame.loc["one.txt", "title_2"] == "T1"  # ours kept, theirs renamed
    said = [str(p) for p in corpus.problems]
    assert "meta.csv: its column 'title' is named 'title_2' (the documents have one)" in said
    assert "1 document(s) have no row in meta.csv: two.txt" in said


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("nope.txt,a", r"1 key\(s\) in column 'file' match no document: 'nope.txt' \(row 2\)"),
        ("two.txt,a", r"match several documents .*'two.txt' \(row 2: two.txt, x/two.txt\)"),
        ("one.txt,a\none.txt,b", r"given twice: 'one.txt' \(rows 2 and 3\)"),
    ],
)
def test_metadata_keys_that_match_nothing_or_twice_stop_the_import(tmp_path, rows, message):
    docs = _meta_folder(tmp_path)
    meta = tmp_path / "meta.csv"
    meta.write_text(f"file,party\n{rows}\n")
    with pytest.raises(CorpusError, match=message) as info:
        read_documents(docs, metadata=meta)
    assert str(meta) in str(info.value)


def test_progress_per_file_and_cancel(tmp_path):
    for n in range(5):
        (tmp_path / f"{n}.txt").write_text(f"Text {n}.")
    progress = Mock()
    read_documents(tmp_path, monitor=Monitor(progress))
    assert [c.args for c in progress.call_args_list] == [(0, 5)] + [(n, 5) for n in range(1, 6)]
    assert progress.call_args.kwargs == {"message": "4.txt"}
    monitor = Monitor(lambda done, total, **_: done >= 2 and monitor.cancel())
    with pytest.raises(Cancelled):
        read_documents(tmp_path, monitor=monitor)


def test_several_processes_give_the_same_corpus(tmp_path):
    for n in range(20):
        (tmp_path / f"{n:02}.txt").write_text(f"Text {n}.\n\nSecond {n}.")
    write_pdf(tmp_path / "scan.pdf", [None])
    one = read_documents(tmp_path)
    two = read_documents(tmp_path, workers=2)
    assert one.frame.equals(two.frame) and len(one.frame) == 20
    assert [str(p) for p in one.problems] == [str(p) for p in two.problems]


def test_document_corpus_stored_in_a_project(tmp_path):
    write_report_pdf(tmp_path / "r.pdf")
    write_docx(tmp_path / "w.docx")
    corpus = read_documents(tmp_path)
    with Project.create(tmp_path / "p.llmstudio", corpus) as project:
        stored = project.corpus()
        assert stored.frame.equals(corpus.frame)
        assert stored.text_column == "text" and stored.format == "documents"
        assert [p.message for p in stored.problems] == [p.message for p in corpus.problems]


def test_two_column_pdf_with_flowed_paragraphs(tmp_path):
    # flowed() lays out real paragraph gaps: the gap, not the line spacing, splits them.
    row, _ = _one(write_pdf(tmp_path / "f.pdf", [flowed(["a b\nc d", "e f"])]))
    assert row["text"] == "a b c d\n\ne f"


def test_damaged_files_of_every_format_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"PK\x03\x04 not a zip really")
    (tmp_path / "b.odt").write_bytes(b"plain text, not a package")
    (tmp_path / "c.rtf").write_text("no rtf header here")
    (tmp_path / "d.html").write_text("   \n")
    (tmp_path / "e.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "ok.md").write_text("# Kept\n")
    corpus = read_documents(tmp_path)
    assert list(corpus.frame["document"]) == ["ok.md"]
    lines = {p.file: p.what for p in corpus.problems}
    assert lines["a.docx"].startswith("skipped: not a readable Word document")
    assert lines["b.odt"].startswith("skipped: not a readable OpenDocument file")
    assert lines["c.rtf"] == "skipped: not an RTF file (it does not start with {\\rtf)"
    assert lines["d.html"] == "skipped: the file is empty"
    assert lines["e.txt"] == "skipped: this is a PNG image, not text"


def test_an_empty_metadata_table_is_an_error(tmp_path):
    docs = _meta_folder(tmp_path)
    meta = tmp_path / "meta.csv"
    meta.write_text("file,party\n")
    with pytest.raises(CorpusError, match="the metadata table has no rows"):
        read_documents(docs, metadata=meta)


def test_pdf_header_that_carries_the_page_number_left_out(tmp_path):
    # As texinfo and LaTeX books write them: the chapter changes, the page number runs
    # on; a body line that ends in a number at the top of a page stays.
    titles = ["Chapter 1: Start", "Chapter 1: Start", "Chapter 2: More", "Chapter 2: More"]
    bodies = ["Apples grow.", "Pears fall.", "Plums ripen.", "Figs dry.", "Limes sour."]
    pages = [
        [(72, 760, f"{title} {n + 10}"), (72, 720, bodies[n])] for n, title in enumerate(titles)
    ]
    pages.append([(72, 760, "Table 7 lists 12"), (72, 720, bodies[4])])
    row, problems = _one(write_pdf(tmp_path / "book.pdf", pages))
    assert row["text"] == "\n\n".join([*bodies[:4], "Table 7 lists 12", bodies[4]])
    assert str(problems[0]) == (
        "book.pdf, pages 1-4: running header, footer or page number left out"
    )


def test_without_worker_processes_the_rest_is_read_here(tmp_path, monkeypatch):
    import concurrent.futures.process as futures

    from llmstudio.core.documents import folder

    class Broken(futures.ProcessPoolExecutor):
        def map(self, *args, **kwargs):
            yield from list(super().map(*args, **kwargs))[:3]
            raise futures.BrokenProcessPool("a worker died")

    monkeypatch.setattr(folder, "ProcessPoolExecutor", Broken)
    for n in range(20):
        (tmp_path / f"{n:02}.txt").write_text(f"Text {n}.")
    frame = read_documents(tmp_path, workers=2).frame
    assert list(frame["text"]) == [f"Text {n}." for n in range(20)]


def test_pdf_repeated_last_line_at_other_heights_is_text(tmp_path):
    # "Thank you." ends three pages, but where the text ends: not a footer.
    pages = [
        [(72, 720, f"{word} starts here."), (72, 700 - 14 * n, "Thank you.")]
        for n, word in enumerate(["One", "Two", "Three"])
    ]
    row, problems = _one(write_pdf(tmp_path / "t.pdf", pages))
    assert row["text"].count("Thank you.") == 3 and problems == []

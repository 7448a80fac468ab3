"""Documents of every format the document import reads, written in the tests (python-docx
and odfpy write DOCX and ODT; PDFs come from ``pdf_files``), with the texts they hold so a
test compares what was imported with what was written."""

from __future__ import annotations

from pathlib import Path

from .pdf_files import flowed, write_pdf

PARAGRAPHS = [
    "The first paragraph of the interview, where the respondent speaks at length.",
    "A second paragraph: shorter.",
]


def write_docx(path: Path, *, title=None, author=None, header=None, table=None, footnote=False):
    """A Word file: a heading, the two PARAGRAPHS with ``table`` (rows of cells) between
    them; a page header; core properties."""
    import docx

    doc = docx.Document()
    if title is not None:
        doc.core_properties.title = title
    if author is not None:
        doc.core_properties.author = author
    doc.add_heading("Interview heading", 1)
    doc.add_paragraph(PARAGRAPHS[0])
    if table:
        grid = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    doc.add_paragraph(PARAGRAPHS[1])
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    if footnote:
        _add_footnote(doc, "A note at the foot.")
    doc.save(path)
    return path


_FOOTNOTES = (
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
    '</w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def _add_footnote(doc, text: str) -> None:
    """A footnotes part as Word writes one (python-docx cannot add footnotes itself)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        _FOOTNOTES.format(text).encode(),
        doc.part.package,
    )
    doc.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


def write_odt(path: Path, *, title=None, author=None, table=None):
    """An OpenDocument text: a heading and the two PARAGRAPHS (``table``, rows of cells,
    between them), with ``dc:title``/creator."""
    from odf import dc
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    if title:
        doc.meta.addElement(dc.Title(text=title))
    if author:
        doc.meta.addElement(dc.Creator(text=author))
    doc.text.addElement(H(outlinelevel=1, text="ODT heading"))
    doc.text.addElement(P(text=PARAGRAPHS[0]))
    if table:
        grid = Table()
        for row in table:
            line = TableRow()
            for value in row:
                cell = TableCell()
                cell.addElement(P(text=value))
                line.addElement(cell)
            grid.addElement(line)
        doc.text.addElement(grid)
    doc.text.addElement(P(text=PARAGRAPHS[1]))
    doc.save(str(path))
    return path


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Speech page</title>
<meta name="author" content="A. Speaker"><style>p {{color: red}}</style>
<script>var tracking = "do not import";</script></head><body>
<nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<div role="navigation">Menu entry</div>
<h1>The speech</h1><p>{0}</p><p>{1}</p>
<form><input value="Search"></form></body></html>"""


def write_html(path: Path) -> Path:
    path.write_text(HTML.format(*PARAGRAPHS), encoding="utf-8")
    return path


def write_rtf(path: Path) -> Path:
    """An RTF with an info group and two paragraphs, one with a cp1252 escape (é)."""
    path.write_text(
        r"{\rtf1\ansi\ansicpg1252{\info{\title RTF title}{\author Bob}}"
        r"Caf\'e9 au lait.\par " + PARAGRAPHS[1] + r"\par}",
        encoding="ascii",
    )
    return path


def write_report_pdf(path: Path, pages: int = 4, scanned: tuple[int, ...] = ()) -> Path:
    """A PDF with a running header and page numbers on every text page, two paragraphs a
    page (the first hyphenated across its line end), image-only pages at ``scanned``."""
    content = []
    for n in range(1, pages + 1):
        if n in scanned:
            content.append(None)
            continue
        content.append(
            [(72, 760, "Annual Report 2024")]
            + flowed([f"Page {n} opens a para-\ngraph that goes on.", f"Page {n} ends here."])
            + [(300, 40, str(n))]
        )
    return write_pdf(
        path, content, title="The report", author="Ann Author", created="D:20240315093000Z"
    )

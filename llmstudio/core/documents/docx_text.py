"""DOCX (Word) through python-docx: paragraphs and tables in the order of the body, each
table row one line with its cells separated by tabs; the footnotes after the body as
``[n] text`` paragraphs. Page headers and footers are left out (they repeat on every page
and are not the document's text); a document that has any is noted."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .extracted import Extracted, Skip, clean, iso_date, join_blocks

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _table_lines(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell is listed once per grid column
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append("\t".join(cells))
    return rows


def _footnotes(document) -> list[str]:
    """The footnotes' texts (``[n] text``), read from the footnotes part when there is one."""
    from lxml import etree

    out = []
    for rel in document.part.rels.values():
        if not rel.reltype.endswith("/footnotes") or rel.is_external:
            continue
        root = etree.fromstring(rel.target_part.blob)
        for note in root.iter(f"{_W}footnote"):
            if note.get(f"{_W}type") in ("separator", "continuationSeparator"):
                continue
            text = " ".join(
                "".join(t.text or "" for t in p.iter(f"{_W}t")) for p in note.iter(f"{_W}p")
            ).strip()
            if text:
                out.append(f"[{note.get(f'{_W}id')}] {text}")
    return out


def _has_headers(document) -> bool:
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous and any(p.text.strip() for p in part.paragraphs):
                return True
    return False


def read_docx(path: Path) -> Extracted:
    """The text and metadata of a Word document."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Skip(f"not a readable Word document ({exc or type(exc).__name__})") from None
    blocks: list[str] = []
    heading = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append("\n".join(_table_lines(item)))
            continue
        text = item.text
        # The style's name is looked up only for a paragraph that names a style, until the
        # first heading: resolving the default style each time cost 3x the text itself.
        if heading is None and text.strip() and item._p.style is not None:
            style = (item.style.name if item.style is not None else "") or ""
            if style.startswith(("Title", "Heading")):
                heading = text.strip()
        blocks.append(text)
    notes = _footnotes(document)
    result = Extracted(join_blocks(blocks + notes))
    props = document.core_properties
    result.title = clean(props.title) or heading
    result.author = clean(props.author)
    result.created = iso_date(props.created)
    result.modified = iso_date(props.modified)
    if _has_headers(document):
        result.notes.append(((), "page headers and footers left out"))
    return result

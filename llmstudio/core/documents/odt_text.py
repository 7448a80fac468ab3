"""ODT (OpenDocument text) through odfpy: headings, paragraphs and list items in body
order, table rows as tab-separated lines; notes (footnotes) stay where they are anchored."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.parsers.expat import ExpatError

from .extracted import Extracted, Skip, clean, join_blocks

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _text_of(node) -> str:
    """A paragraph's text: spaces (``text:s``), tabs and line breaks as written."""
    out = []
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            out.append(str(child.data))
            continue
        name = child.qname
        if name == (_TEXT, "s"):
            out.append(" " * int(child.getAttribute("c") or 1))
        elif name == (_TEXT, "tab"):
            out.append("\t")
        elif name == (_TEXT, "line-break"):
            out.append("\n")
        elif name == (_TEXT, "note-citation"):
            out.append(f"[{_text_of(child)}]")
        elif name == (_TEXT, "note-body"):
            out.append(" (" + " ".join(_text_of(p) for p in child.childNodes) + ")")
        else:
            out.append(_text_of(child))
    return "".join(out)


def _blocks(node, out: list[str], first_heading: list[str]) -> None:
    from odf.table import TableRow

    for child in node.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        name = child.qname
        if name in ((_TEXT, "p"), (_TEXT, "h")):
            text = _text_of(child)
            if name[1] == "h" and not first_heading and text.strip():
                first_heading.append(text.strip())
            out.append(text)
        elif name == (_TABLE, "table"):
            rows = []
            for row in child.getElementsByType(TableRow):
                cells = [
                    " ".join(_text_of(c).split())
                    for c in row.childNodes
                    if c.qname == (_TABLE, "table-cell")
                ]
                if any(cells):
                    rows.append("\t".join(cells))
            out.append("\n".join(rows))
        else:  # lists, sections, frames: their paragraphs in order
            _blocks(child, out, first_heading)


def _meta(doc, name: tuple[str, str]) -> str | None:
    for node in doc.meta.childNodes:
        if node.nodeType == node.ELEMENT_NODE and node.qname == name:
            return clean("".join(str(c.data) for c in node.childNodes if c.nodeType == c.TEXT_NODE))
    return None


def read_odt(path: Path) -> Extracted:
    """The text and metadata of an OpenDocument text file."""
    from odf.opendocument import load

    try:
        doc = load(str(path))
    except (zipfile.BadZipFile, KeyError, ExpatError, ValueError) as exc:
        raise Skip(f"not a readable OpenDocument file ({exc or type(exc).__name__})") from None
    blocks: list[str] = []
    heading: list[str] = []
    _blocks(doc.text, blocks, heading)
    dc = "http://purl.org/dc/elements/1.1/"
    meta = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
    result = Extracted(join_blocks(blocks))
    result.title = _meta(doc, (dc, "title")) or (heading[0] if heading else None)
    result.author = _meta(doc, (dc, "creator")) or _meta(doc, (meta, "initial-creator"))
    result.created = _meta(doc, (meta, "creation-date"))
    result.modified = _meta(doc, (dc, "date"))
    return result

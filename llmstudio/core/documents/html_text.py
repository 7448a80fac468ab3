"""HTML through inscriptis (its strict CSS profile: block elements as blank-line-separated
paragraphs, lists and tables laid out as text). Navigation (``<nav>``, ``role=navigation``),
scripts, styles, forms and templates are removed first; the title comes from ``<title>``,
else the first ``<h1>``; author and dates from the usual ``<meta>`` names."""

from __future__ import annotations

import re
from pathlib import Path

from ..sniff import decode_guessed, detect_encoding
from .extracted import Extracted, Skip, clean, tidy_text

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_DROP = "//nav | //*[@role='navigation'] | //script | //style | //noscript | //template | //form"
_META = {
    "author": ("author", "dc.creator", "article:author"),
    "created": ("date", "dc.date", "article:published_time", "dcterms.created"),
    "modified": ("last-modified", "article:modified_time", "dcterms.modified"),
}


def _decode(data: bytes) -> str:
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass  # an unknown name: detected as any text file is
    return decode_guessed(data, detect_encoding(data, complete=True))[0]


def read_html(path: Path) -> Extracted:
    """The visible text and metadata of an HTML page."""
    import lxml.html
    from inscriptis import Inscriptis
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig
    from lxml.etree import ParserError

    html = _decode(path.read_bytes())
    if not html.strip():
        raise Skip("the file is empty")
    try:
        tree = lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as exc:
        raise Skip(f"not a readable HTML page ({exc})") from None
    title = clean(tree.findtext(".//title")) or None
    heading = tree.find(".//h1")
    meta: dict[str, str] = {}
    for node in tree.iter("meta"):
        name = (node.get("name") or node.get("property") or "").lower()
        if name and node.get("content"):
            meta.setdefault(name, node.get("content"))
    for node in tree.xpath(_DROP):
        node.drop_tree()
    text = Inscriptis(tree, ParserConfig(css=CSS_PROFILES["strict"])).get_text()
    result = Extracted(tidy_text(text))
    result.title = title or (clean(heading.text_content()) if heading is not None else None)
    for key, names in _META.items():
        setattr(result, key, next((clean(meta[n]) for n in names if n in meta), None))
    return result

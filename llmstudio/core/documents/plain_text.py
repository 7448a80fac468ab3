"""TXT and Markdown: decoded as tables are (the byte-order mark, UTF-8, UTF-16, a legacy
code page, or UTF-8 mixed with one line by line: ``core.sniff``), blank-line-separated
paragraphs kept as written. A Markdown file's YAML front matter (``---`` at the top) gives
its title, author and date and is left out of the text."""

from __future__ import annotations

import re
from pathlib import Path

from ..sniff import binary_kind, decode_guessed, detect_encoding
from .extracted import Extracted, Skip, clean, tidy_text

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)


def _front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT.match(text)
    if not match:
        return {}, text
    import yaml

    try:
        fields = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text  # not front matter after all: kept as text
    if not isinstance(fields, dict):
        return {}, text
    return {str(k).lower(): v for k, v in fields.items()}, text[match.end() :]


def read_plain(path: Path, markdown: bool = False) -> Extracted:
    """The text of a TXT or Markdown file (and a Markdown file's front matter)."""
    data = path.read_bytes()
    what = binary_kind(data[:8192])
    if what:
        raise Skip(f"this is {what}, not text")
    text, mixed = decode_guessed(data, detect_encoding(data, complete=True))
    fields: dict = {}
    if markdown:
        fields, text = _front_matter(text.replace("\r\n", "\n"))
    result = Extracted(tidy_text(text))
    result.title = clean(fields.get("title"))
    author = fields.get("author")
    result.author = clean(", ".join(map(str, author)) if isinstance(author, list) else author)
    result.created = clean(fields.get("date"))
    if markdown and result.title is None:
        heading = re.search(r"^#{1,6}\s+(.+)$", result.text, re.MULTILINE)
        result.title = clean(heading.group(1).strip("# ")) if heading else None
    if mixed is not None:
        result.notes.append(((), mixed.message().replace("rows", "lines").replace("row", "line")))
    return result

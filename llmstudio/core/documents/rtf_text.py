"""RTF through striprtf: each paragraph (``\\par``) a block; title and author from the
``\\info`` group, which striprtf leaves out of the text."""

from __future__ import annotations

import re
from pathlib import Path

from .extracted import Extracted, Skip, clean, join_blocks

_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")


def _info(raw: str, field: str) -> str | None:
    from striprtf.striprtf import rtf_to_text

    match = re.search(r"\{\\" + field + r"\s([^{}]*)\}", raw)
    return clean(rtf_to_text(match.group(1))) if match else None


def read_rtf(path: Path) -> Extracted:
    """The text, title and author of an RTF file."""
    from striprtf.striprtf import rtf_to_text

    data = path.read_bytes()
    if not data.lstrip().startswith(b"{\\rtf"):
        raise Skip("not an RTF file (it does not start with {\\rtf)")
    # RTF is 7-bit text; its \'xx escapes are in the code page it names (\ansicpgN).
    match = _CODE_PAGE.search(data[:4096])
    encoding = f"cp{match.group(1).decode()}" if match else "cp1252"
    try:
        raw = data.decode("latin-1")
        text = rtf_to_text(raw, encoding=encoding, errors="replace")
    except (LookupError, ValueError, IndexError) as exc:
        raise Skip(f"not a readable RTF file ({exc})") from None
    result = Extracted(join_blocks(text.split("\n")))
    result.title = _info(raw, "title")
    result.author = _info(raw, "author")
    return result

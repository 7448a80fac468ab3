"""The methods record as a document: blocks (headings, paragraphs, tables, images) rendered
as Markdown and as self-contained HTML from the same content. Qt-free."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import secrets

# What stands for a secret in the record (a key pasted into a prompt, a password in a
# URL): the record is meant to be published, and what a secret looks like is known in one
# place, :func:`secrets.redact`.
REDACTED = "[redacted]"


@dataclass
class Document:
    """Blocks shared by the Markdown and HTML renderings: (kind, payload)."""

    blocks: list[tuple[str, object]] = field(default_factory=list)

    def h(self, level: int, text: str) -> None:
        self.blocks.append(("h", (level, text)))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def pre(self, text: str) -> None:
        self.blocks.append(("pre", text))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence]) -> None:
        self.blocks.append(("table", (list(headers), [list(map(_cell, r)) for r in rows])))

    def image(self, path: Path, caption: str) -> None:
        self.blocks.append(("image", (Path(path), caption)))

    def items(self, pairs: Sequence[tuple[str, object]]) -> None:
        self.blocks.append(("items", [(k, _cell(v)) for k, v in pairs]))

    def markdown(self, base: Path | None = None) -> str:
        """``base``: the folder the Markdown file goes to (images are linked from it)."""
        out: list[str] = []
        for kind, payload in self.blocks:
            if kind == "h":
                level, text = payload
                out.append("#" * level + " " + _md_inline(text))
            elif kind == "p":
                out.append(_md_inline(payload))
            elif kind == "pre":
                fence = "````" if "```" in payload else "```"
                out.append(f"{fence}text\n{payload}\n{fence}")
            elif kind == "image":
                path, caption = payload
                target = _relative(path, base).as_posix().replace(" ", "%20").replace(")", "%29")
                out.append(f"![{_md_inline(caption)}]({target})")
            elif kind == "items":
                out.append("\n".join(f"- **{_md_inline(k)}:** {_md_inline(v)}" for k, v in payload))
            elif kind == "table":
                headers, rows = payload
                lines = [
                    "| " + " | ".join(_md_cell(h) for h in headers) + " |",
                    "|" + "---|" * len(headers),
                ]
                lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
                out.append("\n".join(lines))
        return secrets.redact("\n\n".join(out) + "\n", mark=REDACTED)

    def html(self, title: str) -> str:
        e = lambda s: html.escape(secrets.redact(str(s), mark=REDACTED), quote=True)  # noqa: E731
        out = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{e(title)}</title>",
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;"
            "line-height:1.45}table{border-collapse:collapse}td,th{border:1px solid #999;"
            "padding:.2em .5em;text-align:left;vertical-align:top}pre{background:#f4f4f4;"
            "padding:.6em;white-space:pre-wrap}</style></head><body>",
        ]
        for kind, payload in self.blocks:
            if kind == "h":
                level, text = payload
                out.append(f"<h{level}>{e(text)}</h{level}>")
            elif kind == "p":
                out.append(f"<p>{e(payload)}</p>")
            elif kind == "pre":
                out.append(f"<pre>{e(payload)}</pre>")
            elif kind == "image":
                path, caption = payload
                out.append(
                    f'<figure><img alt="{e(caption)}" src="{_data_uri(path)}">'
                    f"<figcaption>{e(caption)}</figcaption></figure>"
                )
            elif kind == "items":
                out.append(
                    "<ul>"
                    + "".join(f"<li><b>{e(k)}:</b> {e(v)}</li>" for k, v in payload)
                    + "</ul>"
                )
            elif kind == "table":
                headers, rows = payload
                out.append(
                    "<table><tr>"
                    + "".join(f"<th>{e(h)}</th>" for h in headers)
                    + "</tr>"
                    + "".join(
                        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows
                    )
                    + "</table>"
                )
        out.append("</body></html>")
        return "\n".join(out) + "\n"


def _relative(path: Path, base: Path | None) -> Path:
    import os

    if base is None:
        return path
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve()))
    except ValueError:  # another drive (Windows): the absolute path
        return Path(path).resolve()


def _data_uri(path: Path) -> str:
    """The chart inside the page (a single HTML file is what gets sent around)."""
    import base64

    kind = {
        ".png": "image/png",
        ".svg": "image/svg+xml",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
    }[path.suffix.lower()]
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "undefined" if math.isnan(value) else f"{value:.3f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _md_inline(text: str) -> str:
    # Keep the record's own text from turning into Markdown or raw HTML.
    # Intraword underscores (sentiment_label) are not emphasis in CommonMark: left alone.
    return re.sub(r"([\\`*\[\]<>|])", r"\\\1", str(text)).replace("\n", " ")


def _md_cell(text: str) -> str:
    return _md_inline(text)

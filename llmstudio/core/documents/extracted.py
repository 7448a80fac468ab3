"""What one document gives (:class:`Extracted`), what goes wrong in one (:class:`Skip`,
:class:`DocumentProblem`), and the text conventions every format's reader shares:
paragraphs as blank-line-separated blocks, a title from the first heading or line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..read_problems import Problem


@dataclass(frozen=True)
class DocumentProblem(Problem):
    """A problem of one document: its ``file`` (relative to the folder imported), the
    ``pages`` it concerns (PDF, 1-based; empty: the whole file) and ``what``. Its
    ``message`` says all three, so it reads and is stored like any reader's problem."""

    file: str = ""
    pages: tuple[int, ...] = ()
    what: str = ""


def page_ranges(pages: tuple[int, ...] | list[int]) -> str:
    """``1-3, 7``: page numbers as short ranges."""
    parts: list[str] = []
    numbers = sorted(pages)
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        parts.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    return ", ".join(parts)


def document_problem(file: str, what: str, pages=()) -> DocumentProblem:
    """A :class:`DocumentProblem` whose message names the file and pages."""
    pages = tuple(pages)
    where = file
    if pages:
        where += f", page{'s' if len(pages) > 1 else ''} {page_ranges(pages)}"
    return DocumentProblem(f"{where}: {what}", None, file, pages, what)


class Skip(Exception):
    """This document is not imported; the message says why (encrypted, damaged, no text)."""


@dataclass
class Extracted:
    """The text and metadata one document holds. ``notes``: (pages, what) to report while
    the document is still imported (pages without a text layer, a header left out)."""

    text: str
    title: str | None = None
    author: str | None = None
    created: str | None = None
    modified: str | None = None
    pages: int | None = None
    notes: list[tuple[tuple[int, ...], str]] = field(default_factory=list)


_SPACES = re.compile(r"[ \t\u00a0]+\n")
_BLANKS = re.compile(r"\n{3,}")


def tidy_block(block: str) -> str:
    """One paragraph: line ends unified, spaces at line ends and around it dropped."""
    block = block.replace("\r\n", "\n").replace("\r", "\n")
    return _SPACES.sub("\n", block).strip()


def join_blocks(blocks) -> str:
    """Paragraphs joined by one blank line; empty ones left out."""
    return "\n\n".join(b for b in (tidy_block(x) for x in blocks) if b)


def tidy_text(text: str) -> str:
    """Text that already marks paragraphs with blank lines (TXT, Markdown, HTML as text):
    line ends unified, runs of blank lines made one, spaces at line ends dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub("\n", text)
    # A line of only spaces is a blank line.
    text = re.sub(r"\n[ \t]+\n", "\n\n", text)
    return _BLANKS.sub("\n\n", text).strip()


def first_line(text: str, limit: int = 200) -> str | None:
    """The first non-empty line (cut at ``limit`` characters), the title of last resort
    before the file name."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return None


def iso_date(value) -> str | None:
    """A date as ISO 8601 text (``2024-03-15T09:30:00+00:00``), None when missing."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip() or None


def clean(value) -> str | None:
    """Metadata text, stripped; None when empty."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None

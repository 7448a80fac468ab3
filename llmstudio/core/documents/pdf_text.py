"""PDF: text in reading order with paragraphs, through pypdf.

pypdf reads each page's text in the order of its content stream (how the authoring
program wrote it: for a two-column page from a word processor or LaTeX, column by column;
its ``layout`` mode would instead set the columns side by side on each line). Its
``visitor_text`` hook gives where each line starts, from which this module rebuilds:

- paragraphs: a vertical gap clearly larger than the page's usual line spacing, or a jump
  back up the page (the next column, a box), starts a new paragraph; the lines of one
  paragraph are joined with spaces;
- de-hyphenation: a line ending in a letter and ``-`` followed by a line starting with a
  lower-case letter is joined without the hyphen (so a real compound cut at a line end,
  ``well-|known``, also loses its hyphen: the PDF does not say which it was);
- running headers and footers: the top-most or bottom-most line of a page is left out when
  the same line is at the same height on at least 3 pages; or when it is short and
  carries the page number (a number in it less the page's index is the same on at least
  3 pages at that height: ``Chapter 3: Methods 17``; so a first line numbered along with
  the pages, ``Question 3`` on page 3, is taken for one too); a page number
  alone there (``12``, ``Page 12``, ``12 of 40``, ``- 12 -``, roman numerals) is left out
  when at least two pages have one at the same height. Nothing else is dropped: a
  document of one or two pages keeps every line but lone page numbers;
- a page with an image and no text is a scan (no text layer): reported with its number;
  a document with no text on any page is skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .extracted import Extracted, Skip, clean, iso_date

_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(?:page\s+|p\.\s*|seite\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/|von)\s*\d{1,4})?[-–—\s]*$",
    re.IGNORECASE,
)
_NUMBERS = re.compile(r"(?<![\w.,])\d{1,4}(?!\w|[.,]\d)")  # a number of its own
_SHORT = 120  # characters: longer lines at a page's edge are text, not a header
_HYPHENATED = re.compile(r"[^\W\d_]-$")


class _Line:
    __slots__ = ("size", "text", "x", "y")

    def __init__(self, text: str, x: float, y: float, size: float):
        self.text, self.x, self.y, self.size = text, x, y, size


def _page_lines(page) -> list[_Line]:
    """The page's lines in content-stream order, each with where it starts."""
    lines: list[_Line] = []
    buffer: list[str] = []
    at: list[float] = [0.0, 0.0, 0.0]

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if piece and not buffer:
                # The line starts here: its place on the page (text matrix x current matrix).
                at[0] = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                at[1] = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                at[2] = abs(font_size * (tm[3] or 1) * (cm[3] or 1)) or 10.0
            if piece:
                buffer.append(piece)
            if i < len(pieces) - 1 and buffer:
                lines.append(_Line("".join(buffer), at[0], at[1], at[2]))
                buffer.clear()

    page.extract_text(visitor_text=visit)
    if buffer:
        lines.append(_Line("".join(buffer), at[0], at[1], at[2]))
    return [line for line in lines if line.text.strip()]


def _has_image(page) -> bool:
    try:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        return any(obj.get_object().get("/Subtype") == "/Image" for obj in xobjects.values())
    except Exception:  # a damaged resource dictionary: no image known
        return False


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _page_offsets(text: str, index: int) -> set[int]:
    """Each number in ``text`` less the page's index: one of them is the same on every
    page of a header or footer that carries the page number."""
    return {int(n) - index for n in _NUMBERS.findall(text)}


def _edge_lines(pages: list[list[_Line]]) -> set[tuple[int, int]]:
    """(page index, line index) of the running headers, footers and page numbers: each
    rule below counts only lines at the same height on the page (within a few points), as
    a header or footer is, and the last line of a page's text is not."""
    drop: set[tuple[int, int]] = set()
    with_text = [i for i, lines in enumerate(pages) if lines]
    for pick in (max, min):  # the top-most line, then the bottom-most
        edge = {}
        for i in with_text:
            lines = pages[i]
            edge[i] = pick(range(len(lines)), key=lambda k, lines=lines: lines[k].y)
        text = {i: pages[i][j].text.strip() for i, j in edge.items()}
        place = {i: round(pages[i][j].y / 3) for i, j in edge.items()}

        def repeated(keys: dict, least: int, edge=edge, place=place) -> None:
            # keys: page -> the set of keys its edge line has
            counts = Counter((k, place[i]) for i, ks in keys.items() for k in ks)
            drop.update(
                (i, edge[i])
                for i, ks in keys.items()
                if any(counts[(k, place[i])] >= least for k in ks)
            )

        # A page number alone ("12", "Page 12", "- 12 -", "xii") on at least 2 pages.
        repeated({i: {"#"} for i in edge if _PAGE_NUMBER.match(text[i])}, 2)
        # A short line that carries the page number ("Chapter 3: Methods 17", "Annual
        # report, page 3 of 40"): a number in it less the page's index is the same on at
        # least 3 pages.
        repeated({i: _page_offsets(text[i], i) for i in edge if len(text[i]) <= _SHORT}, 3)
        # The same line on at least 3 pages.
        repeated({i: {_key(text[i])} for i in edge}, 3)
    return drop


def _leading(pages: list[list[_Line]]) -> float | None:
    """The document's usual line spacing: the most common gap between consecutive lines
    (the smallest of equally common ones), lines of one paragraph outnumbering the gaps
    between paragraphs."""
    counts: Counter = Counter()
    for lines in pages:
        for a, b in zip(lines, lines[1:], strict=False):
            gap = round(a.y - b.y, 1)
            if 0 < gap <= 2.5 * a.size:
                counts[gap] += 1
    if not counts:
        return None
    most = max(counts.values())
    return min(gap for gap, n in counts.items() if n == most)


def _paragraphs(lines: list[_Line], leading: float | None) -> list[list[str]]:
    """The page's lines grouped into paragraphs: a new one after a gap clearly wider than
    the usual line spacing, a jump back up (the next column), or at an indented first line
    after a line that ends a sentence."""
    paragraphs: list[list[str]] = []
    for k, line in enumerate(lines):
        if k == 0:
            paragraphs.append([line.text])
            continue
        before = lines[k - 1]
        gap = before.y - line.y
        if abs(gap) < 0.5 * line.size and line.x > before.x:
            paragraphs[-1][-1] += " " + line.text.strip()  # the same line, cut in two
            continue
        indented = line.x > before.x + 0.5 * line.size and before.text.rstrip()[-1:] in ".!?:"
        if gap < 0 or leading is None or gap > leading * 1.3 + 0.5 or indented:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
    return paragraphs


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if not out:
            out = line
        elif _HYPHENATED.search(out) and line[:1].islower():
            out = out[:-1] + line
        else:
            out += " " + line
    return out


def _continues(previous: str, following: str) -> bool:
    """A paragraph cut by a page break: no end punctuation, then a lower-case start."""
    return bool(previous) and previous[-1] not in ".!?:;\"'”’)" and following[:1].islower()


def read_pdf(path: Path) -> Extracted:
    """The text and metadata of a PDF (see the module's docstring for what is kept)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs lock only editing
            except Exception:
                opened = 0
            if not opened:
                raise Skip("encrypted: it needs a password to open")
        pages = [_page_lines(page) for page in reader.pages]
        images = [
            not lines and _has_image(page) for lines, page in zip(pages, reader.pages, strict=True)
        ]
        info = reader.metadata
    except Skip:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise Skip(f"not a readable PDF ({exc or type(exc).__name__})") from None
    scanned = tuple(i + 1 for i, image in enumerate(images) if image)
    if not any(pages):
        if scanned:
            raise Skip(
                f"no text layer on any of its {len(pages)} page(s) (a scan?): "
                "run text recognition (OCR) on it first"
            )
        raise Skip("no text in it")
    drop = _edge_lines(pages)
    kept = [
        [line for j, line in enumerate(lines) if (i, j) not in drop]
        for i, lines in enumerate(pages)
    ]
    leading = _leading(kept)
    blocks: list[str] = []
    for lines in kept:
        for n, paragraph in enumerate(_paragraphs(lines, leading)):
            text = _join_lines(paragraph)
            if n == 0 and blocks and _continues(blocks[-1], text):
                blocks[-1] = _join_lines([blocks[-1], text])
            else:
                blocks.append(text)
    result = Extracted("\n\n".join(b for b in blocks if b), pages=len(pages))
    if scanned:
        result.notes.append(
            (scanned, "no text layer (a scanned page?); its text is missing from the import")
        )
    if drop:
        result.notes.append(
            (
                tuple(sorted({i + 1 for i, _ in drop})),
                "running header, footer or page number left out",
            )
        )
    if info is not None:
        result.title = clean(info.title)
        result.author = clean(info.author)
        try:
            result.created = iso_date(info.creation_date)
            result.modified = iso_date(info.modification_date)
        except (ValueError, TypeError):  # a malformed date: kept as written
            result.created = clean(info.get("/CreationDate"))
            result.modified = clean(info.get("/ModDate"))
    return result

"""Quotes that never close or take in rows of the file: found in the exact parser's
records, and told to the user (:class:`RunawayQuote`, :func:`is_quote_problem`)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from .read_problems import Problem
from .sniff import (
    csv_reader,
)


def swallowed_rows(lines: list[str], delimiter: str, width: int | None) -> int:
    """How many of ``lines`` have the file's number of fields when quotes are plain
    characters; 0 unless that is three in four non-blank lines: a field that may hold rows.

    ``lines`` are those a quoted field takes in whole: after the line it opens on and,
    when it closes, before the line it closes on (that one is cut by the quote: pyarrow
    puts what follows the quote in other columns), so a cell's lines and the file's
    lines give the same answer.
    """
    if not width or width < 2:
        return 0  # one column: every line "looks like" a row, nothing can be told
    if sum(line.count(delimiter) for line in lines) < width - 1:
        return 0  # not one line's worth of delimiters: cheap, and the common case
    lines = [t for t in (line.rstrip("\r\n") for line in lines) if t.strip()]
    rows = sum(1 for t in lines if t.count(delimiter) == width - 1)
    return rows if rows and 4 * rows >= 3 * len(lines) else 0


QUOTE_PROBLEM = "the quote at column "


@dataclass(frozen=True)
class RunawayQuote:
    """A quoted field that holds rows of the file, or runs to its end."""

    column: int  # 1-based character position of the opening quote in its line
    lines: int  # lines the record spans
    rows: int  # lines inside it that have the file's number of fields
    to_end: bool  # the quote never closes
    plain_row: list[str]  # the record's first line read with that quote as a character
    # Closed by a quote that ends its field as a quoted field ends: a text may hold such
    # lines, so it stays one field (reported: the rows it may have taken in are named).
    closes_cleanly: bool = False

    def problem(self, line: int, quoting: str) -> Problem:
        """The problem the user sees, naming where the quote opened and both readings."""
        span = f"the {self.lines - 1} line(s) after it"
        runs = (
            f"never closes: its field would take in {span}, to the end of the file"
            if self.to_end
            else f"opens a field that takes in {span}"
        )
        held = f" ({self.rows} of them look like rows of this file)" if self.rows else ""
        if self.closes_cleanly:
            what = (
                "it closes as a quoted field does and was kept as one field; if that "
                "quote is a stray one, Quotes 'as plain characters' (--quoting none) "
                "reads every quote as a character"
            )
        elif quoting == "auto":
            what = (
                "the quote was read as a plain character and those lines as rows (to "
                "read it as one quoted field instead: Quotes 'as quoted' in the import "
                "dialog, --quoting csv)"
            )
        else:
            what = (
                "it was read as one quoted field, as chosen (to read the quote as a "
                "plain character and those lines as rows: Quotes 'automatic', "
                "--quoting auto)"
            )
        return Problem(f"{QUOTE_PROBLEM}{self.column} {runs}{held}; {what}", line)


def is_quote_problem(problem: Problem) -> bool:
    """Whether ``problem`` is a runaway quote's (see :meth:`RunawayQuote.problem`)."""
    return problem.message.startswith(QUOTE_PROBLEM)


def _open_quote(line: str, delimiter: str) -> int | None:
    """Index of the quote still open at the end of ``line`` (csv's rules), or None."""
    start, opened, i, n = True, None, 0, len(line)
    while i < n:
        ch = line[i]
        if opened is not None:
            if ch == '"':
                if i + 1 < n and line[i + 1] == '"':
                    i += 1  # a doubled quote inside a quoted field
                else:
                    opened, start = None, False  # closed; what follows is unquoted text
        elif ch == delimiter:
            start = True
        elif ch == '"' and start:
            opened = i
        else:
            start = False
        i += 1
    return opened


def _quote_open_at_end(text: str, delimiter: str) -> bool:
    """Whether ``text`` (one record as csv read it) ends inside a quoted field.

    A closed record followed by a line holding one quote makes two records; an open one
    takes that quote as its closing quote and stays one.
    """
    reader = csv_reader(io.StringIO(text + '\n"', newline=""), delimiter)
    return sum(1 for _ in reader) == 1


def _malformed(text: str, delimiter: str) -> bool:
    """Whether a closing quote in ``text`` is followed by more text of the same field
    (``"hello ... he said "hi,``), which a quoted field of a well-formed file never is."""
    try:
        for _ in csv_reader(io.StringIO(text, newline=""), delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _shape(cell: str) -> str:
    """``2024-05-01`` -> ``9-9-9``, ``A17`` -> ``a9``: what ids and dates look like."""
    return re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "a", cell.strip().strip('"')))


def _ids_continue(head: str, inner: list[str], delimiter: str, width: int) -> bool:
    """Whether the row-like lines inside a field start as the record itself does with
    an id or a date (a digit in the first field, of the same shape): rows, not a text's
    lines that happen to hold commas."""
    shape = _shape(head.split(delimiter, 1)[0])
    if not any(ch.isdigit() for ch in shape):
        return False
    starts = [
        t.split(delimiter, 1)[0]
        for t in (line.rstrip("\r\n") for line in inner)
        if t.count(delimiter) == width - 1
    ]
    return all(_shape(s) == shape for s in starts)


def runaway_quote(
    lines: list[str], delimiter: str, width: int | None, *, at_end: bool
) -> RunawayQuote | None:
    """The runaway quote of one record spanning ``lines`` (raw, with their endings), or
    None when its quoted line breaks look like a text's own.

    Runaway: the quote never closes (``at_end``: the record was the file's last), or the
    lines inside the field look like rows of the file (see :func:`swallowed_rows`;
    ``width`` None: the first line's own number of fields, for a header). When the quote
    that ends it is followed by more text (a stray quote closed by another one) it is
    undone; when it closes cleanly (``closes_cleanly``: a text whose lines hold commas
    does) it is only reported, and only when two or more of those lines start with an
    id or a date shaped like the record's own. A stray quote closed on the very next line
    holds no whole line, and is read as quoted.
    """
    head = lines[0].rstrip("\r\n")
    width = width or head.count(delimiter) + 1
    rows = swallowed_rows(lines[1:-1], delimiter, width)
    if not rows and not at_end:
        return None  # the common case, a text's own line breaks, decided cheaply
    to_end = at_end and _quote_open_at_end("".join(lines), delimiter)
    cleanly = False
    if to_end:
        rows = swallowed_rows(lines[1:], delimiter, width)  # the last line is whole
    elif not rows:
        return None
    elif _malformed("".join(lines), delimiter):
        pass
    elif rows >= 2 and _ids_continue(head, lines[1:-1], delimiter, width):
        cleanly = True
    else:
        return None
    p = _open_quote(head, delimiter)
    if p is None:
        return None
    before = next(csv_reader([head[:p]], delimiter), [])[:-1] if p else []
    plain = next(csv_reader([head[p:]], delimiter, "none"), [])
    return RunawayQuote(p + 1, len(lines), rows, to_end, before + plain, cleanly)

"""The exact parser of :mod:`delimited` (``csv`` module): reads any file the fast path
refuses and reports every irregular row with its line number instead of shifting cells
into other columns."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from array import array
from collections import deque
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .errors import CorpusError
from .read_problems import EXTRA_PREFIX, MAX_LISTED_PROBLEMS, Problem, unique_names
from .runaway_quotes import runaway_quote
from .sniff import (
    Dialect,
    bom_encoding,
    csv_reader,
    western_fallback,
)

SHADOW_BATCH = 4096


def _drop(lines, n: int) -> None:
    """Drop the next ``n`` items of ``lines`` (at C speed)."""
    deque(itertools.islice(lines, n), maxlen=0)


def _line_of_offset(text: str, offset: int) -> int:
    return len(re.findall(r"\r\n|\r|\n", text[:offset])) + 1


STREAM_CHUNK_BYTES = 8 << 20
ARROW_CHUNK_ROWS = 100_000


def _first_bad_byte(path: Path, encoding: str) -> int | None:
    """Offset of the first byte that does not decode as ``encoding`` (None: all decode).

    Checked in chunks with an incremental decoder, so the file is never held whole.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(STREAM_CHUNK_BYTES)
            # exc.start counts from the bytes the decoder held back (a character cut at
            # the previous block's end) followed by this block.
            held = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return max(0, offset - held + exc.start)
            if not block:
                return None
            offset += len(block)


def check_encoding(path: Path, encoding: str, chosen: bool, problems: list[Problem]) -> str:
    """The encoding to read the whole file with; a sniffed (not chosen) one that fails on a
    byte past the sniffed sample falls back to cp1252/latin-1, with a problem naming the line."""
    bad = _first_bad_byte(path, encoding)
    if bad is None:
        return encoding
    with open(path, "rb") as fh:
        before = fh.read(bad + 1)
    good = before[:bad].decode(encoding, errors="replace")
    line = _line_of_offset(good, len(good))
    col = len(re.split(r"\r\n|\r|\n", good)[-1]) + 1
    byte = before[bad] if bad < len(before) else 0
    if chosen:
        raise CorpusError(
            path,
            f"byte 0x{byte:02x} cannot be decoded as {encoding}; choose another encoding",
            line,
            col,
        )
    fallback = (
        western_fallback(path.read_bytes()) if path.stat().st_size < (256 << 20) else "latin-1"
    )
    problems.append(
        Problem(
            f"not valid {encoding} (byte 0x{byte:02x} at column {col}); the "
            f"file was read as {fallback}",
            line,
        )
    )
    return fallback


def stream_encoding(path: Path, encoding: str) -> str:
    """A codec that decodes like ``encoding`` and also drops a leading BOM, as decode() does."""
    if encoding == "utf-8":
        return "utf-8-sig"  # identical on BOM-less UTF-8
    if encoding.startswith(("utf-16", "utf-32")):
        with open(path, "rb") as fh:
            if bom_encoding(fh.read(4)) == encoding:
                return encoding[:6]
    return encoding


def _records(
    stream,
    delimiter: str,
    quoting: str = "auto",
    *,
    width: list | None = None,
    problems: list | None = None,
    complete: bool = True,
):
    """Yield (first line, fields) for every non-blank record, with 1-based line numbers.

    ``stream`` is text opened with ``newline=""``, so CR, LF and CRLF all end lines and
    line endings inside quoted fields arrive untranslated. A quoted field that runs away
    (see :func:`runaway_quote`) is reported in ``problems``; with ``quoting="auto"`` its
    opening quote is read as a plain character and the lines it held are read again as
    rows. ``width[0]`` is the header's number of fields once known (None before).
    """
    if delimiter == "":
        for line, piece in enumerate(stream, start=1):
            if piece.endswith("\r\n"):
                piece = piece[:-2]
            elif piece.endswith(("\r", "\n")):
                piece = piece[:-1]
            if piece != "":
                yield line, [piece]
        return
    width = width if width is not None else [None]
    problems = problems if problems is not None else []
    # csv reads one line at a time from ``lines`` and never ahead of a record, so its
    # line_num says how many lines each record took; ``shadow`` (a tee, buffered in C:
    # no Python call per line) hands the raw lines of a record that took several.
    source = iter(stream)
    pending: list[str] = []  # lines read again after a runaway, before ``source``
    lines, shadow = itertools.tee(source)
    ahead: list[str] = []  # lines taken from ``shadow`` past the current record
    behind = 0  # lines of one-line records still to drop from ``shadow``, in batches
    reader = csv_reader(lines, delimiter, quoting)
    base = previous = runaways = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            if runaways > MAX_LISTED_PROBLEMS:
                problems.append(
                    Problem(
                        f"... and {runaways - MAX_LISTED_PROBLEMS} more "
                        f"quotes that ran away ({runaways} in all)"
                    )
                )
            return
        except csv.Error as exc:
            raise CorpusError(None, f"cannot parse: {exc}", previous + 1) from None
        first, previous = previous + 1, base + reader.line_num
        taken = previous - first + 1
        if taken == 1:
            if ahead:
                ahead.pop(0)
            else:
                behind += 1
                if behind >= SHADOW_BATCH:  # the tee holds at most this many lines
                    _drop(shadow, behind)
                    behind = 0
        elif quoting != "none":
            if behind:
                _drop(shadow, behind)
                behind = 0
            raw = ahead[:taken] + list(itertools.islice(shadow, taken - len(ahead[:taken])))
            del ahead[:taken]
            if not ahead:
                nxt = next(shadow, None)  # None: this record ended the input
                at_end = nxt is None
                if nxt is not None:
                    ahead.append(nxt)
            else:
                at_end = False
            found = runaway_quote(raw, delimiter, width[0], at_end=at_end and complete)
            if found is not None:
                runaways += 1
                if runaways <= MAX_LISTED_PROBLEMS:
                    problems.append(found.problem(first, quoting))
                if quoting == "auto" and not found.closes_cleanly:
                    # The quote is a character: its line is one row, and the lines it took
                    # in are read again from the start of the next line. One chain over
                    # the file's own iterator (not a chain over the last tee), so that many
                    # runaways do not stack up a call per runaway on every later line.
                    row = found.plain_row
                    used = previous - base + len(ahead)  # of the current chain
                    pending = raw[1:] + ahead + pending[used:]
                    lines, shadow = itertools.tee(itertools.chain(pending, source))
                    ahead = []
                    reader = csv_reader(lines, delimiter, quoting)
                    base = previous = first
        else:
            behind += taken
        if row:
            yield first, row


class _ColumnBuilder:
    """Collects rows and turns them into Arrow columns every ``ARROW_CHUNK_ROWS`` rows.

    Holding only one chunk of rows as Python strings keeps memory near the Arrow size of
    the data, and ``zip(*rows)`` transposes a chunk at C speed. Short rows are padded
    with missing cells; the fields past the header's width of long rows go to extra
    columns, missing (null) in every other row.
    """

    def __init__(self, width: int):
        self.width = width
        self.rows: list[list] = []
        self.extras: dict[int, list[str]] = {}
        self.chunks: list[list[pa.Array]] = [[] for _ in range(width)]
        self.extra_chunks: list[list[pa.Array]] = []
        self.flushed = 0

    def __len__(self) -> int:
        return self.flushed + len(self.rows)

    def add(self, row: list[str]) -> None:
        n, width = len(row), self.width
        if n < width:
            row = row + [None] * (width - n)
        elif n > width:
            self.extras[len(self.rows)] = row[width:]
            row = row[:width]
        self.rows.append(row)
        if len(self.rows) >= ARROW_CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        k = len(self.rows)
        if not k:
            return
        string = pa.large_string()
        for i, values in enumerate(zip(*self.rows) if self.width else ()):
            self.chunks[i].append(pa.array(values, type=string))
        wanted = max((len(e) for e in self.extras.values()), default=0)
        while len(self.extra_chunks) < wanted:
            self.extra_chunks.append([pa.nulls(self.flushed, string)] if self.flushed else [])
        for j, chunks in enumerate(self.extra_chunks):
            values = [None] * k
            for r, fields in self.extras.items():
                if j < len(fields):
                    values[r] = fields[j]
            chunks.append(pa.array(values, type=string))
        self.flushed += k
        self.rows, self.extras = [], {}

    def table(self, names: list[str]) -> pa.Table:
        self.flush()
        string = pa.large_string()
        columns = [pa.chunked_array(c, type=string) for c in self.chunks + self.extra_chunks]
        return pa.table(columns, names=names) if columns else pa.table({})


def parse_records(
    stream, dialect: Dialect, max_rows: int | None = None, *, complete: bool = True
) -> tuple[pd.DataFrame, list[Problem], array]:
    """Exact parser over a text stream: the frame, the problems, each row's first line.

    ``complete``: the stream is the whole file (a quote still open at its end ran to the
    end of the file), not a sample.
    """
    problems: list[Problem] = []
    known_width: list[int | None] = [None]
    records = _records(
        stream,
        dialect.delimiter,
        dialect.quoting,
        width=known_width,
        problems=problems,
        complete=complete,
    )
    skipped = []
    for _ in range(dialect.header_row):
        first = next(records, None)
        if first is None:
            break
        skipped.append(first)
    if skipped:
        lines = f"{skipped[0][0]}-{skipped[-1][0]}" if len(skipped) > 1 else f"{skipped[0][0]}"
        problems.append(
            Problem(
                f"{len(skipped)} record(s) before the header skipped (line(s) "
                f"{lines}): {dialect.delimiter.join(skipped[0][1])[:80]!r}"
            )
        )
    header: list[str] | None = None
    first_data: tuple[int, list[str]] | None = None
    if dialect.has_header:
        got = next(records, None)
        header = got[1] if got else []
    else:
        first_data = next(records, None)
    width = len(header) if header is not None else (len(first_data[1]) if first_data else 0)
    known_width[0] = width
    builder = _ColumnBuilder(width)
    line_numbers = array("q")
    irregular = 0

    def add(line: int, row: list[str]) -> None:
        nonlocal irregular
        n = len(row)
        if n != width:
            irregular += 1
            if irregular <= MAX_LISTED_PROBLEMS:
                what = (
                    "missing cells left empty"
                    if n < width
                    else f"the {n - width} extra field(s) are kept in column(s) {EXTRA_PREFIX}1..."
                )
                problems.append(Problem(f"{n} fields where the header has {width}; {what}", line))
        builder.add(row)
        line_numbers.append(line)

    if first_data is not None:
        add(*first_data)
    for line, row in records:
        if max_rows is not None and len(line_numbers) >= max_rows:
            break
        add(line, row)
    if irregular > MAX_LISTED_PROBLEMS:
        problems.append(
            Problem(
                f"... and {irregular - MAX_LISTED_PROBLEMS} more rows with the "
                f"wrong number of fields ({irregular} in all)"
            )
        )
    builder.flush()
    names = (
        unique_names(header) if header is not None else [f"column_{i + 1}" for i in range(width)]
    )
    names = unique_names(
        names + [f"{EXTRA_PREFIX}{k + 1}" for k in range(len(builder.extra_chunks))]
    )
    return builder.table(names).to_pandas(), problems, line_numbers


def parse_text(
    text: str, dialect: Dialect, max_rows: int | None = None, *, complete: bool = True
) -> tuple[pd.DataFrame, list[Problem], array]:
    """The exact parser on text already decoded (previews, tests); ``complete``: ``text``
    is the whole file, not its first megabyte."""
    return parse_records(io.StringIO(text, newline=""), dialect, max_rows, complete=complete)

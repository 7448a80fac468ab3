"""Parse delimited text (CSV, TSV, semicolon, pipe, one text per line) into a DataFrame.

Every cell is kept as the exact string in the file: no type guessing, no NA tokens, no
whitespace stripping. Two parsers give the same result:

* a fast path through pyarrow's multi-threaded CSV reader, used when the file is regular;
* an exact Python path (``csv`` module) used when the fast path refuses the file (rows
  with the wrong number of fields, a field bigger than a block, bytes that are not valid
  in the sniffed encoding, a header that is not on the first record). It reports every
  irregular row with its line number instead of shifting cells into other columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from array import array
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import CorpusError
from .leftovers import temporary_file
from .mixed_encoding import (
    MAX_LISTED_LINES,
    FallbackLines,
    Scan,
    Survey,
    cell_bytes,
    decode_cells,
    decodes_per_cell,
    empty_lines,
    scan_bytes,
    scan_file,
    single_byte,
    survey_file,
    transcode_file,
)
from .sniff import (
    SAMPLE_BYTES,
    Dialect,
    bom_encoding,
    csv_reader,
    fallback_of,
    western_fallback,
)

STRING_DTYPE = "str"
BLOCK_BYTES = 16 << 20
MAX_LISTED_PROBLEMS = 200
EXTRA_PREFIX = "extra_"


@dataclass(frozen=True)
class Problem:
    """Something irregular found while reading; ``line`` is 1-based in the file."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def unique_names(names: list[str]) -> list[str]:
    """Make header names unique and non-empty: ``text, text`` -> ``text, text_2``."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        base = name if name.strip() else f"column_{i + 1}"
        candidate, k = base, 2
        while candidate in seen:
            candidate, k = f"{base}_{k}", k + 1
        seen.add(candidate)
        out.append(candidate)
    return out


class _Irregular(Exception):
    """The fast path met something only the exact parser handles."""


class _NotUtf8(_Irregular):
    """The fast path parsed the file's bytes, and some cell is not valid UTF-8."""

    def __init__(self, table: pa.Table):
        super().__init__()
        self.table = table  # the cells as large binary, the header row among them


def read_fast(
    path: Path, dialect: Dialect, header: list[str] | None, *, as_bytes: bool = False
) -> pd.DataFrame:
    """pyarrow path; raises ``_Irregular`` for anything it cannot read exactly.

    ``as_bytes`` (a UTF-8 file): the cells are parsed as bytes and checked afterwards, so
    that a file with a line that is not UTF-8 is parsed once, not once to fail (it raises
    ``_NotUtf8`` with the parsed cells).
    """
    table, newlines = _parse_fast(path, dialect, header, as_bytes=as_bytes)
    if as_bytes:
        try:
            table = pa.table(
                [c.cast(pa.large_string()) for c in table.columns], names=table.column_names
            )
        except pa.ArrowInvalid:
            raise _NotUtf8(table) from None
    # A quoted line break splits no row when it falls inside one of pyarrow's blocks, so
    # even a parse without newlines in values may hold multi-line cells to check.
    if (
        dialect.quoting != "none"
        and (newlines or _line_break_in(table))
        and _may_run_away(table, path, dialect.encoding, dialect.delimiter, table.num_columns)
    ):
        raise _Irregular
    return _finish(table, dialect, header)


def _parse_fast(
    path: Path,
    dialect: Dialect,
    header: list[str] | None,
    *,
    as_bytes: bool = False,
    empty_lines: bool = False,
) -> tuple[pa.Table, bool]:
    """pyarrow's parse of the whole file, the header record as its first row, and whether
    it allowed newlines in values; cells as large strings, or as large binary with
    ``as_bytes`` (the encoding must then be UTF-8 or ASCII-compatible: the bytes are not
    decoded). ``empty_lines``: an empty line is a row of empty cells, so that row i is
    line i + 1 where no cell holds a line break. Raises ``_Irregular``."""
    if dialect.delimiter == "" or dialect.header_row != 0:
        raise _Irregular
    n = len(header) if header else None
    if not n or any("\n" in c or "\r" in c for c in header):
        raise _Irregular  # pyarrow's skip_rows counts lines, not records
    names = [f"f{i}" for i in range(n)]
    enc = dialect.encoding
    if enc in ("utf-8", "utf-8-sig") or as_bytes:
        enc = "utf8"  # pyarrow's native encoding; it skips a UTF-8 BOM itself
    elif enc.startswith(("utf-16", "utf-32")):
        with open(path, "rb") as fh:
            if bom_encoding(fh.read(4)) == enc:
                enc = enc[:6]  # "utf-16"/"utf-32" consume the BOM, "-le"/"-be" keep it
    read = pacsv.ReadOptions(
        encoding=enc,
        block_size=BLOCK_BYTES,
        column_names=names,
        # Not skip_rows=1: pyarrow counts blank lines there, the sniffer does not, so a
        # file starting with blank lines kept its header as a data row. The header record
        # is dropped afterwards instead, after checking that it is the sniffed header.
        skip_rows=0,
    )
    # large_string is what pandas' str dtype stores: to_pandas() then copies nothing.
    kind = pa.large_binary() if as_bytes else pa.large_string()
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, kind),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=not as_bytes,
    )
    # Without newlines in values pyarrow splits blocks in parallel. A quoted newline across
    # a block's end then breaks a row into two rows of the wrong width (for two or more
    # columns), which fails the parse, so the retry with newlines allowed is taken.
    attempts = [True] if (dialect.newlines_in_values or n < 2) else [False, True]
    for newlines in attempts:
        parse = pacsv.ParseOptions(
            delimiter=dialect.delimiter,
            quote_char=False if dialect.quoting == "none" else '"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=newlines,
            ignore_empty_lines=not empty_lines,
            # A row of the wrong width fails the parse (no Python
            # handler: pyarrow decodes a row's bytes for one).
            invalid_row_handler=None,
        )
        try:
            table = pacsv.read_csv(
                path, read_options=read, parse_options=parse, convert_options=convert
            )
        except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError, LookupError) as exc:
            if "invalid UTF8" in str(exc):
                raise _Irregular from None  # the same bytes fail again with newlines allowed
            continue
        if table.num_columns != n or any(t != kind for t in table.schema.types):
            raise _Irregular
        return table, newlines
    raise _Irregular


def _finish(table: pa.Table, dialect: Dialect, header: list[str] | None) -> pd.DataFrame:
    """The frame of a fast parse (large strings, the header record as the first row)."""
    if dialect.has_header:
        table = _drop_header(table, header)
    n = table.num_columns
    final = unique_names(header) if dialect.has_header else [f"column_{i + 1}" for i in range(n)]
    return table.rename_columns(final).to_pandas()


def _line_break_in(table: pa.Table) -> bool:
    """Whether a cell of ``table`` holds a CR or LF (checked on the cells' bytes at once)."""
    for column in table.columns:
        for chunk in column.chunks:
            _, data = cell_bytes(chunk)
            if not len(data) or data.min() > 13:  # no control character up to CR: most text
                continue
            low = data[data < 14]
            if ((low == 10) | (low == 13)).any():
                return True
    return False


def _may_run_away(table: pa.Table, path: Path, encoding: str, delimiter: str, width: int) -> bool:
    """Whether a quoted line break in ``table`` may be a runaway quote, which only the
    exact parser can tell and undo: a cell whose lines look like rows (see
    :func:`runaway_quote`), or a last cell that may be a quote never closed."""
    for column in table.columns:
        # Only a cell of three lines or more has a whole line inside, and it needs one
        # line's worth of delimiters: both counted in C (one pass over each column, the
        # second over the few cells the first leaves), so texts cost no Python call.
        breaks = pc.count_substring(column, "\n")
        if not pc.max(breaks).as_py():
            breaks = pc.count_substring(column, "\r")  # a file with CR line ends
        cells = pc.filter(column, pc.greater_equal(breaks, 2))
        if not len(cells):
            continue
        cells = pc.filter(cells, pc.greater_equal(pc.count_substring(cells, delimiter), width - 1))
        for cell in cells.to_pylist():
            if _swallowed_rows(re.split(r"\r\n|\r|\n", cell)[1:-1], delimiter, width):
                return True
    return _may_end_open(table, path, encoding)


def _may_end_open(table: pa.Table, path: Path, encoding: str) -> bool:
    """Whether the file may end inside a quoted field.

    pyarrow ends such a field at the end of the file without a word. An open field takes
    in every byte up to the end, so it is the last row's last cell (another cell would
    leave the row short, which pyarrow refuses), and the file then ends with exactly a
    quote and that cell's text with its quotes doubled; a closed one ends with its
    closing quote or what follows it.
    """
    if not table.num_rows or not table.num_columns:
        return False
    last = table.column(table.num_columns - 1)[table.num_rows - 1].as_py()
    if "\n" not in last and "\r" not in last:
        return False  # a field open over no line break would be the file's last line only
    codec = "utf-8" if encoding.startswith("utf-8") else encoding  # no BOM at the end
    tail = ('"' + last.replace('"', '""')).encode(codec)
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - len(tail)))
        return fh.read() == tail


def _drop_header(table: pa.Table, header: list[str]) -> pa.Table:
    """``table`` without its first row, which must be ``header`` (else ``_Irregular``)."""
    if not table.num_rows:
        raise _Irregular
    first = [table.column(i)[0].as_py() for i in range(table.num_columns)]
    first[0] = first[0].lstrip("\ufeff")  # a BOM the codec kept; the sniffer drops it
    if first != header:
        raise _Irregular
    return table.slice(1)


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


def _stream_encoding(path: Path, encoding: str) -> str:
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


SHADOW_BATCH = 4096


def _drop(lines, n: int) -> None:
    """Drop the next ``n`` items of ``lines`` (at C speed)."""
    deque(itertools.islice(lines, n), maxlen=0)


def _swallowed_rows(lines: list[str], delimiter: str, width: int | None) -> int:
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
    lines inside the field look like rows of the file (see :func:`_swallowed_rows`;
    ``width`` None: the first line's own number of fields, for a header). When the quote
    that ends it is followed by more text (a stray quote closed by another one) it is
    undone; when it closes cleanly (``closes_cleanly``: a text whose lines hold commas
    does) it is only reported, and only when two or more of those lines start with an
    id or a date shaped like the record's own. A stray quote closed on the very next line
    holds no whole line, and is read as quoted.
    """
    head = lines[0].rstrip("\r\n")
    width = width or head.count(delimiter) + 1
    rows = _swallowed_rows(lines[1:-1], delimiter, width)
    if not rows and not at_end:
        return None  # the common case, a text's own line breaks, decided cheaply
    to_end = at_end and _quote_open_at_end("".join(lines), delimiter)
    cleanly = False
    if to_end:
        rows = _swallowed_rows(lines[1:], delimiter, width)  # the last line is whole
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


def read_delimited(
    path: Path, dialect: Dialect, *, encoding_chosen: bool, header: list[str] | None
) -> tuple[pd.DataFrame, list[Problem], str]:
    """Read the whole file; returns (frame, problems, encoding actually used)."""
    # A guessed single-byte code page reads UTF-8 lines as mojibake without failing, so
    # it is checked first; a guessed UTF-8 at once when its first megabyte is not valid
    # UTF-8, else once pyarrow has parsed its bytes: a clean UTF-8 file pays nothing, and
    # one whose first line that is not UTF-8 comes late is still parsed only once.
    mixed = None if encoding_chosen else _mixed_before_fast(path, dialect.encoding)
    if mixed:
        return _read_mixed(path, dialect, header, mixed)
    guessed_utf8 = not encoding_chosen and dialect.encoding in ("utf-8", "utf-8-sig")
    try:
        return read_fast(path, dialect, header, as_bytes=guessed_utf8), [], dialect.encoding
    except _NotUtf8 as exc:
        survey = survey_file(path)
        if survey.scan.mixed:
            return _read_mixed(path, dialect, header, survey.scan, parsed=(exc.table, survey))
    except _Irregular:
        if guessed_utf8:
            mixed = scan_file(path)
            if mixed.mixed:  # pyarrow refused its rows: they would be refused again
                return _read_mixed(path, dialect, header, mixed, by_cells=False)
    problems: list[Problem] = []
    used = check_encoding(path, dialect.encoding, encoding_chosen, problems)
    if used != dialect.encoding:
        dialect = replace(dialect, encoding=used)
    try:
        with open(path, "rb") as raw:
            stream = io.TextIOWrapper(raw, encoding=_stream_encoding(path, used), newline="")
            frame, more, _ = parse_records(stream, dialect)
    except CorpusError as exc:
        raise CorpusError(path, exc.reason, exc.line) from None
    return frame, problems + more, used


def _mixed_before_fast(path: Path, encoding: str) -> Scan | None:
    """The scan of a file guessed to be in ``encoding`` that must be read as mixed before
    the fast path is tried (None: try the fast path)."""
    if single_byte(encoding):
        scan = scan_file(path)
    elif encoding in ("utf-8", "utf-8-sig"):
        with open(path, "rb") as fh:
            head = fh.read(SAMPLE_BYTES + 1)
        scan = scan_bytes(head[:SAMPLE_BYTES], final=len(head) <= SAMPLE_BYTES)
    else:
        return None
    return scan if scan.mixed else None


def _read_mixed(
    path: Path,
    dialect: Dialect,
    header: list[str] | None,
    scan: Scan,
    *,
    by_cells: bool = True,
    parsed: tuple[pa.Table, Survey] | None = None,
) -> tuple[pd.DataFrame, list[Problem], str]:
    """Read a file that mixes UTF-8 lines with lines in a legacy code page, each line
    decoded as what it is: from pyarrow's parse of its bytes where each row is one line
    (:func:`_read_mixed_cells`; ``parsed``: that parse, made already, and the file's
    survey), else transcoded line by line into a UTF-8 temporary file, which is then read
    as any UTF-8 file (quoted line breaks, rows pyarrow refuses)."""
    fallback = fallback_of(scan, dialect.encoding)
    if by_cells and decodes_per_cell(fallback):
        try:
            frame, lines = _read_mixed_cells(path, dialect, header, fallback, parsed)
            return frame, [mixed_problem(lines)], lines.label
        except _Irregular:
            pass
    tmp = temporary_file("utf8", path.suffix or ".csv")
    try:
        with open(tmp, "wb") as out:
            lines = transcode_file(path, out, fallback)
        frame, problems, _ = read_delimited(
            tmp, replace(dialect, encoding="utf-8"), encoding_chosen=True, header=header
        )
    except CorpusError as exc:
        raise CorpusError(path, exc.reason, exc.line, exc.column) from None
    finally:
        tmp.unlink(missing_ok=True)
    return frame, [mixed_problem(lines), *problems], lines.label


def _read_mixed_cells(
    path: Path,
    dialect: Dialect,
    header: list[str] | None,
    fallback: str,
    parsed: tuple[pa.Table, Survey] | None,
) -> tuple[pd.DataFrame, FallbackLines]:
    """A mixed file parsed from its own bytes, its cells decoded afterwards (see
    :func:`decode_cells`), with the lines that took ``fallback``; ``_Irregular`` where a
    row is not one line of the file (a quoted line break) or pyarrow refuses the file.

    Without ``parsed`` the parse keeps empty lines as rows, so that row i is line i + 1:
    the lines to report are the rows', with no second read of the file.
    """
    if parsed is None:
        table, _ = _parse_fast(path, dialect, header, as_bytes=True, empty_lines=True)
    else:
        table, survey = parsed
    if _line_break_in(table):
        raise _Irregular
    # Two of pyarrow's blocks decoded at once: numpy and Arrow leave the GIL for most of it.
    with ThreadPoolExecutor(2) as pool:
        try:
            done = list(
                pool.map(lambda batch: decode_cells(batch.columns, fallback), table.to_batches())
            )
        except ValueError:
            raise _Irregular from None
    rows = np.concatenate([bad for _, bad in done]) if done else np.zeros(0, dtype=bool)
    decoded = pa.Table.from_batches(
        [pa.RecordBatch.from_arrays(texts, names=table.column_names) for texts, _ in done],
        schema=pa.schema([(name, pa.large_string()) for name in table.column_names]),
    )
    lines = FallbackLines(fallback)
    if parsed is None:
        lines.add(np.flatnonzero(rows) + 1)
        lines.total_lines = decoded.num_rows
        decoded = _without_empty_lines(decoded, path)
    else:
        lines.count, lines.lines, lines.total_lines = (
            int(rows.sum()),
            survey.first_bad,
            survey.total_lines,
        )
        if len(lines.lines) != min(lines.count, MAX_LISTED_LINES):
            raise _Irregular  # (the rows and the lines disagree: never seen)
    return _finish(decoded, dialect, header), lines


def _without_empty_lines(table: pa.Table, path: Path) -> pa.Table:
    """``table`` (row i = line i + 1 of the file at ``path``) without the rows that are
    empty lines: of the rows whose every cell is empty, those whose line is empty."""
    if not table.num_rows:
        return table
    first = np.concatenate([np.diff(cell_bytes(chunk)[0]) for chunk in table.column(0).chunks])
    candidates = np.flatnonzero(first == 0)
    for column in table.columns[1:]:
        if not len(candidates):
            break
        picked = pc.take(column, pa.array(candidates))
        candidates = candidates[np.diff(cell_bytes(picked.combine_chunks())[0]) == 0]
    if not len(candidates):
        return table
    keep = np.ones(table.num_rows, dtype=bool)
    keep[candidates[empty_lines(path, candidates + 1)]] = False
    return table.filter(pa.array(keep))


def mixed_problem(lines: FallbackLines) -> Problem:
    """The import problem that says which lines of a mixed file took the fallback."""
    return Problem(lines.message(), lines.lines[0] if lines.lines else None)

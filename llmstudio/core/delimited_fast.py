"""The fast path of :mod:`delimited`: pyarrow's multi-threaded CSV reader on a regular file.

It raises :class:`Irregular` where only the exact parser (:mod:`delimited_exact`) can read
the file right (rows with the wrong number of fields, a field bigger than a block, a
quote that may run away, a header that is not on the first record).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .mixed_cells import (
    cell_bytes,
)
from .read_problems import unique_names
from .runaway_quotes import swallowed_rows
from .sniff import (
    Dialect,
    bom_encoding,
)

BLOCK_BYTES = 16 << 20


class Irregular(Exception):
    """The fast path met something only the exact parser handles."""


class NotUtf8(Irregular):
    """The fast path parsed the file's bytes, and some cell is not valid UTF-8."""

    def __init__(self, table: pa.Table):
        super().__init__()
        self.table = table  # the cells as large binary, the header row among them


def read_fast(
    path: Path, dialect: Dialect, header: list[str] | None, *, as_bytes: bool = False
) -> pd.DataFrame:
    """pyarrow path; raises ``Irregular`` for anything it cannot read exactly.

    ``as_bytes`` (a UTF-8 file): the cells are parsed as bytes and checked afterwards, so
    that a file with a line that is not UTF-8 is parsed once, not once to fail (it raises
    ``NotUtf8`` with the parsed cells).
    """
    table, newlines = parse_fast(path, dialect, header, as_bytes=as_bytes)
    if as_bytes:
        try:
            table = pa.table(
                [c.cast(pa.large_string()) for c in table.columns], names=table.column_names
            )
        except pa.ArrowInvalid:
            raise NotUtf8(table) from None
    # A quoted line break splits no row when it falls inside one of pyarrow's blocks, so
    # even a parse without newlines in values may hold multi-line cells to check.
    if (
        dialect.quoting != "none"
        and (newlines or line_break_in(table))
        and _may_run_away(table, path, dialect.encoding, dialect.delimiter, table.num_columns)
    ):
        raise Irregular
    return finish_frame(table, dialect, header)


def parse_fast(
    path: Path,
    dialect: Dialect,
    header: list[str] | None,
    *,
    as_bytes: bool = False,
    empty_lines: bool = False,
    source: Callable[[], BinaryIO] | None = None,
) -> tuple[pa.Table, bool]:
    """pyarrow's parse of the whole file, the header record as its first row, and whether
    it allowed newlines in values; cells as large strings, or as large binary with
    ``as_bytes`` (the encoding must then be UTF-8 or ASCII-compatible: the bytes are not
    decoded). ``empty_lines``: an empty line is a row of empty cells, so that row i is
    line i + 1 where no cell holds a line break. ``source``: opens the stream to parse
    instead of ``path`` (in ``dialect``'s encoding), once for each try. Raises
    ``Irregular``."""
    if dialect.delimiter == "" or dialect.header_row != 0:
        raise Irregular
    n = len(header) if header else None
    if not n or any("\n" in c or "\r" in c for c in header):
        raise Irregular  # pyarrow's skip_rows counts lines, not records
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
                source() if source else path,
                read_options=read,
                parse_options=parse,
                convert_options=convert,
            )
        except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError, LookupError) as exc:
            if "invalid UTF8" in str(exc):
                raise Irregular from None  # the same bytes fail again with newlines allowed
            continue
        if table.num_columns != n or any(t != kind for t in table.schema.types):
            raise Irregular
        return table, newlines
    raise Irregular


def finish_frame(table: pa.Table, dialect: Dialect, header: list[str] | None) -> pd.DataFrame:
    """The frame of a fast parse (large strings, the header record as the first row)."""
    if dialect.has_header:
        table = _drop_header(table, header)
    n = table.num_columns
    final = unique_names(header) if dialect.has_header else [f"column_{i + 1}" for i in range(n)]
    return table.rename_columns(final).to_pandas()


def line_break_in(table: pa.Table) -> bool:
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
            if swallowed_rows(re.split(r"\r\n|\r|\n", cell)[1:-1], delimiter, width):
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
    """``table`` without its first row, which must be ``header`` (else ``Irregular``)."""
    if not table.num_rows:
        raise Irregular
    first = [table.column(i)[0].as_py() for i in range(table.num_columns)]
    first[0] = first[0].lstrip("\ufeff")  # a BOM the codec kept; the sniffer drops it
    if first != header:
        raise Irregular
    return table.slice(1)

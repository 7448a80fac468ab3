"""Parse delimited text (CSV, TSV, semicolon, pipe, one text per line) into a DataFrame.

Every cell is kept as the exact string in the file: no type guessing, no NA tokens, no
whitespace stripping. Two parsers give the same result:

* a fast path through pyarrow's multi-threaded CSV reader, used when the file is regular
  (:mod:`delimited_fast`);
* an exact Python path (``csv`` module) used when the fast path refuses the file (rows
  with the wrong number of fields, a field bigger than a block, bytes that are not valid
  in the sniffed encoding, a header that is not on the first record). It reports every
  irregular row with its line number instead of shifting cells into other columns
  (:mod:`delimited_exact`; quotes that run away: :mod:`runaway_quotes`).

This module chooses between them and reads files that mix UTF-8 with a legacy code page.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .delimited_exact import check_encoding, parse_records, stream_encoding
from .delimited_fast import Irregular, NotUtf8, finish_frame, line_break_in, parse_fast, read_fast
from .errors import CorpusError
from .leftovers import temporary_file
from .mixed_cells import cell_bytes, decode_cells
from .mixed_encoding import (
    MAX_LISTED_LINES,
    FallbackLines,
    Scan,
    Survey,
    decodes_per_cell,
    empty_lines,
    scan_bytes,
    scan_file,
    single_byte,
    survey_file,
)
from .mixed_stream import Utf8Lines, transcode_file
from .read_problems import Problem
from .sniff import (
    SAMPLE_BYTES,
    Dialect,
    fallback_of,
)


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
    except NotUtf8 as exc:
        survey = survey_file(path)
        if survey.scan.mixed:
            return _read_mixed(path, dialect, header, survey.scan, parsed=(exc.table, survey))
    except Irregular:
        if guessed_utf8:
            mixed = scan_file(path)
            if mixed.mixed:  # pyarrow refused its rows: they would be refused again
                return _read_mixed(path, dialect, header, mixed, fast=False)
    problems: list[Problem] = []
    used = check_encoding(path, dialect.encoding, encoding_chosen, problems)
    if used != dialect.encoding:
        dialect = replace(dialect, encoding=used)
    try:
        with open(path, "rb") as raw:
            stream = io.TextIOWrapper(raw, encoding=stream_encoding(path, used), newline="")
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
    fast: bool = True,
    parsed: tuple[pa.Table, Survey] | None = None,
) -> tuple[pd.DataFrame, list[Problem], str]:
    """Read a file that mixes UTF-8 lines with lines in a legacy code page, each line
    decoded as what it is: from ``parsed`` (pyarrow's parse of its bytes, made already,
    and the file's survey) where each row is one line (:func:`_read_mixed_cells`), else,
    where pyarrow may read it (``fast``), converted line by line as pyarrow parses it
    (:func:`_read_mixed_stream`), else transcoded line by line into a UTF-8 temporary
    file, which is then read as any UTF-8 file (quoted line breaks, rows pyarrow
    refuses)."""
    fallback = fallback_of(scan, dialect.encoding)
    if parsed is not None and decodes_per_cell(fallback):
        try:
            frame, lines = _read_mixed_cells(path, dialect, header, fallback, parsed)
            return frame, [mixed_problem(lines)], lines.label
        except Irregular:
            pass
    elif fast:
        try:
            frame, lines = _read_mixed_stream(path, dialect, header, fallback)
            return frame, [mixed_problem(lines)], lines.label
        except Irregular:
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


def _read_mixed_stream(
    path: Path, dialect: Dialect, header: list[str] | None, fallback: str
) -> tuple[pd.DataFrame, FallbackLines]:
    """A mixed file converted to UTF-8 line by line while pyarrow parses it (see
    :class:`Utf8Lines`: no copy of the file, the conversion of one block overlaps the parse
    of the blocks before), with the lines that took ``fallback``; ``Irregular`` where a
    cell holds a line break (whether a quote runs away is told from the file's own tail,
    which is not what was parsed) or pyarrow refuses the file."""
    streams: list[Utf8Lines] = []

    def open_stream() -> Utf8Lines:
        streams.append(Utf8Lines(path, fallback))
        return streams[-1]

    try:
        table, _ = parse_fast(path, replace(dialect, encoding="utf-8"), header, source=open_stream)
        lines = streams[-1].report
        if streams[-1].read(1) or line_break_in(table):
            raise Irregular  # (pyarrow stopped before the end: never seen)
    finally:
        for stream in streams:
            stream.close()
    return finish_frame(table, dialect, header), lines


def _read_mixed_cells(
    path: Path,
    dialect: Dialect,
    header: list[str] | None,
    fallback: str,
    parsed: tuple[pa.Table, Survey] | None,
) -> tuple[pd.DataFrame, FallbackLines]:
    """A mixed file parsed from its own bytes, its cells decoded afterwards (see
    :func:`decode_cells`), with the lines that took ``fallback``; ``Irregular`` where a
    row is not one line of the file (a quoted line break) or pyarrow refuses the file.

    Without ``parsed`` the parse keeps empty lines as rows, so that row i is line i + 1:
    the lines to report are the rows', with no second read of the file.
    """
    if parsed is None:
        table, _ = parse_fast(path, dialect, header, as_bytes=True, empty_lines=True)
    else:
        table, survey = parsed
    if line_break_in(table):
        raise Irregular
    # Two of pyarrow's blocks decoded at once where cores are to spare (numpy and Arrow leave
    # the GIL for most of it). On two cores a second thread bought little and cost CPU and
    # page faults (its own allocator arena): 2 cores, 1M rows, 8,800 faults against 12,200.
    with ThreadPoolExecutor(2 if (os.cpu_count() or 1) >= 4 else 1) as pool:
        try:
            done = list(
                pool.map(lambda batch: decode_cells(batch.columns, fallback), table.to_batches())
            )
        except ValueError:
            raise Irregular from None
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
            raise Irregular  # (the rows and the lines disagree: never seen)
    return finish_frame(decoded, dialect, header), lines


def _without_empty_lines(table: pa.Table, path: Path) -> pa.Table:
    """``table`` (row i = line i + 1 of the file at ``path``) without the rows that are
    empty lines: of the rows whose every cell is empty, those whose line is empty."""
    if not table.num_rows:
        return table
    # Per chunk, comparing offsets: no array of every row's length (fresh memory: page faults
    # that cost more than the comparison).
    found, start = [], 0
    for chunk in table.column(0).chunks:
        off = cell_bytes(chunk)[0]
        found.append(np.flatnonzero(off[1:] == off[:-1]) + start)
        start += len(chunk)
    candidates = np.concatenate(found)
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

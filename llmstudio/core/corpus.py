"""Open any table of texts as a :class:`Corpus`.

``read_table`` is the one entry point the GUI, the CLI and the project use. It detects
the format, the encoding, the delimiter and the header; it keeps every cell's text exactly
as in the file; and it reports what was irregular instead of hiding it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from .delimited import mixed_problem, read_delimited
from .delimited_exact import parse_text
from .errors import CorpusError
from .mixed_encoding import decode_mixed
from .nested import is_nested, text_column_problem
from .read_problems import Problem
from .readers import read_jsonl, read_parquet, read_xlsx
from .sniff import (
    QUOTINGS,
    SAMPLE_BYTES,
    Dialect,
    binary_kind,
    decode,
    decode_guessed,
    detect_encoding,
    mixed_fallback,
    sniff,
    split_records,
)

TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".dat", ".psv"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED = sorted(TEXT_SUFFIXES | JSONL_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES)


@dataclass(frozen=True)
class ImportOptions:
    """What the user overrides; ``None`` means "detect". ``delimiter=""``: one text per line."""

    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool | None = None
    header_row: int | None = None  # records skipped before the header
    text_column: str | None = None
    sheet: str | int | None = None
    quoting: str | None = None  # one of sniff.QUOTINGS; None: "auto"


@dataclass
class Corpus:
    """A table of texts with how it was read. Row ids are positions 0..n-1 in file order."""

    frame: pd.DataFrame
    text_column: str
    source: str | None = None
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool = True
    header_row: int = 0
    problems: list[Problem] = field(default_factory=list)
    quoting: str | None = None  # how quotes were read (delimited text only)

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def format_name(self) -> str:
        """The format as the status bar shows it: a file type in capitals ("CSV",
        "XLSX"), a folder of documents as "documents"."""
        return self.format if self.format == "documents" else self.format.upper()

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def summary(self) -> dict:
        """Plain-data description (what ``llmstudio inspect --json`` prints)."""
        return {
            "file": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "has_header": self.has_header,
            "header_row": self.header_row,
            "quoting": self.quoting,
            "rows": self.rows,
            "columns": self.columns,
            "text_column": self.text_column,
            "problems": [str(p) for p in self.problems],
        }


SUGGEST_SAMPLE_ROWS = 20_000


def _mean_length(col: pd.Series) -> float | None:
    """Mean text length of a column (UTF-8 bytes for Arrow-backed text, characters for
    object columns), missing cells counting as empty (None: not text).

    Missing cells count as empty so a sparse column (the extra fields of a few ragged
    rows) does not win on the length of its few values.
    """
    if pd.api.types.is_string_dtype(col.dtype) and hasattr(col.array, "__arrow_array__"):
        # Arrow-backed text (every CSV column): every row, no copy. Bytes, not characters:
        # read from the offsets (~1 ms/1M rows against ~20 ms to count characters, a
        # quarter of a 1M-row import), and a column of texts is longer than a column of
        # labels in bytes as in characters.
        lengths = pc.fill_null(pc.binary_length(col.array.__arrow_array__()), 0)
        mean = pc.mean(lengths).as_py()
        return float(mean or 0.0)
    if col.dtype != object:
        return None
    # Object columns (XLSX, JSON Lines): evenly spaced rows keep the cost fixed.
    sample = col.iloc[:: max(1, len(col) // SUGGEST_SAMPLE_ROWS)]
    try:
        mean = sample.str.len().fillna(0).mean()
    except (AttributeError, TypeError):
        return None
    return 0.0 if pd.isna(mean) else float(mean)


def suggest_text_column(frame: pd.DataFrame) -> str:
    """The string column with the longest mean length (the first column if none is text)."""
    best, best_len = None, -1.0
    for name in frame.columns:
        mean = _mean_length(frame[name])
        if mean is not None and mean > best_len:
            best, best_len = name, mean
    if best is None:
        if not len(frame.columns):
            raise ValueError("a table without columns has no text column")
        # A list or map column has no text to read: the first other column if any.
        best = next((n for n in frame.columns if not is_nested(frame[n])), frame.columns[0])
    return str(best)


def _format_of(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "xlsx"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix == ".xls":
        raise CorpusError(path, "old Excel .xls files are not supported; save it as .xlsx or .csv")
    if head.startswith(b"PK\x03\x04") and suffix not in TEXT_SUFFIXES:
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    return "tsv" if suffix in {".tsv", ".tab"} else ("txt" if suffix == ".txt" else "csv")


def _check_text(path: Path, sample: bytes, encoding: str) -> None:
    """Refuse empty, binary and non-tabular (JSON, HTML, XML) content with a reason."""
    what = binary_kind(sample)
    if what:
        raise CorpusError(path, f"this is {what}, not a table of texts")
    try:
        text = (
            decode(sample[:65536], encoding)
            if len(sample) <= 65536
            else sample[:65536].decode(encoding, errors="ignore")
        )
    except (UnicodeDecodeError, LookupError):
        text = sample[:65536].decode("latin-1")
    if not text.strip():
        raise CorpusError(path, "the file is empty (no rows, no header)")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(8, len(text) // 10):
        raise CorpusError(
            path,
            "this looks like a binary file, not a table of texts "
            f"({controls} control characters in the first {len(text)})",
        )
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<?xml")):
        raise CorpusError(
            path, "this is an HTML/XML document, not a table; save the table as CSV or XLSX first"
        )
    if start.startswith("{\\rtf"):
        raise CorpusError(path, "this is an RTF document, not a table; save it as CSV or TXT")
    if start.startswith(("{", "[")) and path.suffix.lower() not in {".txt"}:
        raise CorpusError(
            path,
            "this looks like JSON, not a delimited table; give it a "
            ".json or .jsonl name (an array of objects, or one object "
            "per line)",
        )


def _check_encoding_option(path: Path, options: ImportOptions) -> None:
    # A misspelt --encoding used to escape as LookupError: an "internal error" in the CLI.
    if options.encoding is not None:
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            raise CorpusError(path, f"unknown encoding {options.encoding!r}") from None
        # "utf-16" and "utf-32" need a byte-order mark at the start; without one their
        # codecs raise a bare UnicodeError (no byte to name) deep inside the reader.
        try:
            with open(path, "rb") as fh:
                codecs.getincrementaldecoder(options.encoding)().decode(fh.read(4))
        except UnicodeDecodeError:
            pass  # a bad byte: the reader reports it with its line
        except UnicodeError as exc:
            raise CorpusError(
                path,
                f"cannot be read as {options.encoding} ({exc}); a file "
                "without a byte-order mark needs the byte order: "
                f"{options.encoding}-le or {options.encoding}-be"
                if options.encoding.lower().replace("_", "-") in ("utf-16", "utf-32")
                else f"cannot be read as {options.encoding} ({exc})",
            ) from None
        except OSError:
            pass  # unreadable: reported where the file is read


def sniff_file(
    path: str | Path, options: ImportOptions | None = None
) -> tuple[Dialect, list[str] | None]:
    """The dialect of a delimited text file plus its header (or first) record."""
    path = Path(path)
    options = options or ImportOptions()
    _check_encoding_option(path, options)
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES + 1)
    complete = len(sample) <= SAMPLE_BYTES
    sample = sample[:SAMPLE_BYTES]
    if not sample:
        raise CorpusError(path, "the file is empty (0 bytes)")
    encoding = options.encoding or detect_encoding(sample, complete)
    _check_text(path, sample, encoding)
    dialect = sniff(
        sample,
        complete=complete,
        prefer_table=path.suffix.lower() not in {".txt"},
        encoding=encoding,
        delimiter=options.delimiter,
    )
    if options.quoting is not None:
        if options.quoting not in QUOTINGS:
            raise CorpusError(
                path, f"unknown quoting {options.quoting!r} (one of {', '.join(QUOTINGS)})"
            )
        dialect = replace(dialect, quoting=options.quoting)
    if options.has_header is not None or options.header_row is not None:
        dialect = replace(
            dialect,
            has_header=dialect.has_header if options.has_header is None else options.has_header,
            header_row=dialect.header_row if options.header_row is None else options.header_row,
        )
    text = (
        sample.decode(encoding, errors="replace")
        if options.encoding
        else decode_guessed(sample, encoding, complete)[0]
    )
    records = split_records(text.lstrip("\ufeff"), dialect.delimiter, dialect.header_row + 1)
    header = records[dialect.header_row] if len(records) > dialect.header_row else None
    return dialect, header


def preview(path: str | Path, options: ImportOptions | None = None, rows: int = 100) -> Corpus:
    """The first ``rows`` rows as they would be imported (for the import dialog)."""
    path = Path(path)
    options = options or ImportOptions()
    try:
        with open(path, "rb") as fh:  # closed at once (was left open), and
            head = fh.read(8)
    except OSError:  # missing, a folder, unreadable: read_table raises the CorpusError
        return read_table(path, options)
    fmt = _format_of(path, head)
    if fmt not in {"csv", "tsv", "txt"}:
        corpus = read_table(path, options)
        corpus.frame = corpus.frame.head(rows)
        return corpus
    dialect, _ = sniff_file(path, options)
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES + 1)
    complete = len(sample) <= SAMPLE_BYTES
    mixed = None
    if options.encoding:
        text = sample[:SAMPLE_BYTES].decode(dialect.encoding, errors="replace").lstrip("\ufeff")
    else:
        text, mixed = decode_guessed(sample[:SAMPLE_BYTES], dialect.encoding, complete)
    frame, problems, _ = parse_text(text, dialect, max_rows=rows, complete=complete)
    corpus = _corpus(frame, path, fmt, dialect, problems, options.text_column)
    if mixed is not None:  # as read_table says it, for the lines of the first megabyte
        corpus.encoding = mixed.label
        corpus.problems.insert(0, mixed_problem(mixed))
    return corpus


def _corpus(
    frame: pd.DataFrame,
    path: Path,
    fmt: str,
    dialect: Dialect | None,
    problems: list[Problem],
    text_column: str | None,
) -> Corpus:
    if text_column is not None and text_column not in frame.columns:
        raise CorpusError(
            path, f"no column named {text_column!r} (columns: {', '.join(map(str, frame.columns))})"
        )
    problem = text_column_problem(frame, text_column) if text_column is not None else None
    if problem:
        raise CorpusError(path, problem)
    return Corpus(
        frame=frame,
        text_column=text_column or suggest_text_column(frame),
        source=str(path),
        format=fmt,
        encoding=dialect.encoding if dialect else None,
        delimiter=dialect.delimiter if dialect else None,
        has_header=dialect.has_header if dialect else True,
        header_row=dialect.header_row if dialect else 0,
        problems=problems,
        quoting=dialect.quoting if dialect and dialect.delimiter else None,
    )


def read_table(path: str | Path, options: ImportOptions | None = None) -> Corpus:
    """Read a CSV/TSV/TXT, XLSX, Parquet or JSON Lines file into a :class:`Corpus`.

    Raises :class:`CorpusError` naming the file (and line, column where known) when the
    file is missing, empty, binary, not tabular or cannot be decoded.
    """
    path = Path(path)
    options = options or ImportOptions()
    if not path.exists():
        raise CorpusError(path, "no such file")
    if path.is_dir():
        raise CorpusError(path, "this is a folder, not a file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise CorpusError(path, f"cannot be read ({exc.strerror})") from None
    if not head:
        raise CorpusError(path, "the file is empty (0 bytes)")
    fmt = _format_of(path, head)
    _check_encoding_option(path, options)
    if fmt == "xlsx":
        frame, problems = read_xlsx(path, options.sheet)
        return _corpus(frame, path, fmt, None, problems, options.text_column)
    if fmt == "parquet":
        frame, problems = read_parquet(path)
        return _corpus(frame, path, fmt, None, problems, options.text_column)
    if fmt == "jsonl":
        data = path.read_bytes()
        encoding = options.encoding or detect_encoding(
            data[:SAMPLE_BYTES], len(data) <= SAMPLE_BYTES
        )
        mixed = None
        fallback = None if options.encoding else mixed_fallback(data, encoding)
        if fallback:
            text, mixed = decode_mixed(data, fallback)
        else:
            try:
                text = decode(data, encoding)
            except UnicodeDecodeError as exc:
                raise CorpusError(
                    path, f"cannot be decoded as {encoding} at byte {exc.start}"
                ) from None
        frame, problems = read_jsonl(path, text)
        if mixed is not None:
            encoding = mixed.label
            problems.insert(0, mixed_problem(mixed))
        dialect = Dialect(encoding, "", True, 0)
        corpus = _corpus(frame, path, fmt, dialect, problems, options.text_column)
        corpus.delimiter = None
        return corpus
    dialect, header = sniff_file(path, options)
    frame, problems, used = read_delimited(
        path, dialect, encoding_chosen=options.encoding is not None, header=header
    )
    if frame.shape[1] == 0:
        raise CorpusError(path, "no columns found: the file holds no table")
    if used != dialect.encoding:
        dialect = replace(dialect, encoding=used)
    return _corpus(frame, path, fmt, dialect, problems, options.text_column)

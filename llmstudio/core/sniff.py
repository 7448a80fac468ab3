"""Guess how a delimited text file is written: encoding, delimiter and header row.

Only a sample (the first megabyte) is looked at; :mod:`llmstudio.core.delimited` checks
the guess against the whole file while parsing and falls back to a slower exact parser
when the sample was misleading.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections import Counter
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .mixed_encoding import FallbackLines, Scan, decode_mixed, scan_bytes, single_byte

SAMPLE_BYTES = 1 << 20
# csv refuses fields over 128 KB by default ("field larger than field limit (131072)").
# Its limit is a C long: sys.maxsize overflows where a long is 32 bits (Windows), so the
# largest 32-bit value is used everywhere (2 GB in one field).
FIELD_SIZE_LIMIT = 2**31 - 1
# How quotes are read: "auto" (quoted fields, but a quote that runs away over rows is a
# plain character, reported), "csv" (every quote at a field's start opens a quoted
# field, as the standard says), "none" (quotes are plain characters everywhere).
QUOTINGS = ("auto", "csv", "none")
SNIFF_RECORDS = 200
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {
    ",": "comma",
    ";": "semicolon",
    "\t": "tab",
    "|": "pipe",
    "": "none (one text per line)",
}

# Encodings a researcher meets in practice; offered in the import dialog.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "cp1252", "latin-1")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Signatures of common binary formats, so that a PDF renamed .csv gets a precise message.
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (an Excel or Word file?)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program (ELF binary)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls/.doc)"),
)

_NUMBER = re.compile(r"^\s*[-+]?(\d[\d,. ]*|\.\d+)([eE][-+]?\d+)?%?\s*$")
_YEAR = re.compile(r"^(1[5-9]|20)\d\d$")
_DATE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def bom_encoding(data: bytes) -> str | None:
    """The encoding named by a byte-order mark at the start of ``data``, if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def binary_kind(sample: bytes) -> str | None:
    """Say what a binary sample looks like, or None when it may be text."""
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            return what
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    # ASCII-heavy UTF-16 has a NUL in every other byte: even positions for BE, odd for LE.
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _is_utf8(sample: bytes, complete: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # A sample cut in the middle of a character is still UTF-8.
        decoder.decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def western_fallback(data: bytes) -> str:
    """cp1252 (what "ANSI" means on Windows) when it decodes, else latin-1, which always does."""
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def detect_encoding(sample: bytes, complete: bool = False) -> str:
    """Guess the encoding of ``sample`` (the start of a file, or all of it if ``complete``).

    "utf-8" also when valid UTF-8 lines stand beside lines that are not (a file that
    mixes encodings): such a file is decoded line by line (see :func:`decode_guessed`).
    """
    named = bom_encoding(sample)
    if named:
        return named
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if _is_utf8(sample, complete):
        return "utf-8"
    if scan_bytes(sample, final=complete).mixed:
        # UTF-8 lines beside lines that are not: UTF-8, decoded line by line where it
        # is read (core.mixed_encoding), the other lines in legacy_encoding of theirs.
        return "utf-8"
    return legacy_encoding(sample)


def legacy_encoding(sample: bytes) -> str:
    """The legacy code page of text that is not UTF-8: cp1252 (or latin-1) for Latin
    script, charset-normalizer's guess when cp1252 makes most letters accented ones."""
    # Without a BOM or valid UTF-8 the file is in a legacy code page. For Latin-script
    # text that is cp1252 (what "ANSI" means on Windows); charset-normalizer's guesses on
    # short samples (cp932, mac_latin2, ...) are wrong there. Only when cp1252 turns most
    # letters into accented ones (Cyrillic, Greek, CJK bytes) is its guess taken.
    fallback = western_fallback(sample)
    latin = sample.decode(fallback, errors="replace")
    letters = [ch for ch in latin if ch.isalpha()]
    accented = sum(1 for ch in letters if ord(ch) > 127)
    if letters and accented / len(letters) > 0.4:
        best = from_bytes(sample).best()
        if best is not None:
            return best.encoding
    return fallback


@functools.cache
def may_mix(encoding: str) -> bool:
    """Whether a file guessed (not chosen) to be in ``encoding`` may mix it with UTF-8."""
    return encoding in ("utf-8", "utf-8-sig") or single_byte(encoding)


def mixed_fallback(data: bytes, encoding: str, final: bool = True) -> str | None:
    """The encoding of the non-UTF-8 lines when ``data``, guessed to be in ``encoding``,
    mixes them with UTF-8 lines beyond ASCII (None: it does not mix)."""
    if not may_mix(encoding):
        return None
    scan = scan_bytes(data, final)
    return fallback_of(scan, encoding) if scan.mixed else None


def fallback_of(scan: Scan, encoding: str) -> str:
    """The encoding of a mixed file's non-UTF-8 lines: the guessed single-byte code page
    itself, or (a UTF-8 guess) the code page those lines' bytes point to."""
    if single_byte(encoding):
        return encoding
    guess = legacy_encoding(scan.sample)
    # A few short lines can look like UTF-16 or a CJK code page to charset-normalizer;
    # such a codec would read across line ends and merge rows. Lines that are not UTF-8
    # beside UTF-8 lines are in a one-byte code page.
    return guess if single_byte(guess) else western_fallback(scan.sample)


def decode_guessed(
    data: bytes, encoding: str, final: bool = True
) -> tuple[str, FallbackLines | None]:
    """``data`` (a file, or its first bytes when not ``final``) decoded with the guessed
    ``encoding``, a leading BOM dropped. When it mixes UTF-8 lines with lines in a legacy
    code page it is decoded line by line, and the lines read in the legacy code page come
    back too (else None). Other undecodable bytes become U+FFFD (a preview, a header)."""
    fallback = mixed_fallback(data, encoding, final)
    if fallback:
        return decode_mixed(data, fallback, final)
    if final:
        text = data.decode(encoding, errors="replace")
    else:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data)
    return (text[1:] if text.startswith("\ufeff") else text), None


def decode(data: bytes, encoding: str) -> str:
    """Decode ``data`` strictly and drop a leading byte-order mark."""
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def looks_like_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell)) or bool(_DATE.match(cell))


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file is written. ``delimiter == ""`` means one text per line."""

    encoding: str
    delimiter: str
    has_header: bool
    header_row: int  # records (not lines) before the header or the first data row
    newlines_in_values: bool = True
    quoting: str = "auto"  # one of QUOTINGS


def csv_reader(lines, delimiter: str, quoting: str = "auto", strict: bool = False):
    """The one csv reader of the program (sniffer and exact parser): lenient about a
    stray quote inside a field (unless ``strict``), no field size limit, quotes plain
    when ``quoting="none"``."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    return csv.reader(
        lines,
        delimiter=delimiter,
        strict=strict,
        quoting=csv.QUOTE_NONE if quoting == "none" else csv.QUOTE_MINIMAL,
    )


def split_records(
    text: str, delimiter: str, limit: int | None = None, quoting: str = "auto"
) -> list[list[str]]:
    """Parse ``text`` into records the same way the full parser does (blank lines dropped)."""
    if delimiter == "":
        lines = re.split(r"\r\n|\r|\n", text)
        if lines and lines[-1] == "":
            lines.pop()
        rows = [[line] for line in lines if line != ""]
        return rows[:limit] if limit else rows
    rows = []
    reader = csv_reader(io.StringIO(text, newline=""), delimiter, quoting)
    try:
        for row in reader:
            if row:
                rows.append(row)
                if limit and len(rows) >= limit:
                    break
    except csv.Error:
        pass  # the sample ended inside a quoted field; what came before is enough
    return rows


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    if not rows:
        return 0.0, 0
    counts = Counter(len(r) for r in rows)
    modal, n = counts.most_common(1)[0]
    return n / len(rows), modal


def sniff_delimiter(text: str, complete: bool, prefer_table: bool) -> str:
    """Pick the delimiter that splits the sample into the most consistent number of fields.

    ``prefer_table`` (a .csv/.tsv name) keeps a comma for one-column files so quoted cells
    are unquoted; otherwise (a .txt) a file no delimiter splits is read one text per line.
    """
    # Quotes are read as plain characters only when no delimiter splits the sample
    # otherwise and a quote on the first line took in the lines after it (a quote that
    # never closes there makes the whole sample one field).
    opened_over_lines: set[str] = set()
    for quoting in ("auto", "none"):
        best, best_key = None, (0.0, 0)
        for d in DELIMITERS:
            if quoting == "none" and d not in opened_over_lines:
                continue
            rows = split_records(text, d, SNIFF_RECORDS + 1, quoting)
            if rows and any("\n" in c or "\r" in c for c in rows[0]):
                opened_over_lines.add(d)
            if not complete and len(rows) > SNIFF_RECORDS:
                rows = rows[:-1]  # the last record of a cut sample may be partial
            share, modal = _consistency(rows)
            if modal >= 2 and share >= 0.5 and (share, modal) > best_key:
                best, best_key = d, (share, modal)
        if best is not None:
            return best
    if prefer_table:
        # A .csv whose rows disagree in width is still comma- (or ;-) separated: pick
        # the delimiter that splits most records, and let the parser report ragged rows.
        split_share = []
        for d in DELIMITERS:
            rows = split_records(text, d, SNIFF_RECORDS)
            if rows:
                split_share.append((sum(len(r) > 1 for r in rows) / len(rows), d))
        share, d = max(split_share, default=(0.0, ","))
        if share >= 0.8:
            return d
        share, _ = _consistency(split_records(text, ",", SNIFF_RECORDS))
        if share == 1.0:
            return ","
    return ""


def sniff_header(rows: list[list[str]]) -> tuple[int, bool]:
    """Return (records to skip before the header, whether that record is a header).

    Leading one-field records in a many-field file (titles, notes, ``#`` comments) are
    skipped. The header guess is negative when the first record holds a number or a date,
    which column names never are, except for distinct years beside text (panel data).
    """
    if not rows:
        return 0, False
    _, modal = _consistency(rows)
    skip = 0
    while modal > 1 and skip < min(20, len(rows) - 1) and len(rows[skip]) == 1:
        skip += 1
    first = rows[skip]
    numeric = [c for c in first if c.strip() and looks_like_number(c)]
    if not numeric:
        return skip, True
    # Wide panel files name columns by year (country,1990,1991,...): distinct years
    # beside at least one text cell are column names, not data.
    years = [c.strip() for c in numeric]
    is_year_header = (
        len(years) >= 2
        and len(set(years)) == len(years)
        and all(_YEAR.match(y) for y in years)
        and len(numeric) < len(first)
    )
    return skip, is_year_header


def sniff(
    data: bytes,
    *,
    complete: bool,
    prefer_table: bool = True,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Dialect:
    """Guess the dialect of a file from its first bytes; given values are kept as they are."""
    enc = encoding or detect_encoding(data, complete)
    try:
        text = decode(data, enc) if complete else codecs.getincrementaldecoder(enc)().decode(data)
    except (UnicodeDecodeError, LookupError):
        text = data.decode(enc, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    delim = sniff_delimiter(text, complete, prefer_table) if delimiter is None else delimiter
    rows = split_records(text, delim, SNIFF_RECORDS)
    skip, has_header = sniff_header(rows)
    multiline = any("\n" in c or "\r" in c for r in rows for c in r)
    return Dialect(enc, delim, has_header, skip, newlines_in_values=multiline)

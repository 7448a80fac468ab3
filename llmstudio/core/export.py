"""Write a table as CSV, XLSX or Parquet.

CSV and XLSX exports neutralise cells that a spreadsheet would run as a formula
(OWASP "CSV injection": a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) by
putting an apostrophe in front, unless the caller turns the guard off. Plain numbers
such as ``-3.5`` or ``+44`` are left alone: they are data, not formulas, and a researcher's
negative values must survive the export.
"""

from __future__ import annotations

import datetime
import numbers
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ExportError
from .leftovers import remove_dead_leftovers
from .nested import structures_as_text, to_arrow

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
_RISKY = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
EXCEL_MAX_ROWS = 1_048_575  # plus the header row
EXCEL_MAX_COLUMNS = 16_384  # column XFD
EXCEL_MAX_CHARS = 32_767
# Excel keeps 15 significant digits: a 17-digit id typed or saved there ends in zeros.
EXCEL_MAX_EXACT_INT = 10**15 - 1
EXCEL_INT_NOTE = "integers of more than 15 digits written as text: Excel keeps 15 digits"
# Characters XML 1.0 cannot hold: controls, unpaired surrogates, U+FFFE/U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _needs_guard(value: str) -> bool:
    return bool(re.match(_RISKY, value)) and not re.fullmatch(_PLAIN_NUMBER, value)


def guard_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with formula-like text cells prefixed by an apostrophe."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object:
            out[name] = col.map(lambda v: "'" + v if isinstance(v, str) and _needs_guard(v) else v)
        elif pd.api.types.is_string_dtype(col.dtype):
            risky = col.str.contains(_RISKY, regex=True, na=False) & ~col.str.fullmatch(
                _PLAIN_NUMBER, na=False
            )
            if risky.any():
                out[name] = col.mask(risky, "'" + col)
    # Column names become the first row of the sheet: guarded like any other cell.
    out.columns = ["'" + c if isinstance(c, str) and _needs_guard(c) else c for c in out.columns]
    return out


def integers_beyond(frame: pd.DataFrame, limit: int) -> list[str]:
    """Integer columns of ``frame`` holding a value of magnitude over ``limit``: those a
    format with fewer exact digits (a double, Excel's 15 digits) would round."""
    out = []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_integer_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            values = col.dropna()
            # Compared as Python ints: abs() of int64's minimum overflows in numpy.
            if len(values) and max(abs(int(values.min())), abs(int(values.max()))) > limit:
                out.append(name)
    return out


def integers_as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` as their digits (text); missing stays missing."""
    if not columns:
        return frame
    out = frame.copy()
    for name in columns:
        out[name] = pd.array([None if pd.isna(v) else str(int(v)) for v in out[name]], dtype="str")
    return out


def integer_notes(frame: pd.DataFrame, path: str | Path) -> list[str]:
    """One line per column of ``frame`` that an XLSX export to ``path`` writes as text to
    keep it exact (none for other formats; Stata says it in its variable labels)."""
    if FORMATS.get(Path(path).suffix.lower()) != "xlsx":
        return []
    return [
        f"column {name!r}: {EXCEL_INT_NOTE}" for name in integers_beyond(frame, EXCEL_MAX_EXACT_INT)
    ]


def export_format(path: str | Path, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(
            f"{path}: unknown export format {suffix or '(no extension)'!r}; "
            f"use {', '.join(FORMATS)}"
        )
    return FORMATS[suffix]


def export_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    fmt: str | None = None,
    bom: bool = False,
    guard: bool = True,
    sheet_name: str = "data",
    extra_sheets: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write ``frame`` to ``path``; the file appears complete or not at all.

    ``extra_sheets`` (XLSX only): more sheets after the data, by name (e.g. a sheet
    describing the columns); guarded like the data."""
    path = Path(path)
    fmt = export_format(path, fmt)
    check_fits(path, len(frame), len(frame.columns), fmt)
    if fmt in ("csv", "xlsx"):
        frame = structures_as_text(frame)  # JSON text, not Python's or numpy's repr
    if guard and fmt in ("csv", "xlsx"):
        frame = guard_formulas(frame)
    remove_dead_leftovers(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if fmt == "csv":
            # Always CRLF (RFC 4180): the csv writer quotes a cell only for characters of
            # the line terminator, so with "\n" a cell holding a lone "\r" went out
            # unquoted and split its row in two on reading.
            frame.to_csv(
                tmp, index=False, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\r\n"
            )
        elif fmt == "xlsx":
            extra = {
                name: guard_formulas(f) if guard else f for name, f in (extra_sheets or {}).items()
            }
            _write_xlsx(frame, tmp, sheet_name, path, extra)
        elif fmt == "parquet":
            _write_parquet(frame, tmp, path)
        else:
            raise ExportError(f"{path}: unknown export format {fmt!r}")
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except UnicodeEncodeError as exc:  # a lone surrogate: no encoding can write it
        raise ExportError(
            f"{path}: cannot write character U+{ord(exc.object[exc.start]):04X} ({exc.reason})"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def check_fits(path: str | Path, rows: int, columns: int, fmt: str | None = None) -> None:
    """Refuse, before any work, a table of ``rows`` x ``columns`` that the format of
    ``path`` cannot hold (an Excel sheet: 1,048,576 rows with the header, 16,384 columns);
    ExportError naming the limit. Other formats hold any size."""
    if export_format(path, fmt) != "xlsx":
        return
    if columns > EXCEL_MAX_COLUMNS:
        raise ExportError(
            f"{path}: {columns:,} columns; an Excel sheet holds at most "
            f"{EXCEL_MAX_COLUMNS:,}. Export as CSV or Parquet instead"
        )
    if rows > EXCEL_MAX_ROWS:
        raise ExportError(
            f"{path}: {rows:,} rows; an Excel sheet holds at most "
            f"{EXCEL_MAX_ROWS:,} rows below its header. Export as CSV or Parquet "
            f"instead"
        )


def _write_parquet(frame: pd.DataFrame, tmp: Path, path: Path) -> None:
    try:
        # Through to_arrow: list, map, struct and binary columns keep their Arrow types.
        pq.write_table(to_arrow(frame), tmp)
    except (TypeError, ValueError, pa.ArrowException) as exc:  # ArrowTypeError, ArrowInvalid
        raise ExportError(f"{path}: cannot be stored as Parquet ({exc})") from None


def _excel_problem(value: str) -> str | None:
    if len(value) > EXCEL_MAX_CHARS:
        return f"{len(value):,} characters; an Excel cell holds at most {EXCEL_MAX_CHARS:,}"
    bad = _XML_ILLEGAL.search(value)
    if bad:
        return f"character U+{ord(bad.group()):04X} cannot be stored in an Excel file"
    return None


def _check_excel_text(frame: pd.DataFrame, path: Path) -> None:
    """Refuse text an Excel cell cannot hold before anything is written.

    Raising from inside openpyxl's streaming writer left a half-built workbook whose
    clean-up printed "Exception ignored ... I/O operation on closed file" tracebacks.
    """
    for name in frame.columns:
        col = frame[name]
        text = col.dtype == object or pd.api.types.is_string_dtype(col.dtype)
        for r, value in enumerate([name] + (col.tolist() if text else [])):
            problem = _excel_problem(value) if isinstance(value, str) else None
            if problem:
                where = f"row {r}" if r else "the header"
                raise ExportError(
                    f"{path}: {where}, column {str(name)!r}: {problem}. "
                    f"Export as CSV or Parquet instead"
                )


def _ooxml_escape(value: str) -> str:
    """Escape as Excel does: XML parsers turn a raw CR into LF, so CR is written _x000D_,
    and a literal "_xHHHH_" gets its underscore escaped so it is not read as an escape."""
    value = re.sub(r"_(?=x[0-9A-Fa-f]{4}_)", "_x005F_", value)
    return value.replace("\r", "_x000D_")


def _text_cell(sheet, value: str):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.rich_text import CellRichText

    if value == "":
        # openpyxl writes a plain "" as an empty cell, which reads back as missing; an
        # empty rich-text run is an empty string cell.
        return WriteOnlyCell(sheet, value=CellRichText([""]))
    cell = WriteOnlyCell(sheet, value=_ooxml_escape(value))
    cell.data_type = "s"  # text stays text: never turned into a formula
    return cell


def _excel_value(sheet, value):
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if isinstance(value, (numbers.Number, datetime.date, datetime.time, datetime.timedelta)):
        return None if pd.isna(value) else value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return _text_cell(sheet, str(value))  # lists, dicts (JSON Lines): their text


def _write_xlsx(
    frame: pd.DataFrame,
    path: Path,
    sheet_name: str,
    shown: Path,
    extra_sheets: dict[str, pd.DataFrame] | None = None,
) -> None:
    from openpyxl import Workbook  # heavy; only when exporting to Excel

    sheets = {
        name: integers_as_text(table, integers_beyond(table, EXCEL_MAX_EXACT_INT))
        for name, table in {sheet_name: frame, **(extra_sheets or {})}.items()
    }
    for table in sheets.values():
        _check_excel_text(table, shown)
    book = Workbook(write_only=True)
    for name, table in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append([_text_cell(sheet, str(c)) for c in table.columns])
        for row in table.itertuples(index=False, name=None):
            sheet.append([_excel_value(sheet, v) for v in row])
    book.save(path)

"""Write a table as CSV, XLSX or Parquet.

CSV and XLSX exports neutralise cells that a spreadsheet would run as a formula
(OWASP "CSV injection": a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) by
putting an apostrophe in front, unless the caller turns the guard off. Plain numbers
such as ``-3.5`` or ``+44`` are left alone: they are data, not formulas, and a researcher's
negative values must survive the export.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from .errors import ExportError

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
_RISKY = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
EXCEL_MAX_ROWS = 1_048_575  # plus the header row
EXCEL_MAX_CHARS = 32_767
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
            risky = col.str.contains(_RISKY, regex=True, na=False) & \
                ~col.str.fullmatch(_PLAIN_NUMBER, na=False)
            if risky.any():
                out[name] = col.mask(risky, "'" + col)
    return out


def export_format(path: str | Path, fmt: str | None = None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"{path}: unknown export format {suffix or '(no extension)'!r}; "
                          f"use {', '.join(FORMATS)}")
    return FORMATS[suffix]


def export_table(frame: pd.DataFrame, path: str | Path, *, fmt: str | None = None,
                 bom: bool = False, guard: bool = True, sheet_name: str = "data") -> Path:
    """Write ``frame`` to ``path``; the file appears complete or not at all."""
    path = Path(path)
    fmt = export_format(path, fmt)
    if guard and fmt in ("csv", "xlsx"):
        frame = guard_formulas(frame)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if fmt == "csv":
            frame.to_csv(tmp, index=False, encoding="utf-8-sig" if bom else "utf-8",
                         lineterminator="\r\n" if bom else "\n")
        elif fmt == "xlsx":
            _write_xlsx(frame, tmp, sheet_name)
        elif fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            raise ExportError(f"{path}: unknown export format {fmt!r}")
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet_name: str) -> None:
    from openpyxl import Workbook  # heavy; only when exporting to Excel
    from openpyxl.cell import WriteOnlyCell

    if len(frame) > EXCEL_MAX_ROWS:
        raise ExportError(f"{path.name}: {len(frame):,} rows; an Excel sheet holds at most "
                          f"{EXCEL_MAX_ROWS:,}. Export as CSV or Parquet instead")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append([str(c) for c in frame.columns])
    names = [str(c) for c in frame.columns]
    for r, row in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for c, value in enumerate(row):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                cells.append(None)
                continue
            if isinstance(value, str):
                if len(value) > EXCEL_MAX_CHARS:
                    raise ExportError(f"row {r + 1}, column {names[c]!r}: {len(value):,} "
                                      f"characters; an Excel cell holds at most "
                                      f"{EXCEL_MAX_CHARS:,}. Export as CSV or Parquet instead")
                bad = _XML_ILLEGAL.search(value)
                if bad:
                    raise ExportError(f"row {r + 1}, column {names[c]!r}: control character "
                                      f"U+{ord(bad.group()):04X} cannot be stored in an Excel "
                                      f"file. Export as CSV or Parquet instead")
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text stays text: never turned into a formula
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    book.save(path)

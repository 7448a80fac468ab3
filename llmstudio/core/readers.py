"""Readers for the binary and structured formats: XLSX, Parquet and JSON Lines.

Values keep their types (a number stays a number); strings arrive exactly as stored.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import CorpusError
from .nested import arrow_types
from .read_problems import STRING_DTYPE, Problem, unique_names


def _strings_as_str(frame: pd.DataFrame) -> pd.DataFrame:
    """Give all-text object columns pandas' string dtype, as the CSV reader does."""
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object:
            values = col.dropna()
            if len(values) and all(isinstance(v, str) for v in values):
                frame[name] = col.astype(STRING_DTYPE)
    return frame


_NULLABLE_INTS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def _exact_integers(frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Give object columns that hold only whole numbers (and gaps) a nullable integer dtype.

    pandas' own inference turns ints with a missing cell into float64, which rounds every
    id beyond 2**53 (tweet and user ids: 12345678901234567 became 1.2345678901234568e+16).
    Integers beyond 64 bits have no integer dtype; they are kept as their digits, as text.
    """
    for name in frame.columns:
        col = frame[name]
        if col.dtype != object or pd.api.types.infer_dtype(col, skipna=True) != "integer":
            continue
        values = [None if v is None or v is pd.NA else v for v in col]
        for dtype in ("Int64", "UInt64"):
            try:
                frame[name] = pd.array(values, dtype=dtype)
                break
            except (OverflowError, TypeError, ValueError):
                continue
        else:
            frame[name] = pd.array(
                [None if v is None else str(v) for v in values], dtype=STRING_DTYPE
            )
            problems.append(
                Problem(
                    f"column {name!r} holds integers too large for a 64-bit "
                    f"number; its cells were read as text, digit for digit"
                )
            )
    return frame


def _as_text(value) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


def _storable(frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Read a column that mixes types (an Excel id column holding 1 and "A7") as text.

    Without this, the corpus could not be stored in a project nor exported as Parquet:
    both need one Arrow type per column, and pyarrow refused such a column.
    """
    for name in frame.columns:
        col = frame[name]
        if col.dtype != object:
            continue
        try:
            pa.array(col, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            frame[name] = pd.array(
                [
                    None if v is None or (isinstance(v, float) and v != v) else _as_text(v)
                    for v in col
                ],
                dtype=STRING_DTYPE,
            )
            problems.append(
                Problem(
                    f"column {name!r} mixes text with other values; all its cells were read as text"
                )
            )
    return frame


# OOXML escapes characters in cell text as _xHHHH_ (Excel writes a carriage return as
# _x000D_ and a literal "_x0041_" as "_x005F_x0041_"); openpyxl leaves them as they are.
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_unescape(value):
    if isinstance(value, str) and "_x" in value:
        return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def read_xlsx(path: Path, sheet: str | int | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """First sheet (or ``sheet``) of a workbook; the first row holds the column names."""
    from openpyxl import load_workbook  # heavy; only when a workbook is opened

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise CorpusError(path, f"not a readable Excel workbook ({exc})") from None
    problems: list[Problem] = []
    try:
        names = book.sheetnames
        if sheet is None:
            ws = book[names[0]]
        elif isinstance(sheet, int) and 0 <= sheet < len(names):  # else: the error below
            ws = book[names[sheet]]
        elif sheet in names:
            ws = book[sheet]
        else:
            raise CorpusError(path, f"no sheet named {sheet!r} (sheets: {', '.join(names)})")
        if len(names) > 1:
            problems.append(Problem(f"the workbook has {len(names)} sheets; read {ws.title!r}"))
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise CorpusError(path, f"sheet {ws.title!r} is empty")
        data = [[_ooxml_unescape(v) for v in r] for r in rows]
        header = [_ooxml_unescape(v) for v in header]
    finally:
        book.close()
    # Trailing empty rows and columns are formatting leftovers, not data.
    while data and all(v is None for v in data[-1]):
        data.pop()
    width = max([len(header)] + [len(r) for r in data])
    used = max(
        [i + 1 for i, v in enumerate(header) if v is not None]
        + [i + 1 for r in data for i, v in enumerate(r) if v is not None]
        + [0]
    )
    width = min(width, used)
    if width == 0:
        raise CorpusError(path, f"sheet {ws.title!r} is empty")
    names = unique_names(
        ["" if v is None else str(v) for v in list(header)[:width]]
        + [""] * max(0, width - len(header))
    )
    columns = {n: [r[i] if i < len(r) else None for r in data] for i, n in enumerate(names)}
    frame = pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in columns.items()})
    frame = _exact_integers(frame, problems)
    return _storable(_strings_as_str(frame.infer_objects()), problems), problems


def read_parquet(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    try:
        table = pq.read_table(path)
        frame = table.to_pandas(types_mapper=arrow_types)
        # An integer column with a null would become float64 (ids beyond 2**53 rounded);
        # a nullable integer dtype keeps every value exact.
        for i, spec in enumerate(table.schema):
            if spec.type not in _NULLABLE_INTS or not table.column(i).null_count:
                continue
            at = [k for k, c in enumerate(frame.columns) if c == spec.name]
            if len(at) == 1 and frame.iloc[:, at[0]].dtype.kind == "f":
                exact = table.column(i).to_pandas(types_mapper=_NULLABLE_INTS.get)
                frame.isetitem(at[0], pd.Series(exact.array, index=frame.index))
    except Exception as exc:  # pyarrow's errors for a damaged file vary
        raise CorpusError(path, f"not a readable Parquet file ({exc})") from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.columns = unique_names([str(c) for c in frame.columns])
    return frame, []


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _mend_surrogates(value):
    """``value`` with unpaired UTF-16 surrogates (a tweet cut inside an emoji: "\\ud83d")
    replaced by U+FFFD: such a string can be neither stored nor exported (no encoding
    can write it), so keeping it only moved the crash to the project or the export."""
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(value, dict):
        return {_mend_surrogates(k): _mend_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mend_surrogates(v) for v in value]
    return value


def _json_array(path: Path, text: str) -> list[dict]:
    """A JSON document holding an array of objects (what many APIs export)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CorpusError(
            path,
            "a JSON document must be an array of objects (one per row); "
            "or use JSON Lines, one object per line",
        )
    return value


def read_jsonl(path: Path, text: str) -> tuple[pd.DataFrame, list[Problem]]:
    """One JSON object per line, or one array of objects; keys become columns in order of
    first appearance."""
    records: list[dict] = []
    keys: dict[str, None] = {}
    problems: list[Problem] = []
    if text.lstrip().startswith("["):
        records = _json_array(path, text)
        for record in records:
            keys.update(dict.fromkeys(record))
        text = ""
    # Split on \n only: JSON strings may hold U+2028, which str.splitlines() would cut at.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(path, f"invalid JSON: {exc.msg}", number, exc.colno) from None
        if not isinstance(value, dict):
            raise CorpusError(
                path, f"expected a JSON object per line, found {type(value).__name__}", number, 1
            )
        if _SURROGATE_ESCAPE.search(line):
            mended = _mend_surrogates(value)
            if mended != value:
                problems.append(
                    Problem(
                        "a broken character (half of a UTF-16 surrogate "
                        "pair) was replaced by U+FFFD",
                        number,
                    )
                )
            value = mended
        records.append(value)
        keys.update(dict.fromkeys(value))
    if not records:
        raise CorpusError(path, "the file holds no JSON records")
    names = list(keys)
    columns = {k: [r.get(k) for r in records] for k in names}
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    frame.columns = unique_names([str(c) for c in names])
    frame = _exact_integers(frame, problems)
    return _storable(_strings_as_str(frame.infer_objects()), problems), problems

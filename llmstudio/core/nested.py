"""Columns that hold structures: lists, maps, structs and binary (from Parquet).

In the corpus they are pandas ``ArrowDtype`` columns, so the project's Parquet chunks and
a Parquet export keep their exact Arrow type. Formats without such types (CSV, XLSX,
Stata) get each cell as JSON text; binary is written as base64 (inside JSON too). A
structure cannot be the text column: there is no text to send.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json

import pandas as pd
import pyarrow as pa


def is_nested_type(kind: pa.DataType) -> bool:
    """Arrow types with no plain pandas form: lists, maps, structs, unions, binary."""
    return (
        pa.types.is_nested(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    )


def arrow_types(kind: pa.DataType):
    """``types_mapper`` for ``Table.to_pandas``: structures stay Arrow-typed (pandas would
    make lists numpy arrays and maps lists of tuples, which pyarrow then cannot store)."""
    return pd.ArrowDtype(kind) if is_nested_type(kind) else None


def is_nested(col: pd.Series) -> bool:
    """Whether ``col`` holds structures (an Arrow-typed list/map/struct/binary column)."""
    return isinstance(col.dtype, pd.ArrowDtype) and is_nested_type(col.dtype.pyarrow_dtype)


def nested_columns(frame: pd.DataFrame) -> list:
    return [name for name, col in frame.items() if is_nested(col)]


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table whose pandas metadata any pandas can read back.

    pandas records an Arrow-typed column as e.g. "list<element: string>[pyarrow]", which
    ``pd.read_parquet`` then fails to parse ("data type not understood"); recorded as
    "object" (what pandas writes for a column of lists) the file reads everywhere, and the
    Arrow schema still holds the exact type."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    nested = {str(n) for n in nested_columns(frame)}
    meta = table.schema.metadata or {}
    if not nested or b"pandas" not in meta:
        return table
    pandas_meta = json.loads(meta[b"pandas"])
    for spec in pandas_meta.get("columns", []):
        if spec.get("name") in nested:
            spec["pandas_type"], spec["numpy_type"] = "object", "object"
    return table.replace_schema_metadata({**meta, b"pandas": json.dumps(pandas_meta).encode()})


def _plain(value, kind: pa.DataType):
    """``value`` (from ``to_pylist``) as JSON-able Python, led by its Arrow type."""
    if value is None:
        return None
    if pa.types.is_map(kind):
        pairs = [(_plain(k, kind.key_type), _plain(v, kind.item_type)) for k, v in value]
        keys = [k for k, _ in pairs]
        if all(isinstance(k, str) for k in keys) and len(set(keys)) == len(keys):
            return dict(pairs)
        return [list(p) for p in pairs]  # keys that JSON objects cannot hold exactly
    if pa.types.is_struct(kind):
        return {
            kind.field(i).name: _plain(value.get(kind.field(i).name), kind.field(i).type)
            for i in range(kind.num_fields)
        }
    if (
        pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_fixed_size_list(kind)
        or pa.types.is_list_view(kind)
        or pa.types.is_large_list_view(kind)
    ):
        return [_plain(v, kind.value_type) for v in value]
    return _scalar(value)


def _scalar(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)  # exact digits
    if isinstance(value, (dict, list, tuple)):  # JSON Lines cells in an object column
        return (
            {str(k): _scalar(v) for k, v in value.items()}
            if isinstance(value, dict)
            else [_scalar(v) for v in value]
        )
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _scalar(value.tolist())
    return value


def structure_text(value, kind: pa.DataType | None = None) -> str | None:
    """One cell as text: JSON for a structure, base64 for binary; None stays missing."""
    if value is None or value is pd.NA:
        return None
    plain = _plain(value, kind) if kind is not None else _scalar(value)
    if isinstance(plain, str) and (kind is None or not pa.types.is_nested(kind)):
        return plain  # a binary cell: its base64 alone, not a quoted JSON string
    return json.dumps(plain, ensure_ascii=False)


def _is_structure(value) -> bool:
    return isinstance(value, (dict, list, tuple, bytes, bytearray)) or (
        hasattr(value, "ndim") and getattr(value, "ndim", 0) > 0
    )


def structures_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every structure cell as text (JSON; binary as base64), for CSV,
    XLSX and Stata; the frame itself if it has none. Columns of other types are shared."""
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]  # by position: a name
    changed = False  # may be used twice
    for i, col in enumerate(columns):
        if is_nested(col):
            kind = col.dtype.pyarrow_dtype
            texts = [structure_text(v, kind) for v in pa.array(col).to_pylist()]
        elif col.dtype == object and any(_is_structure(v) for v in col):
            texts = [structure_text(v) if _is_structure(v) else v for v in col]
        else:
            continue
        columns[i] = pd.Series(texts, index=frame.index, dtype=object)
        changed = True
    if not changed:
        return frame
    # One concat, not column by column: a wide table is not copied once per column.
    result = pd.concat(columns, axis=1, keys=range(len(columns)))
    result.columns = frame.columns
    return result


def shown_column(col: pd.Series) -> pd.Series:
    """``col`` as people and models read it: a structure column as its JSON text (what
    the table shows, a search finds and a prompt's placeholder gets), any other as is."""
    return structures_as_text(col.to_frame()).iloc[:, 0] if is_nested(col) else col


def text_column_problem(frame: pd.DataFrame, column) -> str | None:
    """Why ``column`` cannot be the text column (it holds structures), or None."""
    if column in frame.columns and is_nested(frame[column]):
        kind = frame[column].dtype.pyarrow_dtype
        return (
            f"column {column!r} holds {_kind_words(kind)}, not text; choose a column "
            f"of text as the text column"
        )
    return None


def _kind_words(kind: pa.DataType) -> str:
    if pa.types.is_map(kind):
        return "maps (key-value pairs)"
    if pa.types.is_struct(kind):
        return "structs (records of fields)"
    if pa.types.is_nested(kind) and not pa.types.is_union(kind):
        return "lists"
    if pa.types.is_union(kind):
        return "unions of types"
    return "binary data"

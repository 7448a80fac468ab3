"""Find the rows whose text matches a search, as row positions (used by table filters)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import SearchError
from .nested import shown_column


def search_pattern(pattern: str, *, regex: bool = False, case: bool = False) -> re.Pattern | None:
    """The compiled form of a search (None for an empty one); raises SearchError."""
    if not pattern:
        return None
    try:
        return re.compile(pattern if regex else re.escape(pattern), 0 if case else re.IGNORECASE)
    except re.error as exc:
        raise SearchError(f"invalid regular expression at position {exc.pos}: {exc.msg}") from None


def matching_rows(
    frame: pd.DataFrame,
    pattern: str,
    columns: list[str] | None = None,
    *,
    regex: bool = False,
    case: bool = False,
) -> np.ndarray:
    """Positions of rows where any of ``columns`` (default: all) contains ``pattern``.

    Plain text is matched literally; ``regex=True`` takes a Python regular expression.
    An empty pattern matches every row.
    """
    compiled = search_pattern(pattern, regex=regex, case=case)
    if compiled is None:
        return np.arange(len(frame))
    names = list(frame.columns) if columns is None else columns
    hit = np.zeros(len(frame), dtype=bool)
    for name in names:
        col = shown_column(frame[name])
        if not pd.api.types.is_string_dtype(col.dtype):
            col = col.astype("str")
        hit |= _contains(col, pattern, compiled, regex, case)
    return np.flatnonzero(hit)


def _contains(
    col: pd.Series, pattern: str, compiled: re.Pattern, regex: bool, case: bool
) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            # pandas warns about capture groups in str.contains; they are harmless here.
            warnings.simplefilter("ignore", UserWarning)
            return col.str.contains(pattern, case=case, regex=regex, na=False).to_numpy(dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, NotImplementedError):
        # pyarrow's RE2 engine lacks look-arounds and back-references that Python's re
        # has: fall back to Python's engine, slower but the same semantics as the check.
        return np.fromiter(
            (isinstance(v, str) and compiled.search(v) is not None for v in col.astype(object)),
            dtype=bool,
            count=len(col),
        )


def sort_order(frame: pd.DataFrame, column: str, descending: bool = False) -> np.ndarray:
    """Row positions ordering ``column``: missing values last, ties in file order."""
    col = shown_column(frame[column])  # Arrow cannot sort lists and maps: their text
    try:
        values = pa.array(col, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in an object column
        values = pa.array(col.astype("str"), from_pandas=True)
    key = ("", "descending" if descending else "ascending", "at_end")
    order = pc.sort_indices(values, sort_keys=[key])
    return order.to_numpy().astype(np.int64)

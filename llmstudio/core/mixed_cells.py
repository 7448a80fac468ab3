"""A mixed-encoding file parsed from its own bytes, then decoded cell by cell.

The delimiters, quotes and line ends of a file that mixes UTF-8 lines with lines in a
one-byte code page (see :mod:`mixed_encoding`) are the same bytes in both encodings, so
pyarrow can parse the raw bytes (cells as binary) and the cells be decoded afterwards,
with no converted copy of the file. Where every row is one line of the file, a line is
invalid UTF-8 exactly when one of its row's cells is (the bytes a parser drops are ASCII),
and a one-byte code page decodes a line as the concatenation of its cells' decodings: the
cells come out as the line-by-line decoding would give them.

The cost beside a clean file's parse is kept to one pass over each column that is not
valid UTF-8 (finding its invalid cells from its non-ASCII bytes alone) and one copy of it
(its cells with the decoded rows put in). The rebuilt column is not validated again as
UTF-8: its other cells were found valid, by Arrow or by :func:`invalid_cells`, which
accepts exactly what Python's strict UTF-8 decoder accepts, and its decoded cells were
written by Python's UTF-8 encoder.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .mixed_encoding import invalid_bytes, non_ascii

KEEP_BYTE = "llmstudio-keep-byte"  # the error handler mixed_encoding registers


@functools.cache
def _utf8_widths(fallback: str) -> np.ndarray:
    """The UTF-8 length of the character each byte is in ``fallback``."""
    return np.array(
        [len(bytes([b]).decode(fallback, errors=KEEP_BYTE).encode()) for b in range(256)],
        dtype=np.int64,
    )


def cell_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The cell offsets (from 0, one past the last) and the bytes of ``array`` (large
    binary or large string), without a copy. A null cell holds the bytes its slot spans
    (none, as Arrow's builders and kernels write them)."""
    _, offsets, data = array.buffers()
    off = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    if data is None or not len(off) or off[-1] == off[0]:
        return off - (off[0] if len(off) else 0), np.zeros(0, dtype=np.uint8)
    return off - off[0], np.frombuffer(data, dtype=np.uint8)[off[0] : off[-1]]


def invalid_cells(array: pa.Array) -> np.ndarray:
    """Which cells of ``array`` (large binary) are not valid UTF-8, as Python's strict
    decoder sees each cell on its own (a character cut between two cells is invalid in
    both); a null cell never is."""
    off, a = cell_bytes(array)
    _, bad, cell = invalid_bytes(a, off)
    out = np.zeros(len(array), dtype=bool)
    out[cell[bad]] = True
    if array.null_count:
        out &= np.asarray(pc.is_valid(array))
    return out


def _ascii(array: pa.Array) -> bool:
    """Whether the cells of ``array`` are ASCII (one reduction, no temporary array)."""
    _, a = cell_bytes(array)
    return not len(a) or int(a.max()) < 0x80


def _decoded(chosen: pa.Array, fallback: str) -> pa.Array | None:
    """The cells of ``chosen`` (large binary) decoded from ``fallback`` and written in
    UTF-8, as large binary (nulls kept); None when they are ASCII (nothing changes)."""
    off, a = cell_bytes(chosen)
    h = non_ascii(a)
    if not len(h):
        return None
    raw = a.tobytes()
    text = raw.decode(fallback, errors=KEEP_BYTE)  # one call for all the cells
    if len(text) != len(raw):
        raise ValueError(f"{fallback} does not read one character per byte")
    data = text.encode("utf-8")
    # Each cell grows by what its non-ASCII bytes grow in UTF-8.
    grown = np.concatenate([[0], np.cumsum(_utf8_widths(fallback)[a[h]] - 1)])
    offsets = off + grown[np.searchsorted(h, off)]
    if offsets[-1] != len(data):
        raise ValueError("cells decoded to other lengths than expected")
    validity = pc.is_valid(chosen).buffers()[1] if chosen.null_count else None
    return pa.Array.from_buffers(
        pa.large_binary(),
        len(chosen),
        [validity, pa.py_buffer(offsets), pa.py_buffer(data)],
        null_count=chosen.null_count,
    )


def _redecoded(column: pa.Array, rows: pa.Array, fallback: str) -> pa.Array | None:
    """``column`` (large binary) as large strings, its cells in ``rows`` (a boolean mask)
    decoded from ``fallback``, the others as they are (they must be valid UTF-8); None when
    the cells in ``rows`` are ASCII."""
    done = _decoded(pc.filter(column, rows), fallback)
    if done is None:
        return None
    # One copy of the column, written once; Arrow validates it no more (see the module's
    # docstring): viewed as strings, not cast.
    return pc.replace_with_mask(column, rows, done).view(pa.large_string())


def decode_cells(columns: list[pa.Array], fallback: str) -> tuple[list[pa.Array], np.ndarray]:
    """The cells of some rows, one large binary array per column, as large strings: each
    row holding a cell that is not valid UTF-8 decoded from ``fallback`` (every cell of it),
    the other rows as UTF-8; and which rows took the fallback. Null cells stay null and
    never make a row take the fallback. Decodes as
    :func:`mixed_encoding.decode_mixed` decodes lines when each row is one line of the file
    and :func:`mixed_encoding.decodes_per_cell` holds for ``fallback``. Raises ValueError
    where the cells do not decode as expected."""
    size = len(columns[0]) if columns else 0
    bad = np.zeros(size, dtype=bool)
    texts: list[pa.Array | None] = []
    for column in columns:
        try:
            # Arrow's SIMD validation: the whole column where it is valid, and up to its
            # first invalid cell where it is not; only those columns are searched cell by cell.
            texts.append(column.cast(pa.large_string()))
        except pa.ArrowInvalid:
            texts.append(None)
            bad |= invalid_cells(column)
    if bad.any():
        rows = pa.array(bad)
        for i, column in enumerate(columns):
            if texts[i] is not None and _ascii(column):
                continue  # (ids, dates, numbers: nothing to decode again)
            redecoded = _redecoded(column, rows, fallback)
            if redecoded is not None:
                texts[i] = redecoded
    if any(t is None for t in texts):
        raise ValueError("a column is not valid UTF-8 but no cell of it was found invalid")
    return texts, bad

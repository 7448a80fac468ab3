"""Cells of a mixed-encoding file decoded after pyarrow parsed its bytes (core.mixed_cells):
the same cells as Python's line-by-line decoding, valid UTF-8 though Arrow does not check
them again, in every shape a column comes in."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pyarrow as pa
import pytest

from llmstudio.core import delimited, delimited_fast, mixed_cells, mixed_encoding
from llmstudio.core.corpus import read_table
from llmstudio.core.mixed_cells import decode_cells, invalid_cells

from helpers.mixed_files import read_through_copy

CP = "cp1252"


def python_invalid(cell: bytes | None) -> bool:
    if cell is None:
        return False
    try:
        cell.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def python_rows(rows: list[list[bytes | None]], fallback: str = CP):
    """What decode_cells must give, row by row as Python decodes lines: a row with an
    invalid cell decoded from ``fallback`` whole (an undefined byte as its latin-1
    character), the others as UTF-8; and which rows took the fallback."""
    out, took = [], []
    for row in rows:
        bad = any(python_invalid(cell) for cell in row)
        took.append(bad)
        out.append(
            [
                None
                if cell is None
                else cell.decode(fallback, errors="llmstudio-keep-byte")
                if bad
                else cell.decode("utf-8")
                for cell in row
            ]
        )
    return out, took


def decoded(columns: list[list[bytes | None]], fallback: str = CP, skip: int = 0):
    """decode_cells over these columns (``skip``: each array is a slice that leaves out its
    first cells, as a batch of a larger parse is), rows back as Python lists; each output
    checked as Arrow would check it."""
    arrays = [pa.array(c, pa.large_binary()).slice(skip) for c in columns]
    texts, took = decode_cells(arrays, fallback)
    for text in texts:
        assert text.type == pa.large_string()
        text.validate(full=True)  # valid UTF-8 though it was built without a check
    rows = [list(r) for r in zip(*(t.to_pylist() for t in texts))]
    return rows, took.tolist()


def test_invalid_cells_agree_with_python_on_every_boundary_byte():
    # Every cell of up to four bytes drawn from the bytes where UTF-8's rules change (lead
    # ranges, the narrower second-byte ranges of E0, ED, F0, F4, continuation ends, bytes
    # never valid), in every order: each class of byte against Python's strict decoder.
    edges = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0]
    edges += [0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
    cells = [bytes(p) for n in range(1, 5) for p in itertools.product(edges, repeat=n)]
    cells += [bytes([b]) for b in range(256)] + [
        bytes(p) for p in itertools.product(range(256), repeat=2)
    ]
    want = [python_invalid(c) for c in cells]
    got = invalid_cells(pa.array(cells, pa.large_binary())).tolist()
    wrong = [c for c, w, g in zip(cells, want, got) if w != g]
    assert not wrong, wrong[:10]
    assert sum(want) > len(cells) / 2  # (most of them are invalid: the test can fail)


@pytest.mark.parametrize("size", [0, 1, 7, 8, 14, 15, 100])
def test_non_ascii_bytes_are_found_across_the_scan_pieces(monkeypatch, size):
    monkeypatch.setattr(mixed_encoding, "SCAN_BYTES", 7)  # many pieces, some cut short
    a = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8)
    found = mixed_encoding.non_ascii(a)
    assert found.tolist() == [i for i, b in enumerate(a.tolist()) if b > 0x7F]


def test_a_character_cut_between_two_cells_is_invalid_in_both():
    array = pa.array([b"5 \xe2\x82", b"\xac", b"ok"], pa.large_binary())
    assert invalid_cells(array).tolist() == [True, True, False]


def test_empty_cells_and_a_cell_invalid_at_its_last_byte():
    columns = [
        [b"", b"1", b"2", b"", b"4"],
        [b"", b"caf\xc3\xa9", b"na\xef", b"", b"\xc3"],  # invalid at the very last byte
        [b"", b"", b"", b"x\xe9", b""],
    ]
    rows, took = decoded(columns)
    assert took == [False, False, True, True, True]
    assert rows == python_rows([list(r) for r in zip(*columns)])[0]
    assert rows[2] == ["2", "naï", ""] and rows[4] == ["4", "Ã", ""]


def test_null_cells_stay_null_and_never_take_the_fallback():
    columns = [[b"1", None, b"3", None], [None, b"na\xefve", b"caf\xc3\xa9", None]]
    rows, took = decoded(columns)
    assert took == [False, True, False, False]
    assert rows == [["1", None], [None, "naïve"], ["3", "café"], [None, None]]


def test_a_slice_of_a_larger_parse_is_decoded_from_its_own_first_cell():
    columns = [[b"skip \xe9", b"1", b"2", b"3"], [b"x", b"\xe9t\xe9", b"\xc3\xa9t\xc3\xa9", b"ok"]]
    rows, took = decoded(columns, skip=1)
    assert took == [True, False, False]
    assert rows == [["1", "été"], ["2", "été"], ["3", "ok"]]


def test_rows_without_an_invalid_cell_come_back_as_they_were():
    columns = [[b"1", b"2"], [b"caf\xc3\xa9 \xf0\x9f\x99\x82", b"plain"]]
    texts, took = decode_cells([pa.array(c, pa.large_binary()) for c in columns], CP)
    assert not took.any() and texts[1].to_pylist() == ["café 🙂", "plain"]


def test_an_invalid_column_with_no_invalid_cell_found_is_an_error_not_a_guess(monkeypatch):
    monkeypatch.setattr(mixed_cells, "invalid_cells", lambda array: np.zeros(len(array), bool))
    with pytest.raises(ValueError, match="no cell of it was found invalid"):
        decode_cells([pa.array([b"na\xefve"], pa.large_binary())], CP)


PIECES = [b"", b"a", b",", b"caf\xc3\xa9", b"\xe9", b"\x81", b"\xf0\x9f\x99\x82", b"\xe2\x82"]
PIECES += [b"\xac", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x82\xac", b"ok"]


@pytest.mark.parametrize("fallback", [CP, "latin-1", "cp1251"])
def test_random_columns_decode_as_python_decodes_their_rows(fallback):
    rng = random.Random(fallback)
    for _ in range(200):
        width, height, skip = rng.randint(1, 4), rng.randint(1, 30), rng.randint(0, 2)
        columns = [
            [
                None
                if rng.random() < 0.05
                else b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 3)))
                for _ in range(height + skip)
            ]
            for _ in range(width)
        ]
        rows, took = decoded(columns, fallback, skip)
        want_rows, want_took = python_rows([list(r) for r in zip(*columns)][skip:], fallback)
        assert (rows, took) == (want_rows, want_took), columns


# -- read_table: a column in many chunks, the invalid cells in one of them -------------------


@pytest.fixture
def batches(monkeypatch):
    """pyarrow's blocks made small (a column in many chunks); the rows that took the
    fallback in each batch decode_cells was given. Cells are decoded where the file was
    parsed before it was found to mix encodings: only the header is looked at first."""
    monkeypatch.setattr(delimited_fast, "BLOCK_BYTES", 1 << 10)
    monkeypatch.setattr(delimited, "SAMPLE_BYTES", 16)
    seen: list[int] = []
    real = delimited.decode_cells

    def spy(columns, fallback):
        texts, took = real(columns, fallback)
        seen.append(int(took.sum()))
        return texts, took

    monkeypatch.setattr(delimited, "decode_cells", spy)
    return seen


def _rows(n: int, cp_rows: set[int]) -> bytes:
    lines = [b"id,text,place"]
    for i in range(n):
        line = f"{i},réponse numéro {i} 🙂,Zürich"
        lines.append(f"{i},réponse numéro {i},Zürich".encode(CP) if i in cp_rows else line.encode())
    return b"\n".join(lines) + b"\n"


def test_a_column_in_many_chunks_decodes_as_lines_do(write_file, monkeypatch, batches):
    path = write_file("many.csv", _rows(300, set(range(7, 300, 7))))
    fast = read_table(path)
    assert len(batches) > 5 and all(batches)  # many chunks, fallback rows in each
    slow = read_through_copy(monkeypatch, path)
    assert fast.frame.equals(slow.frame)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert fast.frame["text"].iloc[7] == "réponse numéro 7"
    assert fast.frame["text"].iloc[8] == "réponse numéro 8 🙂"


def test_invalid_cells_all_in_one_chunk(write_file, monkeypatch, batches):
    path = write_file("one.csv", _rows(300, {290, 295, 299}))
    fast = read_table(path)
    assert len(batches) > 5 and sum(1 for n in batches if n) == 1 and sum(batches) == 3
    slow = read_through_copy(monkeypatch, path)
    assert fast.frame.equals(slow.frame)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert fast.frame["place"].tolist() == ["Zürich"] * 300
    assert "lines 292, 297, 301" in fast.problems[0].message


def test_the_bytes_a_null_slot_spans_are_never_an_invalid_cell():
    # Arrow lets a null slot span bytes; they are no text, so they never make a row fall back
    validity = pa.array([False, True, True]).buffers()[1]
    offsets = pa.py_buffer(np.array([0, 2, 3, 5], dtype=np.int64))
    array = pa.Array.from_buffers(
        pa.large_binary(), 3, [validity, offsets, pa.py_buffer(b"\xe9\xe9xn\xef")], null_count=1
    )
    assert invalid_cells(array).tolist() == [False, False, True]
    texts, took = decode_cells([array], CP)
    assert took.tolist() == [False, False, True] and texts[0].to_pylist() == [None, "x", "nï"]


def test_empty_lines_in_later_chunks_are_left_out_rows_of_empty_cells_kept(
    write_file, monkeypatch, batches
):
    lines = _rows(300, {5, 250}).split(b"\n")
    lines[200:200] = [b"", b",,", b""]  # an empty line, a row of empty cells, an empty line
    path = write_file("gaps.csv", b"\n".join(lines))
    fast = read_table(path)
    assert len(batches) > 5
    slow = read_through_copy(monkeypatch, path)
    assert fast.frame.equals(slow.frame)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert len(fast.frame) == 301 and fast.frame.iloc[199].tolist() == ["", "", ""]

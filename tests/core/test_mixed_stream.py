"""A mixed-encoding file converted to UTF-8 while pyarrow parses it (core.mixed_stream):
the same bytes and the same report as the temporary copy, whatever the blocks and the
reads, and never trusted where pyarrow did not read it to its end."""

from __future__ import annotations

import io
import random

import pytest

from llmstudio.core import delimited, delimited_fast, mixed_encoding
from llmstudio.core.corpus import read_table
from llmstudio.core.mixed_stream import Utf8Lines, transcode_file

from helpers.mixed_files import read_through_copy

CP = "cp1252"
TEXTS = ["plain", "café", "naïve", "Zürich 🙂", "", "5 €", "œuvre", '"a, b"', "\x81x"]


def random_file(rng: random.Random) -> bytes:
    """Lines in UTF-8 or cp1252 (those cp1252 can write), with \\n, \\r\\n or \\r line
    ends, empty lines, perhaps a BOM and no last line end, and one line longer than the
    blocks the tests read."""
    newline = rng.choice([b"\n", b"\r\n", b"\r"])
    lines = [b"id,text"]
    for i in range(rng.randint(5, 60)):
        text = rng.choice(TEXTS) * (40 if rng.random() < 0.05 else 1)
        line = f"{i},{text}"
        if rng.random() < 0.1:
            lines.append(b"")
        elif "🙂" in line or rng.random() < 0.5:
            lines.append(line.encode())
        else:
            lines.append(line.encode(CP, errors="ignore").replace(b"x", b"\x81x"))
    data = newline.join(lines) + (newline if rng.random() < 0.8 else b"")
    return (mixed_encoding.UTF8_BOM if rng.random() < 0.2 else b"") + data


def python_lines(data: bytes) -> tuple[bytes, list[int]]:
    """The file line by line as Python decodes it, and the numbers of its cp1252 lines."""
    if data.startswith(mixed_encoding.UTF8_BOM):
        data = data[len(mixed_encoding.UTF8_BOM) :]
    out, bad = [], []
    for number, line in enumerate(io.BytesIO(data).read().splitlines(True), start=1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode(CP, errors="llmstudio-keep-byte"))
            bad.append(number)
    return "".join(out).encode(), bad


def drain(stream: Utf8Lines, size: int) -> bytes:
    parts = []
    while chunk := stream.read(size):
        assert size < 0 or len(chunk) <= size
        parts.append(bytes(chunk))
    if size < 0:
        assert len(parts) <= 1  # the whole rest at once, as a file's read(-1) gives it
    return b"".join(parts)


@pytest.mark.parametrize("seed", range(30))
def test_the_stream_gives_what_the_copy_holds_whatever_the_blocks_and_reads(
    seed, monkeypatch, tmp_path
):
    rng = random.Random(seed)
    monkeypatch.setattr(mixed_encoding, "CHUNK_BYTES", rng.choice([16, 64, 1 << 20]))
    data = random_file(rng)
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    want, bad = python_lines(data)
    with open(tmp_path / "copy.csv", "wb") as out:
        copied = transcode_file(path, out, CP)
    stream = Utf8Lines(path, CP)
    got = drain(stream, rng.choice([-1, 1, 5, 100, 1 << 24]))
    stream.close()
    assert got == want == (tmp_path / "copy.csv").read_bytes()
    assert (stream.report.count, stream.report.lines) == (len(bad), bad[:10])
    assert stream.report.total_lines == copied.total_lines
    assert stream.report.total_lines == len(data.splitlines())


def test_the_stream_closes_its_file(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("id,text\n1,café\n".encode() + "2,naïve\n".encode(CP))
    stream = Utf8Lines(path, CP)
    assert stream.read(4) == b"id,t"
    stream.close()
    assert stream._fh.closed
    ended = Utf8Lines(path, CP)
    drain(ended, -1)
    assert ended._fh.closed  # at its end, before anyone closes it
    assert ended.report.total_lines == 3 and ended.report.lines == [3]


def many_rows(n: int) -> bytes:
    lines = [b"id,text,place"]
    for i in range(n):
        text = f"{i},réponse numéro {i},Zürich"
        lines.append(text.encode(CP) if i % 7 == 3 else (text + " 🙂").encode())
    return b"\r\n".join(lines) + b"\r\n"


def test_a_file_in_many_blocks_reads_as_through_the_copy(write_file, monkeypatch):
    path = write_file("many.csv", many_rows(2_000))
    monkeypatch.setattr(mixed_encoding, "CHUNK_BYTES", 1 << 10)
    opened = []
    real = delimited.Utf8Lines

    def spy(*args):
        opened.append(real(*args))
        return opened[-1]

    monkeypatch.setattr(delimited, "Utf8Lines", spy)
    with monkeypatch.context() as m:
        m.setattr(delimited, "transcode_file", no_copy)
        fast = read_table(path)
    assert len(opened) == 1 and opened[0].closed
    slow = read_through_copy(monkeypatch, path)
    assert fast.frame.equals(slow.frame)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert fast.frame.iloc[3].tolist() == ["3", "réponse numéro 3", "Zürich"]
    assert fast.frame.iloc[1_999].tolist() == ["1999", "réponse numéro 1999", "Zürich 🙂"]
    assert "lines 5, 12, 19" in fast.problems[0].message
    assert "286 lines are not valid UTF-8" in fast.problems[0].message


def test_a_ragged_row_reads_through_the_copy_and_the_stream_is_closed(write_file, monkeypatch):
    path = write_file("rag.csv", many_rows(50) + "50,naïve,x,y\r\n".encode(CP))
    opened = []
    real = delimited.Utf8Lines

    def spy(*args):
        opened.append(real(*args))
        return opened[-1]

    monkeypatch.setattr(delimited, "Utf8Lines", spy)
    corpus = read_table(path)
    assert opened and all(stream.closed for stream in opened)
    assert corpus.frame["text"].iloc[-1] == "naïve"
    assert any("line 52" in str(p) for p in corpus.problems)  # the ragged row, reported


def test_a_parse_that_did_not_read_the_stream_to_its_end_is_not_trusted(write_file, monkeypatch):
    path = write_file("m.csv", many_rows(300))
    real = delimited_fast.pacsv.read_csv

    def stops_early(source, *args, **kwargs):
        if isinstance(source, Utf8Lines):
            first = bytes(source.read(1 << 10))
            source = io.BytesIO(first[: first.rindex(b"\n") + 1])  # rows cut short
        return real(source, *args, **kwargs)

    monkeypatch.setattr(delimited_fast.pacsv, "read_csv", stops_early)
    corpus = read_table(path)
    assert len(corpus.frame) == 300  # read again, through the copy
    assert "43 lines are not valid UTF-8" in corpus.problems[0].message


def test_blocks_with_and_without_a_cp1252_line_read_as_through_the_copy(write_file, monkeypatch):
    # a block with no cp1252 line is handed to pyarrow as it was read, the others rebuilt
    lines = many_rows(600).split(b"\r\n")
    clean = [line.decode("cp1252").encode() if i > 30 else line for i, line in enumerate(lines)]
    path = write_file("late.csv", b"\r\n".join(clean))
    monkeypatch.setattr(mixed_encoding, "CHUNK_BYTES", 1 << 10)
    with monkeypatch.context() as m:
        m.setattr(delimited, "transcode_file", no_copy)
        fast = read_table(path)
    slow = read_through_copy(monkeypatch, path)
    assert fast.frame.equals(slow.frame) and len(fast.frame) == 600
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert "read as cp1252 (lines 5, 12, 19, 26); the other 597" in fast.problems[0].message


def no_copy(*_args):
    raise AssertionError("the file was copied")

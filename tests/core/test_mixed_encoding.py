"""Files that mix UTF-8 lines with cp1252 (or other legacy) lines (issue 14, item 3): each
line decoded as what it is, the lines read in the fallback encoding reported."""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path

import pytest

from llmstudio.core import delimited, delimited_fast, mixed_cells, mixed_encoding, mixed_stream
from llmstudio.core.corpus import ImportOptions, preview, read_table
from llmstudio.core.errors import CorpusError
from llmstudio.core.mixed_encoding import decode_mixed, scan_bytes
from llmstudio.core.project import Project
from llmstudio.core.sniff import detect_encoding

from helpers.mixed_files import read_through_copy

UTF8, CP = "utf-8", "cp1252"


def mixed(*lines: tuple[str, str], newline: str = "\n") -> bytes:
    """Each (text, encoding) as one line."""
    return b"".join((text + newline).encode(enc) for text, enc in lines)


def texts(corpus) -> list[str]:
    return corpus.frame["text"].tolist()


def mixing_problem(corpus):
    found = [p for p in corpus.problems if "mixes encodings" in p.message]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.fixture
def no_scan(monkeypatch):
    """Fails the test if the mixed-encoding scan runs (a clean file must not pay for it)."""

    def refuse(*_a, **_k):
        raise AssertionError("the file was scanned for mixed encodings")

    monkeypatch.setattr(delimited, "scan_file", refuse)
    monkeypatch.setattr(delimited, "transcode_file", refuse)


def test_the_issue_case_early_non_utf8_byte(write_file):
    path = write_file(
        "m.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve", CP), ("3,déjà vu", UTF8))
    )
    corpus = read_table(path)
    assert texts(corpus) == ["café", "naïve", "déjà vu"]
    assert corpus.encoding == "utf-8 + cp1252"
    note = mixing_problem(corpus)
    assert note.line == 3
    assert "1 line is not valid UTF-8 and was read as cp1252 (line 3)" in note.message
    assert "other 3 lines as UTF-8" in note.message


def test_mixed_with_late_byte(write_file):
    rows = [("id,text", UTF8)] + [(f"{i},réponse numéro {i}", UTF8) for i in range(45_000)]
    head = mixed(*rows)
    assert len(head) > 1 << 20  # the sniffer sees valid UTF-8 only
    path = write_file("late.csv", head + mixed(("45000,naïve", CP), ("45001,Ünïcödé", UTF8)))
    corpus = read_table(path)
    assert corpus.rows == 45_002
    assert texts(corpus)[0] == "réponse numéro 0"
    assert texts(corpus)[-2:] == ["naïve", "Ünïcödé"]
    assert corpus.encoding == "utf-8 + cp1252"
    note = mixing_problem(corpus)
    assert note.line == 45_002 and "(line 45,002)" in note.message


def test_utf8_lines_after_a_first_megabyte_of_cp1252(write_file):
    rows = [("id,text", CP)] + [(f"{i},réponse numéro {i}", CP) for i in range(40_000)]
    head = mixed(*rows)
    assert len(head) > 1 << 20 and detect_encoding(head[: 1 << 20]) == "cp1252"
    path = write_file("late_utf8.csv", head + mixed(("40000,naïve", UTF8)))
    corpus = read_table(path)
    assert texts(corpus)[0] == "réponse numéro 0" and texts(corpus)[-1] == "naïve"
    note = mixing_problem(corpus)
    assert "40,000 lines are not valid UTF-8 and were read as cp1252 (lines 2, 3," in note.message
    assert "and 39,990 more); the other 2 lines as UTF-8" in note.message


def test_pure_cp1252_file_is_read_as_before(write_file):
    path = write_file("cp.csv", mixed(("id,text", CP), ("1,café crème", CP), ("2,5 €", CP)))
    corpus = read_table(path)
    assert corpus.encoding == "cp1252" and corpus.problems == []
    assert texts(corpus) == ["café crème", "5 €"]


def test_pure_cp1252_file_is_scanned_and_not_mixed(write_file):
    path = write_file("cp.csv", mixed(("id,text", CP), *[(f"{i},déjà vu", CP) for i in range(50)]))
    corpus = read_table(path)
    assert corpus.encoding == "cp1252" and corpus.problems == []
    assert set(texts(corpus)) == {"déjà vu"}


def test_clean_utf8_takes_the_fast_path_without_a_scan(write_file, no_scan):
    path = write_file("u.csv", mixed(("id,text", UTF8), ("1,café 🙂", UTF8), ("2,Ünïcödé", UTF8)))
    corpus = read_table(path)
    assert corpus.encoding == "utf-8" and corpus.problems == []
    assert texts(corpus) == ["café 🙂", "Ünïcödé"]


def test_utf8_bom_file(write_file, no_scan):
    path = write_file("bom.csv", b"\xef\xbb\xbf" + mixed(("id,text", UTF8), ("1,café", UTF8)))
    corpus = read_table(path)
    assert corpus.columns == ["id", "text"] and texts(corpus) == ["café"]
    assert corpus.problems == []


@pytest.mark.parametrize("header_enc", [UTF8, CP])
def test_utf8_bom_file_with_a_cp1252_line(write_file, header_enc):
    path = write_file(
        "bom.csv",
        b"\xef\xbb\xbf"
        + mixed(("id,text,année", header_enc), ("1,café,2020", UTF8), ("2,naïve,2021", CP)),
    )
    corpus = read_table(path)
    assert corpus.columns == ["id", "text", "année"]  # the BOM is no part of the header
    assert texts(corpus) == ["café", "naïve"]
    assert mixing_problem(corpus).line == (3 if header_enc == UTF8 else 1)


def test_quoted_field_spanning_lines_in_two_encodings(write_file):
    path = write_file(
        "multi.csv",
        mixed(
            ("id,text", UTF8),
            ('1,"café', UTF8),
            ('naïve"', CP),
            ('2,"première', CP),
            ('déjà vu"', UTF8),
            ("3,fin", UTF8),
        ),
    )
    corpus = read_table(path)
    assert texts(corpus) == ["café\nnaïve", "première\ndéjà vu", "fin"]
    note = mixing_problem(corpus)
    assert note.line == 3 and "(lines 3, 4)" in note.message


def test_crlf_and_cr_line_numbers(write_file):
    path = write_file(
        "crlf.csv",
        mixed(
            ("id,text", UTF8),
            ("1,café", UTF8),
            ("2,naïve", CP),
            ("3,ok", UTF8),
            ("4,crème", CP),
            newline="\r\n",
        ),
    )
    corpus = read_table(path)
    assert texts(corpus) == ["café", "naïve", "ok", "crème"]
    assert "(lines 3, 5)" in mixing_problem(corpus).message
    path = write_file(
        "cr.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve", CP), newline="\r")
    )
    corpus = read_table(path)
    assert texts(corpus) == ["café", "naïve"] and mixing_problem(corpus).line == 3


def test_many_fallback_lines_give_a_short_list_and_a_count(write_file):
    lines = [("id,text", UTF8)] + [
        (f"{i},l'été fut chaud à Zürich", CP if i % 2 else UTF8) for i in range(1, 501)
    ]
    corpus = read_table(write_file("many.csv", mixed(*lines)))
    assert set(texts(corpus)) == {"l'été fut chaud à Zürich"}
    message = mixing_problem(corpus).message
    assert "250 lines are not valid UTF-8" in message
    assert "(lines 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 240 more)" in message
    assert len(message) < 300


def test_a_ragged_row_in_a_mixed_file_is_still_reported(write_file):
    path = write_file("rag.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve,extra", CP)))
    corpus = read_table(path)
    assert texts(corpus) == ["café", "naïve"] and corpus.frame["extra_1"].tolist()[1] == "extra"
    assert [p.line for p in corpus.problems] == [3, 3]


def test_chosen_encoding_is_never_mixed(write_file):
    path = write_file("m.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve", CP)))
    with pytest.raises(CorpusError, match="0xef cannot be decoded as utf-8"):
        read_table(path, ImportOptions(encoding="utf-8"))
    corpus = read_table(path, ImportOptions(encoding="cp1252"))
    assert texts(corpus) == ["cafÃ©", "naïve"] and corpus.problems == []


def test_other_legacy_code_page_is_guessed_from_the_bad_lines(write_file):
    russian = [
        "Мы очень довольны работой городского совета в этом году",
        "Дороги стали лучше, но автобусы ходят редко",
        "Цены на жильё растут, а зарплаты нет",
        "Школа получила новое здание; в поликлинике очереди по-прежнему длинные",
    ]
    rows = [("id\ttext", UTF8), ("1\tcafé", UTF8)] + [
        (f"{i}\t{russian[i % 4]}", "cp1251") for i in range(2, 40)
    ]
    corpus = read_table(write_file("ru.tsv", mixed(*rows)))
    assert texts(corpus)[0] == "café" and set(texts(corpus)[1:]) == set(russian)
    assert corpus.encoding == "utf-8 + cp1251"


def test_preview_decodes_like_the_import(write_file):
    path = write_file("m.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve", CP)))
    shown = preview(path)
    assert texts(shown) == ["café", "naïve"]
    assert shown.encoding == "utf-8 + cp1252" and mixing_problem(shown).line == 3


def test_json_lines_mixing_encodings(write_file):
    data = (json.dumps({"id": 1, "text": "café"}, ensure_ascii=False) + "\n").encode() + (
        json.dumps({"id": 2, "text": "naïve"}, ensure_ascii=False) + "\n"
    ).encode("cp1252")
    corpus = read_table(write_file("m.jsonl", data))
    assert texts(corpus) == ["café", "naïve"]
    assert corpus.encoding == "utf-8 + cp1252" and mixing_problem(corpus).line == 2


def test_the_project_keeps_the_import_problem(write_file, tmp_path):
    corpus = read_table(
        write_file("m.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve", CP)))
    )
    project = Project.create(tmp_path / "m.llmstudio", corpus)
    project.close()
    again = Project.open(tmp_path / "m.llmstudio")
    try:
        held = again.corpus()
        assert texts(held) == ["café", "naïve"] and held.encoding == "utf-8 + cp1252"
        assert mixing_problem(held).line == 3
    finally:
        again.close()


# A quoted field across lines: rows are not lines, so the file is transcoded line by line
# into a temporary UTF-8 copy (the other mixed files are decoded cell by cell, no copy).
MULTI_LINE = mixed(("id,text", UTF8), ('1,"café', UTF8), ('naïve"', CP), ("2,fin", UTF8))


@pytest.fixture
def copies(monkeypatch):
    """The temporary UTF-8 copies made while the test runs."""
    made = []
    original = delimited.temporary_file

    def spy(*args):
        made.append(original(*args))
        return made[-1]

    monkeypatch.setattr(delimited, "temporary_file", spy)
    return made


def test_the_temporary_utf8_copy_is_removed(write_file, copies):
    corpus = read_table(write_file("m.csv", MULTI_LINE))
    assert texts(corpus) == ["café\nnaïve", "fin"]
    assert len(copies) == 1 and not copies[0].exists()


def test_a_mixed_file_of_one_line_rows_is_decoded_without_a_copy(write_file, copies):
    corpus = read_table(
        write_file("m.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve", CP)))
    )
    assert texts(corpus) == ["café", "naïve"] and mixing_problem(corpus).line == 3
    assert copies == []


def test_a_killed_process_temporary_copy_is_removed_later(write_file):
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    left = Path(tempfile.gettempdir()) / f"llmstudio-utf8-{dead}-abc.csv"
    live = Path(tempfile.gettempdir()) / f"llmstudio-utf8-{os.getppid()}-abc.csv"
    left.write_bytes(b"x")
    live.write_bytes(b"x")
    try:
        read_table(write_file("m.csv", MULTI_LINE))
        assert not left.exists() and live.exists()
    finally:
        left.unlink(missing_ok=True)
        live.unlink(missing_ok=True)


# -- the byte-level line check against Python's own decoder --------------------------------

PIECES = [
    b"a",
    b"b ",
    b",",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xf0\x9f\x99\x82",
    b"\xe9",
    b"\x80",
    b"\xc3",
    b"\xe2\x82",
    b"\xc0\xaf",
    b"\xe0\x80\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xf5",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xc2\xa0",
    b"\xf0\x90\x80\x80",
    b"\xf4\x8f\xbf\xbf",
    b"\xed\x9f\xbf",
    b"\xe0\xa0\x80",
]


def python_bad_lines(data: bytes) -> list[int]:
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    bad = []
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
    return bad


@pytest.mark.parametrize("seed", range(40))
def test_bad_lines_are_those_python_cannot_decode(seed):
    rng = random.Random(seed)
    data = b"x" + b"".join(rng.choice(PIECES) for _ in range(rng.randint(50, 400)))
    want = python_bad_lines(data)
    text, lines = decode_mixed(data, "cp1252")
    assert lines.count == len(want) and lines.lines == want[:10]
    # every line comes back: valid lines as UTF-8, the others as cp1252 (undefined bytes
    # as the latin-1 character of the same number), nothing dropped
    out = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    raw = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    assert len(out) == len(raw)
    for number, (got, line) in enumerate(zip(out, raw), start=1):
        if number in want:
            assert got == "".join(
                bytes([c]).decode("cp1252", errors="ignore") or chr(c) for c in line
            )
        else:
            assert got == line.decode("utf-8")
    assert scan_bytes(data).bad == bool(want)


def test_scan_of_a_cut_sample_leaves_the_cut_line_out():
    data = "id,text\n1,café\n2,caf".encode() + "é".encode()[:1]
    assert not scan_bytes(data, final=False).bad
    assert scan_bytes(data, final=True).bad


def test_blocks_keep_lines_whole(monkeypatch, tmp_path):
    monkeypatch.setattr(mixed_encoding, "CHUNK_BYTES", 7)
    data = mixed(
        ("id,text", UTF8),
        ("1,café", UTF8),
        ("2,naïve", CP),
        ("3,plus longue ligne", UTF8),
        ("4,crème", CP),
        newline="\r\n",
    )
    path = tmp_path / "b.csv"
    path.write_bytes(data)
    out = tmp_path / "out.csv"
    with open(out, "wb") as fh:
        lines = mixed_stream.transcode_file(path, fh, "cp1252")
    assert out.read_bytes() == data.decode("cp1252").encode().replace(
        "cafÃ©".encode(), "café".encode()
    )
    assert (lines.count, lines.lines, lines.total_lines) == (2, [3, 5], 5)


def test_late_non_utf8_byte_costs_one_pyarrow_pass_over_the_file(write_file, monkeypatch, copies):
    rows = [("id,text", UTF8)] + [(f"{i},réponse numéro {i}", UTF8) for i in range(45_000)]
    path = write_file("late.csv", mixed(*rows) + mixed(("45000,naïve", CP)))
    sources = []
    real = delimited_fast.pacsv.read_csv

    def spy(source, *args, **kwargs):
        sources.append(Path(source))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(delimited_fast.pacsv, "read_csv", spy)
    corpus = read_table(path)
    assert texts(corpus)[-1] == "naïve" and texts(corpus)[0] == "réponse numéro 0"
    # the cells were parsed as bytes: the same parse is decoded, no second pass, no copy
    assert sources == [path] and copies == []
    note = mixing_problem(corpus)
    assert note.line == 45_002 and "other 45,001 lines as UTF-8" in note.message


# -- read without a copy (converted as pyarrow parses, or decoded cell by cell): the same
# cells and the same report as the line-by-line copy ----------------------------------------


def test_cells_are_invalid_where_python_cannot_decode_them():
    import pyarrow as pa

    rng = random.Random(7)
    for _ in range(300):
        cells = [
            b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(1, 12))
        ]
        array = pa.array(cells, pa.large_binary()).slice(rng.randint(0, 1))
        want = []
        for cell in cells[len(cells) - len(array) :]:
            try:
                cell.decode("utf-8")
                want.append(False)
            except UnicodeDecodeError:
                want.append(True)
        # a character cut between two cells ("\xe2\x82" + "\xac") is invalid in both
        assert mixed_cells.invalid_cells(array).tolist() == want, cells


CELLS = [
    "plain",
    "café",
    "naïve",
    "Zürich 🙂",
    "",
    "l'été",
    '"quoted, with comma"',
    '"say ""hi"""',
    "5 €",
    "œuvre",
    "ÿ",
]


def _random_mixed_file(rng: random.Random, width: int) -> bytes:
    newline = rng.choice(["\n", "\r\n", "\r"])
    out = [",".join(f"col{i}" for i in range(width)).encode(rng.choice([UTF8, CP]))]
    for i in range(rng.randint(1, 40)):
        roll = rng.random()
        if roll < 0.08:
            out.append(b"")  # an empty line
            continue
        cells = [str(i)] + [rng.choice(CELLS) for _ in range(width - 1)]
        if roll < 0.12:
            cells = [""] * width  # a row of empty cells (not an empty line)
        line = ",".join(cells)
        enc = UTF8 if "🙂" in line or rng.random() < 0.5 else CP
        data = line.encode(enc)
        if rng.random() < 0.01:
            data += b"\x81"  # undefined in cp1252: read as the latin-1 character
        out.append(data)
    data = newline.encode().join(out)
    if rng.random() < 0.8:
        data += newline.encode()
    if rng.random() < 0.2:
        data = codecs_bom() + data
    return data


def codecs_bom() -> bytes:
    return mixed_encoding.UTF8_BOM


def test_read_without_a_copy_as_through_the_copy(write_file, monkeypatch, copies):
    without_copy = 0
    for seed in range(60):
        rng = random.Random(seed)
        path = write_file(f"r{seed}.csv", _random_mixed_file(rng, rng.choice([1, 2, 3])))
        copies.clear()
        fast = read_table(path)
        without_copy += not copies and mixing_problem(fast) is not None
        slow = read_through_copy(monkeypatch, path)
        assert fast.frame.equals(slow.frame), (seed, fast.frame, slow.frame)
        assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems], seed
        assert fast.encoding == slow.encoding, seed
    assert without_copy >= 30  # most of them were converted as pyarrow parsed them


@pytest.mark.parametrize("seed", range(3))
def test_cells_decode_as_lines_do_after_a_clean_first_megabyte(seed, write_file, monkeypatch):
    rng = random.Random(seed)
    head = "".join(f"{i},réponse numéro {i},x\n" for i in range(40_000)).encode()
    head = b"id,text,more\n" + head
    assert len(head) > 1 << 20
    tail = _random_mixed_file(rng, 3).split(b"\n", 1)[-1] if rng.random() < 2 else b""
    path = write_file("late.csv", head + tail + "1,naïve,x\n".encode(CP) + b"2,\xc3\xa9,y\n")
    fast = read_table(path)
    slow = read_through_copy(monkeypatch, path)
    assert fast.frame.equals(slow.frame)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert fast.encoding == slow.encoding == "utf-8 + cp1252"


def test_a_line_with_one_cp1252_cell_reads_its_utf8_cells_as_cp1252_too(write_file):
    # as line-by-line decoding does: the line is not UTF-8, so it is read as cp1252 whole
    path = write_file("m.csv", b"id,a,b\n1,caf\xc3\xa9,na\xefve\n2,\xc3\xa9t\xc3\xa9,ok\n")
    corpus = read_table(path)
    assert corpus.frame["a"].tolist() == ["cafÃ©", "été"]
    assert corpus.frame["b"].tolist() == ["naïve", "ok"]
    assert "(line 2)" in mixing_problem(corpus).message


def test_empty_lines_and_rows_of_empty_cells(write_file):
    path = write_file(
        "e.csv",
        mixed(
            ("", UTF8),
            ("id,text", UTF8),
            ("1,café", UTF8),
            ("", UTF8),
            (",", UTF8),
            ("2,naïve", CP),
            ("", UTF8),
        ),
    )
    corpus = read_table(path)
    assert texts(corpus) == ["café", "", "naïve"] and corpus.frame["id"].tolist() == ["1", "", "2"]
    note = mixing_problem(corpus)
    assert "(line 6)" in note.message and "other 6 lines as UTF-8" in note.message


def test_a_ragged_mixed_row_fails_the_fast_parse_without_noise(write_file, capfd):
    path = write_file("rag.csv", mixed(("id,text", UTF8), ("1,café", UTF8), ("2,naïve,x", CP)))
    corpus = read_table(path)
    assert texts(corpus) == ["café", "naïve"]
    assert capfd.readouterr().err == ""  # pyarrow calls no Python handler with the bytes


def test_a_short_cp1252_line_is_never_read_as_utf16(write_file):
    # charset-normalizer takes this one line for UTF-16; read so, it swallowed the next row
    corpus = read_table(write_file("m.csv", b"col0,col1\n\n1,l'\xe9t\xe9\n2,caf\xc3\xa9\n,"))
    assert corpus.frame["col1"].tolist() == ["l'été", "café", ""]
    assert corpus.encoding == "utf-8 + cp1252"

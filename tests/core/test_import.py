"""Import (``llmstudio.core.corpus``) on generated files: every point of the Import item.

Each file is written here from Python strings, so the expected cells are those strings.
"""

from __future__ import annotations

import json
import random
import re

import pandas as pd
import pytest

from llmstudio.core import delimited, delimited_fast
from llmstudio.core.corpus import (
    ImportOptions,
    preview,
    read_table,
    sniff_file,
    suggest_text_column,
)
from llmstudio.core.delimited_exact import parse_text
from llmstudio.core.errors import CorpusError
from llmstudio.core.project import Project
from llmstudio.core.sniff import decode


def cells(frame: pd.DataFrame) -> list[list]:
    return [
        [None if pd.isna(v) else v for v in row]
        for row in frame.astype(object).itertuples(index=False, name=None)
    ]


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    """Quote every field that needs it, RFC 4180 style (written here, not by the csv module)."""

    def field(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\r", "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(field(v) for v in row) + newline for row in rows)


@pytest.fixture
def fast_path_spy(monkeypatch):
    """Records whether each read_table call went through pyarrow (True) or not (False)."""
    calls: list[bool] = []
    original = delimited.read_fast

    def spy(*args, **kwargs):
        try:
            frame = original(*args, **kwargs)
        except delimited_fast.Irregular:
            calls.append(False)
            raise
        calls.append(True)
        return frame

    monkeypatch.setattr(delimited, "read_fast", spy)
    return calls


# -- encodings ----------------------------------------------------------------------------

TABLE = [
    ["id", "text", "group"],
    ["1", "Café crème, s'il vous plaît", "fr"],
    ["2", "Ærøskøbing - naïve façade ±½", "da"],
    ["3", "Straße über Öl", "de"],
]
EURO = [row[:] for row in TABLE]
EURO[1][1] += " (5 € – ok)"


@pytest.mark.parametrize(
    "encoding, bom, table",
    [
        ("utf-8", b"", EURO),
        ("utf-8", b"\xef\xbb\xbf", EURO),
        ("utf-16-le", b"\xff\xfe", EURO),
        ("utf-16-be", b"\xfe\xff", EURO),
        ("cp1252", b"", EURO),
        ("latin-1", b"", TABLE),  # latin-1 has no €
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "cp1252", "latin-1"],
)
def test_same_table_in_every_encoding(write_file, encoding, bom, table):
    path = write_file("t.csv", bom + csv_text(table).encode(encoding))
    corpus = read_table(path)
    assert corpus.columns == table[0]
    assert cells(corpus.frame) == table[1:]
    assert not corpus.problems
    if bom:
        assert corpus.encoding.startswith("utf-16" if len(bom) == 2 else "utf-8")


def test_encodings_give_identical_frames(write_file):
    frames = [
        read_table(write_file(f"{enc}.csv", bom + csv_text(EURO).encode(enc))).frame
        for enc, bom in [
            ("utf-8", b""),
            ("utf-8", b"\xef\xbb\xbf"),
            ("utf-16-le", b"\xff\xfe"),
            ("utf-16-be", b"\xfe\xff"),
            ("cp1252", b""),
        ]
    ]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])


def test_cp1252_detected_for_euro_and_accents(write_file):
    path = write_file("w.csv", "name,text\nZoë,coûte 5 € – «oui»\n".encode("cp1252"))
    corpus = read_table(path)
    assert corpus.encoding == "cp1252"
    assert cells(corpus.frame) == [["Zoë", "coûte 5 € – «oui»"]]


# -- delimiters ---------------------------------------------------------------------------

ROWS = [
    ["id", "text", "score"],
    ["1", "plain words here", "0.5"],
    ["2", "a, b; c | d", "-1"],
    ["3", "tab\tinside", "7"],
    ["4", "", "3"],
]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(write_file, delimiter):
    rows = [[v.replace("\t", " ") if delimiter != "\t" else v for v in r] for r in ROWS]
    path = write_file("d.csv", csv_text(rows, delimiter))
    corpus = read_table(path)
    assert corpus.delimiter == delimiter
    assert corpus.columns == rows[0]
    assert cells(corpus.frame) == rows[1:]


def test_tsv_suffix(write_file):
    path = write_file("d.tsv", csv_text(ROWS, "\t"))
    corpus = read_table(path)
    assert (corpus.format, corpus.delimiter) == ("tsv", "\t")
    assert cells(corpus.frame) == ROWS[1:]


def test_single_column_of_quoted_texts(write_file):
    texts = ["Yes, but only on weekdays.", "No; never.", 'He said "maybe", then left.']
    corpus = read_table(write_file("one.csv", csv_text([["answer"]] + [[t] for t in texts])))
    assert corpus.columns == ["answer"]
    assert corpus.frame["answer"].tolist() == texts


def test_txt_without_delimiter_is_one_text_per_line(write_file):
    lines = ["First answer, with a comma.", "Second one; semicolon.", "Third"]
    corpus = read_table(
        write_file("answers.txt", "\n".join(lines) + "\n"), ImportOptions(has_header=False)
    )
    assert corpus.delimiter == ""
    assert cells(corpus.frame) == [[line] for line in lines]


# -- quoted multi-line fields and line endings ---------------------------------------------

MULTILINE = [
    "first line\nsecond line",
    "windows\r\nline",
    "old mac\rline",
    "all three\r\n\n\rend",
    "ends with newline\n",
    "\r\nstarts with one",
]


@pytest.mark.parametrize("row_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_multiline_cells_keep_their_exact_line_breaks(write_file, row_end):
    rows = [["id", "text", "after"]] + [[str(i), t, f"x{i}"] for i, t in enumerate(MULTILINE)]
    corpus = read_table(write_file("m.csv", csv_text(rows, newline=row_end)))
    assert corpus.columns == rows[0]
    assert cells(corpus.frame) == rows[1:]
    assert "\r\n" in corpus.frame["text"][1]
    assert not corpus.problems


@pytest.mark.parametrize("row_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_plain_rows_with_each_line_ending(write_file, row_end):
    corpus = read_table(write_file("p.csv", csv_text(ROWS, newline=row_end)))
    assert cells(corpus.frame) == ROWS[1:]


def test_field_of_one_megabyte(write_file):
    # Far above the csv module's 128 KB default field limit, with quotes and newlines.
    big = ('A long interview answer, "quoted" and\nwrapped. ' * 25_000)[: 1 << 20]
    assert len(big) == 1 << 20
    rows = [["id", "text", "tail"], ["1", big, "after"], ["2", "short", "end"]]
    corpus = read_table(write_file("big.csv", csv_text(rows)))
    assert corpus.frame["text"][0] == big
    assert cells(corpus.frame)[1] == ["2", "short", "end"]
    assert corpus.frame["tail"][0] == "after"


def test_nul_bytes_arrive_in_cells(write_file):
    rows = [["id", "text"], ["1", "before\x00after"], ["2", "\x00"]]
    corpus = read_table(write_file("nul.csv", csv_text(rows)))
    assert cells(corpus.frame) == rows[1:]


# -- header names -------------------------------------------------------------------------


def test_duplicate_and_empty_header_names(write_file):
    corpus = read_table(write_file("h.csv", "text,text,,text, \n1,2,3,4,5\n"))
    assert corpus.columns == ["text", "text_2", "column_3", "text_3", "column_5"]
    assert cells(corpus.frame) == [["1", "2", "3", "4", "5"]]


def test_generated_name_does_not_collide(write_file):
    corpus = read_table(write_file("h.csv", "column_2,,x\na,b,c\n"))
    assert len(set(corpus.columns)) == 3
    assert corpus.columns[0] == "column_2" and corpus.columns[2] == "x"


# -- ragged rows: reported with their line, never shifted ---------------------------------


def _ragged_file(write_file, multiline_before: bool, row_end: str = "\n"):
    """Rows with 3, 2 and 5 fields after (optionally) multi-line cells; returns expectations."""
    body = [["h1", "h2", "h3"], ["1", "ok", "x"]]
    if multiline_before:
        body += [["2", "three\nline\ncell", "y"], ["3", "crlf\r\ncell", "z"]]
    short, long_ = ["s1", "s2"], ["l1", "l2", "l3", "l4", "l5"]
    body += [short, ["4", "fine", "w"], long_, ["5", "last", "v"]]
    text = csv_text(body, newline=row_end)
    path = write_file("ragged.csv", text)
    # 1-based line where each record starts, counted from the text written.
    starts, line, pos = [], 1, 0
    for row in body:
        starts.append(line)
        chunk = csv_text([row], newline=row_end)
        line += len(re.findall(r"\r\n|\r|\n", chunk))
        pos += len(chunk)
    assert pos == len(text)
    return path, body, starts, body.index(short), body.index(long_)


@pytest.mark.parametrize("row_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("multiline_before", [False, True], ids=["simple", "after-multiline"])
def test_ragged_rows_reported_with_line_numbers(write_file, multiline_before, row_end):
    path, body, starts, i_short, i_long = _ragged_file(write_file, multiline_before, row_end)
    corpus = read_table(path)
    lines = {p.line: p.message for p in corpus.problems if p.line}
    assert set(lines) == {starts[i_short], starts[i_long]}
    if multiline_before:
        assert starts[i_short] != i_short + 1  # line != record number here
    assert "2 fields" in lines[starts[i_short]] and "5 fields" in lines[starts[i_long]]
    assert corpus.columns == ["h1", "h2", "h3", "extra_1", "extra_2"]
    got = cells(corpus.frame)
    for record, row in zip(body[1:], got):
        assert row[: len(record)] == record  # every field where it was, nothing shifted
        assert all(v is None for v in row[len(record) :])
    assert len(got) == len(body) - 1


def test_too_few_fields_never_shift(write_file):
    corpus = read_table(write_file("few.csv", "a,b,c\n1,2,3\n4\n5,6,7\n"))
    assert cells(corpus.frame) == [["1", "2", "3"], ["4", None, None], ["5", "6", "7"]]
    assert [p.line for p in corpus.problems] == [3]


# -- cells arrive as the exact strings -----------------------------------------------------

LITERALS = [
    "007",
    "NA",
    "null",
    "  padded  ",
    "1e5",
    "",
    "N/A",
    "NaN",
    "TRUE",
    "-0",
    "1,5",
    "2020-01-02",
    " ",
    "#N/A",
    "None",
]


@pytest.mark.parametrize("quoted", [False, True])
def test_literal_cells_are_not_interpreted(write_file, quoted):
    header = [f"c{i}" for i in range(len(LITERALS))]
    if quoted:
        line = ",".join('"' + v + '"' for v in LITERALS)
    else:
        line = csv_text([LITERALS]).rstrip("\n")
    corpus = read_table(write_file("lit.csv", ",".join(header) + "\n" + line + "\n"))
    assert cells(corpus.frame) == [LITERALS]
    assert all(isinstance(v, str) for v in corpus.frame.iloc[0])


# -- the fast (pyarrow) path and the exact path agree -------------------------------------


def _awkward_rows(n: int) -> list[list[str]]:
    rng = random.Random(7)
    pieces = [
        "word",
        "Ünïcödé",
        "comma, inside",
        'say "hi"',
        "",
        " ",
        "007",
        "NA",
        "line\nbreak",
        "crlf\r\nbreak",
        "tab\there",
        "emoji 🙂",
        "x" * 300,
    ]
    return [["id", "text", "meta"]] + [
        [str(i), rng.choice(pieces) + rng.choice(pieces), rng.choice(pieces)] for i in range(n)
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "cp1252"])
def test_fast_and_exact_paths_give_identical_frames(write_file, fast_path_spy, encoding):
    rows = _awkward_rows(3000)
    if encoding == "cp1252":
        rows = [[v.replace("🙂", "€").replace("Ünïcödé", "Über") for v in r] for r in rows]
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b""
    path = write_file("f.csv", bom + csv_text(rows).encode(encoding))
    corpus = read_table(path)
    assert fast_path_spy == [True], "a regular file should take the pyarrow path"
    dialect, _ = sniff_file(path)
    exact, problems, line_numbers = parse_text(decode(path.read_bytes(), dialect.encoding), dialect)
    pd.testing.assert_frame_equal(corpus.frame, exact)
    assert cells(exact) == rows[1:] and not problems
    assert line_numbers[0] == 2


def test_blank_lines_before_header_fast_path(write_file, fast_path_spy):
    # pyarrow's skip_rows counted blank lines: the header came back as a data row.
    corpus = read_table(write_file("b.csv", "\n\r\n\nid,text\n1,a\n2,b\n"))
    assert corpus.columns == ["id", "text"]
    assert cells(corpus.frame) == [["1", "a"], ["2", "b"]]


# -- encoding fallback and explicit encodings ----------------------------------------------


def test_cp1252_byte_after_the_first_megabyte(write_file):
    rows = [["id", "text"]] + [[str(i), f"plain ascii answer number {i}"] for i in range(40_000)]
    head = csv_text(rows).encode("utf-8")
    assert len(head) > 1 << 20  # the sniffer only sees valid UTF-8
    tail = "40000,déjà vu\n".encode("cp1252")
    corpus = read_table(write_file("late.csv", head + tail))
    assert corpus.rows == 40_001
    assert corpus.frame["text"].iloc[-1] == "déjà vu"
    assert corpus.encoding == "cp1252"
    bad_line = len(rows) + 1
    notes = [p for p in corpus.problems if p.line == bad_line]
    assert notes and "0xe9" in notes[0].message


def test_chosen_encoding_that_does_not_fit(write_file):
    path = write_file("c.csv", "a,b\n1,ok\n2,caf\xe9 noir\n".encode("cp1252"))
    with pytest.raises(CorpusError) as info:
        read_table(path, ImportOptions(encoding="utf-8"))
    assert (info.value.line, info.value.column) == (3, 6)
    assert "c.csv" in str(info.value) and "line 3, column 6" in str(info.value)


def test_chosen_encoding_is_used(write_file):
    path = write_file("c.csv", "a,b\n1,caf\xe9\n".encode("latin-1"))
    corpus = read_table(path, ImportOptions(encoding="latin-1"))
    assert corpus.encoding == "latin-1" and cells(corpus.frame) == [["1", "café"]]


def test_unknown_encoding_name_is_a_corpus_error(write_file):
    path = write_file("c.csv", "a,b\n1,2\n")
    with pytest.raises(CorpusError, match="unknown encoding"):
        read_table(path, ImportOptions(encoding="no-such-codec"))
    with pytest.raises(CorpusError, match="unknown encoding"):
        preview(path, ImportOptions(encoding="no-such-codec"))


# -- files that are not tables --------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
        ("noise.csv", random.Random(1).randbytes(4096), "binary"),
        ("doc.pdf.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        ("data.csv", json.dumps({"rows": [{"a": 1}, {"a": 2}]}).encode(), "JSON"),
        (
            "page.csv",
            b"<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table></body></html>",
            "HTML",
        ),
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\r\n\n   \n", "empty"),
    ],
)
def test_non_tables_fail_with_path_and_reason(write_file, name, data, reason):
    path = write_file(name, data)
    with pytest.raises(CorpusError) as info:
        read_table(path)
    assert str(path) in str(info.value)
    assert reason.lower() in str(info.value).lower()


def test_folder_and_missing_file(tmp_path):
    for path, reason in [(tmp_path, "folder"), (tmp_path / "nope.csv", "no such file")]:
        for call in (read_table, preview):
            with pytest.raises(CorpusError) as info:
                call(path)
            assert str(path) in str(info.value) and reason in str(info.value)


# -- XLSX -------------------------------------------------------------------------------


def _workbook(path, sheets: dict[str, list[list]]):
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a string that looks like a formula stays text
    book.save(path)
    return path


def test_xlsx_strings_numbers_formula_text_and_sheets(tmp_path):
    path = _workbook(
        tmp_path / "book.xlsx",
        {
            "answers": [
                ["id", "text", "text", "score"],
                [1, "Hello\nworld", "=SUM(A1:A2)", 2.5],
                [2, "007", "-x", None],
                [3, "", "ok", 4],
            ],
            "other": [["ignored"], ["x"]],
        },
    )
    corpus = read_table(path)
    assert corpus.format == "xlsx"
    assert corpus.columns == ["id", "text", "text_2", "score"]
    assert corpus.frame["id"].tolist() == [1, 2, 3]
    assert corpus.frame["text"].tolist()[:2] == ["Hello\nworld", "007"]
    assert corpus.frame["text_2"].tolist() == ["=SUM(A1:A2)", "-x", "ok"]
    assert corpus.frame["score"].iloc[0] == 2.5 and pd.isna(corpus.frame["score"].iloc[1])
    assert any("2 sheets" in p.message for p in corpus.problems)
    second = read_table(path, ImportOptions(sheet="other"))
    assert cells(second.frame) == [["x"]]
    assert cells(read_table(path, ImportOptions(sheet=1)).frame) == [["x"]]
    with pytest.raises(CorpusError, match="no sheet named"):
        read_table(path, ImportOptions(sheet="missing"))
    with pytest.raises(CorpusError, match="no sheet named"):
        read_table(path, ImportOptions(sheet=7))


def test_xlsx_excel_escapes_are_decoded(tmp_path):
    # Excel stores a carriage return in cell text as _x000D_ and a literal "_x0041_"
    # as "_x005F_x0041_" (OOXML ST_Xstring).
    path = _workbook(
        tmp_path / "esc.xlsx",
        {"s": [["text"], ["line_x000D_\nnext"], ["keep _x005F_x0041_ literally"]]},
    )
    assert read_table(path).frame["text"].tolist() == ["line\r\nnext", "keep _x0041_ literally"]


def test_xlsx_mixed_column_becomes_text_and_can_be_stored(tmp_path):
    path = _workbook(
        tmp_path / "mixed.xlsx", {"s": [["id", "text"], [1, "a"], ["A7", "b"], [2.5, "c"]]}
    )
    corpus = read_table(path)
    assert corpus.frame["id"].tolist() == ["1", "A7", "2.5"]
    assert any("'id'" in p.message for p in corpus.problems)
    with Project.create(tmp_path / "p.llmstudio", corpus) as project:
        assert project.corpus().frame["id"].tolist() == ["1", "A7", "2.5"]


def test_damaged_xlsx(write_file):
    path = write_file("broken.xlsx", b"PK\x03\x04 this is not really a zip")
    with pytest.raises(CorpusError) as info:
        read_table(path)
    assert "broken.xlsx" in str(info.value) and "Excel" in str(info.value)


# -- Parquet and JSON Lines ----------------------------------------------------------------


def test_parquet_keeps_values_and_types(tmp_path):
    frame = pd.DataFrame(
        {"id": [1, 2, 3], "text": ["a\r\nb", "", "007"], "score": [0.5, None, -1.0]}
    )
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    corpus = read_table(tmp_path / "t.parquet")
    assert corpus.format == "parquet" and corpus.columns == ["id", "text", "score"]
    assert corpus.frame["id"].tolist() == [1, 2, 3]
    assert corpus.frame["text"].tolist() == ["a\r\nb", "", "007"]
    assert pd.isna(corpus.frame["score"][1]) and corpus.frame["score"][2] == -1.0
    assert corpus.text_column == "text"


def test_parquet_with_index_keeps_it_as_a_column(tmp_path):
    frame = pd.DataFrame({"text": ["x", "y"]}, index=pd.Index(["r1", "r2"], name="doc"))
    frame.to_parquet(tmp_path / "i.parquet")
    corpus = read_table(tmp_path / "i.parquet")
    assert corpus.columns == ["doc", "text"] and corpus.frame["doc"].tolist() == ["r1", "r2"]


def test_jsonl_reader(write_file):
    lines = [
        {"id": 1, "text": "para\u2028graph sep", "lang": "en"},
        {"id": 2, "text": "zweite Zeile\r\nmit CRLF", "extra": True},
        {"id": 3, "text": "", "lang": None},
    ]
    body = "\n".join(json.dumps(obj, ensure_ascii=False) for obj in lines) + "\n\n"
    corpus = read_table(write_file("t.jsonl", body))
    assert corpus.format == "jsonl" and corpus.delimiter is None
    assert corpus.columns == ["id", "text", "lang", "extra"]
    assert corpus.frame["text"].tolist() == [o["text"] for o in lines]
    assert corpus.frame["id"].tolist() == [1, 2, 3]
    assert corpus.text_column == "text"


@pytest.mark.parametrize(
    "body, line, column",
    [
        ('{"a": 1}\n{"a": 2,\n{"a": 3}\n', 2, 9),  # a name expected after the 8 characters
        ('{"a": 1}\n\n{"a": "x"} trailing\n', 3, 12),
        ('{"a": 1}\n[1, 2]\n', 2, 1),
    ],
)
def test_jsonl_bad_line(write_file, body, line, column):
    path = write_file("bad.jsonl", body)
    with pytest.raises(CorpusError) as info:
        read_table(path)
    assert (info.value.line, info.value.column) == (line, column)
    assert "bad.jsonl" in str(info.value) and f"line {line}, column {column}" in str(info.value)


def test_jsonl_mixed_values_become_text(write_file, tmp_path):
    corpus = read_table(
        write_file(
            "m.jsonl", '{"v": 1, "t": "a"}\n{"v": "two", "t": "b"}\n{"v": {"k": [1]}, "t": "c"}\n'
        )
    )
    assert corpus.frame["v"].tolist() == ["1", "two", '{"k": [1]}']
    with Project.create(tmp_path / "j.llmstudio", corpus) as project:
        assert project.corpus().frame["v"].tolist() == ["1", "two", '{"k": [1]}']


def test_jsonl_half_surrogate_is_mended_and_reported(write_file, tmp_path):
    # Tweets cut inside an emoji carry "\\ud83d" alone: no encoding can store that.
    body = '{"t": "cut \\ud83d"}\n{"t": "whole \\ud83d\\ude00"}\n'
    corpus = read_table(write_file("s.jsonl", body))
    assert corpus.frame["t"].tolist() == ["cut \ufffd", "whole \U0001f600"]
    assert [p.line for p in corpus.problems] == [1]
    with Project.create(tmp_path / "s.llmstudio", corpus) as project:
        assert project.corpus().frame["t"][0] == "cut \ufffd"


# -- the text column --------------------------------------------------------------------------


def test_suggest_text_column_is_longest_mean_string_column():
    frame = pd.DataFrame(
        {
            "id": pd.array(["1", "2", "3"], dtype="str"),
            "title": pd.array(["a fairly long title", "another long title", "x"], dtype="str"),
            "body": pd.array(["long " * 10, "", "short"], dtype="str"),
            "count": [10**30, 2, 3],
        }
    )
    means = {c: frame[c].str.len().mean() for c in ("id", "title", "body")}
    assert suggest_text_column(frame) == max(means, key=means.get) == "body"


def test_sparse_column_does_not_win_on_few_long_values():
    frame = pd.DataFrame(
        {
            "text": pd.array(["medium length text"] * 4, dtype="str"),
            "extra_1": pd.array([None, None, None, "x" * 40], dtype="str"),
        }
    )
    assert suggest_text_column(frame) == "text"


def test_text_column_suggested_and_overridden(write_file):
    path = write_file(
        "t.csv",
        "id,speech,party\n1,We will build more homes for families,A\n"
        "2,Taxes must come down for everyone,B\n",
    )
    assert read_table(path).text_column == "speech"
    assert read_table(path, ImportOptions(text_column="party")).text_column == "party"
    with pytest.raises(CorpusError) as info:
        read_table(path, ImportOptions(text_column="Speech"))
    assert "Speech" in str(info.value) and "t.csv" in str(info.value)


# -- preview --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, delimiter", [("utf-8", ","), ("utf-16-le", ";"), ("cp1252", "\t")]
)
def test_preview_matches_read_table(write_file, encoding, delimiter):
    rows = [["note"], ["id", "text"]] + [[str(i), f"row {i} ½ multi\nline"] for i in range(250)]
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b""
    path = write_file("p.csv", bom + csv_text(rows, delimiter).encode(encoding))
    full = read_table(path)
    small = preview(path, rows=20)
    assert small.rows == 20
    for attr in ("encoding", "delimiter", "has_header", "header_row", "columns", "text_column"):
        assert getattr(small, attr) == getattr(full, attr), attr
    assert full.header_row == 1 and full.rows == 250
    pd.testing.assert_frame_equal(small.frame, full.frame.head(20))
    assert preview(path, rows=1000).rows == 250


def test_preview_of_a_workbook(tmp_path):
    path = _workbook(tmp_path / "w.xlsx", {"s": [["text"]] + [[f"t{i}"] for i in range(30)]})
    assert preview(path, rows=5).frame["text"].tolist() == [f"t{i}" for i in range(5)]


def test_preview_honours_overrides(write_file):
    path = write_file("o.csv", "a;b\n1;2\n3;4\n")
    small = preview(path, ImportOptions(delimiter=",", has_header=False), rows=10)
    assert small.delimiter == "," and small.has_header is False
    assert cells(small.frame) == [["a;b"], ["1;2"], ["3;4"]]


@pytest.mark.parametrize(
    "content, header, first",
    [
        # wide panel data: distinct years beside a text cell are column names
        (
            "country,1990,1991\nFrance,12.3,13.4\nItaly,1.0,2.0\n",
            ["country", "1990", "1991"],
            "France",
        ),
        # numbers alone, or a repeated year, are data: no header
        ("1990,1991\n12,13\n", ["column_1", "column_2"], "1990"),
        ("x,1990,1990\nFrance,12.3,13.4\n", ["column_1", "column_2", "column_3"], "x"),
        ("id,score\n1,2\n", ["id", "score"], "1"),
    ],
)
def test_header_guess_numbers_and_years(write_file, content, header, first):
    corpus = read_table(write_file("panel.csv", content))
    assert corpus.columns == header
    assert corpus.frame.iloc[0, 0] == first


def test_json_array_of_objects(write_file):
    path = write_file(
        "export.json",
        '[{"id": 1, "text": "h\\u00e9llo\\nworld"},\n {"id": 2, "text": "x", "extra": true}]',
    )
    corpus = read_table(path)
    assert corpus.columns == ["id", "text", "extra"]
    assert corpus.frame["text"].tolist() == ["héllo\nworld", "x"]
    assert corpus.text_column == "text"


def test_json_lines_with_json_suffix(write_file):
    corpus = read_table(write_file("lines.json", '{"t": "a"}\n{"t": "b"}\n'))
    assert corpus.frame["t"].tolist() == ["a", "b"]


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("[1, 2, 3]", "array of objects"),
        ('[{"a": 1},\n {"a": 2,}]', "invalid JSON"),
    ],
)
def test_json_document_errors(write_file, content, fragment):
    with pytest.raises(CorpusError) as err:
        read_table(write_file("bad.json", content))
    assert fragment in str(err.value) and "bad.json" in str(err.value)


def test_json_content_in_a_csv_name_is_refused(write_file):
    with pytest.raises(CorpusError, match="looks like JSON"):
        read_table(write_file("data.csv", '[{"a": 1}]'))

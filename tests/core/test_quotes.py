"""Unbalanced quotes never swallow rows silently, and fields of any size are read.

Expected rows are written out by hand from the lines of each file (an independent
oracle), never copied from what the reader returned.
"""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core import delimited, delimited_fast, read_problems
from llmstudio.core.corpus import ImportOptions, preview, read_table, sniff_file
from llmstudio.core.delimited_exact import parse_text
from llmstudio.core.errors import CorpusError
from llmstudio.core.sniff import split_records


def cells(frame: pd.DataFrame) -> list[list]:
    return [
        [None if pd.isna(v) else v for v in row]
        for row in frame.astype(object).itertuples(index=False, name=None)
    ]


@pytest.fixture
def paths(monkeypatch):
    """Records which path each read took: True pyarrow, False the exact parser."""
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


def quote_problems(corpus) -> list:
    return [p for p in corpus.problems if "quote at column" in p.message]


# -- a quote that never closes -------------------------------------------------------------


def test_quote_open_to_the_end_keeps_every_row_and_names_its_line(write_file):
    corpus = read_table(write_file("q.csv", 'id,text\n1,"hello there\n2,world\n3,again\n'))
    assert cells(corpus.frame) == [["1", '"hello there'], ["2", "world"], ["3", "again"]]
    [problem] = corpus.problems
    assert problem.line == 2
    assert "column 3" in problem.message and "never closes" in problem.message
    assert "--quoting csv" in problem.message  # the other reading is named


def test_quoted_reading_is_there_when_asked_and_still_reported(write_file):
    path = write_file("q.csv", 'id,text\n1,"hello there\n2,world\n3,again\n')
    corpus = read_table(path, ImportOptions(quoting="csv"))
    assert cells(corpus.frame) == [["1", "hello there\n2,world\n3,again\n"]]
    [problem] = quote_problems(corpus)
    assert problem.line == 2 and "as chosen" in problem.message
    assert corpus.summary()["quoting"] == "csv"


def test_quote_on_the_header_line_gives_rows_not_zero(write_file):
    path = write_file("h.csv", '"id,text\n1,hello\n2,world\n')
    corpus = read_table(path)
    assert corpus.columns == ['"id', "text"]
    assert cells(corpus.frame) == [["1", "hello"], ["2", "world"]]
    assert [p.line for p in quote_problems(corpus)] == [1]
    assert read_table(path, ImportOptions(quoting="csv")).rows == 0


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_quote_on_the_header_line_of_another_delimiter(write_file, delimiter):
    # The sniffer saw one field (the quote took in the sample) and guessed a comma.
    lines = [f'"id{delimiter}text', f"1{delimiter}hello", f"2{delimiter}world"]
    corpus = read_table(write_file("s.csv", "\r\n".join(lines) + "\r\n"))
    assert corpus.delimiter == delimiter
    assert corpus.columns == ['"id', "text"]
    assert cells(corpus.frame) == [["1", "hello"], ["2", "world"]]
    assert [p.line for p in quote_problems(corpus)] == [1]


def test_quote_open_at_the_end_without_line_break_at_end(write_file):
    # The last field runs to the end of a file with no final line break.
    corpus = read_table(write_file("t.csv", 'id,text\n1,"ok\nfine"\n2,"hello there\nbye'))
    assert cells(corpus.frame) == [["1", "ok\nfine"], ["2", '"hello there'], ["bye", None]]
    assert [p.line for p in quote_problems(corpus)] == [4]


# -- a quote that closes much later -----------------------------------------------------------


def test_quote_that_closes_rows_later_is_read_as_a_character(write_file, paths):
    lines = [
        "id,text,party",
        '1,"stray,A',
        "2,two,B",
        "3,three,C",
        "4,four,D",
        '5,he said "hi,E',
        "6,six,F",
    ]
    corpus = read_table(write_file("late.csv", "\n".join(lines) + "\n"))
    assert paths == [False]  # pyarrow read it as one row; the exact parser undoes that
    assert cells(corpus.frame) == [line.split(",") for line in lines[1:]]
    [problem] = corpus.problems
    assert problem.line == 2 and "column 3" in problem.message
    assert "3 of them look like rows" in problem.message  # lines 3-5; 6 holds the close


def test_fast_and_exact_paths_agree_when_the_closing_line_has_more_fields(write_file, paths):
    # pyarrow's cell holds the closing line only up to the quote's field (its other
    # fields go to other columns): the fast path's check must still send it on.
    lines = [
        "id,text,party",
        '1,"hello there,A',
        "2,world is good,B",
        "3,again bad,C",
        '4,he said "hi there,D',
        "5,last,E",
    ]
    path = write_file("s.csv", "\n".join(lines) + "\n")
    corpus = read_table(path)
    assert paths == [False]
    assert cells(corpus.frame) == [line.split(",") for line in lines[1:]]
    assert [p.line for p in corpus.problems] == [2]
    frame, problems, _ = parse_text(path.read_text(), sniff_file(path)[0])
    pd.testing.assert_frame_equal(frame, corpus.frame)
    assert problems == corpus.problems


def test_quote_closed_cleanly_over_id_rows_is_reported_not_undone(write_file, paths):
    # 1,"stray ... 4,d",D: the closing quote ends its field as any quoted field does, so
    # the text may be one; lines starting with ids like the record's are named.
    lines = ["id,text,party", '1,"stray,A', "2,b,B", "3,c,C", '4,d",D', "5,e,E"]
    path = write_file("c.csv", "\n".join(lines) + "\n")
    corpus = read_table(path)
    assert paths == [False]
    assert cells(corpus.frame) == [["1", "stray,A\n2,b,B\n3,c,C\n4,d", "D"], ["5", "e", "E"]]
    [problem] = corpus.problems
    assert problem.line == 2 and "kept as one field" in problem.message
    assert "--quoting none" in problem.message
    plain = read_table(path, ImportOptions(quoting="none"))
    assert cells(plain.frame)[0] == ["1", '"stray', "A"] and plain.rows == 5


def test_rows_after_a_runaway_keep_their_line_numbers(write_file):
    text = 'a,b,c\n1,"x,y\n2,p,q\n3,r,s\n4,t,u,EXTRA\n'
    corpus = read_table(write_file("n.csv", text))
    assert [p.line for p in corpus.problems] == [2, 5]  # the quote, then the long row
    assert cells(corpus.frame)[-1] == ["4", "t", "u", "EXTRA"]


def test_no_quote_reading_splits_every_quote(write_file):
    path = write_file("n.csv", 'name,text\n"Smith, John",hi\n')
    corpus = read_table(path, ImportOptions(quoting="none"))
    assert corpus.columns == ["name", "text", "extra_1"]
    assert cells(corpus.frame) == [['"Smith', ' John"', "hi"]]


def test_unknown_quoting_is_refused(write_file):
    with pytest.raises(CorpusError, match="unknown quoting 'maybe'"):
        read_table(write_file("a.csv", "a,b\n1,2\n"), ImportOptions(quoting="maybe"))


# -- quoted line breaks that are a text's own stay as they are ----------------------------


def test_multiline_texts_are_not_taken_for_runaways(write_file, paths):
    rows = [
        ["id", "text", "wave"],
        ["1", "First paragraph, with a comma.\nSecond one.\nThird, and last.", "1"],
        ["2", "plain", "2"],
        ["3", 'she said "no"\nand left', "2"],
        ["4", "ends the file\nover two lines", "3"],
    ]
    text = "".join(
        ",".join(
            '"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\n') else v for v in r
        )
        + "\n"
        for r in rows
    )
    corpus = read_table(write_file("m.csv", text))
    assert cells(corpus.frame) == rows[1:]
    assert corpus.problems == []
    assert paths == [True]  # a closed quote in the last row keeps the fast path


def test_preview_reports_the_runaway_quote(write_file):
    path = write_file("p.csv", 'id,text\n1,"hello there\n2,world\n3,again\n')
    corpus = preview(path, rows=10)
    assert cells(corpus.frame) == [["1", '"hello there'], ["2", "world"], ["3", "again"]]
    assert [p.line for p in quote_problems(corpus)] == [2]


def test_preview_of_a_big_file_claims_no_end_of_file(write_file):
    # The preview reads the first megabyte; a quoted text open at that cut is no problem.
    body = "".join(f'{i},"text {i}\nsecond line"\n' for i in range(60_000))
    path = write_file("big.csv", "id,text\n" + body)
    assert path.stat().st_size > 1 << 20
    assert quote_problems(preview(path, rows=50)) == []


# -- fields over csv's 128 KB default limit --------------------------------------------------


def test_large_field_with_a_ragged_row(write_file, paths):
    big = "x" * 200_000
    corpus = read_table(write_file("r.csv", f'id,text\n1,"{big}"\n2,b,extra\n3,c\n'))
    assert paths == [False]  # the ragged row sends the file to the exact parser
    assert cells(corpus.frame) == [["1", big, None], ["2", "b", "extra"], ["3", "c", None]]
    assert [p.line for p in corpus.problems] == [3]


def test_large_multiline_field_on_the_exact_parser(write_file):
    big = "line, with a comma\n" * 12_000  # 228 KB over 12,000 lines
    dialect, _ = sniff_file(write_file("s.csv", "id,text\n1,x\n"))
    frame, problems, lines = parse_text(f'id,text\n1,"{big}"\n2,b\n', dialect)
    assert cells(frame) == [["1", big], ["2", "b"]] and problems == []
    assert list(lines) == [2, 12_003]


def test_sniffer_reads_a_large_field_in_its_sample():
    big = "y" * 300_000
    assert split_records(f'a,b\n1,"{big}"\n2,z\n', ",") == [["a", "b"], ["1", big], ["2", "z"]]


@pytest.mark.slow
def test_fifty_megabyte_quoted_field(write_file):
    big = "z" * (50 << 20)
    corpus = read_table(write_file("huge.csv", f'id,text\n1,"{big}"\n2,b,extra\n'))
    assert corpus.rows == 2
    assert corpus.frame["text"].iloc[0] == big
    assert [p.line for p in corpus.problems] == [3]


def test_runaway_after_thousands_of_rows_is_found_at_its_line(write_file):
    # The raw lines of one-line records are dropped in batches; the count must stay exact.
    lines = ["id,text"] + [f"{i},row {i}" for i in range(1, 9001)]
    lines[5000] = '5000,"stray'  # closed by the quote of row 7000, 2,000 lines on
    lines[7000] = '7000,"a text\nover two lines"'  # a text's own line break
    corpus = read_table(write_file("long.csv", "\n".join(lines) + "\n"))
    [problem] = corpus.problems
    assert problem.line == 5001 and "column 6" in problem.message
    assert "takes in the 2000 line(s) after it" in problem.message
    expected = [[str(i), f"row {i}"] for i in range(1, 9001)]
    expected[4999][1] = '"stray'
    expected[6999][1] = "a text\nover two lines"
    assert cells(corpus.frame) == expected


def test_many_runaway_quotes_are_each_undone_and_listed_up_to_a_limit(write_file):
    # Each undone quote re-reads lines; that must not cost a step per earlier runaway on
    # every later line (10,000 runaways took 20 s so, 0.4 s now).
    import time

    lines = ["id,text,party"] + [
        f'{i},"stray {i},P' if i % 10 == 0 else f"{i},text {i},P" for i in range(100_000)
    ]
    path = write_file("many.csv", "\n".join(lines) + "\n")
    started = time.monotonic()
    corpus = read_table(path)
    assert time.monotonic() - started < 8
    assert cells(corpus.frame) == [
        [str(i), f'"stray {i}' if i % 10 == 0 else f"text {i}", "P"] for i in range(100_000)
    ]
    assert [p.line for p in corpus.problems[:3]] == [2, 12, 22]
    assert len(corpus.problems) == read_problems.MAX_LISTED_PROBLEMS + 1
    assert corpus.problems[-1].message == "... and 9800 more quotes that ran away (10000 in all)"


def test_quote_open_to_the_end_past_the_first_megabyte(write_file):
    # The sniffer's megabyte holds no quote, so pyarrow parses without newlines in values;
    # a quoted line break inside one of its blocks still makes a multi-line cell, which is
    # checked as any other (before: one row took in the last 9 lines, no problem).
    rows = ["id,text"] + [f"{i},reponse numero {i}" for i in range(60_000)]
    rows += ['60000,"hello there', "60001,b", "60002,c"] + [
        f"{i},more {i}" for i in range(60_003, 60_010)
    ]
    corpus = read_table(write_file("late_quote.csv", "\n".join(rows) + "\n"))
    assert corpus.rows == 60_010
    assert corpus.frame["text"].tolist()[-10:] == ['"hello there', "b", "c"] + [
        f"more {i}" for i in range(60_003, 60_010)
    ]
    [problem] = quote_problems(corpus)
    assert problem.line == 60_002 and "never closes" in problem.message

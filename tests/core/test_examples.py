"""Few-shot examples files: a table with text and label, every label checked, errors that
name the file and the example row."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.errors import CorpusError, ExamplesError, LlmstudioError
from llmstudio.core.examples import read_examples
from llmstudio.core.export import export_table
from llmstudio.core.tasks import SentimentTask

LABELS = ("positive", "negative", "neutral")
CODES = ("Housing", "Transport", "Law & Order")


def test_csv_happy_path(write_file):
    path = write_file(
        "ex.csv",
        "id,text,label,note\n1,I love it,positive,x\n"
        '2,"Awful, just awful",negative,\n3,  It is Tuesday  ,neutral,y\n',
    )
    assert read_examples(path, LABELS) == (
        ("I love it", "positive"),
        ("Awful, just awful", "negative"),
        ("It is Tuesday", "neutral"),
    )


def test_xlsx_happy_path(tmp_path):
    frame = pd.DataFrame(
        {
            "text": ["Rents are too high", "The 42 bus never comes"],
            "label": ["housing", "TRANSPORT"],
        }
    )
    path = export_table(frame, tmp_path / "ex.xlsx")
    assert read_examples(path, CODES) == (
        ("Rents are too high", "Housing"),
        ("The 42 bus never comes", "Transport"),
    )


def test_column_names_and_labels_ignore_case_and_space(write_file):
    path = write_file("ex.csv", ' Text ,LABEL\n"multi\nline text",  Positive \nNo,NEGATIVE\n')
    assert read_examples(path, LABELS) == (("multi\nline text", "positive"), ("No", "negative"))


def test_label_of_maps_the_written_labels(write_file):
    path = write_file("ex.csv", "text,label\nGreat,pos\nBad,neg\n")
    synonyms = {"pos": "positive", "neg": "negative"}
    assert read_examples(path, LABELS, label_of=lambda w: synonyms.get(w.strip())) == (
        ("Great", "positive"),
        ("Bad", "negative"),
    )
    task = SentimentTask()
    assert read_examples(path, task.labels, label_of=task.label_of) == (
        ("Great", "positive"),
        ("Bad", "negative"),
    )


def test_multi_label_rows(write_file):
    path = write_file(
        "ex.csv",
        'text,label\nRent and buses,"housing; Transport"\n'
        "Crime downtown,law & order\nLovely weather,\n"
        'Rent again,"Housing;"\n',
    )
    assert read_examples(path, CODES, multi_label=True) == (
        ("Rent and buses", "Housing;Transport"),
        ("Crime downtown", "Law & Order"),
        ("Lovely weather", ""),
        ("Rent again", "Housing"),
    )


def test_single_label_does_not_split_on_semicolons(write_file):
    path = write_file("ex.csv", 'text,label\nRent and buses,"Housing;Transport"\n')
    with pytest.raises(ExamplesError, match="label 'Housing;Transport' is not one of"):
        read_examples(path, CODES)


@pytest.mark.parametrize(
    "header, missing",
    [
        ("text,code", "no 'label' column"),
        ("body,label", "no 'text' column"),
        ("body,code", "no 'text' or 'label' column"),
    ],
)
def test_missing_columns(write_file, header, missing):
    path = write_file("ex.csv", f"{header}\nsome words,positive\n")
    with pytest.raises(ExamplesError) as err:
        read_examples(path, LABELS)
    message = str(err.value)
    assert message.startswith(f"{path}: {missing}")
    assert f"(it has {header.replace(',', ', ')})" in message


@pytest.mark.parametrize(
    "body, row",
    [
        ("ok,positive\n,negative\n", 2),
        ("ok,positive\nfine,neutral\n   ,negative\n", 3),
    ],
)
def test_empty_text_names_the_row(write_file, body, row):
    path = write_file("ex.csv", "text,label\n" + body)
    with pytest.raises(ExamplesError) as err:
        read_examples(path, LABELS)
    assert str(err.value) == f"{path}, example row {row}: the example has no text"


def test_unknown_label_names_file_row_and_labels(write_file):
    path = write_file(
        "examples.csv", 'text,label\nGood,positive\n"two\nlines",neutral\nGrr,angry\n'
    )
    with pytest.raises(ExamplesError) as err:
        read_examples(path, LABELS)
    # Row 3 of the examples, though it is on line 5 of the file (a quoted line break).
    assert str(err.value) == (
        f"{path}, example row 3: label 'angry' is not one of positive, negative, neutral"
    )


def test_an_empty_label_is_an_error_for_single_label(write_file):
    path = write_file("ex.csv", "text,label\nGood,positive\nMeh,\n")
    with pytest.raises(ExamplesError, match=r"example row 2: label '' is not one of"):
        read_examples(path, LABELS)


def test_one_unknown_code_in_a_multi_label_row(write_file):
    path = write_file("ex.csv", 'text,label\nRent,Housing\nRent and schools,"Housing;Schools"\n')
    with pytest.raises(ExamplesError) as err:
        read_examples(path, CODES, multi_label=True)
    assert str(err.value) == (
        f"{path}, example row 2: label 'Schools' is not one of Housing, Transport, Law & Order"
    )


def test_a_file_with_a_header_and_no_rows(write_file):
    path = write_file("ex.csv", "text,label\n")
    with pytest.raises(ExamplesError, match=r"ex\.csv: no examples in the file"):
        read_examples(path, LABELS)


def test_an_empty_or_missing_file_is_a_user_error(write_file, tmp_path):
    path = write_file("empty.csv", b"")
    with pytest.raises(LlmstudioError) as err:
        read_examples(path, LABELS)
    assert str(path) in str(err.value) and "empty" in str(err.value)
    with pytest.raises(CorpusError, match="no such file"):
        read_examples(tmp_path / "missing.csv", LABELS)


def test_examples_errors_are_user_errors():
    assert issubclass(ExamplesError, LlmstudioError)

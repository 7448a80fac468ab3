"""What ``--labels`` (and the run dialog's labels field) means: the rules of parse_labels,
and the codebook rules a label set meets in make_task."""

from __future__ import annotations

import pytest

from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.errors import CodebookError, UsageError
from llmstudio.core.tasks.build import TaskOptions, make_task, parse_labels


@pytest.mark.parametrize(
    "text, labels",
    [
        ('"Law, order",Housing', ("Law, order", "Housing")),
        ('Housing, "Law, order" , Crime', ("Housing", "Law, order", "Crime")),
        ("a, b,,c ", ("a", "b", "c")),
        ('say ""hi"",b', ('say ""hi""', "b")),  # quotes inside an unquoted label stay as typed
        (None, ()),
    ],
)
def test_labels_are_comma_separated_with_csv_quotes(text, labels):
    assert parse_labels(text) == labels


@pytest.mark.parametrize("text", ["", "  ", " , ,"])
def test_labels_given_empty_are_refused_not_the_default(text):
    with pytest.raises(UsageError, match="--labels is empty"):
        parse_labels(text)


@pytest.mark.parametrize(
    "text, twice",
    [
        ("positive,negative,positive", "'positive' is given twice$"),
        ("positive,Negative,negative", "'negative' is given twice .*'Negative'"),
        ("Law and order,Law  and order,x", "'Law  and order' is given twice .*'Law and order'"),
    ],
)
def test_duplicate_labels_are_refused_naming_the_duplicate(text, twice):
    with pytest.raises(UsageError, match=twice):
        parse_labels(text)


def test_an_unclosed_quote_is_refused():
    with pytest.raises(UsageError, match="--labels .*a quote is opened and not closed"):
        parse_labels('"Law, order,Housing')


def test_one_code_with_none_option_is_accepted_as_in_a_codebook():
    task = make_task(TaskOptions(task="code", labels=("Housing",), none_option=True))
    assert task.codebook.labels() == Codebook(codes=(Code("Housing"),), none_option=True).labels()
    assert len(task.codebook.labels()) == 2
    with pytest.raises(UsageError, match="at least two"):
        make_task(TaskOptions(task="code", labels=("Housing",)))


def test_a_semicolon_in_a_multi_label_code_is_refused_naming_the_code():
    with pytest.raises(CodebookError, match="code 'Law;order' has ';'"):
        make_task(TaskOptions(task="code", labels=("Law;order", "Housing"), multi_label=True))
    with pytest.raises(CodebookError, match="code 'a;b' has ';'"):
        Codebook(codes=(Code("a;b"), Code("c")), multi_label=True)
    # Single-label examples name one code whole: ';' there loses nothing.
    assert Codebook(codes=(Code("a;b"), Code("c"))).labels()[0] == "a;b"


def test_a_quote_inside_a_label_is_a_plain_character():
    assert parse_labels('5" screen,tv') == ('5" screen', "tv")

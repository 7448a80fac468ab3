"""Texts split into paragraphs, sentences and word windows, each unit with exact offsets."""

from __future__ import annotations

import pytest

from llmstudio.core.errors import UsageError
from llmstudio.core.units import (
    UnitSpec,
    paragraphs,
    parse_unit,
    sentences,
    word_windows,
)

TEXT = (
    "  Dr. Smith went to Washington D.C. yesterday. He said: “It was fine.”\n"
    "Then he left!\n\n \n"
    "Second paragraph, one sentence.\r\n\r\n"
    "Third: e.g. this one has an abbreviation. And 3.5 percent.  "
)


def _exact(text, units):
    for i, unit in enumerate(units):
        assert unit.index == i
        assert text[unit.start : unit.end] == unit.text
        assert unit.text == unit.text.strip() and unit.text


def test_paragraphs_with_offsets():
    units = paragraphs(TEXT)
    _exact(TEXT, units)
    assert [u.text[:12] for u in units] == ["Dr. Smith we", "Second parag", "Third: e.g. "]
    assert paragraphs("one line\nanother line")[0].text == "one line\nanother line"
    assert paragraphs("  \n\n ") == []


@pytest.mark.parametrize("splitter", ["sentencex", "rules", "pysbd"])
def test_sentences_handle_abbreviations_and_stay_in_their_paragraph(splitter):
    units = sentences(TEXT, splitter=splitter)
    _exact(TEXT, units)
    assert [u.text for u in units] == [
        "Dr. Smith went to Washington D.C. yesterday.",
        "He said: “It was fine.”",
        "Then he left!",
        "Second paragraph, one sentence.",
        "Third: e.g. this one has an abbreviation.",
        "And 3.5 percent.",
    ]


def test_sentences_in_german_and_a_repeated_sentence():
    text = "Das ist z.B. gut. Das ist gut. Das ist gut."
    for splitter in ("sentencex", "rules", "pysbd"):
        units = sentences(text, "de", splitter)
        _exact(text, units)
        assert [u.start for u in units] == [0, 18, 31]
    with pytest.raises(UsageError, match="no sentence rules for language 'xx'"):
        sentences(text, "xx", "pysbd")
    with pytest.raises(UsageError, match="'Deutsch' is not a language code"):
        sentences(text, "Deutsch")
    with pytest.raises(UsageError, match="no sentence splitter 'nltk'"):
        sentences(text, "en", "nltk")


def test_word_windows_with_overlap():
    text = "a bb  ccc\ndd e f g"
    units = word_windows(text, 3, 1)
    _exact(text, units)
    assert [u.text for u in units] == ["a bb  ccc", "ccc\ndd e", "e f g"]
    assert [u.text for u in word_windows(text, 5)] == ["a bb  ccc\ndd e", "f g"]
    assert word_windows("", 3) == [] and word_windows("one", 3)[0].text == "one"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("paragraph", UnitSpec("paragraph")),
        ("Sentence", UnitSpec("sentence")),
        ("sentence", UnitSpec("sentence", splitter="sentencex", language="en")),
        ("sentence:de", UnitSpec("sentence", splitter="sentencex", language="de")),
        ("sentence:sentencex:fr", UnitSpec("sentence", splitter="sentencex", language="fr")),
        ("sentence:rules", UnitSpec("sentence", splitter="rules")),
        ("sentence:pysbd:de", UnitSpec("sentence", splitter="pysbd", language="de")),
        ("words:200", UnitSpec("words", 200, 0)),
        ("words:200:50", UnitSpec("words", 200, 50)),
    ],
)
def test_parse_unit(spec, expected):
    assert parse_unit(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("chapters", "unknown unit 'chapters'"),
        ("sentence:english", "'english' is not a language code"),
        ("sentence:rules:de", "unknown unit 'sentence:rules:de'"),
        ("sentence:pysbd:xx", "pysbd has no rules for 'xx'"),
        ("sentence:de:fr", "unknown unit 'sentence:de:fr'"),
        ("words:x", "N and overlap are whole numbers"),
        ("words:0", "at least 1 word; got 0"),
        ("words:10:10", "the overlap must be from 0 to 9 words"),
        ("words:10:-1", "the overlap must be from 0 to 9 words"),
    ],
)
def test_parse_unit_errors(spec, message):
    with pytest.raises(UsageError, match=message):
        parse_unit(spec)


def test_sentencex_follows_the_language_given():
    text = "Das kostet ca. 5 Euro bzw. etwas mehr. Dann gingen wir."
    assert [u.text for u in sentences(text, "de")] == [
        "Das kostet ca. 5 Euro bzw. etwas mehr.",
        "Dann gingen wir.",
    ]
    # without German abbreviations "ca." ends a sentence: the language is what decides
    assert len(sentences(text, "xx")) > 2


def test_unit_spec_splits():
    assert len(parse_unit("paragraph").split(TEXT)) == 3
    assert len(parse_unit("sentence").split(TEXT)) == 6
    assert [u.text for u in parse_unit("words:4:2").split("a b c d e f")] == [
        "a b c d",
        "c d e f",
    ]

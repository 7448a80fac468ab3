"""Swap lists and the swap engine on tricky text: boundaries, case, possessives, her."""

from __future__ import annotations

import time

import pytest

from llmstudio.core.bias.swaps import (
    BUILTIN,
    SwapList,
    builtin_path,
    load_swaps,
    pairs_from,
    swap,
    swap_all,
)
from llmstudio.core.errors import LlmstudioError, SwapListError


@pytest.fixture(scope="module")
def gender() -> SwapList:
    return load_swaps("gender")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I saw her.", "I saw him."),  # object at the end
        ("her book", "his book"),  # possessive before a noun
        ("gave her the book", "gave him the book"),  # object before an article
        ("Her book", "His book"),  # case kept
        ("HE SAID", "SHE SAID"),  # all capitals kept
        ("he said", "she said"),
        ("He said", "She said"),
        ("the herald", "the herald"),  # whole words only
        ("Sherlock read history to the heroes", "Sherlock read history to the heroes"),
        ("his/her", "her/his"),  # the pair stays a pair
        ("his/her book", "her/his book"),
        ("ask him/her first", "ask her/him first"),
        ("her/his coat", "his/her coat"),
        ("Mr. Smith", "Ms. Smith"),  # the dot stays
        ("Mrs. Smith", "Mr. Smith"),
        ("the men's room", "the women's room"),  # possessive kept
        ("women and men", "men and women"),  # both ways in one pass, never swapped back
        ("He told her his plan.", "She told him her plan."),
        ("The book is his.", "The book is hers."),  # his alone -> hers
        ("hers and his", "his and hers"),
        ("I told her to leave", "I told him to leave"),
        ("her own car", "his own car"),
        ("He loves her dearly.", "She loves him dearly."),  # a listed adverb
        ("I gave her a gift", "I gave him a gift"),
        ("I SAW HER!", "I SAW HIM!"),
        ("her 3 children", "his 3 children"),  # a number starts a noun phrase
        ("Her mother and her father", "His father and his mother"),
        ("John’s and he’ll", "John’s and she’ll"),  # typographic apostrophes
        ("She let her go", "He let him go"),
        ("himself, herself", "herself, himself"),
        ("my ex-wife", "my ex-husband"),
        ("the man-made lake", "the woman-made lake"),  # a limit, documented: hyphens split words
        ("", ""),
    ],
)
def test_gender_swaps(gender, text, expected):
    assert swap(text, gender).text == expected


def test_spans_say_where_in_both_texts(gender):
    s = swap("He met her father.", gender)
    assert s.n == 3
    assert [(x.old, x.new) for x in s.spans] == [
        ("He", "She"),
        ("her", "his"),
        ("father", "mother"),
    ]
    for x in s.spans:
        assert "He met her father."[x.start : x.end] == x.old
        assert s.text[x.new_start : x.new_start + len(x.new)] == x.new
    assert s.describe() == "He->She; her->his; father->mother"
    assert swap("Nothing here.", gender).n == 0


def test_names_keep_possessives_and_skip_lowercase_words():
    names = load_swaps("names")
    assert swap("John's car", names).text == "Patricia's car"
    assert swap("JAMES and Mary", names).text == "MARY and James"
    race = load_swaps("names-race")
    # A capitalised entry is a name: the lower-case word (the wood) is left alone.
    assert swap("Ebony likes ebony.", race).text == "Carrie likes ebony."
    assert swap("Emily met Jamal.", race).text == "Lakisha met Matthew."


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_lists_ship_with_a_source_and_pairs(name):
    swaps = load_swaps(name)
    assert swaps.name == name and len(swaps.pairs) >= 15
    assert swaps.note  # the comment line saying where the list comes from
    assert builtin_path(name).read_text(encoding="utf-8").startswith("#")
    words = [w.lower() for pair in swaps.pairs for w in pair]
    assert "a" not in words and "b" not in words  # the header is not a pair


def test_gender_list_has_the_required_pairs(gender):
    pairs = {tuple(p) for p in gender.pairs}
    for pair in [
        ("he", "she"),
        ("him", "her"),
        ("his", "her"),
        ("his", "hers"),
        ("himself", "herself"),
        ("man", "woman"),
        ("men", "women"),
        ("boy", "girl"),
        ("Mr", "Ms"),
        ("Mr", "Mrs"),
        ("father", "mother"),
        ("son", "daughter"),
        ("brother", "sister"),
        ("husband", "wife"),
        ("king", "queen"),
        ("sir", "madam"),
        ("boyfriend", "girlfriend"),
        ("uncle", "aunt"),
        ("nephew", "niece"),
        ("male", "female"),
        ("gentleman", "lady"),
    ]:
        assert pair in pairs


def test_user_lists_csv_and_txt(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("# my list\nfrom,to\ncat,dog\nthe queen ; the king\n", encoding="utf-8")
    swaps = load_swaps(csv)
    assert swaps.name == "mine" and swaps.note == "my list"
    assert swaps.pairs == (("cat", "dog"), ("the queen", "the king"))
    assert (
        swap("The cat saw the  king and a dog.", swaps).text == "The dog saw the queen and a cat."
    )
    txt = tmp_path / "words.txt"
    txt.write_text("good bad\n\nhappy\tsad\n", encoding="utf-8")
    assert load_swaps(txt).pairs == (("good", "bad"), ("happy", "sad"))
    assert swap("a good day", pairs_from([("good", "bad")])).text == "a bad day"


@pytest.mark.parametrize(
    "content, where",
    [
        ("he,she\nman,woman,person\n", "line 2"),
        ("he,she\nman,\n", "line 2, column 2"),
        ("he,she\n\n,woman\n", "line 3, column 1"),
        ("he,she\nme?,you\n", "line 2, column 1"),
        ("he,he\n", "line 1"),
        ("# nothing\n", "no word pairs"),
    ],
)
def test_bad_lists_say_file_line_and_column(tmp_path, content, where):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SwapListError) as info:
        load_swaps(path)
    assert str(path) in str(info.value) and where in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_list_names_the_builtins():
    with pytest.raises(LlmstudioError, match="unknown swap list 'genders'.*gender, names"):
        load_swaps("genders")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("caf\xe9,tea\n".encode("latin-1"))
    with pytest.raises(SwapListError, match="not UTF-8"):
        load_swaps(path)


def test_100k_texts_in_seconds(gender):
    texts = [
        f"Row {i}: the minister said that he thanked her team for its work." for i in range(100_000)
    ]
    started = time.perf_counter()
    out = swap_all(texts, gender)
    elapsed = time.perf_counter() - started
    assert out[7].text == "Row 7: the minister said that she thanked his team for its work."
    assert elapsed < 15  # ~2 s alone; generous for a shared, loaded test machine

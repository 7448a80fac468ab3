"""Codebooks: YAML/JSON in and out, errors that say where, validation, prompt text, and
saving whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from llmstudio.core import codebook as cb
from llmstudio.core.codebook import NONE_CODE, Code, Codebook, column_slug
from llmstudio.core.errors import CodebookError, LlmstudioError

HOUSING = Code(
    "Housing",
    description="Rents, house prices, homelessness.",
    include="Complaints about landlords.",
    exclude="Traffic on housing estates (that is Transport).",
    examples=(
        "Rents have doubled and nobody can afford to live here.",
        "Ünïcode: Mieten in München — “zu hoch”",
    ),
)
TRANSPORT = Code("Transport", description="Buses, trains, roads.")
CRIME = Code("Crime and safety")


def book(**kw) -> Codebook:
    kw.setdefault("codes", (HOUSING, TRANSPORT, CRIME))
    kw.setdefault("name", "Local issues")
    return Codebook(**kw)


# -- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json", ".JSON"])
@pytest.mark.parametrize("multi, none", [(False, False), (False, True), (True, False)])
def test_save_then_load_gives_the_same_codebook(tmp_path, suffix, multi, none):
    original = book(multi_label=multi, none_option=none)
    path = cb.save(original, tmp_path / f"book{suffix}")
    assert path == tmp_path / f"book{suffix}"
    loaded = cb.load(path)
    assert loaded == original
    assert loaded.codes[0].examples == HOUSING.examples  # non-ASCII survives
    assert (loaded.multi_label, loaded.none_option) == (multi, none)


def test_save_writes_json_or_yaml_by_the_suffix(tmp_path):
    original = book()
    as_json = cb.save(original, tmp_path / "b.json").read_text("utf-8")
    assert json.loads(as_json)["codes"][0]["name"] == "Housing"
    as_yaml = cb.save(original, tmp_path / "b.yaml").read_text("utf-8")
    assert as_yaml.lstrip().startswith("name: Local issues")
    assert "München" in as_yaml and "\\u" not in as_yaml  # readable, not escaped
    # loads() tells JSON from YAML by the text when not told.
    assert cb.loads(as_json) == original == cb.loads(as_yaml)


def test_to_dict_leaves_out_empty_fields():
    assert CRIME.to_dict() == {"name": "Crime and safety"}
    assert HOUSING.to_dict()["examples"] == list(HOUSING.examples)


def test_loading_the_documented_example_and_short_forms():
    text = """
name: Local issues
multi_label: false
none_option: true
codes:
  - name: Housing
    description: Rents, house prices, homelessness, planning for new homes.
    include: Complaints about landlords.
    exclude: Traffic on housing estates (that is Transport).
    examples: ["Rents have doubled and nobody can afford to live here."]
  - Transport
  - name: "  Crime  "
    examples: One example as a string
"""
    loaded = cb.loads(text, "issues.yaml")
    assert loaded.name == "Local issues" and loaded.none_option and not loaded.multi_label
    assert loaded.names == ("Housing", "Transport", "Crime")  # bare names, stripped
    assert loaded.codes[2].examples == ("One example as a string",)
    assert loaded.labels() == ("Housing", "Transport", "Crime", NONE_CODE)
    assert loaded.code("Transport") == Code("Transport")
    assert loaded.code("transport") is None


def test_a_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + book().to_json().encode("utf-8"))
    assert cb.load(path) == book()


# -- syntax errors say file, line and column ---------------------------------------------


def test_broken_yaml_names_file_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ncodes:\n  - name: A\n  - name: [B, C\n  - name: D\n", "utf-8")
    with pytest.raises(CodebookError) as err:
        cb.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}, line ")
    line = int(message.split("line ")[1].split(",")[0])
    column = int(message.split("column ")[1].split(":")[0])
    assert 4 <= line <= 5 and column >= 1
    assert "not valid YAML" in message


def test_a_tab_in_yaml_is_placed_exactly():
    with pytest.raises(CodebookError, match=r"^b\.yaml, line 3, column 1: not valid YAML"):
        cb.loads("codes:\n  - A\n\t- B\n", "b.yaml")


def test_broken_json_names_file_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "codes": [\n    {"name": "A"},\n    {"name": }\n  ]\n}\n', "utf-8")
    with pytest.raises(CodebookError) as err:
        cb.load(path)
    assert str(err.value).startswith(f"{path}, line 4, column 14: not valid JSON")


def test_a_json_file_is_read_as_json_even_when_yaml_could(tmp_path):
    # YAML would read this (flow mapping with a trailing comma); JSON must not.
    path = tmp_path / "lax.json"
    path.write_text('{"codes": ["A", "B"],}', "utf-8")
    with pytest.raises(CodebookError, match=r"line 1, column 22: not valid JSON"):
        cb.load(path)
    (tmp_path / "lax.yaml").write_text('{"codes": ["A", "B"],}', "utf-8")
    assert cb.load(tmp_path / "lax.yaml").names == ("A", "B")


def test_unreadable_files(tmp_path):
    with pytest.raises(CodebookError, match=r"missing\.yaml: no such file"):
        cb.load(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("codes: [Caf\xe9]".encode("latin-1"))
    with pytest.raises(CodebookError, match=r"latin\.yaml: not UTF-8 text \(byte 11\)"):
        cb.load(latin)
    with pytest.raises(CodebookError, match=r"cannot read it"):
        cb.load(tmp_path)  # a folder


def test_codebook_errors_are_user_errors():
    assert issubclass(CodebookError, LlmstudioError)


# -- content errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("- A\n- B\n", "expected a mapping with 'codes', got list"),
        ("", "expected a mapping with 'codes', got NoneType"),
        ("name: x\n", "'codes' must be a non-empty list"),
        ("codes: []\n", "'codes' must be a non-empty list"),
        ("codes: A\n", "'codes' must be a non-empty list"),
        ("codes: [A]\ncolour: red\n", "unknown key(s) colour"),
        ("codes: [A]\nmulti_label: 'yes'\n", "'multi_label' must be true or false, got 'yes'"),
        ("codes: [A]\nmulti_label: 1\n", "'multi_label' must be true or false, got 1"),
        ("codes: [A]\nnone_option: maybe\n", "'none_option' must be true or false, got 'maybe'"),
        ("codes:\n  - A\n  - description: no name here\n", "code 2: the code has no name"),
        ("codes:\n  - A\n  - name: '  '\n", "code 2: the code has no name"),
        ("codes:\n  - A\n  - [B]\n", "code 2: expected a mapping with a name, got list"),
        (
            "codes:\n  - name: A\n    colour: red\n    size: 2\n",
            "code 1: unknown key(s) colour, size",
        ),
        (
            "codes:\n  - name: A\n    description: [x]\n",
            "code 1 (A): 'description' must be text, got list",
        ),
        (
            "codes:\n  - name: A\n    examples: {a: 1}\n",
            "code 1 (A): 'examples' must be a list of texts",
        ),
        (
            "codes:\n  - name: A\n    include: true\n",
            "code 1 (A): 'include' must be text, got bool",
        ),
    ],
)
def test_content_errors_name_the_file_and_the_code(text, expected):
    with pytest.raises(CodebookError) as err:
        cb.loads(text, "book.yaml")
    message = str(err.value)
    assert message.startswith("book.yaml: "), message
    assert expected in message, message


@pytest.mark.parametrize(
    "codes, none, expected",
    [
        (
            ["Housing", "Transport", "housing"],
            False,
            "code 3 (housing) has the same name as 'Housing'",
        ),
        (["Housing", "HOUSING "], False, "code 2 (HOUSING) has the same name as 'Housing'"),
        (["Housing", "None"], True, "code 2 is called 'none', the name of 'none of these'"),
        (
            ["Law & order", "law/order"],
            False,
            "codes 'Law & order' and 'law/order' give the same column name code_law_order",
        ),
    ],
)
def test_validation_errors_from_a_file_name_the_file(tmp_path, codes, none, expected):
    path = tmp_path / "book.json"
    path.write_text(json.dumps({"name": "mine", "none_option": none, "codes": codes}), "utf-8")
    with pytest.raises(CodebookError) as err:
        cb.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}: codebook 'mine': "), message
    assert expected in message, message


def test_none_is_a_fine_name_without_the_none_option():
    assert Codebook(codes=(Code("none"), Code("some"))).labels() == ("none", "some")


def test_validate_lists_every_problem():
    # validate() takes any codebook-like object, so an invalid one can be examined whole.
    from types import SimpleNamespace

    bad = SimpleNamespace(
        codes=(Code("A"), Code(""), Code("a"), Code("none")), none_option=True, multi_label=False
    )
    assert cb.validate(bad) == [
        "code 2 has no name",
        "code 3 (a) has the same name as 'A'",
        "code 4 is called 'none', the name of 'none of these'",
        "codes 'A' and 'a' give the same column name code_a",
    ]
    assert cb.validate(SimpleNamespace(codes=(), none_option=False, multi_label=False)) == [
        "it has no codes"
    ]
    assert cb.validate(book()) == []


def test_constructing_an_invalid_codebook_raises():
    with pytest.raises(CodebookError, match=r"^codebook 'labels': it has no codes$"):
        Codebook(codes=(), name="labels")
    with pytest.raises(CodebookError, match="code 1 has no name"):
        Codebook(codes=(Code(" "), Code("B")))
    with pytest.raises(CodebookError, match="has the same name"):
        Codebook.from_labels(["Yes", "yes"])


@pytest.mark.parametrize(
    "names, expected",
    [
        (
            ["Fear", "Fear score"],
            "codes 'Fear' and 'Fear score' give the same column name code_fear_score",
        ),
        (["Explanation", "Other"], "code 'Explanation' gives the column name code_explanation"),
    ],
)
def test_multi_label_column_names_must_not_collide(names, expected):
    codes = tuple(Code(n) for n in names)
    assert Codebook(codes=codes).names == tuple(names)  # single-label: one label column
    with pytest.raises(CodebookError, match=expected):
        Codebook(codes=codes, multi_label=True)


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Housing", "housing"),
        ("Law & Order", "law_order"),
        ("  Crime / safety!  ", "crime_safety"),
        ("COVID-19", "covid_19"),
        ("Ärger", "rger"),
        ("???", "code"),
        ("a__b", "a_b"),
    ],
)
def test_column_slug(name, slug):
    assert column_slug(name) == slug


def test_from_labels():
    single = Codebook.from_labels(["pro", "contra"])
    assert single.names == ("pro", "contra") and single.name == "labels"
    assert not single.multi_label and not single.none_option
    assert all(c.description == "" and c.examples == () for c in single.codes)
    multi = Codebook.from_labels(("economy", "health", "crime"), multi_label=True)
    assert multi.multi_label and multi.labels() == ("economy", "health", "crime")


# -- prompt text -------------------------------------------------------------------------


def test_prompt_text_has_descriptions_rules_and_examples():
    text = book(none_option=True).prompt_text()
    lines = text.splitlines()
    assert lines[0] == "- Housing: Rents, house prices, homelessness."
    assert "  Include: Complaints about landlords." in lines
    assert "  Exclude: Traffic on housing estates (that is Transport)." in lines
    assert "  Example: Rents have doubled and nobody can afford to live here." in lines
    assert f"  Example: {HOUSING.examples[1]}" in lines
    assert "- Transport: Buses, trains, roads." in lines
    assert "- Crime and safety" in lines  # a bare name has no colon
    assert lines[-1] == "- none: none of the codes above applies."
    # The rules sit under their own code, before the next one.
    assert lines.index("  Include: Complaints about landlords.") < lines.index(
        "- Transport: Buses, trains, roads."
    )


def test_prompt_text_offers_none_only_for_single_label():
    assert "none of the codes" not in book().prompt_text()
    assert "none of the codes" not in book(multi_label=True).prompt_text()
    assert "Include" not in Code("X").prompt_text()


# -- saving is atomic --------------------------------------------------------------------


def test_save_leaves_no_temporary_files(tmp_path):
    cb.save(book(), tmp_path / "a.yaml")
    cb.save(book(none_option=True), tmp_path / "a.yaml")  # over an existing file
    cb.save(book(), tmp_path / "sub" / "b.json")  # the folder is made
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "a.yaml",
        "sub",
        "sub/b.json",
    ]
    assert cb.load(tmp_path / "a.yaml").none_option


def test_a_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = cb.save(book(), tmp_path / "book.yaml")
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(
        CodebookError, match=r"book\.yaml: cannot write \(No space left on device\)"
    ):
        cb.save(book(multi_label=True), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["book.yaml"]


def test_a_save_that_cannot_write_at_all_is_a_codebook_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", "utf-8")
    with pytest.raises(CodebookError, match="cannot write"):
        cb.save(book(), blocker / "book.yaml")  # a file where a folder should be
    assert blocker.read_text("utf-8") == "x"


def test_save_and_load_accept_str_paths(tmp_path):
    target = str(tmp_path / "s.yml")
    assert isinstance(cb.save(book(), target), Path)
    assert cb.load(target) == book()

"""A corpus split into units: columns, offsets, metadata, the linked project (issue 19)."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import Cancelled, UsageError
from llmstudio.core.methods import build_record
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.unit_corpus import (
    corpus_fingerprint,
    save_units_project,
    spec_text,
    split_corpus,
    splitter_name,
    stored_units_info,
    units_info,
)
from llmstudio.core.units import parse_unit

DOC_A = "Dr. Smith came home. He was tired.\n\nThe next day he left."
DOC_B = "One short answer."


def documents() -> Corpus:
    frame = pd.DataFrame(
        {
            "document": ["a.txt", "b.txt", "c.txt"],
            "title": ["A", "B", "C"],
            "text": [DOC_A, DOC_B, "   "],
            "author": ["Ann", "Bob", "Cy"],
        }
    )
    return Corpus(frame=frame, text_column="text", source="docs")


def test_sentences_keep_document_position_offsets_and_metadata():
    units = split_corpus(documents(), "sentence")
    f = units.frame
    assert list(f.columns) == [
        "document",
        "unit",
        "unit_start",
        "unit_end",
        "text",
        "title",
        "author",
    ]
    assert f["document"].tolist() == ["a.txt", "a.txt", "a.txt", "b.txt"]
    assert f["unit"].tolist() == [1, 2, 3, 1]
    assert f["text"].tolist() == [
        "Dr. Smith came home.",
        "He was tired.",
        "The next day he left.",
        "One short answer.",
    ]
    for row in f.itertuples():
        source = DOC_A if row.document == "a.txt" else DOC_B
        assert source[row.unit_start : row.unit_end] == row.text
    assert f["author"].tolist() == ["Ann", "Ann", "Ann", "Bob"]
    assert units.text_column == "text"
    # the empty document gives no unit, and says so
    assert any("c.txt" in str(p) for p in units.problems)


def test_table_without_document_column_numbers_rows_and_keeps_other_columns():
    frame = pd.DataFrame({"answer": ["A b c d e", "f g"], "text": ["x", "y"], "age": [30, 40]})
    units = split_corpus(Corpus(frame=frame, text_column="answer"), "words:2:1")
    f = units.frame
    assert f["document"].tolist() == [1, 1, 1, 1, 2]
    assert f["text"].tolist() == ["A b", "b c", "c d", "d e", "f g"]
    # the source's own column named "text" is kept under another name, not overwritten
    assert f["text (document)"].tolist() == ["x"] * 4 + ["y"]
    assert f["age"].tolist() == [30, 30, 30, 30, 40]


def test_paragraphs():
    units = split_corpus(documents(), "paragraph")
    assert units.frame["text"].tolist()[:2] == [
        "Dr. Smith came home. He was tired.",
        "The next day he left.",
    ]


@pytest.mark.parametrize(
    ("spec", "named"),
    [("words:0", "0"), ("words:5:5", "5"), ("chapters", "'chapters'"), ("words:x", "'words:x'")],
)
def test_bad_spec_is_refused_naming_the_value(spec, named):
    with pytest.raises(UsageError, match=named):
        split_corpus(documents(), spec)


def test_cancel_stops_the_split():
    with pytest.raises(Cancelled):
        split_corpus(documents(), "sentence", Monitor(cancelled=lambda: True))


def test_progress_reaches_the_total():
    seen = []
    split_corpus(
        documents(), "paragraph", Monitor(lambda done, total, **_: seen.append((done, total)))
    )
    assert seen[-1] == (3, 3)


def test_fingerprint_changes_with_the_texts():
    a = documents()
    b = documents()
    b.frame.loc[1, "text"] = "Another answer."
    assert corpus_fingerprint(a) == corpus_fingerprint(documents())
    assert corpus_fingerprint(a) != corpus_fingerprint(b)


def test_units_project_is_linked_to_its_source_and_named_in_the_methods_record(tmp_path):
    source = documents()
    units = split_corpus(source, "sentence")
    info = units_info(source, units, parse_unit("sentence"), tmp_path / "docs.llmstudio")
    with save_units_project(tmp_path / "units.llmstudio", units, info) as project:
        stored = stored_units_info(project)
        assert stored == info
        assert stored.units == 4 and stored.documents == 3
        assert project.corpus().frame["unit_end"].tolist() == units.frame["unit_end"].tolist()
        assert any(a == "split into units" for _, a, _ in project.history())
        record = build_record(project).markdown()
    assert "sentences (sentencex 1.0" in record and "language en;" in record
    assert "4 units from 3 documents" in record


def test_the_pysbd_splitter_is_named_as_such():
    spec = parse_unit("sentence:pysbd")
    units = split_corpus(documents(), spec)
    assert units.frame["text"].tolist()[0] == "Dr. Smith came home."
    info = units_info(documents(), units, spec, "docs.llmstudio")
    assert info.unit == "sentence:pysbd" and "sentences (pysbd" in info.sentence()


def test_a_plain_project_is_not_a_units_project(tmp_path):
    with Project.create(tmp_path / "p.llmstudio", documents()) as project:
        assert stored_units_info(project) is None


def test_pysbd_in_another_language_and_a_language_it_lacks():
    spec = parse_unit("sentence:pysbd:de")
    assert (spec.splitter, spec.language) == ("pysbd", "de")
    assert spec_text(spec) == "sentence:pysbd:de"
    units = split_corpus(
        Corpus(frame=pd.DataFrame({"text": ["Das ist z.B. gut. Er kam."]}), text_column="text"),
        spec,
    )
    assert units.frame["text"].tolist() == ["Das ist z.B. gut.", "Er kam."]
    assert "language de" in splitter_name(spec)
    with pytest.raises(UsageError, match="unit 'sentence:pysbd:xx': pysbd has no rules for 'xx'"):
        parse_unit("sentence:pysbd:xx")


@pytest.mark.parametrize(
    "spec", ["sentence", "sentence:de", "sentence:rules", "sentence:pysbd", "sentence:pysbd:de"]
)
def test_a_sentence_spec_is_written_back_as_it_reads(spec):
    assert spec_text(parse_unit(spec)) == spec


def test_the_methods_record_says_when_sentencex_has_no_rules_for_the_language():
    assert "no rules of its own" not in splitter_name(parse_unit("sentence:de"))
    assert "language sw: no rules of its own" in splitter_name(parse_unit("sentence:sw"))
    assert "sentences (llmstudio" in splitter_name(parse_unit("sentence:rules"))


def test_the_status_bar_names_a_folder_of_documents_in_words():
    frame = pd.DataFrame({"text": ["a"]})
    assert Corpus(frame=frame, text_column="text", format="documents").format_name == "documents"
    assert Corpus(frame=frame, text_column="text", format="xlsx").format_name == "XLSX"

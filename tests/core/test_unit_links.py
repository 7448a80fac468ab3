"""A documents project and its units projects linked both ways (core.unit_links): the
source lists its units, each units project finds its source, both relative to their
folder first; a deleted file, a changed source or a damaged list is said, never followed."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import ProjectError
from llmstudio.core.project import Project
from llmstudio.core.unit_corpus import (
    META_KEY,
    save_units_project,
    split_corpus,
    stored_units_info,
    units_info,
)
from llmstudio.core.unit_links import (
    NOT_SAVED,
    corpus_family,
    record_units_link,
    unit_by,
    unit_title,
    units_links,
)
from llmstudio.core.units import parse_unit

from helpers.linked_units import damage_links, documents_project, split_project


@pytest.fixture
def family(tmp_path):
    """interviews.llmstudio split by sentence and by paragraph, in tmp_path/study."""
    folder = tmp_path / "study"
    folder.mkdir()
    source = documents_project(folder / "interviews.llmstudio")
    sentences = split_project(source, "sentence")
    paragraphs = split_project(source, "paragraph")
    return source, sentences, paragraphs


def _states(family):
    return [(x.title, x.path, x.problem) for x in [family.documents, *family.units]]


def test_the_source_lists_each_split_relative_to_its_folder(family):
    source, sentences, paragraphs = family
    with Project.open(source) as project:
        links = units_links(project)
        history = [(a, d) for _, a, d in project.history()]
    assert [(x.path, x.unit, x.units, x.documents) for x in links] == [
        ("interviews_sentence.llmstudio", "sentence", 7, 3),
        ("interviews_paragraph.llmstudio", "paragraph", 4, 3),
    ]
    assert links[0].absolute == str(sentences)
    assert links[0].date.startswith("20") and links[0].date.endswith("+00:00")
    assert ("units linked", "interviews_sentence.llmstudio: 7 units") in history
    with Project.open(sentences) as project:
        info = stored_units_info(project)
    assert info.split_from == str(source) and info.split_from_relative == "interviews.llmstudio"


def test_splitting_again_into_the_same_file_replaces_its_entry(family):
    source, sentences, _ = family
    split_project(source, "words:3:1", sentences)  # another unit, the same file
    with Project.open(source) as project:
        links = units_links(project)
    assert [(x.path, x.unit) for x in links] == [
        ("interviews_paragraph.llmstudio", "paragraph"),
        ("interviews_sentence.llmstudio", "words:3:1"),
    ]


def test_family_seen_from_the_documents_and_from_a_units_project(family):
    source, sentences, paragraphs = family
    docs = corpus_family(source)
    assert docs.origin is None and docs.origin_text() == ""
    assert _states(docs) == [
        ("Documents (3)", source, ""),
        ("Sentences (7 units)", sentences, ""),
        ("Paragraphs (4 units)", paragraphs, ""),
    ]
    assert docs.is_here(docs.documents) and not docs.is_here(docs.units[0])
    units = corpus_family(sentences)
    assert units.origin_text() == "Units of interviews.llmstudio, by sentence"
    assert _states(units) == _states(docs)  # the same family, with its siblings
    assert units.is_here(units.units[0]) and not units.is_here(units.documents)


def test_a_moved_folder_keeps_both_links(family, tmp_path):
    source, sentences, paragraphs = family
    moved = shutil.move(tmp_path / "study", tmp_path / "elsewhere")
    docs = corpus_family(moved / source.name)
    assert _states(docs) == [
        ("Documents (3)", moved / source.name, ""),
        ("Sentences (7 units)", moved / sentences.name, ""),
        ("Paragraphs (4 units)", moved / paragraphs.name, ""),
    ]
    units = corpus_family(moved / paragraphs.name)
    assert units.documents.path == moved / source.name and not units.documents.problem


def test_a_copied_folder_links_to_its_own_files_not_the_originals(family, tmp_path):
    source, sentences, _ = family
    copy = shutil.copytree(tmp_path / "study", tmp_path / "copy")
    assert corpus_family(copy / source.name).units[0].path == copy / sentences.name
    assert corpus_family(copy / sentences.name).documents.path == copy / source.name


def test_a_deleted_units_project_is_said(family):
    source, sentences, paragraphs = family
    paragraphs.unlink()
    docs = corpus_family(source)
    assert _states(docs)[1:] == [
        ("Sentences (7 units)", sentences, ""),
        (
            "Paragraphs (4 units)",
            None,
            "interviews_paragraph.llmstudio is not there any more (deleted or moved away)",
        ),
    ]
    assert docs.units[1].state == "missing" and docs.units[0].state == "ok"
    # from a sibling too
    assert corpus_family(sentences).units[1].problem == docs.units[1].problem


def test_a_deleted_source_is_said_and_the_units_project_stays_itself(family):
    source, sentences, _ = family
    source.unlink()
    units = corpus_family(sentences)
    assert units.documents.path is None and units.documents.state == "missing"
    assert units.documents.problem == (
        "interviews.llmstudio is not there any more (deleted or moved away)"
    )
    assert [(x.title, x.path) for x in units.units] == [("Sentences (7 units)", sentences)]


def test_a_source_whose_text_column_changed_is_not_trusted(family):
    source, sentences, _ = family
    with Project.open(source) as project:
        project.set_text_column("other_text")
    docs = corpus_family(source)
    for linked in docs.units:
        assert linked.path is not None and linked.state == "changed"  # found, not matching
        assert "was split from other texts than these documents hold now" in linked.problem
    units = corpus_family(sentences)
    assert units.documents.problem.startswith(
        "interviews.llmstudio's texts changed since these units were split from it"
    )
    assert units.documents.state == "changed" and units.documents.path == source
    assert units.units == [units.units[0]] and units.is_here(units.units[0])


def test_a_source_replaced_by_other_texts_is_not_trusted(family):
    source, sentences, _ = family
    documents_project(source, ["Other texts. Quite other."])  # a new project, same name
    units = corpus_family(sentences)
    assert "texts changed since these units were split" in units.documents.problem
    assert corpus_family(source).documents is None  # the new file lists no units


def test_a_units_file_replaced_by_another_project_is_said(family):
    source, sentences, _ = family
    documents_project(sentences)  # a plain project where the units were
    linked = corpus_family(source).units[0]
    assert linked.problem == "interviews_sentence.llmstudio is no longer a units project"
    assert linked.state == "not_units"


def test_a_units_file_replaced_by_a_split_of_other_texts_is_said(family, tmp_path):
    source, sentences, _ = family
    other = documents_project(tmp_path / "other.llmstudio", ["Not the same. At all."])
    split_project(other, "sentence", sentences)
    problem = corpus_family(source).units[0].problem
    assert problem.startswith("interviews_sentence.llmstudio was split from other texts")


def test_a_file_that_is_not_a_project_any_more_is_said(family):
    source, sentences, _ = family
    sentences.write_text("not a database", encoding="utf-8")
    linked = corpus_family(source).units[0]
    problem = linked.problem
    assert linked.state == "unreadable"
    assert problem.startswith("interviews_sentence.llmstudio cannot be opened: ")
    assert "not an llmstudio project" in problem


def test_a_damaged_list_is_said_not_taken_for_empty(family):
    source, sentences, _ = family
    damage_links(source)
    with Project.open(source) as project, pytest.raises(ProjectError, match="cannot be read"):
        units_links(project)
    docs = corpus_family(source)
    assert "its list of units projects cannot be read" in docs.problem
    assert docs.documents.title == "Documents (3)" and docs.units == []
    units = corpus_family(sentences)
    assert "cannot be read" in units.problem and units.is_here(units.units[0])


def test_a_plain_project_has_no_family(tmp_path):
    path = documents_project(tmp_path / "plain.llmstudio")
    family = corpus_family(path)
    assert family.documents is None and family.units == [] and family.origin is None


def test_units_of_a_table_or_folder_link_back_unchecked(tmp_path):
    table = tmp_path / "survey.csv"
    table.write_text("id,text\n1,Good. Bad.\n", encoding="utf-8")
    source = documents_project(tmp_path / "docs.llmstudio")
    with Project.open(source) as project:
        corpus = project.corpus()
    units = split_corpus(corpus, "sentence")
    info = units_info(corpus, units, parse_unit("sentence"), table)
    with save_units_project(tmp_path / "u.llmstudio", units, info) as project:
        assert record_units_link(project) is None  # nothing to write into a CSV
    family = corpus_family(tmp_path / "u.llmstudio")
    assert family.documents.path == table and family.documents.project is False
    assert family.documents.problem == ""
    assert family.origin_text() == "Units of survey.csv, by sentence"


def test_units_of_a_table_not_saved_say_there_is_no_way_back(tmp_path):
    source = documents_project(tmp_path / "docs.llmstudio")
    with Project.open(source) as project:
        corpus = project.corpus()
    units = split_corpus(corpus, "paragraph")
    info = units_info(corpus, units, parse_unit("paragraph"), NOT_SAVED)
    save_units_project(tmp_path / "u.llmstudio", units, info).close()
    family = corpus_family(tmp_path / "u.llmstudio")
    assert family.documents.problem == "the texts were split from a table not saved in a file"
    assert family.documents.state == "not_saved" and family.documents.path is None
    assert family.origin_text() == "Units of (a table not saved), by paragraph"


def test_a_units_project_from_before_the_relative_path_finds_its_source(family):
    source, sentences, _ = family
    db = sqlite3.connect(sentences)
    raw = json.loads(db.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()[0])
    del raw["split_from_relative"]
    raw["added_by_a_newer_version"] = True  # left aside, not a reason to drop the record
    db.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps(raw), META_KEY))
    db.commit()
    db.close()
    assert corpus_family(sentences).documents.path == source  # by its absolute path


def test_a_source_that_cannot_be_written_is_said(family, monkeypatch):
    source, sentences, _ = family
    from llmstudio.core import unit_links

    def refuse(*_):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(unit_links.meta, "put", refuse)
    with Project.open(sentences) as project, pytest.raises(ProjectError) as caught:
        record_units_link(project)
    assert str(caught.value) == (
        f"{source}: cannot list the units project there (attempt to write a readonly database)"
    )


def test_a_source_from_a_newer_version_is_not_written_into(family):
    source, sentences, _ = family
    db = sqlite3.connect(source)
    db.execute("PRAGMA user_version = 999")
    db.close()
    with Project.open(sentences) as project, pytest.raises(ProjectError, match="newer llmstudio"):
        record_units_link(project)


@pytest.mark.parametrize(
    ("unit", "title", "by"),
    [
        ("sentence", "Sentences", "by sentence"),
        ("paragraph", "Paragraphs", "by paragraph"),
        ("sentence:pysbd:de", "Sentences by pysbd, de", "by sentence (pysbd, de)"),
        (
            "words:200:50",
            "Windows of 200 words, overlapping by 50",
            "in windows of 200 words, overlapping by 50",
        ),
        ("words:1000", "Windows of 1,000 words", "in windows of 1,000 words"),
    ],
)
def test_units_are_named_for_readers(unit, title, by):
    assert unit_title(unit) == title and unit_by(unit) == by


def test_the_corpus_in_hand_is_what_the_units_are_checked_against(family):
    source, _, _ = family
    with Project.open(source) as project:
        corpus = project.corpus()
    assert [u.state for u in corpus_family(source, corpus).units] == ["ok", "ok"]
    changed = Corpus(frame=corpus.frame, text_column="other_text")
    assert [u.state for u in corpus_family(source, changed).units] == ["changed", "changed"]

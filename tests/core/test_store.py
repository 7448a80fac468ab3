"""core/store: the transaction helper every write goes through, and the guard on the
column names a caller may ask for."""

from __future__ import annotations

import sqlite3

import pytest

from llmstudio.core.project import Project
from llmstudio.core.store import history, transaction
from llmstudio.core.store import runs as stored_runs
from llmstudio.core.store.connection import connect, tables
from llmstudio.core.store.migrations import required_tables

from helpers.corpora import string_corpus


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p.llmstudio", string_corpus()) as p:
        yield p


def _lines(project) -> list[str]:
    return [detail for _, _, detail in history.lines(project.db)]


def test_a_transaction_commits_what_it_wrote(project):
    with transaction(project.db):
        history.add(project.db, "note", "kept")
    # Seen from another connection: committed, not only visible to this one.
    other = connect(project.path)
    try:
        details = [d for (d,) in other.execute("SELECT detail FROM history")]
    finally:
        other.close()
    assert "kept" in details


def test_a_transaction_that_fails_leaves_nothing(project):
    before = _lines(project)
    with pytest.raises(RuntimeError, match="halfway"):
        with transaction(project.db):
            history.add(project.db, "note", "lost")
            raise RuntimeError("halfway")
    assert _lines(project) == before
    assert not project.db.in_transaction


def test_a_transaction_holds_the_write_lock_from_its_start(project):
    other = sqlite3.connect(project.path, isolation_level=None, timeout=0)
    try:
        with transaction(project.db):
            # Nothing written yet, and still no other writer may begin (BEGIN IMMEDIATE):
            # two processes cannot both read a run as free and then both claim it.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released on commit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_run_fields_refuses_a_column_runs_does_not_have(project):
    with pytest.raises(ValueError, match=r"runs has no column\(s\) \['nope'\]"):
        stored_runs.fields(project.db, 1, "task", "nope")
    with pytest.raises(ValueError, match="runs has no column"):
        stored_runs.all_fields(project.db)  # no column at all
    assert stored_runs.fields(project.db, 1, "task") is None  # a known one: no such run


def test_the_required_tables_are_those_a_new_project_has(project):
    assert required_tables() == tables(project.db)
    assert {"runs", "annotations", "human_codes", "history"} <= required_tables()

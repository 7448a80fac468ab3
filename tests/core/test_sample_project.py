"""The sample project (core/sample_project.py): made once in the user's data folder from
the bundled corpus, with pre-filled codes marked as the sample's own, never replaced."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from llmstudio.core import human_codes, paths
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.errors import ProjectError
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.sample_project import (
    SAMPLE_CODEBOOK,
    SAMPLE_CODER,
    SAMPLE_MEMO,
    is_sample,
    needs_model_run,
    open_sample_project,
    sample_project_path,
)
from llmstudio.core.tasks import SentimentTask

REPO = Path(__file__).resolve().parents[2]


def resource_codes() -> dict[str, str]:
    with paths.sample_codes().open(encoding="utf-8", newline="") as fh:
        return {row["response_id"]: row["sentiment"] for row in csv.DictReader(fh)}


def test_made_once_in_the_data_folder_with_the_sample_codes(config_dir):
    path = sample_project_path()
    assert path == config_dir / "data" / "sample.llmstudio"
    assert paths.resources_dir() not in path.parents  # never inside the package
    project, made = open_sample_project()
    try:
        assert made and project.path == path and path.is_file()
        assert project.codebooks() == [SAMPLE_CODEBOOK.name]
        coded = human_codes.current(project, SAMPLE_CODEBOOK.name)
        expected = resource_codes()
        assert len(coded) == len(expected) == 40
        ids = project.corpus().frame["response_id"]
        assert {ids[c.row_id]: c.label() for c in coded} == expected
        # Marked as the sample's own, not a coder's judgement: coder, memo, history.
        assert {c.coder for c in coded} == {SAMPLE_CODER}
        assert {c.memo for c in coded} == {SAMPLE_MEMO}
        assert "not a coder's judgement" in SAMPLE_MEMO
        assert is_sample(project) and needs_model_run(project)
        # The user's coding afterwards...
        human_codes.record(project, SAMPLE_CODEBOOK, "ana", 5, ["mixed"])
    finally:
        project.close()
    again, made = open_sample_project()
    try:  # ...is kept: a sample found is opened, never made again
        assert not made
        assert [c.codes for c in human_codes.current(again, "Sentiment", "ana")] == [("mixed",)]
        assert len(human_codes.current(again, "Sentiment", SAMPLE_CODER)) == 40
    finally:
        again.close()


def test_a_finished_sentiment_run_is_the_model_run(config_dir, tmp_path):
    project, _ = open_sample_project(tmp_path / "s.llmstudio")
    try:
        assert needs_model_run(project)
        run_job(project, SentimentTask(), LexiconBackend(), limit=10)  # 10 of 300 rows
        assert needs_model_run(project)  # unfinished: still to be made
        run_job(project, SentimentTask(), LexiconBackend())
        assert not needs_model_run(project)
    finally:
        project.close()


def test_a_plain_project_is_no_sample(tmp_path):
    corpus = read_table(paths.sample_corpus())
    with Project.create(tmp_path / "mine.llmstudio", corpus) as project:
        assert not is_sample(project)


def test_a_bad_codes_file_says_which_row_and_leaves_no_half_project(
    config_dir, tmp_path, monkeypatch
):
    bad = tmp_path / "codes.csv"
    bad.write_text("response_id,sentiment\nR0001,negative\nR9999,positive\n", encoding="utf-8")
    monkeypatch.setattr("llmstudio.core.sample_project.sample_codes", lambda: bad)
    target = tmp_path / "s.llmstudio"
    with pytest.raises(ProjectError, match="R9999 is not in the sample corpus"):
        open_sample_project(target)
    assert not target.exists()


def test_the_codes_are_the_sentiment_each_answer_was_written_to_carry():
    """The resource file agrees with the corpus generator's notes (the script that writes
    it reads them): a code in it that the notes do not give fails here."""
    spec = importlib.util.spec_from_file_location(
        "make_sample_codes", REPO / "scripts" / "make_sample_codes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    meant = module.intended_sentiments()
    texts = dict(
        zip(*[read_table(paths.sample_corpus()).frame[c] for c in ("response_id", "text")])
    )
    codes = resource_codes()
    assert codes and all(meant[texts[rid]] == code for rid, code in codes.items())
    assert set(codes.values()) <= set(SAMPLE_CODEBOOK.names)


def test_a_data_folder_that_cannot_be_made_is_said(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("LLMSTUDIO_CONFIG_DIR", str(blocker))
    with pytest.raises(ProjectError, match="cannot create the folder for the sample project"):
        open_sample_project()

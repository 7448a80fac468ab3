"""A run whose stored parameters (``runs.params``) are damaged: not JSON, or JSON of
another shape. Every reader (replicate, sampling, validation, checking a run, the run
labels of charts, the methods record, the annotated export) says which run of which
project is damaged, never a traceback (issue 14, leftover of item 12)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from llmstudio.core.annotated import annotated_table
from llmstudio.core.backends import make_backend
from llmstudio.core.check_run import codebook_for_run
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.errors import ProjectError
from llmstudio.core.methods import build_record
from llmstudio.core.project import Project
from llmstudio.core.replicate import next_index, plan_replicate
from llmstudio.core.results import run_label
from llmstudio.core.runner import run_job
from llmstudio.core.runs import run_params, stored_json
from llmstudio.core.sampling import model_codes
from llmstudio.core.tasks import SentimentTask
from llmstudio.core.validation import sources

BOOK = Codebook((Code("positive"), Code("negative"), Code("neutral")), name="Tone")

DAMAGE = {
    "not JSON": ("{not json", "its parameters are not readable JSON"),
    "a list": ("[1, 2]", "its parameters are not a JSON object"),
    "a string": (json.dumps("sentiment"), "its parameters are not a JSON object"),
    "a codebook that is text": (
        json.dumps({"codebook": "Tone"}),
        "its parameters hold a codebook or labels of the wrong shape",
    ),
    "labels that are a number": (
        json.dumps({"labels": 3}),
        "its parameters hold a codebook or labels of the wrong shape",
    ),
}

READERS = {
    "replicate": lambda p: plan_replicate(p, 1),
    "replicate index": next_index,
    "check a run": lambda p: codebook_for_run(p, 1, save=False),
    "sampling": lambda p: model_codes(p, BOOK),
    "validation": lambda p: sources(p, BOOK),
    "chart labels": lambda p: run_label(p, 1),
    "methods record": build_record,
    "annotated export": annotated_table,
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("made")
    pd.DataFrame({"text": ["good", "bad", "fine"]}).to_csv(folder / "t.csv", index=False)
    path = folder / "p.llmstudio"
    with Project.create(path, read_table(folder / "t.csv")) as project:
        backend = make_backend("lexicon")
        run_job(project, SentimentTask(), backend)
        backend.close()
    return path


@pytest.fixture(params=sorted(DAMAGE))
def damaged(request, made, tmp_path):
    text, said = DAMAGE[request.param]
    path = tmp_path / "p.llmstudio"
    path.write_bytes(made.read_bytes())
    with Project.open(path) as project, project.db:
        # Marked a replicate too, so that the replicate index reads it.
        project.db.execute("UPDATE runs SET params = ?, replicate_of = 1", (text,))
    return path, said


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_reader_names_the_damaged_run(damaged, reader):
    path, said = damaged
    with Project.open(path) as project:
        with pytest.raises(ProjectError) as err:
            READERS[reader](project)
    assert str(err.value) == f"{path}: the project file is damaged (run 1: {said})"


def test_the_helpers_give_the_stored_values_when_they_are_sound(tmp_path):
    assert run_params(tmp_path, 2, '{"labels": ["a"], "codebook": {"name": "T"}}') == {
        "labels": ["a"],
        "codebook": {"name": "T"},
    }
    assert run_params(tmp_path, 2, None) == {}
    assert stored_json(tmp_path, 2, "output columns", '["x"]', "[]") == ["x"]
    with pytest.raises(ProjectError, match=r"run 2: its output columns are not a JSON list"):
        stored_json(tmp_path, 2, "output columns", '{"x": 1}', "[]")

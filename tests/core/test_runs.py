"""Run states and the plain-names rule (core/runs.py): the latest complete run of a task
has the plain column names, everything else its ``_run<N>``; interrupted runs are found
by their dead process and can be resumed, discarded, renamed and deleted."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from llmstudio.core import human_codes, resume, runs
from llmstudio.core.annotated import annotated_table
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.results import latest_results, with_results
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask
from llmstudio.core.tasks.build import TaskOptions, make_task

TEXTS = [
    "I love it",
    "I hate it",
    "a table",
    "great and good",
    "awful",
    "fine day",
    "terrible news",
    "wonderful",
    "ok",
    "bad",
]


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "c.csv"
    pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS}).to_csv(src, index=False)
    p = Project.create(tmp_path / "p.llmstudio", read_table(src))
    yield p
    p.close()


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def kill_midway(project, run_id: int, keep: int) -> None:
    """What SIGKILL leaves: the first ``keep`` answers, status running, a process gone."""
    with project.db:
        project.db.execute(
            "DELETE FROM annotations WHERE run_id = ? AND row_id >= ?", (run_id, keep)
        )
        project.db.execute(
            "UPDATE runs SET status = 'running', finished = NULL, pid = ? WHERE id = ?",
            (dead_pid(), run_id),
        )


def state(project, run_id):
    return runs.run_info(project, run_id).state


def test_the_runner_records_its_pid_and_a_dead_one_reads_interrupted(project):
    import os

    first = run_job(project, SentimentTask(), LexiconBackend()).run_id
    assert project.db.execute("SELECT pid FROM runs").fetchone()[0] == os.getpid()
    assert state(project, first) == runs.COMPLETE
    with project.db:  # marked running by this (live) process: running
        project.db.execute("UPDATE runs SET status = 'running'")
    assert state(project, first) == runs.RUNNING
    kill_midway(project, first, 4)
    info = runs.run_info(project, first)
    assert info.state == runs.INTERRUPTED
    assert info.state_text() == f"interrupted, 4 of {len(TEXTS)} rows"
    with project.db:  # cancelled: interrupted too
        project.db.execute("UPDATE runs SET status = 'cancelled'")
    assert state(project, first) == runs.INTERRUPTED


def test_complete_beats_a_newer_interrupted_run(project):
    complete = run_job(project, SentimentTask(baseline=True), LexiconBackend()).run_id
    partial = run_job(project, SentimentTask(), LexiconBackend()).run_id
    kill_midway(project, partial, 3)
    assert runs.plain_runs(runs.run_infos(project)) == {complete}
    frame, info = annotated_table(project)
    assert frame["sentiment_lexicon"].notna().all()  # only the complete run has it
    assert frame["sentiment_label"].notna().sum() == len(TEXTS)
    assert frame[f"sentiment_label_run{partial}"].notna().sum() == 3
    about = {c.name: c.description for c in info}
    assert (
        f"run {partial}, interrupted, 3 of {len(TEXTS)} rows"
        in about[f"sentiment_label_run{partial}"]
    )
    assert "latest complete run" in about["sentiment_label"]
    # The table: the complete run plainly, the newer interrupted one suffixed, said so.
    shown = latest_results(project, frame.columns[:2])
    assert [list(f.columns)[0] for _, _, f in shown] == [
        "sentiment_label",
        f"sentiment_label_run{partial}",
    ]
    assert (
        shown[1][1].status_text()
        == f"run {partial}: sentiment with lexicon, interrupted, 3 of {len(TEXTS)} rows"
    )
    # agree and the CLI read the same names
    joined = with_results(project, project.corpus().frame)
    assert joined["sentiment_label"].tolist() == frame["sentiment_label"].tolist()


def test_asking_a_complete_run_again_keeps_its_finish_and_the_plain_names(project):
    """The same command run again finds its complete run with nothing left to ask: its
    finishing time stays (the record says when it ran) and a later complete run of the
    task keeps the plain names."""
    first = run_job(project, SentimentTask(), LexiconBackend()).run_id
    # a finishing time older than the next run's, however fast the machine
    with project.db:
        project.db.execute(
            "UPDATE runs SET finished = '2020-01-01T00:00:00+00:00' WHERE id = ?", (first,)
        )
    second = run_job(project, SentimentTask(baseline=True), LexiconBackend()).run_id
    again = run_job(project, SentimentTask(), LexiconBackend())
    assert (again.run_id, again.status, again.computed) == (first, "done", 0)
    assert runs.run_info(project, first).finished == "2020-01-01T00:00:00+00:00"
    assert runs.plain_runs(runs.run_infos(project)) == {second}


def test_a_trial_never_takes_the_plain_names(project):
    trial = run_job(project, SentimentTask(), LexiconBackend(), limit=3).run_id
    assert state(project, trial) == runs.TRIAL
    assert runs.plain_runs(runs.run_infos(project)) == set()
    frame, _ = annotated_table(project)
    assert "sentiment_label" not in frame and f"sentiment_label_run{trial}" in frame
    # the table still shows it (nothing else to show), under its own names
    assert [s for _, s in runs.table_runs(project)] == [f"_run{trial}"]


def test_a_replicate_never_takes_the_plain_names(project):
    first = run_job(project, SentimentTask(), LexiconBackend()).run_id
    again = run_job(
        project, SentimentTask(labels=("positive", "negative")), LexiconBackend()
    ).run_id
    with project.db:
        project.db.execute("UPDATE runs SET replicate_of = ? WHERE id = ?", (first, again))
    assert runs.plain_runs(runs.run_infos(project)) == {first}
    assert [i.run_id for i, _ in runs.table_runs(project)] == [first]


def coding_run(project, name: str) -> int:
    """A stored coding run with codebook ``name``, as the runner stores one (made from a
    lexicon run: no model to load)."""
    import json

    run_id = run_job(project, SentimentTask(labels=(name, "negative")), LexiconBackend()).run_id
    book = Codebook((Code("positive"), Code("negative"), Code("neutral")), name=name)
    params = make_task(TaskOptions(task="code", codebook=book)).params()
    with project.db:
        project.db.execute(
            "UPDATE runs SET task = 'code', params = ?, columns = ? WHERE id = ?",
            (json.dumps(params), json.dumps(["code_label", "code_score"]), run_id),
        )
        project.db.execute(
            "UPDATE annotations SET output = REPLACE(output, 'sentiment_', "
            "'code_') WHERE run_id = ?",
            (run_id,),
        )
    return run_id


def test_two_codebooks_are_two_tasks_and_never_shadow_each_other(project):
    a, b = coding_run(project, "Tone A"), coding_run(project, "Tone B")
    infos = runs.run_infos(project)
    assert {i.task_key for i in infos} == {"code:Tone A", "code:Tone B"}
    assert runs.plain_runs(infos) == {b}  # the same names: the newest keeps them
    frame, info = annotated_table(project)
    assert "code_label" in frame and f"code_label_run{a}" in frame
    about = {c.name: c.description for c in info}
    assert "codebook 'Tone A'" in about[f"code_label_run{a}"]
    assert "codebook 'Tone B'" in about["code_label"]
    # both shown in the table, the older codebook under its suffix
    assert [s for _, s in runs.table_runs(project)] == ["", f"_run{a}"]


def test_two_codebooks_keys_without_running_them():
    assert runs.task_key("code", {"codebook": {"name": "A"}}) != runs.task_key(
        "code", {"codebook": {"name": "B"}}
    )
    assert runs.task_key("sentiment", {"labels": ["a", "b"]}) == "sentiment"


def test_rename_delete_discard_and_history(project):
    book = Codebook((Code("positive"), Code("negative")), name="tone")
    project.save_codebook(book)
    human_codes.record(project, book, "ana", 0, ["positive"])
    first = run_job(project, SentimentTask(), LexiconBackend()).run_id
    second = run_job(
        project, SentimentTask(labels=("positive", "negative")), LexiconBackend()
    ).run_id
    renamed = runs.rename_run(project, first, "  pilot   run ")
    assert renamed.name == "pilot run" and renamed.title == "run 1 'pilot run'"
    frame, info = annotated_table(project)
    assert f"sentiment_label_run{first}" in frame  # the suffix stays the run's number
    assert (
        "run 1 'pilot run'" in {c.name: c.description for c in info}[f"sentiment_label_run{first}"]
    )
    with pytest.raises(runs.RunError, match="not interrupted"):
        runs.discard_run(project, first)
    with pytest.raises(runs.RunError, match="no run 99"):
        runs.delete_run(project, 99)
    with pytest.raises(runs.RunError, match="at most 80"):
        runs.rename_run(project, first, "x" * 81)
    cached = project.db.execute("SELECT COUNT(*) FROM response_cache").fetchone()[0]
    runs.delete_run(project, second)
    assert [i.run_id for i in runs.run_infos(project)] == [first]
    assert (
        project.db.execute(
            "SELECT COUNT(*) FROM annotations WHERE run_id = ?", (second,)
        ).fetchone()[0]
        == 0
    )
    assert project.db.execute("SELECT COUNT(*) FROM response_cache").fetchone()[0] == cached
    assert len(human_codes.current(project, "tone", "ana")) == 1
    kill_midway(project, first, 2)
    runs.discard_run(project, first)
    assert runs.run_infos(project) == []
    said = [d for _, a, d in project.history() if a == "runs"]
    assert said[0].startswith("renamed run 1 from '(no name)' to 'pilot run'")
    assert said[1].startswith("deleted run 2: sentiment with lexicon, complete")
    assert said[2].startswith(
        "discarded run 1 'pilot run': sentiment with lexicon, interrupted, 2 of 10 rows"
    )


def test_a_running_run_is_not_deleted(project):
    first = run_job(project, SentimentTask(), LexiconBackend()).run_id
    with project.db:
        project.db.execute("UPDATE runs SET status = 'running'")  # this live process
    with pytest.raises(runs.RunError, match="is running"):
        runs.delete_run(project, first)


def test_resume_runs_an_interrupted_run_to_the_end_with_its_settings(project):
    task = SentimentTask(labels=("positive", "negative"), baseline=True)
    first = run_job(project, task, LexiconBackend()).run_id
    whole = annotated_table(project)[0]["sentiment_label"].tolist()
    kill_midway(project, first, 4)
    result = resume.resume_run(project, first)
    assert result.run_id == first and result.status == "done"
    assert result.computed == 0 and result.cached == len(TEXTS) - 4  # the cache paid
    assert state(project, first) == runs.COMPLETE
    assert annotated_table(project)[0]["sentiment_label"].tolist() == whole
    assert any(
        d == f"resumed run {first} with its stored settings" for _, _, d in project.history()
    )
    with pytest.raises(runs.RunError, match="complete: nothing to resume"):
        resume.resume_run(project, first)


def test_resume_refuses_a_changed_model_and_a_trial(project):
    first = run_job(project, SentimentTask(), LexiconBackend()).run_id
    kill_midway(project, first, 4)
    import json

    with project.db:  # as if made by another version of the lexicon
        fp = json.loads(project.db.execute("SELECT fingerprint FROM runs").fetchone()[0])
        fp["revision"] = "0.0.1"
        project.db.execute("UPDATE runs SET fingerprint = ?, spec_key = 'old'", (json.dumps(fp),))
    with pytest.raises(runs.RunError, match=r"the model changed since \(revision: '0.0.1'"):
        resume.resume_run(project, first)
    trial = run_job(project, SentimentTask(labels=("a", "b")), LexiconBackend(), limit=2)
    with pytest.raises(runs.RunError, match="is a trial"):
        resume.resume_run(project, trial.run_id)


def test_resume_of_an_api_run_needs_its_consent_and_base_url(project):
    import json

    first = run_job(project, SentimentTask(), LexiconBackend()).run_id
    kill_midway(project, first, 4)
    with project.db:
        project.db.execute(
            "UPDATE runs SET backend = 'openai', fingerprint = ?",
            (
                json.dumps(
                    {
                        "kind": "openai",
                        "model": "m",
                        "endpoint": "llm.example.test:9",
                        "temperature": 0.0,
                    }
                ),
            ),
        )
    spec = runs.resume_spec(project, first)
    assert (spec.model, spec.endpoint, spec.backend_options) == (
        "openai:m",
        "llm.example.test:9",
        {"temperature": 0.0},
    )
    with pytest.raises(runs.RunError, match="give its base URL"):
        resume.resume_run(project, first)
    with pytest.raises(runs.RunError, match="not 10.0.0.1"):
        resume.resume_run(project, first, base_url="http://10.0.0.1/v1")
    with pytest.raises(runs.RunError, match="no consent"):
        resume.resume_run(project, first, base_url="http://llm.example.test:9/v1")

"""One job per run (issue 14, item 9): a run another live job fills is refused with who
holds it; a claim whose process is gone, or a job of this process that has ended, does
not block; a project another process has just made is never replaced under it."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.corpus import Corpus, read_table
from llmstudio.core.errors import ProjectExists, RunBusy
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.runs import run_info
from llmstudio.core.tasks import SentimentTask


@pytest.fixture
def project_path(tmp_path):
    src = tmp_path / "t.csv"
    pd.DataFrame({"text": ["good day", "bad day", "a day", "great", "awful"]}).to_csv(
        src, index=False
    )
    Project.create(tmp_path / "p.llmstudio", read_table(src)).close()
    return tmp_path / "p.llmstudio"


def job(path, **kw):
    backend = make_backend("lexicon")
    try:
        return run_job(path, SentimentTask(), backend, **kw)
    finally:
        backend.close()


def mark_running(path, pid: int, ago: str = "+0 hours") -> None:
    """Run 1 claimed by process ``pid``, now or ``ago`` (as the runner claims it)."""
    with Project.open(path) as project, project.db:
        project.db.execute("UPDATE runs SET status = 'running', pid = ? WHERE id = 1", (pid,))
        project.db.execute(
            "INSERT INTO history (at, action, detail) VALUES (strftime("
            "'%Y-%m-%dT%H:%M:%fZ', 'now', ?), 'run', 'run 1: sentiment with lexicon')",
            (ago,),
        )


def test_a_second_job_of_this_process_on_the_same_run_is_refused(project_path):
    refused = []

    def second(run_id: int) -> None:
        with pytest.raises(RunBusy) as err:
            job(project_path)  # its own connection, as the window's jobs have
        refused.append(str(err.value))

    first = job(project_path, on_run=second)
    assert first.status == "done" and first.done == 5
    assert refused == [
        f"run 1 of p.llmstudio (sentiment with the same model and "
        "settings) is being filled by another job in this window (see the "
        f"Jobs panel), since {refused[0].split('since ')[1][:20]}; nothing "
        "was sent. Wait for it to finish, or cancel it (Cancel in the "
        "window's Jobs panel, Ctrl+C in its terminal), then run this again: "
        "the rows it finished are kept and not asked again"
    ]
    assert refused[0].split("since ")[1][16:20] == " UTC"
    # Released when it ended: the same task again finds the run complete and runs.
    assert job(project_path).run_id == 1


def test_a_run_left_running_by_an_ended_job_of_this_process_is_free(project_path):
    job(project_path)
    mark_running(project_path, os.getpid())  # as a job that died by an exception leaves it
    result = job(project_path)
    assert result.run_id == 1 and result.status == "done"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")
def test_a_run_held_by_a_live_process_is_refused_until_that_process_is_gone(project_path):
    job(project_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        mark_running(project_path, other.pid)
        with Project.open(project_path) as project:
            assert run_info(project, 1).state == "running"
        with pytest.raises(
            RunBusy,
            match=rf"another llmstudio process \(pid {other.pid}\)"
            rf".*or kill {other.pid}\), then run this again",
        ):
            job(project_path)
    finally:
        other.kill()
        other.wait()
    # Killed (its pid gone): the claim is stale, the run is interrupted and resumed.
    with Project.open(project_path) as project:
        assert run_info(project, 1).state == "interrupted"
    assert job(project_path).status == "done"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="start times from /proc")
def test_a_dead_jobs_pid_taken_by_a_new_process_does_not_hold_the_run(project_path):
    job(project_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # The run was claimed an hour ago by a process with this pid, killed since: the
        # process that has the pid now started later, so it is not the one.
        mark_running(project_path, other.pid, ago="-1 hours")
        with Project.open(project_path) as project:
            assert run_info(project, 1).state == "interrupted"
        assert job(project_path).status == "done"
    finally:
        other.kill()
        other.wait()


def test_annotate_never_replaces_a_project_made_meanwhile(tmp_path, project_path):
    before = project_path.read_bytes()
    corpus = Corpus(pd.DataFrame({"text": ["other"]}), format="csv", text_column="text")
    with pytest.raises(ProjectExists, match="a project was made there meanwhile"):
        Project.create(project_path, corpus, replace=False)
    assert project_path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no .tmp left
    made = Project.create(tmp_path / "new.llmstudio", corpus, replace=False)
    assert len(made.corpus().frame) == 1
    made.close()

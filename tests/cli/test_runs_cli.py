"""``llmstudio runs`` and the plain-names rule end to end: a real ``annotate`` killed with
SIGKILL, the same task run again to the end, then ``export``: the plain names are the
complete run's, the partial one is suffixed and described as interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask

from cli_process import REPO, cli_env
from killed_run import kill_after

SAMPLE = REPO / "llmstudio" / "resources" / "sample_corpus.csv"


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_kill_then_rerun_then_export_gives_the_plain_names_to_the_complete_run(cli, tmp_path):
    project = tmp_path / "p.llmstudio"
    command = [
        sys.executable,
        "-m",
        "llmstudio",
        "annotate",
        str(SAMPLE),
        "--project",
        str(project),
    ]
    kept = kill_after(command, project, 40, cli_env(tmp_path), cwd=tmp_path, timeout=120)
    assert 40 <= kept < 300

    listed = cli("runs")(project)
    assert listed.returncode == 0, listed.stderr
    assert f"interrupted  {kept}/300" in listed.stdout

    again = cli("annotate")(SAMPLE, "--project", project, "--baseline")
    assert again.returncode == 0, again.stderr
    out = tmp_path / "out.xlsx"
    done = cli("export")(project, "--out", out)
    assert done.returncode == 0, done.stderr
    frame = pd.read_excel(out, sheet_name=None)
    table, columns = (
        frame["Sheet1"] if "Sheet1" in frame else next(iter(frame.values())),
        frame["columns"],
    )
    assert table["sentiment_label"].notna().sum() == 300  # run 2, complete
    assert table["sentiment_lexicon"].notna().sum() == 300
    assert table["sentiment_label_run1"].notna().sum() == kept  # run 1, partial
    about = dict(zip(columns["column"], columns["description"]))
    assert f"(run 1, interrupted, {kept} of 300 rows)" in about["sentiment_label_run1"]
    assert "(run 2, complete)" in about["sentiment_label"]

    # Resumed to the end, run 1 is complete and (finished last) takes the plain names.
    resumed = cli("runs")("resume", project, "--run", 1)
    assert resumed.returncode == 0, resumed.stderr
    assert "run 1: sentiment with builtin, complete" in resumed.stderr
    listed = cli("runs")(project)
    assert "plain column names (sentiment_label...): run 1" in listed.stdout


@pytest.fixture
def project(tmp_path) -> Path:
    """Two lexicon runs; run 1 left as a kill leaves it (its process gone)."""
    src = tmp_path / "c.csv"
    pd.DataFrame({"text": ["good", "bad", "a table", "great", "awful", "fine"]}).to_csv(
        src, index=False
    )
    path = tmp_path / "p.llmstudio"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Project.create(path, read_table(src)) as p:
        run_job(p, SentimentTask(), LexiconBackend())
        run_job(p, SentimentTask(labels=("positive", "negative")), LexiconBackend())
        with p.db:
            p.db.execute("DELETE FROM annotations WHERE run_id = 1 AND row_id >= 2")
            p.db.execute(
                "UPDATE runs SET status = 'running', finished = NULL, pid = ? WHERE id = 1",
                (dead.pid,),
            )
    return path


def history(path: Path) -> list[str]:
    with Project.open(path) as p:
        return [d for _, a, d in p.history() if a == "runs"]


def test_runs_lists_states_and_json(cli, project):
    done = cli("runs")(project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "run",
        "name",
        "task",
        "model",
        "state",
        "rows",
        "created",
        "finished",
    ]
    assert lines[1].split()[:6] == ["1", "-", "sentiment", "lexicon", "interrupted", "2/6"]
    assert lines[2].split()[:6] == ["2", "-", "sentiment", "lexicon", "complete", "6/6"]
    assert "plain column names (sentiment_label...): run 2" in done.stdout
    import json

    data = json.loads(cli("runs")(project, "--json").stdout)
    assert [(r["run_id"], r["state"], r["answered"]) for r in data] == [
        (1, "interrupted", 2),
        (2, "complete", 6),
    ]


def test_rename_and_back(cli, project):
    done = cli("runs")("rename", project, "--run", 2, "two labels")
    assert done.returncode == 0, done.stderr
    assert "run 2 'two labels': sentiment with lexicon, complete" in done.stderr
    import json

    assert [r["name"] for r in json.loads(cli("runs")(project, "--json").stdout)] == [
        "",
        "two labels",
    ]
    assert history(project)[-1] == "renamed run 2 from '(no name)' to 'two labels'"
    assert cli("runs")("rename", project, "--run", 2).returncode == 0
    assert history(project)[-1] == "renamed run 2 from 'two labels' to '(no name)'"


def test_delete_asks_and_refuses_without_a_terminal(cli, project):
    refused = cli("runs")("delete", project, "--run", 2)  # stdin is not a terminal
    assert refused.returncode == 1
    assert "not on a terminal to ask; give --yes" in refused.stderr
    assert "2    -" in cli("runs")(project).stdout  # still there
    done = cli("runs")("delete", project, "--run", 2, "--yes")
    assert done.returncode == 0, done.stderr
    assert "deleted run 2" in done.stderr
    assert history(project)[-1].startswith("deleted run 2: sentiment with lexicon, complete")


def test_delete_on_a_terminal_asks(tmp_path, project):
    """Run under a pseudo-terminal: the question is asked, 'n' keeps the run (exit 2)."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on the terminal
        os.environ.update(cli_env(tmp_path))
        os.execv(
            sys.executable,
            [sys.executable, "-m", "llmstudio", "runs", "delete", str(project), "--run", "1"],
        )
    seen = b""
    while b"[y/N]" not in seen:
        seen += os.read(fd, 1024)
    os.write(fd, b"n\n")
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 2
    assert b"discard" not in seen and b"delete run 1: sentiment with lexicon, interrupted" in seen
    assert b"nothing deleted" in seen
    assert history(project) == []


def test_discard_only_an_interrupted_run(cli, project):
    wrong = cli("runs")("discard", project, "--run", 2, "--yes")
    assert wrong.returncode == 1
    assert "is complete, not interrupted" in wrong.stderr
    done = cli("runs")("discard", project, "--run", 1, "--yes")
    assert done.returncode == 0, done.stderr
    assert "discarded run 1" in done.stderr
    assert cli("runs")(project).stdout.splitlines()[1].split()[0] == "2"


def test_resume_runs_an_interrupted_run_to_the_end(cli, project):
    done = cli("runs")("resume", project, "--run", 1)
    assert done.returncode == 0, done.stderr
    assert "resuming run 1: sentiment with lexicon, interrupted, 2 of 6 rows" in done.stderr
    assert "run 1: done; 6/6 rows" in done.stderr
    assert history(project)[-1] == "resumed run 1 with its stored settings"
    again = cli("runs")("resume", project, "--run", 1)
    assert again.returncode == 1
    assert "cannot resume run 1: it is complete: nothing to resume" in again.stderr


@pytest.mark.parametrize(
    "args, status, message",
    [
        (("resume", "{p}", "--run", "9"), 1, "no run 9 (the runs are: 1, 2)"),
        (("delete", "{p}", "--run", "9", "--yes"), 1, "no run 9"),
        (("resume", "{p}"), 2, "give the run with --run N"),
        (("frob", "{p}"), 2, "unknown action 'frob'"),
        (("resume", "{p}", "--run", "x"), 2, "invalid int value"),
        # the file's errors are errors (1), as every command has them (exit_codes.py)
        (("{d}/none.llmstudio",), 1, "none.llmstudio: no such file"),
        (("{d}/c.csv",), 1, "not a project (.llmstudio)"),
        (("delete", "{d}/none.llmstudio", "--run", "1", "--yes"), 1, "no such file"),
        (("rename", "{p}", "--run", "1", "a", "b"), 2, "one NAME"),
    ],
)
def test_errors(cli, project, args, status, message):
    done = cli("runs")(*[a.format(p=project, d=project.parent) for a in args])
    assert done.returncode == status, done.stderr
    assert message in done.stderr


def test_agree_says_when_a_column_is_an_interrupted_run(cli, project):
    done = cli("agree")(
        project, "--columns", "sentiment_label", "sentiment_label_run1", "--bootstrap", "0"
    )
    assert done.returncode == 0, done.stderr
    assert (
        "note: 'sentiment_label_run1' is run 1: sentiment with lexicon, interrupted, 2 of 6 rows"
    ) in done.stderr
    assert "'sentiment_label' is" not in done.stderr  # the complete run: nothing to say

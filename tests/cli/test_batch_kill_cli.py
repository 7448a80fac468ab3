"""``annotate --batch`` SIGKILLed while it sends (a real process, the fake Batch API on
127.0.0.1 holding its answer at the chosen moment), then ``llmstudio batch status`` and
``fetch`` in new processes: every batch the server made is found and fetched, the rows
of a batch never made are sent again, each row is answered once and the project file is
sound."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from llmstudio.core.project import Project

from cli_process import cli_env
from fakes.batch_server import FakeBatchAPI
from fakes.openai_server import label_for
from helpers.killed_batch import annotate_batch_args, batch_corpus, kill_while_sending

ROWS, PER_FILE = 10, 4  # three files: 4, 4 and 2 requests


def sound(project) -> None:
    """The project file passes SQLite's check, and run 1 has one result per row."""
    db = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = [r for (r,) in db.execute("SELECT row_id FROM annotations WHERE run_id = 1")]
        assert sorted(rows) == list(range(ROWS))
    finally:
        db.close()


@pytest.mark.slow  # six processes in turn, about 3 s each
@pytest.mark.parametrize(
    ("step", "said"),
    [
        ("create", "was created at the server before llmstudio stopped"),
        ("upload", "was never created at the server"),
    ],
)
def test_a_batch_run_killed_while_sending_loses_nothing(annotate_cli, cli, tmp_path, step, said):
    with FakeBatchAPI() as fake:
        source, texts = batch_corpus(tmp_path, ROWS)
        project = tmp_path / "survey.llmstudio"
        args = annotate_batch_args(source, project, fake, PER_FILE)
        # killed with the 2nd file at the server (uploaded, or its batch made)
        kill_while_sending(args, fake, step, 2, cli_env(tmp_path), tmp_path)
        first = list(fake.batches)[0]
        status = cli("batch")("status", project)
        assert status.returncode == 0, status.stderr
        assert f"run 1: {'batch batch_' if step == 'create' else 'a batch of 4'}" in status.stderr
        assert said in status.stderr
        known = [line.split("\t")[0] for line in status.stdout.splitlines()]
        assert known == list(fake.batches)  # every batch the server made, none other
        if step == "upload":
            assert "its uploaded file file-" in status.stderr and "was deleted" in status.stderr
            assert [f["purpose"] for f in fake.files.values()].count("batch") == 1  # the 1st
        again = cli("batch")("status", project)
        assert said not in again.stderr  # settled once, kept in the project
        with Project.open(project) as opened:  # the project's history says it too
            assert any(said in detail for _, _, detail in opened.history())
        fake.finish()
        got = cli("batch")("fetch", project)
        answered = 8 if step == "create" else 4
        assert f"{answered} rows answered, 0 failed" in got.stderr, got.stderr
        assert "run 1: interrupted" in got.stderr
        # the rows never sent go now, and only they
        resent, _ = annotate_cli(*args)
        assert resent.returncode == 0, resent.stderr
        assert f"for {ROWS - answered} rows" in resent.stderr
        fake.finish()
        last = cli("batch")("fetch", project)
        assert "run 1: complete" in last.stderr, last.stderr
        assert first in fake.batches and fake.total == 0
        assert sorted(fake.batched.values()) == [1] * ROWS  # each text asked once
        out = tmp_path / "out.csv"
        exported = cli("export")(project, "--out", out)
        assert exported.returncode == 0, exported.stderr
        assert pd.read_csv(out)["sentiment_label"].tolist() == [label_for(t) for t in texts]
    sound(project)


@pytest.mark.slow  # three processes, about 3 s each
def test_a_batch_another_process_is_sending_is_left_to_it(cli, tmp_path):
    with FakeBatchAPI() as fake:
        source, _ = batch_corpus(tmp_path, 3)
        project = tmp_path / "survey.llmstudio"
        fake.hold("create", 1)  # made at the server, its answer not yet given
        sender = subprocess.Popen(
            [sys.executable, "-m", "llmstudio", "annotate"]
            + annotate_batch_args(source, project, fake, PER_FILE),
            cwd=tmp_path,
            env=cli_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert fake.holding.wait(timeout=60)
            status = cli("batch")("status", project)
            assert "1 batch is being sent by a job still running" in status.stderr
            assert "this project has sent no batch" in status.stderr  # not adopted
        finally:
            fake.let_go()
            out, err = sender.communicate(timeout=60)
        assert sender.returncode == 0, err
        after = cli("batch")("status", project)
        assert after.stdout.startswith(out.strip() + "\t")  # stored by the sender itself
        assert "being sent" not in after.stderr and "before llmstudio stopped" not in after.stderr

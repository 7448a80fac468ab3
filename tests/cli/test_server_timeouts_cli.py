"""``llmstudio annotate`` against a server that stops answering or never answers, as users
run it (``python -m llmstudio`` in a subprocess): a stated timeout, a stop with a message
that says so, the time waited shown, the rows answered kept where the same command finds
them again, and no row paid twice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from llmstudio.core.backends.openai_client import (
    DEFAULT_TIMEOUT,
    STOP_AFTER_TIMEOUTS,
    TIMEOUT_ATTEMPTS,
)

from fakes.openai_server import label_for
from fakes.silent_server import SilentServer

STARTS = [
    "I love the new park",
    "I hate the traffic",
    "The bus comes at nine",
    "What a wonderful day",
    "Awful service again",
    "Meeting minutes attached",
]
TEXTS = [f"{STARTS[i % len(STARTS)]}, remark {i}" for i in range(30)]
ANSWERED = 10  # rows the server answers before it hangs


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "texts.csv"
    path.write_text(
        "id,text\n" + "\n".join(f'{i},"{t}"' for i, t in enumerate(TEXTS)) + "\n", encoding="utf-8"
    )
    return path


def last_line(done) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    return done.stderr.strip().splitlines()[-1]


@pytest.mark.slow
@pytest.mark.parametrize("with_project", [False, True], ids=["out-alone", "project"])
def test_a_server_that_hangs_midway_stops_keeps_the_rows_and_no_row_is_paid_twice(
    annotate_cli, source, tmp_path, fake_openai, with_project
):
    fake_openai.add_rule("slow", lambda text: text in TEXTS[ANSWERED:], times=None, seconds=60)
    out, project = tmp_path / "out.csv", tmp_path / "p.llmstudio"
    args = [
        source,
        "--model",
        "openai:m",
        "--base-url",
        fake_openai.url,
        "--concurrency",
        "2",
        "--timeout",
        "0.5",
        "--out",
        out,
    ] + (["--project", project] if with_project else [])
    first, seconds = annotate_cli(*args)
    said = last_line(first)
    assert first.returncode == 1, first.stderr
    assert seconds < 30
    assert said.startswith(
        f"llmstudio: no answer within 0.5 s: the server at "
        f"127.0.0.1:{fake_openai.port} did not answer"
    )
    assert f"each row asked {TIMEOUT_ATTEMPTS} times" in said and "; stopped;" in said
    kept = project if with_project else tmp_path / "out.llmstudio"
    assert f"the {ANSWERED} rows answered are kept in {kept}" in said
    assert said.endswith(
        "(the same command asks only the rest); once the server answers, "
        "the failed rows are asked again"
    )
    if not with_project:
        assert "and written to" in said
    # The partial table: the answered rows labelled, the ones with no answer say why.
    table = pd.read_csv(out)
    assert table["sentiment_label"].iloc[:ANSWERED].tolist() == [
        label_for(t) for t in TEXTS[:ANSWERED]
    ]
    errors = table["sentiment_error"].dropna()
    # The job stops at the third timeout in a row; with two requests at once, the other
    # thread's row may time out in the same moment and is kept, with its reason.
    assert STOP_AFTER_TIMEOUTS <= len(errors) <= STOP_AFTER_TIMEOUTS + 1, errors
    assert errors.str.startswith("no answer within").all()
    hung = [r.text for r in fake_openai.chat_requests() if r.text in TEXTS[ANSWERED:]]
    assert max(hung.count(t) for t in set(hung)) == TIMEOUT_ATTEMPTS  # not six tries
    with sqlite3.connect(kept) as db:
        stored = {
            row for (row,) in db.execute("SELECT row_id FROM annotations WHERE output IS NOT NULL")
        }
    assert stored == set(range(ANSWERED))

    # The server answers again: the same command asks only the rows not answered.
    fake_openai.clear_rules()
    fake_openai.reset()
    again, _ = annotate_cli(*args)
    assert again.returncode == 0, again.stderr
    if not with_project:
        assert f"resuming the unfinished job kept in {kept}" in again.stderr
    asked = [r.text for r in fake_openai.chat_requests()]
    assert sorted(asked) == sorted(TEXTS[ANSWERED:])  # each once, none answered before
    assert pd.read_csv(out)["sentiment_label"].tolist() == [label_for(t) for t in TEXTS]


@pytest.mark.slow
def test_a_server_that_never_answers_says_how_long_it_waits_and_stops(
    annotate_cli, source, tmp_path
):
    out = tmp_path / "out.csv"
    with SilentServer() as silent:
        done, seconds = annotate_cli(
            source, "--model", "openai:m", "--base-url", silent.url, "--timeout", "3", "--out", out
        )
        accepted = silent.accepted
    said = last_line(done)
    assert done.returncode == 1
    # The model list (3 s), then the first row asked twice (2 x 3 s): nothing more.
    assert seconds < 20 and accepted <= 1 + TIMEOUT_ATTEMPTS + 1
    assert said.startswith(
        f"llmstudio: no answer within 3 s: the server at {silent.host} did not answer"
    )
    # Nothing was answered: nothing is said to be kept.
    assert "; stopped; no row was answered, so none is kept; once the server answers" in said
    assert "rows answered are kept" not in done.stderr
    assert not (tmp_path / "out.llmstudio").exists()
    # While it waited, the progress line said for what and how long.
    assert f"waiting for {silent.host} 5 s; 0/30 rows" in done.stderr


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "--timeout is a number of seconds above 0, not 0"),
        ("-5", "--timeout is a number of seconds above 0, not -5"),
        ("nan", "--timeout is a number of seconds above 0, not nan"),
    ],
)
def test_a_timeout_that_is_not_a_positive_number_is_refused(
    annotate_cli, source, value, message, fake_openai
):
    done, _ = annotate_cli(
        source,
        "--model",
        "openai:m",
        "--base-url",
        fake_openai.url,
        "--timeout",
        value,
        "--out",
        "out.csv",
    )
    assert done.returncode == 2 and message in last_line(done)
    assert fake_openai.total == 0


def test_a_timeout_for_a_local_model_is_refused(annotate_cli, source):
    done, _ = annotate_cli(source, "--model", "lexicon", "--timeout", "5", "--out", "out.csv")
    assert done.returncode == 2
    assert "--timeout is for openai: models" in last_line(done)


def test_the_timeout_and_its_default_are_in_the_help_and_the_docs(cli):
    for command in ("annotate", "bias", "replicate", "probe", "runs"):
        shown = " ".join(cli(command)("--help").stdout.split())
        assert (
            f"--timeout SECONDS openai: seconds a request waits for an answer (default "
            f"{DEFAULT_TIMEOUT:g})" in shown
        ), command
    docs = Path(__file__).resolve().parents[2] / "docs" / "models-and-runs.md"
    assert "--timeout SECONDS" in docs.read_text("utf-8")


@pytest.mark.parametrize(
    "out, message, status",
    [
        ("table.sav", "unknown export format '.sav'", 2),
        ("no/such/folder/table.csv", "no folder 'no/such/folder'", 1),
    ],
)
@pytest.mark.parametrize("project_exists", [False, True], ids=["new-project", "old-project"])
def test_a_bad_out_with_project_fails_before_any_request(
    annotate_cli, source, tmp_path, fake_openai, out, message, status, project_exists
):
    project = tmp_path / "p.llmstudio"
    if project_exists:
        made, _ = annotate_cli(source, "--model", "lexicon", "--project", project)
        assert made.returncode == 0, made.stderr
        before = project.read_bytes()
    done, _ = annotate_cli(
        source,
        "--model",
        "openai:m",
        "--base-url",
        fake_openai.url,
        "--project",
        project,
        "--out",
        out,
    )
    assert done.returncode == status, done.stderr
    assert message in last_line(done)
    assert fake_openai.total == 0  # nothing asked, nothing paid
    if project_exists:
        assert project.read_bytes() == before
    else:
        assert not project.exists()


@pytest.mark.slow
def test_a_server_killed_midway_stops_the_job_and_its_restart_is_asked_only_the_rest(
    tmp_path, source
):
    """The server process goes away (connections refused) after some answers, then comes
    back on the same port: the job stops saying where the answered rows are, and the same
    command asks the restarted server only for the rest."""
    import subprocess
    import sys
    import time

    from cli_process import cli_env
    from fakes.openai_server import FakeOpenAI

    out = tmp_path / "out.csv"
    first_server = FakeOpenAI(latency=0.1).start()
    port = first_server.port
    args = [
        sys.executable,
        "-m",
        "llmstudio",
        "annotate",
        str(source),
        "--model",
        "openai:m",
        "--base-url",
        first_server.url,
        "--concurrency",
        "2",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(
        args,
        cwd=tmp_path,
        env=cli_env(tmp_path),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while first_server.total < ANSWERED and time.monotonic() < deadline:
        time.sleep(0.02)
    first_server.stop()
    answered = {r.text for r in first_server.chat_requests() if r.status == 200}
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    said = err.strip().splitlines()[-1]
    assert said.startswith(
        f"llmstudio: connection failed after retries: lost the connection to 127.0.0.1:{port}"
    ), said
    kept = tmp_path / "out.llmstudio"
    assert f"answered are kept in {kept} and written to {out}" in said
    with sqlite3.connect(kept) as db:
        stored = {
            TEXTS[row]
            for (row,) in db.execute("SELECT row_id FROM annotations WHERE output IS NOT NULL")
        }
    # Every answer that came back is stored (an answer lost at the kill was never received).
    assert stored <= answered and len(stored) >= len(answered) - 2

    with FakeOpenAI(port=port) as second_server:
        again = subprocess.run(
            args, cwd=tmp_path, env=cli_env(tmp_path), text=True, capture_output=True, timeout=120
        )
        asked = [r.text for r in second_server.chat_requests()]
    assert again.returncode == 0, again.stderr
    assert sorted(asked) == sorted(set(TEXTS) - stored)  # each once, none stored asked again
    assert pd.read_csv(out)["sentiment_label"].tolist() == [label_for(t) for t in TEXTS]

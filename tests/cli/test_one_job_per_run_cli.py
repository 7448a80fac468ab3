"""Two ``annotate`` processes on one project never pay twice (issue 14, item 9): the
second is refused, naming the first (pid, since when, which run) and how to go on; a
claim left by a killed process does not block the next run, which asks only the rows
the killed one did not store."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from llmstudio.cli.exit_codes import ERROR

from cli_process import cli_env

ROWS = 40
TEXTS = [f"remark {i} is {'good' if i % 2 else 'bad'}" for i in range(ROWS)]


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,text\n" + "\n".join(f"{i},{t}" for i, t in enumerate(TEXTS)) + "\n")
    return path


def start(tmp_path, source, url) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llmstudio",
            "annotate",
            str(source),
            "--model",
            "openai:m",
            "--base-url",
            url,
            "--project",
            "p.llmstudio",
            "--concurrency",
            "1",
        ],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def wait_for_requests(fake, n: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while fake.total < n:
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "no request came"
        time.sleep(0.05)


def stored_rows(path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT COUNT(*) FROM annotations WHERE retryable = 0").fetchone()[0]
    finally:
        db.close()


@pytest.mark.slow
def test_a_second_process_on_the_same_run_is_refused_and_nothing_is_paid_twice(
    tmp_path, source, fake_openai
):
    fake_openai.latency = 0.5  # the first job is still running when the second starts
    first = start(tmp_path, source, fake_openai.url)
    try:
        wait_for_requests(fake_openai, 1, first)
        second = start(tmp_path, source, fake_openai.url)
        _, err = second.communicate(timeout=120)
        fake_openai.latency = 0.0  # now let the first finish
        out1, err1 = first.communicate(timeout=120)
    finally:
        for process in (first, locals().get("second")):
            if process is not None and process.poll() is None:
                process.kill()
    assert second.returncode == ERROR, err
    assert "Traceback" not in err and "internal error" not in err
    assert (
        f"run 1 of p.llmstudio (sentiment with the same model and settings) is being "
        f"filled by another llmstudio process (pid {first.pid}), since "
    ) in err, err
    assert "nothing was sent" in err and f"or kill {first.pid}" in err
    assert "rows it finished are kept and not asked again" in err
    assert first.returncode == 0, err1
    # Every row asked exactly once, in all: no row paid twice.
    assert fake_openai.total == ROWS and set(fake_openai.counts.values()) == {1}
    assert stored_rows(tmp_path / "p.llmstudio") == ROWS
    # Once the first is done, the same command runs and asks nothing.
    again = start(tmp_path, source, fake_openai.url)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert fake_openai.total == ROWS


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_killed_process_does_not_block_the_run_and_its_rows_are_not_asked_again(
    tmp_path, source, fake_openai
):
    fake_openai.latency = 0.05
    first = start(tmp_path, source, fake_openai.url)
    try:
        wait_for_requests(fake_openai, ROWS // 2, first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)
    project = tmp_path / "p.llmstudio"
    kept = stored_rows(project)
    assert 0 < kept < ROWS
    asked_before = fake_openai.total
    fake_openai.latency = 0.0
    second = start(tmp_path, source, fake_openai.url)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "being filled" not in err
    assert stored_rows(project) == ROWS
    # Only the rows the killed process had not stored are asked again.
    assert fake_openai.total - asked_before == ROWS - kept


@pytest.mark.slow
def test_two_processes_started_together_on_a_new_project_pay_each_row_once(
    tmp_path, source, fake_openai
):
    """Both find no project and make one: the second keeps the first's (never replaces it
    nor removes its live log, which once let both fill their own run 1: 2x the requests)."""
    fake_openai.latency = 0.1
    both = [start(tmp_path, source, fake_openai.url) for _ in range(2)]
    errs = [process.communicate(timeout=120)[1] for process in both]
    assert fake_openai.total == ROWS and set(fake_openai.counts.values()) == {1}, errs
    assert stored_rows(tmp_path / "p.llmstudio") == ROWS
    for process, err in zip(both, errs):
        # Refused when the other held the run; else it found the rows done (or did them).
        assert process.returncode == 0 or (
            process.returncode == ERROR and "is being filled by another" in err
        ), err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

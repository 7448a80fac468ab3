"""The window and the CLI on one project at once (issue 14, item 9): while an
``annotate`` process fills a run, the same job started in the window is refused before
anything is sent, with the same message as the CLI's, in the Jobs panel and a message
box; once that process is done, Resume in the Jobs panel runs and asks nothing again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from llmstudio.gui.runs.jobs_panel import STATUS, bar_value

from helpers.gui import api_spec, consent, make_project, open_project, sample_frame, wait_job

ROWS = 30
REPO = Path(__file__).resolve().parents[2]


def cli_env() -> dict[str, str]:
    """The CLI as a user runs it from this checkout, with no key of the machine's."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@pytest.fixture
def fake_openai():
    """The fake named by 127.0.0.1, not by the GUI tests' host name: the CLI in another
    process must reach it too (a server on this computer, so no consent is asked)."""
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


@pytest.mark.slow
def test_a_run_the_cli_is_filling_is_refused_in_the_window(
    qtbot, window, tmp_path, fake_openai, monkeypatch
):
    path = make_project(tmp_path / "both.llmstudio", sample_frame().head(ROWS))
    open_project(qtbot, window, path)
    consent(monkeypatch, QDialog.DialogCode.Accepted)
    fake_openai.latency = 0.4  # the CLI job is still running when the window's starts
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llmstudio",
            "annotate",
            str(path),
            "--model",
            "openai:fake",
            "--base-url",
            fake_openai.url,
            "--concurrency",
            "1",
        ],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while fake_openai.total < 1:
            assert cli.poll() is None, cli.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        job = window.runs.run(api_spec(fake_openai, concurrency=1))
        qtbot.waitUntil(lambda: not job.running and job.state.status == "failed", timeout=30_000)
        status = window.runs.panel.cell_text(job, STATUS)
        # The run first: the cell's start says which, and the whole is in its tooltip.
        assert status.startswith(
            "Failed: run 1 of both.llmstudio (sentiment with the same "
            "model and settings) is being filled by another"
        )
        assert bar_value(job) == (0, 1, "not started")  # not "loading…" forever
        assert f"is being filled by another llmstudio process (pid {cli.pid}), since " in status, (
            status
        )
        assert "nothing was sent" in status
        box = window.runs.busy_box
        assert box is not None and box.isVisible()
        assert box.text() == job.state.message and f"or kill {cli.pid}" in box.text()
        box.grab().save(str(tmp_path / "busy_box.png"))
        window.grab().save(str(tmp_path / "busy_window.png"))
        box.button(QMessageBox.StandardButton.Ok).click()
        fake_openai.latency = 0.0
        _, err = cli.communicate(timeout=120)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 0, err
    assert fake_openai.total == ROWS and set(fake_openai.counts.values()) == {1}
    # The CLI is done: Resume runs the job, which finds every row answered.
    window.runs.panel.button(job).click()
    wait_job(qtbot, job)
    assert job.state.status == "done" and fake_openai.total == ROWS

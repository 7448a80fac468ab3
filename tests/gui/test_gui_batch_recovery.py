"""A batch run killed while it sent (a real ``annotate --batch`` process SIGKILLed, the fake
Batch API holding its answer): a new window on the project settles what it left in the
Jobs panel's "Batches at the server": the batch the server made is shown and followed,
one never made is said to be so, and the project's history keeps both."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llmstudio.core.project import Project
from llmstudio.gui.runs.batch_jobs import BATCH

from fakes.batch_server import FakeBatchAPI
from helpers.gui import open_project
from helpers.killed_batch import annotate_batch_args, batch_corpus, kill_while_sending

REPO = Path(__file__).resolve().parents[2]


def killed(tmp_path, fake, step: str, nth: int) -> Path:
    """The project a batch run left when killed at the ``nth`` ``step``."""
    source, _ = batch_corpus(tmp_path, 6)
    project = tmp_path / "survey.llmstudio"
    env = dict(
        {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")},
        LLMSTUDIO_CONFIG_DIR=str(tmp_path / "config"),
        PYTHONPATH=str(REPO),
    )
    args = annotate_batch_args(source, project, fake, 3)  # two files of 3
    kill_while_sending(args, fake, step, nth, env, tmp_path)
    return project


def shown_batches(window) -> list[str]:
    table = window.runs.batches.box.table
    return [table.item(r, BATCH).text() for r in range(table.rowCount())]


@pytest.mark.slow  # a killed process first: about 3 s
def test_a_new_window_shows_the_batch_found_at_the_server(qtbot, new_window, tmp_path):
    with FakeBatchAPI() as fake:
        path = killed(tmp_path, fake, "create", 2)
        made = list(fake.batches)
        window = new_window()
        open_project(qtbot, window, path)
        box = window.runs.batches.box
        qtbot.waitUntil(lambda: "before llmstudio stopped" in box.note.text(), timeout=20_000)
        qtbot.waitUntil(lambda: shown_batches(window) == made, timeout=20_000)
        assert box.isVisible() and box.title.text() == "Batches at the server: 2 waiting"
        assert f"Run 1: batch {made[1]} (3 requests) was created at the server" in box.note.text()
        window.grab().save(str(tmp_path / "batch21b_recovered.png"))
    with Project.open(path) as project:
        assert any("before llmstudio stopped" in d for _, _, d in project.history())


@pytest.mark.slow  # a killed process first: about 3 s
def test_a_new_window_says_a_batch_was_never_made(qtbot, new_window, tmp_path):
    with FakeBatchAPI() as fake:
        path = killed(tmp_path, fake, "upload", 1)  # nothing made at the server
        window = new_window()
        open_project(qtbot, window, path)
        box = window.runs.batches.box
        qtbot.waitUntil(lambda: "never created" in box.note.text(), timeout=20_000)
        assert box.isVisible() and shown_batches(window) == []
        assert "its uploaded file file-1 was deleted at the server" in box.note.text()
        assert not [f for f in fake.files.values() if f["purpose"] == "batch"]
        # its rows were never sent: the run is offered to resume (none of its batches waits)
        qtbot.waitUntil(lambda: window.interrupted_bar.isVisible(), timeout=20_000)
        window.grab().save(str(tmp_path / "batch21b_never_made.png"))

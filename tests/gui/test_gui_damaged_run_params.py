"""A project whose run parameters are damaged (not JSON, or JSON of another shape) opens
in the window with a message naming the run, never an internal error."""

from __future__ import annotations

import sqlite3

import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask


@pytest.mark.parametrize("params", ["{not json", '["sentiment"]'])
def test_a_damaged_run_is_named_when_the_project_opens(qtbot, window, tmp_path, params):
    (tmp_path / "t.csv").write_text("text\ngood\nbad\n")
    path = tmp_path / "p.llmstudio"
    with Project.create(path, read_table(tmp_path / "t.csv")) as project:
        backend = make_backend("lexicon")
        run_job(project, SentimentTask(), backend)
        backend.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET params = ?", (params,))
    db.commit()
    db.close()
    with qtbot.waitSignal(window.sig_error, timeout=20_000) as error:
        window.open_path(path)
    [said] = error.args
    assert said.startswith(
        f"{path}: the project file is damaged (run 1: its parameters are not "
    ), said
    assert window.project is None  # nothing half-shown
    window.grab().save(str(tmp_path / "damaged.png"))

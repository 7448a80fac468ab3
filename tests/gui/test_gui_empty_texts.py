"""Rows with no text in the window: a lexicon run leaves them without a label, the detail
pane says why (not "failed"), the Jobs panel does not count them as failed, and the run
is complete."""

from __future__ import annotations

import pandas as pd

from llmstudio.core.empty_texts import EMPTY_TEXT
from llmstudio.core.project import Project
from llmstudio.core.runs import COMPLETE, run_info
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.jobs_panel import ROWS, STATUS

from helpers.gui import make_project, open_project, wait_job


def test_empty_rows_show_no_label_with_the_reason(qtbot, window, tmp_path):
    frame = pd.DataFrame(
        {"id": [1, 2, 3, 4], "text": ["I love this wonderful park", "   ", "", "awful buses"]}
    )
    path = make_project(tmp_path / "survey.llmstudio", frame)
    open_project(qtbot, window, path)
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    panel = window.runs.panel
    assert panel.cell_text(job, ROWS) == "4 / 4"
    assert panel.cell_text(job, STATUS) == "Done; 2 empty texts (no label)"
    labels = list(window.model.result("sentiment_label"))
    assert labels[0] == "positive" and labels[3] == "negative"
    assert all(v is None or pd.isna(v) for v in labels[1:3])

    window.goto_row(1)
    shown = window.detail.results_text()
    assert f"no label ({EMPTY_TEXT})" in shown and "failed" not in shown
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "empty_row.png"))
    window.goto_row(0)
    assert "positive" in window.detail.results_text()
    with Project.open(path) as project:
        assert run_info(project, job.result.run_id).state == COMPLETE

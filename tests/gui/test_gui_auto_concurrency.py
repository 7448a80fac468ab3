"""Auto concurrency in the window: the run dialog's Auto box, and the Jobs panel saying
the requests at once while the job runs and what they settled on at its end (a real job
against the fake server on 127.0.0.1)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from llmstudio.core.run_concurrency import settled_of
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.jobs_panel import SPEED, STATUS
from llmstudio.gui.runs.run_dialog import RunDialog

from fakes.openai_server import FakeOpenAI
from helpers.gui import consent, make_project, open_project, sample_frame, wait_job


def test_the_auto_box_makes_the_number_a_maximum(qtbot, tmp_path):
    run = RunDialog("text", 10)
    qtbot.addWidget(run)
    run.set_model("openai:llama3.2", "http://localhost:11434/v1")
    field = run.concurrency
    assert field.isVisibleTo(run)
    field.number.setValue(12)
    assert run.spec().concurrency == 12
    field.auto.setChecked(True)
    assert field.number.value() == 64  # the default most at once under Auto
    assert run.spec().concurrency == "auto:64"
    field.number.setValue(24)
    assert run.spec().concurrency == "auto:24"
    field.auto.setChecked(False)
    assert run.spec().concurrency == 12  # the fixed number comes back
    field.auto.setChecked(True)
    run.show()
    run.grab().save(str(tmp_path / "conc21_run_dialog.png"))


def test_the_jobs_panel_says_what_auto_settled_on(qtbot, window, tmp_path, monkeypatch):
    path = make_project(tmp_path / "auto.llmstudio", sample_frame().head(60))
    open_project(qtbot, window, path)
    consent(monkeypatch, QDialog.DialogCode.Accepted)
    with FakeOpenAI(latency=0.02, knee=4) as fake:
        spec = JobSpec(model="openai:fake", base_url=fake.url, concurrency="auto:16")
        job = window.runs.run(spec)
        panel = window.runs.panel
        # Said while it runs: the requests at once of the moment.
        qtbot.waitUntil(lambda: panel.cell_text(job, SPEED).endswith(" at once"), timeout=30_000)
        wait_job(qtbot, job)
        most = fake.max_in_flight
    assert job.state.status == "done"
    assert most <= 16
    settled = settled_of(window.project.db, job.result.run_id)
    assert settled is not None
    assert settled.describe() in panel.cell_text(job, STATUS)
    assert "at once" not in panel.cell_text(job, SPEED)  # the status says it now
    window.resize(1200, 800)
    panel.grab().save(str(tmp_path / "conc21_jobs_panel.png"))

"""Projects opened in the real window, model jobs waited for, dialogs answered at once:
shared by the GUI tests."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QDialog

from llmstudio.core.backends import make_backend
from llmstudio.core.bias.counterfactual import counterfactual_project, run_counterfactual
from llmstudio.core.bias.swaps import load_swaps
from llmstudio.core.corpus import read_table
from llmstudio.core.paths import sample_corpus
from llmstudio.core.project import Project
from llmstudio.core.tasks.build import TaskOptions, make_task
from llmstudio.gui.common.consent_dialog import ConsentDialog
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.run_dialog import RunDialog

LABELS = {"positive", "negative", "neutral"}


RESULTS = [
    "sentiment_label",
    "sentiment_score",
    "sentiment_valence",
    "sentiment_chunks",
    "sentiment_error",
]


def make_project(path, frame: pd.DataFrame | None = None):
    """A project file from the sample corpus (or ``frame`` written as CSV beside it)."""
    source = sample_corpus()
    if frame is not None:
        source = path.with_suffix(".csv")
        frame.to_csv(source, index=False)
    Project.create(path, read_table(source)).close()
    return path


def sample_frame() -> pd.DataFrame:
    return read_table(sample_corpus()).frame


def bigger_frame(copies: int) -> pd.DataFrame:
    """The sample ``copies`` times, each text made distinct (one cached answer per text
    otherwise, and nothing left to compute)."""
    base = sample_frame()
    parts = []
    for k in range(copies):
        part = base.copy()
        part["text"] = part["text"] + f" (copy {k})"
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def open_project(qtbot, window, path):
    with qtbot.waitSignal(window.sig_loaded, timeout=20_000):
        window.open_path(path)


def wait_job(qtbot, job, timeout=60_000):
    qtbot.waitUntil(
        lambda: not job.running and job.state.status in ("done", "cancelled", "failed"),
        timeout=timeout,
    )
    assert job.state.status != "failed", job.state.message


def answer_run_dialog(monkeypatch, model="lexicon", labels=None, base_url=""):
    """The run dialog answers at once with this model (its real widgets are filled)."""

    def exec_(dialog):
        dialog.set_model(model, base_url)
        if labels is not None:
            dialog.labels.setText(labels)
        assert not dialog.problem()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(RunDialog, "exec", exec_)


def api_spec(fake, concurrency: int = 4) -> JobSpec:
    return JobSpec(model="openai:fake", base_url=fake.url, concurrency=concurrency)


def consent(monkeypatch, answer=QDialog.DialogCode.Accepted) -> list[str]:
    """Answer the consent dialog at once; the dialogs shown are returned in a list."""
    shown = []

    def exec_(dialog):
        shown.append(dialog.text.text())
        return answer

    monkeypatch.setattr(ConsentDialog, "exec", exec_)
    return shown


def core_result(window, tmp_path, swaps="gender"):
    """The same check through the core alone, on a copy of the project's corpus."""
    corpus = Project.open(window.project.path)
    try:
        frame = corpus.corpus()
    finally:
        corpus.close()
    lst = load_swaps(swaps)
    project, swapped = counterfactual_project(
        tmp_path / "core.llmstudio", frame, frame.text_column, lst
    )
    try:
        return run_counterfactual(
            project,
            make_task(TaskOptions(task="sentiment", scale="3")),
            make_backend("lexicon"),
            lst,
            swapped,
        )
    finally:
        project.close()


def wait_for_charts(qtbot, window, timeout: int = 20_000) -> None:
    """Until the Charts dock has drawn what it was asked (its numbers are worked out in
    the background: a test ending before would let them land in a closed window)."""
    charts = window.charts
    if charts._panel is None:
        return
    panel = charts.panel()
    qtbot.waitUntil(lambda: not panel.pending and not panel._timer.isActive(), timeout=timeout)

"""An API run from the window on a corpus with repeated texts: the consent dialog counts
requests, not rows, and each distinct text is sent once (fake server, real worker)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QDialog
from test_gui_jobs import make_project, open_project, wait_job

from llmstudio.gui.common.consent_dialog import ConsentDialog
from llmstudio.gui.runs.jobs import JobSpec

from fakes.openai_server import label_for

TEXTS = [
    "no",
    "I love the new park",
    "no",
    "RT awful service",
    "no",
    "RT awful service",
    "the bus comes at nine",
    "no",
    "yes",
    "no",
]


def test_consent_counts_distinct_texts_and_each_is_sent_once(
    qtbot, window, tmp_path, fake_openai, monkeypatch
):
    path = make_project(
        tmp_path / "survey.llmstudio", pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS})
    )
    open_project(qtbot, window, path)
    shown = []

    def exec_(dialog):
        shown.append(dialog.text.text())
        dialog.grab().save(str(tmp_path / "consent.png"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConsentDialog, "exec", exec_)
    fake_openai.latency = 0.05
    job = window.runs.run(JobSpec(model="openai:fake", base_url=fake_openai.url, concurrency=4))
    wait_job(qtbot, job)
    [text] = shown
    assert "of up to <b>10</b> rows" in text
    assert "5 requests (5 rows with the same text as an earlier row: sent once)" in text
    assert fake_openai.total == 5 and set(fake_openai.counts.values()) == {1}
    assert list(window.model.result("sentiment_label")) == [label_for(t) for t in TEXTS]

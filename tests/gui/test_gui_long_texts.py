"""Long texts in the window: the run dialog warns before running (counted in the
background) and offers split or truncate; the Jobs panel says how many rows were split."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from PySide6.QtWidgets import QApplication

from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.jobs_panel import status_text
from llmstudio.gui.runs.run_dialog import RunDialog

BODY = " ".join(
    [
        "The new community centre opened last spring and I have been going there "
        "most weeks. The building is large, with a hall, a small library, a cafe and "
        "rooms that groups can book. Parking is limited but the bus stops right "
        "outside. Staff run classes for children in the afternoons."
    ]
    * 10
)
FRAME = pd.DataFrame(
    {"id": [1, 2, 3], "text": [BODY + " I hate it.", BODY + " I love it.", "A short one."]}
)


def test_run_dialog_warns_of_long_texts_without_freezing(qtbot, tmp_path):
    started = time.monotonic()
    dialog = RunDialog("text", len(FRAME), frame=FRAME)
    qtbot.addWidget(dialog)
    dialog.set_model("builtin")
    dialog.show()
    # The dialog is up before the model is loaded and the texts are counted.
    assert "Checking the texts' lengths" in dialog.length_note.text()
    assert time.monotonic() - started < 5
    qtbot.waitUntil(lambda: "longer than" in dialog.length_note.text(), timeout=120_000)
    note = dialog.length_note.text()
    assert (
        "2 texts are longer than this model reads at once (254 tokens): they will be "
        "split into chunks"
    ) in note
    assert dialog.spec().task().long_texts == "split"
    dialog.resize(700, dialog.sizeHint().height())
    QApplication.processEvents()
    dialog.grab().save(str(tmp_path / "chunks_run_dialog_split.png"))

    dialog.long_texts.setCurrentIndex(dialog.long_texts.findData("truncate"))
    assert "they will be truncated" in dialog.length_note.text()  # no recount needed
    assert "sentiment_truncated marks them" in dialog.length_note.text()
    assert dialog.spec().task().long_texts == "truncate"
    dialog.resize(700, dialog.sizeHint().height())
    QApplication.processEvents()
    dialog.grab().save(str(tmp_path / "chunks_run_dialog.png"))

    assert "The run sends 3 rows to the model: about " in note
    # Another model: counted again; the lexicon reads any length: no warning, only what
    # the run sends.
    dialog.set_model("lexicon")
    qtbot.waitUntil(lambda: "longer than" not in dialog.length_note.text(), timeout=60_000)
    qtbot.waitUntil(lambda: "The run sends 3 rows" in dialog.length_note.text(), timeout=60_000)


def test_a_free_prompt_over_the_limit_is_warned_as_failing(qtbot, tiny_lm):
    dialog = RunDialog("text", len(FRAME), frame=FRAME)
    qtbot.addWidget(dialog)
    dialog.set_task("prompt")
    dialog.template.setPlainText("Summarise: {text}")
    dialog.set_model(f"hf:{tiny_lm}")
    qtbot.waitUntil(lambda: "longer than" in dialog.length_note.text(), timeout=60_000)
    assert "cannot be combined across chunks" in dialog.length_note.text()


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    import models  # tests/ is on sys.path

    return models.build_causal_lm(tmp_path_factory.mktemp("lm") / "lm")


@pytest.fixture(scope="module")
def small_classifier(tmp_path_factory):
    import models

    return models.build_classifier(
        tmp_path_factory.mktemp("clf") / "clf", ["NEGATIVE", "POSITIVE"], max_positions=40
    )


def test_jobs_panel_says_how_many_rows_were_split(qtbot, window, tmp_path, small_classifier):
    from helpers.gui import make_project, open_project, wait_job

    path = make_project(tmp_path / "long.llmstudio", FRAME)
    open_project(qtbot, window, path)
    job = window.runs.run(JobSpec(model=f"hf:{small_classifier}", text_column="text"))
    wait_job(qtbot, job)
    assert job.result.chunked == 2
    assert status_text(job) == "Done; 2 long texts split into chunks"
    assert window.model.result("sentiment_chunks")[2] == 1
    chunks = int(window.model.result("sentiment_chunks")[0])
    assert chunks > 1
    # The detail pane names the chunks where the text was split, and only there.
    window.goto_row(0)
    assert window.detail.results_text().endswith(f"· chunks {chunks}")
    window.goto_row(2)
    assert "chunks" not in window.detail.results_text()
    window.resize(1000, 600)
    QApplication.processEvents()
    window.grab().save(str(tmp_path / "chunks_window_after_job.png"))

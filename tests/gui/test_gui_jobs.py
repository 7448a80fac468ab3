"""Model runs in the window with local models: real widgets, real worker threads, the real
lexicon (VADER) and builtin (MiniLM) backends, projects on disk."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import SentimentTask
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.jobs_panel import ROWS, STATUS
from llmstudio.gui.runs.run_dialog import RunDialog

from helpers.gui import (
    LABELS,
    RESULTS,
    answer_run_dialog,
    bigger_frame,
    make_project,
    open_project,
    sample_frame,
    wait_job,
)


@pytest.fixture
def sample_project(tmp_path):
    return make_project(tmp_path / "sample.llmstudio")


def test_lexicon_job_from_the_menu_fills_the_table_and_the_jobs_panel(
    qtbot, window, sample_project, monkeypatch
):
    open_project(qtbot, window, sample_project)
    answer_run_dialog(monkeypatch, "lexicon")
    assert window.runs.act_run.isEnabled() and window.runs.act_run.shortcut().toString() == "Ctrl+R"
    window.runs.act_run.trigger()
    [job] = window.runs.jobs
    wait_job(qtbot, job)
    panel = window.runs.panel
    assert panel.isVisible()
    assert panel.cell_text(job, ROWS) == "300 / 300"
    assert panel.cell_text(job, STATUS) == "Done"
    assert not panel.button(job).isVisible()  # nothing to cancel or resume
    model = window.model
    assert model.result_names == RESULTS
    first = len(window.corpus.frame.columns)
    assert [
        model.headerData(first + i, Qt.Orientation.Horizontal) for i in range(len(RESULTS))
    ] == RESULTS
    labels = {model.data(model.index(r, first)) for r in range(model.rowCount())}
    assert labels <= LABELS and len(labels) == 3
    score = model.data(model.index(0, first + 1))
    assert len(score.split(".")[1]) == 3 and 0 <= float(score) <= 1  # shown as 0.667
    assert "Lexicon VADER" in model.headerData(
        first, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    # The table shows exactly what the project holds.
    with Project.open(sample_project) as project:
        stored = run_results(project, job.result.run_id)
    assert list(model.result("sentiment_label")) == list(stored["sentiment_label"])


def test_results_arrive_in_batches_and_the_window_stays_responsive(qtbot, window, tmp_path):
    rows = 3000
    path = make_project(tmp_path / "big.llmstudio", bigger_frame(rows // 300))
    open_project(qtbot, window, path)
    filled_at_updates, changes = [], []
    model = window.model
    model.dataChanged.connect(
        lambda *_: filled_at_updates.append(
            sum(v is not None for v in model.result("sentiment_label"))
        )
    )
    # How long the GUI thread pauses during a job is measured in
    # benchmarks/gui_responsiveness.py, not asserted here (it depends on the machine's load).
    job = window.runs.run(JobSpec(model="lexicon"))
    job.sig_changed.connect(lambda: changes.append(1))
    wait_job(qtbot, job)
    assert window.runs.panel.cell_text(job, ROWS) == f"{rows:,} / {rows:,}"
    # Many partial updates, each a batch: never one signal per row.
    partial = [n for n in filled_at_updates if 0 < n < rows]
    assert len(partial) >= 5 and filled_at_updates[-1] == rows
    assert len(changes) < rows / 50


def test_builtin_minilm_job(qtbot, window, tmp_path):
    path = make_project(tmp_path / "forty.llmstudio", sample_frame().head(40))
    open_project(qtbot, window, path)
    job = window.runs.run(JobSpec(model="builtin"))
    wait_job(qtbot, job, timeout=180_000)
    assert window.runs.panel.cell_text(job, ROWS) == "40 / 40"
    labels = window.model.result("sentiment_label")
    assert set(labels) <= LABELS and len(labels) == 40
    scores = window.model.result("sentiment_score").astype(float)
    assert ((scores > 0) & (scores <= 1)).all()


def test_opening_a_project_with_runs_shows_its_latest_results(qtbot, window, sample_project):
    with Project.open(sample_project) as project:
        result = run_job(project, SentimentTask(), LexiconBackend())
        stored = run_results(project, result.run_id)
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        window.open_path(sample_project)
    assert window.model.result_names == RESULTS
    assert list(window.model.result("sentiment_label")) == list(stored["sentiment_label"])
    assert not window.runs.jobs  # nothing was run again


def test_export_has_the_result_columns_after_the_original_ones(
    qtbot, window, sample_project, tmp_path
):
    open_project(qtbot, window, sample_project)
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    out = tmp_path / "annotated.csv"
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.export_to(out)
    back = read_table(out).frame
    original = list(window.corpus.frame.columns)
    assert list(back.columns) == original + RESULTS
    assert list(back["sentiment_label"]) == list(window.model.result("sentiment_label"))
    assert (back["sentiment_error"].fillna("") == "").all()  # no row failed


def test_row_errors_are_listed_and_a_double_click_shows_the_row(
    qtbot, window, sample_project, monkeypatch
):
    open_project(qtbot, window, sample_project)
    # Without "neutral" in the label set, VADER's neutral texts are that row's error.
    answer_run_dialog(monkeypatch, "lexicon", labels="positive, negative")
    window.runs.ask_run()
    [job] = window.runs.jobs
    wait_job(qtbot, job)
    panel = window.runs.panel
    failed = job.state.errors
    assert failed and panel.errors.count() == len(failed)
    assert panel.cell_text(job, STATUS) == f"Done, {len(failed)} row(s) failed"
    listed = [
        panel.errors.item(i).data(Qt.ItemDataRole.UserRole) for i in range(panel.errors.count())
    ]
    assert listed == sorted(r for r, _ in failed)  # in the table's order
    row_id, message = listed[-1], dict(failed)[listed[-1]]
    assert "not in the label set" in message
    assert window.model.result("sentiment_error")[row_id] == message
    item = panel.errors.item(len(listed) - 1)
    assert item.text() == f"Row {row_id + 1}: {message}"
    panel.errors.scrollToItem(item)
    where = panel.errors.visualItemRect(item).center()
    # A real double-click: press and release, then the double-click event.
    qtbot.mouseClick(panel.errors.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(panel.errors.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert window.model.row_id(window.table.currentIndex().row()) == row_id


def test_sorting_by_a_result_column(qtbot, window, sample_project):
    open_project(qtbot, window, sample_project)
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    column = window.model.columnCount() - 2  # sentiment_score
    with qtbot.waitSignal(window.sig_order_changed, timeout=10_000):
        window.table.horizontalHeader().setSortIndicator(column, Qt.SortOrder.DescendingOrder)
    shown = [
        float(window.model.data(window.model.index(r, column)))
        for r in range(window.model.rowCount())
    ]
    assert shown == sorted(shown, reverse=True)


def test_a_corpus_outside_a_project_is_saved_as_one_first(
    qtbot, window, open_file, tmp_path, monkeypatch
):
    csv = tmp_path / "answers.csv"
    sample_frame().head(30).to_csv(csv, index=False)
    open_file(csv)
    target = tmp_path / "answers.llmstudio"
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes,
    )
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    answer_run_dialog(monkeypatch, "lexicon")
    window.runs.ask_run()
    assert "project" in asked[0]
    qtbot.waitUntil(lambda: len(window.runs.jobs) == 1, timeout=20_000)
    wait_job(qtbot, window.runs.jobs[0])
    assert window.project.path == target
    assert window.model.result("sentiment_label")[0] in LABELS


def test_declining_to_save_starts_nothing(qtbot, window, open_file, small_csv, monkeypatch):
    open_file(small_csv)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    monkeypatch.setattr(RunDialog, "exec", lambda self: pytest.fail("no dialog without a project"))
    window.runs.ask_run()
    assert not window.runs.jobs and window.project is None


def test_result_columns_are_in_view_and_the_empty_error_column_hidden(
    qtbot, window, sample_project
):
    open_project(qtbot, window, sample_project)
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    model, table = window.model, window.table
    errors = model.column_index("sentiment_error")
    assert table.isColumnHidden(errors)  # nothing failed: no empty column
    header = table.horizontalHeader()
    for name in ("sentiment_label", "sentiment_score"):
        column = model.column_index(name)
        left = header.sectionViewportPosition(column)
        assert 0 <= left and left + header.sectionSize(column) <= table.viewport().width()


def test_a_failed_row_shows_the_error_column(qtbot, window, sample_project):
    open_project(qtbot, window, sample_project)
    job = window.runs.run(JobSpec(model="lexicon", labels=("positive", "negative")))
    wait_job(qtbot, job)
    errors = window.model.column_index("sentiment_error")
    assert not window.table.isColumnHidden(errors)
    header = window.table.horizontalHeader()
    assert (
        header.sectionViewportPosition(errors) + header.sectionSize(errors)
        <= window.table.viewport().width()
    )


def test_text_cells_stay_left_aligned_beside_numbers(qtbot, window, sample_project):
    """Qt hands the model reused role slots (multiData): a number's right alignment must
    not carry over to the text painted next."""
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    open_project(qtbot, window, sample_project)
    wait_job(qtbot, window.runs.run(JobSpec(model="lexicon")))
    model, delegate = window.model, QStyledItemDelegate()
    score, text = model.column_index("sentiment_score"), model.column_index("text")
    aligned = {}
    for column in (score, text, score, text):
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, model.index(0, column))
        aligned[column] = bool(option.displayAlignment & Qt.AlignmentFlag.AlignRight)
    assert aligned == {score: True, text: False}


def test_a_model_that_cannot_load_fails_with_its_reason(qtbot, window, sample_project, tmp_path):
    open_project(qtbot, window, sample_project)
    job = window.runs.run(JobSpec(model=f"hf:{tmp_path / 'no-such-model'}"))
    qtbot.waitUntil(lambda: not job.running and job.state.status == "failed", timeout=60_000)
    panel = window.runs.panel
    assert panel.cell_text(job, STATUS).startswith("Failed: ")
    assert "no-such-model" in panel.cell_text(job, STATUS)
    assert panel.button(job).text() == "Resume" and panel.button(job).isVisible()


def test_a_corpus_that_already_has_result_columns_keeps_them(qtbot, window, tmp_path):
    """An exported table opened again and run again: both sets of columns, named apart."""
    frame = sample_frame().head(20)
    frame["sentiment_label"] = "from an earlier study"
    path = make_project(tmp_path / "again.llmstudio", frame)
    open_project(qtbot, window, path)
    wait_job(qtbot, window.runs.run(JobSpec(model="lexicon")))
    assert window.model.result_names == [
        "sentiment_label_2",
        "sentiment_score",
        "sentiment_valence",
        "sentiment_chunks",
        "sentiment_error",
    ]
    assert set(window.model.result("sentiment_label_2")) <= LABELS
    out = tmp_path / "again.csv"
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.export_to(out)
    back = read_table(out).frame
    assert (back["sentiment_label"] == "from an earlier study").all()
    assert list(back.columns[-5:]) == [
        "sentiment_label_2",
        "sentiment_score",
        "sentiment_valence",
        "sentiment_chunks",
        "sentiment_error",
    ]

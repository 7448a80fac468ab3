"""Model results outside the table: the status bar counts the result columns and names
the runs that made them; the detail pane shows the selected row's results below its text,
live while a job fills them. Real widgets, the real lexicon (VADER) backend."""

from __future__ import annotations

from PySide6.QtGui import QImage

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask
from llmstudio.gui.runs.jobs import JobSpec

from helpers.gui import LABELS, bigger_frame, make_project, open_project, sample_frame, wait_job

CORPUS = "300 rows · 7 columns"


def expected_line(window, row_id: int, run_id: int) -> str:
    label = window.model.result("sentiment_label")[row_id]
    score = window.model.result("sentiment_score")[row_id]
    return f"sentiment (lexicon, run {run_id}): {label} · score {score:.3f}"


def test_status_bar_counts_result_columns_and_names_the_run(
    qtbot, window, tmp_path, open_file, small_csv
):
    path = make_project(tmp_path / "sample.llmstudio")
    open_project(qtbot, window, path)
    assert window.rows_label.text() == CORPUS
    job = window.runs.run(JobSpec(model="lexicon"))
    # The columns are there (empty) at once; the run is not in the project yet.
    assert (
        window.rows_label.text() == f"{CORPUS} + 2 result columns (sentiment with lexicon, running)"
    )
    wait_job(qtbot, job)
    run = job.result.run_id
    assert (
        window.rows_label.text()
        == f"{CORPUS} + 2 result columns (run {run}: sentiment with lexicon)"
    )
    assert window.rows_label.toolTip() == window.rows_label.text()
    # A search keeps the result part.
    window.search_bar.edit.setText("buses")
    with qtbot.waitSignal(window.sig_order_changed, timeout=10_000):
        window.search_bar.edit.returnPressed.emit()
    assert window.rows_label.text().startswith("showing ")
    assert window.rows_label.text().endswith(
        f"of 300 rows · 7 columns + 2 result columns (run {run}: sentiment with lexicon)"
    )
    # Another corpus: its results (none) and nothing of the last one's.
    window.search_bar.edit.clear()
    open_file(small_csv)
    assert window.rows_label.text() == "5 rows · 4 columns"


def test_status_bar_counts_the_error_column_once_a_row_failed(qtbot, window, tmp_path):
    path = make_project(tmp_path / "sample.llmstudio")
    open_project(qtbot, window, path)
    job = window.runs.run(JobSpec(model="lexicon", labels=("positive", "negative")))
    wait_job(qtbot, job)
    assert job.state.errors
    assert (
        window.rows_label.text()
        == f"{CORPUS} + 3 result columns (run {job.result.run_id}: sentiment with lexicon)"
    )


def test_an_opened_projects_results_are_counted_and_shown_in_the_detail_pane(
    qtbot, window, tmp_path
):
    path = make_project(tmp_path / "sample.llmstudio")
    with Project.open(path) as project:
        run = run_job(project, SentimentTask(), LexiconBackend()).run_id
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        window.open_path(path)
    assert (
        window.rows_label.text()
        == f"{CORPUS} + 2 result columns (run {run}: sentiment with lexicon)"
    )
    row_id = window.model.row_id(window.table.currentIndex().row())
    assert window.detail.results_text() == expected_line(window, row_id, run)


def test_detail_pane_shows_the_selected_rows_results_below_its_text(qtbot, window, tmp_path):
    path = make_project(tmp_path / "sample.llmstudio")
    open_project(qtbot, window, path)
    assert window.detail.results.isHidden()  # no model run yet: no empty box
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    run = job.result.run_id
    for row_id in (0, 2, 20, 299):
        assert window.goto_row(row_id)
        assert window.detail.results_text() == expected_line(window, row_id, run)
        assert window.model.result("sentiment_label")[row_id] in LABELS
    # The text stays the main thing: in the browser above, the results in a box below.
    detail = window.detail
    assert window.corpus.frame["text"][299] in detail.plain_text()
    assert "sentiment" not in detail.plain_text().split("text\n", 1)[1]
    assert detail.results.isVisible()
    assert detail.results.geometry().top() >= detail.browser.geometry().bottom()
    assert detail.browser.height() > 3 * detail.results.height()


def test_detail_pane_shows_a_failed_rows_error(qtbot, window, tmp_path):
    path = make_project(tmp_path / "sample.llmstudio")
    open_project(qtbot, window, path)
    job = window.runs.run(JobSpec(model="lexicon", labels=("positive", "negative")))
    wait_job(qtbot, job)
    row_id, message = job.state.errors[0]
    window.goto_row(row_id)
    assert (
        window.detail.results_text()
        == f"sentiment (lexicon, run {job.result.run_id}): failed: {message}"
    )
    assert "not in the label set" in message and "\n" not in window.detail.results_text()


def test_detail_pane_fills_in_while_the_job_runs(qtbot, window, tmp_path):
    rows = 3000
    path = make_project(tmp_path / "big.llmstudio", bigger_frame(rows // 300))
    open_project(qtbot, window, path)
    # A text of middling length: the length-sorted job reaches it neither first nor last.
    lengths = window.corpus.frame["text"].str.len()
    row_id = int((lengths - lengths.median()).abs().idxmin())
    window.goto_row(row_id)
    seen = []
    # Connected after the window's own handler: called once the pane is up to date.
    window.model.sig_results_changed.connect(lambda _ids: seen.append(window.detail.results_text()))
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    assert seen[0] == "sentiment (lexicon, running): not yet"
    label = window.model.result("sentiment_label")[row_id]
    filled = [text for text in seen if "running" in text and f": {label} · score" in text]
    assert filled, seen  # shown before the job ended
    assert filled[0].startswith(f"sentiment (lexicon, run {job.result.run_id}, running): ")
    # Named by its run as soon as the first batch (of other rows) came.
    assert (
        seen[seen.index(filled[0]) - 1]
        == f"sentiment (lexicon, run {job.result.run_id}, running): not yet"
    )
    assert window.detail.results_text() == expected_line(window, row_id, job.result.run_id)


def test_results_arriving_keep_the_readers_place_in_a_long_text(
    qtbot, window, tmp_path, small_frame, long_text
):
    path = make_project(tmp_path / "small.llmstudio", small_frame)
    open_project(qtbot, window, path)
    window.goto_row(0)
    bar = window.detail.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)
    bar.setValue(bar.maximum() // 2)
    place = bar.value()
    wait_job(qtbot, window.runs.run(JobSpec(model="lexicon")))
    assert window.detail.results_text().startswith("sentiment (lexicon, run 1): ")
    assert bar.value() == place and long_text in window.detail.plain_text()


def test_render_after_a_run(qtbot, window, tmp_path):
    """The window rendered offscreen with a row selected after a lexicon run (the image is
    saved in tmp_path for a look): the result box is drawn, inside the detail pane."""
    path = make_project(tmp_path / "sample.llmstudio", sample_frame())
    open_project(qtbot, window, path)
    wait_job(qtbot, window.runs.run(JobSpec(model="lexicon")))
    window.goto_row(20)
    out = tmp_path / "detail.png"
    assert window.grab().save(str(out))
    image = QImage(str(out))
    box = window.detail.results
    corner = box.mapTo(window, box.rect().center())
    assert image.rect().contains(corner)
    assert (
        box.mapTo(window, box.rect().bottomRight()).y()
        < window.statusBar().mapTo(window, window.statusBar().rect().topLeft()).y()
    )


def test_a_run_left_unfinished_is_said_so(qtbot, window, tmp_path):
    """A run killed mid-way stays "running" in the project, its process gone: opened
    later, it is said to be interrupted."""
    import subprocess
    import sys

    path = make_project(tmp_path / "sample.llmstudio")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with Project.open(path) as project:
        run = run_job(project, SentimentTask(), LexiconBackend()).run_id
        with project.db:
            project.db.execute(
                "UPDATE runs SET status = 'running', finished = NULL, pid = ?", (gone.pid,)
            )
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        window.open_path(path)
    said = f"run {run}, interrupted, 300 of 300 rows"
    assert window.rows_label.text().endswith(
        f"(run {run}: sentiment with lexicon, interrupted, 300 of 300 rows)"
    )
    assert window.detail.results_text().startswith(f"sentiment (lexicon, {said}): ")


def header_tip(window, name: str) -> str:
    from PySide6.QtCore import Qt

    if name not in window.model.result_names:  # (the table reading the runs again)
        return ""
    return (
        window.model.headerData(
            window.model.column_index(name), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
        )
        or ""
    )


def test_each_result_column_s_tooltip_says_what_that_column_is(qtbot, window, tmp_path):
    """Seen: every column of a run had the tooltip "…The score is the model's confidence in
    its label", also the valence (the signed sentiment) and the chunks count; confidence is
    named only where it is the value."""
    path = make_project(tmp_path / "sample.llmstudio")
    with Project.open(path) as p:
        run_job(p, SentimentTask(), LexiconBackend())
    open_project(qtbot, window, path)
    qtbot.waitUntil(lambda: "sentiment_valence" in window.model.result_names, timeout=20_000)
    for name in ("sentiment_label", "sentiment_score", "sentiment_valence", "sentiment_chunks"):
        assert "sentiment by lexicon" in header_tip(window, name)  # which run made it
    assert "confidence" in header_tip(window, "sentiment_score")
    for name in ("sentiment_label", "sentiment_valence", "sentiment_chunks"):
        assert "confidence" not in header_tip(window, name), name
    assert "P(positive) − P(negative)" in header_tip(window, "sentiment_valence")
    assert "chunks" in header_tip(window, "sentiment_chunks").split(").", 1)[1]
    # A job's columns alike (the newer run takes the plain names).
    job = window.runs.run(JobSpec(model="lexicon", labels=("positive", "negative")))
    wait_job(qtbot, job)
    qtbot.waitUntil(lambda: "run 2" in header_tip(window, "sentiment_valence"), timeout=20_000)
    assert "P(positive) − P(negative)" in header_tip(window, "sentiment_valence")
    assert "confidence" not in header_tip(window, "sentiment_valence")

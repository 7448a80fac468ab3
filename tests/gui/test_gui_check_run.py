"""Validation as the normal path: "Check this run" offered after a run of 200+ rows (not
after a smaller one), a sample drawn and coded blind from the keyboard, the agreement in
the Validate view; the Validate view lists a run made after it opened and exports its
tables."""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from llmstudio.core import human_codes as hc
from llmstudio.core.check_run import expected_width
from llmstudio.core.project import Project
from llmstudio.core.sampling import load_sample
from llmstudio.gui.review.check_run import CheckRunDialog
from llmstudio.gui.runs.jobs import JobSpec

from helpers.gui import make_project, open_project, sample_frame, wait_job

K = Qt.Key


def run_lexicon(qtbot, window):
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    return job


def test_offered_after_a_run_of_200_rows_or_more_only(qtbot, window, tmp_path):
    small = make_project(tmp_path / "small.llmstudio", sample_frame().head(150).copy())
    open_project(qtbot, window, small)
    run_lexicon(qtbot, window)
    qtbot.wait(50)
    assert not window.check_run.offered and not window.check_run.bar.isVisible()

    big = make_project(tmp_path / "big.llmstudio")  # the sample corpus: 300 rows
    open_project(qtbot, window, big)
    job = run_lexicon(qtbot, window)
    qtbot.waitUntil(lambda: window.check_run.offered, timeout=5000)
    assert window.check_run.run_id == job.result.run_id
    assert "check it" in window.check_run.label.text()
    assert window.check_run.check_button.text() == "Check this run…"
    window.grab().save(str(tmp_path / "window_check_offered.png"))
    window.check_run.later_button.click()
    assert not window.check_run.bar.isVisible()


def test_a_sample_coded_blind_from_the_keyboard_then_the_agreement(
    qtbot, window, tmp_path, monkeypatch
):
    path = make_project(tmp_path / "check.llmstudio")
    open_project(qtbot, window, path)
    job = run_lexicon(qtbot, window)
    qtbot.waitUntil(lambda: window.check_run.offered, timeout=5000)
    seen = {}

    def exec_(dialog):
        assert dialog.n.value() == 100  # the default
        assert f"{expected_width(100):.2f} wide" in dialog.width.text()
        dialog.grab().save(str(tmp_path / "check_dialog.png"))
        dialog.n.setValue(25)
        seen["width25"] = dialog.width.text()
        dialog.n.setValue(5)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CheckRunDialog, "exec", exec_)
    window.check_run.check_button.click()
    assert f"{expected_width(25):.2f} wide" in seen["width25"]
    panel = window.coding
    qtbot.waitUntil(lambda: panel.dock.isVisible())
    assert panel.book.name == "Sentiment"  # made from the run's labels
    assert panel.blind and panel.blind_box.isChecked()
    # the coder types a name, then codes with the keys alone
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.coder_edit)
    QTest.keyClicks(panel.coder_edit, "ana")
    QTest.keyClick(panel.coder_edit, K.Key_Return)
    with Project.open(path) as p:
        sample = load_sample(p, "Sentiment")
    assert sample is not None and len(sample.rows) == 5
    assert panel.rows == list(sample.rows) and panel.row_id == sample.rows[0]
    assert not panel.model_label.isVisible()
    qtbot.wait(100)  # the new codebook's buttons are shown by the next event loop turn
    panel.grab().save(str(tmp_path / "panel_check_blind.png"))
    for k in (K.Key_1, K.Key_2, K.Key_3, K.Key_1, K.Key_2):
        QTest.keyClick(QApplication.focusWidget(), k)
    view = window.review.validation
    assert view is not None
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.stats.rowCount() > 0, timeout=20_000)
    assert view.reference.currentText() == "ana (coder)"
    assert view.comparison.currentData().run_id == job.result.run_id
    with Project.open(path) as p:
        clicks = hc.current(p, "Sentiment", "ana")
    assert sorted(c.row_id for c in clicks) == sorted(sample.rows)
    assert all(c.blind is True for c in clicks)
    text = view.summary.text()
    assert "ana: 5 blind, 0 not blind, 0 not recorded" in text and "Warning" not in text
    assert "n = 5 is too small for the interval to be useful" in text
    assert "All 5 rows of the sample are coded" in window.check_run.label.text()
    qtbot.wait(50)
    view.grab().save(str(tmp_path / "validate_after_check.png"))


def test_validate_lists_a_run_made_after_it_opened_and_exports(
    qtbot, window, tmp_path, monkeypatch
):
    path = make_project(tmp_path / "later.llmstudio", sample_frame().head(20).copy())
    from llmstudio.core.codebook import Code, Codebook

    book = Codebook((Code("positive"), Code("negative"), Code("neutral")), name="Tone")
    with Project.open(path) as p:
        p.save_codebook(book)
        for r in range(12):
            hc.record(p, book, "ana", r, [["positive", "negative", "neutral"][r % 3]], blind=True)
    open_project(qtbot, window, path)
    view = window.review.open_validation()
    qtbot.addWidget(view)
    assert view.comparison.count() == 1  # ana alone: nothing to compare yet
    job = run_lexicon(qtbot, window)
    run = f"run {job.result.run_id}:"
    qtbot.waitUntil(
        lambda: any(
            view.comparison.itemText(i).startswith(run) for i in range(view.comparison.count())
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: view.report is not None, timeout=20_000)
    assert (
        view.comparison.currentText().startswith(run)
        and "(complete)" in view.comparison.currentText()
    )
    # export: CSV and Markdown through the file dialog, read back
    for name, kind in (
        ("tables.csv", "CSV, one number a row (*.csv)"),
        ("tables", "Markdown tables (*.md)"),
    ):
        target = tmp_path / name
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *a, t=target, k=kind, **kw: (str(t), k)
        )
        view.export_button.click()
    rows = list(csv.DictReader(open(tmp_path / "tables.csv", encoding="utf-8")))
    shown = {
        view.stats.item(r, 0).text(): view.stats.item(r, 1).text()
        for r in range(view.stats.rowCount())
    }
    for row in rows:
        if row["table"] == "statistics" and row["value"]:
            assert f"{float(row['value']):.3f}" == shown[row["name"]]
    assert {r["table"] for r in rows} >= {"about", "statistics", "per code", "confusion"}
    md = (tmp_path / "tables.md").read_text("utf-8")
    assert "## Statistics" in md and "| Percent agreement (= accuracy) |" in md
    assert "ana: 12 blind" in md and f"Wrote {tmp_path / 'tables.md'}" == view.export_status.text()
    # a file that cannot be written: said beside the button, nothing else lost
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **kw: (str(tmp_path / "x.xlsx"), "CSV (*.csv)")
    )
    view.export_button.click()
    assert "Not written" in view.export_status.text() and ".csv or .md" in view.export_status.text()


def test_validate_lists_a_coder_who_starts_after_it_opened(qtbot, window, tmp_path):
    from llmstudio.core.codebook import Code, Codebook

    path = make_project(tmp_path / "coder.llmstudio", sample_frame().head(12).copy())
    book = Codebook((Code("positive"), Code("negative"), Code("neutral")), name="Tone")
    with Project.open(path) as p:
        p.save_codebook(book)
        for r in range(6):
            hc.record(p, book, "ana", r, ["positive"], blind=True)
    open_project(qtbot, window, path)
    view = window.review.open_validation()
    qtbot.addWidget(view)
    assert [view.comparison.itemText(i) for i in range(view.comparison.count())] == ["ana (coder)"]
    panel = window.coding
    window.coding.act_open.trigger()
    qtbot.waitUntil(lambda: panel.dock.isVisible())
    panel.coder_edit.setText("ben")
    panel.coder_edit.editingFinished.emit()
    panel.codebook_box.setCurrentText("Tone")
    for _ in range(3):
        panel.press("negative")
    qtbot.waitUntil(lambda: view.comparison.count() == 2, timeout=5000)
    assert view.comparison.currentText() == "ben (coder)"
    qtbot.waitUntil(lambda: view.report is not None, timeout=20_000)
    assert view.report.n == 3


def test_the_menu_checks_the_latest_run_or_says_there_is_none(qtbot, window, tmp_path, monkeypatch):
    path = make_project(tmp_path / "menu.llmstudio", sample_frame().head(30).copy())
    open_project(qtbot, window, path)
    assert window.check_run.ask_latest() is False
    assert "No finished sentiment or codebook run" in window.statusBar().currentMessage()
    job = run_lexicon(qtbot, window)  # 30 rows: not offered, but can be checked by hand
    assert not window.check_run.offered
    asked = []

    def exec_(dialog):
        asked.append(dialog.windowTitle())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(CheckRunDialog, "exec", exec_)
    window.check_run.act_check.trigger()
    assert asked == [f"Check run {job.result.run_id}: sentiment with lexicon"]
    with Project.open(path) as p:  # cancelled: no codebook made, no sample stored
        assert p.codebooks() == [] and load_sample(p, "Sentiment") is None

"""What a researcher sees: the run dialog's prompt page, a job's progress and time left,
the corpus table's columns, the sample dialog's group column, closing with a running job,
and memos in the window's exports. Real widgets, real workers, projects on disk."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from llmstudio.core import human_codes
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask
from llmstudio.core.tasks.build import TaskOptions
from llmstudio.gui.coding.sample_dialog import SampleDialog
from llmstudio.gui.common.column_widths import CAP, TEXT_MIN
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.jobs_panel import BAR, ETA, STATUS
from llmstudio.gui.runs.run_dialog import RunDialog

from helpers.gui import api_spec, consent, make_project, open_project, sample_frame, wait_job

BOOK = Codebook((Code("Housing"), Code("Transport"), Code("Health")), name="Local issues")


def below(upper, lower) -> bool:
    """``lower`` starts at or under ``upper``'s bottom edge (both in the window's terms)."""
    top = lower.mapTo(lower.window(), QPoint(0, 0)).y()
    bottom = upper.mapTo(upper.window(), QPoint(0, upper.height())).y()
    return top >= bottom


# -- the run dialog's custom-prompt page ----------------------------------------------


def test_the_prompt_help_is_never_drawn_over_the_prompt_box(qtbot, tmp_path):
    frame = sample_frame()
    dialog = RunDialog("text", len(frame), frame=frame)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    # Shown first with a shorter page: the dialog's height was that page's.
    for task in ("sentiment", "code", "prompt"):
        dialog.set_task(task)
        qtbot.wait(20)
    qtbot.waitUntil(lambda: below(dialog.template, dialog.prompt_help))
    assert below(dialog.prompt_help, dialog.template_status)
    assert below(dialog.template_status, dialog.system)
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())
    # Narrower: more lines of help; the dialog grows rather than overlap.
    dialog.resize(dialog.minimumWidth(), dialog.height())
    qtbot.wait(20)
    assert below(dialog.template, dialog.prompt_help) and below(
        dialog.template_status, dialog.system
    )
    dialog.grab().save(str(tmp_path / "run_dialog_prompt.png"))  # for a look


# -- a job's progress ------------------------------------------------------------------


@pytest.mark.slow
def test_coding_job_bar_follows_the_embedding_then_the_rows(qtbot, window, tmp_path):
    path = make_project(tmp_path / "forty.llmstudio", sample_frame().head(40))
    open_project(qtbot, window, path)
    job = window.runs.run(JobSpec(model="builtin", options=TaskOptions(task="code", codebook=BOOK)))
    panel, seen = window.runs.panel, []
    row = panel.job_row(job)

    def look():
        bar = panel.table.item(row, BAR).data(0x0100)  # UserRole
        seen.append((panel.cell_text(job, STATUS), bar, panel.cell_text(job, ETA)))

    job.sig_changed.connect(look)  # after the panel's own refresh
    wait_job(qtbot, job, timeout=180_000)
    phases = [s for s in seen if s[0].startswith("Embedding texts")]
    assert phases, seen
    for status, bar, eta in phases:
        percent = int(status.rsplit("(", 1)[1].rstrip("%)"))
        value, maximum, text = bar
        assert abs(100 * value / maximum - percent) <= 1 and text == f"{percent} %"
        assert eta == "estimating…" if percent == 0 else eta.endswith(" + rows"), (status, eta)
    assert any(bar[0] > 0 for _, bar, _ in phases)  # not 0 % while the status says 85 %
    assert seen[-1][1] == (40, 40, "100 %") and seen[-1][0] == "Done"


def test_time_left_says_estimating_before_any_row_is_timed(
    qtbot, window, tmp_path, fake_openai, monkeypatch
):
    consent(monkeypatch)
    path = make_project(tmp_path / "api.llmstudio", sample_frame().head(30))
    open_project(qtbot, window, path)
    fake_openai.latency = 0.3
    job = window.runs.run(api_spec(fake_openai, concurrency=2))
    panel, etas = window.runs.panel, []
    job.sig_changed.connect(lambda: etas.append(panel.cell_text(job, ETA)))
    qtbot.waitUntil(
        lambda: job.state.progress is not None and job.state.progress.done >= 4, timeout=20_000
    )
    assert etas and etas[0] == "estimating…"
    left = panel.cell_text(job, ETA)
    assert left.endswith(" s") and left != "–"  # rows are timed: a number of seconds
    job.cancel()
    wait_job(qtbot, job)
    assert panel.cell_text(job, ETA) == "–"


# -- the corpus table's columns --------------------------------------------------------


def text_index(window) -> int:
    return list(window.corpus.frame.columns).index(window.corpus.text_column)


def check_columns(window) -> None:
    """Opened at the left; the texts get what is left (at least TEXT_MIN); every other
    column its content's width within the cap."""
    table, widths = window.table, window.widths
    assert table.horizontalScrollBar().value() == 0
    text = text_index(window)
    others = 0
    for c in range(window.model.columnCount()):
        if c == text or table.isColumnHidden(c):
            continue
        assert table.columnWidth(c) == min(CAP, max(48, widths.content_width(c)))
        others += table.columnWidth(c)
    room = table.viewport().width() - others
    assert table.columnWidth(text) == max(min(TEXT_MIN, table.viewport().width()), room)


@pytest.mark.parametrize("width", [900, 1360, 1800])
def test_a_project_with_results_opens_at_the_left_with_the_texts_given_the_room(
    qtbot, window, tmp_path, width
):
    path = make_project(tmp_path / "s.llmstudio")
    with Project.open(path) as p:
        run_job(p, SentimentTask(), LexiconBackend())
        p.save_codebook(BOOK)
        human_codes.record(p, BOOK, "ana", 0, ["Housing"])
    window.resize(width, 800)
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        window.open_path(path)
    qtbot.waitUntil(lambda: "human_local_issues_ana" in window.model.result_names)
    qtbot.wait(50)
    check_columns(window)
    window.grab().save(str(tmp_path / f"opened_{width}.png"))
    # Result columns hidden (blind coding hides them): the texts take the room they leave.
    for name in window.model.result_names:
        window.table.setColumnHidden(window.model.column_index(name), True)
    qtbot.wait(20)
    check_columns(window)


@pytest.mark.parametrize("width", [900, 1360])
def test_a_wide_csv_opens_at_the_left_and_the_texts_follow_the_window(
    qtbot, window, open_file, messy_csv, width
):
    window.resize(width, 800)
    open_file(messy_csv / "clevercsv_examples" / "imdb.csv")
    qtbot.wait(50)
    check_columns(window)
    assert window.table.columnWidth(text_index(window)) >= TEXT_MIN
    window.resize(width + 400, 800)
    qtbot.wait(50)
    check_columns(window)
    # Dragged by hand: the researcher's width stays.
    window.table.setColumnWidth(text_index(window), 500)
    window.resize(width, 800)
    qtbot.wait(50)
    assert window.table.columnWidth(text_index(window)) == 500


def in_view(window, name: str) -> bool:
    table = window.table
    column = window.model.column_index(name)
    left = table.horizontalHeader().sectionViewportPosition(column)
    return 0 <= left and left + table.columnWidth(column) <= table.viewport().width()


def test_new_result_and_coder_columns_are_brought_into_view_once(qtbot, window, tmp_path):
    window.resize(900, 800)
    path = make_project(tmp_path / "s.llmstudio")
    with Project.open(path) as p:
        p.save_codebook(BOOK)
    open_project(qtbot, window, path)
    qtbot.wait(50)  # laid out, as a researcher sees it before choosing a model
    assert window.table.horizontalScrollBar().value() == 0
    job = window.runs.run(JobSpec(model="lexicon"))
    assert in_view(window, "sentiment_label") and in_view(window, "sentiment_score")
    header = window.table.horizontalHeader()
    assert window.table.horizontalScrollBar().value() > 0
    # No column cut mid-word at the left edge: the first one in view starts there.
    assert header.sectionViewportPosition(header.logicalIndexAt(0)) == 0
    wait_job(qtbot, job)
    assert in_view(window, "sentiment_score")
    # Scrolled back by the researcher: later batches and the end of the job do not jump.
    window.table.horizontalScrollBar().setValue(0)
    window.runs.put_results(
        pd.DataFrame(
            {"sentiment_label": ["positive"], "sentiment_score": [0.9], "sentiment_error": [None]},
            index=[3],
        ),
        False,
        "again",
    )
    assert window.table.horizontalScrollBar().value() == 0
    # A coder's first click: their column comes into view.
    first_click_as_ana(
        qtbot, window, before_click=lambda: window.table.horizontalScrollBar().setValue(0)
    )
    assert in_view(window, "human_local_issues_ana")
    assert header.sectionViewportPosition(header.logicalIndexAt(0)) == 0


def first_click_as_ana(qtbot, window, before_click=lambda: None):
    """Open the coding panel on BOOK as coder "ana" and make her first click; the panel."""
    panel = window.coding
    panel.act_open.trigger()
    qtbot.waitUntil(lambda: panel.dock.isVisible())
    panel.codebook_box.setCurrentText(BOOK.name)
    panel.coder_edit.setText("ana")
    panel.coder_edit.editingFinished.emit()
    before_click()
    qtbot.waitUntil(lambda: panel.coder == "ana")
    panel.code_buttons[0].click()
    qtbot.waitUntil(lambda: "human_local_issues_ana" in window.model.result_names)
    return panel


def left_edge_cut(window) -> int:
    """How many pixels of the first column in view are scrolled past the left edge."""
    header = window.table.horizontalHeader()
    return -header.sectionViewportPosition(header.logicalIndexAt(0))


def test_no_column_is_cut_at_the_left_edge_after_blind_hides_columns(qtbot, window, tmp_path):
    """Seen: scrolled to a coder's column, Blind on hid the run's columns; the scroll range
    shrank under the scroll bar and "response_id" showed as "e_id" (it stayed so after
    Blind off and after a resize)."""
    window.resize(1400, 850)
    path = make_project(tmp_path / "s.llmstudio")
    with Project.open(path) as p:
        run_job(p, SentimentTask(), LexiconBackend())
        p.save_codebook(BOOK)
    with qtbot.waitSignal(window.runs.sig_results_shown, timeout=20_000):
        window.open_path(path)
    panel = first_click_as_ana(qtbot, window)
    qtbot.wait(20)
    assert in_view(window, "human_local_issues_ana")
    assert left_edge_cut(window) == 0
    for what, step in (
        ("blind on", lambda: panel.set_blind(True)),
        ("narrower", lambda: window.resize(1300, 850)),
        ("blind off", lambda: panel.set_blind(False)),
    ):
        step()
        qtbot.wait(20)
        assert left_edge_cut(window) == 0, what
        # shown again, the run's columns may push it to the right: not cut at the left
        assert in_view(window, "human_local_issues_ana") or what == "blind off", what


# -- the sample dialog -----------------------------------------------------------------


def test_sample_dialog_proposes_a_category_not_an_id(qtbot):
    frame = sample_frame()
    dialog = SampleDialog(list(frame.columns), len(frame), frame=frame, text_column="text")
    qtbot.addWidget(dialog)
    assert dialog.column.currentText() == "group"  # not response_id, date, nor wave (numbers)
    dialog.stratified.setChecked(True)
    assert dialog.groups.text() == "6 groups" and dialog.ok.isEnabled()
    dialog.column.setCurrentText("response_id")
    assert "one per row" in dialog.groups.text()
    assert dialog.choice() == ("stratified", 200, 1, "response_id")  # still the user's call


def test_sample_dialog_proposes_nothing_when_no_column_is_a_category(qtbot):
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(30)],
            "text": [f"answer {i}" for i in range(30)],
            "score": [str(i % 3) for i in range(30)],
        }
    )  # numbers: last resort
    dialog = SampleDialog(list(frame.columns), len(frame), frame=frame, text_column="text")
    qtbot.addWidget(dialog)
    assert dialog.column.currentText() == "score"
    frame = frame.drop(columns="score")
    dialog = SampleDialog(list(frame.columns), len(frame), frame=frame, text_column="text")
    qtbot.addWidget(dialog)
    assert dialog.column.currentText() == ""
    dialog.stratified.setChecked(True)
    assert not dialog.ok.isEnabled() and "Choose the column" in dialog.groups.text()
    dialog.random.setChecked(True)
    assert dialog.ok.isEnabled()


def test_the_coding_panel_gives_the_dialog_the_corpus(qtbot, window, tmp_path, monkeypatch):
    path = make_project(tmp_path / "s.llmstudio")
    with Project.open(path) as p:
        p.save_codebook(BOOK)
    open_project(qtbot, window, path)
    panel = window.coding
    panel.act_open.trigger()
    qtbot.waitUntil(lambda: panel.dock.isVisible())
    panel.codebook_box.setCurrentText(BOOK.name)
    offered = []

    def exec_(dialog):
        offered.append(dialog.column.currentText())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(SampleDialog, "exec", exec_)
    panel.samples.ask()
    assert offered == ["group"]


# -- closing with a running job ---------------------------------------------------------


def answer_box(qtbot, button_text: str, seen: list[str]) -> None:
    """Click ``button_text`` in the message box about to open (read first)."""

    def click():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        [button] = [b for b in box.buttons() if b.text() == button_text]
        button.click()

    QTimer.singleShot(0, click)


def test_closing_with_a_running_job_asks_and_keeps_its_rows(
    qtbot, new_window, tmp_path, fake_openai, monkeypatch
):
    window = new_window()
    consent(monkeypatch)
    path = make_project(tmp_path / "api.llmstudio", sample_frame().head(60))
    open_project(qtbot, window, path)
    fake_openai.latency = 0.2
    job = window.runs.run(api_spec(fake_openai, concurrency=2))
    qtbot.waitUntil(
        lambda: job.state.progress is not None and job.state.progress.done >= 4, timeout=20_000
    )
    seen: list[str] = []
    answer_box(qtbot, "Keep running", seen)
    window.close()
    assert window.isVisible() and job.running and job.state.status == "running"
    assert seen[0].startswith("A job is running (sentiment, ") and " of 60 rows)" in seen[0]
    assert seen[0].endswith("Cancel it and close? Its finished rows are kept.")
    answer_box(qtbot, "Cancel job and close", seen)
    window.close()
    assert len(seen) == 2
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert not job.running and job.state.status == "cancelled"
    done = job.result.done
    assert 4 <= done < 60
    with Project.open(path) as p:
        (status,) = p.db.execute("SELECT status FROM runs").fetchone()
        (stored,) = p.db.execute("SELECT COUNT(*) FROM annotations").fetchone()
    assert status == "cancelled" and stored == done  # every finished row recorded


def test_closing_without_a_running_job_asks_nothing(qtbot, new_window, tmp_path, monkeypatch):
    window = new_window()
    open_project(qtbot, window, make_project(tmp_path / "s.llmstudio"))
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    asked = []
    monkeypatch.setattr(
        "llmstudio.gui.runs.model_runs.ask_cancel_to_close", lambda *a: asked.append(a) or True
    )
    window.close()
    assert not window.isVisible() and not asked


# -- memos in the window's exports ------------------------------------------------------


def test_window_exports_carry_the_memos(qtbot, window, tmp_path):
    from openpyxl import load_workbook

    path = make_project(tmp_path / "s.llmstudio")
    with Project.open(path) as p:
        p.save_codebook(BOOK)
        human_codes.record(p, BOOK, "ana", 2, ["Health"], "mentions the GP too")
    open_project(qtbot, window, path)
    out = tmp_path / "table.xlsx"
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.export_to(out)
    book = load_workbook(out, read_only=True)
    rows = list(book["data"].values)
    header = list(rows[0])
    assert rows[3][header.index("memo_ana")] == "mentions the GP too"
    described = {r[0]: r[2] for r in list(book["columns"].values)[1:]}
    assert "memos of coder 'ana'" in described["memo_ana"]
    book.close()
    log = tmp_path / "log.csv"
    window.files.export_coding_log(log)
    qtbot.waitUntil(lambda: log.exists() and not window.background_work, timeout=20_000)
    got = pd.read_csv(log, dtype=str, keep_default_na=False)
    assert got[["coder", "row", "codes", "memo"]].values.tolist() == [
        ["ana", "3", "Health", "mentions the GP too"]
    ]
    assert window.files.act_coding_log.isEnabled()


def test_a_coding_log_with_a_wrong_suffix_says_so_and_writes_nothing(qtbot, window, tmp_path):
    open_project(qtbot, window, make_project(tmp_path / "s.llmstudio"))
    with qtbot.waitSignal(window.sig_error, timeout=20_000) as error:
        window.files.export_coding_log(tmp_path / "log.txt")
    assert "log.txt" in error.args[0] and "unknown export format" in error.args[0]
    assert not (tmp_path / "log.txt").exists()


def test_a_result_column_hidden_until_its_first_value_is_sized_when_shown(qtbot, window, tmp_path):
    """Seen: a run's valence column came in hidden (its first batch had no value) and was
    sized as hidden (48 px); shown at the next batch it kept 48 px: "nent_va"."""
    window.resize(1360, 820)
    path = make_project(tmp_path / "s.llmstudio")
    open_project(qtbot, window, path)
    qtbot.wait(50)  # laid out (the columns measured) before the run starts
    columns = ["sentiment_label", "sentiment_valence", "sentiment_error"]
    window.runs.put_results(pd.DataFrame(columns=columns), True, "the run starts: no rows yet")
    column = window.model.column_index("sentiment_valence")
    assert window.table.isColumnHidden(column)
    batch = pd.DataFrame({"sentiment_label": ["positive"], "sentiment_valence": [0.25]}, index=[1])
    window.runs.put_results(batch.assign(sentiment_error=[None]), False, "its first batch")
    qtbot.waitUntil(lambda: not window.table.isColumnHidden(column))
    qtbot.wait(20)
    window.grab().save(str(tmp_path / "valence_shown.png"))
    need = min(CAP, max(48, window.widths.content_width(column)))
    assert need > 100  # the header's words, not the 48 px of an empty column
    assert window.table.columnWidth(column) == need

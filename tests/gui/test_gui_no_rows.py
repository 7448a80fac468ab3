"""A file read as 0 rows, in the window: said at once (which file, why, what to do), the
header and the problems shown, and no model run or coding started on nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox

from llmstudio.gui.project.import_dialog import ImportDialog

QUOTED_HEADER = '"id,text\n1,hello\n2,world\n'  # read as quoted: one header field, no rows


def open_and_wait_for_the_message(qtbot, window, path, **options) -> str:
    with qtbot.waitSignal(window.sig_error, timeout=20_000) as said:
        window.open_path(path, **options)
    return said.args[0]


def message_box(window) -> QMessageBox:
    [box] = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]
    return box


def test_a_quote_on_the_header_line_read_as_quoted_is_said_with_its_line(
    qtbot, window, tmp_path, monkeypatch
):
    path = tmp_path / "h.csv"
    path.write_text(QUOTED_HEADER, encoding="utf-8")

    def as_quoted(dialog):
        dialog.quoting.setCurrentIndex(dialog.quoting.findData("csv"))
        return ImportDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", as_quoted)
    said = open_and_wait_for_the_message(qtbot, window, path, ask=True)
    assert said.startswith(
        "h.csv: read as 0 rows, nothing to code or run (line 1: the quote at column 1"
    )
    assert "Re-import with Options" in said
    box = message_box(window)
    assert box.windowTitle() == "Nothing to code or run" and box.text() == said
    # Not an empty table without a word: the header, the problem, the reason beside it.
    assert window.corpus.rows == 0 and window.model.columnCount() >= 1
    assert window.problems_dock.isVisible() and window.problems.count() >= 1
    assert window.problems.item(0).text().startswith("line 1: the quote at column 1")
    assert "read as 0 rows" in window.detail.browser.toPlainText()
    assert window.rows_label.text().startswith("0 rows")
    assert not window.runs.act_run.isEnabled() and not window.coding.act_open.isEnabled()
    assert not window.bias.act_open.isEnabled()
    window.resize(1100, 700)
    box.grab().save(str(tmp_path / "no_rows_box.png"))
    box.close()
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "no_rows_window.png"))

    # The other reading, from the same menu: two rows, nothing said, a model can run.
    monkeypatch.setattr(ImportDialog, "exec", lambda dialog: ImportDialog.DialogCode.Accepted)
    with qtbot.waitSignal(window.sig_loaded, timeout=20_000):
        window.files.ask_reimport()
    assert window.corpus.rows == 2 and window.runs.act_run.isEnabled()
    assert window.coding.act_open.isEnabled() and window.bias.act_open.isEnabled()


def test_run_model_refuses_a_header_without_rows_and_no_project_is_made(qtbot, window, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("id,text\n", encoding="utf-8")
    target = tmp_path / "e.llmstudio"
    said = open_and_wait_for_the_message(qtbot, window, path, save_to=target)
    assert said == (
        "e.csv: read as 0 rows, nothing to code or run (a header and no rows). "
        "No project was created. The file has a header and no rows."
    )
    assert not target.exists() and window.project is None
    message_box(window).close()
    # However Run model is reached, no job starts on nothing; it says why.
    with qtbot.waitSignal(window.sig_error, timeout=5_000) as refused:
        window.runs.ask_run()
    assert refused.args[0] == "e.csv: read as 0 rows, nothing to run (a header and no rows)."
    assert not window.runs.jobs
    message_box(window).close()

"""The text column, project files (save, reopen, drag and drop) and the ask_* actions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from llmstudio.core.project import Project
from llmstudio.core.recent import recent_files
from llmstudio.gui.project.export_dialog import ExportDialog
from llmstudio.gui.project.import_dialog import ImportDialog

SAVE_TIMEOUT = 20_000


def save(qtbot, window, path) -> Path:
    with qtbot.waitSignal(window.sig_saved, timeout=SAVE_TIMEOUT) as blocker:
        window.files.save_project_to(path)
    return Path(blocker.args[0])


def test_text_column_combo_updates_the_detail(qtbot, window, open_file, small_csv, long_text):
    open_file(small_csv)
    assert long_text in window.detail.plain_text()
    window.goto_row(3)
    window.text_column.setCurrentText("note")
    assert window.corpus.text_column == "note"
    shown = window.detail.plain_text()
    assert shown.rstrip().endswith("@mention")  # the note is the text now
    assert "=HYPERLINK" in shown  # the old text column is metadata now
    # The search follows the new text column.
    window.search_bar.edit.setFocus()
    with qtbot.waitSignal(window.sig_order_changed, timeout=5000):
        qtbot.keyClicks(window.search_bar.edit, "mention")
    assert window.model.rowCount() == 1


def test_text_column_is_saved_in_the_project_at_once(qtbot, window, open_file, small_csv, tmp_path):
    open_file(small_csv)
    saved = save(qtbot, window, tmp_path / "study.llmstudio")
    window.text_column.setCurrentText("party")
    with Project.open(saved) as reopened:  # a second connection sees the commit
        assert reopened.text_column == "party"
    # The window shows the text column it just saved.
    assert window.corpus.text_column == "party"
    assert window.detail.plain_text().rstrip().endswith("Green")


def test_save_project_and_reopen(qtbot, window, new_window, open_file, small_csv, tmp_path):
    open_file(small_csv)
    frame = window.corpus.frame.copy()
    saved = save(qtbot, window, tmp_path / "study")  # the suffix is added
    assert saved == tmp_path / "study.llmstudio" and saved.exists()
    assert window.project is not None and window.project.path == saved
    assert window.windowTitle().startswith("study.llmstudio")
    assert "not saved" not in window.windowTitle()
    assert str(saved.resolve()) in recent_files()
    assert window.files.act_save_as.isEnabled()

    other = new_window()
    with qtbot.waitSignal(other.sig_loaded, timeout=SAVE_TIMEOUT):
        other.open_path(saved)
    assert other.project is not None and other.model.rowCount() == 5
    pd.testing.assert_frame_equal(other.corpus.frame, frame, check_dtype=False)
    assert other.windowTitle().startswith("study.llmstudio")
    assert other.corpus.text_column == "text"


def test_save_project_on_an_open_project_says_it_is_saved(
    qtbot, window, open_file, small_csv, tmp_path, monkeypatch
):
    open_file(small_csv)
    saved = save(qtbot, window, tmp_path / "a.llmstudio")
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: pytest.fail("no file dialog for a saved project"),
    )
    window.files.save_project()
    assert "already saved" in window.statusBar().currentMessage()
    # Save As copies it and continues in the copy.
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "b.llmstudio"), "")
    )
    with qtbot.waitSignal(window.sig_saved, timeout=SAVE_TIMEOUT):
        window.files.ask_save_as()
    assert window.project.path == tmp_path / "b.llmstudio"
    assert saved.exists() and (tmp_path / "b.llmstudio").exists()
    assert window.windowTitle().startswith("b.llmstudio")


def drag_enter(mime):
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:  # Qt >= 6.10 takes a QPointF; the QPoint form is deprecated there
        return QDragEnterEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
    except TypeError:
        return QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)


def drag_events(paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) if not isinstance(p, QUrl) else p for p in paths])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = drag_enter(mime)
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
    return mime, enter, drop


def test_drop_a_project_file_opens_it(qtbot, window, new_window, open_file, small_csv, tmp_path):
    open_file(small_csv)
    saved = save(qtbot, window, tmp_path / "dropped.llmstudio")

    other = new_window()
    assert other.acceptDrops()
    _mime, enter, drop = drag_events([saved])
    QApplication.sendEvent(other, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(other.sig_loaded, timeout=SAVE_TIMEOUT):
        QApplication.sendEvent(other, drop)
    assert drop.isAccepted()
    assert other.project is not None and other.project.path == saved
    assert other.model.rowCount() == 5


def test_drop_a_csv_and_refuse_what_is_not_one_local_file(qtbot, window, small_csv):
    _mime, enter, drop = drag_events([small_csv])
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.sig_loaded, timeout=SAVE_TIMEOUT):
        QApplication.sendEvent(window, drop)
    assert window.corpus.rows == 5
    for urls in ([small_csv, small_csv], [QUrl("https://example.org/data.csv")]):
        _mime, enter, _drop = drag_events(urls)
        QApplication.sendEvent(window, enter)
        assert not enter.isAccepted(), urls
    mime = QMimeData()
    mime.setText("just text")
    enter = drag_enter(mime)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_ask_open_with_the_import_dialog(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "semi.txt"
    path.write_text("a;b\n1;first text\n2;second text\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    seen = {}

    def accept(dialog):
        seen["delimiter"] = dialog.delimiter.currentData()
        return ImportDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", accept)
    with qtbot.waitSignal(window.sig_loaded, timeout=SAVE_TIMEOUT):
        window.files.ask_open()
    assert seen == {"delimiter": ";"}
    assert window.corpus.columns == ["a", "b"] and window.corpus.rows == 2
    assert window.files.act_import.isEnabled()  # a text file can be read again


def test_ask_open_cancelled_does_nothing(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(ImportDialog, "exec", lambda self: ImportDialog.DialogCode.Rejected)
    window.files.ask_open()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    window.files.ask_open()
    assert window.corpus is None and not window.progress.isVisible()


def test_ask_new_project(qtbot, window, small_csv, tmp_path, monkeypatch):
    target = tmp_path / "new.llmstudio"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(small_csv), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr(ImportDialog, "exec", lambda self: ImportDialog.DialogCode.Accepted)
    with qtbot.waitSignal(window.sig_loaded, timeout=SAVE_TIMEOUT):
        window.files.ask_new_project()
    assert target.exists() and window.project.path == target
    assert window.windowTitle().startswith("new.llmstudio")


def test_ask_export(qtbot, window, open_file, small_csv, tmp_path, monkeypatch):
    open_file(small_csv)
    out = tmp_path / "out.csv"

    def accept(dialog):
        assert dialog.guard.isChecked()  # the formula guard is on by default
        dialog.path.setText(str(out))
        dialog.bom.setChecked(True)
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    with qtbot.waitSignal(window.sig_saved, timeout=SAVE_TIMEOUT) as blocker:
        window.files.ask_export()
    assert Path(blocker.args[0]) == out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")


def test_export_dialog_options_follow_the_format(qtbot, tmp_path):
    dialog = ExportDialog(tmp_path / "t.csv", 5)
    qtbot.addWidget(dialog)
    assert dialog.bom.isEnabled() and dialog.guard.isEnabled()
    dialog.path.setText(str(tmp_path / "t.xlsx"))
    assert not dialog.bom.isEnabled() and dialog.guard.isEnabled()
    dialog.path.setText(str(tmp_path / "t.parquet"))
    assert not dialog.bom.isEnabled() and not dialog.guard.isEnabled()
    dialog.path.setText(str(tmp_path / "t"))
    assert dialog.target() == tmp_path / "t.csv"

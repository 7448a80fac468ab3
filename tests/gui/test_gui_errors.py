"""Files that cannot be opened: a message naming the file, and a window that still works."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

ERROR_TIMEOUT = 20_000


def bad_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\n\n  \n")
    png = tmp_path / "picture.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(range(32)) * 200)
    missing = tmp_path / "missing.csv"
    project = tmp_path / "fake.llmstudio"
    project.write_text("not a database", encoding="utf-8")
    return [empty, blank, png, noise, missing, project]


def open_expecting_error(qtbot, window, path) -> str:
    with qtbot.waitSignal(window.sig_error, timeout=ERROR_TIMEOUT) as blocker:
        window.open_path(path)
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=ERROR_TIMEOUT)
    return blocker.args[0]


def close_boxes(window) -> list[str]:
    texts = []
    for box in window.findChildren(QMessageBox):
        if box.isVisible():
            texts.append(box.text())
            box.close()
    return texts


@pytest.mark.parametrize(
    "index", range(6), ids=["empty", "blank", "png", "binary", "missing", "fake-project"]
)
def test_bad_file_on_an_empty_window(qtbot, window, tmp_path, index):
    path = bad_files(tmp_path)[index]
    message = open_expecting_error(qtbot, window, path)
    assert path.name in message
    assert "Traceback" not in message and "Unexpected error" not in message
    assert message in window.statusBar().currentMessage()
    assert close_boxes(window) == [message]  # shown in a box, not only the status
    assert window.corpus is None
    assert window.stack.currentWidget() is window.welcome
    assert not window.files.act_export.isEnabled()


def test_bad_files_keep_the_previous_corpus(
    qtbot, window, open_file, small_csv, tmp_path, shown_rows
):
    open_file(small_csv)
    corpus = window.corpus
    window.goto_row(2)
    for path in bad_files(tmp_path):
        message = open_expecting_error(qtbot, window, path)
        assert path.name in message
        assert window.corpus is corpus  # still shown, untouched
        assert shown_rows() == [0, 1, 2, 3, 4]
        assert "Rent is too high" in window.detail.plain_text()
        close_boxes(window)
    # The window still works: search, and open a good file again.
    window.search_bar.edit.setFocus()
    with qtbot.waitSignal(window.sig_order_changed, timeout=5000):
        qtbot.keyClicks(window.search_bar.edit, "buses")
    assert shown_rows() == [1]
    assert "answers.csv" in window.windowTitle()
    open_file(small_csv)
    assert window.corpus is not corpus and window.model.rowCount() == 1  # search kept


def test_reports_problems_of_a_ragged_file(qtbot, window, open_file, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,text\n1,fine\n2,too,many,fields\n3,ok\n", encoding="utf-8")
    open_file(path)
    assert window.problems_dock.isVisible()
    assert window.problems.count() >= 1
    assert "line 3" in window.problems.item(0).text()
    assert window.corpus.rows == 3


def test_reports_the_lines_of_a_file_mixing_encodings(qtbot, window, open_file, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,text\n1,café\n".encode() + "2,naïve\n".encode("cp1252"))
    open_file(path)
    assert window.corpus.frame["text"].tolist() == ["café", "naïve"]
    assert window.problems_dock.isVisible()
    assert window.problems.item(0).text().startswith("line 3: the file mixes encodings")
    assert "utf-8 + cp1252" in window.file_label.text()

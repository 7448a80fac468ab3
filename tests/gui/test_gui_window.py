"""MainWindow: opening a file in the background, the table, the detail pane, the keyboard."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

KEY = Qt.Key


def current_row_id(window) -> int:
    return window.model.row_id(window.table.currentIndex().row())


def test_open_csv_shows_every_row(window, open_file, small_csv, small_frame):
    assert window.corpus is None
    corpus = open_file(small_csv)
    assert corpus is window.corpus and corpus.rows == 5
    assert window.stack.currentWidget() is window.splitter
    assert window.model.rowCount() == 5 and window.model.columnCount() == 4
    assert [window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "id",
        "party",
        "text",
        "note",
    ]
    pd.testing.assert_series_equal(corpus.frame["id"], small_frame["id"], check_dtype=False)
    status = window.rows_label.text()
    assert "5 rows" in status and "4 columns" in status
    assert "answers.csv" in window.file_label.text()
    assert "answers.csv" in window.windowTitle()
    assert window.text_column.currentText() == "text"
    assert window.files.act_export.isEnabled()


def test_open_runs_in_the_background(qtbot, window, small_csv):
    """open_path returns before the file is read; the result arrives as sig_loaded."""
    with qtbot.waitSignal(window.sig_loaded, timeout=20_000):
        window.open_path(small_csv)
        assert window.corpus is None  # not read synchronously
        assert window.progress.isVisible()  # the busy indicator is on meanwhile
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=5000)


def test_detail_pane_shows_the_full_text(window, open_file, small_csv, long_text):
    open_file(small_csv)
    assert current_row_id(window) == 0
    shown = window.detail.plain_text()
    assert long_text in shown  # all 5,000 characters, newlines included
    assert shown.rstrip().endswith("END")
    assert "Row 1 of 5" in window.detail.title.text()
    # The metadata of the row is shown with it.
    assert "party" in shown and "Green" in shown


def test_keyboard_moves_between_rows(window, open_file, small_csv, long_text):
    open_file(small_csv)
    table = window.table
    assert QApplication.focusWidget() is table
    QTest.keyClick(table, KEY.Key_Down)
    assert current_row_id(window) == 1
    assert "Buses are late every day." in window.detail.plain_text()
    assert "Row 2 of 5" in window.detail.title.text()
    QTest.keyClick(table, KEY.Key_Down)
    assert "Rent is too high\nand rising." in window.detail.plain_text()
    QTest.keyClick(table, KEY.Key_Up)
    assert current_row_id(window) == 1
    QTest.keyClick(table, KEY.Key_End)
    assert current_row_id(window) == 4
    assert "potholes on the high street" in window.detail.plain_text()
    QTest.keyClick(table, KEY.Key_Home)
    assert current_row_id(window) == 0
    assert long_text in window.detail.plain_text()
    QTest.keyClick(table, KEY.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert current_row_id(window) == 4
    QTest.keyClick(table, KEY.Key_PageUp)
    assert current_row_id(window) == 0


def test_goto_row(window, open_file, small_csv):
    open_file(small_csv)
    assert window.goto_row(3)
    assert current_row_id(window) == 3
    assert "=HYPERLINK" in window.detail.plain_text()


def test_copy_rows(window, open_file, small_csv):
    open_file(small_csv)
    window.goto_row(1)
    window.copy_rows()
    copied = QApplication.clipboard().text()
    assert copied.splitlines()[0] == "id\tparty\ttext\tnote"
    assert "Buses are late every day." in copied and "r1" not in copied


def test_missing_text_shows_empty(window, qtbot):
    from llmstudio.core.corpus import Corpus

    frame = pd.DataFrame({"text": ["a", None]})
    with qtbot.waitSignal(window.sig_loaded, timeout=1000):
        window.show_corpus(Corpus(frame, "text"))
    window.goto_row(1)
    assert "(empty)" in window.detail.plain_text()

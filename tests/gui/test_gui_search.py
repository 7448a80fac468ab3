"""Search and sort in the main window, small corpora (filtered in the GUI thread)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ORDER_TIMEOUT = 5000  # the search waits 250 ms for typing to pause, then runs


def type_search(qtbot, window, text: str, *, clear: bool = True) -> int:
    """Type into the search box like a user and wait until the table follows."""
    if clear and window.search_bar.edit.text():
        window.search_bar.edit.blockSignals(True)
        window.search_bar.edit.clear()
        window.search_bar.edit.blockSignals(False)
    window.search_bar.edit.setFocus()
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT) as blocker:
        qtbot.keyClicks(window.search_bar.edit, text)
    return blocker.args[0]


def current_row_id(window) -> int:
    return window.model.row_id(window.table.currentIndex().row())


def test_typing_filters_rows(qtbot, window, open_file, small_csv, shown_rows):
    open_file(small_csv)
    assert type_search(qtbot, window, "rent") == 1  # case-insensitive by default
    assert shown_rows() == [2]
    assert window.rows_label.text().startswith("showing 1 of 5 rows")
    assert type_search(qtbot, window, "the") == 2  # LONG_TEXT and "high street"
    assert shown_rows() == [0, 4]
    window.search_bar.case.setChecked(True)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=ORDER_TIMEOUT)
    assert type_search(qtbot, window, "Rent") == 1
    assert type_search(qtbot, window, "RENT") == 0
    assert window.rows_label.text().startswith("showing 0 of 5 rows")
    assert "No rows match" in window.detail.plain_text()


def test_detail_follows_the_filter(qtbot, window, open_file, small_csv, long_text):
    """When the current row is filtered out, the detail pane shows the new current row."""
    open_file(small_csv)
    assert current_row_id(window) == 0 and long_text in window.detail.plain_text()
    type_search(qtbot, window, "buses")
    assert current_row_id(window) == 1
    assert "Buses are late every day." in window.detail.plain_text()
    assert long_text not in window.detail.plain_text()
    # Selection and current index point at rows that exist, and at the right row ids.
    selected = window.table.selectionModel().selectedRows()
    assert [window.model.row_id(i.row()) for i in selected] == [1]


def test_regex_search(qtbot, window, open_file, small_csv, shown_rows):
    open_file(small_csv)
    assert type_search(qtbot, window, "^(buses|rent)") == 0  # literal text: no match
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT):
        window.search_bar.regex.setChecked(True)
    assert shown_rows() == [1, 2]
    assert window.rows_label.text().startswith("showing 2 of 5 rows")
    assert type_search(qtbot, window, r"high\s+street$") == 1
    assert shown_rows() == [4]


def test_invalid_regex_marks_the_box_and_keeps_rows(
    qtbot, window, open_file, small_csv, shown_rows
):
    open_file(small_csv)
    window.search_bar.regex.setChecked(True)
    type_search(qtbot, window, "bus|rent")
    assert shown_rows() == [1, 2]
    qtbot.keyClicks(window.search_bar.edit, "(")  # "bus|rent(": unbalanced parenthesis
    qtbot.waitUntil(
        lambda: "invalid regular expression" in window.search_bar.edit.toolTip(),
        timeout=ORDER_TIMEOUT,
    )
    assert "c62828" in window.search_bar.edit.styleSheet()  # the box is marked red
    assert "invalid regular expression" in window.statusBar().currentMessage()
    assert shown_rows() == [1, 2]  # the rows stay as they were
    # Fixing the pattern clears the mark.
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT):
        QTest.keyClick(window.search_bar.edit, Qt.Key.Key_Backspace)
    assert window.search_bar.edit.styleSheet() == ""
    assert "invalid" not in window.search_bar.edit.toolTip()


def test_scope_all_columns_finds_metadata(qtbot, window, open_file, small_csv, shown_rows):
    open_file(small_csv)
    assert type_search(qtbot, window, "reform") == 0  # only in the party column
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT) as blocker:
        window.search_bar.scope.setCurrentIndex(1)  # "in all columns"
    assert blocker.args == [1] and shown_rows() == [3]
    assert type_search(qtbot, window, "@mention") == 1  # the note column


def test_escape_clears_the_search(qtbot, window, open_file, small_csv, shown_rows):
    open_file(small_csv)
    type_search(qtbot, window, "buses")
    assert window.search_bar.edit.hasFocus()
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT) as blocker:
        QTest.keyClick(window.search_bar.edit, Qt.Key.Key_Escape)
    assert window.search_bar.edit.text() == ""
    assert blocker.args == [5] and shown_rows() == [0, 1, 2, 3, 4]
    assert window.rows_label.text().startswith("5 rows")
    assert QApplication.focusWidget() is window.table


def test_return_searches_at_once(qtbot, window, open_file, small_csv, shown_rows):
    open_file(small_csv)
    window.search_bar.edit.blockSignals(True)
    window.search_bar.edit.setText("potholes")
    window.search_bar.edit.blockSignals(False)
    with qtbot.waitSignal(window.sig_order_changed, timeout=100):  # no 250 ms pause
        QTest.keyClick(window.search_bar.edit, Qt.Key.Key_Return)
    assert shown_rows() == [4]
    assert QApplication.focusWidget() is window.table


def test_ctrl_f_focuses_the_search_box(qtbot, window, open_file, small_csv):
    open_file(small_csv)
    window.search_bar.edit.setText("abc")
    window.table.setFocus()
    qtbot.waitUntil(lambda: window.table.hasFocus(), timeout=1000)
    QTest.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.edit.hasFocus()
    assert window.search_bar.edit.selectedText() == "abc"  # typing replaces the old search


def test_sort_by_header_click(qtbot, window, open_file, small_csv, shown_rows):
    open_file(small_csv)
    header = window.table.horizontalHeader()
    party = window.corpus.frame["party"]
    x = header.sectionViewportPosition(1) + header.sectionSize(1) // 2
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT):
        qtbot.mouseClick(
            header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
        )
    assert header.sortIndicatorSection() == 1
    ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    values = [party[i] for i in shown_rows()]
    assert values == sorted(values, reverse=not ascending)
    # Ties keep file order; the vertical header still names file rows.
    assert window.model.headerData(0, Qt.Orientation.Vertical) == str(shown_rows()[0] + 1)


def test_sort_with_search_and_current_row_kept(qtbot, window, open_file, small_csv, shown_rows):
    open_file(small_csv)
    frame = window.corpus.frame
    header = window.table.horizontalHeader()
    window.goto_row(2)
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT):
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert shown_rows() == [4, 3, 2, 1, 0]
    assert current_row_id(window) == 2  # the same row stays current
    assert "Rent is too high" in window.detail.plain_text()
    # A search keeps the sort; the sort keeps the search.
    window.search_bar.scope.setCurrentIndex(1)
    type_search(qtbot, window, "labour")
    assert shown_rows() == [4, 1]
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT):
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    assert shown_rows() == [1, 4]
    assert window.rows_label.text().startswith("showing 2 of 5 rows")
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT):
        header.setSortIndicator(3, Qt.SortOrder.AscendingOrder)  # note: "" < "-dash"
    notes = [frame["note"][i] for i in shown_rows()]
    assert notes == sorted(notes)
    with qtbot.waitSignal(window.sig_order_changed, timeout=ORDER_TIMEOUT):
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # back to file order
    assert shown_rows() == [1, 4]

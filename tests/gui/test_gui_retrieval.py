"""The Coded Passages window on a small project counted by hand: the code tree, children,
coder and filter change what is listed; Enter on an item selects its row in the table and
says which passage; the crosstab's numbers and shares; Chart This draws the codes by
group and a bar shows its rows; both exports read back."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from PySide6.QtCore import Qt

from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.gui.charts.chart_kinds import CODES
from llmstudio.gui.charts.code_bars import GROUPED, STACKED

from helpers.retrieval import BOOK, TEXTS, make_project


@pytest.fixture
def view(qtbot, window, open_file, tmp_path):
    path = tmp_path / "r.llmstudio"
    make_project(path).close()
    open_file(path)
    v = window.retrieval.open()
    qtbot.waitUntil(lambda: bool(v.passages.model.items), timeout=5000)
    return v


def exported(qtbot, window, path):
    qtbot.waitUntil(lambda: path.exists() and not window.background_work, timeout=5000)


def wait(qtbot, tab):
    qtbot.waitUntil(lambda: not tab.background.running and not tab.background.stale, timeout=5000)


def pick_code(view, name):
    tree = view.passages.codes
    (item,) = tree.findItems(name, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
    tree.setCurrentItem(item)


def listed(view):
    return [(i.row_id, i.code, i.kind) for i in view.passages.model.items]


def test_code_children_coder_and_filter_change_the_list(qtbot, view):
    tab = view.passages
    assert tab.counts.text().startswith("4 passages and 4 whole texts in 6 rows")
    pick_code(view, "Housing")
    wait(qtbot, tab)
    assert listed(view) == [
        (0, "Rents", "whole text"),
        (2, "Landlords", "passage"),
        (3, "Housing", "whole text"),
        (4, "Rents", "passage"),
    ]
    tab.children.setChecked(False)
    wait(qtbot, tab)
    assert listed(view) == [(3, "Housing", "whole text")]
    tab.children.setChecked(True)
    tab.show_whole.setChecked(False)
    wait(qtbot, tab)
    assert listed(view) == [(2, "Landlords", "passage"), (4, "Rents", "passage")]
    assert "showing passages only" in tab.counts.text()
    tab.coder.setCurrentText("ben")
    wait(qtbot, tab)
    assert listed(view) == [(4, "Rents", "passage")]
    tab.coder.setCurrentText("All coders")
    tab.column.setCurrentText("party")
    tab.value.setCurrentText("B")
    wait(qtbot, tab)
    assert listed(view) == []
    assert tab.counts.text().startswith("0 passages in 0 rows")


def test_opened_again_it_reads_what_was_coded_since(qtbot, window, view):
    view.close()
    ps.add(window.project, BOOK, "carl", 3, 0, 7, "Housing", "new")
    window.project.save_codebook(Codebook(codes=(Code("Tone"),), name="Another"))
    again = window.retrieval.open()
    assert again is view
    qtbot.waitUntil(lambda: "5 passages" in view.passages.counts.text(), timeout=5000)
    assert view.passages.coder.findText("carl") >= 0
    assert [view.book_picker.itemText(i) for i in range(view.book_picker.count())] == [
        "Another",
        "Issues",
    ]
    assert view.book_picker.currentText() == "Issues"  # the choice kept


def test_enter_selects_the_row_and_says_which_passage(qtbot, window, view):
    tab = view.passages
    pick_code(view, "Landlords")
    wait(qtbot, tab)
    (item,) = tab.model.items
    assert "<b>landlord 😡</b>" in tab.model.data(
        tab.model.index(0, 3), Qt.ItemDataRole.UserRole + 1
    )
    tab.table.setFocus()
    tab.table.selectRow(0)
    with qtbot.waitSignal(window.retrieval.sig_passage_chosen) as chosen:
        qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert chosen.args == ["Issues", 2, item.start, item.end]
    assert TEXTS[2][item.start : item.end] == "landlord 😡"
    assert window.model.row_id(window.table.currentIndex().row()) == 2


def test_a_passage_chosen_is_selected_in_the_open_coding_panel(qtbot, window, view):
    panel = window.coding
    panel.act_open.trigger()  # Ctrl+K would go to the Coded Passages window, in front
    qtbot.waitUntil(panel.dock.isVisible)
    panel.codebook_box.setCurrentText("Issues")
    panel.coder_edit.setFocus()
    qtbot.keyClicks(panel.coder_edit, "ana")
    panel.coder_edit.editingFinished.emit()
    panel.set_filter("all")
    panel.goto(0)
    pick_code(view, "Landlords")
    wait(qtbot, view.passages)
    view.passages.choose(0)
    assert panel.row_id == 2
    start, end = panel.text.selection()
    assert TEXTS[2][start:end] == "landlord 😡"
    panel.codebook_box.setCurrentText("")  # another codebook: the row only
    view.passages.choose(0)
    assert panel.row_id == 2


def test_crosstab_shares_chart_and_a_bar_shows_its_rows(qtbot, window, view, tmp_path):
    tab = view.crosstab
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.result is not None, timeout=5000)
    table = tab.table
    header = [table.horizontalHeaderItem(j).text() for j in range(table.columnCount())]
    assert header == ["Code", "A", "B", "(missing)", "Total"]
    assert [table.item(0, j).text() for j in range(5)] == ["Housing", "3", "1", "0", "4"]
    assert table.item(1, 0).text().strip() == "Rents" and table.item(0, 0).font().bold()
    tab.show_as.setCurrentText("% of column")
    assert [table.item(0, j).text() for j in range(1, 5)] == ["100.0%", "50.0%", "0.0%", "66.7%"]
    assert "parent code is a subtotal" in tab.notes.text()

    tab.chart_button.click()
    panel = window.charts.panel()
    qtbot.waitUntil(lambda: panel.kind.currentIndex() == CODES and bool(panel.hits), timeout=5000)
    assert panel.column.currentText() == "Codes of Issues: all coders (texts)"
    assert panel.second.currentText() == "party"
    housing_a = panel.hits[0]
    assert housing_a[3] == pytest.approx(100.0) and housing_a[4].tolist() == [0, 2, 4]
    panel.label.setCurrentText(STACKED)  # counts, one segment per code
    qtbot.waitUntil(lambda: bool(panel.hits) and panel.hits[0][3] == 3, timeout=5000)
    transport_a = panel.hits[3]  # above Housing's 3 in group A: Transport has none there
    assert (transport_a[2], transport_a[3]) == (3, 3)
    x = (housing_a[0] + housing_a[1]) / 2
    panel.label.setCurrentText(GROUPED)
    qtbot.waitUntil(lambda: bool(panel.hits) and panel.hits[0][3] == 100, timeout=5000)
    assert panel.show_rows_at(x, 50)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=5000)

    out = tmp_path / "by_party.xlsx"
    view.export_crosstab(str(out))
    exported(qtbot, window, out)
    rows = list(openpyxl.load_workbook(out)["data"].iter_rows(values_only=True))
    assert rows[1] == ("Housing", "", 100.0, 50.0, 0.0, 66.7)


def test_the_passage_list_exports_as_shown(qtbot, window, view, tmp_path):
    pick_code(view, "Transport")
    wait(qtbot, view.passages)
    out = tmp_path / "transport.csv"
    view.export_passages(str(out))
    exported(qtbot, window, out)
    with open(out, encoding="utf-8", newline="") as f:
        read = list(csv.DictReader(f))
    assert [(r["Row"], r["Code"], r["Kind"]) for r in read] == [
        ("2", "Transport", "whole text"),
        ("6", "Transport", "passage"),
    ]
    assert read[1]["Context before"] == "'=SUM(A1) " and read[1]["party"] == ""


def test_opened_again_it_keeps_the_code_coder_and_filter_chosen(qtbot, window, view):
    """Reopening (Ctrl+Shift+P after coding in the panel) must not silently widen the list
    to every code and coder: the researcher would read the new counts as theirs."""
    tab = view.passages
    pick_code(view, "Housing")
    tab.coder.setCurrentText("ben")
    tab.column.setCurrentText("party")
    tab.value.setCurrentText("A")
    wait(qtbot, tab)
    shown = listed(view)
    view.crosstab.by.setCurrentText("wave")
    view.close()
    again = window.retrieval.open()
    wait(qtbot, again.passages)
    assert tab.codes.currentItem().text(0) == "Housing"
    assert (tab.coder.currentText(), tab.column.currentText(), tab.value.currentText()) == (
        "ben",
        "party",
        "A",
    )
    assert listed(view) == shown
    assert view.crosstab.by.currentText() == "wave"


def test_the_open_list_follows_the_coding_panel(qtbot, window, view):
    """A passage marked in the panel while the list is open shows in it (no stale counts)."""
    panel = window.coding
    panel.act_open.trigger()
    qtbot.waitUntil(panel.dock.isVisible)
    panel.codebook_box.setCurrentText("Issues")
    panel.coder_edit.setText("dora")
    panel.coder_edit.editingFinished.emit()
    panel.set_filter("all")
    panel.goto(1)
    view.show()
    before = len(view.passages.model.items)
    panel.setFocus()
    panel.text.select(0, 4)
    panel.passage_coding.code_selection("Housing")
    qtbot.waitUntil(lambda: len(view.passages.model.items) == before + 1, timeout=5000)
    assert ("dora", 1) in {(i.coder, i.row_id) for i in view.passages.model.items}
    assert view.passages.coder.findText("dora") >= 0


def test_a_code_renamed_in_the_editor_is_renamed_in_the_open_list(qtbot, window, view):
    """The list open beside the codebook editor must not go on naming (and exporting) a
    code by the name it no longer has."""
    from llmstudio.gui.coding.codebook_editor import CodebookEditor

    pick_code(view, "Rents")
    wait(qtbot, view.passages)
    editor = CodebookEditor(window.project, window, select="Issues")
    qtbot.addWidget(editor)
    editor._confirm = lambda *_: True  # the Yes of the rename's question
    editor.tree.set_current_index(editor.tree.titles().index("  Rents"))
    assert editor.rename_code("Rent costs")
    wait(qtbot, view.passages)
    assert view.passages.codes.currentItem().text(0) == "Rent costs"
    assert {i.code for i in view.passages.model.items} == {"Rent costs"}
    assert len(view.passages.model.items) == 2  # ana's row code and ben's passage


def test_a_code_merged_away_says_so_and_lists_every_code(qtbot, window, view):
    from llmstudio.gui.coding.codebook_editor import CodebookEditor

    pick_code(view, "Landlords")
    wait(qtbot, view.passages)
    editor = CodebookEditor(window.project, window, select="Issues")
    qtbot.addWidget(editor)
    editor.tree.set_current_index(editor.tree.titles().index("  Landlords"))
    assert editor.merge_code("Rents")
    wait(qtbot, view.passages)
    assert view.passages.codes.currentItem().text(0) == "All codes"
    assert "“Landlords” is no longer a code of Issues" in window.statusBar().currentMessage()
    assert "Landlords" not in {i.code for i in view.passages.model.items}


def test_the_codes_chart_follows_a_rename_and_the_panel(qtbot, window, view):
    """'Codes by group' open in the charts dock: a top-level code renamed in the editor is
    drawn under its new name, and a passage marked in the panel is counted."""
    from llmstudio.gui.coding.codebook_editor import CodebookEditor

    view.tabs.setCurrentWidget(view.crosstab)
    qtbot.waitUntil(lambda: view.crosstab.result is not None, timeout=5000)
    view.crosstab.chart_button.click()
    panel = window.charts.panel()
    qtbot.waitUntil(lambda: panel.kind.currentIndex() == CODES and bool(panel.hits), timeout=5000)

    def legend():
        return [label.text for _, label in panel.legend.items] if panel.legend else []

    assert "Housing" in legend()
    editor = CodebookEditor(window.project, window, select="Issues")
    qtbot.addWidget(editor)
    editor._confirm = lambda *_: True  # the Yes of the rename's question
    editor.tree.set_current_index(editor.tree.titles().index("Housing"))
    assert editor.rename_code("Housing costs")
    qtbot.waitUntil(lambda: "Housing costs" in legend(), timeout=5000)
    assert "Housing" not in legend()
    health_a = next(h for h in panel.hits if h[5] == "party = A, Health")
    ps.add(window.project, window.project.codebook("Issues"), "ana", 4, 0, 4, "Health")
    window.coding.sig_coded.emit(4)  # as the panel says after a passage is stored
    qtbot.waitUntil(
        lambda: any(
            h[5] == "party = A, Health" and h[4].tolist() != health_a[4].tolist()
            for h in panel.hits
        ),
        timeout=5000,
    )


def test_a_new_coder_joins_the_chart_sources_at_once(qtbot, window, view):
    """'Codes by group' open: a coder who codes for the first time is offered as a source
    by the chart and the crosstab without reopening anything."""
    view.tabs.setCurrentWidget(view.crosstab)
    qtbot.waitUntil(lambda: view.crosstab.result is not None, timeout=5000)
    view.crosstab.chart_button.click()
    panel = window.charts.panel()
    qtbot.waitUntil(lambda: panel.kind.currentIndex() == CODES and bool(panel.hits), timeout=5000)

    def offered():
        return [panel.column.itemText(i) for i in range(panel.column.count())]

    assert "Codes of Issues: zoe (passages)" not in offered()
    ps.add(window.project, window.project.codebook("Issues"), "zoe", 4, 0, 4, "Health")
    window.coding.sig_coded.emit(4)  # as the panel says after a passage is stored
    qtbot.waitUntil(lambda: "Codes of Issues: zoe (passages)" in offered(), timeout=5000)
    assert panel.column.currentText() == "Codes of Issues: all coders (texts)"  # kept
    sources = view.crosstab.source
    qtbot.waitUntil(lambda: sources.findText("zoe") >= 0, timeout=5000)
    assert sources.currentText() == "all coders"


def test_the_codes_legend_clears_the_tallest_bar_in_a_short_dock(qtbot, window, view):
    """A charts dock ~350 px high: the legend sits above the tallest bar (100%), drawn
    short and after a resize from tall to short alike."""
    from PySide6.QtCore import QPointF

    view.tabs.setCurrentWidget(view.crosstab)
    qtbot.waitUntil(lambda: view.crosstab.result is not None, timeout=5000)
    panel = window.charts.panel()
    panel.resize(900, 350)
    view.crosstab.chart_button.click()
    qtbot.waitUntil(lambda: panel.kind.currentIndex() == CODES and bool(panel.hits), timeout=5000)

    def clear() -> bool:
        tallest = max(panel.hits, key=lambda h: h[3])
        top = panel.plot.vb.mapViewToScene(QPointF((tallest[0] + tallest[1]) / 2, tallest[3]))
        return panel.legend.sceneBoundingRect().bottom() < top.y()

    qtbot.wait(100)  # laid out
    assert clear()
    for height in (600, 300):
        panel.resize(900, height)
        qtbot.wait(100)
        assert clear(), height


def test_a_chart_hidden_behind_another_dock_catches_up_when_shown(qtbot, window, view):
    view.tabs.setCurrentWidget(view.crosstab)
    qtbot.waitUntil(lambda: view.crosstab.result is not None, timeout=5000)
    view.crosstab.chart_button.click()
    panel = window.charts.panel()
    qtbot.waitUntil(lambda: panel.kind.currentIndex() == CODES and bool(panel.hits), timeout=5000)
    window.charts.dock.hide()  # as behind another dock's tab: nothing followed meanwhile
    ps.add(window.project, window.project.codebook("Issues"), "zoe", 4, 0, 4, "Health")
    window.coding.sig_coded.emit(4)
    assert panel.column.findText("Codes of Issues: zoe (passages)") < 0
    window.charts.dock.show()
    assert panel.column.findText("Codes of Issues: zoe (passages)") >= 0

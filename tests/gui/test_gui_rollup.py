"""Results rolled up to documents in the window: View > Documents (rolled up), the charts
at the level "Documents (rolled up)", and the export dialog's level. Real widgets and
worker threads on a units corpus built by hand (3 documents of 3, 2 and 4 units)."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from helpers.gui import open_project
from helpers.units_corpus import make_units_project, units_frame

SENT = "sentiment_label_run1"
MEAN = f"{SENT}: mean signed sentiment"
DOC_MEANS = {"A": 0.2 / 3, "B": 0.7, "C": -1.1 / 3}


@pytest.fixture
def units(qtbot, window, tmp_path):
    open_project(qtbot, window, make_units_project(tmp_path / "units.llmstudio"))
    return window


def open_view(qtbot, window):
    window.documents.open()
    qtbot.waitUntil(lambda: window.documents.view is not None, timeout=20_000)
    return window.documents.view


def shown(window) -> list[int]:
    return sorted(int(window.model.row_id(r)) for r in range(window.model.rowCount()))


def test_document_view_and_double_click(qtbot, units, tmp_path):
    view = open_view(qtbot, units)
    model = view.model
    assert model.rowCount() == 3
    columns = list(model.frame.columns)
    assert columns[:4] == ["document", "party", "year", "units"]
    col = columns.index(MEAN)
    assert [model.data(model.index(r, col)) for r in range(3)] == ["0.067", "0.700", "-0.367"]
    n = columns.index(f"{SENT}: units with a result")
    assert [model.data(model.index(r, n)) for r in range(3)] == ["3", "2", "3"]
    tip = model.headerData(n, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "not counted as zeros" in tip
    assert "'speaker'" in view.note.text() and "vary within a document" in view.note.text()
    view.table.doubleClicked.emit(model.index(1, 0))  # document B
    assert shown(units) == [3, 4]
    view.table.doubleClicked.emit(model.index(2, 0))  # document C
    assert shown(units) == [5, 6, 7, 8]
    QApplication.processEvents()
    view.grab().save(str(tmp_path / "document_view.png"))


def test_a_table_without_documents_says_why(qtbot, units, open_file, tmp_path, monkeypatch):
    window = units
    view = open_view(qtbot, window)
    path = tmp_path / "plain.csv"
    units_frame().drop(columns=["document"]).to_csv(path, index=False)
    open_file(path)
    view.table.doubleClicked.emit(view.model.index(1, 0))  # a view of the table before
    assert "no longer open" in view.note.text()
    assert window.model.rowCount() == 9  # nothing filtered
    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: said.append(a[2]))
    window.documents.open()
    assert window.documents.view is view  # no new view: nothing to roll up
    assert said and "no 'document' column" in said[0]


def drawn(panel, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while panel.pending and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    assert not panel.pending


def test_charts_by_document_metadata(qtbot, units, tmp_path):
    from llmstudio.gui.charts import chart_kinds as ck

    units.charts.open_panel()
    panel = units.charts.panel()
    assert panel.level.isVisibleTo(panel)
    panel.level.setCurrentIndex(1)
    panel.kind.setCurrentIndex(ck.GROUP_MEANS)
    panel.column.setCurrentIndex(panel.column.findData("doc:" + MEAN))
    panel.second.setCurrentIndex(panel.second.findData("doc:party"))
    panel.redraw()
    drawn(panel)
    data = panel.data.set_index("group")
    # each document counts once: SPD is the mean of documents A and C
    assert data.loc["SPD", "n"] == 2 and data.loc["CDU", "n"] == 1
    assert data.loc["SPD", "mean"] == pytest.approx((DOC_MEANS["A"] + DOC_MEANS["C"]) / 2)
    assert data.loc["CDU", "mean"] == pytest.approx(DOC_MEANS["B"])
    QApplication.processEvents()
    panel.grab().save(str(tmp_path / "chart_by_party.png"))
    hit = next(h for h in panel.hits if "CDU" in h[5])
    assert panel.show_rows_at((hit[0] + hit[1]) / 2, (hit[2] + hit[3]) / 2)
    assert shown(units) == [3, 4]  # document B's units
    # by document: one bar per document
    panel.second.setCurrentIndex(panel.second.findData("doc:document"))
    panel.redraw()
    drawn(panel)
    got = dict(zip(panel.data["group"], panel.data["mean"]))
    assert got == pytest.approx(DOC_MEANS)
    panel.level.setCurrentIndex(0)  # back to units: the table's own columns
    assert panel.column.findData("doc:" + MEAN) < 0


def test_export_dialog_level_and_document_export(qtbot, units, tmp_path):
    from llmstudio.gui.project.export_dialog import ExportDialog

    dialog = ExportDialog(tmp_path / "x.csv", 9, units, project=True, documents=True)
    assert dialog.level.isVisibleTo(dialog) and dialog.chosen_level() == "unit"
    assert "9 rows" in dialog.note.text()
    dialog.level.setCurrentIndex(1)
    assert dialog.chosen_level() == "document"
    assert "One row per document" in dialog.note.text()
    dialog.grab().save(str(tmp_path / "export_dialog.png"))
    plain = ExportDialog(tmp_path / "x.csv", 9, units, project=True)
    assert not plain.level.isVisibleTo(plain)
    out = tmp_path / "docs.xlsx"
    with qtbot.waitSignal(units.sig_saved, timeout=20_000):
        units.files.export_to(out, level="document")
    back = pd.read_excel(out, sheet_name="data")
    assert back["document"].tolist() == ["A", "B", "C"]
    assert back[MEAN].tolist() == pytest.approx(list(DOC_MEANS.values()))
    assert "Exported 3 documents (9 units)" in units.statusBar().currentMessage()


def test_chart_level_goes_back_to_units_for_a_table_without_documents(
    qtbot, units, open_file, tmp_path
):
    units.charts.open_panel()
    panel = units.charts.panel()
    panel.level.setCurrentIndex(1)
    assert panel.sources.rollup is not None
    assert panel.column.findData("doc:party") >= 0  # labels: the documents' metadata
    path = tmp_path / "plain.csv"
    units_frame().drop(columns=["document"]).to_csv(path, index=False)
    open_file(path)
    panel.refresh_columns()
    assert not panel.level.isVisibleTo(panel) and panel.level.currentIndex() == 0
    assert panel.sources.rollup is None
    assert panel.column.findData("doc:party") < 0
    assert panel.column.findData("column:party") >= 0  # the table's own column again

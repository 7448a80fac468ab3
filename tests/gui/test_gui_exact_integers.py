"""The table in the window shows ids exactly as in the file (12345678901234567, not
1.2345678901234568e+16), a missing id as an empty cell, and sorts them as numbers."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt

from llmstudio.core.corpus import read_table
from llmstudio.core.search import sort_order
from llmstudio.gui.table.corpus_model import CorpusTableModel

BIG, ODD = 12345678901234567, 9007199254740993


@pytest.fixture
def ids_file(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text(
        f'{{"id": {BIG}, "text": "good"}}\n{{"text": "no id"}}\n{{"id": {ODD}, "text": "bad"}}\n',
        encoding="utf-8",
    )
    return path


def test_large_ids_with_a_gap_display_exactly(ids_file):
    path = ids_file
    model = CorpusTableModel(read_table(path).frame)
    shown = [model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole) for r in range(3)]
    assert shown == [str(BIG), "", str(ODD)]
    align = model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole)
    assert align is not None and int(align) & int(Qt.AlignmentFlag.AlignRight)
    frame, column = model.sort_source(0)
    assert sort_order(frame, column).tolist() == [2, 0, 1]  # ODD < BIG, missing last


def test_xlsx_export_from_the_window_says_ids_are_text(
    qtbot, window, open_file, ids_file, tmp_path
):
    open_file(ids_file)
    out = tmp_path / "ids.xlsx"
    with qtbot.waitSignal(window.sig_saved, timeout=20_000):
        window.files.export_to(out)
    message = window.statusBar().currentMessage()
    assert "Exported 3 rows" in message
    assert "column 'id': integers of more than 15 digits written as text" in message
    cells = [c.value for c in openpyxl.load_workbook(out)["data"]["A"]]
    assert cells == ["id", str(BIG), None, str(ODD)]

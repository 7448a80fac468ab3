"""The table in the window shows ids exactly as in the file (12345678901234567, not
1.2345678901234568e+16), a missing id as an empty cell, and sorts them as numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt

from llmstudio.core.corpus import read_table
from llmstudio.core.search import sort_order
from llmstudio.gui.corpus_model import CorpusTableModel

BIG, ODD = 12345678901234567, 9007199254740993


def test_large_ids_with_a_gap_display_exactly(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text(f'{{"id": {BIG}, "text": "good"}}\n{{"text": "no id"}}\n'
                    f'{{"id": {ODD}, "text": "bad"}}\n', encoding="utf-8")
    model = CorpusTableModel(read_table(path).frame)
    shown = [model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole) for r in range(3)]
    assert shown == [str(BIG), "", str(ODD)]
    align = model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole)
    assert align is not None and int(align) & int(Qt.AlignmentFlag.AlignRight)
    frame, column = model.sort_source(0)
    assert sort_order(frame, column).tolist() == [2, 0, 1]  # ODD < BIG, missing last

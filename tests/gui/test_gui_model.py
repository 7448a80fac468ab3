"""CorpusTableModel: the read-only Qt model over a corpus DataFrame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from llmstudio.gui.table.corpus_model import MAX_CELL_CHARS, CorpusTableModel, cell_excerpt

H, V = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "text": ["one line", "first\nsecond\r\nthird", "y" * 1000, None],
            "score": [1.5, -2.0, np.nan, 4.0],
        }
    )


def display(model, row, column):
    return model.data(model.index(row, column), DISPLAY)


def test_counts_and_headers(frame):
    model = CorpusTableModel(frame)
    assert model.rowCount() == 4
    assert model.columnCount() == 3
    assert [model.headerData(c, H) for c in range(3)] == ["id", "text", "score"]
    # The vertical header is the row's number in the file, 1-based.
    assert [model.headerData(r, V) for r in range(4)] == ["1", "2", "3", "4"]
    assert model.headerData(3, H) is None and model.headerData(4, V) is None
    # A table model has no children: a valid parent has no rows or columns.
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.columnCount(model.index(0, 0)) == 0


def test_empty_model():
    model = CorpusTableModel()
    assert model.rowCount() == 0 and model.columnCount() == 0
    assert model.headerData(0, H) is None and model.headerData(0, V) is None


def test_display_is_a_one_line_excerpt(frame):
    model = CorpusTableModel(frame)
    assert display(model, 0, 1) == "one line"
    multi = display(model, 1, 1)
    assert "\n" not in multi and "\r" not in multi
    assert multi.count("⏎") == 2 and multi.startswith("first") and multi.endswith("third")
    long = display(model, 2, 1)
    assert long == "y" * MAX_CELL_CHARS + "…"
    assert display(model, 3, 1) == ""  # None
    assert display(model, 2, 2) == ""  # NaN
    assert display(model, 1, 2) == "-2.0"


def test_cell_excerpt_limits():
    assert cell_excerpt("abc", 2) == "ab…"
    assert cell_excerpt(pd.NA) == ""
    assert cell_excerpt(7) == "7"


def test_roles_not_served_return_none(frame):
    model = CorpusTableModel(frame)
    index = model.index(0, 0)
    for role in (
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.UserRole,
    ):
        assert model.data(index, role) is None, role
    # Tooltips only where the cell is long enough to be cut; alignment only for numbers.
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) is None
    assert model.data(model.index(2, 1), Qt.ItemDataRole.ToolTipRole).startswith("yyy")
    assert model.data(index, Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.data(model.index(0, 2), Qt.ItemDataRole.TextAlignmentRole) is not None
    assert model.headerData(0, H, Qt.ItemDataRole.ToolTipRole) is None
    assert model.headerData(0, V, Qt.ItemDataRole.DecorationRole) is None


def test_read_only_flags(frame):
    model = CorpusTableModel(frame)
    flags = model.flags(model.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsSelectable and flags & Qt.ItemFlag.ItemIsEnabled
    assert not flags & Qt.ItemFlag.ItemIsEditable
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_set_order_row_id_view_row(frame, qtbot):
    model = CorpusTableModel(frame)
    with qtbot.waitSignals([model.layoutAboutToBeChanged, model.layoutChanged], timeout=1000):
        model.set_order(np.array([3, 1]))
    assert model.rowCount() == 2
    assert [model.row_id(r) for r in range(2)] == [3, 1]
    assert model.view_row(1) == 1 and model.view_row(3) == 0
    assert model.view_row(0) is None  # filtered out
    # The vertical header follows the order: it names the rows' places in the file.
    assert [model.headerData(r, V) for r in range(2)] == ["4", "2"]
    assert display(model, 0, 0) == "d" and display(model, 1, 0) == "b"
    model.set_order(np.arange(4)[::-1])
    assert [display(model, r, 0) for r in range(4)] == ["d", "c", "b", "a"]


def test_set_frame_resets(frame, qtbot):
    model = CorpusTableModel(frame)
    model.set_order(np.array([2]))
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_frame(pd.DataFrame({"x": ["1", "2"]}))
    assert model.rowCount() == 2 and model.columnCount() == 1
    assert model.headerData(1, V) == "2"


def test_qt_model_tester(frame):
    """Qt's own consistency checks, fatal on any violation, across order and frame changes."""
    model = CorpusTableModel(frame)
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_order(np.array([2, 0]))
    model.set_order(np.array([], dtype=np.int64))
    model.set_order(np.arange(4))
    model.set_frame(pd.DataFrame({"only": ["x"] * 3}))
    model.set_frame(pd.DataFrame())
    model.set_frame(frame)
    assert tester is not None and model.rowCount() == 4


def test_a_million_rows():
    n = 1_000_000
    big = pd.DataFrame(
        {"id": np.arange(n), "text": pd.Series(np.arange(n).astype(str), dtype="str")}
    )
    model = CorpusTableModel(big)
    assert model.rowCount() == n
    assert display(model, n - 1, 1) == str(n - 1)
    assert model.headerData(n - 1, V) == f"{n}"
    model.set_order(np.arange(n)[::-1])
    assert display(model, n - 1, 1) == "0" and display(model, 0, 0) == str(n - 1)
    assert model.view_row(0) == n - 1

"""A Parquet file with list, map, struct and binary columns in the window: the table and
the detail pane show their JSON text (as the exports write it), they sort, and a list is
refused as the text column with the box left on the text column in use.

Before, such a file could crash the window (a segmentation fault while measuring columns:
``pd.isna`` of a list inside a Qt call), and sorting by one raised in pyarrow.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PySide6.QtCore import Qt

TABLE = pa.table(
    {
        "text": ["good day", "bad day", "fine"],
        "tags": pa.array([["b"], ["a", "c"], None], pa.list_(pa.string())),
        "meta": pa.array(
            [[("k", 1)], [("x", 2), ("y", 3)], None], pa.map_(pa.string(), pa.int64())
        ),
        "blob": pa.array([b"\x00\x01", b"hi", None], pa.binary()),
    }
)


@pytest.fixture
def nested(tmp_path):
    path = tmp_path / "nested.parquet"
    pq.write_table(TABLE, path)
    return path


def shown(window, column: str) -> list[str]:
    model = window.model
    c = window.corpus.columns.index(column)
    return [
        model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())
    ]


def test_structures_are_shown_sorted_and_refused_as_text(
    qtbot, window, open_file, nested, tmp_path
):
    open_file(nested)
    assert shown(window, "tags") == ['["b"]', '["a", "c"]', ""]
    assert shown(window, "meta") == ['{"k": 1}', '{"x": 2, "y": 3}', ""]
    assert shown(window, "blob") == ["AAE=", "aGk=", ""]
    window.table.selectRow(1)
    qtbot.waitUntil(lambda: '{"x": 2, "y": 3}' in window.detail.plain_text(), timeout=5000)
    assert '["a", "c"]' in window.detail.plain_text()

    # Sorting by a list column: by its text, missing last.
    window.table.horizontalHeader().setSortIndicator(
        window.corpus.columns.index("tags"), Qt.SortOrder.AscendingOrder
    )
    qtbot.waitUntil(lambda: shown(window, "tags") == ['["a", "c"]', '["b"]', ""], timeout=5000)
    window.grab().save(str(tmp_path / "formats_nested_window.png"))

    with qtbot.waitSignal(window.sig_error, timeout=5000) as blocker:
        window.text_column.setCurrentText("tags")
    assert "column 'tags' holds lists, not text" in blocker.args[0]
    assert window.corpus.text_column == "text"
    assert window.text_column.currentText() == "text"


def test_the_run_dialog_shows_a_placeholders_json_text(qtbot, window, open_file, nested, tmp_path):
    from llmstudio.gui.runs.run_dialog import RunDialog

    open_file(nested)
    dialog = RunDialog("text", 3, window, frame=window.corpus.frame)
    qtbot.addWidget(dialog)
    dialog.set_task("prompt")
    dialog.template.setPlainText("Classify {text} given {meta} and {tags}")
    request = dialog.request_text()
    assert 'Classify good day given {"k": 1} and ["b"]' in request
    dialog.show()
    dialog.grab().save(str(tmp_path / "formats_run_dialog.png"))

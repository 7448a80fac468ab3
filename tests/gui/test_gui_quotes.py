"""A quote that runs away, in the window: the import dialog lists it with its line and
offers both readings under Quotes; the window's Import problems dock names it after the
import."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from llmstudio.gui.project.import_dialog import ImportDialog

STRAY = 'id,text\n1,"hello there\n2,world is good\n3,again bad\n'


@pytest.fixture
def stray_file(tmp_path):
    path = tmp_path / "stray.csv"
    path.write_text(STRAY, encoding="utf-8")
    return path


def texts(model) -> list[str]:
    """The text column of what the table shows (cells as read: the display marks a line
    break with a sign)."""
    return [model.frame.iat[r, 1] for r in range(model.rowCount())]


def problems(widget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def test_dialog_shows_the_quote_and_both_readings(qtbot, stray_file):
    dialog = ImportDialog(stray_file)
    qtbot.addWidget(dialog)
    assert texts(dialog.model) == ['"hello there', "world is good", "again bad"]
    [shown] = problems(dialog.problems)
    assert shown.startswith("line 2: the quote at column 3 never closes")
    assert dialog.problems.item(0).foreground().color().name() == "#b00020"
    assert dialog.options().quoting is None  # automatic, the default

    dialog.quoting.setCurrentIndex(dialog.quoting.findData("csv"))
    assert texts(dialog.model) == ["hello there\n2,world is good\n3,again bad\n"]
    shown = dialog.model.data(dialog.model.index(0, 1), Qt.ItemDataRole.DisplayRole)
    assert "hello there" in shown and "again bad" in shown
    assert "as chosen" in problems(dialog.problems)[0]
    assert dialog.options().quoting == "csv"

    dialog.quoting.setCurrentIndex(dialog.quoting.findData("none"))
    assert texts(dialog.model) == ['"hello there', "world is good", "again bad"]
    assert problems(dialog.problems) == ["None in the preview rows."]
    dialog.resize(1000, 640)
    dialog.grab().save(str(stray_file.parent / "import_dialog.png"))


@pytest.mark.parametrize("quoting, rows", [("auto", 3), ("csv", 1)])
def test_window_imports_the_chosen_reading_and_names_the_line(
    qtbot, window, stray_file, monkeypatch, quoting, rows
):
    def choose(dialog):
        dialog.quoting.setCurrentIndex(dialog.quoting.findData(quoting))
        return ImportDialog.DialogCode.Accepted

    monkeypatch.setattr(ImportDialog, "exec", choose)
    with qtbot.waitSignal(window.sig_loaded, timeout=10_000):
        window.open_path(stray_file, ask=True)
    assert window.corpus.rows == rows
    assert window.problems_dock.isVisible()
    [shown] = problems(window.problems)
    assert shown.startswith("line 2: the quote at column 3 never closes")

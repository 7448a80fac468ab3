"""ImportDialog, tested as a widget: detection shown, live preview, overrides, errors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from llmstudio.core.corpus import ImportOptions, read_table
from llmstudio.gui.project.import_dialog import ImportDialog

# Semicolon-separated, cp1252 ("ANSI" from Excel on Windows): é, ’, €, «» are single bytes,
# and the texts hold commas, so reading it with the wrong delimiter changes the columns.
ROWS = [
    ("id", "parti", "texte"),
    ("1", "Vert", "Le café, c’est 5 €, non?"),
    ("2", "Rouge", "Très « bien », merci"),
    ("3", "Bleu", "naïve, façade, déjà vu, etc."),
    ("4", "Vert", "Pas d’avis"),
]


@pytest.fixture
def cp1252_file(tmp_path):
    path = tmp_path / "réponses.csv"
    path.write_bytes("\r\n".join(";".join(r) for r in ROWS).encode("cp1252") + b"\r\n")
    return path


@pytest.fixture
def dialog(qtbot, cp1252_file):
    dlg = ImportDialog(cp1252_file)
    qtbot.addWidget(dlg)
    return dlg


def columns(dialog) -> list[str]:
    model = dialog.model
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def cell(dialog, row, column) -> str:
    return dialog.model.data(dialog.model.index(row, column))


def test_shows_what_was_detected(dialog, cp1252_file):
    assert dialog.encoding.currentText() == "cp1252"
    assert dialog.delimiter.currentData() == ";"
    assert dialog.delimiter.currentText().lower() == "semicolon"
    assert dialog.has_header.isChecked()
    assert dialog.skip.value() == 0
    assert cp1252_file.name in dialog.windowTitle()
    assert columns(dialog) == ["id", "parti", "texte"]
    assert dialog.model.rowCount() == 4
    assert cell(dialog, 0, 2) == "Le café, c’est 5 €, non?"  # decoded exactly
    assert dialog.text_column.currentText() == "texte"
    assert "cp1252" in dialog.summary.text() and "texte" in dialog.summary.text()
    assert dialog.ok_button.isEnabled()
    assert dialog.problems.count() == 1 and dialog.problems.item(0).text().startswith("None")


def test_delimiter_change_updates_the_preview_live(dialog):
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(","))
    assert dialog.model.columnCount() != 3  # commas inside the texts now split
    assert columns(dialog)[0] == "id;parti;texte"
    assert dialog.problems.count() >= 1  # ragged rows are listed with lines
    assert any("line" in dialog.problems.item(i).text() for i in range(dialog.problems.count()))
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(";"))
    assert columns(dialog) == ["id", "parti", "texte"]


def test_no_header_gives_numbered_columns(dialog):
    dialog.has_header.setChecked(False)
    assert columns(dialog) == ["column_1", "column_2", "column_3"]
    assert dialog.model.rowCount() == 5
    assert cell(dialog, 0, 0) == "id"  # the header row is data now
    assert dialog.options().has_header is False


def test_options_return_the_choices(dialog, cp1252_file):
    dialog.has_header.setChecked(False)
    dialog.text_column.setCurrentText("column_2")
    dialog.skip.setValue(1)
    opts = dialog.options()
    # Left on the detected encoding, none is forced: the import may still fall back
    # (and report it) if a byte past the sniffed sample does not decode.
    assert opts == ImportOptions(
        encoding=None, delimiter=";", has_header=False, header_row=1, text_column="column_2"
    )
    # The options read the whole file as the preview showed it.
    corpus = read_table(cp1252_file, opts)
    assert corpus.text_column == "column_2" and corpus.rows == 4
    assert corpus.frame.iloc[0, 2] == "Le café, c’est 5 €, non?"
    dialog.encoding.setCurrentText("latin-1")
    assert dialog.options().encoding == "latin-1"


def test_text_column_choice_survives_a_refresh(dialog):
    dialog.text_column.setCurrentText("parti")
    dialog.skip.setValue(0)
    dialog.encoding.setCurrentText("latin-1")
    assert dialog.text_column.currentText() == "parti"
    assert dialog.options().text_column == "parti"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-8", "no-such-codec"])
def test_wrong_encoding_shows_an_error_and_disables_import(dialog, encoding):
    dialog.encoding.setCurrentText(encoding)
    assert not dialog.ok_button.isEnabled()
    text = dialog.summary.text()
    assert "#b00020" in text  # shown as an error
    assert encoding in text or "unknown encoding" in text.lower()
    # Back to the right encoding: the preview and the Import button return.
    dialog.encoding.setCurrentText("cp1252")
    assert dialog.ok_button.isEnabled()
    assert columns(dialog) == ["id", "parti", "texte"]
    assert cell(dialog, 0, 2) == "Le café, c’est 5 €, non?"


def test_utf8_file_detected(qtbot, tmp_path):
    path = tmp_path / "tab.tsv"
    path.write_text("a\tb\n1\tzürich\n", encoding="utf-8-sig")
    dlg = ImportDialog(path)
    qtbot.addWidget(dlg)
    assert dlg.encoding.currentText() == "utf-8-sig"
    assert dlg.delimiter.currentData() == "\t"
    assert cell(dlg, 0, 1) == "zürich" and columns(dlg) == ["a", "b"]


def test_binary_file_refused_before_the_dialog(tmp_path):
    from llmstudio.core.errors import CorpusError

    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(CorpusError, match="image.csv"):
        ImportDialog(path)


def test_window_refuses_a_binary_file_in_the_import_dialog(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    monkeypatch.setattr(
        ImportDialog, "exec", lambda self: pytest.fail("the dialog must not open on a PNG")
    )
    with qtbot.waitSignal(window.sig_error, timeout=5000) as blocker:
        window.open_path(path, ask=True)
    assert "image.csv" in blocker.args[0]
    assert window.corpus is None


def test_a_file_mixing_encodings_is_previewed_line_by_line(qtbot, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "id,texte\n1,café\n".encode() + "2,naïve\n".encode("cp1252") + "3,déjà vu\n".encode()
    )
    dlg = ImportDialog(path)
    qtbot.addWidget(dlg)
    model = dlg.model
    assert [model.data(model.index(r, 1)) for r in range(3)] == ["café", "naïve", "déjà vu"]
    shown = [dlg.problems.item(i).text() for i in range(dlg.problems.count())]
    assert len(shown) == 1 and shown[0].startswith("line 3: the file mixes encodings")
    assert "read as cp1252 (line 3)" in shown[0]
    assert dlg.ok_button.isEnabled()
    assert "Detected: utf-8 + cp1252, comma" in dlg.summary.text()
    dlg.resize(900, 520)
    dlg.grab().save(str(tmp_path / "mixed_dialog.png"))

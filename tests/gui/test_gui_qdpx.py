"""File > Import / Export of REFI-QDA files in the window: the menus hold them, an export
says what it wrote, an import opens the new project and says what it read, bad input is
said in the dialog and leaves nothing, Cancel leaves nothing."""

from __future__ import annotations

import zipfile

import pytest

from llmstudio.core.refi_qda import read_qdc

from helpers.qdpx_files import inclusive_ends

TIMEOUT = 20_000


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions()]


def _file_menu(window):
    [file_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&File"]
    return file_menu


def _finished(qtbot, dialog):
    qtbot.waitUntil(
        lambda: not dialog.task.running and bool(dialog.outcome.text()), timeout=TIMEOUT
    )
    return dialog.outcome.text()


def test_import_opens_the_project_and_export_says_what_it_wrote(qtbot, window, tmp_path):
    menus = {a.text(): a.menu() for a in _file_menu(window).actions() if a.menu()}
    # The documents' entries come first (tests/gui/test_gui_documents.py), then a separator.
    assert _menu_texts(menus["&Import"])[-1:] == ["REFI-QDA &Project (.qdpx)…"]
    assert _menu_texts(menus["E&xport"]) == ["REFI-QDA &Project (.qdpx)…", "&Codebook (.qdc)…"]
    assert not window.files.qdpx.act_export_qdpx.isEnabled()  # no project yet

    source = inclusive_ends(tmp_path / "theirs.qdpx")
    with qtbot.waitSignal(window.sig_loaded, timeout=TIMEOUT):
        dialog = window.files.qdpx.import_qdpx(source, tmp_path / "ours.llmstudio")
    text = _finished(qtbot, dialog)
    assert "Imported 2 text sources as rows, 1 codebook with 6 codes, 5 passages" in text
    assert "2 coders (Ann, Bo)" in text and "inclusive" in text
    assert window.project is not None and window.project.path == tmp_path / "ours.llmstudio"
    assert dialog.buttons.isEnabled()
    dialog.grab().save(str(tmp_path / "import.png"))
    dialog.close()

    actions = window.files.qdpx
    assert actions.act_export_qdpx.isEnabled() and actions.act_export_qdc.isEnabled()
    dialog = actions.export_qdpx(tmp_path / "again.qdpx")
    text = _finished(qtbot, dialog)
    assert text.startswith("Wrote again.qdpx: 2 text sources, 6 codes, 5 passages")
    assert "2 coders and model runs" in text
    with zipfile.ZipFile(tmp_path / "again.qdpx") as zf:
        assert "project.qde" in zf.namelist()
    dialog.close()

    book = window.project.codebooks()[0]
    actions.export_qdc(book, tmp_path / "book.qdc")
    qtbot.waitUntil(lambda: (tmp_path / "book.qdc").exists(), timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: "Wrote codebook" in window.statusBar().currentMessage(), timeout=TIMEOUT
    )
    [back] = read_qdc(tmp_path / "book.qdc")[0]
    assert back.children("Service") == ("Service / Positive", "Service / Negative")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip", "not a REFI-QDA project"),
        (None, "no project.qde"),
    ],
    ids=["not-zip", "no-qde"],
)
def test_bad_file_is_said_in_the_dialog_and_leaves_nothing(
    qtbot, window, tmp_path, content, message
):
    folder = tmp_path / "work"
    folder.mkdir()
    bad = folder / "bad.qdpx"
    if content is None:
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("sources/a.txt", "x")
    else:
        bad.write_bytes(content)
    dialog = window.files.qdpx.import_qdpx(bad, folder / "new.llmstudio")
    assert message in _finished(qtbot, dialog)
    assert [f.name for f in folder.iterdir()] == ["bad.qdpx"]
    assert window.project is None
    dialog.close()


def test_cancel_leaves_no_project(qtbot, window, tmp_path, monkeypatch):
    import threading

    from llmstudio.core.refi_qda import importer

    folder = tmp_path / "work"
    folder.mkdir()
    source = inclusive_ends(folder / "theirs.qdpx")
    real, go = importer.read_qde, threading.Event()

    def slow(path):  # a large file: the user presses Cancel while it is read
        go.wait(TIMEOUT / 1000)
        return real(path)

    monkeypatch.setattr(importer, "read_qde", slow)
    dialog = window.files.qdpx.import_qdpx(source, folder / "new.llmstudio")
    assert dialog.progress.cancel_button.isEnabled() and not dialog.buttons.isEnabled()
    dialog.progress.cancel_button.click()
    go.set()
    assert _finished(qtbot, dialog) == "Cancelled: nothing was written."
    assert [f.name for f in folder.iterdir()] == ["theirs.qdpx"]
    dialog.close()

"""File > Import > Documents and a folder dropped on the window: documents read in the
background with progress and Cancel, opened as a table, skipped files and scanned pages
reported."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from llmstudio.core.project import Project

from helpers.documents import PARAGRAPHS, write_docx, write_report_pdf
from helpers.pdf_files import write_pdf

TIMEOUT_MS = 20_000


def _folder(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    write_report_pdf(docs / "report.pdf", pages=4, scanned=(2,))
    write_docx(docs / "sub" / "interview.docx", author="Dee")
    write_pdf(docs / "scan.pdf", [None])
    return docs


def _drop(window, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:  # Qt >= 6.10 takes a QPointF; the QPoint form is deprecated there
        enter = QDragEnterEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, left, none)
    except TypeError:
        enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, left, none)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, left, none)
    QApplication.sendEvent(window, drop)


def _loaded(qtbot, window):
    """Wait for the corpus shown and the import's task ended."""
    task = window.files.documents.task
    return qtbot.waitSignals([window.sig_loaded, task.sig_finished], timeout=TIMEOUT_MS)


def test_dropped_folder_is_imported_and_reported(qtbot, window, tmp_path):
    docs = _folder(tmp_path)
    with _loaded(qtbot, window):
        _drop(window, docs)
        importer = window.files.documents
        assert importer.dialog is not None and importer.dialog.isVisible()
    assert importer.dialog is None  # closed when the work ended
    frame = window.corpus.frame
    assert list(frame["document"]) == ["report.pdf", "sub/interview.docx"]
    assert window.corpus.text_column == "text" and window.project is None
    assert PARAGRAPHS[0] in frame.loc[1, "text"]
    box = importer.report
    assert box is not None and box.isVisible()
    assert box.text().startswith("Imported 2 documents, 4 PDF pages,")
    assert box.informativeText() == (
        "1 file skipped; 1 page without text (scanned?) in 1 document: its text is "
        "missing. Each is listed under Import problems."
    )
    listed = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert any(line.startswith("scan.pdf: skipped: no text layer") for line in listed)
    assert any(line.startswith("report.pdf, page 2: no text layer") for line in listed)
    assert window.problems_dock.isVisible()
    window.grab().save(str(tmp_path / "window.png"))
    box.grab().save(str(tmp_path / "report.png"))
    box.close()


def test_cancel_opens_nothing(qtbot, window, tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    for n in range(40):
        (texts / f"{n:02}.txt").write_text(f"Text {n}.")
    importer = window.files.documents
    with qtbot.waitSignal(importer.task.sig_finished, timeout=TIMEOUT_MS):
        importer.start(texts)
        importer.dialog.grab().save(str(tmp_path / "progress.png"))
        assert importer.progress.cancel_button.isEnabled()
        importer.progress.cancel_button.click()
    assert window.corpus is None and importer.dialog is None
    assert window.statusBar().currentMessage() == "Import cancelled: nothing was opened"


def test_menu_folder_into_a_new_project_and_a_folder_of_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    docs = _folder(tmp_path)
    menu = window.menuBar().actions()[0].menu()
    sub = next(a.menu() for a in menu.actions() if a.text() == "&Import")
    assert [a.text() for a in sub.actions()][:2] == ["&Documents from a Folder…", "D&ocument…"]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(docs))
    with _loaded(qtbot, window):
        sub.actions()[0].trigger()
    assert len(window.corpus.frame) == 2
    window.files.documents.report.close()
    # New Project from Data with a document: the project holds it.
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(docs / "report.pdf"), "")
    )
    target = tmp_path / "new.llmstudio"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with _loaded(qtbot, window):
        window.files.ask_new_project()
    assert window.project is not None and window.project.path == target
    assert list(window.project.corpus().frame["document"]) == ["report.pdf"]
    with Project.open(target) as p:
        assert p.corpus().frame.loc[0, "pages"] == 4
    window.files.documents.report.close()
    empty = tmp_path / "empty"
    empty.mkdir()
    errors = []
    window.sig_error.connect(errors.append)
    with qtbot.waitSignal(window.files.documents.task.sig_finished, timeout=TIMEOUT_MS):
        window.open_path(empty)
    assert errors and "the folder holds no documents" in errors[0]

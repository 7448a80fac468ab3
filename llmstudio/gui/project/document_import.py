"""File > Import > Documents from a Folder / Document: a folder (with its subfolders) or
a file of PDF, DOCX, ODT, TXT, Markdown, HTML or RTF read in the background with progress
(files done of all, time left) and Cancel, then opened like a table; what was skipped (and
why) and the pages without text are listed in a report and under Import problems. A
folder dropped on the window, or a document opened, comes here too
(``FileActions.open_path``)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QMessageBox, QVBoxLayout

from ...core.documents import DocumentProblem, document_summary, read_documents
from ...core.errors import Cancelled
from ...core.project import Project
from ...core.recent import add_recent
from ..common.background import BackgroundTask
from ..common.progress_row import ProgressRow

DOCUMENT_FILTER = (
    "Documents (*.pdf *.docx *.odt *.txt *.md *.markdown *.html *.htm *.rtf);;All files (*)"
)
# The extractors are pure Python: two processes read a large folder about twice as fast
# where there are two cores (benchmarks/document_import.py).
WORKERS = max(1, min(2, os.cpu_count() or 1))


def _import(path: Path, save_to, monitor):
    corpus = read_documents(path, monitor=monitor, workers=WORKERS)
    return corpus, (Project.create(save_to, corpus) if save_to is not None else None)


def report_text(corpus) -> tuple[str, str]:
    """The report's first line (the summary) and what it points to (skipped files, pages
    without text), for the message after an import."""
    problems = [p for p in corpus.problems if isinstance(p, DocumentProblem)]
    skipped = [p for p in problems if p.what.startswith("skipped")]
    scanned = [p for p in problems if p.pages and "no text layer" in p.what]
    parts = []
    if skipped:
        parts.append(f"{len(skipped):,} file{'s' if len(skipped) != 1 else ''} skipped")
    if scanned:
        pages = sum(len(p.pages) for p in scanned)
        parts.append(
            f"{pages:,} page{'s' if pages != 1 else ''} without text (scanned?) in "
            f"{len(scanned):,} document{'s' if len(scanned) != 1 else ''}: "
            f"{'its' if pages == 1 else 'their'} text is missing"
        )
    more = "; ".join(parts)
    if more:
        more = more[0].upper() + more[1:] + ". Each is listed under Import problems."
    return f"Imported {document_summary(corpus)}.", more


class DocumentImport(QObject):
    """Reads documents for one main window: the menu's two entries, the progress dialog,
    the report."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.act_folder = window.make_action(
            "&Documents from a Folder…",
            self.ask_folder,
            None,
            "Import every document in a folder and its subfolders (PDF, DOCX, ODT, TXT, "
            "Markdown, HTML, RTF) as a table of one row per document",
        )
        self.act_file = window.make_action(
            "D&ocument…",
            self.ask_file,
            None,
            "Import one document (PDF, DOCX, ODT, TXT, Markdown, HTML, RTF) as a table of one row",
        )
        self.task = BackgroundTask(self, keep_in=window.background_work)
        self.task.sig_result.connect(self._done)
        self.task.sig_error.connect(self._failed)
        self.task.sig_finished.connect(self._close_dialog)
        self.dialog: QDialog | None = None
        self.report: QMessageBox | None = None
        self._path: Path | None = None

    def ask_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "Import the documents in a folder")
        if path:
            self.start(path)

    def ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Import a document", "", DOCUMENT_FILTER)
        if path:
            self.start(path)

    def start(self, path: str | Path, save_to: str | Path | None = None) -> None:
        """Read the documents at ``path`` in the background (a dialog shows the progress,
        with Cancel), then show them; with ``save_to``, in a new project there."""
        if self.task.running:
            self.window.show_status("Documents are being imported already", 5000)
            return
        self._path = Path(path)
        self.dialog = dialog = QDialog(self.window)
        dialog.setWindowTitle("Import documents")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(dialog)
        label = QLabel(f"Reading the documents in {self._path}…")
        label.setWordWrap(True)
        layout.addWidget(label)
        self.progress = ProgressRow("files")
        self.progress.follow(self.task)
        layout.addWidget(self.progress)
        dialog.resize(520, dialog.sizeHint().height())
        dialog.rejected.connect(self.task.cancel)  # Esc or the close box: Cancel too
        dialog.show()
        self.task.start(_import, self._path, save_to)

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.rejected.disconnect(self.task.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _done(self, result) -> None:
        corpus, project = result
        w = self.window
        add_recent(project.path if project is not None else self._path)
        w.show_corpus(corpus, project, source=self._path)
        first, more = report_text(corpus)
        w.show_status(first, 10000)
        if more:
            self.report = box = QMessageBox(w)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("Documents imported")
            box.setText(first)
            box.setInformativeText(more)
            box.setDetailedText("\n".join(str(p) for p in corpus.problems))
            box.open()

    def _failed(self, exc) -> None:
        if isinstance(exc, Cancelled):
            self.window.show_status("Import cancelled: nothing was opened", 10000)
            return
        self.window.show_error("Cannot import the documents", exc)

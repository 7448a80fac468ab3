"""File > Import and File > Export of REFI-QDA files (MAXQDA, ATLAS.ti, NVivo, QualCoder):
a project as ``.qdpx``, a codebook as ``.qdc``, a ``.qdpx`` as a new project.

The project export and the import run in the background in a small window of their own
(:class:`QdpxDialog`) with a progress bar and Cancel; when they end it says what was
written or read (sources, codes, passages, coders), or why nothing was. A cancelled or
failed import leaves no project behind (``core.refi_qda.read_qdpx``); an imported project
opens at once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMenu,
    QVBoxLayout,
)

from ...core.project import SUFFIX
from ...core.wording import counted
from ..common.background import BackgroundTask
from ..common.errors import describe
from ..common.progress_row import ProgressRow

QDPX_FILTER = "REFI-QDA project (*.qdpx *.qde)"


def export_summary(path: Path, written: dict, notes: list[str]) -> str:
    """What an export wrote, for people."""
    lines = [
        f"Wrote {path.name}: {counted(written['sources'], 'text source')}, "
        f"{counted(written['codes'], 'code')}, {counted(written['passages'], 'passage')}, "
        f"{counted(written['row codes'], 'row code')} (whole texts), "
        f"{counted(written['users'], 'coder or model run', 'coders and model runs')}.",
        f"Folder: {path.parent}",
    ]
    return "\n".join(lines + notes)


def import_summary(result) -> str:
    """What an import read (``core.refi_qda.ImportResult``), for people."""
    head = (
        f"Imported {counted(result.rows, 'text source')} as rows, "
        f"{counted(len(result.codebooks), 'codebook')} with {counted(result.codes, 'code')}, "
        f"{counted(result.passages, 'passage')} and {counted(result.row_codes, 'row code')} "
        f"by {counted(len(result.coders), 'coder')}"
        + (f" ({', '.join(result.coders)})" if result.coders else "")
        + f", {counted(result.memos, 'memo')}."
    )
    return "\n".join([head, f"New project: {result.path}", *result.log[1:]])


class QdpxDialog(QDialog):
    """One import or export in the background: what it does, its progress and Cancel,
    then what came of it. ``sig_result`` of :attr:`task` carries the work's value."""

    def __init__(self, title: str, what: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(640)  # the summary on few lines; pictures at least 600 wide
        self.what = QLabel(what)
        self.what.setWordWrap(True)
        self.progress = ProgressRow("steps")
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.setEnabled(False)  # Cancel stops the work; Close once it has ended
        lay = QVBoxLayout(self)
        for w in (self.what, self.progress, self.outcome, self.buttons):
            lay.addWidget(w)
        self.task = BackgroundTask(self)
        self.progress.follow(self.task)
        self.task.sig_progress.connect(self._step)
        self.task.sig_error.connect(self._failed)
        self.task.sig_finished.connect(lambda: self.buttons.setEnabled(True))

    def _step(self, done, total, detail) -> None:
        if message := detail.get("message"):
            more = "…" if done < total else "."
            self.what.setText(f"{self.windowTitle()}: {message}{more}")

    def _failed(self, exc) -> None:
        if self.task.cancelled:
            self.show_outcome("Cancelled: nothing was written.")
        else:
            self.show_outcome(describe(exc, "Could not finish"))

    def show_outcome(self, text: str) -> None:
        """Say how the work ended."""
        self.outcome.setText(text)
        self.adjustSize()  # the summary's lines all shown

    def reject(self) -> None:
        if self.task.running:  # Escape or the window's close button: stop, then close
            self.task.cancel()
            return
        super().reject()


class QdpxActions(QObject):
    """The REFI-QDA entries of the File menu, for one main window (its ``project``,
    ``make_action``, ``open_path``, ``start_work``, ``show_status``, ``coding``)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.dialog: QdpxDialog | None = None  # the latest one shown
        action = window.make_action
        self.act_export_qdpx = action(
            "REFI-QDA &Project (.qdpx)…",
            self.ask_export_qdpx,
            None,
            "Write the project for MAXQDA, ATLAS.ti, NVivo or QualCoder: each row a text "
            "source, its columns the variables of its case, codes with their tree and "
            "colours, row codes, passages, memos; model runs as codes of a model user",
        )
        self.act_export_qdc = action(
            "&Codebook (.qdc)…",
            self.ask_export_qdc,
            None,
            "Write one codebook alone as a REFI-QDA codebook, its tree and colours kept",
        )
        self.act_import_qdpx = action(
            "REFI-QDA &Project (.qdpx)…",
            self.ask_import_qdpx,
            None,
            "Make a new project from a .qdpx written by MAXQDA, ATLAS.ti, NVivo, QualCoder "
            "or llmstudio: its texts, codes, coders, passages, cases and variables",
        )

    def fill_menu(self, menu: QMenu, imports_before=()) -> None:
        """File > Import and File > Export with the REFI-QDA entries (``imports_before``:
        other imports, listed first: the documents')."""
        imports = menu.addMenu("&Import")
        imports.setToolTipsVisible(True)
        for action in imports_before:
            imports.addAction(action)
        if imports_before:
            imports.addSeparator()
        imports.addAction(self.act_import_qdpx)
        exports = menu.addMenu("E&xport")
        exports.addAction(self.act_export_qdpx)
        exports.addAction(self.act_export_qdc)

    def update_actions(self) -> None:
        """The exports need a project (codes and passages live there)."""
        has = self.window.project is not None
        self.act_export_qdpx.setEnabled(has)
        self.act_export_qdc.setEnabled(has and bool(self.window.project.codebooks()))

    def _run(self, title: str, what: str, func, *args, on_done) -> QdpxDialog:
        dialog = QdpxDialog(title, what, self.window)
        # each dialog its own result: a second export started meanwhile has its own
        dialog.task.sig_result.connect(lambda value: on_done(dialog, value))
        self.dialog = dialog
        dialog.show()
        dialog.task.start(func, *args)
        return dialog

    # -- export -------------------------------------------------------------------------

    def ask_export_qdpx(self) -> None:
        w = self.window
        if w.project is None:
            return
        base = w.project.path.with_suffix(".qdpx")
        path, _ = QFileDialog.getSaveFileName(w, "Export REFI-QDA Project", str(base), QDPX_FILTER)
        if path:
            self.export_qdpx(path if Path(path).suffix else path + ".qdpx")

    def export_qdpx(self, path: str | Path) -> QdpxDialog:
        """Write the project as ``path`` (.qdpx) in the background, in a :class:`QdpxDialog`."""
        from ...core.refi_qda import write_qdpx

        w = self.window
        w.coding.save_pending()  # a memo being typed goes along
        project, path = w.project, Path(path)
        notes: list[str] = []
        written: dict = {}

        def work(monitor):
            return write_qdpx(project, path, notes, written=written, monitor=monitor)

        def done(dialog, out):
            dialog.show_outcome(export_summary(Path(out), written, notes))
            w.show_status(f"Exported the project to {out}", 8000)

        return self._run("Export REFI-QDA project", f"Writing {path.name}…", work, on_done=done)

    def ask_export_qdc(self) -> None:
        w = self.window
        if w.project is None:
            return
        books = w.project.codebooks()
        if not books:
            return
        name = books[0]
        if len(books) > 1:
            name, ok = QInputDialog.getItem(w, "Export Codebook", "Codebook:", books, 0, False)
            if not ok:
                return
        base = w.project.path.with_name(f"{name}.qdc")
        path, _ = QFileDialog.getSaveFileName(
            w, "Export Codebook", str(base), "REFI-QDA codebook (*.qdc)"
        )
        if path:
            self.export_qdc(name, path if Path(path).suffix else path + ".qdc")

    def export_qdc(self, name: str, path: str | Path) -> None:
        """Write codebook ``name`` alone as ``path`` (.qdc), saying so in the status bar."""
        from ...core.refi_qda import write_qdc

        w = self.window
        book = w.project.codebook(name)
        seed = str(w.project.path)

        def done(out):
            w.show_status(
                f"Wrote codebook {name!r} ({len(book.codes):,} codes, with their tree and "
                f"colours) to {out}",
                8000,
            )

        w.start_work(
            f"Writing {Path(path).name}…",
            write_qdc,
            book,
            path,
            seed,
            on_done=done,
            error_title="Cannot export the codebook",
        )

    # -- import -------------------------------------------------------------------------

    def ask_import_qdpx(self) -> None:
        w = self.window
        path, _ = QFileDialog.getOpenFileName(w, "Import REFI-QDA Project", "", QDPX_FILTER)
        if not path:
            return
        base = Path(path).with_suffix(SUFFIX)
        target, _ = QFileDialog.getSaveFileName(
            w, "New Project for the Import", str(base), f"llmstudio project (*{SUFFIX})"
        )
        if target:
            self.import_qdpx(path, target if Path(target).suffix else target + SUFFIX)

    def import_qdpx(self, path: str | Path, target: str | Path) -> QdpxDialog:
        """Import ``path`` as the new project ``target`` in the background, in a
        :class:`QdpxDialog`; the new project opens when it is written."""
        from ...core.refi_qda import read_qdpx

        path, target = Path(path), Path(target)

        def work(monitor):
            return read_qdpx(path, target, monitor=monitor)

        def done(dialog, result):
            dialog.show_outcome(import_summary(result))
            self.window.open_path(result.path)

        return self._run(
            "Import REFI-QDA project",
            f"Reading {path.name} into the new project {target.name}…",
            work,
            on_done=done,
        )

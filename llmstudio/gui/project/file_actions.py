"""The File menu: open (a table or a project, with import options, recent files), a new
project from data, save, save as, export the table, the methods record and the coding log.

Registered on the main window through its narrow interface: what it reads (``corpus``,
``project``, ``source``), :meth:`MainWindow.show_corpus`, :meth:`MainWindow.set_project`,
:meth:`MainWindow.start_work`, :meth:`MainWindow.show_status`, ``show_error`` and
``sig_saved``. Every file is read and written in the background.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from ...core.annotated import export_annotated
from ...core.corpus import SUPPORTED, TEXT_SUFFIXES, Corpus, ImportOptions
from ...core.documents import is_documents
from ...core.errors import LlmstudioError
from ...core.export import export_table, integer_notes
from ...core.no_rows import zero_rows_message
from ...core.project import SUFFIX, Project, load_any
from ...core.recent import add_recent, recent_files
from ...core.rollup import has_documents
from ...core.runs import run_infos
from .document_import import DocumentImport
from .export_dialog import ExportDialog
from .import_dialog import ImportDialog
from .qdpx_actions import QdpxActions

DATA_FILTER = (
    "Tables and projects (" + " ".join(f"*{s}" for s in SUPPORTED) + f" *{SUFFIX});;"
    "CSV / TSV / TXT (*.csv *.tsv *.tab *.txt);;Excel (*.xlsx);;Parquet (*.parquet);;"
    f"JSON (*.json *.jsonl *.ndjson);;llmstudio project (*{SUFFIX});;"
    "Documents, one row each (*.pdf *.docx *.odt *.md *.html *.htm *.rtf);;All files (*)"
)


class FileActions(QObject):
    """The File menu's actions and what they do, for one main window."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        K = QKeySequence.StandardKey
        action = window.make_action
        self.act_open = action(
            "&Open…",
            self.ask_open,
            K.Open,
            "Open a data file (CSV, TSV, TXT, Excel, Parquet, JSON Lines) or a project",
        )
        self.act_new = action(
            "&New Project from Data…",
            self.ask_new_project,
            K.New,
            "Import a data file into a new project file",
        )
        self.act_import = action(
            "Re-import with &Options…",
            self.ask_reimport,
            "Ctrl+Shift+O",
            "Read the current file again with other encoding, delimiter or header settings",
        )
        self.act_save = action(
            "&Save Project",
            self.save_project,
            K.Save,
            "Keep the corpus and all work in a project file",
        )
        self.act_save_as = action(
            "Save Project &As…",
            self.ask_save_as,
            K.SaveAs,
            "Copy the project to a new file and continue there",
        )
        self.act_export = action(
            "&Export Table…", self.ask_export, "Ctrl+E", "Write the table as CSV, Excel or Parquet"
        )
        self.act_methods = action(
            "Export &Methods Record…",
            self.ask_methods,
            "Ctrl+Shift+E",
            "Write what was done for a paper's methods section: every model run with its "
            "model, prompt, codebook and parameters, the coding by hand, agreement with CIs",
        )
        self.act_coding_log = action(
            "Export &Coding Log…",
            self.ask_coding_log,
            None,
            "Write every click of the coding by hand, oldest first: time, codebook, coder, "
            "row, codes, memo, and whether it was made blind",
        )
        self.recent_menu: QMenu | None = None
        self.qdpx = QdpxActions(window)  # File > Import / Export: REFI-QDA
        self.documents = DocumentImport(window)  # a folder or file of documents

    def fill_menu(self, menu: QMenu) -> None:
        """The File menu's entries above Quit."""
        for a in (self.act_open, self.act_new, self.act_import):
            menu.addAction(a)
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        menu.addSeparator()
        for a in (
            self.act_save,
            self.act_save_as,
            self.act_export,
            self.act_methods,
            self.act_coding_log,
        ):
            menu.addAction(a)
        self.qdpx.fill_menu(
            menu, imports_before=(self.documents.act_folder, self.documents.act_file)
        )

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in recent_files():
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def update_actions(self) -> None:
        """Enabled as the window's corpus, project and source allow."""
        w = self.window
        has = w.corpus is not None
        for a in (self.act_save, self.act_save_as, self.act_export):
            a.setEnabled(has)
        self.act_import.setEnabled(
            has
            and w.project is None
            and w.source is not None
            and w.source.suffix.lower() in TEXT_SUFFIXES
        )
        self.act_save_as.setEnabled(w.project is not None)
        self.act_methods.setEnabled(w.project is not None)  # runs and codes live there
        self.act_coding_log.setEnabled(w.project is not None)
        self.qdpx.update_actions()

    # -- opening ----------------------------------------------------------------------

    def ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open a table or project", "", DATA_FILTER
        )
        if path:
            self.open_path(path, ask=True)

    def open_sample(self) -> None:
        """Open the bundled sample corpus itself (the CSV, no project): a start for scripts
        and tests; the start page's "Open the sample project" is ``window.first_run``."""
        from ...core.paths import sample_corpus

        self.open_path(sample_corpus())

    def ask_reimport(self) -> None:
        if self.window.source is not None:
            self.open_path(self.window.source, ask=True)

    def ask_new_project(self) -> None:
        w = self.window
        path, _ = QFileDialog.getOpenFileName(w, "Data for the new project", "", DATA_FILTER)
        if not path:
            return
        options = self.ask_options(Path(path))
        if options is None:
            return
        target, _ = QFileDialog.getSaveFileName(
            w,
            "New project file",
            str(Path(path).with_suffix(SUFFIX)),
            f"llmstudio project (*{SUFFIX})",
        )
        if target:
            self.open_path(path, options, save_to=target)

    def ask_options(self, path: Path) -> ImportOptions | None:
        """How to read a text table (the import dialog); None: cancelled or unreadable."""
        if path.suffix.lower() not in TEXT_SUFFIXES:
            return ImportOptions()
        try:
            dialog = ImportDialog(path, self.window)
        except (LlmstudioError, OSError) as exc:
            self.window.show_error("Cannot open the file", exc)
            return None
        try:
            return dialog.options() if dialog.exec() == ImportDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()  # a child of the window: would pile up hidden otherwise

    def open_path(
        self,
        path: str | Path,
        options: ImportOptions | None = None,
        *,
        ask: bool = False,
        save_to: str | Path | None = None,
    ) -> None:
        """Open a data file or a project in the background and show it when read; a
        folder or a document (PDF, DOCX, ...) is imported as documents."""
        path = Path(path)
        if is_documents(path):
            self.documents.start(path, save_to=save_to)
            return
        if ask and options is None:
            options = self.ask_options(path)
            if options is None:
                return

        def work():
            corpus, project = load_any(path, options)
            if project is not None:
                try:  # a damaged run is said here, as the file's error, not in a slot later
                    run_infos(project)
                except LlmstudioError:
                    project.close()
                    raise
            if save_to is not None and corpus.rows:  # no project of nothing (said at once)
                project = Project.create(save_to, corpus)
            return corpus, project

        self.window.start_work(
            f"Reading {path.name}…",
            work,
            error_title="Cannot open the file",
            on_done=lambda result: self._opened(path, *result, save_to=save_to),
        )

    def _opened(
        self,
        path: Path,
        corpus: Corpus,
        project: Project | None,
        *,
        save_to: str | Path | None = None,
    ) -> None:
        w = self.window
        add_recent(project.path if project is not None else path)
        w.show_corpus(corpus, project, source=path)
        empty = zero_rows_message(corpus, path.name, "code or run")
        if empty is None:
            w.show_status(f"Opened {path.name}: {corpus.rows:,} rows", 5000)
            return
        # The header is shown (and the problems, in their dock); what it means is said
        # where the row's text would be and in a message, not left to an empty table.
        w.detail.clear(empty)
        advice = (" No project was created." if save_to is not None else "") + (
            " Re-import with Options… (File menu) to read it another way, e.g. with "
            "another choice under Quotes, or check the file."
            if corpus.problems
            else " The file has a header and no rows."
        )
        w.show_error("Nothing to code or run", empty + "." + advice)

    # -- saving -----------------------------------------------------------------------

    def save_project(self) -> None:
        w = self.window
        if w.corpus is None:
            return
        if w.project is not None:
            w.show_status(f"Every change is already saved in {w.project.path.name}", 5000)
            return
        self.ask_save_as()

    def ask_save_as(self) -> Path | None:
        """Ask where to save the project and start saving it there; the path, or None."""
        w = self.window
        if w.corpus is None:
            return None
        base = w.project.path if w.project else (w.source or Path("corpus"))
        path, _ = QFileDialog.getSaveFileName(
            w, "Save project as", str(base.with_suffix(SUFFIX)), f"llmstudio project (*{SUFFIX})"
        )
        if path:
            self.save_project_to(path)
        return Path(path) if path else None

    def save_project_to(self, path: str | Path) -> None:
        """Write the project to ``path`` in the background and continue working there."""
        w = self.window
        path = Path(path)
        if path.suffix.lower() != SUFFIX:
            path = path.with_suffix(SUFFIX)
        corpus, current = w.corpus, w.project

        def work():
            return current.save_as(path) if current is not None else Project.create(path, corpus)

        def done(project: Project):
            w.set_project(project)
            add_recent(project.path)
            w.show_status(f"Saved project {project.path}", 5000)
            w.sig_saved.emit(str(project.path))

        w.start_work(
            f"Saving {path.name}…", work, on_done=done, error_title="Cannot save the project"
        )

    # -- exporting --------------------------------------------------------------------

    def ask_export(self) -> None:
        w = self.window
        if w.corpus is None:
            return
        base = w.source or Path("corpus")
        dialog = ExportDialog(
            base.with_name(base.stem + "_export.csv"),
            w.corpus.rows,
            w,
            project=w.project is not None,
            documents=has_documents(w.corpus.frame),
        )
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            self.export_to(
                dialog.target(),
                bom=dialog.bom.isChecked(),
                guard=dialog.guard.isChecked(),
                level=dialog.chosen_level(),
            )
        dialog.deleteLater()

    def export_to(
        self, path: str | Path, *, bom: bool = False, guard: bool = True, level: str = "unit"
    ) -> None:
        """Write the table (with a project: every run's and coder's columns too);
        ``level`` "document": rolled up to one row per document (``core.rollup``)."""
        w = self.window
        frame, project = w.corpus.frame, w.project
        if level == "document":
            self._export_documents(path, bom=bom, guard=guard)
            return

        def work():
            if project is None:
                return export_table(frame, path, bom=bom, guard=guard)
            # The corpus's columns, then every run's and every coder's (core.annotated).
            return export_annotated(project, path, bom=bom, guard=guard)

        def done(written):
            # The corpus's columns are the annotated table's first: the same notes hold.
            notes = integer_notes(frame, written)
            where = Path(written).name if notes else written  # room for the note
            w.show_status(
                "; ".join([f"Exported {len(frame):,} rows to {where}", *notes]),
                8000 if not notes else 20000,
            )
            w.sig_saved.emit(str(written))

        w.start_work(
            f"Exporting to {Path(path).name}…", work, on_done=done, error_title="Cannot export"
        )

    def _export_documents(self, path: str | Path, *, bom: bool, guard: bool) -> None:
        w = self.window
        project, frame, text = w.project, w.corpus.frame, w.corpus.text_column

        def work():
            from ...core.rollup_export import export_documents, table_rollup, write_rollup

            if project is not None:
                return export_documents(project, path, bom=bom, guard=guard)
            rollup = table_rollup(None, frame, text)
            return write_rollup(rollup, path, bom=bom, guard=guard), rollup

        def done(result):
            written, rollup = result
            notes = [f"note: {n}" for n in rollup.notes]
            w.show_status(
                "; ".join(
                    [
                        f"Exported {len(rollup.frame):,} documents "
                        f"({int(rollup.frame['units'].sum()):,} units) to {written}",
                        *notes,
                    ]
                ),
                20000 if notes else 8000,
            )
            w.sig_saved.emit(str(written))

        w.start_work(
            f"Exporting documents to {Path(path).name}…",
            work,
            on_done=done,
            error_title="Cannot export",
        )

    def ask_methods(self) -> None:
        w = self.window
        if w.project is None:
            return
        base = w.project.path.with_name(w.project.path.stem + "_methods.md")
        path, chosen = QFileDialog.getSaveFileName(
            w,
            "Export Methods Record",
            str(base),
            "Markdown (*.md);;Web page, charts embedded (*.html)",
        )
        if path:
            if not Path(path).suffix:  # a name typed without one: the chosen kind's
                path += ".html" if "html" in chosen else ".md"
            self.export_methods(path)

    def export_methods(self, path: str | Path) -> None:
        """Write the project's methods record (Markdown or HTML, by the file's extension)
        in the background: the agreement intervals are bootstrapped. The bias checks run
        in this window go in too, each also saved beside it as the JSON report the CLI
        writes (``<record>_bias_<check>.json``), so the record's numbers can be traced."""
        w = self.window
        project, path = w.project, Path(path)
        reports = w.bias.session_reports()

        def work():
            import json

            from ...core.atomic import write_text
            from ...core.methods import check_methods_path, write_methods  # stats: on use

            check_methods_path(path)  # before any report is written beside it
            saved = []
            for kind, data in reports:
                target = path.with_name(f"{path.stem}_bias_{kind}.json")
                write_text(target, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
                saved.append(target)
            return write_methods(project, path, bias_reports=saved)

        def done(written):
            extra = f" (with {len(reports)} bias check(s))" if reports else ""
            w.show_status(f"Wrote the methods record to {written}{extra}", 8000)

        w.start_work(
            f"Writing the methods record {path.name}…",
            work,
            on_done=done,
            error_title="Cannot write the methods record",
        )

    def ask_coding_log(self) -> None:
        w = self.window
        if w.project is None:
            return
        base = w.project.path.with_name(w.project.path.stem + "_coding_log.csv")
        path, _ = QFileDialog.getSaveFileName(
            w,
            "Export Coding Log",
            str(base),
            "CSV (*.csv);;Excel workbook (*.xlsx);;Parquet (*.parquet)",
        )
        if path:
            self.export_coding_log(path if Path(path).suffix else path + ".csv")

    def export_coding_log(self, path: str | Path) -> None:
        """Write every click of the coding by hand, with its memo (``human_codes.
        coding_log``), in the background."""
        from ...core.human_codes import export_coding_log

        w = self.window
        w.coding.save_pending()  # a memo being typed is part of the log
        project, path = w.project, Path(path)

        def done(written):
            w.show_status(f"Wrote the coding log to {written}", 8000)

        w.start_work(
            f"Writing the coding log {path.name}…",
            export_coding_log,
            project,
            path,
            on_done=done,
            error_title="Cannot write the coding log",
        )

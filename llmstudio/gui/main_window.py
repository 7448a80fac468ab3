"""The main window: the corpus table, the detail pane, search, open/save/export."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.annotated import export_annotated
from ..core.corpus import SUPPORTED, Corpus, ImportOptions
from ..core.errors import LlmstudioError
from ..core.export import export_table, integer_notes
from ..core.nested import text_column_problem
from ..core.no_rows import zero_rows_message
from ..core.project import SUFFIX, Project, load_any
from ..core.recent import add_recent, recent_files
from ..core.runs import run_infos
from ..core.search import matching_rows, search_pattern, sort_order
from ..core.sniff import DELIMITER_NAMES
from .bias_view import BiasChecks
from .blind_mode import BlindMode
from .charts_panel import install as install_charts
from .check_run import CheckRun
from .coder_columns import CoderColumns
from .coding_panel import install as install_coding
from .column_widths import ColumnWidths
from .corpus_model import CorpusTableModel
from .detail_pane import DetailPane, RowResult
from .errors import describe
from .export_dialog import ExportDialog
from .import_dialog import ImportDialog
from .model_runs import ModelRuns
from .replicate_run import install_replicate
from .review import Review
from .runs_dialog import install_runs
from .workers import run_in_background

# Filtering and sorting below this many rows is instant; above it runs in the background.
BACKGROUND_ROWS = 100_000
SEARCH_DELAY_MS = 250
DATA_FILTER = (
    "Tables and projects (" + " ".join(f"*{s}" for s in SUPPORTED) + f" *{SUFFIX});;"
    "CSV / TSV / TXT (*.csv *.tsv *.tab *.txt);;Excel (*.xlsx);;Parquet (*.parquet);;"
    f"JSON (*.json *.jsonl *.ndjson);;llmstudio project (*{SUFFIX});;All files (*)"
)
TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".dat", ".psv"}


class _RowTableView(QTableView):
    """Home/End jump to the first/last row, as the shortcuts help says. QTableView's own
    Home/End move to the first/last column, which with whole rows selected looks like
    nothing happened; the column is kept so the view does not scroll sideways."""

    def moveCursor(self, action, modifiers):
        Move = QAbstractItemView.CursorAction
        model = self.model()
        if action in (Move.MoveHome, Move.MoveEnd) and model is not None and model.rowCount():
            row = 0 if action == Move.MoveHome else model.rowCount() - 1
            return model.index(row, max(0, self.currentIndex().column()))
        return super().moveCursor(action, modifiers)


class MainWindow(QMainWindow):
    """One corpus at a time, with the project file it lives in (if any)."""

    sig_loaded = Signal()  # a corpus is shown
    sig_order_changed = Signal(int)  # rows shown after a search or sort
    sig_saved = Signal(str)  # a project or export was written (its path)
    sig_error = Signal(str)  # an error message was shown

    def __init__(self):
        super().__init__()
        self.corpus: Corpus | None = None
        self.project: Project | None = None
        self.source: Path | None = None
        self._order_job = 0
        self._sort: tuple[int, bool] | None = None
        self._highlight = None  # the applied search, marked in the detail pane
        self._busy = 0
        self._busy_message = ""
        self._workers: set = set()
        self.setWindowTitle("llmstudio")
        self.resize(1280, 800)
        self.setAcceptDrops(True)
        self._build_table()
        self._build_central()
        self._build_actions()
        self._build_status()
        self._update_title()

    # -- construction -----------------------------------------------------------------

    def _build_table(self) -> None:
        self.model = CorpusTableModel(parent=self)
        self.table = _RowTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Sideways by pixels, not by whole columns: scrolled to a model's new columns at the
        # right, a column-wise scroll left the last of them cut in half.
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: fast scrolling
        vh.setDefaultSectionSize(24)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setDefaultSectionSize(120)
        hh.setHighlightSections(False)
        hh.setSectionsClickable(True)
        hh.setSortIndicatorShown(True)
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        hh.sortIndicatorChanged.connect(self._on_sort)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.model.sig_results_changed.connect(self._on_results_changed)
        self.widths = ColumnWidths(self.table, self._text_column_index)

    def _build_central(self) -> None:
        self.detail = DetailPane()
        # "Showing 12 rows: ana says neutral, run 3 says negative [Show all rows]": rows
        # opened from elsewhere (a confusion matrix cell), above the table while they last.
        self._only: np.ndarray | None = None
        self.subset_label = QLabel()
        self.subset_label.setWordWrap(True)
        self.subset_clear = QPushButton("Show all rows")
        self.subset_clear.clicked.connect(lambda: self.show_rows(None))
        self.subset_bar = QWidget()
        self.subset_bar.setStyleSheet("background: #fff3cd;")
        bar = QHBoxLayout(self.subset_bar)
        bar.setContentsMargins(8, 3, 8, 3)
        bar.addWidget(self.subset_label, 1)
        bar.addWidget(self.subset_clear)
        self.subset_bar.hide()
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.subset_bar)
        column.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setHandleWidth(6)
        self.splitter.setStyleSheet("QSplitter::handle { background: #d6d6d6; }")
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([860, 420])

        self.welcome = QWidget()
        self.welcome_label = QLabel()
        self.welcome_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_label.setWordWrap(True)
        self.recent_list = QListWidget()
        self.recent_list.setMaximumWidth(720)
        self.recent_list.itemActivated.connect(lambda item: self.open_path(item.text()))
        self.open_button = QPushButton("Open a file…")
        self.open_button.clicked.connect(lambda: self.ask_open())
        self.sample_button = QPushButton("Explore the sample corpus")
        self.sample_button.setToolTip("300 synthetic survey answers bundled with llmstudio")
        self.sample_button.clicked.connect(self.open_sample)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self.welcome)
        lay.addStretch(1)
        lay.addWidget(self.welcome_label)
        lay.addLayout(buttons)
        lay.addWidget(self.recent_list, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        self._fill_welcome()

        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

        self.problems = QListWidget()
        self.problems.setWordWrap(True)  # a problem is a sentence (a runaway quote's is long)
        self.problems_dock = QDockWidget("Import problems", self)
        self.problems_dock.setObjectName("problemsDock")
        self.problems_dock.setWidget(self.problems)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_open = self._action(
            "&Open…",
            self.ask_open,
            K.Open,
            "Open a data file (CSV, TSV, TXT, Excel, Parquet, JSON Lines) or a project",
        )
        self.act_new = self._action(
            "&New Project from Data…",
            self.ask_new_project,
            K.New,
            "Import a data file into a new project file",
        )
        self.act_import = self._action(
            "Re-import with &Options…",
            self.ask_reimport,
            "Ctrl+Shift+O",
            "Read the current file again with other encoding, delimiter or header settings",
        )
        self.act_save = self._action(
            "&Save Project",
            self.save_project,
            K.Save,
            "Keep the corpus and all work in a project file",
        )
        self.act_save_as = self._action(
            "Save Project &As…",
            self.ask_save_as,
            K.SaveAs,
            "Copy the project to a new file and continue there",
        )
        self.act_export = self._action(
            "&Export Table…", self.ask_export, "Ctrl+E", "Write the table as CSV, Excel or Parquet"
        )
        self.act_methods = self._action(
            "Export &Methods Record…",
            self.ask_methods,
            "Ctrl+Shift+E",
            "Write what was done for a paper's methods section: every model run with its "
            "model, prompt, codebook and parameters, the coding by hand, agreement with CIs",
        )
        self.act_coding_log = self._action(
            "Export &Coding Log…",
            self.ask_coding_log,
            None,
            "Write every click of the coding by hand, oldest first: time, codebook, coder, "
            "row, codes, memo, and whether it was made blind",
        )
        self.act_quit = self._action("&Quit", self.close, K.Quit)
        self.act_find = self._action("&Find…", self.focus_search, K.Find, "Search the texts")
        self.act_goto = self._action("&Go to Row…", self.ask_goto, "Ctrl+G", "Jump to a row number")
        self.act_copy = self._action(
            "&Copy Rows", self.copy_rows, K.Copy, "Copy the selected rows as tab-separated text"
        )
        self.act_problems = self.problems_dock.toggleViewAction()
        self.act_problems.setText("Import &Problems")

        menu = self.menuBar().addMenu("&File")
        for a in (self.act_open, self.act_new, self.act_import):
            menu.addAction(a)
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        menu.addSeparator()
        for a in (
            self.act_save,
            self.act_save_as,
            self.act_export,
            self.act_methods,
            self.act_coding_log,
        ):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.act_quit)
        edit = self.menuBar().addMenu("&Edit")
        for a in (self.act_copy, self.act_find, self.act_goto):
            edit.addAction(a)
        self.runs = ModelRuns(self)  # Run Model…, Model Settings…, the Jobs panel
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.runs.panel)
        view = self.menuBar().addMenu("&View")
        view.addAction(self.act_problems)
        view.addAction(self.runs.panel.toggleViewAction())
        analyse = self.menuBar().addMenu("&Analyse")
        analyse.addAction(self.runs.act_run)
        analyse.addAction(self.runs.act_codebooks)
        self.act_runs = install_runs(self, analyse)  # Analyse > Runs… (Ctrl+Shift+R)
        self.coding = install_coding(self)  # a dock: Analyse > Code by Hand (Ctrl+K)
        self.coder_columns = CoderColumns(self, self.coding)  # the codes as table columns
        self.blind_mode = BlindMode(self, self.coding)  # Code Blind hides results, coders
        analyse.addAction(self.coding.act_open)
        analyse.addAction(self.coding.act_blind)
        view.addAction(self.coding.dock.toggleViewAction())
        self.review = Review(self)  # Validate Codes…, Learn from My Codes…
        self.check_run = CheckRun(self)  # "Check this run" after a run of 200+ rows
        analyse.addAction(self.check_run.act_check)
        analyse.addAction(self.review.act_validate)
        analyse.addAction(self.review.act_learn)
        self.replicate = install_replicate(self)  # Replicate Run… (run-to-run stability)
        analyse.addAction(self.replicate.act_open)
        self.bias = BiasChecks(self)  # Bias Checks… (Ctrl+Shift+B)
        analyse.addAction(self.bias.act_open)
        self.charts = install_charts(self)  # a dock: View > Charts (Ctrl+Shift+C)
        view.addAction(self.charts.act_open)
        analyse.addSeparator()
        analyse.addAction(self.runs.act_settings)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard Shortcuts", self.show_shortcuts, "F1"))

        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        for action, icon in (
            (self.act_open, QStyle.StandardPixmap.SP_DialogOpenButton),
            (self.act_save, QStyle.StandardPixmap.SP_DialogSaveButton),
            (self.act_export, QStyle.StandardPixmap.SP_FileIcon),
        ):
            action.setIcon(style.standardIcon(icon))
            bar.addAction(action)
        bar.addAction(self.runs.act_run)
        bar.addSeparator()
        bar.addWidget(QLabel(" Text column: "))
        self.text_column = QComboBox()
        self.text_column.setMinimumContentsLength(14)
        self.text_column.setToolTip("The column holding the texts to read and analyse")
        self.text_column.currentTextChanged.connect(self._on_text_column)
        bar.addWidget(self.text_column)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding,
            spacer.sizePolicy().verticalPolicy().Preferred,
        )
        bar.addWidget(spacer)
        self.search_scope = QComboBox()
        self.search_scope.addItems(["in text column", "in all columns"])
        self.search_scope.currentIndexChanged.connect(self._schedule_search)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search texts…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.textChanged.connect(self._schedule_search)
        self.search.returnPressed.connect(self._search_enter)
        self.regex = QToolButton()
        self.regex.setText(".*")
        self.regex.setCheckable(True)
        self.regex.setToolTip("Regular expression")
        self.regex.toggled.connect(self._schedule_search)
        self.case = QToolButton()
        self.case.setText("Aa")
        self.case.setCheckable(True)
        self.case.setToolTip("Match case")
        self.case.toggled.connect(self._schedule_search)
        for button in (self.regex, self.case):
            button.setStyleSheet(
                "QToolButton { padding: 2px 6px; border: 1px solid #b0b0b0; "
                "border-radius: 3px; } QToolButton:checked { background: #1e88e5;"
                " color: white; border-color: #1565c0; }"
            )
        for w in (self.search, self.regex, self.case, self.search_scope):
            bar.addWidget(w)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_order)
        self._update_actions()

    def _build_status(self) -> None:
        self.rows_label = QLabel()
        self.file_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        sb = self.statusBar()
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.file_label)
        sb.addPermanentWidget(self.rows_label)

    # -- state shown ------------------------------------------------------------------

    def _fill_welcome(self) -> None:
        self.welcome_label.setText(
            "<h2>llmstudio</h2><p>Open a table of texts: CSV, TSV, TXT, Excel, Parquet or "
            "JSON Lines — any encoding, any delimiter.<br>Press <b>Ctrl+O</b>, or drop a file "
            "onto this window.</p>" + ("<p>Recent:</p>" if recent_files() else "")
        )
        self.recent_list.clear()
        self.recent_list.addItems(recent_files())
        self.recent_list.setVisible(self.recent_list.count() > 0)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in recent_files():
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _update_title(self) -> None:
        if self.corpus is None:
            self.setWindowTitle("llmstudio")
        elif self.project is not None:
            self.setWindowTitle(f"{self.project.path.name} — llmstudio")
        else:
            name = self.source.name if self.source else "corpus"
            self.setWindowTitle(f"{name} (not saved in a project) — llmstudio")

    def _update_actions(self) -> None:
        has = self.corpus is not None
        for a in (self.act_save, self.act_save_as, self.act_export, self.act_goto, self.act_copy):
            a.setEnabled(has)
        self.act_import.setEnabled(
            has
            and self.project is None
            and self.source is not None
            and self.source.suffix.lower() in TEXT_SUFFIXES
        )
        self.act_save_as.setEnabled(self.project is not None)
        self.act_methods.setEnabled(self.project is not None)  # runs and codes live there
        self.act_coding_log.setEnabled(self.project is not None)
        # A table read as 0 rows: nothing to run a model on or to code (said at opening).
        self.runs.act_run.setEnabled(has and self.corpus.rows > 0)
        self.runs.act_codebooks.setEnabled(has)
        self.act_runs.setEnabled(self.project is not None)
        self.coding.act_open.setEnabled(has and self.corpus.rows > 0)
        self.review.set_enabled(has)
        self.bias.act_open.setEnabled(has and self.corpus.rows > 0)  # it runs models too
        self.charts.act_open.setEnabled(has)

    def _update_counts(self) -> None:
        if self.corpus is None:
            self.rows_label.setText("")
            self.file_label.setText("")
            return
        total, shown = self.corpus.rows, self.model.rowCount()
        cols = len(self.corpus.columns)
        text = f"{total:,} rows · {cols} columns"
        if shown != total:
            text = f"showing {shown:,} of {total:,} rows · {cols} columns"
        text += self._results_count()
        self.rows_label.setText(text)
        self.rows_label.setToolTip(text)  # when the status bar is too narrow for it all
        c = self.corpus
        parts = [Path(c.source).name if c.source else "", c.format.upper()]
        if c.encoding:
            parts.append(c.encoding)
        if c.delimiter is not None and c.format in ("csv", "tsv", "txt"):
            parts.append(DELIMITER_NAMES.get(c.delimiter, repr(c.delimiter)))
        self.file_label.setText(" · ".join(p for p in parts if p) + "   ")

    def _results_count(self) -> str:
        """ " + 2 result columns (run 2: sentiment with lexicon)": the model columns in
        view (an error column is hidden while no row failed), and which runs made them."""
        runs = self.model.result_runs()
        if not runs:
            return ""
        shown = sum(
            not self.table.isColumnHidden(self.model.column_index(c))
            for _, columns in runs
            for c in columns
        )
        names = "; ".join(run.status_text() for run, _ in runs)
        return f" + {shown} result column{'s' if shown != 1 else ''} ({names})"

    def set_busy(self, message: str | None) -> None:
        """Show or hide the busy indicator; the window stays usable meanwhile."""
        self._busy += 1 if message else -1
        self.progress.setVisible(self._busy > 0)
        if message:
            self._busy_message = message
            self.statusBar().showMessage(message)
        elif self._busy <= 0:
            self._busy = 0
            # Clear only the "Reading…" note: a worker's result message ("Exported …",
            # "Opened …", an error) is shown just before it finishes and must stay.
            if self.statusBar().currentMessage() == self._busy_message:
                self.statusBar().clearMessage()

    def show_error(self, title: str, exc: BaseException | str) -> None:
        text = exc if isinstance(exc, str) else describe(exc)
        self.statusBar().showMessage(text, 10000)
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, does not block the event loop
        self.sig_error.emit(text)

    def _start(self, message: str, func, *args, on_done, error_title: str, **kwargs) -> None:
        self.set_busy(message)

        def failed(exc):
            self.show_error(error_title, exc)

        worker = run_in_background(func, *args, on_done=on_done, on_error=failed, **kwargs)
        self._workers.add(worker)
        worker.finished.connect(lambda: (self._workers.discard(worker), self.set_busy(None)))

    # -- opening ----------------------------------------------------------------------

    def ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a table or project", "", DATA_FILTER)
        if path:
            self.open_path(path, ask=True)

    def open_sample(self) -> None:
        """Open the bundled sample corpus (the welcome screen's second button)."""
        from ..core.paths import sample_corpus

        self.open_path(sample_corpus())

    def ask_reimport(self) -> None:
        if self.source is not None:
            self.open_path(self.source, ask=True)

    def ask_new_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Data for the new project", "", DATA_FILTER)
        if not path:
            return
        options = self._ask_options(Path(path))
        if options is None:
            return
        target, _ = QFileDialog.getSaveFileName(
            self,
            "New project file",
            str(Path(path).with_suffix(SUFFIX)),
            f"llmstudio project (*{SUFFIX})",
        )
        if target:
            self.open_path(path, options, save_to=target)

    def _ask_options(self, path: Path) -> ImportOptions | None:
        if path.suffix.lower() not in TEXT_SUFFIXES:
            return ImportOptions()
        try:
            dialog = ImportDialog(path, self)
        except (LlmstudioError, OSError) as exc:
            self.show_error("Cannot open the file", exc)
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
        """Open a data file or a project in the background and show it when read."""
        path = Path(path)
        if ask and options is None:
            options = self._ask_options(path)
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

        self._start(
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
        add_recent(project.path if project is not None else path)
        self.show_corpus(corpus, project, source=path)
        empty = zero_rows_message(corpus, path.name, "code or run")
        if empty is None:
            self.statusBar().showMessage(f"Opened {path.name}: {corpus.rows:,} rows", 5000)
            return
        # The header is shown (and the problems, in their dock); what it means is said
        # where the row's text would be and in a message, not left to an empty table.
        self.detail.clear(empty)
        advice = (" No project was created." if save_to is not None else "") + (
            " Re-import with Options… (File menu) to read it another way, e.g. with "
            "another choice under Quotes, or check the file."
            if corpus.problems
            else " The file has a header and no rows."
        )
        self.show_error("Nothing to code or run", empty + "." + advice)

    def show_corpus(
        self, corpus: Corpus, project: Project | None = None, source: str | Path | None = None
    ) -> None:
        """Show ``corpus`` (synchronously); the previous project is closed."""
        self.coding.save_pending()  # a memo being typed belongs to the project closing
        if self.project is not None and self.project is not project:
            self.project.close()
        self._only = None  # rows picked in the previous corpus mean nothing here
        self.subset_bar.hide()
        self.corpus, self.project = corpus, project
        self.source = Path(source) if source else (Path(corpus.source) if corpus.source else None)
        self._sort = None
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.model.set_frame(corpus.frame)
        self._size_columns()
        self.text_column.blockSignals(True)
        self.text_column.clear()
        self.text_column.addItems(corpus.columns)
        self.text_column.setCurrentText(corpus.text_column)
        self.text_column.blockSignals(False)
        self.problems.clear()
        for p in corpus.problems:
            self.problems.addItem(str(p))
        self.problems_dock.setVisible(bool(corpus.problems))
        self.stack.setCurrentWidget(self.splitter)
        self._update_title()
        self._update_actions()
        if self.search.text():
            self.apply_order()
        else:
            self._update_counts()
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.detail.clear("No rows.")
        self.table.setFocus()
        self.sig_loaded.emit()

    def _size_columns(self) -> None:
        self.widths.size_all()
        # Again after the layout has given the table its real width (the welcome page was
        # shown) and its rows in view.
        QTimer.singleShot(0, self.widths.refit)

    def _text_column_index(self) -> int | None:
        if self.corpus is None or self.corpus.text_column not in self.corpus.frame.columns:
            return None
        return list(self.corpus.frame.columns).index(self.corpus.text_column)

    # -- drag and drop ----------------------------------------------------------------

    def _dropped_path(self, event) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        return paths[0] if len(paths) == 1 else None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        path = self._dropped_path(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_path(path)

    # -- the text column --------------------------------------------------------------

    def _on_text_column(self, name: str) -> None:
        if self.corpus is None or not name or name == self.corpus.text_column:
            return
        try:
            problem = text_column_problem(self.corpus.frame, name)
            if problem:  # a list or map column: also without a project
                raise LlmstudioError(problem)
            if self.project is not None:
                self.project.set_text_column(name)  # saved at once, in a transaction
            # Also when a project is open: after Save As the shown corpus is not the
            # project's own object, and the detail pane and search read this one.
            self.corpus.text_column = name
        except LlmstudioError as exc:
            # The box shows the text column in use, not the one refused.
            self.text_column.blockSignals(True)
            self.text_column.setCurrentText(self.corpus.text_column)
            self.text_column.blockSignals(False)
            self.show_error("Cannot change the text column", exc)
            return
        self.widths.size_all()  # the new text column gets the room, the old one its content's
        self._on_current_row(self.table.currentIndex())
        if self.search.text() and self.search_scope.currentIndex() == 0:
            self.apply_order()

    # -- search and sort --------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_enter(self) -> None:
        self._search_timer.stop()
        self.apply_order()
        self.table.setFocus()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.search.hasFocus():
            self.search.clear()
            self.table.setFocus()
            return
        super().keyPressEvent(event)

    def _schedule_search(self, *_):
        if self.corpus is not None:
            self._search_timer.start()

    def _on_sort(self, section: int, order: Qt.SortOrder) -> None:
        if self.corpus is None:
            return
        self._sort = None if section < 0 else (section, order == Qt.SortOrder.DescendingOrder)
        self.apply_order()

    def apply_order(self) -> None:
        """Recompute which rows are shown, in which order (search, then sort)."""
        if self.corpus is None:
            return
        self._order_job += 1
        job = self._order_job
        frame = self.corpus.frame
        pattern = self.search.text()
        columns = [self.corpus.text_column] if self.search_scope.currentIndex() == 0 else None
        regex, case = self.regex.isChecked(), self.case.isChecked()
        # The column's frame: the corpus, or a result column's own (results are not in it).
        sort = (
            None if self._sort is None else (*self.model.sort_source(self._sort[0]), self._sort[1])
        )

        only = self._only

        def work():
            rows = matching_rows(frame, pattern, columns, regex=regex, case=case)
            if only is not None:
                rows = rows[np.isin(rows, only)]
            if sort is None:
                return rows
            perm = sort_order(*sort)
            if len(rows) == len(frame):
                return perm
            keep = np.zeros(len(frame), dtype=bool)
            keep[rows] = True
            return perm[keep[perm]]

        def done(order):
            if job == self._order_job:  # a newer search has started: drop this result
                self._highlight = search_pattern(pattern, regex=regex, case=case)
                self._set_order(order)

        if len(frame) < BACKGROUND_ROWS:
            try:
                done(work())
            except LlmstudioError as exc:
                self._search_failed(exc)
            return
        self.set_busy("Searching…" if pattern else "Sorting…")
        worker = run_in_background(work, on_done=done, on_error=self._search_failed)
        self._workers.add(worker)
        worker.finished.connect(lambda: (self._workers.discard(worker), self.set_busy(None)))

    def show_rows(self, row_ids, what: str = "") -> None:
        """Show only these rows (in file order; search and sort still apply within them),
        saying which they are; None shows every row again."""
        if self.corpus is None:
            return
        if row_ids is None:
            self._only = None
            self.subset_bar.hide()
        else:
            self._only = np.array(sorted(int(r) for r in row_ids), dtype=np.int64)
            n = len(self._only)
            self.subset_label.setText(
                f"Showing {n:,} row{'s' * (n != 1)}" + (f": {what}" if what else "")
            )
            self.subset_bar.show()
        self.apply_order()

    def _search_failed(self, exc: BaseException) -> None:
        self.search.setStyleSheet("QLineEdit { border: 1px solid #c62828; }")
        self.search.setToolTip(describe(exc))
        self.statusBar().showMessage(describe(exc), 8000)

    def _set_order(self, order: np.ndarray) -> None:
        self.search.setStyleSheet("")
        self.search.setToolTip("Plain text, or a regular expression when .* is on")
        current = self.table.currentIndex()
        row_id = self.model.row_id(current.row()) if current.isValid() else None
        self.model.set_order(order)
        self._update_counts()
        target = self.model.view_row(row_id) if row_id is not None else None
        if target is None and self.model.rowCount():
            target = 0
        if target is not None:
            index = self.model.index(target, max(0, current.column()))
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)
        else:
            self.detail.clear("No rows match the search.")
        self.sig_order_changed.emit(self.model.rowCount())

    # -- selection, copying, jumping --------------------------------------------------

    def _on_current_row(self, index, _previous=None) -> None:
        if self.corpus is None or not index.isValid():
            return
        shown, total = self.model.rowCount(), self.corpus.rows
        row_id = self.model.row_id(index.row())
        self.detail.show_row(
            self.corpus.frame,
            row_id,
            self.corpus.text_column,
            position=(index.row() + 1, shown) if shown != total else None,
            highlight=self._highlight,
        )
        self.detail.show_results(self.row_results(row_id))

    def row_results(self, row_id: int) -> list[RowResult]:
        """What each run shown in the table says about row ``row_id``."""
        results = []
        for run, columns in self.model.result_runs():
            *values, error = (self.model.result(c)[row_id] for c in columns)
            if isinstance(error, float) and np.isnan(error):
                error = None
            # "score", not "sentiment_score_2": the heading names the task already.
            names = [re.sub(r"_\d+$", "", c).removeprefix(f"{run.task}_") for c in columns[:-1]]
            results.append(
                RowResult(
                    run.heading(),
                    tuple(zip(names, values)),
                    None if error is None or error == "" else str(error),
                    running=run.status == "running",
                    code_names=run.code_names,
                )
            )
        return results

    def _on_results_changed(self, row_ids) -> None:
        """A job's batch (or a whole run) arrived: the counts, and the detail pane when
        the row it shows is among the rows filled."""
        self._update_counts()
        if self.corpus is None:
            return
        current = self.table.currentIndex()
        if not current.isValid() or current.row() >= self.model.rowCount():
            return
        row_id = self.model.row_id(current.row())
        if row_ids is None or (row_ids == row_id).any():
            self.detail.show_results(self.row_results(row_id))

    def copy_rows(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()})
        if not rows or self.corpus is None:
            return
        frame = self.corpus.frame
        ids = [self.model.row_id(r) for r in rows]
        text = frame.iloc[ids].to_csv(sep="\t", index=False)
        QApplication.clipboard().setText(text)
        self.statusBar().showMessage(f"Copied {len(rows):,} row(s)", 3000)

    def ask_goto(self) -> None:
        if self.corpus is None:
            return
        number, ok = QInputDialog.getInt(
            self,
            "Go to row",
            f"Row number (1–{self.corpus.rows:,}):",
            1,
            1,
            max(1, self.corpus.rows),
        )
        if ok:
            self.goto_row(number - 1)

    def goto_row(self, row_id: int) -> bool:
        """Select the row with this id; False when it is filtered out."""
        view = self.model.view_row(row_id)
        if view is None:
            self.statusBar().showMessage(f"Row {row_id + 1:,} is hidden by the search", 5000)
            return False
        index = self.model.index(view, 0)
        # Up or down only: coding row after row must not throw the table back to its first
        # column (away from the coder's column just brought into view).
        sideways = self.table.horizontalScrollBar().value()
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.table.horizontalScrollBar().setValue(sideways)
        return True

    # -- saving and exporting ---------------------------------------------------------

    def save_project(self) -> None:
        if self.corpus is None:
            return
        if self.project is not None:
            self.statusBar().showMessage(
                f"Every change is already saved in {self.project.path.name}", 5000
            )
            return
        self.ask_save_as()

    def ask_save_as(self) -> Path | None:
        """Ask where to save the project and start saving it there; the path, or None."""
        if self.corpus is None:
            return None
        base = self.project.path if self.project else (self.source or Path("corpus"))
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project as", str(base.with_suffix(SUFFIX)), f"llmstudio project (*{SUFFIX})"
        )
        if path:
            self.save_project_to(path)
        return Path(path) if path else None

    def save_project_to(self, path: str | Path) -> None:
        """Write the project to ``path`` in the background and continue working there."""
        path = Path(path)
        if path.suffix.lower() != SUFFIX:
            path = path.with_suffix(SUFFIX)
        corpus, current = self.corpus, self.project

        def work():
            return current.save_as(path) if current is not None else Project.create(path, corpus)

        def done(project: Project):
            if self.project is not None and self.project is not project:
                self.project.close()
            self.project = project
            add_recent(project.path)
            self._update_title()
            self._update_actions()
            self.statusBar().showMessage(f"Saved project {project.path}", 5000)
            self.sig_saved.emit(str(project.path))

        self._start(
            f"Saving {path.name}…", work, on_done=done, error_title="Cannot save the project"
        )

    def ask_export(self) -> None:
        if self.corpus is None:
            return
        base = self.source or Path("corpus")
        dialog = ExportDialog(
            base.with_name(base.stem + "_export.csv"),
            self.corpus.rows,
            self,
            project=self.project is not None,
        )
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            self.export_to(
                dialog.target(), bom=dialog.bom.isChecked(), guard=dialog.guard.isChecked()
            )
        dialog.deleteLater()

    def export_to(self, path: str | Path, *, bom: bool = False, guard: bool = True) -> None:
        frame, project = self.corpus.frame, self.project

        def work():
            if project is None:
                return export_table(frame, path, bom=bom, guard=guard)
            # The corpus's columns, then every run's and every coder's (core.annotated).
            return export_annotated(project, path, bom=bom, guard=guard)

        def done(written):
            # The corpus's columns are the annotated table's first: the same notes hold.
            notes = integer_notes(frame, written)
            where = Path(written).name if notes else written  # room for the note
            self.statusBar().showMessage(
                "; ".join([f"Exported {len(frame):,} rows to {where}", *notes]),
                8000 if not notes else 20000,
            )
            self.sig_saved.emit(str(written))

        self._start(
            f"Exporting to {Path(path).name}…", work, on_done=done, error_title="Cannot export"
        )

    def ask_methods(self) -> None:
        if self.project is None:
            return
        base = self.project.path.with_name(self.project.path.stem + "_methods.md")
        path, chosen = QFileDialog.getSaveFileName(
            self,
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
        project, path = self.project, Path(path)
        reports = self.bias.session_reports()

        def work():
            import json

            from ..core.atomic import write_text
            from ..core.methods import check_methods_path, write_methods  # stats: on use

            check_methods_path(path)  # before any report is written beside it
            saved = []
            for kind, data in reports:
                target = path.with_name(f"{path.stem}_bias_{kind}.json")
                write_text(target, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
                saved.append(target)
            return write_methods(project, path, bias_reports=saved)

        def done(written):
            extra = f" (with {len(reports)} bias check(s))" if reports else ""
            self.statusBar().showMessage(f"Wrote the methods record to {written}{extra}", 8000)

        self._start(
            f"Writing the methods record {path.name}…",
            work,
            on_done=done,
            error_title="Cannot write the methods record",
        )

    def ask_coding_log(self) -> None:
        if self.project is None:
            return
        base = self.project.path.with_name(self.project.path.stem + "_coding_log.csv")
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export Coding Log",
            str(base),
            "CSV (*.csv);;Excel workbook (*.xlsx);;Parquet (*.parquet)",
        )
        if path:
            self.export_coding_log(path if Path(path).suffix else path + ".csv")

    def export_coding_log(self, path: str | Path) -> None:
        """Write every click of the coding by hand, with its memo (``human_codes.
        coding_log``), in the background."""
        from ..core.human_codes import export_coding_log

        self.coding.save_pending()  # a memo being typed is part of the log
        project, path = self.project, Path(path)

        def done(written):
            self.statusBar().showMessage(f"Wrote the coding log to {written}", 8000)

        self._start(
            f"Writing the coding log {path.name}…",
            export_coding_log,
            project,
            path,
            on_done=done,
            error_title="Cannot write the coding log",
        )

    # -- help and closing -------------------------------------------------------------

    def show_shortcuts(self) -> None:
        rows = [
            (a.text().replace("&", "").rstrip("…"), a.shortcut().toString())
            for a in self.findChildren(QAction)
            if not a.shortcut().isEmpty()
        ]
        rows += [("Clear the search", "Esc"), ("Move between rows", "↑ ↓ PgUp PgDn Home End")]
        rows += self.coding.shortcut_rows()
        text = "".join(f"<tr><td>{n}</td><td><b>{k}</b></td></tr>" for n, k in sorted(set(rows)))
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Keyboard shortcuts",
            f"<table cellspacing=6>{text}</table>",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def closeEvent(self, event) -> None:
        if not self.runs.may_close():  # a running job: asked; closes again once it stopped
            event.ignore()
            return
        self.runs.shutdown()  # running jobs stop; their finished rows are already saved
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)

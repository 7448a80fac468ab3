"""The main window: the corpus table, the detail pane, search, open/save/export."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ..core.corpus import Corpus
from ..core.errors import LlmstudioError
from ..core.nested import text_column_problem
from ..core.project import Project
from ..core.sniff import DELIMITER_NAMES
from .attention.attention_view import install as install_attention
from .bias.bias_view import BiasChecks
from .charts.charts_dock import install as install_charts
from .coding.blind_mode import BlindMode
from .coding.codebook_editor import SAVES as CODEBOOK_SAVES
from .coding.coding_dock import install as install_coding
from .common.background import BackgroundTask, RunningWork
from .common.column_widths import ColumnWidths
from .common.errors import describe
from .common.search_bar import SearchBar
from .help.menu import HelpMenu
from .memos.memo_browser import install as install_memos
from .project.file_actions import FileActions
from .retrieval.retrieval_view import install as install_retrieval
from .review.check_run import CheckRun
from .review.review import Review
from .runs.model_runs import ModelRuns
from .runs.replicate_run import install_replicate
from .runs.runs_dialog import install_runs
from .start.first_run import FirstRun
from .start.welcome import WelcomePage
from .table.coder_columns import CoderColumns
from .table.corpus_model import CorpusTableModel
from .table.corpus_table import corpus_table
from .table.detail_pane import DetailPane, RowResult
from .table.document_view import DocumentViews
from .training.train_dialog import TrainClassifier
from .units.split_dialog import SplitUnits


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
        self._busy = 0
        self._busy_message = ""
        # Every panel's background work is kept here while it runs (keep_in=).
        self.background_work = RunningWork()
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
        self.table = corpus_table(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.model.sig_results_changed.connect(self._on_results_changed)
        self.widths = ColumnWidths(self.table, self._text_column_index)

    def _build_central(self) -> None:
        self.detail = DetailPane()
        # "Showing 12 rows: ana says neutral, run 3 says negative [Show all rows]": rows
        # opened from elsewhere (a confusion matrix cell), above the table while they last.
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

        self.welcome = WelcomePage()
        self.welcome.sig_new_requested.connect(lambda: self.files.ask_new_project())
        self.welcome.sig_open_requested.connect(lambda: self.files.ask_open())
        self.welcome.sig_sample_requested.connect(lambda: self.first_run.open_sample())
        self.welcome.sig_path_requested.connect(self.open_path)
        self.welcome.sig_step_requested.connect(lambda key: self.first_run.step(key))

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

    def make_action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        """An action of this window: its text, slot, shortcut and tip (status and tool)."""
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
        self.files = FileActions(self)  # File: open, new, re-import, recent, save, export
        self.act_quit = self.make_action("&Quit", self.close, K.Quit)
        self.act_find = self.make_action(
            "&Find…", lambda: self.search_bar.focus(), K.Find, "Search the texts"
        )
        self.act_goto = self.make_action(
            "&Go to Row…", self.ask_goto, "Ctrl+G", "Jump to a row number"
        )
        self.act_copy = self.make_action(
            "&Copy Rows", self.copy_rows, K.Copy, "Copy the selected rows as tab-separated text"
        )
        self.act_problems = self.problems_dock.toggleViewAction()
        self.act_problems.setText("Import &Problems")

        menu = self.menuBar().addMenu("&File")
        self.files.fill_menu(menu)
        menu.addSeparator()
        menu.addAction(self.act_quit)
        edit = self.menuBar().addMenu("&Edit")
        for a in (self.act_copy, self.act_find, self.act_goto):
            edit.addAction(a)
        self.runs = ModelRuns(self)  # Run Model…, Model Settings…, the Jobs panel
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.runs.panel)
        view = self.menuBar().addMenu("&View")
        view.addActions([self.act_problems, self.runs.panel.toggleViewAction()])
        analyse = self.menuBar().addMenu("&Analyse")
        analyse.addActions([self.runs.act_run, self.runs.act_codebooks])
        self.act_runs = install_runs(self, analyse)  # Analyse > Runs… (Ctrl+Shift+R)
        self.coding = install_coding(self)  # a dock: Analyse > Code by Hand (Ctrl+K)
        self.coder_columns = CoderColumns(self, self.coding)  # the codes as table columns
        self.blind_mode = BlindMode(self, self.coding)  # Code Blind hides results, coders
        analyse.addActions([self.coding.act_open, self.coding.act_blind])
        self.memos = install_memos(  # Analyse > Memos… (Ctrl+Shift+M); blind: own memos only
            self, analyse, lambda: self.coding.coder if self.coding.blind else None
        )
        self.memos.sig_coding_changed.connect(  # the panel's rows as stored now
            lambda: self.coding.reload_codebooks() if self.coding.dock.isVisible() else None
        )
        for changed in (self.coding.sig_blind, self.coding.sig_coder, self.coding.sig_coded):
            changed.connect(lambda *_: self.memos.refresh() if self.memos.isVisible() else None)
        view.addAction(self.coding.dock.toggleViewAction())
        self.review = Review(self)  # Validate Codes…, Learn from My Codes…
        self.check_run = CheckRun(self)  # "Check this run" after a run of 200+ rows
        analyse.addActions(
            [self.check_run.act_check, self.review.act_validate, self.review.act_learn]
        )
        self.replicate = install_replicate(self)  # Replicate Run… (run-to-run stability)
        self.bias = BiasChecks(self)  # Bias Checks… (Ctrl+Shift+B)
        analyse.addActions([self.replicate.act_open, self.bias.act_open])
        self.attention = install_attention(self, analyse)  # Attention… (a local model's)
        self.charts = install_charts(self)  # a dock: View > Charts (Ctrl+Shift+C)
        self.documents = DocumentViews(self)  # View > Documents (rolled up) (Ctrl+Shift+D)
        view.addActions([self.charts.act_open, self.documents.act_open])
        self.retrieval = install_retrieval(self)  # Coded Passages… (Ctrl+Shift+P)
        self.retrieval.sig_passage_chosen.connect(self.coding.passage_coding.select)
        for follow in (self.retrieval.coding_changed, self.charts.codes_changed):
            self.coding.sig_coded.connect(follow)  # no stale counts or chart
        CODEBOOK_SAVES.sig_saved.connect(self._codebook_saved)  # a bound slot: goes with self
        self.units = SplitUnits(self, view)  # Split into Units…; the corpus bar, View > Corpus
        analyse.addActions([self.retrieval.act_open, self.units.act_split])
        self.training = TrainClassifier(self, analyse)  # Train a Classifier… (on hand codes)
        analyse.addSeparator()
        analyse.addAction(self.runs.act_settings)
        self.first_run = FirstRun(self)  # the sample project, the start page's steps
        help_menu = self.menuBar().addMenu("&Help")
        self.help = HelpMenu(self, help_menu, self.first_run.open_sample)

        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        for action, icon in (
            (self.files.act_open, QStyle.StandardPixmap.SP_DialogOpenButton),
            (self.files.act_save, QStyle.StandardPixmap.SP_DialogSaveButton),
            (self.files.act_export, QStyle.StandardPixmap.SP_FileIcon),
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
        self.search_bar = SearchBar(self, bar)  # search, sort, rows opened from elsewhere
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
        self.files.update_actions()
        for a in (self.act_goto, self.act_copy):
            a.setEnabled(has)
        # A table read as 0 rows: nothing to run a model on or to code (said at opening).
        self.runs.act_run.setEnabled(has and self.corpus.rows > 0)
        self.runs.act_codebooks.setEnabled(has)
        self.act_runs.setEnabled(self.project is not None)
        self.coding.act_open.setEnabled(has and self.corpus.rows > 0)
        self.units.act_split.setEnabled(has and self.corpus.rows > 0)
        self.review.set_enabled(has)
        self.bias.act_open.setEnabled(has and self.corpus.rows > 0)  # it runs models too
        self.charts.act_open.setEnabled(has)

    def update_counts(self) -> None:
        """The status bar's counts: rows shown of all, columns, result columns in view."""
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
        parts = [Path(c.source).name if c.source else "", c.format_name]
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

    def _codebook_saved(self, _name: str) -> None:
        """A codebook editor saved, renamed or merged codes: the open windows name them anew."""
        self.retrieval.codebook_changed()
        self.charts.codes_changed()
        if self.memos.isVisible():
            self.memos.refresh()

    def show_status(self, message: str, ms: int = 0) -> None:
        """A message in the status bar (for ``ms`` milliseconds; 0: until the next)."""
        self.statusBar().showMessage(message, ms)

    def start_work(
        self, message: str, func, *args, on_done, error_title: str = "", on_error=None, **kwargs
    ) -> None:
        """Run ``func(*args, **kwargs)`` in the background, the window busy with
        ``message``; ``on_done(result)`` after; an error is shown under ``error_title``
        (or given to ``on_error``). The window waits for it before it closes."""
        self.set_busy(message)

        def failed(exc):
            self.show_error(error_title, exc)

        task = BackgroundTask(keep_in=self.background_work, reports=False)
        task.sig_result.connect(on_done)
        task.sig_error.connect(on_error or failed)
        task.sig_finished.connect(lambda: self.set_busy(None))
        task.start(func, *args, **kwargs)

    # -- the window's interface: what panels and the file actions use -----------------

    def open_path(self, path, options=None, *, ask: bool = False, save_to=None) -> None:
        """Open a data file or a project in the background and show it when read."""
        self.files.open_path(path, options, ask=ask, save_to=save_to)

    def set_project(self, project: Project) -> None:
        """Continue in ``project`` (saved as): the one open before is closed."""
        if self.project is not None and self.project is not project:
            self.project.close()
        self.project = project
        self._update_title()
        self._update_actions()

    def show_rows(self, row_ids, what: str = "") -> None:
        """Show only these rows, saying which they are (None: every row again)."""
        self.search_bar.show_rows(row_ids, what)

    def show_corpus(
        self, corpus: Corpus, project: Project | None = None, source: str | Path | None = None
    ) -> None:
        """Show ``corpus`` (synchronously); the previous project is closed."""
        self.coding.save_pending()  # a memo being typed belongs to the project closing
        self.memos.save_pending()
        if self.project is not None and self.project is not project:
            self.project.close()
        self.search_bar.reset()  # rows picked in the previous corpus mean nothing here
        self.corpus, self.project = corpus, project
        self.source = Path(source) if source else (Path(corpus.source) if corpus.source else None)
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
        if self.search_bar.edit.text():
            self.search_bar.apply_order()
        else:
            self.update_counts()
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
        if self.search_bar.edit.text() and self.search_bar.in_text_column:
            self.search_bar.apply_order()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.search_bar.escape():
            return
        super().keyPressEvent(event)

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
            highlight=self.search_bar.highlight,
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
        self.update_counts()
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

    # -- closing ----------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if not self.runs.may_close():  # a running job: asked; closes again once it stopped
            event.ignore()
            return
        self.runs.shutdown()  # running jobs stop; their finished rows are already saved
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)

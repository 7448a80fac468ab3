"""The Jobs dock: one row per model run (progress, speed, time left, status, Cancel or
Resume) and the selected run's row errors, each a double-click away from its row."""

from __future__ import annotations

import bisect

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.chunking import long_text_summary
from ...core.empty_texts import empty_words
from ..common.progress_row import format_duration
from .jobs import Job

HEADERS = ["Task", "Model", "Progress", "Rows", "Speed", "Time left", "Status", ""]
TASK, MODEL, BAR, ROWS, SPEED, ETA, STATUS, ACTION = range(len(HEADERS))
MAX_LISTED_ERRORS = 5000  # a list of 50,000 identical errors helps nobody; the export has all


def speed_text(p, running: bool) -> str:
    """Rows/s, and while the job runs an auto concurrency's requests at once as it finds
    them (at the end the status says what it settled on)."""
    if not p or not p.computed:
        return "–"
    at_once = f", {p.at_once} at once" if p.at_once and running else ""
    return f"{p.rows_per_s:,.1f} rows/s{at_once}"


def status_text(job: Job) -> str:
    state = job.state
    if state.status == "done":
        failed = len(state.errors)
        text = f"Done, {failed:,} row(s) failed" if failed else "Done"
        result = job.result
        long_texts = long_text_summary(result.chunked, result.truncated) if result else ""
        empty = empty_words(result.empty) if result else ""
        concurrency = result.concurrency if result else ""  # what auto settled on
        parts = (text, empty, long_texts, concurrency, *state.warnings)
        return "; ".join(t for t in parts if t)
    if state.status == "stopped" and job.result is not None:  # the runner's circuit breaker
        result = job.result
        why = result.stopped
        # Said only when true: a server that never answered left no row to keep.
        answered = result.done - result.failed - result.empty
        kept = "finished rows kept" if answered else "no row was answered"
        return f"{why[:1].upper()}{why[1:]}; {kept}, Resume asks the failed ones again"
    p = state.progress
    phase = p.phase if p is not None else ""
    if state.status == "running" and phase:
        return phase[:1].upper() + phase[1:]
    if state.status == "loading" and state.notice:  # converting the model, say (seconds)
        return f"Loading the model: {state.notice}"
    if state.status == "running" and p is not None and p.waiting_s:  # no row back for a while
        return f"Waiting for {p.waiting_for}, {format_duration(p.waiting_s)}"
    return {
        "waiting": "Waiting",
        "loading": "Loading the model…",
        "running": "Running",
        "cancelling": "Cancelling…",
        "cancelled": "; ".join(["Cancelled (finished rows kept)", *state.warnings]),
        "failed": f"Failed: {state.message}",
    }.get(state.status, state.status)


def time_left(job: Job) -> tuple[str, str]:
    """The Time left cell and its tooltip: the rows' time left from their pace; during a
    step before the rows (embedding the corpus) that step's time left, "+ rows" after it;
    "estimating…" while a running job has no pace yet; a dash when it is not running."""
    state, p = job.state, job.state.progress
    if not job.running or state.status == "cancelling" or (p is not None and p.done >= p.total):
        return "–", ""
    if p is not None and p.phase_fraction is not None:
        left = p.phase_eta_s
        if left is None:
            return "estimating…", "Timed once this step has begun"
        step = p.phase.split(" (")[0].lower()
        return (
            f"{format_duration(left)} + rows",
            f"About {format_duration(left)} more for {step}; the rows follow, timed once "
            "they start",
        )
    left = p.eta_s if p is not None else None
    if left is None:
        return "estimating…", "Timed once the first rows are done"
    return format_duration(left), "At the pace of the rows done so far"


def bar_value(job: Job) -> tuple[int, int, str] | None:
    """What the progress bar shows, (value, maximum, text): a step's own fraction while
    it runs (embedding the corpus), then the rows; None while the model loads."""
    state, p = job.state, job.state.progress
    if p is None and not job.running and state.status in ("failed", "cancelled"):
        return 0, 1, "not started"  # refused or failed before its first row
    if p is None or state.status == "loading":
        return None
    if p.phase_fraction is not None and job.running:
        return round(1000 * p.phase_fraction), 1000, f"{100 * p.phase_fraction:.0f} %"
    return p.done, max(1, p.total), f"{100 * p.done / max(1, p.total):.0f} %"


class ProgressDelegate(QStyledItemDelegate):
    """Paints a progress bar from the item's (value, maximum, text), or "loading…" when
    None.

    Not a QProgressBar cell widget: its setValue repaints at once, synchronously, which
    while a job's worker holds the interpreter stalled the window for 100 ms per update;
    an item's change is painted with the next regular repaint.
    """

    def paint(self, painter, option, index) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.textVisible = True
        if value is None:
            bar.minimum, bar.maximum, bar.progress, bar.text = 0, 1, 0, "loading…"
        else:
            bar.progress, bar.maximum, bar.text = value
            bar.minimum = 0
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class JobsPanel(QDockWidget):
    """Shows jobs; Cancel and Resume act on them; a double-clicked error asks for its row."""

    sig_goto_row = Signal(int)  # a row id

    def __init__(self, parent=None):
        super().__init__("Jobs", parent)
        self.setObjectName("jobsDock")
        self.jobs: list[Job] = []
        self._buttons: dict[Job, QPushButton] = {}
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MODEL, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(BAR, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(MODEL, 220)
        self.table.setColumnWidth(STATUS, 220)
        self.table.setItemDelegateForColumn(BAR, ProgressDelegate(self.table))
        self.table.itemSelectionChanged.connect(self._show_errors)

        self.errors_label = QLabel()
        self.errors = QListWidget()
        self.errors.setToolTip("Double-click an error to show its row in the table")
        self.errors.setWordWrap(True)  # the whole message, not a sideways scroll
        self.errors.itemActivated.connect(self._goto_error)  # double-click or Enter
        right = QWidget()
        lay = QVBoxLayout(right)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.errors_label)
        lay.addWidget(self.errors)
        # The jobs, then any other section (the batches at the server: batch_jobs).
        left = QWidget()
        self._sections = QVBoxLayout(left)
        self._sections.setContentsMargins(0, 0, 0, 0)
        self._sections.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.setWidget(splitter)
        self._listed: tuple[Job | None, int] = (None, 0)  # whose errors, how many listed
        self._listed_rows: list[int] = []  # their row ids, sorted as listed
        self._show_errors()

    # -- jobs -------------------------------------------------------------------------

    def add_job(self, job: Job) -> None:
        """Show ``job`` in a new row, selected, and follow its changes."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.jobs.append(job)
        for column, text in ((TASK, job.spec.task_title), (MODEL, job.spec.model_name())):
            item = QTableWidgetItem(text)
            item.setToolTip(
                job.spec.model + (f" at {job.spec.base_url}" if job.spec.base_url else "")
            )
            self.table.setItem(row, column, item)
        for column in (ROWS, SPEED, ETA, STATUS):
            item = QTableWidgetItem()
            if column in (ROWS, SPEED, ETA):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        bar = QTableWidgetItem()
        self.table.setItem(row, BAR, bar)
        button = QPushButton()
        button.clicked.connect(lambda: self._act(job))
        # In a holder: the view shows its cell widgets itself, so only a child can hide.
        holder = QWidget()
        holder_layout = QHBoxLayout(holder)
        holder_layout.setContentsMargins(2, 0, 2, 0)
        holder_layout.addWidget(button)
        self._buttons[job] = button
        self.table.setCellWidget(row, ACTION, holder)
        job.sig_changed.connect(lambda: self._refresh(job))
        self._refresh(job)
        self.table.selectRow(row)

    def add_section(self, widget: QWidget) -> None:
        """Show ``widget`` under the jobs."""
        self._sections.addWidget(widget)

    def job_row(self, job: Job) -> int:
        return self.jobs.index(job)

    def button(self, job: Job) -> QPushButton:
        """Cancel while the job runs, Resume when it stopped early, hidden when done."""
        return self._buttons[job]

    def cell_text(self, job: Job, column: int) -> str:
        return self.table.item(self.job_row(job), column).text()

    def _act(self, job: Job) -> None:
        if job.running:
            job.cancel()
        else:
            job.start()  # Resume: the runner skips every row already stored

    def _refresh(self, job: Job) -> None:
        row, state, p = self.job_row(job), job.state, job.state.progress
        self.table.item(row, BAR).setData(Qt.ItemDataRole.UserRole, bar_value(job))
        eta, eta_tip = time_left(job)
        texts = {
            ROWS: f"{p.done:,} / {p.total:,}" if p else "–",
            SPEED: speed_text(p, job.running),
            ETA: eta,
            STATUS: status_text(job),
        }
        for column, text in texts.items():
            self.table.item(row, column).setText(text)
        self.table.item(row, STATUS).setToolTip(status_text(job))
        self.table.item(row, ETA).setToolTip(eta_tip)
        button = self._buttons[job]
        button.setVisible(state.status != "done")
        button.setEnabled(state.status != "cancelling")
        if job.running:
            button.setText("Cancel")
            button.setToolTip("Stop after the current batch; finished rows are kept")
        else:
            button.setText("Resume")
            button.setToolTip("Continue with the rows not done yet")
        if self._selected() is job:
            self._show_errors()

    # -- row errors -------------------------------------------------------------------

    def _selected(self) -> Job | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.jobs[rows.pop()] if len(rows) == 1 else None

    def _show_errors(self) -> None:
        job = self._selected()
        errors = job.state.errors if job is not None else []
        listed_job, listed = self._listed
        if listed_job is not job or listed > len(errors):  # another job, or restarted
            self.errors.clear()
            self._listed_rows = []
            listed = 0
        # Add only the new ones (a flush adds a few, the list may be long), in row order:
        # they come in batches of similar length, not in the order of the table.
        for row_id, message in errors[listed:MAX_LISTED_ERRORS]:
            item = QListWidgetItem(f"Row {row_id + 1:,}: {message}")
            item.setData(Qt.ItemDataRole.UserRole, row_id)
            item.setToolTip(message)
            at = bisect.bisect(self._listed_rows, row_id)
            self._listed_rows.insert(at, row_id)
            self.errors.insertItem(at, item)
        self._listed = (job, max(listed, min(len(errors), MAX_LISTED_ERRORS)))
        if job is None:
            self.errors_label.setText("Row errors: select a job")
        elif not errors:
            self.errors_label.setText("Row errors: none")
        else:
            more = len(errors) - MAX_LISTED_ERRORS
            extra = f" (first {MAX_LISTED_ERRORS:,} listed)" if more > 0 else ""
            self.errors_label.setText(
                f"Row errors: {len(errors):,}{extra} — double-click one to show its row"
            )

    def _goto_error(self, item: QListWidgetItem) -> None:
        self.sig_goto_row.emit(int(item.data(Qt.ItemDataRole.UserRole)))

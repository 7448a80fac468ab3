"""The bias view's first tab: does the model's answer change when only who is spoken about
changes? The counterfactual check of :mod:`llmstudio.core.bias.counterfactual` in a
window: the swaps are shown before anything runs, the runs go to a project file next to
the open one (``<stem>-bias-<list>.llmstudio``: a second check is served from its cache),
and the result comes as a summary, a chart and a table of the rows that changed.

An API model sends the original and the swapped texts away: the consent dialog asks
first (once per bias project, endpoint and columns, recorded in the bias project as the
run dialog records it in the open project).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from html import escape
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.backends import ModelSpec
from ...core.bias.swaps import load_swaps, swap_all
from ...core.cells import cell_text
from ...core.model_config import cached_models, load_config, model_choices
from ...core.send_plan import leaves_computer
from ..common.errors import describe
from .bias_common import (
    BASE_URL_ROLE,
    Exports,
    _ci,
    _num,
    bias_project_path,
    excerpt,
    model_box,
    p_text,
    run_controls,
    table_defaults,
)

PREVIEW_ROWS = 200
SWAP_LISTS = {
    "gender": "Gender terms (he/she, his/her, Mr/Ms, father/mother, …)",
    "names": "First names by gender (John/Mary, …)",
    "names-race": "First names, European- / African-American (Emily/Lakisha, …)",
}
TASKS = {
    "3": "Sentiment: positive / neutral / negative",
    "5": "Sentiment, 5-point scale (very negative … very positive)",
}
ROW_FILTERS = ("rows whose label changed", "rows whose score changed", "every row compared")


def _run_check(corpus, column, swaps, path, options, model, base_url, limit, monitor):
    """The worker: the bias project, the model, both runs and the comparison."""
    from ...core.backends import make_backend
    from ...core.bias.counterfactual import counterfactual_project, run_counterfactual
    from ...core.tasks.build import make_task

    task = make_task(options)
    project, swapped = counterfactual_project(path, corpus, column, swaps)
    try:
        backend = make_backend(model, base_url=base_url or None)
        try:
            return run_counterfactual(
                project,
                task,
                backend,
                swaps,
                swapped,
                text_column=column,
                limit=limit,
                monitor=monitor,
            )
        finally:
            backend.close()
    finally:
        project.close()


class CounterfactualTab(Exports, QWidget):
    """Choose, preview, run, read, export."""

    sig_previewed = Signal()
    sig_finished = Signal()  # a run ended (done, cancelled or failed)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        from .bias_charts import CounterfactualChart

        self.main = window
        self.result = None
        self.error: str = ""
        self.preview_counts: tuple[int, int] = (0, 0)  # rows with, without a swap
        self._swaps = None
        self._swap_file: str | None = None

        self.task = QComboBox()
        for scale, label in TASKS.items():
            self.task.addItem(label, scale)
        self.model = model_box(model_choices(load_config(), cached_models()))
        self.swap_list = QComboBox()
        for name, label in SWAP_LISTS.items():
            self.swap_list.addItem(label, name)
        self.swap_list.addItem("My own list (a CSV/TXT file of word pairs)…", "file")
        self.swap_list.activated.connect(self._on_swap_list)
        self.column = QComboBox()
        self.column.addItems([str(c) for c in window.corpus.frame.columns])
        self.column.setCurrentText(str(window.corpus.text_column))
        self.column.currentIndexChanged.connect(self.preview)
        self.limit = QSpinBox()
        self.limit.setRange(0, 10_000_000)
        self.limit.setSpecialValueText("all rows")
        self.limit.setToolTip("Check only the first rows of the corpus (0: all rows)")
        form = QFormLayout()
        form.addRow("Task:", self.task)
        form.addRow("Model:", self.model)
        form.addRow("Swap list:", self.swap_list)
        form.addRow("Text column:", self.column)
        form.addRow("Rows:", self.limit)
        note = QLabel(
            "Each text with a listed word is run twice, as written and swapped; the "
            "two answers are compared. An API model is asked first whether the texts "
            "may be sent (API models are added in Analyse › Model Settings)."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555")

        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        self.preview_table = QTableWidget(0, 4)
        self.preview_table.setHorizontalHeaderLabels(
            ["Row", "Original text", "Swapped text", "Swaps made"]
        )
        table_defaults(self.preview_table)
        self.preview_table.setMinimumHeight(120)
        self.preview_table.setColumnWidth(3, 240)

        run_row = run_controls(self, "Run the check", "answers")
        self.background.sig_result.connect(self._on_result)
        self.background.sig_error.connect(self._on_error)
        self.background.sig_finished.connect(self._on_finished)
        self.run_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.run_button.setToolTip(
            "Run the model on the original and the swapped texts (Ctrl+Enter)"
        )
        self.status = QLabel("No result yet: check the swaps below, then run the check.")
        self.status.setWordWrap(True)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart = CounterfactualChart()
        self.show_rows = QComboBox()
        self.show_rows.addItems(ROW_FILTERS)
        self.show_rows.currentIndexChanged.connect(self._fill_rows)
        self.rows_table = QTableWidget(0, 8)
        self.rows_table.setHorizontalHeaderLabels(
            [
                "Row",
                "Original text",
                "Swapped text",
                "Original label",
                "Swapped label",
                "Original score",
                "Swapped score",
                "Difference",
            ]
        )
        table_defaults(self.rows_table)
        self.rows_table.setToolTip("Double-click a row to show it in the main table")
        self.rows_table.cellDoubleClicked.connect(self._goto)
        exports = QHBoxLayout()
        exports.addWidget(QLabel("Show:"))
        exports.addWidget(self.show_rows)
        exports.addStretch(1)
        for b in self.make_export_buttons():
            exports.addWidget(b)

        preview_box = QWidget()
        pv = QVBoxLayout(preview_box)
        pv.setContentsMargins(0, 0, 0, 0)
        pv.addWidget(self.preview_label)
        pv.addWidget(self.preview_table)
        results = QWidget()
        rv = QVBoxLayout(results)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.summary)
        rv.addWidget(self.chart.widget, 2)
        rv.addLayout(exports)
        rv.addWidget(self.rows_table, 2)
        self.results_box = results
        results.hide()  # until a result: the preview has the room
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(preview_box)
        self.splitter.addWidget(results)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([220, 640])
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(note)
        outer.addLayout(run_row)
        outer.addWidget(self.status)
        outer.addWidget(self.splitter, 1)
        self.chart.clear()
        self.preview()

    # -- the swaps, before anything runs ----------------------------------------------

    def _on_swap_list(self, *_) -> None:
        if self.swap_list.currentData() == "file":
            path, _ = QFileDialog.getOpenFileName(
                self,
                "A swap list: one pair a line (he,she)",
                "",
                "Word pairs (*.csv *.txt);;All files (*)",
            )
            if not path:
                self.swap_list.setCurrentIndex(0)
            else:
                self.set_swap_file(path)
                return
        self.preview()

    def set_swap_file(self, path: str | Path) -> None:
        """Use the word pairs in ``path`` (and preview them)."""
        self._swap_file = str(path)
        index = self.swap_list.findData("file")
        self.swap_list.setItemText(index, f"My own list: {Path(path).name}")
        self.swap_list.setCurrentIndex(index)
        self.preview()

    def set_swap_list(self, name: str) -> None:
        """Choose a built-in list by name (gender, names, names-race)."""
        self.swap_list.setCurrentIndex(self.swap_list.findData(name))
        self.preview()

    def swaps_name(self) -> str:
        data = self.swap_list.currentData()
        return self._swap_file if data == "file" else data

    def _limit(self) -> int | None:
        return self.limit.value() or None

    def preview(self, *_) -> None:
        """Show the swaps the check would make; nothing is run or written."""
        frame = self.main.corpus.frame
        column = self.column.currentText()
        try:
            swaps = load_swaps(self.swaps_name())
        except Exception as exc:  # a swap file with a bad line: say where
            self._swaps = None
            self.preview_label.setText(
                f"<b>The swap list cannot be used:</b> {escape(describe(exc))}"
            )
            self.preview_table.setRowCount(0)
            self.run_button.setEnabled(False)
            self.sig_previewed.emit()
            return
        self._swaps = swaps
        n = min(len(frame), self._limit() or len(frame))
        texts = [cell_text(frame[column], i) for i in range(n)]
        swapped = swap_all(texts, swaps)
        shown = [(i, s) for i, s in enumerate(swapped) if s.n]
        with_swaps = len(shown)
        self.preview_counts = (with_swaps, n - with_swaps)
        table = self.preview_table
        table.setRowCount(min(PREVIEW_ROWS, with_swaps))
        for r, (i, s) in enumerate(shown[:PREVIEW_ROWS]):
            first = s.spans[0]
            shown_texts = (excerpt(texts[i], first.start), excerpt(s.text, first.new_start))
            for c, value in enumerate((i + 1, *shown_texts, s.describe())):
                item = QTableWidgetItem(str(value))
                if c in (1, 2):
                    item.setToolTip((texts[i] if c == 1 else s.text)[:2000])
                table.setItem(r, c, item)
        table.resizeColumnToContents(0)
        more = f" (the first {PREVIEW_ROWS} shown)" if with_swaps > PREVIEW_ROWS else ""
        self.preview_label.setText(
            f"<b>Swaps before running</b> — list <i>{escape(swaps.name)}</i> "
            f"({len(swaps.pairs)} pairs): "
            f"<b>{with_swaps:,}</b> of {n:,} rows have a listed word and will be compared{more}; "
            f"{n - with_swaps:,} rows have none and are left out. Check that the swapped texts "
            "read right (e.g. “her” → “his” or “him”)."
        )
        self.run_button.setEnabled(with_swaps > 0 and not self.background.running)
        self.sig_previewed.emit()

    # -- running ----------------------------------------------------------------------

    def project_path(self) -> Path:
        return bias_project_path(self.main, self._swaps.name if self._swaps else "swaps")

    def running(self) -> bool:
        return self.background.running

    def run(self) -> None:
        """Start the check in the background (original and swapped texts, then compare)."""
        from ...core.tasks.build import TaskOptions

        if self.background.running or self._swaps is None:
            return
        w = self.main
        corpus = replace(w.corpus, frame=w.corpus.frame.copy())  # the table may change
        options = TaskOptions(task="sentiment", scale=self.task.currentData())
        base_url = self.model.currentData(BASE_URL_ROLE) or ""
        if leaves_computer(self.model.currentData(), base_url) and not self._consent(
            corpus, options, base_url
        ):
            return
        self.error = ""
        self.status.setText(
            f"Running {self.model.currentText()} on {self.preview_counts[0]:,} "
            f"original and swapped texts; project {self.project_path().name}"
        )

        self.background.start(
            _run_check,
            corpus,
            self.column.currentText(),
            self._swaps,
            self.project_path(),
            options,
            self.model.currentData(),
            base_url,
            self._limit(),
        )
        self.progress.start(2 * self.preview_counts[0])  # both runs' answers
        self.run_button.setEnabled(False)

    def _consent(self, corpus, options, base_url: str) -> bool:
        """Before texts leave the computer: the consent dialog, once per bias project,
        endpoint and columns (the original and the swapped text column), as for any run."""

        from ...core.bias.counterfactual import (
            counterfactual_project,
            rows_with_swaps,
            swapped_column,
        )
        from ...core.secrets import endpoint_id
        from ...core.send_plan import send_plan, sent_columns
        from ...core.tasks.build import make_task
        from ..common.consent_dialog import ask_consent

        column = self.column.currentText()
        try:
            project, swapped = counterfactual_project(
                self.project_path(), corpus, column, self._swaps
            )
        except Exception as exc:
            self._on_error(exc)
            return False
        try:
            endpoint = endpoint_id(base_url or None)
            task = make_task(options)
            columns = [column, swapped_column(column, self._swaps)]
            if project.has_consent(endpoint, sent_columns(task, columns)):
                return True
            rows = rows_with_swaps(swapped, self._limit())
            model = ModelSpec.parse(self.model.currentData()).name
            plan = send_plan(task, project.corpus().frame, columns, endpoint, model, rows)
            agreed = ask_consent(project, plan, model, self)
            if not agreed:
                self.status.setText("Not run: nothing was sent.")
            return agreed
        finally:
            project.close()

    def cancel(self) -> None:
        """Stop the runs between batches; finished rows are kept (Run resumes)."""
        if self.background.running:
            self.background.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    def _on_error(self, exc: BaseException) -> None:
        self.error = describe(exc)
        self.status.setText(f"<b>The check failed:</b> {escape(self.error)}")

    def _on_finished(self) -> None:
        self.run_button.setEnabled(self._swaps is not None and self.preview_counts[0] > 0)
        self.sig_finished.emit()

    def _on_result(self, result) -> None:
        self.result = result
        computed = sum(r.computed for r in result.runs)
        cached = sum(r.cached for r in result.runs)
        self.last_computed = computed
        self.status.setText(
            f"{'Done' if result.status == 'done' else 'Cancelled'}: {computed:,} answers "
            f"computed, {cached:,} from the cache of {self.project_path().name}"
            + (
                ""
                if result.status == "done"
                else " — the report covers the rows finished so far; Run again to resume"
            )
        )
        self.summary.setText(self.summary_text(result))
        self.chart.show(result)
        self.results_box.show()
        self._fill_rows()
        self.enable_exports()

    @staticmethod
    def summary_text(result) -> str:
        """The result in sentences: n, changed share, mean difference, test."""
        c = result.comparison
        parts = [
            f"<b>{result.n:,} rows compared</b> ({result.rows_without_swaps:,} rows without "
            f"a swap left out"
            + (f", {result.rows_failed:,} without both answers" if result.rows_failed else "")
            + ").",
            f"<b>Label changed</b> in {result.changed:,} of {result.n:,} rows: share "
            f"{_num(result.changed_share)} ({_ci(*result.changed_ci)}).",
        ]
        if c.mean_difference is not None:
            test = {
                "wilcoxon": "Wilcoxon signed-rank test",
                "sign": "exact sign test",
                "none": "no test: every difference is zero",
            }.get(c.test, c.test or "no test")
            parts.append(
                f"<b>Mean score difference</b> (swapped − original): "
                f"{_num(c.mean_difference)} ({_ci(c.ci_low, c.ci_high)}); "
                f"p {escape(p_text(c.p_value))} ({test}; {c.nonzero:,} rows differ)."
            )
        parts.append(
            f"<span style='color:#555'>Model {escape(result.model)}; swap list "
            f"{escape(result.swap_list.name)}; score: P(positive) − P(negative), or VADER's "
            "compound score.</span>"
        )
        return " ".join(parts)

    def shown_rows(self) -> pd.DataFrame:
        rows = self.result.rows if self.result is not None else pd.DataFrame()
        if not len(rows):
            return rows
        which = self.show_rows.currentIndex()
        if which == 0:
            rows = rows[rows["changed"] == True]  # noqa: E712 (None: not compared)
        elif which == 1:
            rows = rows[rows["difference"].fillna(0).astype(float) != 0]
        order = (
            rows["difference"]
            .astype(float)
            .abs()
            .sort_values(ascending=False, na_position="last")
            .index
        )
        return rows.loc[order]

    def _fill_rows(self, *_) -> None:
        rows = self.shown_rows()
        table = self.rows_table
        table.setSortingEnabled(False)
        table.setRowCount(len(rows))
        columns = [
            "row",
            "original_text",
            "swapped_text",
            "original_label",
            "swapped_label",
            "original_score",
            "swapped_score",
            "difference",
        ]
        for r, record in enumerate(rows[columns].itertuples(index=False)):
            for c, value in enumerate(record):
                if c >= 5:
                    text = "" if value is None or pd.isna(value) else f"{value:+.3f}"
                else:
                    text = "" if value is None else " ".join(str(value).split())
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, int(value))
                if c in (1, 2):
                    item.setToolTip(text[:2000])
                table.setItem(r, c, item)
        table.resizeColumnToContents(0)

    def _goto(self, r: int, _column: int = 0) -> None:
        row = self.rows_table.item(r, 0).data(Qt.ItemDataRole.UserRole)  # 1-based
        self.main.goto_row(int(row) - 1)
        self.main.raise_()
        self.main.activateWindow()

    # -- exports ----------------------------------------------------------------------

    def exported_rows(self):
        """Every compared row (texts, swaps, labels, scores, difference)."""
        return self.result.rows if self.result is not None else None

    def methods_text(self) -> str | None:
        """The section ``llmstudio bias`` writes as report.md."""
        from ...core.bias.counterfactual import write_report

        if self.result is None:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            written = {p.name: p for p in write_report(self.result, tmp)}
            return written["report.md"].read_text(encoding="utf-8")

"""The corrected chart's numbers as a table (Charts › Corrected for model error ›
Table…): group, label, rows, rows checked, naive, corrected with its interval, the
person's rows alone, the effective rows gained and the rows to code for the target
width; exported to CSV or XLSX by ``core.estimate_table``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...core.atomic import write_text
from ...core.estimate_table import about_lines, report_frame, write_estimates
from ...core.methods_estimates import methods_markdown
from ..common.errors import describe

# shown columns: (header, what it joins from report_frame: a value or a low-high pair)
SHOWN = (
    ("Group", ("Group",)),
    ("Label", ("Label",)),
    ("Rows", ("Rows",)),
    ("Checked", ("Rows checked by a person",)),
    ("Naive", ("Naive (model labels only)",)),
    ("Naive 95% CI", ("Naive 95% CI low", "Naive 95% CI high")),
    ("Corrected", ("Corrected (PPI++)",)),
    ("Corrected 95% CI", ("Corrected 95% CI low", "Corrected 95% CI high")),
    ("Person only", ("Person only",)),
    ("Person only 95% CI", ("Person only 95% CI low", "Person only 95% CI high")),
    ("Effective n gained", ("Effective n gained",)),
)


class EstimateTableView(QDialog):
    """The table of the corrected numbers the chart shows, refilled with them."""

    def __init__(self, controls):
        super().__init__(controls.panel)
        self.controls = controls
        self.setWindowTitle("Corrected estimates")
        self.resize(1100, 420)
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.grid = QTableWidget()
        self.grid.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.grid.verticalHeader().setVisible(False)
        self.grid.horizontalHeader().setStretchLastSection(True)
        self.grid.setWordWrap(False)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("The table as CSV or XLSX (with a sheet saying what it is)")
        self.export_button.clicked.connect(self.ask_export)
        self.methods_button = QPushButton("Methods record…")
        self.methods_button.setToolTip(
            "The estimator, the sample, the intervals, the rows to code for the target and "
            "a sentence for a paper (Markdown)"
        )
        self.methods_button.clicked.connect(self.ask_methods)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.methods_button)
        buttons.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.about)
        lay.addWidget(self.grid, 1)
        lay.addLayout(buttons)

    def frame(self) -> pd.DataFrame:
        """The numbers shown, as ``core.estimate_table.report_frame`` gives them."""
        return report_frame(self.controls.report, self.controls.half_width())

    def fill(self) -> None:
        """Show the chart's latest corrected numbers."""
        report = self.controls.report
        for button in (self.export_button, self.methods_button):
            button.setEnabled(report is not None)
        if report is None:
            self.grid.clear()
            self.grid.setRowCount(0)
            self.about.setText(
                "The chart shows no corrected numbers now: choose Labels by group or Mean by "
                "group and tick Corrected for model error."
            )
            return
        frame = self.frame()
        share = report.kind == "share"
        more, note = frame.columns[-2], "Note"
        # "More rows to code for ±3.0 points" made the table too wide for its notes
        short = more.replace("More rows to code for ", "More rows (").replace(" points", " pts")
        headers = [h for h, _ in SHOWN] + [short + ")", note]
        self.grid.clear()
        self.grid.setColumnCount(len(headers))
        self.grid.setHorizontalHeaderLabels(headers)
        self.grid.setRowCount(len(frame))
        for i, row in enumerate(frame.itertuples(index=False)):
            values = dict(zip(frame.columns, row))
            cells = [_cell(values, parts, share) for _h, parts in SHOWN]
            cells += [_count(values[more]), values[note] or ""]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if j == len(cells) - 1 else "")  # a long note, whole
                self.grid.setItem(i, j, item)
        self.grid.resizeColumnsToContents()
        # the note last, as wide as the window leaves it (its whole text in the tooltip)
        self.grid.setColumnWidth(len(cells) - 1, min(self.grid.columnWidth(len(cells) - 1), 420))
        v = self.controls.validation
        self.about.setText(" ".join(about_lines(report, v.coder if v else "")[:2]))

    def export(self, path: str | Path) -> Path:
        """Write the table (CSV or XLSX, by the suffix)."""
        v = self.controls.validation
        return write_estimates(
            self.controls.report, path, v.coder if v else "", self.controls.half_width()
        )

    def write_methods(self, path: str | Path) -> Path:
        """Write the methods record (Markdown) with the plan for the target width."""
        text = methods_markdown(self.controls.report, self.controls.half_width())
        write_text(Path(path), text)
        return Path(path)

    def ask_export(self) -> None:
        self._ask("Export corrected estimates", "corrected estimates.xlsx", self.export)

    def ask_methods(self) -> None:
        self._ask("Save the methods record", "corrected estimates methods.md", self.write_methods)

    def _ask(self, title: str, name: str, write) -> None:
        """Ask where, write, and say where it went or what went wrong."""
        window = self.controls.panel.window
        base = window.source.parent if window.source else Path.home()
        kinds = "Markdown (*.md)" if name.endswith(".md") else "Excel (*.xlsx);;CSV (*.csv)"
        path, chosen = QFileDialog.getSaveFileName(self, title, str(base / name), kinds)
        if not path:
            return
        if Path(path).suffix.lower() not in (".xlsx", ".csv", ".md"):
            path += ".csv" if chosen.startswith("CSV") else Path(name).suffix
        try:
            written = write(path)
        except Exception as exc:  # noqa: BLE001 - said in the window, logged by describe
            self.about.setText(describe(exc, "Could not save"))
            self.about.setStyleSheet("color: #b00020;")
            return
        self.about.setStyleSheet("")
        window.statusBar().showMessage(f"Saved {written}", 5000)


def _number(x, share: bool) -> str:
    if x is None or pd.isna(x):
        return "–"
    return f"{100 * x:.1f}%" if share else f"{x:.3f}"


def _count(x) -> str:
    return "–" if x is None or pd.isna(x) else f"{int(x):,}"


def _cell(values: dict, parts: tuple, share: bool) -> str:
    if len(parts) == 2:
        low, high = (values[p] for p in parts)
        if low is None or pd.isna(low):
            return "–"
        return f"{_number(low, share)} to {_number(high, share)}"
    x = values[parts[0]]
    if parts[0] in ("Rows", "Rows checked by a person", "Effective n gained"):
        return _count(x)
    if parts[0] in ("Group", "Label"):
        return str(x)
    return _number(x, share)

"""What the bias view's tabs share: number formats, the bias project's file name, table
settings and the model list's base-URL role."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
)

from ...core.project import SUFFIX
from ..common.background import BackgroundTask
from ..common.progress_row import ProgressRow
from ..models.local_models import LocalModelsFinder

BASE_URL_ROLE = Qt.ItemDataRole.UserRole + 1  # the model list's API base URL


def _num(value, digits: int = 3) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


def p_text(value) -> str:
    """A p-value as a paper prints it: 4 decimals, or "< 0.0001"."""
    if value is None:
        return "undefined"
    return "< 0.0001" if value < 0.0001 else f"= {value:.4f}"


def _ci(low, high) -> str:
    return f"95% CI {_num(low)} to {_num(high)}"


def excerpt(text: str, at: int, before: int = 40, width: int = 160) -> str:
    """One line of ``text`` around position ``at`` (the first swap), so the swap is seen."""
    start = max(0, at - before)
    if start:  # begin at a word
        space = text.find(" ", start, at)
        start = space + 1 if space >= 0 else start
    cut = text[start : start + width]
    return (
        ("…" if start else "") + " ".join(cut.split()) + ("…" if start + width < len(text) else "")
    )


def bias_project_path(window, list_name: str) -> Path:
    """``<project stem>-bias-<list>.llmstudio`` beside the open project (or file)."""
    base = (
        window.project.path
        if window.project is not None
        else (window.source or Path(window.corpus.source or "corpus"))
    )
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in list_name)
    return Path(base).with_name(f"{Path(base).stem}-bias-{safe}{SUFFIX}")


def table_defaults(table) -> None:
    """Read-only rows, selected whole; the text columns (1 and 2) take the width."""
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for c in (1, 2):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)


def model_box(choices) -> QComboBox:
    """The models to choose from (spec as data, the API base URL in BASE_URL_ROLE), VADER
    first chosen when offered: it runs in seconds, a sensible first look."""
    box = QComboBox()
    for choice in choices:
        box.addItem(choice.label, choice.spec)
        box.setItemData(box.count() - 1, choice.base_url, BASE_URL_ROLE)
    box.setCurrentIndex(max(0, box.findData("lexicon")))
    return box


class LocalModelsInBox(LocalModelsFinder):
    """The models of LLM servers on this computer, added to a :func:`model_box` (spec as
    data, the base URL in BASE_URL_ROLE) as the run dialog's picker gets them."""

    def listed_at(self, i: int) -> tuple[str, str] | None:
        spec = self.combo.itemData(i)
        return (spec, self.combo.itemData(i, BASE_URL_ROLE) or "") if spec else None

    def insert(self, at: int, choice) -> None:
        self.combo.insertItem(at, choice.label, choice.spec)
        self.combo.setItemData(at, choice.base_url, BASE_URL_ROLE)


def run_controls(tab, text: str, unit: str) -> QHBoxLayout:
    """``tab.run_button`` (calls ``tab.run``) and ``tab.progress``, the progress row of
    ``tab.background`` (``tab.bar``, and ``tab.cancel_button`` calling ``tab.cancel``,
    enabled while it runs), in a row."""
    tab.background = BackgroundTask(tab, keep_in=tab.main.background_work)
    tab.run_button = QPushButton(text)
    tab.run_button.clicked.connect(tab.run)
    tab.progress = ProgressRow(unit)
    tab.progress.follow(tab.background)
    tab.progress.sig_cancel.connect(tab.cancel)
    tab.bar, tab.cancel_button = tab.progress.bar, tab.progress.cancel_button
    row = QHBoxLayout()
    row.addWidget(tab.run_button)
    row.addWidget(tab.progress, 1)
    return row


def file_row(edit, on_browse) -> QHBoxLayout:
    """A file path field with its Browse… button."""
    browse = QPushButton("Browse…")
    browse.clicked.connect(on_browse)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row


class Exports:
    """The three export buttons a tab shows (rows as CSV, the chart as PNG, the methods
    text as Markdown), disabled until there is a result. The tab provides
    ``project_path()``, ``chart``, ``exported_rows()`` and ``methods_text()`` (None
    before a result), and may set ``csv_name`` (the suggested file name's end)."""

    csv_name = "-rows.csv"

    def make_export_buttons(self, csv_text: str = "Export rows (CSV)…") -> list[QPushButton]:
        self.export_csv_button = QPushButton(csv_text)
        self.export_csv_button.clicked.connect(lambda: self.export_csv())
        self.export_png_button = QPushButton("Export chart (PNG)…")
        self.export_png_button.clicked.connect(lambda: self.export_png())
        self.export_md_button = QPushButton("Export methods text (Markdown)…")
        self.export_md_button.clicked.connect(lambda: self.export_md())
        self.enable_exports(False)
        return self.export_buttons()

    def export_buttons(self) -> list[QPushButton]:
        return [self.export_csv_button, self.export_png_button, self.export_md_button]

    def enable_exports(self, enabled: bool = True) -> None:
        for b in self.export_buttons():
            b.setEnabled(enabled)

    def _ask(self, title: str, suffix: str, filters: str) -> str:
        base = str(self.project_path().with_suffix(""))
        path, _ = QFileDialog.getSaveFileName(self, title, base + suffix, filters)
        return path

    def export_png(self, path: str | Path | None = None) -> Path | None:
        path = path or self._ask("Export the chart", "-chart.png", "PNG image (*.png)")
        return self.chart.save_png(path) if path else None

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """The result's rows as CSV (through the core's export: the formula guard applies)."""
        from ...core.export import export_table

        path = path or self._ask("Export the rows", self.csv_name, "CSV (*.csv)")
        rows = self.exported_rows()
        if not path or rows is None:
            return None
        return export_table(rows, path)

    def export_md(self, path: str | Path | None = None) -> Path | None:
        """The methods-record section (what the CLI writes as report.md)."""
        from ...core.atomic import write_text

        path = path or self._ask("Export the methods text", "-methods.md", "Markdown (*.md)")
        text = self.methods_text()
        if not path or text is None:
            return None
        write_text(Path(path), text)
        return Path(path)

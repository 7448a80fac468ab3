"""Analyse › Coded Passages…: one window per project with a codebook picker over two
tabs, "Coded passages" (retrieval) and "Crosstab" (codes by a column). Choosing a passage
selects its row in the main table and says so through ``Retrieval.sig_passage_chosen``
(codebook, row id, start, end), for a coding panel that can select the passage."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
)

from ...core import retrieval as rt
from ...core.crosstab import write_crosstab
from ...core.errors import ProjectError
from ..charts.code_bars import code_key
from .crosstab_tab import CrosstabTab
from .passages_tab import PassagesTab

EXPORT_FILTER = "CSV (*.csv);;Excel workbook (*.xlsx)"


class RetrievalView(QDialog):
    """The window: the codebook, then the two tabs."""

    def __init__(self, window, owner: Retrieval):
        super().__init__(window)
        self.window, self.owner = window, owner
        self.project, self.corpus = window.project, window.corpus
        self.setWindowTitle("Coded Passages")
        self.resize(1000, 620)
        self.book_picker = QComboBox()
        self.book_picker.setMinimumContentsLength(16)
        self.passages = PassagesTab(window, self)
        self.crosstab = CrosstabTab(window, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.passages, "Coded passages")
        self.tabs.addTab(self.crosstab, "Crosstab")
        top = QHBoxLayout()
        top.addWidget(QLabel("Codebook"))
        top.addWidget(self.book_picker)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.tabs, 1)
        self.book_picker.currentIndexChanged.connect(self._book_changed)
        self.passages.sig_chosen.connect(self._go_to)
        self.passages.export_button.clicked.connect(self.export_passages)
        self.crosstab.export_button.clicked.connect(self.export_crosstab)
        self.crosstab.sig_chart.connect(self.chart)
        self.reload()

    def reload(self) -> None:
        """Read the codebooks, codes, coders and passages again (they change as one codes)."""
        current = self.book_picker.currentText()
        self.book_picker.blockSignals(True)
        self.book_picker.clear()
        self.book_picker.addItems(self.project.codebooks())
        if current:
            self.book_picker.setCurrentText(current)
        self.book_picker.blockSignals(False)
        self._book_changed()

    def _book_changed(self, *_) -> None:
        name = self.book_picker.currentText()
        book = None
        if name:
            try:
                book = self.project.codebook(name)
            except ProjectError as exc:
                self.window.show_error("Cannot read the codebook", exc)
        self.passages.set_book(book)
        self.crosstab.set_book(book)

    def _go_to(self, item: rt.Item) -> None:
        if self.window.goto_row(item.row_id):
            self.owner.sig_passage_chosen.emit(
                self.book_picker.currentText(), item.row_id, item.start, item.end
            )

    def _ask_path(self, name: str) -> str:
        base = self.window.source.parent if self.window.source else Path.home()
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export", str(base / f"{name}.xlsx"), EXPORT_FILTER
        )
        if path and not Path(path).suffix:  # the filter chosen says the format
            path += ".csv" if chosen.startswith("CSV") else ".xlsx"
        return path

    def export_passages(self, path: str | None = None) -> None:
        """Write the list (in the background); ``path`` None: ask for it."""
        items = list(self.passages.items)
        path = path or self._ask_path(f"passages {self.book_picker.currentText()}")
        if not path or not items:
            return
        self.window.start_work(
            "Exporting the passages…",
            rt.write_items,
            self.project,
            items,
            path,
            self.passages.heading(),
            on_done=lambda written: self.window.show_status(f"Exported to {written}", 5000),
            error_title="Export failed",
        )

    def export_crosstab(self, path: str | None = None) -> None:
        """Write the crosstab as shown (counts or shares); ``path`` None: ask for it."""
        result = self.crosstab.result
        path = path or (result and self._ask_path(f"{result.codebook} by {result.by}"))
        if not path or result is None:
            return
        self.window.start_work(
            "Exporting the crosstab…",
            write_crosstab,
            result,
            path,
            self.crosstab.share(),
            on_done=lambda written: self.window.show_status(f"Exported to {written}", 5000),
            error_title="Export failed",
        )

    def chart(self, result) -> None:
        """The Charts panel on these codes by this column."""
        if result is None:
            return
        charts = self.window.charts
        charts.open_panel()
        charts.show_codes(code_key(result.codebook, result.source, result.unit), result.by)


class Retrieval(QObject):
    """The Analyse menu's action and the one open window."""

    # codebook, row id, start, end: str indices (code points; passages.to_utf16 for Qt)
    sig_passage_chosen = Signal(str, int, int, int)

    def __init__(self, window):
        super().__init__(window)
        self.main = window
        self.view: RetrievalView | None = None
        self.act_open = window.make_action(
            "Coded &Passages…",
            self.open,
            "Ctrl+Shift+P",
            "Every passage of a code with its context, and codes by a column (crosstab)",
        )

    def open(self) -> RetrievalView | None:
        w = self.main
        if w.corpus is None or w.project is None:
            w.show_status("Open a project to see its coded passages", 5000)
            return None
        if self.view is not None and (
            self.view.project is not w.project or self.view.corpus is not w.corpus
        ):
            self.view.close()
            self.view.deleteLater()
            self.view = None
        if self.view is None:
            self.view = RetrievalView(w, self)
        else:
            self.view.reload()  # codebooks, coders and passages may have changed
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        return self.view

    def _open_view(self) -> RetrievalView | None:
        view = self.view
        if view is not None and view.isVisible() and view.project is self.main.project:
            return view
        return None

    def coding_changed(self, *_) -> None:
        """Codes or passages were stored (the coding panel): the open window counts again
        (in the background, nothing else read on each click), so what it shows is never
        older than the panel beside it."""
        if (view := self._open_view()) is not None:
            view.passages.coded()
            view.crosstab.coded()

    def codebook_changed(self, *_) -> None:
        """A codebook editor saved, renamed or merged codes: everything read again."""
        if (view := self._open_view()) is not None:
            view.reload()


def install(window) -> Retrieval:
    """Analyse › Coded Passages… (Ctrl+Shift+P) in ``window``."""
    return Retrieval(window)

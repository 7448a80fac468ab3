"""Pull a catalogue model into the Ollama running on this computer: the catalogue's Ollama
entries with their size, licence and what each is good at, which of them Ollama has
already, and a pull with bytes, speed, time left and Cancel.

The pull is a :class:`~..common.background.BackgroundTask` over ``core.ollama_pull.pull``
shown by a :class:`~..common.progress_row.ProgressRow`; Ollama keeps what a cancelled or
broken pull got, and pulling again goes on from there.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from shiboken6 import isValid

from ...core.catalogue import catalogue
from ...core.ollama_pull import pull
from ...core.secrets import endpoint_id
from ..common.background import BackgroundTask, RunningWork
from ..common.errors import describe
from ..common.progress_row import ProgressRow
from .local_models import find_local_servers

COLUMNS = ("Model", "Size", "Licence", "Good at", "In Ollama")
ERROR_STYLE = "color:#c62828"


def _text(value: str) -> str:
    """``value`` as plain text inside a rich-text label (quotes left as they are)."""
    return html.escape(value, quote=False)


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


class OllamaPullDialog(QDialog):
    """The catalogue's Ollama models, and a pull of the one chosen.

    ``entries``: the catalogue entries to offer (default: the bundled catalogue's with
    ``source: ollama``). ``sig_servers_found`` once the scan for an Ollama has answered;
    ``sig_pulled(tag)`` after a pull finished (its list is then asked again)."""

    sig_servers_found = Signal()
    sig_pulled = Signal(str)

    def __init__(self, parent=None, entries=None):
        super().__init__(parent)
        self.setWindowTitle("Ollama models")
        self.resize(780, 360)
        self.entries = [
            e for e in (catalogue() if entries is None else entries) if e.source == "ollama"
        ]
        self.ollama = None  # the LocalServer of the Ollama found, if any
        self.background_work = RunningWork()
        self.status = QLabel("Looking for Ollama on this computer…")
        self.status.setWordWrap(True)
        self.table = QTableWidget(len(self.entries), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for row, e in enumerate(self.entries):
            name = e.name + ("" if e.checked else "  (unchecked)")
            for col, text in enumerate((name, _size(e.size_bytes), e.license, e.good_at, "…")):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{e.id}\nNot good at: {e.not_good_at}" if col == 0 else text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.pull_button = QPushButton("Pull")
        self.pull_button.setEnabled(False)
        self.pull_button.clicked.connect(self.pull_selected)
        self.table.itemSelectionChanged.connect(self._enable)
        self.progress = ProgressRow()
        self.progress.hide()
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.pull_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.progress)
        lay.addWidget(self.detail)
        lay.addWidget(close)
        self.task = BackgroundTask(keep_in=self.background_work)
        self.progress.follow(self.task)
        self.task.sig_progress.connect(self._on_progress)
        self.task.sig_result.connect(self._guard(self._pulled))
        self.task.sig_error.connect(self._guard(self._failed))
        self.task.sig_finished.connect(self._guard(lambda: self._enable()))
        self.refresh()

    def _guard(self, handler):
        # The dialog may be closed before the work answers: drop the answer then.
        return lambda *a: handler(*a) if isValid(self) else None

    # -- finding Ollama ---------------------------------------------------------------

    def refresh(self) -> None:
        """Look for an Ollama (and the models it has) in the background."""
        scan = BackgroundTask(keep_in=self.background_work, reports=False)
        scan.sig_result.connect(self._guard(self._servers_found))
        scan.start(find_local_servers)

    def _servers_found(self, servers) -> None:
        self.ollama = next((s for s in servers if s.ollama and s.on_this_computer), None)
        have = set(self.ollama.models) if self.ollama else set()
        for row, e in enumerate(self.entries):
            pulled = e.id in have or f"{e.id}:latest" in have
            self.table.item(row, 4).setText("yes" if pulled else "no")
        if self.ollama is None:
            self.status.setText(
                "No Ollama answers on this computer (it listens at 127.0.0.1:11434). Start "
                "Ollama, then open this window again to pull a model."
            )
        elif not self.entries:
            self.status.setText("The catalogue has no Ollama models.")
        else:
            self.status.setText(
                f"Ollama at {_text(endpoint_id(self.ollama.base_url))}, on this computer: a model "
                "pulled here runs there and nothing leaves it."
            )
        self._enable()
        self.sig_servers_found.emit()

    # -- pulling ----------------------------------------------------------------------

    def _selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def _enable(self) -> None:
        self.pull_button.setEnabled(
            self.ollama is not None and self._selected() is not None and not self.task.running
        )

    def select(self, tag: str) -> None:
        """Choose the entry of ``tag`` in the list."""
        self.table.selectRow([e.id for e in self.entries].index(tag))

    def pull_selected(self) -> None:
        """Pull the chosen model into the Ollama found, in the background."""
        entry = self._selected()
        if entry is None or self.ollama is None or self.task.running:
            return
        self.pulling = entry
        self.progress.show()
        self.detail.setText(f"Pulling {_text(entry.id)}…")
        self.pull_button.setEnabled(False)
        self.task.start(pull, self.ollama.base_url, entry.id, expected_bytes=entry.size_bytes)

    def _on_progress(self, done, total, detail: dict) -> None:
        if detail.get("message"):
            self.detail.setText(_text(detail["message"]))

    def _pulled(self, progress) -> None:
        self.detail.setText(
            f"{_text(self.pulling.id)} is in Ollama: choose it in the run dialog "
            "(Ollama: …, on this computer)."
        )
        self.sig_pulled.emit(self.pulling.id)
        self.refresh()

    def _failed(self, exc) -> None:
        # The bar keeps how far the pull got, never a time left for work that stopped.
        got = self.progress.bar.value() / max(1, self.progress.bar.maximum())
        stopped = "cancelled" if self.task.cancelled else "failed"
        self.progress.bar.setFormat(f"{stopped} at {100 * got:.0f} %")
        if self.task.cancelled:
            self.detail.setText(
                f"Cancelled. Ollama keeps what it downloaded of {_text(self.pulling.id)}: "
                "Pull again to go on from there."
            )
            return
        self.detail.setText(f"<span style='{ERROR_STYLE}'>{_text(describe(exc))}</span>")

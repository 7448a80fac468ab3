"""Get models: the catalogue of recommended models (``llmstudio/resources/models.yaml``)
with what each is good and not good at, its size, licence and quality with its source;
Download (a background job with bytes, speed, time left and Cancel) and the models
downloaded, with their revision, size and Remove.

Opens at once: the catalogue is a small file read once, and the cache is scanned in the
background (a big cache takes a while).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from shiboken6 import isValid

from ...core.catalogue import (
    BUILTIN_ID,
    BUNDLED,
    DOWNLOADED,
    INCOMPLETE,
    NOT_DOWNLOADED,
    THROUGH_OLLAMA,
    CatalogueEntry,
    availability,
    catalogue,
)
from ...core.errors import Cancelled
from ...core.model_cache import DownloadedModel, downloaded_models, remove_model, size_text
from ...core.model_download import download_model
from ..common.background import BackgroundTask
from ..common.errors import describe
from .bytes_progress import BytesProgressRow

# The "Here" column: what each availability reads as, and its tooltip.
HERE = {
    BUNDLED: ("bundled", "Comes with llmstudio: nothing to download"),
    DOWNLOADED: ("downloaded", "In the Hugging Face cache: runs offline"),
    INCOMPLETE: ("incomplete", "Cancelled or cut short: Download again fetches the rest"),
    NOT_DOWNLOADED: ("", ""),
    THROUGH_OLLAMA: ("", "An Ollama model: Model settings > Ollama models pulls it"),
}
CATALOGUE_COLUMNS = ("Model", "For", "Languages", "Size", "Licence", "Quality", "Here")
DOWNLOADED_COLUMNS = ("Model", "Revision", "Size")


def quality_text(entry: CatalogueEntry) -> str:
    """The first published or measured number, e.g. ``accuracy 0.717`` (its data set and
    source are in the tooltip and the details under the table)."""
    if not entry.quality:
        return "not measured"
    q = entry.quality[0]
    return f"{q.metric} {q.value:.3g}"


def details_text(entry: CatalogueEntry) -> str:
    """Everything the catalogue says of ``entry``, for the line under the table (HTML)."""
    from html import escape

    lines = [f"<b>{escape(entry.name)}</b> &nbsp; <code>{escape(entry.spec)}</code>"]
    if not entry.checked:
        lines.append(
            "<i>Unchecked: its id, size and licence were not checked against its model card.</i>"
        )
    if entry.good_at:
        lines.append(f"Good at: {escape(entry.good_at)}")
    if entry.not_good_at:
        lines.append(f"Not good at: {escape(entry.not_good_at)}")
    for q in entry.quality:
        lines.append(
            f"{escape(q.metric)} {q.value:.3g} on {escape(q.dataset)} (source: {escape(q.source)})"
        )
    if not entry.quality:
        lines.append(
            "<i>No quality number is recorded for it: check it against your own hand codes "
            "before you rely on it.</i>"
        )
    return "<br>".join(lines)


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if tip:
        item.setToolTip(tip)
    return item


def _table(columns: tuple[str, ...]) -> QTableWidget:
    """A read-only table of rows; the first column (the model) takes the room left."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(False)
    return table


class CatalogueDialog(QDialog):
    """The catalogue, Download, and the models downloaded."""

    sig_downloaded = Signal(object)  # a core.model_download.Downloaded
    sig_listed = Signal()  # the downloaded list was refreshed
    sig_removed = Signal(str)  # the hub id

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Get models")
        self.resize(900, 620)
        self.entries = catalogue()
        self.downloaded: list[DownloadedModel] = []

        self.table = _table(CATALOGUE_COLUMNS)
        self.table.itemSelectionChanged.connect(self._chosen)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setMinimumHeight(70)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download)
        self.progress = BytesProgressRow()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Without a parent, a task keeps itself until its work ends: closing (deleting)
        # the dialog mid-download cancels the work, which then ends on its own.
        self.download_task = BackgroundTask()
        self.progress.follow(self.download_task)
        self.download_task.sig_started.connect(self._started)
        self.download_task.sig_result.connect(self._downloaded)
        self.download_task.sig_error.connect(self._download_failed)
        self.download_task.sig_finished.connect(self._chosen)

        self.have = _table(DOWNLOADED_COLUMNS)
        self.have.itemSelectionChanged.connect(self._have_chosen)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.ask_remove)
        self.have_note = QLabel("Looking in the Hugging Face cache…")

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.progress, 1)
        have_row = QHBoxLayout()
        have_row.addWidget(self.have_note, 1)
        have_row.addWidget(self.remove_button)
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel(
                "Recommended models: downloaded once from the Hugging Face hub, then they run "
                "on this computer (nothing is sent anywhere)."
            )
        )
        lay.addWidget(self.table, 3)
        lay.addWidget(self.details)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addWidget(QLabel("<b>Downloaded</b>"))
        lay.addWidget(self.have, 2)
        lay.addLayout(have_row)
        lay.addWidget(close)

        self._fill_catalogue()
        if self.entries:
            self.table.selectRow(0)
        self.refresh_downloaded()

    # -- the catalogue ----------------------------------------------------------------

    def _fill_catalogue(self) -> None:
        self.table.setRowCount(len(self.entries))
        for r, e in enumerate(self.entries):
            name = e.name if e.checked else f"{e.name} (unchecked)"
            cells = (
                _item(name, f"{e.spec}\nGood at: {e.good_at}\nNot good at: {e.not_good_at}"),
                _item(", ".join(e.tasks)),
                _item(", ".join(e.languages)),
                _item(size_text(e.size_bytes)),
                _item(e.license),
                _item(
                    quality_text(e),
                    "\n".join(f"{q.dataset} (source: {q.source})" for q in e.quality),
                ),
                _item(*HERE[availability(e, self.downloaded)]),
            )
            for c, item in enumerate(cells):
                self.table.setItem(r, c, item)

    def chosen(self) -> CatalogueEntry | None:
        """The catalogue entry selected."""
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def _chosen(self) -> None:
        entry = self.chosen()
        self.details.setText(details_text(entry) if entry else "")
        busy = self.download_task.running
        can = entry is not None and entry.source == "hf" and entry.id != BUILTIN_ID
        self.download_button.setEnabled(can and not busy)
        here = availability(entry, self.downloaded) if entry is not None else None
        # Downloaded already: the same button fetches main's newer revision, if any.
        self.download_button.setText("Update" if here == DOWNLOADED else "Download")
        if entry is not None and entry.source != "hf":
            self.download_button.setToolTip("An Ollama model: it is pulled by Ollama")
        elif entry is not None and entry.id == BUILTIN_ID:
            self.download_button.setToolTip("Bundled with llmstudio: nothing to download")
        elif here == DOWNLOADED:
            self.download_button.setToolTip(
                "Downloaded: fetch the hub's latest revision if it changed (nothing if not)"
            )
        elif here == INCOMPLETE:
            self.download_button.setToolTip("Continue the download where it stopped")
        else:
            self.download_button.setToolTip("Download it into the Hugging Face cache")

    # -- downloading ------------------------------------------------------------------

    def download(self) -> None:
        """Download the entry selected, in the background."""
        entry = self.chosen()
        if entry is None or entry.source != "hf" or self.download_task.running:
            return
        self._downloading = entry
        # The main branch, whatever revision the entry was checked at: `hf:ID` runs load
        # main's snapshot, and each run records the exact commit it loaded.
        self.download_task.start(download_model, entry.id)

    def _started(self) -> None:
        self.download_button.setEnabled(False)
        self.status.setText(f"Downloading {self._downloading.name}…")

    def _downloaded(self, got) -> None:
        fetched = (
            "was already downloaded"
            if got.fetched_bytes == 0
            else f"downloaded ({size_text(got.fetched_bytes)} fetched"
            + (f", resumed at {size_text(got.resumed_bytes)})" if got.resumed_bytes else ")")
        )
        self.status.setText(
            f"{got.hub_id} {fetched}: revision {got.revision[:8]}, "
            f"{size_text(got.size_bytes)}. Choose it in the run dialog as hf:{got.hub_id}."
        )
        self.sig_downloaded.emit(got)
        self.refresh_downloaded()

    def _download_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.status.setText(
                "Download cancelled. What was received is kept: Download again continues "
                "where it stopped."
            )
        else:
            self.status.setText(describe(exc, "Could not download"))
        self.refresh_downloaded()

    # -- downloaded models ------------------------------------------------------------

    def refresh_downloaded(self) -> None:
        """Scan the cache in the background and show what is there."""
        task = BackgroundTask(reports=False)
        task.sig_result.connect(
            lambda found: self._show_downloaded(found) if isValid(self) else None
        )
        task.sig_error.connect(
            lambda exc: (
                self.have_note.setText(describe(exc, "Could not read the cache"))
                if isValid(self)
                else None
            )
        )
        task.start(downloaded_models)

    def _show_downloaded(self, found: list[DownloadedModel]) -> None:
        self.downloaded = found
        self.have.setRowCount(len(found))
        for r, m in enumerate(found):
            self.have.setItem(r, 0, _item(m.id, str(m.path)))
            self.have.setItem(r, 1, _item(m.short_revision, m.revision))
            size = size_text(m.size_bytes)
            if m.complete is False:
                size += " (incomplete: Download again to finish)"
            self.have.setItem(r, 2, _item(size))
        total = size_text(sum(m.size_bytes for m in found))
        self.have_note.setText(
            f"{len(found)} model revision(s), {total}, in the Hugging Face cache."
            if found
            else "No models downloaded yet."
        )
        self._fill_catalogue()
        self._chosen()  # the button follows what is here now
        self._have_chosen()
        self.sig_listed.emit()

    def chosen_downloaded(self) -> DownloadedModel | None:
        """The downloaded model selected."""
        rows = self.have.selectionModel().selectedRows()
        return self.downloaded[rows[0].row()] if rows else None

    def _have_chosen(self) -> None:
        self.remove_button.setEnabled(self.chosen_downloaded() is not None)

    def ask_remove(self) -> None:
        """Ask, then delete the downloaded model selected (every revision of it)."""
        model = self.chosen_downloaded()
        if model is None:
            return
        answer = QMessageBox.question(
            self,
            "Remove model",
            f"Delete {model.id} ({size_text(model.size_bytes)}) from this computer? Runs "
            "already made keep their answers; running it again needs a new download.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.remove(model.id)

    def remove(self, hub_id: str) -> None:
        """Delete ``hub_id`` from the cache, in the background."""
        task = BackgroundTask(reports=False)

        def removed(freed: int) -> None:
            if isValid(self):
                self.progress.clear()  # its "3.0 MB of 3.0 MB" was of the files just deleted
                self.status.setText(f"{hub_id} deleted ({size_text(freed)} freed).")
                self.sig_removed.emit(hub_id)
                self.refresh_downloaded()

        task.sig_result.connect(removed)
        task.sig_error.connect(
            lambda exc: (
                self.status.setText(describe(exc, "Could not remove")) if isValid(self) else None
            )
        )
        task.start(remove_model, hub_id)

    def done(self, result: int) -> None:
        # Closing stops a download at its next chunk; its finished files are kept.
        self.download_task.cancel()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.download_task.cancel()
        super().closeEvent(event)

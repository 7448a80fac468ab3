"""Model settings: local models, API endpoints (Test connection, API key), prices.

Every change is saved at once: folders and endpoints to ``models.json`` (never a key),
keys to the OS keyring, prices to ``prices.json``. Slow work (scanning the Hugging Face
cache, testing a connection) runs in the background.
"""

from __future__ import annotations

import html
import logging
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ...core.cost import price_table, save_price_table
from ...core.local_servers import local_models
from ...core.model_config import (
    OFFLINE_MODELS,
    Endpoint,
    cached_models,
    check_endpoint,
    load_config,
    save_config,
)
from ...core.secrets import api_key, keep_url_credentials, redact, split_credentials, store_api_key
from ..common.background import BackgroundTask, RunningWork
from ..common.errors import describe
from ..models.catalogue_dialog import CatalogueDialog
from ..models.local_models import find_local_servers
from ..models.ollama_pull_dialog import OllamaPullDialog

FOLDER_ROLE = Qt.ItemDataRole.UserRole


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    return row


class ModelSettingsDialog(QDialog):
    sig_cache_scanned = Signal()
    sig_servers_found = Signal()
    sig_tested = Signal(str)  # the result line shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Model settings")
        self.resize(720, 480)
        self.config = load_config()
        self._cached: list[str] = []  # hub ids found in the Hugging Face cache
        self.background_work = RunningWork()  # the cache scan and endpoint tests
        tabs = QTabWidget()
        tabs.addTab(self._local_tab(), "Local models")
        tabs.addTab(self._api_tab(), "API endpoints")
        tabs.addTab(self._prices_tab(), "Prices")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        lay.addWidget(close)
        self._servers: list = []  # LLM servers found on this computer (core.local_servers)
        self._fill_local([])
        self._start(cached_models, on_done=self._cache_scanned)
        self.find_servers()

    def _start(self, func, *args, on_done, on_error=None) -> None:
        # The dialog may be closed before a slow job answers: drop the answer then.
        def guard(handler):
            return lambda value: handler(value) if isValid(self) else None

        task = BackgroundTask(keep_in=self.background_work, reports=False)
        task.sig_result.connect(guard(on_done))
        task.sig_error.connect(guard(on_error or (lambda exc: None)))
        task.start(func, *args)

    # -- local models -----------------------------------------------------------------

    def _local_tab(self) -> QWidget:
        self.local = QListWidget()
        self.cache_note = QLabel("Looking for models in the Hugging Face cache…")
        self.cache_note.setWordWrap(True)
        add = QPushButton("Add folder…")
        add.setToolTip("A folder with a model saved by Hugging Face transformers")
        add.clicked.connect(self._ask_folder)
        self.remove_folder = QPushButton("Remove folder")
        self.remove_folder.clicked.connect(self._remove_folder)
        self.get_models = QPushButton("Get models…")
        self.get_models.setToolTip(
            "Recommended models for sentiment and coding: download one, or remove one"
        )
        self.get_models.clicked.connect(self.open_catalogue)
        self.server_note = QLabel("Looking for LLM servers on this computer…")
        self.server_note.setWordWrap(True)
        add_server = QPushButton("Add server…")
        add_server.setToolTip(
            "An OpenAI-compatible server on another port, e.g. http://127.0.0.1:5000/v1: "
            "its models are listed from now on"
        )
        add_server.clicked.connect(self._ask_server)
        ollama = QPushButton("Ollama models…")
        ollama.setToolTip("Pull a model of the catalogue into Ollama on this computer")
        ollama.clicked.connect(lambda: OllamaPullDialog(self).open())
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel("Models that run on this computer (nothing is sent anywhere):"))
        lay.addWidget(self.local)
        lay.addWidget(self.cache_note)
        lay.addWidget(self.server_note)
        lay.addLayout(_buttons(self.get_models, add, self.remove_folder, add_server, ollama))
        return page

    def open_catalogue(self) -> CatalogueDialog:
        """Open Get models; what it downloads or removes shows in this list at once."""
        dialog = CatalogueDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_listed.connect(lambda: self._start(cached_models, on_done=self._cache_scanned))
        dialog.open()
        return dialog

    def _fill_local(self, cached: list[str]) -> None:
        self.local.clear()
        self.local.addItems(list(OFFLINE_MODELS.values()))
        for folder in self.config.folders:
            item = QListWidgetItem(f"Folder: {folder}")
            item.setData(FOLDER_ROLE, folder)
            self.local.addItem(item)
        for hub_id in cached:
            self.local.addItem(f"Hugging Face cache: {hub_id}")
        for model in local_models(self._servers):
            self.local.addItem(model.label)

    def find_servers(self) -> None:
        """Look for LLM servers on this computer (and those added) in the background."""
        self._start(find_local_servers, on_done=self._servers_found)

    def _servers_found(self, servers) -> None:
        self._servers = servers
        self._fill_local(self._cached)
        asked = "Ollama, LM Studio, llama.cpp and vLLM at their usual ports"
        if self.config.servers:
            asked += ", and " + ", ".join(self.config.servers)
        self.server_note.setText(
            f"{sum(len(s.models) for s in servers)} model(s) on {len(servers)} LLM server(s) "
            f"found (asked: {asked})."
        )
        self.sig_servers_found.emit()

    def _ask_server(self) -> None:
        url, ok = QInputDialog.getText(
            self, "Add server", "Base URL of an OpenAI-compatible server:"
        )
        if ok and url.strip():
            self.add_server(url)

    def add_server(self, url: str) -> None:
        """Ask the server at ``url`` for its models from now on (kept in models.json)."""
        url = keep_url_credentials(url.strip())[0] or ""
        if not url.startswith(("http://", "https://")):
            self.server_note.setText(
                f"<span style='color:#c62828'>{html.escape(url, quote=False)} is not a "
                "base URL: give one such as http://127.0.0.1:5000/v1</span>"
            )
            return
        if url not in self.config.servers:
            self.config.servers.append(url)
            save_config(self.config)
        self.find_servers()

    def _cache_scanned(self, cached: list[str]) -> None:
        self._cached = cached
        self._fill_local(cached)
        self.cache_note.setText(
            f"{len(cached)} model(s) found in the Hugging Face cache."
            if cached
            else "No models in the Hugging Face cache on this computer: Get models… downloads "
            "a recommended one (models downloaded with transformers appear here too)."
        )
        self.sig_cache_scanned.emit()

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of a saved Hugging Face model")
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        if folder not in self.config.folders:
            self.config.folders.append(folder)
            save_config(self.config)
        self._fill_local(self._cached)

    def _remove_folder(self) -> None:
        item = self.local.currentItem()
        folder = item.data(FOLDER_ROLE) if item is not None else None
        if folder:
            self.config.folders.remove(folder)
            save_config(self.config)
            self._fill_local(self._cached)

    # -- API endpoints ----------------------------------------------------------------

    def _api_tab(self) -> QWidget:
        self.endpoints = QListWidget()
        self.endpoints.currentRowChanged.connect(self._endpoint_chosen)
        self.api_model = QLineEdit()
        self.api_model.setPlaceholderText("e.g. gpt-4o-mini, or llama3.2 on Ollama")
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText(
            "empty for OpenAI; e.g. http://localhost:11434/v1 (Ollama)"
        )
        # Not per keystroke: a keyring lookup can be slow, or ask the OS for permission.
        self.base_url.editingFinished.connect(self._show_key_status)
        # What became of a password typed in the URL is said until the URL is edited again.
        self.base_url.textEdited.connect(lambda *_: setattr(self, "_url_note", ""))
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste a key to store it in the system keyring")
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        add = QPushButton("Add / update")
        add.clicked.connect(self.add_endpoint)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_endpoint)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        store = QPushButton("Store key")
        store.clicked.connect(self.store_key)
        form = QFormLayout()
        form.addRow("Model name:", self.api_model)
        form.addRow("Base URL:", self.base_url)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key)
        key_row.addWidget(store)
        form.addRow("API key:", key_row)
        form.addRow("", self.key_status)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(
            QLabel(
                "OpenAI, or any OpenAI-compatible server (Ollama, LM Studio, vLLM, "
                "llama.cpp): type a model name and base URL, then Add / update."
            )
        )
        lay.addWidget(self.endpoints)
        lay.addLayout(form)
        lay.addLayout(_buttons(add, remove, self.test_button))
        lay.addWidget(self.test_result)
        self._fill_endpoints()
        self._show_key_status()
        return page

    def _fill_endpoints(self) -> None:
        self.endpoints.clear()
        for e in self.config.endpoints:
            self.endpoints.addItem(
                f"{e.model} at {e.host}" + (f"  ({e.base_url})" if e.base_url else "")
            )

    def _endpoint_chosen(self, row: int) -> None:
        if 0 <= row < len(self.config.endpoints):
            e = self.config.endpoints[row]
            self.api_model.setText(e.model)
            self.base_url.setText(e.base_url)
            self._show_key_status()

    def endpoint(self) -> Endpoint:
        """The endpoint as typed in the fields. A password or token typed in the base URL is
        taken off at once: kept in the system keyring (or for this session, and said so
        where there is none) and the field shows the URL without it."""
        url = self.base_url.text().strip()
        if split_credentials(url)[1]:
            url, problem = keep_url_credentials(url)
            url = url or ""
            self.base_url.setText(url)
            self._url_note = problem or (
                "The user name, password or token in the base URL "
                "is stored in the system keyring, not in the URL."
            )
        return Endpoint(self.api_model.text().strip(), url)

    def add_endpoint(self) -> None:
        e = self.endpoint()
        if not e.model:
            self.test_result.setText("Type the model name first.")
            return
        self.config.endpoints = [x for x in self.config.endpoints if x != e] + [e]
        save_config(self.config)
        self._fill_endpoints()
        self._show_key_status()

    def _remove_endpoint(self) -> None:
        row = self.endpoints.currentRow()
        if 0 <= row < len(self.config.endpoints):
            del self.config.endpoints[row]
            save_config(self.config)
            self._fill_endpoints()

    def _show_key_status(self, *_) -> None:
        host = self.endpoint().host
        if os.environ.get("OPENAI_API_KEY"):
            text = "The key in the environment variable OPENAI_API_KEY is used."
        elif api_key(self.endpoint().base_url or None):
            text = f"A key for {host} is stored in the system keyring."
        else:
            text = f"No key stored for {host}. Local servers usually need none; OpenAI needs one."
        note = getattr(self, "_url_note", "")
        self.key_status.setText(f"{text} {note}" if note else text)

    def store_key(self) -> None:
        """Put the typed key in the OS keyring; it is never written to a file."""
        key = self.key.text().strip()
        if not key:
            return
        try:
            store_api_key(self.endpoint().base_url or None, key)
        except Exception as exc:  # no keyring backend (headless Linux, some containers)
            logging.getLogger("llmstudio.gui").warning("cannot store the key", exc_info=exc)
            self.key_status.setText(
                f"<span style='color:#c62828'>Cannot store the key: this system has no "
                f"keyring ({redact(type(exc).__name__)}).</span> Set the environment variable "
                "<b>OPENAI_API_KEY</b> before starting llmstudio instead."
            )
            return
        self.key.clear()
        self._show_key_status()

    def test_connection(self) -> None:
        e = self.endpoint()
        if not e.model:
            self._tested("Type the model name first.")
            return
        self.test_button.setEnabled(False)
        self.test_result.setText(f"Asking {e.model} at {e.host} to label one sentence…")
        key = self.key.text().strip() or None  # a key typed but not stored yet is tried too

        def failed(exc: BaseException) -> None:
            self._tested(f"Failed: {redact(describe(exc))}")

        self._start(check_endpoint, e, key, on_done=self._tested, on_error=failed)

    def _tested(self, text: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(text)
        self.sig_tested.emit(text)

    # -- prices -----------------------------------------------------------------------

    def _prices_tab(self) -> QWidget:
        self.prices = QTableWidget(0, 3)
        self.prices.setHorizontalHeaderLabels(
            ["Model name", "Input $ / 1M tokens", "Output $ / 1M tokens"]
        )
        self.prices.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.prices.verticalHeader().hide()
        for model, (inp, out) in sorted(price_table().items()):
            self._add_price_row(model, f"{inp:g}", f"{out:g}")
        self.prices.cellChanged.connect(self.save_prices)
        self.add_price = QPushButton("Add model")
        self.add_price.clicked.connect(lambda: self._add_price_row("", "", ""))
        self.price_note = QLabel(
            "Used for the cost estimate before an API run. Check your provider's current prices."
        )
        self.price_note.setWordWrap(True)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(self.prices)
        lay.addWidget(self.price_note)
        lay.addLayout(_buttons(self.add_price))
        return page

    def _add_price_row(self, model: str, inp: str, out: str) -> None:
        row = self.prices.rowCount()
        self.prices.blockSignals(True)
        self.prices.insertRow(row)
        for column, text in enumerate((model, inp, out)):
            self.prices.setItem(row, column, QTableWidgetItem(text))
        self.prices.blockSignals(False)

    def save_prices(self, *_) -> None:
        """Save the table when every filled row reads as a name and two prices."""
        table, bad = {}, []
        for row in range(self.prices.rowCount()):
            cells = [self.prices.item(row, c) for c in range(3)]
            texts = [c.text().strip() if c else "" for c in cells]
            if not any(texts):
                continue
            try:
                if not texts[0]:
                    raise ValueError
                table[texts[0]] = (float(texts[1]), float(texts[2]))
            except ValueError:
                bad.append(row + 1)
        self.prices.blockSignals(True)
        for row in range(self.prices.rowCount()):
            colour = QColor("#ffcdd2") if row + 1 in bad else QColor(0, 0, 0, 0)
            for c in range(3):
                if self.prices.item(row, c):
                    self.prices.item(row, c).setBackground(colour)
        self.prices.blockSignals(False)
        if bad:
            self.price_note.setText(
                f"Not saved: row(s) {', '.join(map(str, bad))} need a model "
                "name and two numbers (dollars per million tokens)."
            )
            return
        save_price_table(table)
        self.price_note.setText("Saved. Used for the cost estimate before an API run.")

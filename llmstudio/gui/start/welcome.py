"""The window's first page, before a corpus is open: what can be opened, two buttons
(open a file, the sample corpus) and the recent files. It asks the window for what to
open through its ``sig_*_requested`` signals."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from ...core.recent import recent_files


class WelcomePage(QWidget):
    """The welcome page: ``label``, ``open_button``, ``sample_button``, ``recent_list``."""

    sig_open_requested = Signal()  # "Open a file…"
    sig_sample_requested = Signal()  # "Explore the sample corpus"
    sig_path_requested = Signal(str)  # a recent file chosen

    def __init__(self):
        super().__init__()
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.recent_list = QListWidget()
        self.recent_list.setMaximumWidth(720)
        self.recent_list.itemActivated.connect(
            lambda item: self.sig_path_requested.emit(item.text())
        )
        self.open_button = QPushButton("Open a file…")
        self.open_button.clicked.connect(self.sig_open_requested)
        self.sample_button = QPushButton("Explore the sample corpus")
        self.sample_button.setToolTip("300 synthetic survey answers bundled with llmstudio")
        self.sample_button.clicked.connect(self.sig_sample_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.label)
        lay.addLayout(buttons)
        lay.addWidget(self.recent_list, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        self.fill()

    def fill(self) -> None:
        """The text and the recent files, as they are now."""
        self.label.setText(
            "<h2>llmstudio</h2><p>Open a table of texts: CSV, TSV, TXT, Excel, Parquet or "
            "JSON Lines — any encoding, any delimiter.<br>Press <b>Ctrl+O</b>, or drop a file "
            "onto this window.</p>" + ("<p>Recent:</p>" if recent_files() else "")
        )
        self.recent_list.clear()
        self.recent_list.addItems(recent_files())
        self.recent_list.setVisible(self.recent_list.count() > 0)

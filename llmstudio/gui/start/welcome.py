"""The start page, shown while nothing is open: the recent projects (name, folder, when
last opened), New project, Open a file, the sample project, and the workflow as steps
(Import -> Code -> Run a model -> Validate -> Charts -> Export) that each lead to their
place. It asks the window through its ``sig_*_requested`` signals; every control is a
button or a list, reachable with Tab and pressed with Space or Enter."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...core.paths import resources_dir
from ...core.project import SUFFIX
from ...core.recent import RecentEntry, recent_entries

PATH_ROLE = Qt.ItemDataRole.UserRole

# The workflow, in order: (key, button text, what the user does there: one line).
STEPS = (
    ("import", "Import", "Open your own table of texts (CSV, Excel, Parquet, JSON Lines)."),
    ("code", "Code", "Code answers by hand: choose the codebook, type your name, press 1-4."),
    ("run", "Run a model", "Choose a task and a model; the builtin model runs offline."),
    ("validate", "Validate", "Compare your codes with a model run: agreement with intervals."),
    ("charts", "Charts", "Chart the labels and scores by group or over time; save PNG/SVG."),
    ("export", "Export", "Write the table with every run's and coder's columns."),
)


def opened_text(opened: datetime | None, now: datetime | None = None) -> str:
    """ "opened today 14:05", "opened yesterday", "opened 3 Mar 2026" (local time)."""
    if opened is None:
        return ""
    local = opened.astimezone()
    today = (now or datetime.now().astimezone()).date()
    days = (today - local.date()).days
    if days <= 0:
        return f"opened today {local:%H:%M}"
    if days == 1:
        return "opened yesterday"
    return f"opened {local.day} {local:%b %Y}"


def recent_item_text(entry: RecentEntry) -> str:
    """Two lines: the file's name (a project's without its suffix) and kind; the folder
    and when it was last opened."""
    path = Path(entry.path)
    kind = "project" if path.suffix.lower() == SUFFIX else f"{path.suffix[1:].upper()} file"
    name = path.stem if path.suffix.lower() == SUFFIX else path.name
    when = opened_text(entry.opened)
    return f"{name}  ({kind})\n{folder_text(path.parent)}" + (f"  ·  {when}" if when else "")


def folder_text(folder: Path, home: Path | None = None) -> str:
    """Where a recent file is, as a researcher knows it: the sample that ships with the
    program as such (not the install folder's path), a folder in their home as "~/...";
    any other folder in full."""
    if folder == resources_dir():
        return "bundled with llmstudio"
    home = home or Path.home()
    if folder.is_relative_to(home) and folder != home and not sys.platform.startswith("win"):
        return str(Path("~") / folder.relative_to(home))
    return str(folder)


class WelcomePage(QWidget):
    """The start page: ``new_button``, ``open_button``, ``sample_button``, ``recent_list``
    (each item's path under ``PATH_ROLE``), ``step_buttons`` (by step key) and ``hint``."""

    sig_new_requested = Signal()  # "New project…"
    sig_open_requested = Signal()  # "Open a file…"
    sig_sample_requested = Signal()  # "Open the sample project"
    sig_path_requested = Signal(str)  # a recent file chosen
    sig_step_requested = Signal(str)  # a workflow step's key

    def __init__(self):
        super().__init__()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)

        self.new_button = QPushButton("New project…")
        self.new_button.setToolTip("Import a table of texts into a new project file (Ctrl+N)")
        self.new_button.clicked.connect(self.sig_new_requested)
        self.open_button = QPushButton("Open a file…")
        self.open_button.setToolTip("Open a project or a table of texts (Ctrl+O)")
        self.open_button.clicked.connect(self.sig_open_requested)
        self.sample_button = QPushButton("Open the sample project")
        self.sample_button.setToolTip(
            "300 synthetic survey answers, 40 pre-coded, with a model run and a chart"
        )
        self.sample_button.clicked.connect(self.sig_sample_requested)
        start = QVBoxLayout()
        start.addWidget(_heading("Start"))
        for button in (self.new_button, self.open_button, self.sample_button):
            button.setMinimumHeight(34)
            start.addWidget(button)
        start.addStretch(1)

        self.recent_heading = _heading("Recent")
        self.recent_list = QListWidget()
        self.recent_list.setMinimumHeight(170)
        self.recent_list.setAlternatingRowColors(True)
        self.recent_list.setSpacing(3)
        self.recent_list.setToolTip("Click, or press Enter, to open")
        # One click opens, as on any start page; Enter does too (keyboard).
        self.recent_list.itemClicked.connect(self._chosen)
        self.recent_list.itemActivated.connect(self._chosen)
        self.no_recent = QLabel("Nothing opened yet: start with the sample project.")
        self.no_recent.setStyleSheet("color: #666;")
        recent = QVBoxLayout()
        recent.addWidget(self.recent_heading)
        recent.addWidget(self.recent_list, 3)
        recent.addWidget(self.no_recent)
        recent.addStretch(1)  # the heading stays at the top when the list is hidden

        columns = QHBoxLayout()
        columns.addLayout(start, 1)
        columns.addSpacing(24)
        columns.addLayout(recent, 2)

        self.step_buttons: dict[str, QPushButton] = {}
        steps = QGridLayout()
        steps.setHorizontalSpacing(4)
        for i, (key, title, hint) in enumerate(STEPS):
            button = QPushButton(f"{i + 1}  {title}")
            button.setToolTip(hint)
            button.setMinimumHeight(34)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _checked=False, k=key: self.sig_step_requested.emit(k))
            self.step_buttons[key] = button
            steps.addWidget(button, 0, 2 * i)
            if i < len(STEPS) - 1:
                arrow = QLabel("→")
                arrow.setAlignment(Qt.AlignmentFlag.AlignCenter)
                steps.addWidget(arrow, 0, 2 * i + 1)
        self.hint = QLabel(
            "Each step takes you to its place (with nothing open, into the sample project)."
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        for button in self.step_buttons.values():
            button.installEventFilter(self)

        panel = QFrame()
        panel.setMaximumWidth(920)
        inner = QVBoxLayout(panel)
        inner.addWidget(self.label)
        inner.addSpacing(8)
        inner.addLayout(columns)
        inner.addSpacing(16)
        inner.addWidget(_heading("The workflow"))
        inner.addLayout(steps)
        inner.addWidget(self.hint)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(panel, 12)
        centre.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addLayout(centre)
        lay.addStretch(2)
        QWidget.setTabOrder(self.new_button, self.open_button)
        QWidget.setTabOrder(self.open_button, self.sample_button)
        QWidget.setTabOrder(self.sample_button, self.recent_list)
        previous = self.recent_list
        for button in self.step_buttons.values():
            QWidget.setTabOrder(previous, button)
            previous = button
        self.fill()

    def eventFilter(self, watched, event) -> bool:
        """A step's hint below the steps while the mouse or the keyboard is on it."""
        if event.type() in (event.Type.Enter, event.Type.FocusIn):
            self.hint.setText(watched.toolTip())
        return super().eventFilter(watched, event)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.sig_path_requested.emit(item.data(PATH_ROLE))

    def fill(self) -> None:
        """The text and the recent files, as they are now."""
        self.label.setText(
            "<h2>llmstudio</h2><p>Analyse a corpus of texts with language models: code by "
            "hand against a codebook, run a model, check agreement and bias, chart and "
            "export.<br>Open a table of texts (CSV, TSV, TXT, Excel, Parquet or JSON Lines; "
            "any encoding, any delimiter): press <b>Ctrl+O</b>, or drop a file onto this "
            "window. New here? Open the sample project and follow "
            "<b>Help › Getting started</b>.</p>"
        )
        self.recent_list.clear()
        for entry in recent_entries():
            item = QListWidgetItem(recent_item_text(entry))
            item.setData(PATH_ROLE, entry.path)
            item.setToolTip(entry.path)
            self.recent_list.addItem(item)
        has = self.recent_list.count() > 0
        self.recent_list.setVisible(has)
        self.no_recent.setVisible(not has)
        # A first run: the sample is the way in, so it stands out.
        font = self.sample_button.font()
        font.setBold(not has)
        self.sample_button.setFont(font)


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setStyleSheet("font-size: 13pt; margin-top: 4px;")
    return label

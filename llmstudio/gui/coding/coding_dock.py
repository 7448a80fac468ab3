"""The coding panel as a dock of the main window, with its action (Analyse > Code by
Hand, Ctrl+K), registered through the window's interface: its table and detail pane,
``sig_loaded`` / ``sig_saved``, the codebook editor's action."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from .codebook_editor import SAVES
from .coding_panel import CodingPanel
from .coding_why import attach as attach_why_button


def install(window) -> CodingPanel:
    """The coding dock in ``window`` (hidden) and its action, ``panel.act_open``: Analyse >
    Code by Hand (Ctrl+K). Opening it hides the detail pane (the panel shows the text)."""
    panel = CodingPanel(window)
    attach_why_button(panel)
    dock = QDockWidget("Code by Hand", window)  # as the Analyse menu names it
    dock.setObjectName("codingDock")
    dock.setWidget(panel)
    dock.setMinimumWidth(440)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    panel.dock = dock

    def open_panel():
        if window.corpus is None:
            return
        dock.show()
        dock.raise_()
        panel.start()

    act = QAction("Code by &Hand", window)
    act.setShortcut(QKeySequence("Ctrl+K"))
    act.setStatusTip("Code the texts yourself with the codebook's codes, from the keyboard")
    act.setToolTip("Code the texts by hand (Ctrl+K)")
    act.triggered.connect(open_panel)
    panel.act_open = act

    def shown(visible: bool):
        window.detail.setVisible(not visible)
        if visible:
            panel.refresh()
        else:
            panel.save_pending()

    dock.visibilityChanged.connect(shown)
    window.installEventFilter(panel)  # the memo typed is saved before the window closes
    window.sig_loaded.connect(lambda: panel.refresh() if dock.isVisible() else None)
    window.sig_saved.connect(lambda _path: panel.refresh() if dock.isVisible() else None)
    window.runs.act_codebooks.triggered.connect(
        lambda: panel.reload_codebooks() if dock.isVisible() else None
    )
    _CodebookWatch(panel, dock)
    return panel


class _CodebookWatch(QObject):
    """Reloads the open panel's codebook whenever a codebook editor saves or changes the
    tree (also one opened from the run dialog); a child of the dock, so the connection
    ends with it."""

    def __init__(self, panel, dock):
        super().__init__(dock)
        self.panel, self.dock = panel, dock
        SAVES.sig_saved.connect(self.changed)

    def changed(self, _name: str) -> None:
        if self.dock.isVisible():
            self.panel.reload_codebooks()

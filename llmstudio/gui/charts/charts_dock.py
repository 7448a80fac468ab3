"""The charts dock (View > Charts, Ctrl+Shift+C): its panel (:mod:`.charts_panel`) is built
on first use, and it follows the table's result columns and the codes given by hand."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from .chart_kinds import CODES
from .charts_panel import ChartsPanel


class Charts:
    """The charts dock, its panel built on first use: pyqtgraph takes about half a second
    to import, which the window's start-up should not pay for a panel most sessions open
    late or never. Attributes the holder does not have come from the panel (built then)."""

    def __init__(self, window):
        self.window = window
        self._panel: ChartsPanel | None = None
        self.dock = QDockWidget("Charts", window)
        self.dock.setObjectName("chartsDock")
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        act = QAction("&Charts", window)
        act.setShortcut(QKeySequence("Ctrl+Shift+C"))
        act.setStatusTip("Chart the labels and scores: counts, by group, over time, compared")
        act.setToolTip("Charts (Ctrl+Shift+C)")
        act.triggered.connect(self.open_panel)
        self.act_open = act
        # Model results and codes given by hand alike arrive as the table's result columns.
        window.model.sig_results_changed.connect(self._columns_changed)
        window.sig_loaded.connect(lambda: self.open_panel() if self.dock.isVisible() else None)
        # hidden (a tab behind another dock) it follows nothing: caught up when shown
        self.dock.visibilityChanged.connect(self._shown)

    def panel(self) -> ChartsPanel:
        if self._panel is None:
            self._panel = ChartsPanel(self.window)
            self._panel.dock, self._panel.act_open = self.dock, self.act_open
            self.dock.setWidget(self._panel)
        return self._panel

    def __getattr__(self, name):
        return getattr(self.panel(), name)

    def open_panel(self) -> None:
        window = self.window
        if window.corpus is None:
            return
        panel = self.panel()
        first = not self.dock.isVisible()
        self.dock.show()
        self.dock.raise_()
        if first:  # beside the Jobs panel: the chart gets most of the width
            window.resizeDocks([self.dock], [int(window.width() * 0.6)], Qt.Orientation.Horizontal)
        panel.refresh_columns()
        panel.redraw()

    def _columns_changed(self, rows=None) -> None:
        if not self.dock.isVisible():
            return
        if rows is None:  # a new run or new columns: the pickers may offer more
            self.panel().refresh_columns()
        self.panel().schedule()

    def _shown(self, visible: bool) -> None:
        if visible and self._panel is not None and self.window.corpus is not None:
            self._panel.refresh_columns()
            self._panel.schedule()

    def codes_changed(self, *_) -> None:
        """Codes, passages or code names changed: a chart of codes is drawn again."""
        if self.dock.isVisible() and self.panel().kind.currentIndex() == CODES:
            self.panel().refresh_columns()
            self.panel().schedule()


def install(window) -> Charts:
    """The charts dock in ``window`` (hidden, at the bottom) and its action,
    ``charts.act_open``: View › Charts (Ctrl+Shift+C)."""
    return Charts(window)

"""The window's Help menu: Getting started, Methods guide, Keyboard shortcuts, the sample
project, Show log folder, About. Each page opens in a window of its own (non-modal, kept
while open: asking again raises it)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices

from ...core.paths import log_dir
from .about import about_html
from .pages import HelpPage, bundled_page
from .shortcuts import shortcut_rows, shortcuts_html


class HelpMenu(QObject):
    """The Help menu's actions (``act_*``) and the pages they open (``pages`` by name)."""

    def __init__(self, window, menu, open_sample):
        super().__init__(window)
        self.window = window
        self.pages: dict[str, HelpPage] = {}
        action = window.make_action
        self.act_getting_started = action(
            "&Getting Started",
            self.show_getting_started,
            None,
            "A first project in ten minutes, on the sample project",
        )
        self.act_methods = action(
            "&Methods Guide",
            self.show_methods_guide,
            None,
            "When to trust which model, how to validate it, what to report",
        )
        self.act_shortcuts = action("&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.act_sample = action(
            "Open the &Sample Project",
            open_sample,
            None,
            "300 synthetic survey answers, 40 pre-coded, with a model run and a chart",
        )
        self.act_log = action(
            "Show &Log Folder",
            self.show_log_folder,
            None,
            "Open the folder of llmstudio's log (to send with a bug report)",
        )
        self.act_about = action("&About llmstudio", self.show_about, None)
        for a in (self.act_getting_started, self.act_methods, self.act_shortcuts):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.act_sample)
        menu.addAction(self.act_log)
        menu.addSeparator()
        menu.addAction(self.act_about)

    def _show(self, name: str, title: str, **content) -> HelpPage:
        page = self.pages.get(name)
        if page is None or not page.isVisible():
            if page is not None:
                page.deleteLater()
            page = HelpPage(self.window, title, **content)
            self.pages[name] = page
        page.show()
        page.raise_()
        page.activateWindow()
        return page

    def show_getting_started(self) -> HelpPage:
        """The walkthrough on the sample project."""
        return self._show(
            "getting_started", "Getting started", markdown=bundled_page("getting_started")
        )

    def show_methods_guide(self) -> HelpPage:
        """When to trust which model, how to validate, how to report."""
        return self._show("methods_guide", "Methods guide", markdown=bundled_page("methods_guide"))

    def show_shortcuts(self) -> HelpPage:
        """Every key the window answers, from the actions registered now."""
        return self._show(
            "shortcuts", "Keyboard shortcuts", html=shortcuts_html(shortcut_rows(self.window))
        )

    def show_about(self) -> HelpPage:
        """The version and the licences."""
        return self._show("about", "About", html=about_html())

    def show_log_folder(self) -> bool:
        """Open the log folder in the file manager (made first if missing); when it cannot
        be opened, its path is said."""
        folder = log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.window.show_error(
                "Cannot open the log folder", f"{folder}: cannot create it ({exc.strerror})"
            )
            return False
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.window.show_status(f"Opened the log folder {folder}", 8000)
            return True
        self.window.show_error(
            "Cannot open the log folder",
            f"No file manager answered. The log folder is {folder} (llmstudio.log is in it).",
        )
        return False

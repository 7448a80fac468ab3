"""A help page in its own window: Markdown or HTML in a QTextBrowser, readable width,
links opened in the browser. One window per page, raised again when asked twice."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from ...core.paths import help_file


class HelpPage(QDialog):
    """A non-modal window showing one page (``browser``)."""

    def __init__(self, parent, title: str, *, markdown: str = "", html: str = ""):
        super().__init__(parent)
        self.setWindowTitle(f"{title} — llmstudio")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.document().setDocumentMargin(16)
        if markdown:
            self.browser.setMarkdown(markdown)
        else:
            self.browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser, 1)
        lay.addWidget(buttons)
        self.resize(760, 640)

    def text(self) -> str:
        """What the page says, as plain text."""
        return self.browser.toPlainText()


def bundled_page(name: str) -> str:
    """The Markdown of the bundled help page ``name`` (``resources/help/NAME.md``)."""
    return help_file(name).read_text(encoding="utf-8")

"""The "Why this label?" button of the detail pane and the coding panel, and what it
opens: the window on the main window's project, for one row."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from .explain_window import ExplainWindow

BUTTON_TEXT = "Why this label?"
BUTTON_TIP = (
    "Which words of this text moved the model's score for its label: each word "
    "coloured by its weight (occlusion or integrated gradients)"
)


def why_button(parent=None) -> QPushButton:
    """The button, as both places show it."""
    button = QPushButton(BUTTON_TEXT, parent)
    button.setObjectName("whyLabelButton")
    button.setToolTip(BUTTON_TIP)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the coding panel's keys stay with it
    return button


def open_explain(window, row_id: int | None, run_id: int | None = None) -> ExplainWindow | None:
    """The window for row ``row_id`` of the main ``window``'s project (``run_id`` chosen
    first); None, with a word in the status bar, when there is no project or row."""
    if window.project is None or row_id is None:
        window.statusBar().showMessage(
            "Why this label? needs a project with a model run: save the table as a project "
            "and run sentiment or coding first",
            8000,
        )
        return None
    dialog = ExplainWindow(
        window.project, row_id, run_id, parent=window, keep_in=window.background_work
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.explain_window = dialog  # the one shown last (tests and screenshots find it)
    dialog.show()
    return dialog

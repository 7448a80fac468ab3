"""The coding panel's "Why this label?" button, beside the model's answer: shown only
when the panel shows that answer (never while coding blind), it opens the attribution of
the model run the panel compares with, for the row on screen. Wired from outside the
panel (``attach``), which keeps its own module to its size."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ..explain.why_label import open_explain, why_button


def attach(panel):
    """Put the button under ``panel``'s model answer and keep it in step with the row."""
    button = why_button(panel)
    layout = panel.model_label.parentWidget().layout()
    layout.insertWidget(
        layout.indexOf(panel.model_label) + 1, button, 0, Qt.AlignmentFlag.AlignLeft
    )
    panel.why_button = button

    def shown(_row_id=None):
        # model_label is "" (and hidden) while blind or when no run coded the row.
        button.setVisible(
            bool(panel.model_label.text()) and panel.model is not None and not panel.blind
        )

    def clicked():
        if panel.model is not None and not panel.blind:
            open_explain(panel.window, panel.row_id, panel.model.run_id)

    button.clicked.connect(clicked)
    panel.sig_row_shown.connect(shown)
    panel.sig_blind.connect(shown)
    shown()
    return button

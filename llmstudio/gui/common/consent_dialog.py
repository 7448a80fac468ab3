"""Before texts leave the computer: which columns go to which host, and what it may cost.

The plan is computed in core (``core.send_plan``, as ``llmstudio annotate`` announces
it); this dialog shows it. Asked once per project, endpoint and set of columns; the
answer "Send" is recorded in the project (``SendPlan.grant``), "Don't send" starts nothing.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ...core.send_plan import SendPlan


def ask_consent(project, plan: SendPlan, model: str, parent=None) -> bool:
    """Show ``plan`` and ask; True (and the consent recorded in ``project``) on "Send"."""
    dialog = ConsentDialog(plan, model, parent)
    try:
        agreed = dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
    if agreed:
        plan.grant(project)
    return agreed


class ConsentDialog(QDialog):
    """The send plan, for a model named ``model`` as the researcher chose it."""

    def __init__(self, plan: SendPlan, model: str, parent=None):
        super().__init__(parent)
        # rows: texts sent (a counterfactual run sends each row twice: original and swapped)
        endpoint, columns, rows, estimate = plan.endpoint, plan.columns, plan.inputs, plan.estimate
        self.setWindowTitle(f"Send texts to {endpoint}?")
        # The first column is the text column; any others are a prompt's {placeholders}.
        if len(columns) == 1:
            what = f"the column <b>{html.escape(columns[0])}</b> (the text column)"
        else:
            others = ", ".join(f"<b>{html.escape(c)}</b>" for c in columns[1:])
            what = (
                f"the columns <b>{html.escape(columns[0])}</b> (the text column) and "
                f"{others} (named in the prompt)"
            )
        cost = (
            f"about <b>${estimate.cost_usd:,.2f}</b>"
            + (" at the batch price (half the list price)" if estimate.batch else "")
            if estimate.cost_usd is not None
            else "<b>unknown</b> (no price for this model; prices can be set in "
            "Analyse › Model settings)"
        )
        same = f" ({html.escape(estimate.same_text_note)})" if estimate.same_text else ""
        sent = (
            f"of up to <b>{rows:,}</b> rows to <b>{html.escape(endpoint)}</b>, "
            "one request per row (rows with the same text share one request)"
            if not plan.texts  # a run; else one row's text asked several times
            else f"to <b>{html.escape(endpoint)}</b>: {html.escape(plan.texts)}"
        )
        self.text = QLabel(
            f"<p>To run <b>{html.escape(model)}</b>, llmstudio will send {what} "
            f"{sent}. No other column is sent.</p>"
            f"<p>Estimate: {estimate.requests:,} requests{same}, about {estimate.input_tokens:,} "
            f"input and {estimate.output_tokens:,} output tokens; cost {cost}.</p>"
            + (
                "<p>Rows already answered in this project are not sent again. "
                if not plan.texts
                else "<p>"
            )
            + "Your answer is remembered for this project and this endpoint.</p>"
        )
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox()
        send = buttons.addButton("Send and run", QDialogButtonBox.ButtonRole.AcceptRole)
        keep = buttons.addButton("Don't send", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setDefault(True)  # Enter must not send a corpus by accident
        send.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
        self.setMinimumWidth(520)

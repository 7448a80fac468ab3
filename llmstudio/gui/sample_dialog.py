"""The sample dialog of the coding panel: N random rows, or N rows per group of a column,
with a seed (the sample is stored in the project; :mod:`llmstudio.core.sampling`)."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QRadioButton, QSpinBox)

from ..core.sampling import Sample


class SampleDialog(QDialog):
    """Random N rows, or N rows per group of a column, with a seed."""

    def __init__(self, columns: list[str], rows: int, parent=None, current: Sample | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sample of rows to code")
        self.random = QRadioButton("Random sample of N rows")
        self.stratified = QRadioButton("Stratified: N rows from each group of a column")
        self.n = QSpinBox()
        self.n.setRange(1, max(1, rows))
        self.n.setValue(min(200, rows))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(1)
        self.seed.setToolTip("The same seed draws the same rows again: cite it in the paper")
        self.column = QComboBox()
        self.column.addItems(columns)
        if current is not None:
            (self.stratified if current.kind == "stratified" else self.random).setChecked(True)
            self.n.setValue(current.n)
            self.seed.setValue(current.seed)
            if current.column:
                self.column.setCurrentText(current.column)
        else:
            self.random.setChecked(True)
        self.random.toggled.connect(lambda on: self.column.setEnabled(not on))
        self.column.setEnabled(self.stratified.isChecked())
        form = QFormLayout(self)
        form.addRow(self.random)
        form.addRow(self.stratified)
        form.addRow("N:", self.n)
        form.addRow("Group column:", self.column)
        form.addRow("Seed:", self.seed)
        note = QLabel("The sample is kept in the project: every coder codes the same rows.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str, int, int, str | None]:
        kind = "stratified" if self.stratified.isChecked() else "random"
        return kind, self.n.value(), self.seed.value(), (
            self.column.currentText() if kind == "stratified" else None)

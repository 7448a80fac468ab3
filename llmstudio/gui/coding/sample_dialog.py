"""The sample dialog of the coding panel: N random rows, or N rows per group of a column,
with a seed (the sample is stored in the project; :mod:`llmstudio.core.sampling`)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
)

from ...core.sampling import MAX_GROUPS, Sample, default_group_column, group_counts


class SampleDialog(QDialog):
    """Random N rows, or N rows per group of a column, with a seed.

    ``frame`` (the corpus) lets the dialog say how many groups each column makes and
    propose a category (party, region) as the group column, never an id or the texts
    (``text_column``); without one it proposes none."""

    def __init__(
        self,
        columns: list[str],
        rows: int,
        parent=None,
        current: Sample | None = None,
        *,
        frame: pd.DataFrame | None = None,
        text_column: str | None = None,
    ):
        super().__init__(parent)
        self._rows = rows
        self._counts = group_counts(frame) if frame is not None else {}
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
        for i, name in enumerate(columns):
            if name in self._counts:
                self.column.setItemData(i, self._groups_text(name), Qt.ItemDataRole.ToolTipRole)
        # An id or the texts would make one group per row: no default rather than that.
        self.column.setCurrentIndex(-1)
        if frame is not None:
            default = default_group_column(frame, text_column, self._counts)
            if default is not None:
                self.column.setCurrentText(default)
        self.groups = QLabel()
        self.groups.setWordWrap(True)
        if current is not None:
            (self.stratified if current.kind == "stratified" else self.random).setChecked(True)
            self.n.setValue(current.n)
            self.seed.setValue(current.seed)
            if current.column:
                self.column.setCurrentText(current.column)
        else:
            self.random.setChecked(True)
        self.random.toggled.connect(self._update)
        self.column.currentIndexChanged.connect(self._update)
        form = QFormLayout(self)
        form.addRow(self.random)
        form.addRow(self.stratified)
        form.addRow("N:", self.n)
        form.addRow("Group column:", self.column)
        form.addRow("", self.groups)
        form.addRow("Seed:", self.seed)
        note = QLabel("The sample is kept in the project: every coder codes the same rows.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._update()

    def _groups_text(self, name: str) -> str:
        count = self._counts[name]
        if count >= self._rows:
            return f"{count:,} groups: one per row (an identifier?), not a category"
        if count > MAX_GROUPS:
            return f"{count:,} groups: more than {MAX_GROUPS}, rarely a category"
        return f"{count:,} groups" if count != 1 else "1 group: every row the same"

    def _update(self, *_) -> None:
        stratified = self.stratified.isChecked()
        name = self.column.currentText()
        self.column.setEnabled(stratified)
        self.groups.setVisible(stratified)
        if not name:
            self.groups.setText("Choose the column whose groups each get N rows")
        elif name in self._counts:
            self.groups.setText(self._groups_text(name))
        self.ok.setEnabled(not stratified or bool(name))

    def choice(self) -> tuple[str, int, int, str | None]:
        kind = "stratified" if self.stratified.isChecked() else "random"
        return (
            kind,
            self.n.value(),
            self.seed.value(),
            (self.column.currentText() if kind == "stratified" else None),
        )

"""Export dialog: where to write the table, in which format, and with which safeguards."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ...core.annotated import ANNOTATED_FORMATS
from ...core.export import FORMATS

FILTERS = "CSV (*.csv);;Excel workbook (*.xlsx);;Parquet (*.parquet)"
STATA_FILTER = ";;Stata 14+ (*.dta)"


class ExportDialog(QDialog):
    def __init__(
        self,
        suggested: Path,
        rows: int,
        parent=None,
        project: bool = False,
        documents: bool = False,
    ):
        """``project``: the table has the project's runs and codes (XLSX then describes
        every column on a second sheet; Stata .dta is offered, codes as value labels).
        ``documents``: the table has documents of several units, so a "Level" picker
        offers them rolled up (one row per document)."""
        super().__init__(parent)
        self._formats = ANNOTATED_FORMATS if project else FORMATS
        self._filters = FILTERS + (STATA_FILTER if project else "")
        self.setWindowTitle("Export table")
        self.path = QLineEdit(str(suggested))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.bom = QCheckBox("Add a byte-order mark (lets Excel recognise UTF-8 CSV)")
        self.guard = QCheckBox(
            "Neutralise formulas: prefix cells starting with = + - @ "
            "with an apostrophe (recommended)"
        )
        self.guard.setChecked(True)
        self.note = QLabel(
            f"{rows:,} rows; all original columns in their original order"
            + (
                ", then each model run's columns and each coder's codes. "
                "Excel files get a sheet describing every column; Stata "
                "files keep codes as value labels. "
                if project
                else ". "
            )
            + "Parquet keeps every cell unchanged."
        )
        self.note.setWordWrap(True)
        self._unit_note = self.note.text()
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("File:", row)
        self.level = QComboBox()
        self.level.addItem("Units (one row per row of the table)", "unit")
        self.level.addItem("Documents (rolled up: one row per document)", "document")
        self.level.setToolTip(
            "Documents: per document its units, the share of units with each code and "
            "the mean sentiment (units without a result left out, not counted as zeros), "
            "and its metadata. The methods record then says how units were rolled up."
        )
        if documents:
            form.addRow("Level:", self.level)
        else:
            self.level.hide()
        self.level.currentIndexChanged.connect(self._level_changed)
        form.addRow("", self.bom)
        form.addRow("", self.guard)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.path.textChanged.connect(self._update)
        self._update()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export table", self.path.text(), self._filters)
        if path:
            self.path.setText(path)

    def _update(self) -> None:
        suffix = Path(self.path.text()).suffix.lower()
        self.bom.setEnabled(suffix == ".csv")
        self.guard.setEnabled(suffix in (".csv", ".xlsx"))

    def _level_changed(self) -> None:
        self.note.setText(
            self._unit_note
            if self.chosen_level() == "unit"
            else "One row per document: its metadata (columns the same in all its units), "
            "its number of units, then per result the units with a result, the share of "
            "them with each code and the mean signed sentiment. Units without a result are "
            "left out, not counted as zeros. Excel files get sheets describing every "
            "column and how units were rolled up."
        )

    def chosen_level(self) -> str:
        """ "unit" or "document"."""
        return self.level.currentData()

    def target(self) -> Path:
        path = Path(self.path.text()).expanduser()
        return path if path.suffix.lower() in self._formats else path.with_suffix(".csv")

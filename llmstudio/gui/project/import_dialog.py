"""Import dialog: how a delimited text file will be read, with a live preview.

Shows the detected encoding, delimiter and header; each can be overridden and the preview
(the first rows, parsed exactly as the full import will parse them) follows at once.
"""

from __future__ import annotations

import codecs
import html
from dataclasses import replace
from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QSpinBox,
    QTableView,
    QVBoxLayout,
)

from ...core.corpus import ImportOptions, preview, sniff_file
from ...core.errors import CorpusError, LlmstudioError
from ...core.runaway_quotes import is_quote_problem
from ...core.sniff import DELIMITER_NAMES, ENCODINGS, SAMPLE_BYTES
from ..common.errors import describe
from ..table.corpus_model import CorpusTableModel

PREVIEW_ROWS = 100
_DELIMITERS = [",", ";", "\t", "|", ""]
# The two readings of a quote that never closes or takes in rows (core.delimited's
# runaway_quote), and quotes as plain characters everywhere.
_QUOTINGS = [
    ("auto", "Automatic: a quote that runs away over rows is a plain character"),
    ("csv", "As quoted: every quote at a field's start opens a quoted field"),
    ("none", "As plain characters: no quoted fields at all"),
]


def _check_decodes(path: Path, encoding: str | None) -> None:
    """Raise when the file's first megabyte is not valid in ``encoding``.

    The preview decodes leniently (bad bytes become U+FFFD), but an import with a chosen
    encoding decodes strictly and fails: without this check a wrong encoding shows a
    garbled preview with Import enabled, and the error only comes after Import.
    """
    if not encoding:
        return
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES + 1)
    try:
        codecs.getincrementaldecoder(encoding)().decode(
            sample[:SAMPLE_BYTES], final=len(sample) <= SAMPLE_BYTES
        )
    except UnicodeDecodeError as exc:
        raise CorpusError(
            path,
            f"byte 0x{sample[exc.start]:02x} at offset {exc.start:,} "
            f"cannot be decoded as {encoding}; choose another encoding",
        ) from None


class ImportDialog(QDialog):
    """Returns the chosen :class:`ImportOptions` through :meth:`options` when accepted."""

    def __init__(self, path: str | Path, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import {self.path.name}")
        self.resize(960, 640)
        self._building = True

        dialect, _ = sniff_file(self.path)
        self.detected = dialect

        self.encoding = QComboBox()
        self.encoding.setEditable(True)
        self.encoding.addItems(list(dict.fromkeys([dialect.encoding, *ENCODINGS])))
        self.encoding.setCurrentText(dialect.encoding)
        self.encoding.setToolTip(
            f"How the file's bytes become characters. Detected: {dialect.encoding}"
        )
        self.delimiter = QComboBox()
        for d in _DELIMITERS:
            self.delimiter.addItem(DELIMITER_NAMES[d].capitalize(), d)
        self.delimiter.setCurrentIndex(
            _DELIMITERS.index(dialect.delimiter) if dialect.delimiter in _DELIMITERS else 0
        )
        self.has_header = QCheckBox("First row holds the column names")
        self.has_header.setChecked(dialect.has_header)
        self.skip = QSpinBox()
        self.skip.setRange(0, 1000)
        self.skip.setValue(dialect.header_row)
        self.skip.setToolTip("Records (titles, notes, comments) before the header row")
        self.text_column = QComboBox()
        self.text_column.setToolTip("The column holding the texts to analyse")
        self.quoting = QComboBox()
        for value, label in _QUOTINGS:
            self.quoting.addItem(label, value)
        self.quoting.setToolTip(
            "How quotes are read. A quote that never closes, or whose "
            "field takes in lines that look like rows, is listed under "
            "Problems with its line; choose here which reading to keep."
        )

        form = QFormLayout()
        form.addRow("Encoding:", self.encoding)
        form.addRow("Delimiter:", self.delimiter)
        form.addRow("Header:", self.has_header)
        form.addRow("Skip records before the header:", self.skip)
        form.addRow("Quotes:", self.quoting)
        form.addRow("Text column:", self.text_column)
        settings = QGroupBox("How to read the file (detected; change anything that looks wrong)")
        settings.setLayout(form)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableView()
        self.model = CorpusTableModel()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(140)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.problems = QListWidget()
        self.problems.setMaximumHeight(110)
        self.problems.setWordWrap(True)  # a problem is a sentence; read without scrolling

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)

        top = QHBoxLayout()
        top.addWidget(settings, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel(f"Preview (first {PREVIEW_ROWS} rows):"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Problems:"))
        layout.addWidget(self.problems)
        layout.addWidget(buttons)

        for signal in (
            self.encoding.currentTextChanged,
            self.delimiter.currentIndexChanged,
            self.has_header.toggled,
            self.skip.valueChanged,
            self.quoting.currentIndexChanged,
        ):
            signal.connect(self.refresh)
        self._building = False
        self.refresh()

    def options(self) -> ImportOptions:
        """What the user chose; the text column is None when left on the suggestion."""
        encoding = self.encoding.currentText().strip() or None
        return ImportOptions(
            # Left on the detected encoding, the import may still fall back (and say so)
            # when a byte past the sniffed first megabyte does not decode.
            encoding=None if encoding == self.detected.encoding else encoding,
            delimiter=self.delimiter.currentData(),
            has_header=self.has_header.isChecked(),
            header_row=self.skip.value(),
            text_column=self.text_column.currentText() or None,
            quoting=None if self.quoting.currentData() == "auto" else self.quoting.currentData(),
        )

    def refresh(self) -> None:
        """Re-parse the preview with the current settings."""
        if self._building:
            return
        chosen = self.text_column.currentText()
        opts = self.options()
        opts = replace(opts, text_column=None)
        self.problems.clear()
        try:
            corpus = preview(self.path, opts, PREVIEW_ROWS)
            # Only a chosen encoding is strict: a detected one may read the file line
            # by line when it mixes encodings (the preview's problems say so).
            _check_decodes(self.path, opts.encoding)
        except (LlmstudioError, LookupError, UnicodeError, ValueError) as exc:
            self.model.set_frame(self.model.frame.iloc[0:0, 0:0])
            message = (
                describe(exc)
                if isinstance(exc, LlmstudioError)
                else f"Cannot read the file with these settings: {exc}"
            )
            self.summary.setText(f"<span style='color:#b00020'>{html.escape(message)}</span>")
            self.ok_button.setEnabled(False)
            return
        self.ok_button.setEnabled(True)
        self.model.set_frame(corpus.frame)
        self.text_column.blockSignals(True)
        self.text_column.clear()
        self.text_column.addItems(corpus.columns)
        keep = chosen if chosen in corpus.columns else corpus.text_column
        self.text_column.setCurrentText(keep)
        self.text_column.blockSignals(False)
        d = self.detected
        self.summary.setText(
            # A mixed file's preview names both encodings ("utf-8 + cp1252").
            f"Detected: {corpus.encoding if opts.encoding is None else d.encoding}, "
            f"{DELIMITER_NAMES[d.delimiter]}, "
            f"{'a header row' if d.has_header else 'no header row'}"
            f"{f' after {d.header_row} skipped record(s)' if d.header_row else ''}. "
            f"{len(corpus.columns)} columns; suggested text column: "
            f"<b>{html.escape(corpus.text_column)}</b> (the longest texts on average)."
        )
        quotes = [p for p in corpus.problems if is_quote_problem(p)]
        if quotes:
            lines = ", ".join(str(p.line) for p in quotes[:5])
            self.summary.setText(
                self.summary.text() + "<br><span style='color:#b00020'><b>A quote runs away "
                f"(line {lines})</b>: the two readings give different rows; see Problems, "
                "and choose under Quotes.</span>"
            )
        for p in corpus.problems:
            self.problems.addItem(str(p))
            if is_quote_problem(p):  # the one that changes the rows: make it stand out
                item = self.problems.item(self.problems.count() - 1)
                item.setForeground(QColor("#b00020"))
                item.setToolTip("Choose the other reading under Quotes above to compare.")
        if not corpus.problems:
            self.problems.addItem("None in the preview rows.")
        self.table.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 320))
        self.table.horizontalHeader().setStretchLastSection(True)

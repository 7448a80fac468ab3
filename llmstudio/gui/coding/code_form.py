"""One code's definition in the codebook editor: its name (Rename… once saved), colour,
description, rules, examples and how much coding uses it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

FIELDS = ("description", "include", "exclude")


def small_text(placeholder: str, lines: int = 3) -> QPlainTextEdit:
    """A short multi-line field, ``lines`` high, where Tab moves on."""
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 12
    edit.setFixedHeight(height)
    return edit


class CodeForm(QGroupBox):
    """The fields of one code; the editor reads and fills them."""

    def __init__(self, parent=None):
        super().__init__("Code", parent)
        self.code_name = QLineEdit()
        self.code_name.setPlaceholderText("e.g. Housing")
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip(
            "Rename the code: every row code and passage given with it follows (F2)"
        )
        self.rename_button.setShortcut("F2")
        self.color_button = QPushButton()
        self.color_button.setToolTip("Choose the code's colour (passages are highlighted in it)")
        self.color_button.setFixedWidth(64)
        self.reset_color_button = QPushButton("Reset to palette")
        self.reset_color_button.setToolTip(
            "Use the default colour-blind-safe palette's colour for the code's place"
        )
        self.description = small_text("What the code means, in a sentence or two")
        self.include = small_text("What counts as this code (borderline cases that belong)", 2)
        self.exclude = small_text("What does not count (and where it goes instead)", 2)
        self.examples = small_text("Example texts of this code, one per line", 4)
        self.memo_button = QPushButton("Your memo…")
        self.memo_button.setToolTip(
            "Your running notes on this code (its definition stays the description); "
            "every memo: Analyse > Memos…"
        )
        self.memo_note = QLabel()  # whose memos the code has
        self.memo_note.setWordWrap(True)
        self.memo_note.setStyleSheet("color:#555")
        self.use = QLabel()  # how much coding names the code
        self.use.setWordWrap(True)
        self.use.setStyleSheet("color:#555")

        name_row = QHBoxLayout()
        name_row.addWidget(self.code_name, 1)
        name_row.addWidget(self.rename_button)
        color_row = QHBoxLayout()
        color_row.addWidget(self.color_button)
        color_row.addWidget(self.reset_color_button)
        color_row.addStretch(1)
        box = QVBoxLayout(self)
        form = QFormLayout()
        box.addLayout(form)
        box.addStretch(1)
        form.addRow("Name:", name_row)
        form.addRow("Colour:", color_row)
        form.addRow("Description:", self.description)
        form.addRow("Include:", self.include)
        form.addRow("Exclude:", self.exclude)
        form.addRow("Examples:", self.examples)
        hint = QLabel("Examples: one text per line.")
        hint.setStyleSheet("color:#777")
        form.addRow("", hint)
        form.addRow("Coded:", self.use)
        memo_row = QHBoxLayout()
        memo_row.addWidget(self.memo_button)
        memo_row.addWidget(self.memo_note, 1)
        form.addRow("Memos:", memo_row)

    def show_color(self, color: str, own: bool) -> None:
        """The swatch button in ``color`` ("": no code, no colour); Reset only when the
        colour is the code's own."""
        self.color_button.setStyleSheet(
            f"QPushButton {{ background:{color}; border:1px solid #555; min-height:18px }}"
            if color
            else ""
        )
        self.color_button.setText("")
        self.color_button.setAccessibleName(f"Colour {color}")
        self.reset_color_button.setEnabled(own)

    def text_fields(self):
        """The multi-line fields, in order (description, include, exclude, examples)."""
        return (self.description, self.include, self.exclude, self.examples)

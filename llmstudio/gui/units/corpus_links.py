"""Corpus: the documents corpus and its units corpora, one project file each, met as one
project: the corpus bar above the table (a Corpus: selector, where a units corpus came
from, the way back) and View > Corpus switch between them through the normal open path.

The links are read and checked (``core.unit_links.corpus_family``) in the background
each time a corpus is shown: a linked file that is gone, no longer a project, or split
from other texts than the documents hold now is listed with its reason and never opened
silently.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from ...core.unit_links import CorpusFamily, Linked, corpus_family
from ..common.background import BackgroundTask

# A short word for each reason a linked corpus cannot be followed (the whole reason is in
# its tooltip and said when it is chosen).
SHORT = {
    "missing": "not found",
    "changed": "texts changed",
    "unreadable": "cannot be opened",
    "not_units": "not units any more",
    "not_saved": "no file",
}
OK_STYLE = "background: #e8f0fe;"
PROBLEM_STYLE = "background: #fff3cd;"


def entry_text(linked: Linked) -> str:
    """``Sentences (12,340 units)``, or with why it cannot be opened."""
    if linked.problem:
        return f"{linked.title} — {SHORT.get(linked.state, 'cannot be used')}"
    return linked.title


class CorpusLinks(QObject):
    """The Corpus: selector, View > Corpus and the origin bar of one main window."""

    sig_shown = Signal()  # the links of the corpus shown are in the selector

    def __init__(self, window, view_menu):
        super().__init__(window)
        self.window = window
        self.family: CorpusFamily | None = None
        self.entries: list[Linked] = []
        self.task = BackgroundTask(
            self, keep_in=window.background_work, reports=False, again=self.refresh
        )
        self.task.sig_result.connect(self._show)
        self.task.sig_error.connect(self._failed)
        self.asked: QMessageBox | None = None  # the last "Open anyway?" question

        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setToolTip(
            "The documents and the units they were split into: one project file each, "
            "linked both ways. Choose one to open it here."
        )
        self.combo.activated.connect(self._chosen)
        self.menu = view_menu.addMenu("C&orpus")
        self.menu.setToolTipsVisible(True)
        self.group = QActionGroup(self)

        self.origin = QLabel()
        self.origin.setWordWrap(True)
        self.origin.setTextFormat(Qt.TextFormat.PlainText)
        self.back = QPushButton("Open the Documents")
        self.back.clicked.connect(lambda: self._open(self.family.documents))
        self.bar = QWidget()
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(8, 3, 8, 3)
        self.label = QLabel("&Corpus:")
        self.label.setBuddy(self.combo)
        row.addWidget(self.label)
        row.addWidget(self.combo)
        row.addSpacing(8)
        row.addWidget(self.origin, 1)
        row.addWidget(self.back)
        # Above the table, over the rows-opened-from-elsewhere bar.
        window.subset_bar.parentWidget().layout().insertWidget(0, self.bar)
        window.sig_loaded.connect(self.refresh)
        self._show_nothing()

    # -- reading the links ----------------------------------------------------------

    def refresh(self) -> None:
        """Read the links of the project shown, in the background."""
        w = self.window
        if w.project is None or w.corpus is None:
            self._show_nothing()
            return
        if self.family is not None and self.family.here != w.project.path.absolute():
            self._show_nothing()  # another project's links must not stay meanwhile
        self.task.start(corpus_family, w.project.path, w.corpus)

    def _current(self, family: CorpusFamily) -> bool:
        """Whether ``family`` is of the project shown now (not of one left meanwhile)."""
        project = self.window.project
        return (
            not self.task.stale and project is not None and family.here == project.path.absolute()
        )

    def _failed(self, exc) -> None:
        if self.task.stale or self.window.project is None:
            return
        self._show_nothing()
        self._set_bar(f"The linked corpora cannot be read: {exc}", problem=True, back=False)
        self.sig_shown.emit()

    # -- showing them -----------------------------------------------------------------

    def _show_nothing(self) -> None:
        self.family, self.entries = None, []
        self.combo.clear()
        self.menu.clear()
        self.menu.menuAction().setVisible(False)
        self.bar.hide()
        self.label.hide()
        self.combo.hide()

    def _show(self, family: CorpusFamily) -> None:
        if not self._current(family):
            return
        self._show_nothing()
        if family.documents is None:  # a project neither split nor split from
            self.sig_shown.emit()
            return
        self.family = family
        self.entries = [family.documents, *family.units]
        here = next((i for i, e in enumerate(self.entries) if family.is_here(e)), 0)
        for i, linked in enumerate(self.entries):
            self.combo.addItem(entry_text(linked))
            self.combo.setItemData(i, self._tooltip(linked), Qt.ItemDataRole.ToolTipRole)
            action = QAction(entry_text(linked), self.menu, checkable=True)
            action.setToolTip(self._tooltip(linked))
            action.setChecked(i == here)
            action.triggered.connect(lambda _=False, i=i: self._chosen(i))
            self.group.addAction(action)
            self.menu.addAction(action)
            if i == 0 and family.units:
                self.menu.addSeparator()
        self.combo.setCurrentIndex(here)
        self.menu.menuAction().setVisible(True)
        self.label.show()
        self.combo.show()
        self._show_origin(family)
        self.sig_shown.emit()

    def _tooltip(self, linked: Linked) -> str:
        if self.family is not None and self.family.is_here(linked):
            where = f"{linked.path.name} (open now)"
        else:
            where = str(linked.path) if linked.path else linked.name
        return where + (f"\n{linked.problem}" if linked.problem else "")

    def _show_origin(self, family: CorpusFamily) -> None:
        """Where a units corpus came from and the way back; what the documents were split
        into; any link that cannot be read, why."""
        documents = family.documents
        back = False
        if family.origin is None:
            n = len(family.units)
            text = f"{n} units corp{'us' if n == 1 else 'ora'} split from these documents"
            broken = sum(bool(u.problem) for u in family.units)
            if broken:
                text += f"; {broken} cannot be used (the list says why)"
        else:
            o = family.origin
            text = family.origin_text() + f": {o.units:,} units of {o.documents:,} documents"
            if documents.problem:
                text += f". {documents.problem}."
            elif not documents.project:
                text += " (not a project: its texts are not checked)"
            back = documents.path is not None and documents.state in ("ok", "changed")
            self.back.setText(
                "Open the Documents Anyway…"
                if documents.state == "changed"
                else "Open the Documents"
            )
        if family.problem:
            text += f" {family.problem}."
        self._set_bar(text, problem=bool(documents.problem or family.problem), back=back)

    def _set_bar(self, text: str, *, problem: bool, back: bool) -> None:
        self.origin.setText(text)
        self.bar.setStyleSheet(PROBLEM_STYLE if problem else OK_STYLE)
        self.back.setVisible(back)
        self.bar.show()

    # -- switching --------------------------------------------------------------------

    def _chosen(self, index: int) -> None:
        if self.family is None or not 0 <= index < len(self.entries):
            return
        linked = self.entries[index]
        self._keep_current()  # shown as it is until the other corpus has opened
        if not self.family.is_here(linked):
            self._open(linked)

    def _keep_current(self) -> None:
        here = next((i for i, e in enumerate(self.entries) if self.family.is_here(e)), 0)
        self.combo.setCurrentIndex(here)
        for i, action in enumerate(self.group.actions()):
            action.setChecked(i == here)

    def _open(self, linked: Linked) -> None:
        """Open ``linked`` in this window (the normal open path); one that cannot be
        followed says why, one whose texts changed is opened only when asked again."""
        w = self.window
        if linked.path is None or linked.state not in ("ok", "changed"):
            w.show_error(f"Cannot open {linked.title}", linked.problem)
            return
        if linked.state == "changed":
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "The texts do not match",
                f"{linked.problem}.\n\nOpen {linked.path.name} anyway?",
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                w,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.accepted.connect(lambda: w.open_path(linked.path))
            self.asked = box
            box.open()
            return
        w.open_path(linked.path)

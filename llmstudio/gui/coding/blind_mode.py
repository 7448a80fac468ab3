"""Blind coding in the main window: while the coding panel's Blind switch is on, the table
hides every result column (the models' and the other coders') but the coder's own codes,
and the detail pane hides the models' results. Switched off, what was hidden comes back
(and only that: an error column hidden because no row failed stays hidden).

Columns that appear while blind (a run started meanwhile, a new coder) are hidden too.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from ...core import human_codes
from ...core.results import shown_name

HIDDEN_NOTE = "Model results are hidden: blind coding is on (Analyse › Code Blind, Ctrl+Shift+K)."


class BlindMode(QObject):
    """Follows ``coding.sig_blind``; owns which table columns it hid."""

    def __init__(self, window, coding):
        super().__init__(window)
        self.window = window
        self.coding = coding
        self._hidden: set[str] = set()  # result columns this hid (shown before)
        coding.sig_blind.connect(self._switched)
        coding.sig_coder.connect(lambda _name: self.apply(fresh=True))  # whose codes are own
        self._own: set[str] | None = None  # cached: the DB is read once per change
        # after the other slots: a run's error column may be shown by model_runs first
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.apply)
        window.model.columnsInserted.connect(lambda *_: self.apply(fresh=True))
        # a batch with the first failure shows its run's error column (model_runs): hidden
        # again once that is done
        window.model.sig_results_changed.connect(
            lambda _rows: self._later.start() if self.on else None
        )
        window.sig_loaded.connect(self._loaded)

    def _switched(self, on: bool) -> None:
        self.apply(fresh=True)
        self.window.statusBar().showMessage(
            "Blind coding on: model results and other coders' codes are hidden until you "
            "switch it off (Ctrl+Shift+K)"
            if on
            else "Blind coding off: model results and other coders' codes are shown",
            8000,
        )

    @property
    def on(self) -> bool:
        return self.coding.blind

    def _loaded(self) -> None:
        self._hidden = set()  # a new table: nothing of the old one is hidden by us
        self.apply(fresh=True)

    def _own_columns(self) -> set[str]:
        """The table's columns of the coder's own codes (every codebook)."""
        w, coder = self.window, self.coding.coder
        if w.project is None or w.corpus is None or not coder:
            return set()
        names = human_codes.coder_column_names(w.project)
        return {
            shown_name(name, w.corpus.frame.columns)
            for (_book, who), name in names.items()
            if who == coder
        }

    def apply(self, fresh: bool = False) -> None:
        """Hide (blind) or show again (not blind) the result columns and model results;
        ``fresh``: read again which columns are the coder's own (coder or codes changed)."""
        model, table = self.window.model, self.window.table
        if self.on:
            if fresh or self._own is None:
                self._own = self._own_columns()
            for name in model.result_names:
                column = model.column_index(name)
                if name in self._own:  # another coder's before, the coder's own now
                    if name in self._hidden:
                        table.setColumnHidden(column, False)
                        self._hidden.discard(name)
                elif not table.isColumnHidden(column):
                    table.setColumnHidden(column, True)
                    self._hidden.add(name)
        else:
            for name in self._hidden:
                if name in model.result_names:
                    table.setColumnHidden(model.column_index(name), False)
            self._hidden = set()
            self._own = None
        self.window.detail.set_results_hidden(HIDDEN_NOTE if self.on else None)
        self.window.update_counts()  # it counts the result columns in view

    def hidden_columns(self) -> list[str]:
        """The result columns blind coding hides now."""
        return sorted(self._hidden)

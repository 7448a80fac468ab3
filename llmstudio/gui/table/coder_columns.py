"""The coders' codes as columns of the corpus table (``human_<codebook>_<coder>``, the
names an export gives them), read when a project opens and kept up to date click by click,
so that codes made by hand sit next to the model's labels for the same rows."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QObject

from ...core import human_codes
from ...core.results import shown_name


def _tip(book: str, coder: str) -> str:
    return (
        f"Codes given by hand by {coder} with the codebook “{book}” "
        "(Analyse › Code by Hand, Ctrl+K)"
    )


class CoderColumns(QObject):
    """Owns nothing but the wiring: the table model keeps the values."""

    def __init__(self, window, coding):
        super().__init__(window)
        self.window = window
        self.coding = coding
        self._names: dict[tuple[str, str], str] = {}  # (codebook, coder) -> column
        window.sig_loaded.connect(self._show_stored)
        coding.sig_coded.connect(self._show_click)

    def _shown(self, name: str) -> str:
        return shown_name(name, self.window.corpus.frame.columns)

    def _show_stored(self) -> None:
        """An opened project's codes, read in the background (a long click log)."""
        w = self.window
        project, corpus = w.project, w.corpus
        self._names = {}
        if project is None or not human_codes.any_coded(project):
            return

        def read():
            return human_codes.coder_column_names(project), human_codes.coder_columns(project)

        def done(result) -> None:
            if w.project is not project or w.corpus is not corpus:
                return
            self._names, frame = result
            frame = frame.astype(object).where(frame.notna(), None)  # as a click leaves it
            for (book, coder), name in self._names.items():
                self._put(
                    frame[[name]].rename(columns={name: self._shown(name)}),
                    bring_into_view=False,
                    replace=True,
                    tip=_tip(book, coder),
                )

        w.start_work(
            "Reading the codes made by hand…",
            read,
            on_done=done,
            error_title="Cannot read the codes made by hand",
        )

    def _show_click(self, row_id: int) -> None:
        """The row's cell after a click (a code, a change, an undo) in the coding panel."""
        project, book, coder = self.window.project, self.coding.book, self.coding.coder
        if project is None or book is None or not coder:
            return
        key = (book.name, coder)
        if key not in self._names:  # a new coder or codebook: names may shift ("ana_")
            self._names = human_codes.coder_column_names(project)
        if key not in self._names:  # passages only (the panel says so too): no row codes
            return
        coding = human_codes.coding_of(project, book.name, coder, row_id)
        value = coding.label() if coding is not None and coding.coded else None
        name = self._shown(self._names[key])
        self._put(
            pd.DataFrame({name: [value]}, index=[row_id]),
            bring_into_view=True,
            tip=_tip(book.name, coder),
        )

    def _put(self, frame: pd.DataFrame, bring_into_view: bool, **kwargs) -> None:
        """``bring_into_view``: a new coder's column is scrolled to (a first click), not
        the columns of an opened project (it opens scrolled to the left)."""
        model = self.window.model
        new = [c for c in frame.columns if c not in model.result_names]
        model.put_results(frame, **kwargs)
        if new:  # wide enough for its name: "human_local_issues_ana", not "man_lo…"
            self.window.widths.add([model.column_index(n) for n in new], bring_into_view)

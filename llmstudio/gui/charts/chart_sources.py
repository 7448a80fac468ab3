"""What View › Charts can show in the window's table, named for a reader: each run's
result columns (the task, the model, the codebook; a sentiment run's signed score), the
coders' codes, the corpus's own columns as labels, numbers, groups or dates. At the level
"Documents (rolled up)" the rows are documents (``core.rollup``): the rolled-up shares
and means as numbers, the documents and their metadata as groups and dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QComboBox

from ...core import chart_data as cd
from ...core.results import shown_name
from ...core.runs import stored_params
from ..runs.jobs import TASK_TITLES
from .chart_kinds import Source
from .code_bars import CodeCounts, code_sources


class ChartSources:
    """The sources of the window's table (``columns`` fills ``by_key``)."""

    def __init__(self, window):
        self.window = window
        self.by_key: dict[str, Source] = {}
        self.code_counts: dict[str, CodeCounts] = {}
        self.rollup = None  # documents (rolled up): a core.rollup.Rollup; units: None

    def values(self, name: str) -> pd.Series:
        """A column of the table (a run's result, a coder's codes — the table shows them
        as ``human_<codebook>_<coder>`` — or the corpus's own) by row id."""
        w = self.window
        if self.rollup is not None:
            column = self.rollup.frame[name]
            return pd.Series(column.to_numpy(), index=np.arange(len(column)))
        if name in w.model.result_names:
            return pd.Series(w.model.result(name))
        column = w.corpus.frame[name]
        return pd.Series(column.to_numpy(), index=np.arange(len(column)))

    def source_values(self, source: Source):
        """What a chart of ``source`` is worked out from: a copy of its column (a job
        goes on writing into the table's arrays), or a ``SignedSentiment``."""
        if source.kind == "codes":
            return self.code_counts[source.key]
        if source.kind == "signed":
            label, *valence = source.columns
            return cd.SignedSentiment(
                self.values(label).copy(),
                self.values(valence[0]).copy() if valence else None,
                source.scheme,
            )
        return self.values(source.columns[0]).copy()

    def get(self, key: str | None) -> Source | None:
        """The source picked under ``key`` (None: none)."""
        return self.by_key.get(key) if key else None

    def _run_params(self, run_id) -> dict:
        project = self.window.project
        if project is None or run_id is None:
            return {}
        return stored_params(project, run_id) or {}

    def run_sources(self) -> dict[str, Source]:
        """Readable names for the result columns of the runs the table shows, and each
        sentiment run's signed score (first: what "mean sentiment" means)."""
        runs = self.window.model.result_runs()
        per_task: dict[str, int] = {}
        for run, _columns in runs:
            per_task[run.task] = per_task.get(run.task, 0) + 1
        out: dict[str, Source] = {}
        for run, columns in runs:
            task = run.task
            title = TASK_TITLES.get(task, task.capitalize())
            where = run.model + (
                f", run {run.run_id}" if per_task[task] > 1 and run.run_id is not None else ""
            )
            codes = dict(run.code_names)

            def part(column: str, task: str = task, codes: dict = codes) -> str:
                """``label`` of ``sentiment_label`` (or of ``sentiment_label_run2``)."""
                rest = column[len(task) + 1 :] if column.startswith(task + "_") else column
                for known in (
                    *codes,
                    "label",
                    "score",
                    "valence",
                    "lexicon",
                    "explanation",
                    "error",
                    "chunks",
                ):
                    if rest == known or rest.startswith(known + "_"):
                        return known
                return rest

            parts = {part(c): c for c in columns}
            params = self._run_params(run.run_id)
            book = (params.get("codebook") or {}).get("name")
            if book:  # "Coding with Local issues (gpt-4o-mini)"
                title = f"{title} with {book}"
            if "label" in parts and (params.get("task") or task) == "sentiment":
                scheme = tuple(params.get("labels") or ())
                if cd.has_valence(scheme):  # not for labels of one's own
                    signed = (parts["label"],) + ((parts["valence"],) if "valence" in parts else ())
                    key = "signed:" + parts["label"]
                    out[key] = Source(key, f"{title} ({where})", signed, "signed", scheme)
            for kind, column in parts.items():
                if kind in ("valence", "explanation", "error"):
                    continue  # the signed score has the valence; texts and errors are no chart
                if kind == "chunks" and not self._split_any(column):
                    continue  # no text was split (empty, or 1 throughout): nothing to chart
                if kind == "label":
                    name = f"{title} ({where})"
                elif kind == "score":
                    name = f"{cd.CONFIDENCE_NAME} ({title}, {where})"
                elif kind == "lexicon":
                    name = f"VADER lexicon's label ({title}, {where})"
                elif kind in codes:
                    name = f"{codes[kind]} ({title}, {where})"
                else:
                    name = f"{title} {kind.replace('_', ' ')} ({where})"
                key = "column:" + column
                out[key] = Source(
                    key, name, (column,), "confidence" if kind == "score" else "column"
                )
        return out

    def _split_any(self, name: str) -> bool:
        """Whether a ``<task>_chunks`` column counts more than one chunk anywhere."""
        return bool((pd.to_numeric(self.values(name), errors="coerce") > 1).any())

    def _coder_names(self) -> dict[str, str]:
        """The coders' columns -> "Codes by ana (Tone)"."""
        from ...core.human_codes import coder_column_names

        w = self.window
        if w.project is None:
            return {}
        taken = w.corpus.frame.columns
        return {
            shown_name(column, taken): f"Codes by {coder} ({book})"
            for (book, coder), column in coder_column_names(w.project).items()
        }

    def codes(self) -> list[Source]:
        """The codebooks' codes by coder or model run ("Codes by group" charts; per unit
        only: documents have their shares of units as numbers)."""
        if self.rollup is not None:
            self.code_counts = {}
            return []
        found = code_sources(self.window.project)
        self.code_counts = {key: counts for key, (_source, counts) in found.items()}
        sources = [source for source, _counts in found.values()]
        self.by_key.update({s.key: s for s in sources})
        return sources

    def documents_possible(self) -> bool:
        """Whether the table has documents of several units to roll up."""
        from ...core.rollup import has_documents

        corpus = self.window.corpus
        return corpus is not None and has_documents(corpus.frame)

    def set_level(self, documents: bool) -> None:
        """Chart units (the table's rows) or documents (results rolled up; read now)."""
        from ...core.rollup_export import table_rollup

        w = self.window
        self.rollup = None
        if documents and self.documents_possible():
            self.rollup = table_rollup(w.project, w.corpus.frame, w.corpus.text_column)

    def unit_rows(self, rows) -> np.ndarray:
        """The table's rows behind a chart's ``rows`` (documents: their units)."""
        if self.rollup is None:
            return rows
        documents = self.rollup.frame["document"].to_numpy()
        parts = [self.rollup.rows[documents[int(i)]] for i in rows]
        return np.sort(np.concatenate(parts)) if parts else np.array([], dtype=int)

    def _document_columns(self):
        """The rolled-up frame's columns: results as numbers, metadata as groups, dates."""
        about = {c.name: c for c in self.rollup.info}
        labels, numeric, groups, dates = [], [], [], []
        for name in map(str, self.rollup.frame.columns):
            column = self.rollup.frame[name]
            source = Source("doc:" + name, name, (name,))
            if about[name].source != "original":  # units, shares, means: per document
                numeric.append(Source(source.key, document_name(name), (name,), "document"))
            elif name == "document":
                groups.append(Source(source.key, "Document", (name,)))
            else:
                _sort_column(source, column, groups, numeric, dates)
        for source in labels + numeric + groups + dates:
            self.by_key[source.key] = source
        return groups, numeric, groups, dates

    def columns(self) -> tuple[list[Source], list[Source], list[Source], list[Source]]:
        """(label sources, numeric sources, group columns, date columns) of the table."""
        w = self.window
        self.by_key = {}
        if w.corpus is None:
            return [], [], [], []
        if self.rollup is not None:
            return self._document_columns()
        runs = self.run_sources()
        coders = self._coder_names()
        labels, numeric = [], []
        for source in runs.values():
            if source.kind in ("signed", "confidence"):
                numeric.append(source)
            else:
                (numeric if cd.is_numeric(self.values(source.columns[0])) else labels).append(
                    source
                )
        # Every run's columns, also those left out above (an empty chunks column).
        shown = {c for _run, columns in w.model.result_runs() for c in columns}
        for name in w.model.result_names:  # codes by hand, and columns of no known run
            if name in shown or name.endswith("_error") or name.rsplit("_", 1)[0].endswith("error"):
                continue
            source = Source("column:" + name, coders.get(name, name), (name,))
            (numeric if cd.is_numeric(self.values(name)) else labels).append(source)
        frame = w.corpus.frame
        groups, dates = [], []
        for name in (str(c) for c in frame.columns if str(c) != w.corpus.text_column):
            column = frame[name]
            _sort_column(Source("column:" + name, name, (name,)), column, groups, numeric, dates)
        for source in labels + numeric + groups + dates:
            self.by_key[source.key] = source
        return labels + groups, numeric, groups, dates


LEVELS = ["Units", "Documents (rolled up)"]


def document_name(column: str) -> str:
    """A rolled-up column as a chart names it: "Share of units coded positive
    (sentiment_label)", "Document sentiment (mean of its units; sentiment_label)"."""
    result, _, what = column.partition(": ")
    if not what:
        return "Units per document" if column == "units" else column
    if what == "mean signed sentiment":
        return f"Document sentiment (mean of its units; {result})"
    return f"{what[0].upper()}{what[1:]} ({result})"


def level_picker(panel) -> QComboBox:
    """The charts' level: the table's rows (units), or documents with their results
    rolled up (shown only where the table has documents of several units)."""
    combo = QComboBox()
    combo.addItems(LEVELS)
    combo.setToolTip(
        "Documents (rolled up): one value per document (its share of units with a code, "
        "its mean sentiment), charted by document or by its metadata; each document "
        "counts once"
    )

    def changed(_index: int) -> None:
        panel.refresh_columns()  # reads the level (sync_level)
        panel.redraw()

    combo.currentIndexChanged.connect(changed)
    return combo


def sync_level(panel) -> None:
    """Before the pickers are filled: the level picker shown only for a table with
    documents (back to units for one without), and the documents rolled up again at the
    level "Documents" (new results, or another table)."""
    combo, sources = panel.level, panel.sources
    possible = sources.documents_possible()
    combo.setVisible(possible)
    if not possible and combo.currentIndex() != 0:
        combo.blockSignals(True)
        combo.setCurrentIndex(0)
        combo.blockSignals(False)
    sources.set_level(combo.currentIndex() == 1)


def _sort_column(source: Source, column, groups: list, numeric: list, dates: list) -> None:
    """A table column as what a chart can use it for: dates, numbers, or groups (at most
    40 values: more would not read as bars); any other column is not offered."""
    if cd.is_date_like(column):
        dates.append(source)
    elif cd.is_numeric(column):
        numeric.append(source)
    elif column.nunique() <= 40:
        groups.append(source)

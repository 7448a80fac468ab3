"""Model results as table columns: the latest run of each task, joined on row id.

Qt-free (the table, the export and the job worker all use it). The columns are the
task's (``sentiment_label``, ``sentiment_score``) and ``<task>_error``, as
``runner.run_results`` gives them; a name the corpus already uses (a re-imported export)
gets a numeric suffix so that neither is hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pandas as pd

from .backends.base import Backend, RowError, digest
from .codebook import NONE_CODE, Codebook, column_slug
from .human_codes import coder_columns
from .project import Project
from .runner import run_results, run_spec
from .tasks.base import Task


def result_columns(task: Task) -> list[str]:
    """The columns a run of ``task`` fills, in ``run_results``' order."""
    return task.columns() + [f"{task.name}_error"]


def run_codes(project: Project, run_id: int, book: Codebook) -> dict[int, tuple[str, ...]]:
    """Each row's codes in run ``run_id`` read against ``book``, in the shape a coder's
    codes have (a tuple of code names per row id), so that sampling, validation and the
    export compare like with like. Single-label: the run's ``<task>_label`` named as the
    codebook writes it (a sentiment run read against a codebook of sentiment labels
    too); multi-label: the codes whose ``<task>_<code>`` column is 1, ``("none",)`` when
    none applies. Rows the run has no answer for are left out."""
    task = project.db.execute("SELECT task FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
    frame = run_results(project, run_id)
    out: dict[int, tuple[str, ...]] = {}
    if book.multi_label:
        columns = {c: frame.get(f"{task}_{column_slug(c)}") for c in book.names}
        values = pd.DataFrame({c: col for c, col in columns.items() if col is not None},
                              index=frame.index)
        for row_id, row in values.dropna(how="all").iterrows():
            given = tuple(c for c, v in row.items() if not pd.isna(v) and int(v) == 1)
            out[int(row_id)] = given or (NONE_CODE,)
    else:
        by_lower = {name.lower(): name for name in (*book.labels(), NONE_CODE)}
        for row_id, v in frame.get(f"{task}_label", pd.Series(dtype=object)).items():
            if isinstance(v, str) and v.strip():
                out[int(row_id)] = (by_lower.get(v.strip().lower(), v.strip()),)
    return out


def shown_name(name: str, corpus_columns) -> str:
    """``name``, or ``name_2``, ``name_3``... when the corpus has a column called that."""
    taken = {str(c) for c in corpus_columns}
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name}_{k}"
    return candidate


def _renamed(frame: pd.DataFrame, corpus_columns) -> pd.DataFrame:
    return frame.rename(columns={c: shown_name(c, corpus_columns) for c in frame.columns})


def latest_run_ids(project: Project) -> list[int]:
    """Per task, the run used last (running or most recently finished), where a run of
    part of the corpus (the run dialog's "Try on 5 rows", ``annotate --limit``) never
    hides a run of the whole corpus: a trial left behind must not replace the results in
    the table or an export."""
    whole = int(project.meta("rows", "0") or 0)
    # A replicate run (replicate_of set) never takes the plain names: it keeps _run<N>.
    rows = project.db.execute("SELECT id, task, rows_total FROM runs WHERE replicate_of IS NULL "
                              "ORDER BY (finished IS NULL), finished, id").fetchall()
    latest: dict[str, tuple[int, bool]] = {}
    for run_id, task, total in rows:  # later rows win...
        complete = (total or 0) >= whole
        if task not in latest or complete or not latest[task][1]:  # ...unless partial
            latest[task] = (run_id, complete)
    return sorted(run_id for run_id, _ in latest.values())


def describe_run(project: Project, run_id: int) -> str:
    """"sentiment by lexicon:vader (run 3, done)": which model made a result column."""
    task, backend, fingerprint, status = project.db.execute(
        "SELECT task, backend, fingerprint, status FROM runs WHERE id = ?", (run_id,)).fetchone()
    fp = json.loads(fingerprint)
    where = f" at {fp['endpoint']}" if fp.get("endpoint") else ""
    return f"{task} by {backend}:{fp.get('model')}{where} (run {run_id}, {status})"


def short_model(kind: str, model: str | None) -> str:
    """A model as few words name it: "lexicon", "builtin", "gpt-4o-mini", a folder's name."""
    if kind in ("lexicon", "builtin") or not model:
        return kind
    if kind == "hf":
        return model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or model
    return model


def spec_model(spec: str) -> str:
    """:func:`short_model` of a model SPEC (builtin, lexicon, hf:PATH, openai:MODEL)."""
    kind, _, name = spec.partition(":")
    return short_model(kind, name or None)


_SAID = ("running", "cancelled", "failed", "unfinished")  # "done" goes without saying


def code_names(task_params: dict) -> dict[str, str]:
    """A multi-label coding run's code slugs -> the codes' own names (``housing_rent`` ->
    "Housing & rent"): its 0/1 columns are named by slug, a reader wants the names.
    Empty for any other run. ``task_params`` is ``Task.params()`` (also stored per run)."""
    book = task_params.get("codebook") or {}
    if task_params.get("task") != "code" or not book.get("multi_label"):
        return {}
    return {column_slug(code["name"]): code["name"] for code in book.get("codes", [])}


@dataclass(frozen=True)
class RunLabel:
    """Which run made a set of result columns, as the status bar and detail pane say it."""

    task: str
    model: str                  # short: "lexicon", "gpt-4o-mini"
    run_id: int | None = None   # None until a new job's run is in the project
    status: str = ""            # running, done, cancelled, failed, unfinished
    code_names: tuple[tuple[str, str], ...] = ()  # multi-label: (slug, code name)
    part: str = ""              # a run of part of the corpus: "5 of 300 rows"

    def status_text(self) -> str:
        """ "run 2: sentiment with lexicon" (", running" while it runs). """
        run = f"run {self.run_id}: " if self.run_id is not None else ""
        state = f", {self.status}" if self.status in _SAID else ""
        part = f", {self.part}" if self.part else ""
        return f"{run}{self.task} with {self.model}{part}{state}"

    def heading(self) -> str:
        """ "sentiment (lexicon, run 2)" """
        run = f", run {self.run_id}" if self.run_id is not None else ""
        state = f", {self.status}" if self.status in _SAID else ""
        part = f", {self.part}" if self.part else ""
        return f"{self.task} ({self.model}{run}{part}{state})"

    def with_status(self, status: str, run_id: int | None = None) -> "RunLabel":
        return replace(self, status=status, run_id=self.run_id if run_id is None else run_id)


def run_label(project: Project, run_id: int) -> RunLabel:
    """The :class:`RunLabel` of a stored run."""
    task, backend, fingerprint, status, params, total = project.db.execute(
        "SELECT task, backend, fingerprint, status, params, rows_total FROM runs WHERE id = ?",
        (run_id,)).fetchone()
    whole = int(project.meta("rows", "0") or 0)
    part = f"{total:,} of {whole:,} rows" if (total or 0) < whole else ""
    # Stored as running but no job of this window runs it: killed, or running elsewhere.
    return RunLabel(task, short_model(backend, json.loads(fingerprint).get("model")),
                    run_id, "unfinished" if status == "running" else status,
                    tuple(code_names(json.loads(params or "{}")).items()), part)


def running_run_id(project: Project, task: str) -> int | None:
    """The run a job of ``task`` is filling now (the newest marked running), if any."""
    row = project.db.execute("SELECT id FROM runs WHERE task = ? AND status = 'running' "
                             "ORDER BY id DESC LIMIT 1", (task,)).fetchone()
    return row[0] if row is not None else None


def latest_results(project: Project, corpus_columns
                   ) -> list[tuple[str, RunLabel, pd.DataFrame]]:
    """The latest run of every task: its description (a tooltip), its label and its
    columns by row id."""
    return [(describe_run(project, run_id), run_label(project, run_id),
             _renamed(run_results(project, run_id), corpus_columns))
            for run_id in latest_run_ids(project)]


def with_results(project: Project | None, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the latest results after its own columns, then the human coders'
    codes (what an export writes)."""
    if project is None:
        return frame
    for _, _, results in latest_results(project, frame.columns):
        frame = frame.join(results, how="left")
    human = coder_columns(project)
    return frame.join(_renamed(human, frame.columns), how="left") if len(human.columns) else frame


def stored_results(project: Project, task: Task, backend: Backend, text_column: str,
                   corpus_columns) -> pd.DataFrame:
    """The rows already answered by the run this job resumes (the same spec), or none."""
    key = digest(run_spec(task, backend, text_column))  # how the runner finds the run to resume
    row = project.db.execute("SELECT id FROM runs WHERE spec_key = ? ORDER BY id DESC LIMIT 1",
                             (key,)).fetchone()
    frame = (run_results(project, row[0]) if row is not None
             else pd.DataFrame(columns=result_columns(task)))
    return _renamed(frame, corpus_columns)


def batch_frame(task: Task, batch: list[tuple[int, dict | RowError]],
                corpus_columns) -> pd.DataFrame:
    """A flushed batch from ``run_job(on_rows=...)`` in ``run_results``' shape."""
    columns = result_columns(task)
    records = {}
    for row_id, outcome in batch:
        if isinstance(outcome, RowError):
            records[row_id] = {columns[-1]: str(outcome)}
        else:
            records[row_id] = {c: outcome.get(c) for c in columns[:-1]}
    frame = pd.DataFrame.from_dict(records, orient="index", columns=columns)
    return _renamed(frame, corpus_columns)

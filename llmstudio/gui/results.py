"""Model results as table columns: the latest run of each task, joined on row id.

Qt-free (the table, the export and the job worker all use it). The columns are the
task's (``sentiment_label``, ``sentiment_score``) and ``<task>_error``, as
``runner.run_results`` gives them; a name the corpus already uses (a re-imported export)
gets a numeric suffix so that neither is hidden.
"""

from __future__ import annotations

import json

import pandas as pd

from ..core.backends.base import Backend, RowError, digest
from ..core.project import Project
from ..core.runner import run_results, run_spec
from ..core.tasks.base import Task


def result_columns(task: Task) -> list[str]:
    """The columns a run of ``task`` fills, in ``run_results``' order."""
    return task.columns() + [f"{task.name}_error"]


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
    """Per task, the run used last (running or most recently finished)."""
    rows = project.db.execute(
        "SELECT id, task FROM runs ORDER BY (finished IS NULL), finished, id").fetchall()
    latest = {task: run_id for run_id, task in rows}  # later rows win
    return sorted(latest.values())


def describe_run(project: Project, run_id: int) -> str:
    """"sentiment by lexicon:vader (run 3, done)": which model made a result column."""
    task, backend, fingerprint, status = project.db.execute(
        "SELECT task, backend, fingerprint, status FROM runs WHERE id = ?", (run_id,)).fetchone()
    fp = json.loads(fingerprint)
    where = f" at {fp['endpoint']}" if fp.get("endpoint") else ""
    return f"{task} by {backend}:{fp.get('model')}{where} (run {run_id}, {status})"


def latest_results(project: Project, corpus_columns) -> list[tuple[str, pd.DataFrame]]:
    """The latest run of every task: its description and its columns by row id."""
    return [(describe_run(project, run_id), _renamed(run_results(project, run_id), corpus_columns))
            for run_id in latest_run_ids(project)]


def with_results(project: Project | None, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the latest results after its own columns (what an export writes)."""
    if project is None:
        return frame
    for _, results in latest_results(project, frame.columns):
        frame = frame.join(results, how="left")
    return frame


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

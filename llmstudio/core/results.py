"""Model results as table columns, joined on row id: per task the latest complete run under
the plain names, other runs with ``_run<N>`` (the rule is :mod:`llmstudio.core.runs`').

Qt-free (the table, the export and the job worker all use it). The columns are the
task's (``sentiment_label``, ``sentiment_score``) and ``<task>_error``, as
``runner.run_results`` gives them; a name the corpus already uses (a re-imported export)
gets a numeric suffix so that neither is hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pandas as pd

from .backends.base import RowError
from .backends.spec import short_model
from .codebook import NONE_CODE, Codebook, column_slug, flat_codes
from .human_codes import coder_columns
from .project import Project
from .runner import run_results
from .store import annotations as stored_annotations
from .store import runs as stored_runs
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
    task = stored_runs.fields(project.db, run_id, "task")[0]
    frame = run_results(project, run_id)
    out: dict[int, tuple[str, ...]] = {}
    if book.multi_label:
        columns = {c: frame.get(f"{task}_{column_slug(c)}") for c in book.names}
        values = pd.DataFrame(
            {c: col for c, col in columns.items() if col is not None}, index=frame.index
        )
        for row_id, row in values.dropna(how="all").iterrows():
            given = tuple(c for c, v in row.items() if not pd.isna(v) and int(v) == 1)
            out[int(row_id)] = given or (NONE_CODE,)
    else:
        by_lower = {name.lower(): name for name in (*book.labels(), NONE_CODE)}
        for row_id, v in frame.get(f"{task}_label", pd.Series(dtype=object)).items():
            if isinstance(v, str) and v.strip():
                out[int(row_id)] = (by_lower.get(v.strip().lower(), v.strip()),)
    return out


_QUIET_STEMS = ("_error", "_valence", "_chunks", "_truncated")


def _stem(name: str) -> str:
    return re.sub(r"(_run\d+)?(_\d+)?$", "", name)


def may_say_nothing(name: str) -> bool:
    """A result column that can have nothing to tell (see :func:`says_nothing`)."""
    return _stem(name).endswith(_QUIET_STEMS)


def says_nothing(name: str, values: pd.Series) -> bool:
    """Whether a result column has nothing to tell yet, so the table can hide it and keep
    the labels in view (an export still writes it): an error column while no row failed,
    a valence the model does not give, a long-text marker while every text fit (chunks
    1, truncated 0). Other columns always tell something."""
    if not may_say_nothing(name):
        return False
    stem, present = _stem(name), values.dropna()
    if stem.endswith(("_chunks", "_truncated")):
        present = pd.to_numeric(present, errors="coerce")
        return bool((present <= 1).all() if stem.endswith("_chunks") else (present == 0).all())
    return present.empty


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
    """The runs whose columns get the plain names (``sentiment_label``): per task, the
    latest complete run (see :mod:`llmstudio.core.runs`). A trial, an interrupted run, a
    replicate or an older run never takes them."""
    from .runs import plain_runs, run_infos

    return sorted(plain_runs(run_infos(project)))


def describe_run(project: Project, run_id: int) -> str:
    """ "sentiment by lexicon:vader (run 3, interrupted, 69 of 300 rows)": which model made
    a result column, and whether its run is complete."""
    from .runs import run_info, stored_json

    backend, fingerprint = stored_runs.fields(project.db, run_id, "backend", "fingerprint")
    info = run_info(project, run_id)
    fp = stored_json(project, run_id, "model details", fingerprint)
    where = f" at {fp['endpoint']}" if fp.get("endpoint") else ""
    return f"{info.what} by {backend}:{fp.get('model')}{where} ({info.title}, {info.state_text()})"


# "done" and "complete" go without saying.
_SAID = ("running", "cancelled", "failed", "interrupted", "trial")


def code_names(task_params: dict) -> dict[str, str]:
    """A multi-label coding run's code slugs -> the codes' own names (``housing_rent`` ->
    "Housing & rent"): its 0/1 columns are named by slug, a reader wants the names.
    Empty for any other run. ``task_params`` is ``Task.params()`` (also stored per run)."""
    book = task_params.get("codebook") or {}
    if task_params.get("task") != "code" or not book.get("multi_label"):
        return {}
    return {column_slug(code["name"]): code["name"] for code in flat_codes(book)}


@dataclass(frozen=True)
class RunLabel:
    """Which run made a set of result columns, as the status bar and detail pane say it."""

    task: str
    model: str  # short: "lexicon", "gpt-4o-mini"
    run_id: int | None = None  # None until a new job's run is in the project
    status: str = ""  # running, done, cancelled, failed; stored: a runs state
    code_names: tuple[tuple[str, str], ...] = ()  # multi-label: (slug, code name)
    part: str = ""  # rows of a run not complete: "69 of 300 rows"
    name: str = ""  # the researcher's name for the run

    def _run(self) -> str:
        from .runs import run_name

        return run_name(self.run_id, self.name)

    def _state(self) -> str:
        state = f", {self.status}" if self.status in _SAID else ""
        return state + (f", {self.part}" if self.part else "")

    def status_text(self) -> str:
        """ "run 2: sentiment with lexicon" (", interrupted, 69 of 300 rows" when it is
        not complete, ", running" while it runs)."""
        run = f"{self._run()}: " if self.run_id is not None else ""
        return f"{run}{self.task} with {self.model}{self._state()}"

    def heading(self) -> str:
        """ "sentiment (lexicon, run 2)" """
        run = f", {self._run()}" if self.run_id is not None else ""
        return f"{self.task} ({self.model}{run}{self._state()})"

    def with_status(self, status: str, run_id: int | None = None) -> RunLabel:
        return replace(self, status=status, run_id=self.run_id if run_id is None else run_id)


def run_label(project: Project, run_id: int) -> RunLabel:
    """The :class:`RunLabel` of a stored run, with its state (complete, interrupted...)."""
    from .runs import COMPLETE, run_info, run_params, stored_json

    info = run_info(project, run_id)
    params, fingerprint = stored_runs.fields(project.db, run_id, "params", "fingerprint")
    part = ""
    if info.state != COMPLETE:
        part = info.state_text().partition(", ")[2]
    return RunLabel(
        info.task,
        short_model(
            info.backend, stored_json(project, run_id, "model details", fingerprint).get("model")
        ),
        run_id,
        "done" if info.state == COMPLETE else info.state,
        tuple(code_names(run_params(project, run_id, params)).items()),
        part,
        info.name,
    )


def named_results(
    project: Project, corpus_columns, runs=None
) -> list[tuple[int, str, pd.DataFrame]]:
    """Runs' columns under the names the table and the exports give them: (run id, the
    suffix: "" for the plain-named run of its task, else ``_run<N>``, its columns by row
    id). ``runs``: these run ids, in this order (default: the plain-named runs, then every
    other run, oldest first)."""
    from .runs import plain_runs, run_infos, suffix

    plain = plain_runs(run_infos(project))
    if runs is None:
        runs = sorted(plain) + [r for r in stored_runs.ids(project.db) if r not in plain]
    out = []
    for run_id in runs:
        end = suffix(run_id, plain)
        frame = run_results(project, run_id)
        out.append(
            (
                run_id,
                end,
                _renamed(frame.rename(columns=lambda c, end=end: f"{c}{end}"), corpus_columns),
            )
        )
    return out


def run_columns(project: Project, corpus_columns) -> dict[str, object]:
    """Each result column's name (as :func:`named_results` gives them) -> the
    ``runs.RunInfo`` of the run that made it, without reading the results."""
    from .runs import plain_runs, run_infos, suffix

    infos = run_infos(project)
    plain = plain_runs(infos)
    return {
        shown_name(f"{c}{suffix(i.run_id, plain)}", corpus_columns): i
        for i in infos
        for c in i.columns
    }


def latest_results(project: Project, corpus_columns) -> list[tuple[str, RunLabel, pd.DataFrame]]:
    """What the table shows: per task the latest complete run under the plain names, and
    an interrupted or running run newer than it under its ``_run<N>`` names (see
    ``runs.table_runs``), each with its description (a tooltip) and label."""
    from .runs import table_runs

    shown = [info.run_id for info, _ in table_runs(project)]
    return [
        (describe_run(project, run_id), run_label(project, run_id), frame)
        for run_id, _, frame in named_results(project, corpus_columns, shown)
    ]


def with_results(project: Project | None, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every run's results after its own columns (the latest complete run
    of each task under the plain names, the others with ``_run<N>``), then the human
    coders' codes: what an export writes."""
    if project is None:
        return frame
    for _, _, results in named_results(project, frame.columns):
        frame = frame.join(results, how="left")
    human = coder_columns(project)
    return frame.join(_renamed(human, frame.columns), how="left") if len(human.columns) else frame


def run_frame(project: Project, run_id: int, corpus_columns) -> pd.DataFrame:
    """The rows run ``run_id`` holds, in ``run_results``' shape, named apart from the
    corpus's columns as a job's batches are (``batch_frame``)."""
    return _renamed(run_results(project, run_id), corpus_columns)


def batch_frame(
    task: Task, batch: list[tuple[int, dict | RowError]], corpus_columns
) -> pd.DataFrame:
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


def has_runs(project: Project) -> bool:
    """Whether the project holds any run (results to show)."""
    return stored_runs.any_run(project.db)


def answered_count(project: Project, run_id: int) -> int:
    """How many rows run ``run_id`` has an answer for (errors not counted)."""
    return stored_annotations.count_answered(project.db, run_id)

"""The sample project: the bundled sample corpus with something on every screen.

A first-time user opens it from the start page (``llmstudio demo`` builds the same one):
300 synthetic survey answers, 40 of them already coded against a small sentiment
codebook, and the builtin sentiment model's run over all of them, so that the coder
columns, Validate, the charts and the exports have something to show.

The 40 codes are **not a coder's judgement**: they are the sentiment each answer was
written to carry (the authors' note in ``scripts/make_sample_corpus.py``, written out for
a fixed random sample of rows by ``scripts/make_sample_codes.py``). They are stored under
the coder :data:`SAMPLE_CODER`, each with the memo :data:`SAMPLE_MEMO`, and the project's
history says so, so no one takes them for a person's coding.

The project is made once, in the user's data folder (``paths.data_dir()``), never inside
the package (which may be read-only). The model run takes seconds to tens of seconds on a
laptop; the window starts it in the background after showing the project
(:func:`needs_model_run`), the demo runs it at once (:func:`run_sample_model`).
"""

from __future__ import annotations

import csv
from pathlib import Path

from .codebook import Code, Codebook
from .corpus import read_table
from .errors import ProjectError, ProjectExists
from .human_codes import record
from .paths import data_dir, sample_codes, sample_corpus
from .progress import Monitor
from .project import SUFFIX, Project
from .runs import COMPLETE, run_infos
from .store import history, transaction
from .tasks.build import TaskOptions, make_task

__all__ = [
    "SAMPLE_CODEBOOK",
    "SAMPLE_CODER",
    "SAMPLE_MEMO",
    "SAMPLE_MODEL",
    "SAMPLE_TASK",
    "add_sample_codes",
    "create_sample_project",
    "is_sample",
    "needs_model_run",
    "open_sample_project",
    "run_sample_model",
    "sample_project_path",
]

SAMPLE_CODER = "sample (author's intent)"
SAMPLE_MEMO = (
    "Sample code: the sentiment this answer was written to carry (the sample's own note), "
    "not a coder's judgement."
)
SAMPLE_CODEBOOK = Codebook(
    name="Sentiment",
    codes=(
        Code("positive", "The answer is mainly pleased, hopeful or approving."),
        Code("negative", "The answer is mainly angry, worried or disapproving."),
        Code("neutral", "The answer names an issue without a feeling either way."),
        Code("mixed", "The answer is clearly positive about one thing and negative about another."),
    ),
)
# The model run: the builtin sentiment model, with the VADER lexicon's label beside it.
# The window's job and the demo ask the same task, so a reopened sample resumes its run.
SAMPLE_MODEL = "builtin"
SAMPLE_TASK = TaskOptions(task="sentiment", baseline=True)
_HISTORY_ACTION = "sample"


def sample_project_path() -> Path:
    """Where the user's sample project lives: ``sample.llmstudio`` in the data folder."""
    return data_dir() / f"sample{SUFFIX}"


def _sample_rows(project: Project) -> list[tuple[int, str]]:
    """(row id, code) of each pre-filled code, matched to the corpus by ``response_id``."""
    ids = {str(v): i for i, v in enumerate(project.corpus().frame["response_id"])}
    with sample_codes().open(encoding="utf-8", newline="") as fh:
        pairs = [(row["response_id"], row["sentiment"]) for row in csv.DictReader(fh)]
    missing = [rid for rid, _code in pairs if rid not in ids]
    if missing:
        raise ProjectError(
            f"{sample_codes()}: response_id {missing[0]} is not in the sample corpus; "
            "reinstall llmstudio"
        )
    return [(ids[rid], code) for rid, code in pairs]


def add_sample_codes(project: Project) -> int:
    """Store the codebook and the pre-filled codes under :data:`SAMPLE_CODER`, each with
    :data:`SAMPLE_MEMO`, and a history line saying what they are; the number of rows coded."""
    project.save_codebook(SAMPLE_CODEBOOK)
    rows = _sample_rows(project)
    for row_id, code in rows:
        record(project, SAMPLE_CODEBOOK, SAMPLE_CODER, row_id, [code], SAMPLE_MEMO)
    with transaction(project.db):
        history.add(
            project.db,
            _HISTORY_ACTION,
            f"{len(rows)} rows pre-coded as {SAMPLE_CODER!r} from the sample corpus's own "
            "notes (the sentiment each answer was written to carry); not a coder's judgement",
        )
    return len(rows)


def is_sample(project: Project) -> bool:
    """Whether ``project`` is a sample project (its history says so)."""
    return any(action == _HISTORY_ACTION for _time, action, _detail in project.history())


def needs_model_run(project: Project) -> bool:
    """Whether the sample's sentiment run is still to be made (or to be finished)."""
    return not any(
        info.task == "sentiment" and info.state == COMPLETE for info in run_infos(project)
    )


def run_sample_model(project: Project, *, monitor: Monitor | None = None):
    """Run the builtin sentiment model over every row (:data:`SAMPLE_TASK`); its JobResult."""
    from .backends import make_backend
    from .runner import run_job

    backend = make_backend(SAMPLE_MODEL)
    try:
        return run_job(project, make_task(SAMPLE_TASK), backend, monitor=monitor)
    finally:
        backend.close()


def create_sample_project(
    path: str | Path, *, run_model: bool = True, monitor: Monitor | None = None
) -> Project:
    """A new sample project at ``path`` (replacing none: ProjectExists if one appeared
    meanwhile): the corpus, the pre-filled codes and, with ``run_model``, the model run."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(
            f"{path.parent}: cannot create the folder for the sample project ({exc.strerror})"
        ) from None
    project = Project.create(path, read_table(sample_corpus()), replace=False)
    try:
        add_sample_codes(project)
    except BaseException:
        # Half a sample would be opened as it is next time: it goes (it is ours, just made).
        project.close()
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    if run_model:
        try:
            run_sample_model(project, monitor=monitor)
        except BaseException:
            project.close()  # the codes stay; the window resumes the run when it opens it
            raise
    return project


def open_sample_project(path: str | Path | None = None) -> tuple[Project, bool]:
    """The user's sample project, made (without its model run) the first time; with
    whether it was made now. A project found there is opened as it is: the user's coding
    in it is never replaced."""
    path = Path(path) if path is not None else sample_project_path()
    if not path.exists():
        try:
            return create_sample_project(path, run_model=False), True
        except ProjectExists:  # another window made it first: use that one
            pass
    return Project.open(path), False

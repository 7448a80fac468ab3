"""Checking a model run against a coder: the window's "Check this run" path, Qt-free.

After a run of a few hundred rows, a researcher should code a random sample blind and
look at the agreement before using the labels. This module decides which runs to offer
it for (:func:`worth_checking`), which codebook the coder codes with
(:func:`codebook_for_run`: the run's own, or for a sentiment run a codebook of its
labels, made when the project has none), and what a sample of N rows can tell
(:func:`expected_width`).
"""

from __future__ import annotations

from .codebook import Code, Codebook
from .errors import ProjectError
from .project import Project
from .runs import run_params
from .stats.intervals import wilson_width
from .store import annotations as stored_annotations
from .store import runs as stored_runs
from .validation import sources

__all__ = [
    "DEFAULT_N",
    "EXPECTED_AGREEMENT",
    "MIN_ROWS",
    "codebook_for_run",
    "expected_width",
    "observed_agreement",
    "width_text",
    "worth_checking",
]

MIN_ROWS = 200  # runs of fewer rows can be read whole
DEFAULT_N = 100
EXPECTED_AGREEMENT = 0.8  # what a usable model often reaches; used before any code exists
CHECKABLE = ("sentiment", "code")  # tasks whose labels a coder can give by hand


def worth_checking(project: Project, run_id: int) -> bool:
    """Whether to offer "Check this run": a finished sentiment or coding run that answered
    at least :data:`MIN_ROWS` rows."""
    row = stored_runs.fields(project.db, run_id, "task", "status")
    if row is None or row[0] not in CHECKABLE or row[1] != "done":
        return False
    answered = stored_annotations.count_answered(project.db, run_id)
    return answered >= MIN_ROWS


def _compatible(project: Project, book: Codebook, run_id: int) -> bool:
    return any(s.run_id == run_id for s in sources(project, book) if s.kind == "run")


def codebook_for_run(project: Project, run_id: int, save: bool = True) -> Codebook:
    """The codebook to check run ``run_id`` with: a coding run's own codebook (saved in the
    project when it is not there, e.g. a run made from the CLI); for a sentiment run the
    project's codebook that the run can be compared with, else a new codebook of the
    run's labels, named "Sentiment". ``save=False``: a new codebook is only made, not yet
    saved (a dialog that may be cancelled). ProjectError for other tasks."""
    row = stored_runs.fields(project.db, run_id, "task", "params")
    if row is None:
        raise ProjectError(f"{project.path}: no run {run_id}")
    task, params = row[0], run_params(project, run_id, row[1])
    if task not in CHECKABLE:
        raise ProjectError(
            f"run {run_id} is a {task} run: only sentiment and codebook runs "
            "give labels a coder can give by hand"
        )
    if task == "code":
        own = Codebook.from_dict(params.get("codebook") or {}, f"run {run_id}'s codebook")
        if own.name in project.codebooks():
            stored = project.codebook(own.name)
            if _compatible(project, stored, run_id):
                return stored
            own = Codebook(
                own.codes, f"{own.name} (run {run_id})", own.multi_label, own.none_option
            )
        if save:
            project.save_codebook(own)
        return own
    for name in project.codebooks():
        book = project.codebook(name)
        if _compatible(project, book, run_id):
            return book
    labels = [str(label) for label in params.get("labels") or ()]
    if not labels:
        raise ProjectError(f"run {run_id} stores no labels to code with")
    name = "Sentiment"
    while name in project.codebooks():
        name = f"Sentiment (run {run_id})" if name == "Sentiment" else name + "'"
    book = Codebook(tuple(Code(label) for label in labels), name=name)
    if save:
        project.save_codebook(book)
    return book


def observed_agreement(
    project: Project, book: Codebook, run_id: int, least: int = 10
) -> float | None:
    """The share of rows where run ``run_id`` and the coders of ``book`` agree so far (all
    coders pooled; a first guess for the sample size, not a result), or None below
    ``least`` rows coded by both."""
    from . import human_codes
    from .results import run_codes

    if book.name not in project.codebooks():
        return None
    model = run_codes(project, run_id, book)
    pairs = [
        set(c.codes) == set(model[c.row_id])
        for c in human_codes.current(project, book.name)
        if c.coded and c.row_id in model
    ]
    return sum(pairs) / len(pairs) if len(pairs) >= least else None


def expected_width(n: int, p: float = EXPECTED_AGREEMENT) -> float:
    """The width of the 95% interval of an agreement near ``p`` measured on ``n`` rows
    (Wilson score interval)."""
    return wilson_width(p, n)


def width_text(n: int, p: float = EXPECTED_AGREEMENT, observed: bool = False) -> str:
    """What a sample of ``n`` can tell, in words."""
    width = expected_width(n, p)
    basis = (
        "the agreement seen so far"
        if observed
        else "typical of a usable model; nothing is coded yet"
    )
    return (
        f"With {n:,} rows, the 95% interval of the share of rows where the model "
        f"agrees with you will be about {width:.2f} wide (±{width / 2 * 100:.0f} "
        f"points) if agreement is near {p:.0%} ({basis}; Wilson score interval)."
    )

"""Blind coding in agreement reports: how many of the human codes compared were made blind.

A coder codes *blind* when the coding panel shows no model answer, no other coder's codes
and no result columns (the panel's Blind switch); every click stores the mode
(``human_codes.blind``: 1 blind, 0 not blind, NULL for clicks made before llmstudio
recorded it). A code seen next to the model's answer can lean toward it, which makes a
model look better than it is: the Validate view, ``llmstudio agree`` and the methods record
count the codes of each kind with :func:`blind_counts` and warn with :func:`blind_warning`.

Which kind a coder's code of a row is, from every click of that coder on that row in that
codebook (undo, redo and memos are clicks too), so that looking at the model once is never
washed out by a later blind click:

* **not blind**: any click was made with blind coding off;
* **not recorded**: otherwise, any click has no mode stored (made by an older version);
* **blind**: every click was made blind.

A code whose clicks all came before the project's first model run could not have been
swayed by a model answer whatever the switch said: :attr:`BlindCounts.before_models`
counts those among the not blind and not recorded ones, and they raise no warning.
Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from .project import Project
from .store import history
from .store import human_codes as stored_codes
from .store import runs as stored_runs

__all__ = [
    "BlindCounts",
    "blind_counts",
    "blind_note",
    "blind_of_columns",
    "blind_warning",
    "first_model_run",
]


@dataclass(frozen=True)
class BlindCounts:
    """One coder's codes among those compared, by the mode they were made in."""

    coder: str
    blind: int = 0
    not_blind: int = 0
    not_recorded: int = 0
    # of the not blind / not recorded ones: every click made before any model run
    not_blind_early: int = 0
    not_recorded_early: int = 0

    @property
    def total(self) -> int:
        return self.blind + self.not_blind + self.not_recorded

    @property
    def before_models(self) -> int:
        return self.not_blind_early + self.not_recorded_early

    @property
    def seen(self) -> int:
        """Codes made with blind coding off while a model run existed."""
        return self.not_blind - self.not_blind_early

    @property
    def unknown(self) -> int:
        """Codes of unrecorded mode made while a model run existed."""
        return self.not_recorded - self.not_recorded_early

    def describe(self) -> str:
        """ "ana: 80 blind, 20 not blind, 0 not recorded" (with the early ones, if any)."""
        text = (
            f"{self.coder}: {self.blind:,} blind, {self.not_blind:,} not blind, "
            f"{self.not_recorded:,} not recorded"
        )
        if self.before_models:
            text += f" ({self.before_models:,} of these made before any model run)"
        return text

    def to_dict(self) -> dict:
        return {**asdict(self), "total": self.total}


def blind_counts(
    project: Project, codebook: str, coder: str, row_ids: Iterable[int]
) -> BlindCounts:
    """How ``coder``'s codes of ``row_ids`` in ``codebook`` were made (see the module
    docstring); rows the coder never clicked are not counted."""
    wanted = {int(r) for r in row_ids}
    first_run = first_model_run(project)
    # Per row: any click not blind, any click unrecorded, the last click's time.
    rows = stored_codes.blindness_by_row(project.db, codebook, coder)
    n = {
        "blind": 0,
        "not_blind": 0,
        "not_recorded": 0,
        "not_blind_early": 0,
        "not_recorded_early": 0,
    }
    for row_id, any_seen, any_unknown, last in rows:
        if row_id not in wanted:
            continue
        kind = "not_blind" if any_seen else "not_recorded" if any_unknown else "blind"
        n[kind] += 1
        # ISO times in UTC: their text order is their time order
        if kind != "blind" and (first_run is None or last < first_run):
            n[kind + "_early"] += 1
    return BlindCounts(coder, **n)


def first_model_run(project: Project) -> str | None:
    """When the project's first model run was made (ISO time, UTC), or None: from the
    runs and from the history log, which keeps a run's start after the run is deleted
    (codes seen beside a deleted run's answers were not made before any model run)."""
    times = [
        stored_runs.first_created(project.db),
        history.first_at(project.db, "run"),
    ]
    times = [t for t in times if t]
    return min(times) if times else None


def blind_warning(counts: Iterable[BlindCounts], model: str) -> str | None:
    """The plain warning for a comparison of human codes with ``model`` (a run's title)
    when some of those codes may have been made with a model's answer in view; None
    when every code compared was made blind or before any model run."""
    parts = []
    for c in counts:
        if c.seen:
            parts.append(
                f"{c.seen:,} of {c.coder}'s {c.total:,} codes compared were made with "
                "blind coding off, with the model's answers in view"
            )
        if c.unknown:
            parts.append(
                f"for {c.unknown:,} of {c.coder}'s codes it was not recorded whether "
                "the model's answers were in view (coded before llmstudio kept it)"
            )
    if not parts:
        return None
    return (
        "Warning: " + "; ".join(parts) + f". Agreement with {model} may be inflated: a "
        "coder who sees the model's answer can lean toward it. Code a sample blind "
        "(Code by Hand › Blind) before publishing this figure."
    )


def blind_note(counts: Iterable[BlindCounts]) -> str:
    """ "Human codes compared: ana: 80 blind, 20 not blind, 0 not recorded" ("" if none)."""
    parts = [c.describe() for c in counts if c.total]
    return "Human codes compared: " + "; ".join(parts) if parts else ""


def blind_of_columns(
    project: Project, frame, columns: list[str], corpus_columns
) -> tuple[list[BlindCounts], str | None]:
    """``llmstudio agree`` on a project: the blind counts of the coder columns among
    ``columns`` (``human_<codebook>_<coder>``, as :func:`human_codes.coder_column_names`
    names them) on the rows compared (coded in that column and at least one other), and
    the warning when a model's column (a result column: neither the corpus's nor a
    coder's) is among them."""
    from .human_codes import coder_column_names
    from .stats import normalize_code

    by_name = {name: key for key, name in coder_column_names(project).items()}
    import numpy as np

    coded = {
        c: np.array([normalize_code(v) is not None for v in frame[c]], dtype=bool) for c in columns
    }
    together = np.sum(list(coded.values()), axis=0)
    counts = []
    for c in columns:
        if c in by_name:
            book, coder = by_name[c]
            rows = frame.index[coded[c] & (together >= 2)]
            counts.append(blind_counts(project, book, coder, rows))
    corpus = {str(c) for c in corpus_columns}
    models = [c for c in columns if c not in by_name and c not in corpus]
    warning = blind_warning(counts, " and ".join(repr(m) for m in models)) if models else None
    return counts, warning

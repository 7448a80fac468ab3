"""Which rows to code by hand: a stored sample, and the coding panel's filters.

Qt-free. A sample is drawn once per codebook and kept in the project (the ``meta`` table,
key ``sample:<codebook>``, JSON), so every coder of the project codes the same rows, in the
same order, and the sample can be cited ("random sample of 200 rows, seed 1"). Rows are
row ids (0-based positions in the file), as in :mod:`llmstudio.core.human_codes`.

The filters (:func:`select_rows`) read the coder's latest clicks and, for "model and humans
disagree", the latest coding run of the codebook (:func:`model_codes`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import human_codes, passages
from .codebook import Codebook
from .errors import ProjectError
from .project import Project
from .store import history, meta, transaction
from .store import runs as stored_runs

__all__ = [
    "FILTERS",
    "MAX_GROUPS",
    "ModelCodes",
    "Sample",
    "clear_sample",
    "default_group_column",
    "group_counts",
    "group_keys",
    "load_sample",
    "model_codes",
    "random_sample",
    "sample_key",
    "save_sample",
    "select_rows",
    "stratified_sample",
]

FILTERS = ("all", "uncoded", "coded", "disagree", "suggested")  # select_rows' ``which``


@dataclass(frozen=True)
class Sample:
    """Rows drawn for coding: ``kind`` "random" (``n`` rows) or "stratified" (``n`` per
    group of ``column``), with the ``seed`` that draws them again; ``rows`` in coding order."""

    kind: str
    n: int
    seed: int
    rows: tuple[int, ...]
    column: str | None = None
    groups: dict = field(default_factory=dict, compare=False)  # stratified: group -> rows
    # Why it was drawn: "" (to code), or "check run N" (a validation sample: coded blind
    # by default, see gui/review/check_run.py)
    purpose: str = ""

    def describe(self) -> str:
        """ "sample of 200 (seed 1)", "stratified by party: 20 per group, 6 groups, 120 rows
        (seed 1)" """
        if self.kind == "stratified":
            return (
                f"stratified by {self.column}: {self.n} per group, {len(self.groups)} "
                f"groups, {len(self.rows):,} rows (seed {self.seed})"
            )
        why = f", to {self.purpose}" if self.purpose else ""
        return f"sample of {len(self.rows):,} (seed {self.seed}{why})"

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "n": self.n,
                "seed": self.seed,
                "column": self.column,
                "rows": list(self.rows),
                "groups": self.groups,
                "purpose": self.purpose,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Sample:
        d = json.loads(text)
        return cls(
            d["kind"],
            int(d["n"]),
            int(d["seed"]),
            tuple(int(r) for r in d["rows"]),
            d.get("column"),
            dict(d.get("groups") or {}),
            str(d.get("purpose") or ""),
        )


def random_sample(rows: int, n: int, seed: int = 1) -> Sample:
    """``n`` of ``rows`` row ids drawn without replacement (all of them when ``n`` is larger),
    in a random order: coding in file order would put all of one day or wave first."""
    if n < 1:
        raise ProjectError("a sample needs at least one row")
    rng = np.random.default_rng(seed)
    drawn = rng.permutation(rows)[: min(n, rows)]
    return Sample("random", int(n), int(seed), tuple(int(r) for r in drawn))


def stratified_sample(
    values: Sequence | pd.Series, n: int, seed: int = 1, column: str = ""
) -> Sample:
    """``n`` rows from each group of ``values`` (a column, one value per row id; missing
    values form the group "(missing)"), every group's whole when smaller; the rows of all
    groups are shuffled together so that a coder does not code one group after another."""
    if n < 1:
        raise ProjectError("a stratified sample needs at least one row per group")
    keys = group_keys(values)
    rng = np.random.default_rng(seed)
    groups: dict[str, list[int]] = {}
    for key in sorted(keys.unique()):  # sorted: the same draw whatever the file's order
        ids = np.flatnonzero((keys == key).to_numpy())
        groups[key] = sorted(int(r) for r in rng.permutation(ids)[: min(n, len(ids))])
    rows = [r for ids in groups.values() for r in ids]
    order = rng.permutation(len(rows))
    return Sample("stratified", int(n), int(seed), tuple(rows[i] for i in order), column, groups)


def group_keys(values: Sequence | pd.Series) -> pd.Series:
    """Each row's group as a stratified sample forms it: the value as text, missing and
    blank values together as "(missing)"."""
    series = pd.Series(values).reset_index(drop=True).astype("object")
    keys = series.where(series.notna() & (series.astype(str).str.strip() != ""), "(missing)")
    return keys.astype(str)


MAX_GROUPS = 50  # more groups than this is an identifier or a free text, not a category


def group_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many groups each column of ``frame`` would make (:func:`group_keys`)."""
    return {str(c): int(group_keys(frame[c]).nunique()) for c in frame.columns}


def default_group_column(
    frame: pd.DataFrame, text_column: str | None = None, counts: dict[str, int] | None = None
) -> str | None:
    """The column a stratified sample most likely means: a category with 2 to
    ``MAX_GROUPS`` groups that is not unique per row (an id) and not the texts; a column of
    words (party, region) before one of numbers (wave); None when no column fits."""
    counts = counts if counts is not None else group_counts(frame)
    fits = [
        str(c)
        for c in frame.columns
        if str(c) != text_column
        and 2 <= counts[str(c)] <= MAX_GROUPS
        and counts[str(c)] < len(frame)
    ]
    words = [c for c in fits if not _numbers(frame[c])]
    return (words or fits or [None])[0]


def _numbers(column: pd.Series) -> bool:
    """True when (nearly) every value is a number (files are read as text: "3" too; a
    malformed line may shift a word into a column of numbers)."""
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_datetime64_any_dtype(
        column.dtype
    ):
        return True
    values = column.dropna()
    return bool(len(values)) and pd.to_numeric(values, errors="coerce").notna().mean() >= 0.9


def sample_key(codebook: str) -> str:
    return f"sample:{codebook}"


def save_sample(project: Project, codebook: str, sample: Sample | None) -> None:
    """Keep ``sample`` as the rows to code in ``codebook`` (None: no sample, code any row),
    in one transaction, noted in the project's history."""
    db = project.db
    with transaction(db):
        if sample is None:
            meta.delete(db, sample_key(codebook))
            history.add(db, "sample", f"{codebook}: no sample")
        else:
            meta.put(db, sample_key(codebook), sample.to_json())
            history.add(db, "sample", f"{codebook}: {sample.describe()}")


def load_sample(project: Project, codebook: str) -> Sample | None:
    """The stored sample of ``codebook``, or None."""
    text = project.meta(sample_key(codebook))
    return Sample.from_json(text) if text else None


def clear_sample(project: Project, codebook: str) -> None:
    save_sample(project, codebook, None)


@dataclass(frozen=True)
class ModelCodes:
    """A coding run's codes per row id (tuples of code names, as a coder's are)."""

    run_id: int
    title: str
    codes: dict[int, tuple[str, ...]]


def model_codes(project: Project, book: Codebook) -> ModelCodes | None:
    """The codes of the latest complete coding run made with a codebook of this name and
    kind (else its newest run), or
    None when there is none. Single-label: ``code_label``; multi-label: the codes whose
    ``code_<slug>`` column is 1 ("none" when no code applies)."""
    from .results import run_codes  # heavy import (the runner), only when asked
    from .runs import COMPLETE, run_infos, run_params

    # The latest complete run of this codebook (the one with the plain column names),
    # else its newest run of any state: never a partial run when a complete one exists.
    complete = {i.run_id for i in run_infos(project) if i.state == COMPLETE}
    found = None
    for run_id, params in stored_runs.params_of_tasks(project.db, ("code",)):
        cb = run_params(project, run_id, params).get("codebook") or {}
        if cb.get("name") == book.name and bool(cb.get("multi_label")) == book.multi_label:
            found = run_id if found is None else found
            if run_id in complete:
                found = run_id
                break
    if found is None:
        return None
    out = run_codes(project, found, book)
    return ModelCodes(found, f"run {found}", out)


def select_rows(
    project: Project,
    book: Codebook,
    coder: str,
    which: str = "all",
    *,
    rows: int | None = None,
    sample: Sample | None = None,
    model: ModelCodes | None = None,
    order: Sequence[int] | None = None,
) -> list[int]:
    """The rows to code, in coding order: the sample's rows (or every row), kept to
    ``which``: "all", "uncoded" (neither a row code nor a passage by ``coder``), "coded"
    (a row code or a passage by ``coder``), "disagree" (the model's row codes differ
    from ``coder``'s; needs ``model``), "suggested" (uncoded, in ``order``: Learn from my
    codes' most useful first)."""
    if which not in FILTERS:
        raise ValueError(f"which must be one of {FILTERS}, not {which!r}")
    total = int(project.meta("rows", "0") or 0) if rows is None else rows
    base = list(sample.rows) if sample is not None else list(range(total))
    if which == "all":
        return base
    mine = (
        {c.row_id: c.codes for c in human_codes.current(project, book.name, coder) if c.coded}
        if coder.strip()
        else {}
    )
    # a row the coder marked passages on is coded, though it has no row code
    marked = passages.by_row(project, book.name, coder) if coder.strip() else {}
    if which == "uncoded":
        return [r for r in base if r not in mine and r not in marked]
    if which == "suggested":
        allowed = set(base)
        return [int(r) for r in (order or ()) if r in allowed and r not in mine and r not in marked]
    if which == "coded":
        return [r for r in base if r in mine or r in marked]
    if model is None:
        return []
    return [
        r for r in base if r in mine and r in model.codes and set(model.codes[r]) != set(mine[r])
    ]

"""Validation: a coder's codes against another coder's or a model run's, on the rows both
coded, with the agreement statistics of :mod:`llmstudio.core.stats`.

Qt-free: the validation view lists :func:`sources`, and :func:`compare` gives the
statistics and the aligned codes (row id, reference, comparison) so that a confusion
matrix cell can open its rows.

Which runs can be compared with a codebook: runs of the coding task with a codebook of the
same kind (single- or multi-label) whose labels cover at least half of this codebook's
codes, and sentiment runs likewise (a researcher who hand-codes sentiment with a codebook
"positive / negative / neutral" validates a sentiment run against it). Labels are matched
to the codebook's codes ignoring case, so a model's "Positive" meets a coder's "positive".
Multi-label codebooks are compared one code at a time ("applies" / "does not apply").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import human_codes
from .blind import BlindCounts, blind_counts, blind_warning
from .codebook import Codebook
from .progress import Monitor
from .project import Project
from .results import run_codes
from .runs import run_infos, run_params
from .stats import Agreement, agreement
from .store import runs as stored_runs

__all__ = [
    "ALL_CODERS",
    "APPLIES",
    "DOES_NOT_APPLY",
    "Source",
    "blind_of",
    "codes_of",
    "compare",
    "compared_sources",
    "report",
    "sources",
]

APPLIES, DOES_NOT_APPLY = "applies", "does not apply"


@dataclass(frozen=True)
class Source:
    """Where codes come from: a human ``coder`` (``key`` = the name), a model ``run``
    (``key`` = the run id), or ``coders``: every coder of the codebook together."""

    kind: str
    key: str
    title: str

    @property
    def run_id(self) -> int | None:
        return int(self.key) if self.kind == "run" else None


ALL_CODERS = "all coders"


def sources(project: Project, book: Codebook) -> list[Source]:
    """The coders of ``book`` (alphabetical), then, with three or more coders, all of them
    together (Krippendorff's alpha and Fleiss' kappa over every coder), then the model
    runs it can be compared with (newest first)."""
    coders = human_codes.coders(project, book.name)
    out = [Source("coder", c, f"{c} (coder)") for c in coders]
    if len(coders) >= 3:
        out.append(Source("coders", ALL_CODERS, f"all {len(coders)} coders together"))
    codes = {c.lower() for c in book.names}
    # The state as the runs list says it ("interrupted, 69 of 300 rows"), name included.
    states = {i.run_id: i for i in run_infos(project)}
    for run_id, params in stored_runs.params_of_tasks(project.db, ("code", "sentiment")):
        p = run_params(project, run_id, params)
        multi = bool((p.get("codebook") or {}).get("multi_label"))
        if multi != book.multi_label:
            continue
        labels = p.get("labels") or [
            c.get("name") for c in (p.get("codebook") or {}).get("codes", [])
        ]
        shared = codes & {str(label).lower() for label in labels}
        if len(shared) * 2 >= len(codes) and shared:
            title = f"{states[run_id].label()} ({states[run_id].state_text()})"
            out.append(Source("run", str(run_id), title))
    return out


def _rows(project: Project) -> int:
    return int(project.meta("rows", "0") or 0)


def codes_of(
    project: Project, book: Codebook, source: Source, code: str | None = None
) -> pd.Series:
    """The source's code per row id over the whole corpus (None where it has none).
    ``code`` (multi-label codebooks): "applies" / "does not apply" for that one code."""
    rows = _rows(project)
    values: dict[int, str] = {}
    if book.multi_label and code is None:
        raise ValueError("a multi-label codebook is compared one code at a time: give code")
    if source.kind == "coder":
        for c in human_codes.current(project, book.name, source.key):
            if not c.coded:
                continue
            values[c.row_id] = (
                (APPLIES if code in c.codes else DOES_NOT_APPLY) if book.multi_label else c.codes[0]
            )
    else:
        for row_id, codes in run_codes(project, source.run_id, book).items():
            values[row_id] = (
                (APPLIES if code in codes else DOES_NOT_APPLY) if book.multi_label else codes[0]
            )
    return pd.Series(values, dtype=object).reindex(range(rows))


def compare(
    project: Project,
    book: Codebook,
    reference: Source,
    comparison: Source,
    *,
    code: str | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    monitor: Monitor | None = None,
) -> tuple[Agreement, pd.DataFrame]:
    """Agreement of ``comparison`` with ``reference`` (the first is the reference for
    accuracy, precision/recall and the confusion matrix), and the rows both coded as a
    frame (index row id; columns ``reference``, ``comparison``). With "all coders" as
    either: the agreement among every coder (alpha, Fleiss' kappa, pairwise kappas)."""
    result, both, _ = _compare(
        project,
        book,
        reference,
        comparison,
        code=code,
        n_resamples=n_resamples,
        seed=seed,
        monitor=monitor,
    )
    return result, both


def _compare(project, book, reference, comparison, *, code, n_resamples, seed, monitor):
    group = compared_sources(project, book, reference, comparison)
    columns = [codes_of(project, book, s, code) for s in group]
    both = pd.DataFrame({"reference": columns[0], "comparison": columns[1]}).dropna()
    order = [APPLIES, DOES_NOT_APPLY] if book.multi_label else list(book.labels())
    seen = set().union(*(set(c.dropna()) for c in columns))
    labels = [c for c in order if c in seen] + sorted(seen - set(order))
    result = agreement(
        [c.tolist() for c in columns],
        [s.title for s in group],
        labels=labels,
        n_resamples=n_resamples,
        seed=seed,
        monitor=monitor,
    )
    return result, both, columns


def report(
    project: Project,
    book: Codebook,
    reference: Source,
    comparison: Source,
    *,
    code: str | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    monitor: Monitor | None = None,
):
    """:func:`compare` as a :class:`~.validation_report.ValidationReport` (what the Validate
    view shows and exports: reasons for undefined values, the blind counts of the human
    codes compared and the warning) with the rows both coded."""
    from .validation_report import build_report

    result, both, columns = _compare(
        project,
        book,
        reference,
        comparison,
        code=code,
        n_resamples=n_resamples,
        seed=seed,
        monitor=monitor,
    )
    group = compared_sources(project, book, reference, comparison)
    coded = pd.concat([c.notna() for c in columns], axis=1).sum(axis=1)
    counts, warning = blind_of(project, book, group, coded.index[coded >= 2])
    titles = (
        (reference.title, comparison.title)
        if len(group) == 2
        else (f"all {len(group)} coders", f"all {len(group)} coders")
    )
    return (
        build_report(result, book.name, *titles, code=code or "", blind=counts, warning=warning),
        result,
        both,
    )


def compared_sources(
    project: Project, book: Codebook, reference: Source, comparison: Source
) -> list[Source]:
    """The sources whose codes a comparison reads: the two given, or with "all coders"
    every coder of the codebook."""
    if ALL_CODERS in (reference.key, comparison.key):  # every coder: no reference
        return [Source("coder", c, c) for c in human_codes.coders(project, book.name)]
    return [reference, comparison]


def blind_of(
    project: Project, book: Codebook, group: list[Source], row_ids
) -> tuple[list[BlindCounts], str | None]:
    """How the human codes of ``group`` on ``row_ids`` (the rows compared) were made, per
    coder, and the warning when a model run in ``group`` is compared with codes that may
    have been made with a model's answers in view (:mod:`.blind`)."""
    rows = [int(r) for r in row_ids]
    counts = [blind_counts(project, book.name, s.key, rows) for s in group if s.kind == "coder"]
    model = next((s for s in group if s.kind == "run"), None)
    return counts, (blind_warning(counts, model.title) if model is not None else None)

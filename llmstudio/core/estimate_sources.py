"""Where a corrected estimate's two columns and its sample come from (Qt-free): a table
whose gold column is filled on the validation sample only, or a project's model run and
a coder's codes in the run's codebook, with the sample the sample dialog or "Check this
run" stored. Each says whether its sample was drawn at random (:class:`SampleOrigin`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import UsageError
from .estimates import SampleOrigin
from .project import Project
from .wording import counted

__all__ = [
    "GOLD",
    "MODEL",
    "TABLE_NOT_SHOWN",
    "RunValidation",
    "project_columns",
    "run_validation",
    "table_origin",
]

MODEL, GOLD = "model label", "person's code"
TABLE_NOT_SHOWN = (
    "a table cannot show how the rows with a person's code were chosen; if they were drawn "
    "at random from all rows, say so with --sample-is-random"
)


def table_origin(said_random: bool, gold_column: str) -> SampleOrigin:
    """A table's sample: random only when the researcher says so (nothing in a table
    records how its coded rows were chosen)."""
    if said_random:
        return SampleOrigin(
            True,
            f"the rows with a code in {gold_column!r}, a random sample as the researcher states",
        )
    return SampleOrigin(False, f"the rows with a code in {gold_column!r}", TABLE_NOT_SHOWN)


def _sample_origin(project: Project, book_name: str, coded: set[int]) -> SampleOrigin:
    from .sampling import load_sample

    sample = load_sample(project, book_name)
    if sample is None:
        return SampleOrigin(
            False,
            "rows coded without a drawn sample",
            f"no sample was drawn in codebook {book_name!r}: the coder chose which rows to "
            "code (e.g. in file order), so the coded rows need not be like the others. Draw "
            "a random sample (Sample... or Check this run) and code it",
        )
    if sample.kind != "random":
        return SampleOrigin(
            False,
            sample.describe(),
            f"the sample of codebook {book_name!r} is {sample.describe()}: rows of small "
            "groups are drawn more often than others, and no weights are kept. Draw a "
            "simple random sample",
        )
    outside = coded - set(sample.rows)
    if outside:
        return SampleOrigin(
            False,
            sample.describe(),
            f"{counted(len(outside), 'coded row')} outside the random sample of codebook "
            f"{book_name!r} ({sample.describe()}); the coder chose them, not chance",
        )
    return SampleOrigin(True, f"random {sample.describe()}")


def project_columns(
    project: Project, run_id: int, coder: str
) -> tuple[pd.DataFrame, SampleOrigin, str]:
    """The corpus with run ``run_id``'s label (column :data:`MODEL`) and ``coder``'s code in
    the run's codebook (:data:`GOLD`), the sample's origin, and the codebook's name.
    UsageError naming the run or coder that does not exist."""
    from .check_run import codebook_for_run
    from .errors import ProjectError
    from .human_codes import code_table, coders
    from .results import run_codes
    from .runs import run_infos

    known = [i.run_id for i in run_infos(project)]
    if run_id not in known:
        raise UsageError(
            f"{project.path}: no run {run_id} (its runs: {', '.join(map(str, known)) or 'none'})"
        )
    try:
        book = codebook_for_run(project, run_id, save=False)
    except ProjectError as exc:
        raise UsageError(f"run {run_id} has no labels to estimate shares of: {exc}") from None
    if book.multi_label:
        raise UsageError(
            f"run {run_id} codes several codes per row (codebook {book.name!r}); corrected "
            "shares are for one label per row"
        )
    who = coders(project, book.name)
    if coder not in who:
        raise UsageError(
            f"no coder {coder!r} in codebook {book.name!r} (its coders: "
            f"{', '.join(who) or 'none yet'})"
        )
    frame = project.corpus().frame.copy()
    codes = run_codes(project, run_id, book)
    frame[MODEL] = pd.Series({r: c[0] if c else None for r, c in codes.items()}, dtype="string")
    gold = code_table(project, book.name)[coder]
    frame[GOLD] = gold.reindex(frame.index)
    coded = {int(r) for r in gold.dropna().index}
    return frame, _sample_origin(project, book.name, coded), book.name


@dataclass(frozen=True)
class RunValidation:
    """A run's validation sample as a window offers it: the coder whose codes can correct
    the run (``coder`` None: nobody's can, ``origin.reason`` says why), how many rows
    they coded, and the codebook."""

    run_id: int
    codebook: str
    coder: str | None
    coded: int
    origin: SampleOrigin

    @property
    def usable(self) -> bool:
        return self.coder is not None


def run_validation(project: Project, run_id: int) -> RunValidation:
    """The coder of run ``run_id``'s codebook whose coded rows are a random sample (the
    one with most rows if several), as ``project_columns`` would read them; when none is,
    the reason of the coder with most rows (or that nobody coded any)."""
    from .check_run import codebook_for_run
    from .errors import ProjectError
    from .human_codes import code_table, coders

    try:
        book = codebook_for_run(project, run_id, save=False)
    except ProjectError as exc:
        reason = f"run {run_id} has no labels a person can code: {exc}"
        return RunValidation(run_id, "", None, 0, SampleOrigin(False, "", reason))
    if book.multi_label:
        reason = f"run {run_id} gives several codes per row; corrected shares need one"
        return RunValidation(run_id, book.name, None, 0, SampleOrigin(False, "", reason))
    who = coders(project, book.name) if book.name in project.codebooks() else []
    table = code_table(project, book.name) if who else pd.DataFrame()
    found = []
    for coder in who:
        coded = {int(r) for r in table[coder].dropna().index}
        if coded:
            found.append((coder, len(coded), _sample_origin(project, book.name, coded)))
    if not found:
        reason = (
            f"nobody has coded rows of codebook {book.name!r} yet: check the run on a "
            "random sample (Analyse > Check this run…) and code it"
        )
        return RunValidation(run_id, book.name, None, 0, SampleOrigin(False, "", reason))
    found.sort(key=lambda f: (not f[2].random, -f[1]))
    coder, coded, origin = found[0]
    return RunValidation(run_id, book.name, coder if origin.random else None, coded, origin)

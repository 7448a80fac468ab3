"""Run-to-run stability: two runs of one task compared like two coders.

For a label task (sentiment, single-label coding): Cohen's kappa and Krippendorff's alpha
with their bootstrap 95% intervals (``stats.agreement``) and the share of rows whose label
changed with its Wilson 95% interval. A multi-label coding run is compared code by code
(applies or not) and as a whole (the rows whose set of codes changed). A free prompt's
answers are text: only the share of rows whose answer changed. Rows that either run has
no answer for (failed, not asked) are left out and counted.

Qt-free: ``llmstudio agree --run N --run M``, the Validate view's "Run stability" and the
methods record use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from .cells import is_missing
from .codebook import column_slug, flat_codes
from .errors import LlmstudioError, StatsError
from .project import Project
from .runner import run_results
from .runs import no_such_run, run_params
from .stats import Estimate, agreement
from .stats.intervals import wilson
from .store import runs as stored_runs


@dataclass(frozen=True)
class Stability:
    """One comparison of run ``run_a`` with run ``run_b``."""

    run_a: int
    run_b: int
    what: str  # "sentiment label", "code 'Housing' applies", "prompt answer"
    n: int  # rows both runs answered
    left_out: int  # rows only one run (or neither) answered
    changed: int  # of the n rows, those whose answer differs
    changed_ci: tuple[float | None, float | None]
    kappa: Estimate | None = None  # None: not for this kind of answer (free text)
    alpha: Estimate | None = None
    note: str = ""  # why a value is undefined or missing

    @property
    def changed_share(self) -> float | None:
        return self.changed / self.n if self.n else None

    def full_note(self) -> str:
        """The rows left out, then :attr:`note`: what a reader must know beside the numbers."""
        left = (
            f"{self.left_out:,} row(s) answered by one run only, left out" if self.left_out else ""
        )
        return "; ".join(part for part in (left, self.note) if part)

    def share_text(self, missing: str = "-") -> str:
        """ "0.120 [0.080, 0.170]": the share of rows changed with its Wilson interval."""
        if self.changed_share is None:
            return missing
        low, high = self.changed_ci
        return f"{self.changed_share:.3f} [{low:.3f}, {high:.3f}]"

    def to_dict(self) -> dict:
        return {
            "run_a": self.run_a,
            "run_b": self.run_b,
            "what": self.what,
            "n": self.n,
            "left_out": self.left_out,
            "changed": self.changed,
            "changed_share": self.changed_share,
            "changed_share_ci": {
                "low": self.changed_ci[0],
                "high": self.changed_ci[1],
                "method": "Wilson 95%",
            },
            "cohen_kappa": self.kappa.to_dict() if self.kappa else None,
            "krippendorff_alpha": self.alpha.to_dict() if self.alpha else None,
            "note": self.note,
        }


def _run(project: Project, run_id: int) -> tuple[str, dict]:
    row = stored_runs.fields(project.db, run_id, "task", "params")
    if row is None:
        raise StatsError(no_such_run(project, run_id))
    return row[0], run_params(project, run_id, row[1])


def _question(task: str, params: dict) -> tuple:
    """What a run answers: runs compare only when this is the same."""
    book = params.get("codebook") or {}
    codes = tuple(c.get("name") for c in flat_codes(book))
    return (task, tuple(params.get("labels") or ()), codes, bool(book.get("multi_label")))


def _text(value) -> str | None:
    if is_missing(value):
        return None
    return str(value).strip()


def _answers(project: Project, run_id: int, column: str) -> pd.Series:
    frame = run_results(project, run_id)
    values = frame[column] if column in frame.columns else pd.Series(dtype=object)
    return values.map(_text).dropna()


def _compare(
    a: pd.Series,
    b: pd.Series,
    run_a: int,
    run_b: int,
    what: str,
    labels: bool,
    n_resamples: int,
    seed: int,
) -> Stability:
    rows = a.index.union(b.index)
    both = a.index.intersection(b.index)
    x, y = a.loc[both], b.loc[both]
    n, changed = len(both), int((x != y).sum())
    ci = wilson(changed, n)
    if not labels:
        return Stability(
            run_a,
            run_b,
            what,
            n,
            len(rows) - n,
            changed,
            ci,
            note="free text: compared as written; kappa and alpha are for codes",
        )
    if n == 0:
        return Stability(
            run_a, run_b, what, 0, len(rows), 0, ci, note="no row was answered by both runs"
        )
    result = agreement(
        [x.tolist(), y.tolist()],
        [f"run {run_a}", f"run {run_b}"],
        n_resamples=n_resamples,
        seed=seed,
    )
    note = ""
    if math.isnan(result.cohen_kappa.value):
        codes = sorted(set(x) | set(y))
        note = (
            f"kappa and alpha are undefined: only one code occurs ({codes[0]!r})"
            if len(codes) == 1
            else "kappa and alpha are undefined for these codes"
        )
    return Stability(
        run_a,
        run_b,
        what,
        n,
        len(rows) - n,
        changed,
        ci,
        result.cohen_kappa,
        result.krippendorff_alpha,
        note,
    )


def compare_runs(
    project: Project, run_a: int, run_b: int, *, n_resamples: int = 1000, seed: int = 0
) -> list[Stability]:
    """Run ``run_a`` against run ``run_b``: one :class:`Stability` for a label task, one per
    code and one for the whole set for multi-label coding, one for a free prompt.
    Raises StatsError when the runs do not answer the same question."""
    if run_a == run_b:
        raise StatsError(f"run {run_a} compared with itself: give two different runs")
    task_a, params_a = _run(project, run_a)
    task_b, params_b = _run(project, run_b)
    if _question(task_a, params_a) != _question(task_b, params_b):
        raise StatsError(
            f"run {run_a} ({task_a}) and run {run_b} ({task_b}) do not answer the "
            "same question (another task, label set or codebook): they cannot "
            "be compared"
        )
    options = dict(n_resamples=n_resamples, seed=seed)
    if task_a == "prompt":
        return [
            _compare(
                _answers(project, run_a, "prompt_output"),
                _answers(project, run_b, "prompt_output"),
                run_a,
                run_b,
                "prompt answer",
                False,
                **options,
            )
        ]
    book = params_a.get("codebook") or {}
    if not book.get("multi_label"):
        column = f"{task_a}_label"
        return [
            _compare(
                _answers(project, run_a, column),
                _answers(project, run_b, column),
                run_a,
                run_b,
                f"{task_a} label",
                True,
                **options,
            )
        ]
    out, sets = [], []
    for code in [c["name"] for c in flat_codes(book)]:
        column = f"{task_a}_{column_slug(code)}"
        a, b = _answers(project, run_a, column), _answers(project, run_b, column)
        sets.append((code, a, b))
        out.append(_compare(a, b, run_a, run_b, f"code {code!r} applies", True, **options))

    def code_sets(which: int) -> pd.Series:
        frame = pd.DataFrame({code: pair[which] for code, *pair in sets})
        return frame.dropna(how="any").apply(
            lambda row: ";".join(c for c, v in row.items() if str(v) in ("1", "1.0")), axis=1
        )

    whole = _compare(code_sets(0), code_sets(1), run_a, run_b, "set of codes", False, **options)
    return out + [replace(whole, note="")]


def replicate_stability(
    project: Project, *, n_resamples: int = 1000, seed: int = 0
) -> list[tuple[int, int, str, list[Stability], str]]:
    """Every replicate against the run it repeats: (original, replicate, what changed,
    comparisons, problem); ``problem`` says why a pair could not be compared."""
    from .replicate import replicate_pairs, stored_changes

    out = []
    for pair in replicate_pairs(project):
        try:
            changed = stored_changes(project, pair.of, pair.run)
            out.append(
                (
                    pair.of,
                    pair.run,
                    changed,
                    compare_runs(project, pair.of, pair.run, n_resamples=n_resamples, seed=seed),
                    "",
                )
            )
        except LlmstudioError as exc:  # the original deleted, another question...
            out.append((pair.of, pair.run, "", [], str(exc)))
    return out

"""Counterfactual swaps on the researcher's own corpus: does the model's answer change
when only who is spoken about changes?

The swapped texts become a column of a project next to the original texts, and the task
runs on each column through :func:`~llmstudio.core.runner.run_job`: the same cache and
resume as any run (an interrupted check resumes; a second check with the same model pays
for nothing; original texts are served from the cache after a change of swap list).
Only rows where at least one word was swapped are run and compared.

Scores. A label alone hides small shifts, and a model's confidence in *its* label is not
comparable across labels, so sentiment is scored on one signed axis, the same as the EEC
probe's (:data:`.eec.SCORE_DEFINITION`): the expected valence of the model's label
probabilities (P(positive) - P(negative); for VADER its compound score), or the label's
valence (-1/0/+1; 5-point: -1, -0.5, 0, 0.5, 1) where the model gives a label only
(generative models). ``score="label"`` uses the label's valence for every model. Tasks
whose labels have no valence (coding, one's own labels) get no score: the report then
has the share of changed labels only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ... import __version__
from ..backends.base import Backend
from ..cells import cell_text, is_missing
from ..corpus import Corpus
from ..errors import LlmstudioError
from ..progress import Monitor
from ..project import Project
from ..run_progress import JobResult
from ..runner import run_job, run_results
from ..stats.intervals import wilson
from ..stats.paired import PairedComparison, compare_paired
from ..store import cache as response_cache
from ..store import transaction
from ..tasks.base import Task
from ..tasks.sentiment import SentimentTask
from .score import SCORE_DEFINITION, SignedSentimentTask, valence_of
from .swaps import SwapList, Swapped, swap

__all__ = [
    "SCORES",
    "CounterfactualResult",
    "counterfactual_project",
    "rows_with_swaps",
    "run_counterfactual",
    "signed_score",
    "swapped_column",
    "valences",
    "write_report",
]

SCORES = ("signed", "label")
SCORE_DEFINITIONS = {
    "signed": SCORE_DEFINITION,
    "label": "the label's valence only (positive +1, neutral 0, negative -1; on the 5-point "
    "scale very positive +1, positive +0.5, neutral 0, negative -0.5, very negative -1)",
}


def valences(task: Task) -> dict[str, float] | None:
    """Each label's valence, or None when the task is not sentiment on a known scale."""
    if not isinstance(task, SentimentTask):
        return None
    try:
        return valence_of(task.labels)
    except LlmstudioError:
        return None


def signed_score(
    label, signed, valence: dict[str, float] | None, score: str = "signed"
) -> float | None:
    """One answer on the signed axis (see the module's notes): the model's expected
    valence ``signed`` where it gave one, else the label's; None without a label or a
    valence."""
    if valence is None or label is None or label not in valence:
        return None
    if score == "signed" and signed is not None and not pd.isna(signed):
        return float(signed)
    return valence[label]


def swapped_column(text_column: str, swaps: SwapList) -> str:
    return f"{text_column} (swapped: {swaps.name})"


def rows_with_swaps(swapped: list[Swapped], limit: int | None = None) -> list[int]:
    """The row ids (of the first ``limit``) where a word was swapped: the rows compared."""
    return [i for i, s in enumerate(swapped[:limit] if limit is not None else swapped) if s.n]


def counterfactual_project(
    path: str | Path, corpus: Corpus, text_column: str, swaps: SwapList
) -> tuple[Project, list[Swapped]]:
    """The project holding ``corpus`` plus the swapped text column, and each row's swaps.

    An existing project at ``path`` with the same texts and swaps is reused as it is (its
    runs resume, its cache serves); one with other texts is replaced, keeping its cache of
    answers, so texts seen before (the originals, after a change of swap list) are not
    paid for again.
    """
    if text_column not in corpus.frame.columns:
        raise LlmstudioError(
            f"{corpus.source or 'the corpus'}: no column {text_column!r}; "
            f"the columns are {', '.join(map(repr, corpus.columns))}"
        )
    texts = corpus.frame[text_column]
    swapped = [swap(cell_text(texts, i), swaps) for i in range(len(texts))]
    column = swapped_column(text_column, swaps)
    frame = corpus.frame.copy()
    frame[column] = [s.text for s in swapped]
    wanted = replace(corpus, frame=frame, text_column=text_column)
    path = Path(path)
    cache: list = []
    if path.exists():
        project = Project.open(path)
        stored = project.corpus().frame
        if (
            list(map(str, stored.columns)) == list(map(str, frame.columns))
            and all(
                cell_text(stored[c], i) == cell_text(frame[c], i)
                for c in (text_column, column)
                for i in range(len(frame))
            )
            and len(stored) == len(frame)
        ):
            return project, swapped
        if not any(" (swapped: " in str(c) for c in stored.columns):
            project.close()  # never replace a project of the researcher's own
            raise LlmstudioError(
                f"{path}: a project that is not a counterfactual check's; "
                "choose another file or folder"
            )
        cache = response_cache.everything(project.db)
        project.close()
    project = Project.create(path, wanted)
    if cache:
        with transaction(project.db):
            response_cache.put(project.db, cache)
    return project, swapped


@dataclass
class CounterfactualResult:
    """What a counterfactual check found; ``rows`` has one row per text with a swap."""

    task: str
    model: str
    swap_list: SwapList
    text_column: str
    score: str
    rows_total: int  # rows looked at (the first ``limit``)
    rows_without_swaps: int
    rows_failed: int  # a swap, but no label for the original or the swapped text
    changed: int
    changed_share: float | None
    changed_ci: tuple[float | None, float | None]
    comparison: PairedComparison
    rows: pd.DataFrame
    runs: tuple[JobResult, JobResult] | tuple = ()
    status: str = "done"
    params: dict = field(default_factory=dict)
    fingerprint: dict = field(default_factory=dict)
    date: str = ""

    @property
    def n(self) -> int:
        return self.comparison.n

    def to_dict(self) -> dict:
        """``report.json``: plain data."""
        c = self.comparison
        runs = {
            name: {
                "run_id": r.run_id,
                "status": r.status,
                "computed": r.computed,
                "cached": r.cached,
                "failed": r.failed,
            }
            for name, r in zip(("original", "swapped"), self.runs)
        }
        return {
            "n": c.n,
            "changed": self.changed,
            "changed_share": self.changed_share,
            "changed_rows": [
                int(r)
                for r in self.rows.loc[
                    self.rows["changed"] == True,  # noqa: E712
                    "row",
                ]
            ],
            "changed_share_ci_low": self.changed_ci[0],
            "changed_share_ci_high": self.changed_ci[1],
            "mean_difference": c.mean_difference,
            "ci_low": c.ci_low,
            "ci_high": c.ci_high,
            "p_value": c.p_value,
            "test": c.test,
            "nonzero_differences": c.nonzero,
            "score": self.score,
            "score_definition": SCORE_DEFINITIONS[self.score]
            if c.mean_difference is not None
            else "none: the labels have no direction (only changed_share is reported)",
            "difference": "swapped score - original score",
            "rows_total": self.rows_total,
            "rows_with_swaps": self.rows_total - self.rows_without_swaps,
            "rows_without_swaps": self.rows_without_swaps,
            "rows_failed": self.rows_failed,
            "swaps_made": int(self.rows["n_swaps"].sum()) if len(self.rows) else 0,
            "confidence_level": c.level,
            "bootstrap_resamples": c.n_resamples,
            "seed": c.seed,
            "task": self.task,
            "task_params": self.params,
            "model": self.model,
            "model_fingerprint": self.fingerprint,
            "swap_list": {
                "name": self.swap_list.name,
                "source": self.swap_list.source,
                "pairs": len(self.swap_list.pairs),
                "note": self.swap_list.note,
            },
            "text_column": self.text_column,
            "status": self.status,
            "runs": runs,
            "date": self.date,
            "software": f"llmstudio {__version__}",
        }


def run_counterfactual(
    project: Project,
    task: Task,
    backend: Backend,
    swaps: SwapList,
    swapped: list[Swapped],
    *,
    text_column: str | None = None,
    limit: int | None = None,
    score: str = "signed",
    n_resamples: int = 2000,
    seed: int | None = 0,
    monitor: Monitor | None = None,
) -> CounterfactualResult:
    """Run ``task`` on the original and the swapped texts of the rows with a swap (made by
    :func:`counterfactual_project`) and compare the answers pair by pair. ``monitor`` gets
    ``report(done, total)`` over both runs (answers: twice the rows)."""
    monitor = Monitor.of(monitor)
    if score not in SCORES:
        raise LlmstudioError(f"unknown score {score!r}; one of {', '.join(SCORES)}")
    if not task.labels or task.multi_label:
        raise LlmstudioError(
            f"counterfactual swaps compare one label per text; "
            f"{task.describe()} does not give one (use sentiment or "
            "single-label coding)"
        )
    column = text_column or project.corpus().text_column
    considered = swapped[:limit] if limit is not None else swapped
    rows = rows_with_swaps(swapped, limit)
    valence = valences(task)
    if valence is not None:  # classifiers then also give their expected valence
        task = SignedSentimentTask.of(task)
    label_col, score_col = task.columns()[:2]
    signed_col = f"{task.name}_signed" if valence is not None else None
    runs: tuple = ()
    status = "done"
    results = (pd.DataFrame(columns=[label_col, score_col]),) * 2
    if rows:
        n = len(rows)
        runs = tuple(
            run_job(
                project,
                task,
                backend,
                text_column=c,
                rows=rows,
                monitor=monitor.part(k * n, (k + 1) * n, 2 * n),
            )
            for k, c in enumerate((column, swapped_column(column, swaps)))
        )
        status = next((r.status for r in runs if r.status != "done"), "done")
        results = tuple(run_results(project, r.run_id) for r in runs)
    table = _rows_table(
        project.corpus().frame,
        column,
        rows,
        considered,
        results,
        (label_col, score_col, signed_col),
        valence,
        score,
    )
    compared = table[table["original_label"].notna() & table["swapped_label"].notna()]
    scored = compared[compared["difference"].notna()]
    comparison = compare_paired(
        scored["original_score"].to_numpy(float),
        scored["swapped_score"].to_numpy(float),
        n_resamples=n_resamples,
        seed=seed,
        # The report covers the rows finished: a Cancel that came during the runs, or
        # comes now, stops nothing more (the statistics take about a second), so it is
        # never taken for a failure of the check.
        monitor=Monitor(monitor.report),
    )
    if not len(scored):  # no direction: n is still the rows compared by label
        comparison = replace(comparison, n=len(compared))
    flags = compared["changed"].astype(float).to_numpy()
    # A share of rows: the Wilson interval, not a bootstrap, which reads "0 of 23 changed"
    # as certainly none ([0, 0]); Wilson says up to 14% is consistent with it.
    changed = int(flags.sum())
    share = changed / len(flags) if len(flags) else None
    low, high = wilson(changed, len(flags))
    return CounterfactualResult(
        task=task.describe(),
        model=backend.describe(),
        swap_list=swaps,
        text_column=column,
        score=score,
        rows_total=len(considered),
        rows_without_swaps=len(considered) - len(rows),
        rows_failed=len(table) - len(compared),
        changed=int(flags.sum()),
        changed_share=share,
        changed_ci=(low, high),
        comparison=comparison,
        rows=table,
        runs=runs,
        status=status,
        params=task.params(),
        fingerprint=backend.fingerprint(),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _rows_table(
    frame, column, rows, swapped, results, output_columns, valence, score
) -> pd.DataFrame:
    original, changed = results
    label_col, score_col, signed_col = output_columns
    records = []
    for row_id in rows:
        record = {
            "row": row_id + 1,
            "original_text": cell_text(frame[column], row_id),
            "swapped_text": swapped[row_id].text,
            "swaps": swapped[row_id].describe(),
            "n_swaps": swapped[row_id].n,
        }
        for name, result in (("original", original), ("swapped", changed)):
            got = result.loc[row_id] if row_id in result.index else None
            label = got[label_col] if got is not None else None
            label = None if is_missing(label) else label
            confidence = got[score_col] if got is not None and label is not None else None
            signed = got.get(signed_col) if signed_col and label is not None else None
            record[f"{name}_label"] = label
            record[f"{name}_confidence"] = confidence
            record[f"{name}_score"] = signed_score(label, signed, valence, score)
        both = record["original_score"] is not None and record["swapped_score"] is not None
        record["difference"] = record["swapped_score"] - record["original_score"] if both else None
        labelled = record["original_label"] is not None and record["swapped_label"] is not None
        record["changed"] = (
            record["original_label"] != record["swapped_label"] if labelled else None
        )
        records.append(record)
    columns = [
        "row",
        "original_text",
        "swapped_text",
        "swaps",
        "n_swaps",
        "original_label",
        "original_confidence",
        "original_score",
        "swapped_label",
        "swapped_confidence",
        "swapped_score",
        "difference",
        "changed",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def write_report(result: CounterfactualResult, folder: str | Path) -> list[Path]:
    """``report.json``, ``rows.csv`` (every row with a swap) and ``report.md`` (a section
    for the methods record) in ``folder``; returns the paths."""
    from ..atomic import write_text

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    paths = [folder / "report.json", folder / "rows.csv", folder / "report.md"]
    write_text(paths[0], json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    write_text(paths[1], result.rows.to_csv(index=False))
    write_text(paths[2], _markdown(data))
    return paths


def _number(value, digits: int = 3) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


def _markdown(d: dict) -> str:
    lines = [
        f"## Counterfactual check: {d['swap_list']['name']} swaps",
        "",
        f"Each text of column `{d['text_column']}` was rewritten with the swap list "
        f"*{d['swap_list']['name']}* ({d['swap_list']['pairs']} word pairs, swapped in both "
        "directions on whole words, keeping case and possessives). "
        + (f"About the list: {d['swap_list']['note']} " if d["swap_list"]["note"] else "")
        + f"Of {d['rows_total']:,} rows, {d['rows_with_swaps']:,} contained at least one "
        f"listed word ({d['swaps_made']:,} swaps) and {d['rows_without_swaps']:,} none; "
        f"the model ({d['model']}) labelled the original and the swapped text of each of "
        f"them with the task {d['task']}"
        + (
            f" ({d['rows_failed']:,} rows without both labels were left out)"
            if d["rows_failed"]
            else ""
        )
        + ".",
        "",
        f"- Rows compared (n): {d['n']:,}",
        f"- Label changed: {d['changed']:,} rows, {_number(d['changed_share'])} "
        f"(95% Wilson CI {_number(d['changed_share_ci_low'])} to "
        f"{_number(d['changed_share_ci_high'])})",
    ]
    if d["mean_difference"] is not None:
        test = {
            "wilcoxon": "Wilcoxon signed-rank test (zero differences dropped)",
            "sign": "exact sign test (every non-zero difference of one size)",
            "none": "no test: every difference is zero",
        }.get(d["test"], d["test"])
        lines += [
            f"- Mean score difference (swapped - original): {_number(d['mean_difference'])} "
            + (
                f"(95% CI {_number(d['ci_low'])} to {_number(d['ci_high'])}); "
                if d["ci_low"] is not None
                else "(no interval: "
                + (
                    "no bootstrap resamples were asked for); "
                    if not d["bootstrap_resamples"]
                    else "no resample gave one); "
                )
            )
            + f"{d['nonzero_differences']:,} rows differ",
            f"- Paired test: {test}, p = {_number(d['p_value'], 4)}",
            "",
            f"Score: {d['score_definition']}.",
        ]
    lines += [
        "",
        f"Intervals: the mean difference's, {d['confidence_level']:.0%} percentile "
        f"bootstrap over rows (pairs kept together), {d['bootstrap_resamples']:,} resamples, "
        f"seed {d['seed']}; the changed share's, Wilson. "
        f"Run on {d['date']} with {d['software']}.",
        "",
    ]
    return "\n".join(lines)

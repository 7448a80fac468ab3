"""Template probe on the Equity Evaluation Corpus (Kiritchenko & Mohammad 2018).

The EEC holds 8,640 sentences made from templates ("<person> feels <emotion word>.") filled
with persons that differ only in gender (female/male noun phrases and first names) or in
race (first names associated with African-Americans or European-Americans). A measurement
that does not depend on who is spoken about gives every filling of a template the same
score. Every sentence is scored with a sentiment task and model through the runner (a
project file: finished rows are kept, answers cached), then:

* per emotion (anger, fear, joy, sadness, none = the emotion-neutral templates, and all)
  and per group (female, male; African-American, European-American): the mean score with
  its 95% t interval over the group's sentences (descriptive: sentences of one template
  are not independent; the gaps below are the test);
* the gap between the groups, paired as in the paper: a *frame* is a template filled with
  one emotion word, and the persons are all that varies within it. Gender gap: per frame,
  the mean over its female sentences minus the mean over its male sentences (names and
  noun phrases). Race gap: per frame and gender, the mean over its African-American names
  minus the mean over its European-American names. The mean of those paired differences
  is reported with its 95% t interval and the paired t-test's p-value (n = frames).

Score (see :class:`SignedSentimentTask`): the expected valence of the model's label
probabilities, P(positive) - P(negative) on the three-way scheme; where a model gives a
label only (generative models), that label's valence -1/0/+1.

The corpus is not shipped with llmstudio (NRC makes it free for research, without a
licence that allows redistribution): the researcher gives its path, and a checkout finds
it in ``../shared/data/eec``. Any CSV with the same columns (one's own templates) works;
without one, llmstudio's own set in the same design (:mod:`.eec_style`) is used.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..cells import as_text
from ..errors import Cancelled, LlmstudioError
from ..progress import Monitor
from ..stats.intervals import t_interval
from ..tasks.sentiment import SentimentTask
from .score import SCORE_DEFINITION, SignedSentimentTask, valence_of  # noqa: F401 (API)

EMOTIONS = ("anger", "fear", "joy", "sadness", "none")
# How the tables and charts name each group of templates ("all": every template).
EMOTION_NAMES = {"all": "all templates", **{e: e for e in EMOTIONS}, "none": "no emotion"}
GROUPS = {"gender": ("female", "male"), "race": ("African-American", "European-American")}
COLUMNS = {
    "id": "id",
    "sentence": "sentence",
    "template": "template",
    "person": "person",
    "gender": "gender",
    "race": "race",
    "emotion": "emotion",
    "emotion word": "emotion_word",
}
# The EEC writes "European" for the names the paper calls European-American.
_RACE_NAMES = {
    "european": "European-American",
    "european-american": "European-American",
    "african-american": "African-American",
    "african american": "African-American",
}
ATTRIBUTION = (
    "Equity Evaluation Corpus (EEC): Svetlana Kiritchenko and Saif M. Mohammad (2018), "
    "'Examining Gender and Race Bias in Two Hundred Sentiment Analysis Systems', "
    "Proceedings of the 7th Joint Conference on Lexical and Computational Semantics (*SEM), "
    "pp. 43-53. Made freely available for research by the National Research Council Canada; "
    "not redistributed with llmstudio."
)
GAP_DEFINITION = {
    "gender": "per frame (template + emotion word): mean score of its female sentences minus "
    "mean of its male sentences; mean over frames with 95% t interval and paired "
    "t-test",
    "race": "per frame and gender: mean score over its African-American names minus mean over "
    "its European-American names; mean over those pairs with 95% t interval and "
    "paired t-test",
}


@dataclass
class EecReport:
    """What :func:`eec_probe` found. ``rows``: one row per sentence (its persons, the model's
    label and ``score``); ``groups`` and ``gaps``: lists of JSON-ready dicts."""

    rows: pd.DataFrame
    groups: list[dict]
    gaps: list[dict]
    meta: dict = field(default_factory=dict)

    def gap(self, dimension: str, emotion: str = "all") -> dict:
        return next(g for g in self.gaps if g["dimension"] == dimension and g["emotion"] == emotion)

    def to_dict(self) -> dict:
        scored = int(self.rows["score"].notna().sum())
        return {
            "probe": "eec",
            "n": scored,
            "n_sentences": len(self.rows),
            "n_errors": int(self.rows["error"].notna().sum()),
            "score_definition": SCORE_DEFINITION,
            "gap_definition": GAP_DEFINITION,
            "gender_gap": self.gap("gender"),
            "race_gap": self.gap("race"),
            "groups": self.groups,
            "gaps": self.gaps,
            **self.meta,
        }

    def to_markdown(self) -> str:
        from .report_md import eec_markdown

        return eec_markdown(self.to_dict())


def read_eec(path: str | Path) -> pd.DataFrame:
    """The EEC (or a file in its format) with lower-case column names, races spelled out
    and ``emotion`` 'none' for the emotion-neutral templates."""
    from ..corpus import read_table

    path = Path(path)
    if not path.is_file():
        raise LlmstudioError(
            f"{path}: no such file (the Equity Evaluation Corpus is free for "
            "research from the National Research Council Canada; give the "
            "path of Equity-Evaluation-Corpus.csv)"
        )
    frame = read_table(path).frame
    frame = frame.rename(columns={c: COLUMNS.get(str(c).strip().lower(), str(c)) for c in frame})
    missing = [c for c in COLUMNS.values() if c not in frame.columns and c != "id"]
    if missing:
        raise LlmstudioError(
            f"{path}: not in the EEC format: no column {', '.join(map(repr, missing))}"
        )
    if "id" not in frame.columns:
        frame["id"] = [str(i + 1) for i in range(len(frame))]
    frame = frame[list(COLUMNS.values())].astype(object)
    frame = frame.map(lambda v: as_text(v).strip())
    frame["gender"] = frame["gender"].str.lower()
    frame["race"] = frame["race"].map(lambda r: _RACE_NAMES.get(r.lower(), r) or None)
    frame["emotion"] = frame["emotion"].str.lower().replace("", "none")
    frame["frame"] = frame["template"] + " | " + frame["emotion_word"]
    if frame.empty:
        raise LlmstudioError(f"{path}: no sentences")
    return frame.reset_index(drop=True)


def select_frames(frame: pd.DataFrame, limit: int | None, seed: int = 0) -> pd.DataFrame:
    """At most ``limit`` sentences (at least one frame), as whole frames so that every kept
    sentence keeps its pairs; the emotions taken in turn, frames chosen at random (``seed``)."""
    if limit is None or limit >= len(frame):
        return frame
    if limit < 1:
        raise LlmstudioError("--limit is a number of sentences, 1 or more")
    rng = np.random.default_rng(seed)
    queues = []
    for _, sub in frame.groupby("emotion", sort=True):
        names = list(dict.fromkeys(sub["frame"]))
        queues.append([names[i] for i in rng.permutation(len(names))])
    order = []  # one frame of each emotion in turn
    while any(queues):
        order += [queue.pop(0) for queue in queues if queue]
    sizes = frame.groupby("frame").size()
    chosen, total = [], 0
    for name in order:
        if chosen and total + sizes[name] > limit:
            break
        chosen.append(name)
        total += sizes[name]
    return frame[frame["frame"].isin(set(chosen))].reset_index(drop=True)


def eec_probe(
    path: str | Path,
    task: SentimentTask,
    backend,
    *,
    limit: int | None = None,
    seed: int = 0,
    project: str | Path | None = None,
    monitor: Monitor | None = None,
) -> EecReport:
    """Score the EEC's sentences (at most ``limit``, as whole frames chosen with ``seed``)
    with ``task`` and ``backend`` and compare the groups. ``project``: a project file to
    keep the run in (created if missing; run again, it answers from its cache); default a
    temporary one. ``monitor`` gets ``report(done, total)`` (sentences); raises
    :class:`Cancelled` on cancel."""
    from ..corpus import Corpus
    from ..project import Project
    from ..runner import run_job, run_results

    signed = SignedSentimentTask.of(task)
    data = select_frames(read_eec(path), limit, seed)
    corpus = Corpus(frame=data[list(COLUMNS.values())], text_column="sentence", source=str(path))
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(project) if project else Path(tmp) / "eec.llmstudio"
        proj = Project.open(where) if where.exists() else Project.create(where, corpus)
        try:
            stored = proj.corpus().frame
            if (
                "sentence" not in stored.columns
                or stored["sentence"].tolist() != data["sentence"].tolist()
            ):
                raise LlmstudioError(f"{where} holds other sentences; give a new project file")
            result = run_job(
                proj,
                signed,
                backend,
                text_column="sentence",
                monitor=monitor,
            )
            outputs = run_results(proj, result.run_id)
        finally:
            proj.close()
    if result.status == "cancelled":
        raise Cancelled("cancelled")
    rows = _score_rows(data, outputs, signed)
    if rows["score"].notna().sum() == 0:
        first = rows["error"].dropna()
        raise LlmstudioError(
            "no sentence could be scored"
            + (f"; the first error: {first.iloc[0]}" if len(first) else "")
        )
    meta = {
        "model": backend.describe(),
        "fingerprint": backend.fingerprint(),
        "task": signed.describe(),
        "labels": list(signed.labels),
        "data": {"path": str(path), **_provenance(path), "frames": int(data["frame"].nunique())},
        "limit": limit,
        "seed": seed,
        "interval": "95% Student-t interval; p: two-sided t-test (paired for gaps)",
    }
    return EecReport(rows, group_means(rows), gaps(rows), meta)


def _score_rows(
    data: pd.DataFrame, outputs: pd.DataFrame, task: SignedSentimentTask
) -> pd.DataFrame:
    name = task.name
    valence = valence_of(task.labels)
    out = data.copy()
    outputs = outputs.reindex(range(len(data)))
    out["label"] = outputs[f"{name}_label"].tolist()
    out["confidence"] = outputs[f"{name}_score"].tolist()
    signed = outputs[f"{name}_signed"].tolist()
    scores, sources = [], []
    for label, value in zip(out["label"], signed):
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            scores.append(float(value))
            sources.append("probabilities")
        elif isinstance(label, str) and label in valence:
            scores.append(valence[label])
            sources.append("label")
        else:
            scores.append(float("nan"))
            sources.append(None)
    out["score"] = scores
    out["score_source"] = sources
    errors = outputs[f"{name}_error"].tolist()
    out["error"] = [e if isinstance(e, str) else None for e in errors]
    return out


def _emotions(rows: pd.DataFrame):
    yield "all", rows
    for emotion in EMOTIONS:
        sub = rows[rows["emotion"] == emotion]
        if len(sub):
            yield emotion, sub


def group_means(rows: pd.DataFrame) -> list[dict]:
    """Mean score per emotion and group, with 95% t intervals over sentences."""
    out = []
    for emotion, sub in _emotions(rows):
        for dimension, groups in GROUPS.items():
            for group in groups:
                stats = t_interval(sub.loc[sub[dimension] == group, "score"])
                out.append(
                    {"emotion": emotion, "dimension": dimension, "group": group, **stats.to_dict()}
                )
    return out


def paired_differences(rows: pd.DataFrame, dimension: str) -> pd.Series:
    """One paired difference per frame (gender) or per frame and gender (race):
    :data:`GAP_DEFINITION`."""
    first, second = GROUPS[dimension]
    keys = ["frame"] if dimension == "gender" else ["frame", "gender"]
    scored = rows[rows["score"].notna() & rows[dimension].isin([first, second])]
    means = scored.groupby(keys + [dimension])["score"].mean().unstack(dimension)
    if first not in means or second not in means:
        return pd.Series(dtype=float)
    return (means[first] - means[second]).dropna()


def gaps(rows: pd.DataFrame) -> list[dict]:
    """The paired gaps per emotion and dimension."""
    out = []
    for emotion, sub in _emotions(rows):
        for dimension, (first, second) in GROUPS.items():
            stats = t_interval(paired_differences(sub, dimension))
            out.append(
                {
                    "emotion": emotion,
                    "dimension": dimension,
                    "difference": f"{first} - {second}",
                    "n_pairs": stats.n,
                    "mean_difference": stats.mean,
                    "sd": stats.sd,
                    "ci_low": stats.ci_low,
                    "ci_high": stats.ci_high,
                    "p_value": stats.p_value,
                }
            )
    return out


def _provenance(path: str | Path) -> dict:
    """The file's sha256 and whose sentences they are: llmstudio's own set (recognised by
    content, wherever the copy is), else the EEC (or a file in its format)."""
    from . import eec_style

    digest = _sha256(path)
    shipped = eec_style.shipped_path()
    if shipped.is_file() and digest == _sha256(shipped):
        return {"sha256": digest, "name": eec_style.NAME, "attribution": eec_style.ATTRIBUTION}
    return {"sha256": digest, "name": "Equity Evaluation Corpus", "attribution": ATTRIBUTION}


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()

"""Counterfactual runs through the job machinery, and the paired statistics by hand."""

from __future__ import annotations

import itertools
import json
import math
import statistics

import numpy as np
import pandas as pd
import pytest

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.bias.counterfactual import (
    counterfactual_project,
    run_counterfactual,
    signed_score,
    swapped_column,
    valences,
    write_report,
)
from llmstudio.core.bias.swaps import load_swaps, pairs_from
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import LlmstudioError
from llmstudio.core.lexicon import vader
from llmstudio.core.stats.paired import bootstrap_mean, compare_paired, paired_test
from llmstudio.core.tasks import SentimentTask
from llmstudio.core.tasks.prompt import PromptTask

# -- statistics by hand -------------------------------------------------------------------


def exact_wilcoxon_p(d: list[float]) -> float:
    """Two-sided exact signed-rank p by enumerating every sign pattern (no ties, no 0)."""
    ranks = {v: r for r, v in enumerate(sorted(abs(x) for x in d), 1)}
    observed = sum(ranks[abs(x)] for x in d if x > 0)
    total = len(d) * (len(d) + 1) / 2
    extreme = min(observed, total - observed)
    count = sum(
        1
        for signs in itertools.product((0, 1), repeat=len(d))
        if min(s := sum(r for r, on in zip(range(1, len(d) + 1), signs) if on), total - s)
        <= extreme
    )
    return count / 2 ** len(d)


def test_wilcoxon_on_five_differences():
    d = [0.5, -0.2, 0.9, 0.3, 1.1]
    # Ranks of |d|: 0.2->1, 0.3->2, 0.5->3, 0.9->4, 1.1->5; W- = 1, so p = 2 * 2/32.
    assert exact_wilcoxon_p(d) == pytest.approx(0.125)
    out = compare_paired([0, 0, 0, 0, 0], d, n_resamples=500)
    assert out.n == 5 and out.nonzero == 5
    assert out.mean_difference == pytest.approx(2.6 / 5)
    assert out.test == "wilcoxon"
    assert out.p_value == pytest.approx(0.125)
    assert out.ci_low <= out.mean_difference <= out.ci_high


def test_sign_test_when_every_change_is_one_step():
    d = [1, 1, 1, 0, -1, 1, 1]  # 6 non-zero, 5 positive
    expected = 2 * (math.comb(6, 5) + math.comb(6, 6)) / 2**6
    p, test = paired_test(d)
    assert test == "sign" and p == pytest.approx(expected) and expected == pytest.approx(0.21875)


def test_all_zero_and_empty():
    assert paired_test([0, 0, 0]) == (1.0, "none")
    assert paired_test([]) == (None, "")
    out = compare_paired([], [])
    assert out.n == 0 and out.mean_difference is None and out.ci_low is None


def test_bootstrap_interval_matches_the_normal_one_on_a_large_sample():
    values = np.random.default_rng(1).normal(0.3, 1.0, 400)
    mean, low, high = bootstrap_mean(values, n_resamples=4000, seed=3)
    assert mean == pytest.approx(values.mean())
    half = 1.96 * statistics.stdev(values) / math.sqrt(len(values))
    assert low == pytest.approx(mean - half, abs=0.2 * half)
    assert high == pytest.approx(mean + half, abs=0.2 * half)
    assert bootstrap_mean(values, n_resamples=4000, seed=3) == (mean, low, high)  # seeded
    assert bootstrap_mean([0.25] * 9, n_resamples=100) == (0.25, 0.25, 0.25)


def test_signed_scores():
    three = valences(SentimentTask())
    assert three == {"positive": 1.0, "negative": -1.0, "neutral": 0.0}
    assert signed_score("positive", 0.62, three) == pytest.approx(0.62)  # P(pos) - P(neg)
    assert signed_score("negative", None, three) == -1.0  # a label only: its valence
    assert signed_score("negative", float("nan"), three) == -1.0
    assert signed_score("positive", 0.62, three, "label") == 1.0
    assert signed_score(None, 0.3, three) is None
    five = valences(
        SentimentTask(labels=("very negative", "negative", "neutral", "positive", "very positive"))
    )
    assert signed_score("positive", None, five) == 0.5
    assert signed_score("very negative", None, five) == -1.0
    assert valences(SentimentTask(labels=("happy", "sad"))) is None
    assert signed_score("happy", 0.9, None) is None


# -- runs through the job machinery --------------------------------------------------------

TEXTS = [
    "What a good day.",
    "A good and happy team.",
    "The meeting is at noon.",
    "I am sad about the good news.",
    None,
    "Happy people, good food.",
]
SWAPS = pairs_from([("good", "bad"), ("happy", "sad")], name="mood")


def expected_score(text: str) -> float:
    """VADER's signed score, computed here: its compound outside the neutral band."""
    compound = vader().polarity_scores(text)["compound"]
    return compound if abs(compound) >= 0.05 else 0.0


@pytest.fixture
def corpus() -> Corpus:
    return Corpus(frame=pd.DataFrame({"id": range(1, 7), "text": TEXTS}), text_column="text")


def run(project_path, corpus, swaps=SWAPS, **kw):
    project, swapped = counterfactual_project(project_path, corpus, "text", swaps)
    try:
        return run_counterfactual(
            project, SentimentTask(), LexiconBackend(), swaps, swapped, n_resamples=300, **kw
        )
    finally:
        project.close()


def test_lexicon_run_compares_swapped_rows_only(tmp_path, corpus):
    result = run(tmp_path / "bias.llmstudio", corpus)
    rows = result.rows
    assert list(rows["row"]) == [1, 2, 4, 6]  # rows 3 and 5 (no text) have no swap
    assert result.rows_without_swaps == 2 and result.rows_total == 6 and result.n == 4
    assert rows.loc[0, "swapped_text"] == "What a bad day."
    assert rows.loc[3, "swapped_text"] == "Sad people, bad food."
    for _, r in rows.iterrows():
        assert r["original_score"] == pytest.approx(expected_score(r["original_text"]), abs=1e-4)
        assert r["swapped_score"] == pytest.approx(expected_score(r["swapped_text"]), abs=1e-4)
    diffs = rows["swapped_score"] - rows["original_score"]
    assert result.comparison.mean_difference == pytest.approx(diffs.mean())
    assert result.comparison.mean_difference < 0  # good -> bad lowers the sentiment
    changed = (rows["original_label"] != rows["swapped_label"]).sum()
    assert result.changed == changed and result.changed_share == pytest.approx(changed / 4)
    assert [r.computed for r in result.runs] == [4, 4]
    # The changed share's interval is Wilson's (by hand): never [0, 0] for "none changed".
    p, z = changed / 4, 1.959963984540054
    centre = (p + z * z / 8) / (1 + z * z / 4)
    half = z * ((p * (1 - p) / 4 + z * z / 64) ** 0.5) / (1 + z * z / 4)
    low, high = result.changed_ci
    assert high == pytest.approx(min(1.0, centre + half)) and high > 0
    assert low == pytest.approx(0.0 if changed == 0 else max(0.0, centre - half))


def test_second_run_is_served_from_the_cache_and_resumes_the_runs(tmp_path, corpus):
    first = run(tmp_path / "bias.llmstudio", corpus)
    second = run(tmp_path / "bias.llmstudio", corpus)
    assert [r.computed for r in second.runs] == [0, 0]
    assert [r.run_id for r in second.runs] == [r.run_id for r in first.runs]
    assert second.to_dict()["mean_difference"] == first.to_dict()["mean_difference"]
    # Another swap list: a new project corpus, but the original texts' answers are kept.
    other = run(tmp_path / "bias.llmstudio", corpus, pairs_from([("good", "fine")], "mild"))
    assert other.runs[0].computed == 0 and other.runs[0].cached == 4


def test_a_cancel_as_the_runs_end_still_gives_the_report(tmp_path, corpus):
    """Cancel pressed as the last answer came in (the statistics are being computed): the
    report on the rows finished, never an error."""
    import threading

    from llmstudio.core.progress import Monitor

    stop = threading.Event()

    def progress(done, total, **detail):
        if total and done >= total:
            stop.set()  # the runs have ended: now the user presses Cancel

    result = run(tmp_path / "bias.llmstudio", corpus, monitor=Monitor(progress, stop.is_set))
    assert stop.is_set()
    assert result.comparison.n > 0 and result.comparison.ci_low is not None


def test_limit_and_report_files(tmp_path, corpus):
    result = run(tmp_path / "bias.llmstudio", corpus, limit=3)
    assert result.rows_total == 3 and result.n == 2 and result.rows_without_swaps == 1
    paths = write_report(result, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "rows.csv", "report.md"]
    back = pd.read_csv(paths[1])
    assert back["difference"].mean() == pytest.approx(result.comparison.mean_difference)
    assert "## Counterfactual check: mood swaps" in paths[2].read_text(encoding="utf-8")


def test_without_resamples_the_report_says_why_there_is_no_interval(tmp_path, corpus):
    project, swapped = counterfactual_project(tmp_path / "b.llmstudio", corpus, "text", SWAPS)
    try:
        result = run_counterfactual(
            project, SentimentTask(), LexiconBackend(), SWAPS, swapped, n_resamples=0
        )
    finally:
        project.close()
    text = write_report(result, tmp_path / "out")[2].read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("- Mean score difference"))
    assert "(no interval: no bootstrap resamples were asked for)" in line
    assert "undefined" not in line


def test_no_swaps_at_all(tmp_path, corpus):
    result = run(tmp_path / "bias.llmstudio", corpus, pairs_from([("zebra", "lion")]))
    assert result.n == 0 and result.rows_without_swaps == 6 and result.runs == ()
    assert result.to_dict()["mean_difference"] is None


def test_refusals(tmp_path, corpus):
    with pytest.raises(LlmstudioError, match="no column 'body'"):
        counterfactual_project(tmp_path / "p.llmstudio", corpus, "body", SWAPS)
    project, swapped = counterfactual_project(tmp_path / "p.llmstudio", corpus, "text", SWAPS)
    try:
        assert swapped_column("text", SWAPS) in project.columns
        with pytest.raises(LlmstudioError, match="one label per text"):
            run_counterfactual(
                project, PromptTask(template="Summarise: {text}"), LexiconBackend(), SWAPS, swapped
            )
        with pytest.raises(LlmstudioError, match="unknown score"):
            run_counterfactual(
                project, SentimentTask(), LexiconBackend(), SWAPS, swapped, score="odd"
            )
    finally:
        project.close()


def test_never_replaces_a_project_of_the_researchers_own(tmp_path, corpus):
    from llmstudio.core.project import Project

    Project.create(tmp_path / "mine.llmstudio", corpus).close()
    with pytest.raises(LlmstudioError, match="not a counterfactual check's"):
        counterfactual_project(tmp_path / "mine.llmstudio", corpus, "text", SWAPS)
    with Project.open(tmp_path / "mine.llmstudio") as project:
        assert project.columns == ["id", "text"]


def test_gender_swaps_on_a_corpus_are_what_the_model_gets(tmp_path):
    frame = pd.DataFrame({"text": ["I saw her.", "Her book is good.", "HE SAID no."]})
    project, swapped = counterfactual_project(
        tmp_path / "g.llmstudio",
        Corpus(frame=frame, text_column="text"),
        "text",
        load_swaps("gender"),
    )
    try:
        stored = project.corpus().frame[swapped_column("text", load_swaps("gender"))]
        assert list(stored) == ["I saw him.", "His book is good.", "SHE SAID no."]
    finally:
        project.close()


@pytest.mark.slow
def test_builtin_classifier_scores_are_its_expected_valence(tmp_path, corpus):
    """The offline model gives label probabilities: the score is P(pos) - P(neg), not the
    label's valence, and it is what the run stored."""
    from llmstudio.core.backends import make_backend

    backend = make_backend("builtin")
    project, swapped = counterfactual_project(tmp_path / "b.llmstudio", corpus, "text", SWAPS)
    try:
        result = run_counterfactual(
            project, SentimentTask(), backend, SWAPS, swapped, n_resamples=100
        )
        stored = project.db.execute(
            "SELECT row_id, output FROM annotations WHERE run_id = ? ORDER BY row_id",
            (result.runs[0].run_id,),
        ).fetchall()
    finally:
        backend.close()
        project.close()
    signed = {row_id + 1: json.loads(output)["sentiment_signed"] for row_id, output in stored}
    scores = dict(zip(result.rows["row"], result.rows["original_score"]))
    assert scores == pytest.approx(signed)
    assert all(-1 <= v <= 1 for v in scores.values())
    assert any(v not in (-1.0, 0.0, 1.0) for v in scores.values())

"""Validation sources and comparisons: coders against coders and against model runs (a
real lexicon run), single- and multi-label, checked against scikit-learn."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from llmstudio.core import human_codes as hc
from llmstudio.core import validation
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import StatsError
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import SentimentTask

TEXTS = [
    "I love this, wonderful!",
    "Terrible service, awful.",
    "The bus comes at nine.",
    "Great park, happy kids.",
    "Horrible noise and dirt.",
    "It is a street.",
    "Best library ever!",
    "I hate the potholes.",
    "Meeting on Tuesday.",
    "Nice, good job.",
]
SENTIMENT = Codebook(
    codes=(Code("Positive"), Code("Negative"), Code("Neutral")), name="Hand sentiment"
)
ISSUES = Codebook(codes=(Code("Housing"), Code("Transport")), name="Issues", multi_label=True)


@pytest.fixture
def project(tmp_path):
    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    with Project.create(
        tmp_path / "v.llmstudio", Corpus(frame=frame, text_column="text", source="t.csv")
    ) as p:
        p.save_codebook(SENTIMENT)
        p.save_codebook(ISSUES)
        yield p


ANA = [
    "Positive",
    "Negative",
    "Neutral",
    "Positive",
    "Negative",
    "Neutral",
    "Positive",
    "Negative",
    "Neutral",
    None,
]
BEN = [
    "Positive",
    "Negative",
    "Negative",
    "Positive",
    None,
    "Neutral",
    "Neutral",
    "Negative",
    "Neutral",
    "Positive",
]


def code(project, book, coder, labels):
    for row, label in enumerate(labels):
        if label is not None:
            hc.record(project, book, coder, row, [label])


def test_two_coders_match_sklearn_on_the_rows_both_coded(project):
    code(project, SENTIMENT, "ana", ANA)
    code(project, SENTIMENT, "ben", BEN)
    ana, ben = validation.sources(project, SENTIMENT)
    assert (ana.kind, ana.key, ben.key) == ("coder", "ana", "ben")
    result, both = validation.compare(project, SENTIMENT, ana, ben, n_resamples=200)
    pairs = [(a, b) for a, b in zip(ANA, BEN) if a and b]
    assert result.n == len(pairs) == len(both) == 8
    assert result.cohen_kappa.value == pytest.approx(
        cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs]), abs=1e-12
    )
    assert result.labels == ["Positive", "Negative", "Neutral"]  # the codebook's order
    assert list(both.index) == [0, 1, 2, 3, 5, 6, 7, 8]
    assert both.loc[2].tolist() == ["Neutral", "Negative"]
    assert result.cohen_kappa.ci_low <= result.cohen_kappa.value <= result.cohen_kappa.ci_high


def test_a_model_run_is_a_source_and_its_labels_meet_the_codes_ignoring_case(project):
    code(project, SENTIMENT, "ana", ANA)
    run = run_job(project, SentimentTask(), LexiconBackend()).run_id
    sources = validation.sources(project, SENTIMENT)
    assert [s.kind for s in sources] == ["coder", "run"]
    assert sources[1].run_id == run and sources[1].title.startswith(f"run {run}: sentiment by")
    result, both = validation.compare(project, SENTIMENT, sources[0], sources[1], n_resamples=0)
    model = run_results(project, run)["sentiment_label"]
    expected = [(a, model[i].capitalize()) for i, a in enumerate(ANA) if a]
    assert both.values.tolist() == [list(p) for p in expected]
    assert result.accuracy.value == pytest.approx(sum(a == b for a, b in expected) / len(expected))
    # a topic codebook does not list a sentiment run
    assert validation.sources(project, ISSUES) == []


def test_multi_label_is_compared_code_by_code(project):
    hc.record(project, ISSUES, "ana", 0, ["Housing", "Transport"])
    hc.record(project, ISSUES, "ana", 1, ["Housing"])
    hc.record(project, ISSUES, "ana", 2, ["none"])
    hc.record(project, ISSUES, "ben", 0, ["Housing"])
    hc.record(project, ISSUES, "ben", 1, ["Housing"])
    hc.record(project, ISSUES, "ben", 2, ["Transport"])
    ana, ben = validation.sources(project, ISSUES)
    with pytest.raises(ValueError, match="one code at a time"):
        validation.codes_of(project, ISSUES, ana)
    _, both = validation.compare(project, ISSUES, ana, ben, code="Transport", n_resamples=0)
    A, N = validation.APPLIES, validation.DOES_NOT_APPLY
    assert both.values.tolist() == [[A, N], [N, N], [N, A]]
    result, _ = validation.compare(project, ISSUES, ana, ben, code="Housing", n_resamples=0)
    assert result.percent_agreement.value == 1.0


def test_no_row_coded_by_both_is_said_so(project):
    hc.record(project, SENTIMENT, "ana", 0, ["Positive"])
    hc.record(project, SENTIMENT, "ben", 1, ["Positive"])
    ana, ben = validation.sources(project, SENTIMENT)
    with pytest.raises(StatsError, match="no row has codes from two"):
        validation.compare(project, SENTIMENT, ana, ben)


def test_three_coders_together_give_alpha_over_all_of_them(project):
    import krippendorff
    import numpy as np

    cara = [
        "Positive",
        "Neutral",
        "Neutral",
        "Positive",
        "Negative",
        None,
        "Positive",
        "Negative",
        "Neutral",
        "Positive",
    ]
    code(project, SENTIMENT, "ana", ANA)
    code(project, SENTIMENT, "ben", BEN)
    code(project, SENTIMENT, "cara", cara)
    found = validation.sources(project, SENTIMENT)
    assert [s.title for s in found] == [
        "ana (coder)",
        "ben (coder)",
        "cara (coder)",
        "all 3 coders together",
    ]
    result, _ = validation.compare(project, SENTIMENT, found[0], found[3], n_resamples=100)
    index = {"Positive": 0, "Negative": 1, "Neutral": 2}
    data = np.array([[index[v] if v else np.nan for v in coder] for coder in (ANA, BEN, cara)])
    assert result.krippendorff_alpha.value == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-9
    )
    assert result.fleiss_kappa is not None and len(result.pairwise_cohen_kappa) == 3
    assert result.cohen_kappa is None and result.confusion is None

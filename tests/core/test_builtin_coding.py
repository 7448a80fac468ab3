"""The builtin model coding a corpus through the runner: zero-shot against a codebook,
few-shot from coded examples, multi-label, and Cancel while it learns."""

from __future__ import annotations

import threading
import time

import pytest

from llmstudio.core.backends import BackendError, make_backend
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import read_table
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import CodeTask, SentimentTask

from helpers.progress import on_record
from helpers.topics import TOPICS

SPORTS = [
    "The striker scored twice as the team won the football match.",
    "The tennis champion lost in the final set at Wimbledon.",
    "The coach praised his players after the basketball game.",
    "She won the gold medal in the 100 metres at the Olympics.",
]
FOOD = [
    "Stir the garlic and onions in olive oil before adding the tomatoes.",
    "This chocolate cake recipe needs butter, sugar and four eggs.",
    "Bake the bread for forty minutes until the crust is golden.",
    "The soup tastes better with fresh basil and a pinch of salt.",
]
WEATHER = [
    "Heavy rain and strong winds are expected across the coast tomorrow.",
    "Temperatures will drop below freezing tonight with some snow.",
    "The storm brought thunder, hail and flooding to the valley.",
    "Forecasters warn of a heatwave with highs of 38 degrees.",
]
TEXTS = SPORTS + FOOD + WEATHER
TRUTH = ["sports"] * 4 + ["cooking"] * 4 + ["weather"] * 4
BOOK = TOPICS


@pytest.fixture(scope="module")
def builtin(hf_offline):
    return make_backend("builtin")


@pytest.fixture
def project(tmp_path, write_file):
    lines = "\n".join(f'{i},"{t}"' for i, t in enumerate(TEXTS))
    with Project.create(
        tmp_path / "p.llmstudio", read_table(write_file("c.csv", "id,text\n" + lines + "\n"))
    ) as proj:
        yield proj


def accuracy(frame, column="code_label") -> float:
    return sum(a == b for a, b in zip(frame[column], TRUTH)) / len(TRUTH)


def test_zero_shot_coding_against_a_codebook(builtin, project):
    result = run_job(project, CodeTask(codebook=BOOK), builtin)
    assert result.status == "done" and result.failed == 0
    frame = run_results(project, result.run_id)
    assert set(frame["code_label"]) <= set(BOOK.names)
    assert accuracy(frame) >= 0.9
    # The corpus is part of the answers' identity: the same job again computes nothing.
    again = run_job(project, CodeTask(codebook=BOOK), builtin)
    assert again.computed == 0 and again.run_id == result.run_id


@pytest.mark.slow  # fine-tunes MiniLM on the examples: ~30 s
def test_few_shot_learns_labels_whose_names_say_nothing(builtin, project):
    # "alpha/beta/gamma" carry no meaning: only the examples can teach them.
    book = Codebook(codes=(Code("alpha"), Code("beta"), Code("gamma")), name="opaque")
    names = {"sports": "alpha", "cooking": "beta", "weather": "gamma"}
    examples = tuple(
        (t, names[g])
        for t, g in [
            (SPORTS[0], "sports"),
            (SPORTS[1], "sports"),
            (FOOD[0], "cooking"),
            (FOOD[1], "cooking"),
            (WEATHER[0], "weather"),
            (WEATHER[1], "weather"),
        ]
    )
    phases: list[str] = []
    result = run_job(
        project,
        CodeTask(codebook=book, examples=examples),
        builtin,
        monitor=Monitor(on_record(lambda p: p.phase and phases.append(p.phase))),
    )
    assert result.status == "done"
    frame = run_results(project, result.run_id)
    assert sum(names[g] == label for g, label in zip(TRUTH, frame["code_label"])) >= 10
    assert phases, "learning from the examples reports its progress"


@pytest.mark.slow  # fine-tunes MiniLM on the examples: ~30 s
def test_multi_label_gives_a_column_per_code(builtin, project):
    book = Codebook(codes=BOOK.codes, name="topics", multi_label=True)
    examples = (
        (SPORTS[0], "sports"),
        (FOOD[0], "cooking"),
        (WEATHER[0], "weather"),
        (SPORTS[1], "sports"),
        (FOOD[1], "cooking"),
        (WEATHER[1], "weather"),
    )
    result = run_job(project, CodeTask(codebook=book, examples=examples), builtin)
    frame = run_results(project, result.run_id)
    for code in BOOK.names:
        assert set(frame[f"code_{code}"]) <= {0, 1}
        assert frame[f"code_{code}_score"].between(0, 1).all()
    hits = sum(frame.loc[i, f"code_{g}"] == 1 for i, g in enumerate(TRUTH))
    assert hits >= 10


def test_cancel_while_it_learns_stops_before_any_row(builtin, project):
    examples = tuple((t, g) for t, g in zip(TEXTS, TRUTH))
    task = CodeTask(codebook=BOOK, examples=examples)
    stop = threading.Event()
    started = time.monotonic()

    def progress(done, total, record):
        if record.phase:
            stop.set()  # cancel at the first sign of learning

    result = run_job(project, task, builtin, monitor=Monitor(progress, stop.is_set))
    assert result.status == "cancelled" and result.done == 0
    assert time.monotonic() - started < 30
    assert project.db.execute("SELECT status FROM runs").fetchone()[0] == "cancelled"


@pytest.mark.slow  # fine-tunes a copy of MiniLM: ~60 s
def test_any_sentence_transformers_folder_codes_as_the_builtin_model(builtin, project):
    """hf: with an embedding model learns from examples and codes several codes a text
    by the same classifier (here the MiniLM folder itself: the same answers)."""
    from llmstudio.core.backends.builtin import model_dir

    hf = make_backend("hf:" + str(model_dir()))
    assert hf.pipeline_task == "embeddings"
    examples = (
        (SPORTS[0], "sports"),
        (FOOD[0], "cooking"),
        (WEATHER[0], "weather"),
        (SPORTS[1], "sports"),
        (FOOD[1], "cooking"),
        (WEATHER[1], "weather"),
    )
    for book in (BOOK, Codebook(codes=BOOK.codes, name="topics", multi_label=True)):
        task = CodeTask(codebook=book, examples=examples)
        ours = run_results(project, run_job(project, task, hf).run_id)
        theirs = run_results(project, run_job(project, task, builtin).run_id)
        score_columns = [c for c in ours.columns if c.endswith("_score")]
        assert score_columns and len(ours) == len(TEXTS)
        assert ours.drop(columns=score_columns).equals(theirs.drop(columns=score_columns))
        for column in score_columns:
            assert ours[column].to_numpy() == pytest.approx(theirs[column].to_numpy(), abs=1e-4)
    assert hf.fingerprint()["classifier"] == builtin.fingerprint()["classifier"]


def test_explanations_are_refused(builtin, project):
    with pytest.raises(BackendError, match="cannot explain"):
        run_job(project, SentimentTask(explain=True), builtin)


def test_a_text_the_classifier_did_not_see_is_that_rows_error(builtin):
    """The corpus classifier (core/embedding/corpus.py) answers only for the texts it
    was prepared on; the backend makes any other text a row error, never a guess."""
    from llmstudio.core.backends.base import RowError
    from llmstudio.core.embedding.corpus import NOT_SEEN

    task = CodeTask(codebook=BOOK)
    builtin.prepare(task, TEXTS)
    seen, unseen = builtin.annotate(task, [TEXTS[0], "A text that was never in the corpus."])
    assert seen["code_label"] == "sports"
    assert isinstance(unseen, RowError) and str(unseen) == NOT_SEEN


def test_a_classifier_not_prepared_on_the_corpus_refuses(hf_offline):
    from llmstudio.core.embedding.corpus import CorpusClassifier

    clf = CorpusClassifier(model=None, batch_size=8, what="the test classifier")
    with pytest.raises(BackendError, match="the test classifier was not prepared"):
        clf.annotate(CodeTask(codebook=BOOK), TEXTS[:1])

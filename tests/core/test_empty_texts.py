"""Rows with no text (empty, whitespace-only, missing) are never sent to a model: stored
with no label and the reason EMPTY_TEXT, not failures, left out of cost estimates, of
what a corpus-learning model learns from, of label counts and of agreement."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.backends import make_backend
from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.chart_data import label_counts
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus, read_table
from llmstudio.core.cost import estimate
from llmstudio.core.empty_texts import EMPTY_TEXT
from llmstudio.core.project import Project
from llmstudio.core.resume import check_resumes
from llmstudio.core.runner import empty_rows, row_inputs, run_job, run_results
from llmstudio.core.runs import COMPLETE, run_info, run_settings
from llmstudio.core.tasks import CodeTask, PromptTask, SentimentTask

REAL = [
    "I love this wonderful park",
    "This is terrible and I hate it",
    "The bus comes at nine",
    "What a great day",
]
# Rows 1, 2, 4 and 5 have no text: empty, spaces, missing, spaces and a newline.
TEXTS = [REAL[0], "", "   ", REAL[1], None, "   \n ", REAL[2], REAL[3]]
EMPTY = [1, 2, 4, 5]


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "survey.jsonl"
    pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS}).to_json(
        path, orient="records", lines=True
    )
    with Project.create(tmp_path / "p.llmstudio", read_table(path)) as proj:
        yield proj


def check_no_label_for_empty_rows(
    project, result, label="sentiment_label", error="sentiment_error"
) -> pd.DataFrame:
    assert result.status == "done" and result.done == result.total == len(TEXTS)
    assert result.empty == len(EMPTY) and result.failed == 0 and result.errors == []
    assert result.computed + result.cached == len(TEXTS) - len(EMPTY)
    frame = run_results(project, result.run_id)
    assert frame.loc[EMPTY, label].isna().all()
    assert (frame.loc[EMPTY, error] == EMPTY_TEXT).all()
    kept = [r for r in range(len(TEXTS)) if r not in EMPTY]
    assert frame.loc[kept, label].notna().all() and frame.loc[kept, error].isna().all()
    # Answered, not failed: the run is complete.
    info = run_info(project, result.run_id)
    assert info.state == COMPLETE and info.failed == 0 and info.answered == len(TEXTS)
    assert "4 empty texts (no label), not sent" in result.summary()
    return frame


def test_lexicon_gives_empty_rows_no_label_and_charts_do_not_count_them(project):
    result = run_job(project, SentimentTask(), LexiconBackend())
    frame = check_no_label_for_empty_rows(project, result)
    counts = label_counts(frame["sentiment_label"])
    assert counts["n"].sum() == len(TEXTS) - len(EMPTY)


def test_resume_asks_nothing_of_empty_rows(project):
    first = run_job(project, SentimentTask(), LexiconBackend())
    again = run_job(project, SentimentTask(), LexiconBackend())
    assert again.run_id == first.run_id and again.computed == again.cached == 0
    assert again.empty == len(EMPTY)  # the run's count, not this call's


def test_hf_classifier_gives_empty_rows_no_label(project, tiny_models):
    backend = make_backend("hf:" + str(tiny_models.named))
    sent = []
    annotate = backend.annotate
    backend.annotate = lambda task, texts: sent.extend(texts) or annotate(task, texts)
    result = run_job(project, SentimentTask(), backend)
    check_no_label_for_empty_rows(project, result)
    assert sorted(sent) == sorted(REAL)


@pytest.mark.slow
def test_builtin_neither_labels_nor_learns_from_empty_texts(project, hf_offline):
    backend = make_backend("builtin")
    learnt = []
    prepare = backend.prepare
    backend.prepare = lambda task, texts, **kw: learnt.extend(texts) or prepare(task, texts, **kw)
    book = Codebook(
        codes=(Code("parks", "Parks and days out."), Code("transport", "Buses and traffic.")),
        name="topics",
    )
    result = run_job(project, CodeTask(codebook=book), backend)
    check_no_label_for_empty_rows(project, result, "code_label", "code_error")
    assert sorted(learnt) == sorted(REAL)
    # Resuming makes the same corpus key (it too leaves the empty texts out).
    check_resumes(project, run_settings(project, result.run_id), CodeTask(codebook=book), backend)
    sentiment = run_job(project, SentimentTask(), backend)
    check_no_label_for_empty_rows(project, sentiment)


def test_api_is_sent_only_rows_with_text_and_estimate_counts_them(project, fake_openai):
    task = SentimentTask()
    frame = project.corpus().frame
    assert empty_rows(task, frame, "text") == EMPTY
    texts = row_inputs(task, frame, "text")
    assert texts == [REAL[0], REAL[1], REAL[2], REAL[3]]
    assert estimate(task, texts, "gpt-4o-mini").requests == len(REAL)
    backend = OpenAIBackend("fake-model", fake_openai.url, key="sk-fake-key-0000")
    result = run_job(project, task, backend)
    check_no_label_for_empty_rows(project, result)
    assert fake_openai.total == len(REAL)
    assert sorted(r.text for r in fake_openai.chat_requests()) == sorted(REAL)


def test_prompt_with_several_columns_is_empty_only_when_all_are(tmp_path, fake_openai):
    frame = pd.DataFrame(
        {"text": ["", " ", "a reply", ""], "why": ["", "\n", "", "because of the rent"]}
    )
    with Project.create(tmp_path / "q.llmstudio", Corpus(frame, "text")) as proj:
        task = PromptTask(template="Answer: {text} Reason: {why}")
        assert empty_rows(task, proj.corpus().frame, "text") == [0, 1]
        assert len(row_inputs(task, proj.corpus().frame, "text")) == 2
        backend = OpenAIBackend("fake-model", fake_openai.url, key="sk-fake-key-0000")
        result = run_job(proj, task, backend)
        assert result.empty == 2 and fake_openai.total == 2
        out = run_results(proj, result.run_id)
        assert (out.loc[[0, 1], "prompt_error"] == EMPTY_TEXT).all()
        assert out.loc[[2, 3], "prompt_error"].isna().all()

"""Rows with the same input are asked once per job (issue 14: no request paid twice):
measured on what the fake OpenAI server received, and on what a local model was given."""

from __future__ import annotations

import time
from pathlib import Path

from llmstudio.core.backends.lexicon import LexiconBackend
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.cost import estimate
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import SentimentTask

from fakes.openai_server import label_for
from helpers.progress import on_record

TASK = SentimentTask()
DISTINCT = [
    "no",
    "I love the new park",
    "I hate the traffic",
    "The bus comes at nine",
    "RT great news today",
    "Awful service again",
]


def corpus_rows(copies: int = 5) -> list[str]:
    """Each distinct text ``copies`` times, interleaved (as retweets and survey answers
    come): row i has DISTINCT[i % 6]."""
    return [DISTINCT[i % len(DISTINCT)] for i in range(len(DISTINCT) * copies)]


def make_project(path: Path, rows: list[str]) -> Project:
    source = path.with_suffix(".csv")
    source.write_text(
        "id,text\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(rows)), encoding="utf-8"
    )
    return Project.create(path, read_table(source))


def backend(fake, **options) -> OpenAIBackend:
    options.setdefault("key", "sk-fake-key-0000")
    return OpenAIBackend("fake-model", fake.url, **options)


def stored(project: Project, run_id: int) -> list[tuple]:
    return project.db.execute(
        "SELECT row_id, output IS NOT NULL, error, retryable "
        "FROM annotations WHERE run_id = ? ORDER BY row_id",
        (run_id,),
    ).fetchall()


def test_duplicates_go_out_once_with_concurrency_and_every_row_gets_its_answer(
    fake_openai, tmp_path
):
    rows = corpus_rows()
    fake_openai.latency = 0.1  # slow enough that copies would be in flight together
    seen = []
    with make_project(tmp_path / "p.llmstudio", rows) as proj:
        result = run_job(
            proj, TASK, backend(fake_openai, concurrency=4), monitor=Monitor(on_record(seen.append))
        )
        assert fake_openai.total == len(DISTINCT)
        assert sorted(fake_openai.counts) == sorted(DISTINCT)
        assert set(fake_openai.counts.values()) == {1}
        assert fake_openai.max_in_flight > 1  # the requests did go concurrently
        # Rows, not requests, are what the job counts.
        assert result.status == "done" and result.done == result.total == 30
        assert result.computed == 30 and result.cached == 0 and result.failed == 0
        assert result.same_text == 24
        assert "24 rows with the same text as an earlier row" in result.summary()
        assert seen[-1].done == 30
        # Each row has its own stored annotation, with the answer to its own text.
        assert [r[0] for r in stored(proj, result.run_id)] == list(range(30))
        labels = run_results(proj, result.run_id)["sentiment_label"]
        assert list(labels) == [label_for(t) for t in rows]
        # Asked again: nothing sent (the cache), nothing counted as shared.
        again = run_job(proj, TASK, backend(fake_openai, concurrency=4))
        assert fake_openai.total == len(DISTINCT)
        assert again.done == 30 and again.same_text == 0


def test_a_failed_request_fails_each_row_that_shares_it_retryably(fake_openai, tmp_path):
    rows = corpus_rows(4)
    fake_openai.add_rule("500", match="I hate the traffic", times=None, retry_after=0)
    with make_project(tmp_path / "p.llmstudio", rows) as proj:
        result = run_job(proj, TASK, backend(fake_openai, concurrency=3, max_retries=0))
        assert fake_openai.count("I hate the traffic") == 1  # one attempt, not four
        assert fake_openai.total == len(DISTINCT)
        hated = [i for i, t in enumerate(rows) if t == "I hate the traffic"]
        assert result.status == "done" and result.failed == 4
        assert sorted(r for r, _ in result.errors) == hated
        failed = [r for r in stored(proj, result.run_id) if r[2] is not None]
        assert [r[0] for r in failed] == hated
        assert all("HTTP 500" in r[2] and r[3] == 1 for r in failed)  # retryable
        # Once the server answers, the same job asks that text once more, for all four.
        fake_openai.clear_rules()
        fake_openai.reset()
        again = run_job(proj, TASK, backend(fake_openai, concurrency=3))
        assert again.run_id == result.run_id and again.failed == 0 and again.done == 24
        assert dict(fake_openai.counts) == {"I hate the traffic": 1}
        labels = run_results(proj, result.run_id)["sentiment_label"]
        assert list(labels) == [label_for(t) for t in rows]


def test_cancel_before_an_answer_keeps_none_of_its_copies_and_resume_asks_once(
    fake_openai, tmp_path
):
    rows = corpus_rows(3)
    fake_openai.latency = 0.3
    asked = []

    def cancelled() -> bool:  # cancel once the first answers are in
        return fake_openai.total >= 2 and len(asked) > 0

    with make_project(tmp_path / "p.llmstudio", rows) as proj:
        first = run_job(
            proj,
            TASK,
            backend(fake_openai, concurrency=2),
            monitor=Monitor(cancelled=cancelled),
            on_rows=asked.extend,
        )
        assert first.status == "cancelled"
        kept = {r[0] for r in stored(proj, first.run_id)}
        # Whatever was stored, every copy of its text was stored with it.
        for text in DISTINCT:
            copies = {i for i, t in enumerate(rows) if t == text}
            assert copies <= kept or not copies & kept, text
        assert kept and len(kept) < 18  # cancelled midway
        deadline = time.monotonic() + 10  # the abandoned requests end at the server
        while fake_openai.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)
        sent_before = fake_openai.total
        fake_openai.latency = 0.0
        rest = run_job(proj, TASK, backend(fake_openai, concurrency=2))
        assert rest.status == "done" and rest.done == 18
        answered = {t for i, t in enumerate(rows) if i in kept}
        # Each text still missing is asked once; none already stored is asked again.
        assert fake_openai.total - sent_before == len(set(DISTINCT) - answered)
        assert list(run_results(proj, rest.run_id)["sentiment_label"]) == [
            label_for(t) for t in rows
        ]


def test_a_local_model_is_given_each_distinct_text_once(tmp_path):
    given: list[str] = []

    class Counting(LexiconBackend):
        def annotate(self, task, texts):
            given.extend(texts)
            return super().annotate(task, texts)

    rows = corpus_rows()
    with make_project(tmp_path / "p.llmstudio", rows) as proj:
        result = run_job(proj, TASK, Counting())
        assert sorted(given) == sorted(DISTINCT)
        assert result.done == 30 and result.computed == 30 and result.same_text == 24
        lexicon = LexiconBackend()
        expected = [o["sentiment_label"] for o in lexicon.annotate(TASK, rows)]
        assert list(run_results(proj, result.run_id)["sentiment_label"]) == expected


def test_the_estimate_counts_each_distinct_text_once():
    rows = corpus_rows()
    guess = estimate(TASK, rows, "gpt-4o-mini")
    single = estimate(TASK, DISTINCT, "gpt-4o-mini")
    assert guess.requests == 6 and guess.same_text == 24
    assert (guess.input_tokens, guess.output_tokens) == (single.input_tokens, single.output_tokens)
    assert guess.cost_usd == single.cost_usd
    assert "6 requests (24 rows with the same text as an earlier row: sent once)" in str(guess)
    assert "same text" not in str(single)
    # Chunks are made from the distinct texts: the long text counted once, in pieces.
    pieced = estimate(
        TASK,
        ["long text"] * 3 + ["short"],
        "gpt-4o-mini",
        pieces=lambda texts: [
            p for t in texts for p in ([t + " 1", t + " 2"] if t.startswith("long") else [t])
        ],
    )
    assert pieced.requests == 3 and pieced.same_text == 2

"""Batch runs against the fake Batch API (real HTTP, the real openai client): the same
requests as an ordinary run, answers mapped back to rows and cached, failed and expired
rows listed and sent again as an ordinary run, large runs split within the limits."""

from __future__ import annotations

import json

import pytest

from llmstudio.core import batch_results
from llmstudio.core.batch_file import parse_custom_id, parse_results, split_groups
from llmstudio.core.batch_runs import submit_batches
from llmstudio.core.cost import estimate
from llmstudio.core.errors import RunBusy, RunError
from llmstudio.core.project import Project
from llmstudio.core.resume import resume_run
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import SentimentTask

from fakes.batch_server import FakeBatchAPI
from fakes.openai_server import FakeOpenAI, label_for, label_probability
from helpers.batches import batch_backend, batch_project, batch_texts

TASK = SentimentTask()


@pytest.fixture
def fake():
    with FakeBatchAPI() as server:
        yield server


def test_a_batch_asks_what_a_run_asks_and_stores_the_same_answers(tmp_path, fake):
    texts = batch_texts(12, repeat_every=5)  # rows 5 and 10 repeat row 0's text
    with batch_project(tmp_path / "b.llmstudio", texts) as project:
        sent = submit_batches(project, TASK, batch_backend(fake))
        assert len(sent.batch_ids) == 1 and sent.requests == 10 and sent.rows == 12
        assert fake.total == 0  # no ordinary request
        with pytest.raises(RunBusy, match="waits for batch"):
            run_job(project, TASK, batch_backend(fake))  # would pay twice
    # "restart": a new Project object on the file, new backends
    with Project.open(tmp_path / "b.llmstudio") as project:
        states = batch_results.refresh(project)
        assert [s.status for s in states] == ["in_progress"]
        assert batch_results.fetch(project).not_ready  # finalizing: not yet
        got = batch_results.fetch(project)
        assert got.batch_ids == sent.batch_ids and got.answered == 12 and not got.failed
        assert got.runs == {sent.run_id: "complete"}
        frame = run_results(project, sent.run_id)
        assert list(frame["sentiment_label"]) == [label_for(t) for t in texts]
        # the confidence comes from the logprobs, as in a run
        assert frame["sentiment_score"].iloc[1] == pytest.approx(label_probability(texts[1]))
        assert batch_results.waiting(project) == []
    # an ordinary run's requests: the very bodies the batch file carried
    uploaded = [json.loads(line) for line in fake.uploads[0].splitlines()]
    with batch_project(tmp_path / "plain.llmstudio", texts) as plain:
        run_job(plain, TASK, batch_backend(fake))
        asked = {r.text: r.body for r in fake.chat_requests()}
        assert all(asked[fake_text(line)] == line["body"] for line in uploaded)
        assert (
            run_results(plain, 1)["sentiment_label"].tolist() == frame["sentiment_label"].tolist()
        )
    # the cache: the same job again in the batch's project asks nothing
    fake.reset()
    with Project.open(tmp_path / "b.llmstudio") as project:
        again = run_job(project, TASK, batch_backend(fake))
        assert again.status == "done" and fake.total == 0


def fake_text(line: dict) -> str:
    from fakes.openai_server import _text_of

    return _text_of(line["body"])


def test_failed_rows_are_listed_and_sent_again_as_an_ordinary_run(tmp_path, fake):
    texts = batch_texts(10)
    fake.add_rule("500", match="remark 3", times=None)
    with batch_project(tmp_path / "f.llmstudio", texts) as project:
        sent = submit_batches(project, TASK, batch_backend(fake))
        fake.finish()
        fake.clear_rules()
        got = batch_results.fetch(project)
        assert [row for row, _ in got.failed] == [3]
        assert "HTTP 500" in got.failed[0][1]
        assert got.runs == {sent.run_id: "interrupted"}
        frame = run_results(project, sent.run_id)
        assert frame["sentiment_label"].isna().tolist() == [i == 3 for i in range(10)]
        result = resume_run(project, sent.run_id, base_url=fake.url)
        assert result.status == "done" and fake.total == 1  # only the failed row
        assert run_results(project, sent.run_id)["sentiment_label"][3] == label_for(texts[3])


def test_an_expired_batch_keeps_its_finished_part_and_lists_the_rest(tmp_path):
    with FakeBatchAPI(outcome="expired", done_fraction=0.5) as fake:
        with batch_project(tmp_path / "e.llmstudio", batch_texts(8)) as project:
            sent = submit_batches(project, TASK, batch_backend(fake))
            fake.finish()
            got = batch_results.fetch(project)
            assert got.answered == 4 and [r for r, _ in got.failed] == [4, 5, 6, 7]
            assert all("batch_expired" in why for _, why in got.failed)
            info = batch_results.batches(project)[0]
            assert info.status == "expired" and "4 failed" in info.state_text
            assert got.runs[sent.run_id] == "interrupted"


def test_a_failed_batch_lists_every_row_with_the_servers_reason(tmp_path):
    with FakeBatchAPI(outcome="failed") as fake:
        with batch_project(tmp_path / "x.llmstudio", batch_texts(3)) as project:
            submit_batches(project, TASK, batch_backend(fake))
            fake.finish()
            got = batch_results.fetch(project)
            assert got.answered == 0 and len(got.failed) == 3
            assert "the batch failed at the server: the batch could not be run" in got.failed[0][1]


def test_a_large_run_is_split_within_the_limits(tmp_path):
    with FakeBatchAPI(max_requests=4) as fake:
        with batch_project(tmp_path / "s.llmstudio", batch_texts(10)) as project:
            sent = submit_batches(project, TASK, batch_backend(fake), max_requests=4)
            assert len(sent.batch_ids) == 3 and sent.requests == 10
            assert [len(u.splitlines()) for u in fake.uploads] == [4, 4, 2]
            fake.finish()
            got = batch_results.fetch(project)
            assert got.answered == 10 and got.runs == {sent.run_id: "complete"}
        with batch_project(tmp_path / "bytes.llmstudio", batch_texts(6)) as project:
            one = len(fake.uploads[0].splitlines()[0]) + 1
            sent = submit_batches(project, TASK, batch_backend(fake), max_bytes=one * 2 + 5)
            assert len(sent.batch_ids) == 3


def test_cancel_keeps_the_part_done(tmp_path, fake):
    with batch_project(tmp_path / "c.llmstudio", batch_texts(6)) as project:
        submit_batches(project, TASK, batch_backend(fake))
        states = batch_results.cancel(project)
        assert states[0].status == "cancelled"
        got = batch_results.fetch(project)
        assert got.answered == 3 and len(got.failed) == 3


def test_a_server_without_the_batch_api_is_named(tmp_path):
    with FakeOpenAI() as plain, batch_project(tmp_path / "n.llmstudio", batch_texts(2)) as project:
        with pytest.raises(RunError, match="has no Batch API"):
            submit_batches(project, TASK, batch_backend(plain))


def test_unknown_batch_id_is_refused_with_the_known_ones(tmp_path, fake):
    with batch_project(tmp_path / "u.llmstudio", batch_texts(2)) as project:
        sent = submit_batches(project, TASK, batch_backend(fake))
        with pytest.raises(RunError, match=f"no batch 'nope'.*{sent.batch_ids[0]}"):
            batch_results.fetch(project, "nope")


def test_the_estimate_uses_the_batch_price():
    texts = batch_texts(20)
    full = estimate(TASK, texts, "gpt-4o-mini")
    half = estimate(TASK, texts, "gpt-4o-mini", batch=True)
    assert half.cost_usd == pytest.approx(full.cost_usd / 2) and full.cost_usd > 0
    assert "batch price" in str(half) and "batch" not in str(full)


def test_result_lines_and_ids():
    assert parse_custom_id("row-7") == (7, 0, 1)
    assert parse_custom_id("row-7-piece-2-of-3") == (7, 1, 3)
    with pytest.raises(ValueError):
        parse_custom_id("request-1")
    good = {"custom_id": "row-1", "response": {"status_code": 200, "body": {"x": 1}}}
    bad = {
        "custom_id": "row-2",
        "response": {"status_code": 400, "body": {"error": {"message": "no"}}},
    }
    items = list(parse_results([json.dumps(good), "", json.dumps(bad)]))
    assert items[0].body == {"x": 1} and items[1].error == "HTTP 400: no"
    with pytest.raises(RunError, match="line 2 of the batch's results"):
        list(parse_results([json.dumps(good), "{not json"]))
    with pytest.raises(RunError, match="one text needs 3 requests"):
        list(split_groups([[b"a\n"] * 3], max_requests=2))


def test_a_local_model_cannot_batch(tmp_path):
    from llmstudio.core.backends import make_backend

    with batch_project(tmp_path / "l.llmstudio", batch_texts(2)) as project:
        with pytest.raises(RunError, match="lexicon.*cannot take a batch"):
            submit_batches(project, TASK, make_backend("lexicon"))


def test_rows_answered_before_are_not_sent_again(tmp_path, fake):
    texts = batch_texts(6)
    with batch_project(tmp_path / "a.llmstudio", texts) as project:
        run_job(project, TASK, batch_backend(fake), limit=4)  # rows 1-4 as an ordinary run
        sent = submit_batches(project, TASK, batch_backend(fake))
        assert sent.done_before == 4 and sent.requests == 2
        assert [json.loads(x)["custom_id"] for x in fake.uploads[0].splitlines()] == [
            "row-4",
            "row-5",
        ]
        fake.finish()
        assert batch_results.fetch(project).runs == {sent.run_id: "complete"}
        again = submit_batches(project, TASK, batch_backend(fake))  # nothing left to ask
        assert again.batch_ids == [] and again.requests == 0 and len(fake.uploads) == 1


def test_an_unreadable_answer_is_listed_not_asked_again(tmp_path, fake):
    fake.add_rule("prose", match="remark 1", times=None)
    with batch_project(tmp_path / "p.llmstudio", batch_texts(3)) as project:
        submit_batches(project, TASK, batch_backend(fake))
        fake.finish()
        got = batch_results.fetch(project)
        assert [r for r, _ in got.failed] == [1]
        assert got.failed[0][1].startswith("unreadable answer in the batch")
        assert fake.total == 0


def test_a_refused_upload_is_named(tmp_path):
    with FakeBatchAPI(api_key="the-right-key") as fake:
        with batch_project(tmp_path / "k.llmstudio", batch_texts(2)) as project:
            with pytest.raises(RunError, match="refused the batch: AuthenticationError"):
                submit_batches(project, TASK, batch_backend(fake, key="a-wrong-key"))
            assert batch_results.batches(project) == []


def test_a_long_text_goes_in_pieces_combined_as_a_run_combines_them(tmp_path):
    long = " ".join(f"I love the new park, sentence {i}." for i in range(60))
    texts = [long, "Awful service again"]
    with FakeBatchAPI(context_window=600, models=("fake-model",)) as fake:
        with batch_project(tmp_path / "long.llmstudio", texts) as project:
            sent = submit_batches(project, TASK, batch_backend(fake))
            ids = [json.loads(x)["custom_id"] for x in fake.uploads[0].splitlines()]
            pieces = parse_custom_id(ids[0])[2]
            assert pieces > 1 and ids[-1] == "row-1" and sent.rows == 2
            fake.finish()
            assert batch_results.fetch(project).answered == 2
            batched = run_results(project, sent.run_id)
        with batch_project(tmp_path / "plain.llmstudio", texts) as plain:
            run_job(plain, TASK, batch_backend(fake))
            ordinary = run_results(plain, 1)
    assert batched["sentiment_chunks"].tolist() == [pieces, 1]
    assert batched.drop(columns="sentiment_error").equals(ordinary.drop(columns="sentiment_error"))

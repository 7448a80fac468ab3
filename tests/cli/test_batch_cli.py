"""``annotate --batch`` and ``llmstudio batch status|fetch|cancel`` as users run them (a
new process each: the batch is followed across "restarts"), against the fake Batch API."""

from __future__ import annotations

import pandas as pd
import pytest

from fakes.batch_server import FakeBatchAPI
from fakes.openai_server import label_for
from helpers.batches import batch_texts


@pytest.fixture
def fake():
    with FakeBatchAPI() as server:
        yield server


def corpus(tmp_path, n: int):
    source = tmp_path / "survey.csv"
    texts = batch_texts(n)
    pd.DataFrame({"id": range(1, n + 1), "text": texts}).to_csv(source, index=False)
    return source, texts


def send(annotate_cli, source, fake, *more):
    project = source.with_suffix(".llmstudio")
    done, _ = annotate_cli(
        source,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake.url,
        "--project",
        project,
        "--batch",
        *more,
    )
    return done, project


@pytest.mark.slow  # processes in turn: about 3 s each
def test_a_batch_is_sent_followed_and_fetched_in_new_processes(annotate_cli, cli, tmp_path, fake):
    source, texts = corpus(tmp_path, 9)
    fake.add_rule("500", match="remark 4", times=None)
    done, project = send(annotate_cli, source, fake)
    assert done.returncode == 0, done.stderr
    assert "as a batch (finishes within 24 h)" in done.stderr
    batch_id = done.stdout.split()[0]
    assert batch_id in fake.batches and fake.total == 0
    status = cli("batch")("status", project)
    assert status.returncode == 0, status.stderr
    assert f"{batch_id}\trun 1\t9 requests\tin progress" in status.stdout
    early = cli("batch")("fetch", project)
    assert early.returncode == 0 and "not finished yet (finalizing" in early.stderr
    fake.finish()
    got = cli("batch")("fetch", project, "--batch", batch_id)
    assert got.returncode == 0, got.stderr
    assert "8 rows answered, 1 failed" in got.stderr
    assert "row 5: batch: HTTP 500" in got.stderr  # rows counted from 1, as everywhere
    assert "llmstudio runs resume" in got.stderr and "run 1: interrupted" in got.stderr
    fake.clear_rules()
    out = tmp_path / "out.csv"
    resent = cli("runs")("resume", project, "--run", 1, "--base-url", fake.url)
    assert resent.returncode == 0, resent.stderr
    assert fake.total == 1  # only the failed row, at the ordinary price
    exported = cli("export")(project, "--out", out)
    assert exported.returncode == 0, exported.stderr
    assert pd.read_csv(out)["sentiment_label"].tolist() == [label_for(t) for t in texts]


@pytest.mark.slow  # processes in turn: about 3 s each
def test_fetch_resend_and_expiry(annotate_cli, cli, tmp_path):
    with FakeBatchAPI(outcome="expired", done_fraction=0.5) as fake:
        source, texts = corpus(tmp_path, 6)
        done, project = send(annotate_cli, source, fake)
        assert done.returncode == 0, done.stderr
        fake.finish()
        got = cli("batch")("fetch", project, "--resend")
        assert got.returncode == 0, got.stderr
        assert "3 rows answered, 3 failed" in got.stderr and "batch_expired" in got.stderr
        assert "run 1 sent again" in got.stderr and fake.total == 3
        again = cli("batch")("status", project)
        assert "fetched (3 answered, 3 failed)" in again.stdout


@pytest.mark.slow  # processes in turn: about 3 s each
def test_resend_after_a_plain_fetch_sends_the_failed_rows(annotate_cli, cli, tmp_path, fake):
    # fetch's own hint says to come back with --resend; the batch is fetched by then, and
    # --resend used to do nothing at all (no request, no word, exit 0)
    source, texts = corpus(tmp_path, 5)
    fake.add_rule("500", match="remark 2", times=None)
    done, project = send(annotate_cli, source, fake)
    assert done.returncode == 0, done.stderr
    fake.finish()
    got = cli("batch")("fetch", project)
    assert "4 rows answered, 1 failed" in got.stderr and "--resend" in got.stderr
    fake.clear_rules()
    resent = cli("batch")("fetch", project, "--resend")
    assert resent.returncode == 0, resent.stderr
    assert "run 1 sent again" in resent.stderr and fake.total == 1
    nothing = cli("batch")("fetch", project, "--resend")
    assert "nothing to send again" in nothing.stderr and fake.total == 1
    out = tmp_path / "out.csv"
    assert cli("export")(project, "--out", out).returncode == 0
    assert pd.read_csv(out)["sentiment_label"].tolist() == [label_for(t) for t in texts]


@pytest.mark.slow  # processes in turn: about 3 s each
def test_a_large_run_goes_as_several_batches(annotate_cli, cli, tmp_path):
    with FakeBatchAPI(max_requests=3) as fake:
        source, _ = corpus(tmp_path, 7)
        done, project = send(annotate_cli, source, fake, "--batch-requests", 3)
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.split()) == 3 and "in 3 batches" in done.stderr
        cancelled = cli("batch")("cancel", project, "--batch", done.stdout.split()[2])
        assert "cancelled" in cancelled.stdout
        fake.finish()
        got = cli("batch")("fetch", project)
        assert "6 rows answered, 1 failed" in got.stderr, got.stderr


@pytest.mark.parametrize(
    ("more", "said"),
    [
        (("--out", "x.csv"), "--batch with --out"),
        (("--batch-requests", 0), "--batch-requests: from 1 to 50,000"),
    ],
)
def test_batch_options_that_cannot_be(annotate_cli, tmp_path, fake, more, said):
    source, _ = corpus(tmp_path, 2)
    done, _ = send(annotate_cli, source, fake, *more)
    assert done.returncode == 2 and said in done.stderr


def test_a_local_model_cannot_batch(annotate_cli, tmp_path):
    source, _ = corpus(tmp_path, 2)
    done, _ = annotate_cli(source, "--model", "lexicon", "--batch")
    assert done.returncode == 2 and "--batch is for openai: models" in done.stderr
    alone, _ = annotate_cli(source, "--model", "lexicon", "--batch-requests", 5)
    assert alone.returncode == 2 and "--batch-requests goes with --batch" in alone.stderr


@pytest.mark.slow  # processes in turn: about 3 s each
def test_no_such_batch(annotate_cli, cli, tmp_path, fake):
    source, _ = corpus(tmp_path, 2)
    _, project = send(annotate_cli, source, fake)
    got = cli("batch")("fetch", project, "--batch", "batch_nope")
    assert got.returncode == 1 and "has no batch 'batch_nope'" in got.stderr

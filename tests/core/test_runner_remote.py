"""The job runner with the OpenAI-compatible backend against the fake server (real HTTP):
one request per row, none repeated (cache, resume, SIGKILL), concurrency, rate limits and
cancel latency, measured on what the server received."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.tasks import SentimentTask

from fakes.openai_server import label_for
from killed_run import kill_after

REPO = Path(__file__).resolve().parents[2]
TASK = SentimentTask()
STARTS = [
    "I love the new park",
    "I hate the traffic",
    "The bus comes at nine",
    "What a wonderful day",
    "Awful service again",
    "Meeting minutes attached",
]


def texts(n: int) -> list[str]:
    return [f"{STARTS[i % len(STARTS)]}, remark {i}" for i in range(n)]


def make_project(path: Path, rows: list[str]) -> Project:
    """A project whose corpus has the texts twice: in ``text`` and in ``copy``."""
    lines = "\n".join(f'{i},"{t}","{t}"' for i, t in enumerate(rows))
    source = path.with_suffix(".csv")
    source.write_text("id,text,copy\n" + lines + "\n", encoding="utf-8")
    return Project.create(path, read_table(source))


def backend(fake, **options) -> OpenAIBackend:
    options.setdefault("key", "sk-fake-key-0000")
    return OpenAIBackend("fake-model", fake.url, **options)


def learned(fake) -> None:
    """Let the backend learn what the fake takes (one answered request, remembered in
    the config folder), then forget that request: until a first answer, requests go
    one at a time, and some tests need all K in flight from the start."""
    first = backend(fake)
    assert "sentiment_label" in first.annotate_one(TASK, "a warm-up text")
    first.close()
    fake.reset()


def wait_for(condition, seconds: float, what: str, every: float = 0.02):
    """Poll ``condition()`` until it is true (and return it) or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(every)


def count(project: Project, run_id: int) -> int:
    return project.db.execute(
        "SELECT COUNT(*) FROM annotations WHERE run_id = ?", (run_id,)
    ).fetchone()[0]


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path / "p.llmstudio", texts(60)) as proj:
        yield proj


def test_one_request_per_row_then_none_on_a_second_run(fake_openai, project):
    rows = texts(60)
    first = run_job(project, TASK, backend(fake_openai, concurrency=8))
    assert first.status == "done" and first.done == first.computed == 60 and first.failed == 0
    assert fake_openai.total == 60 and set(fake_openai.counts.values()) == {1}
    assert sorted(fake_openai.counts) == sorted(rows)
    labels = run_results(project, first.run_id)["sentiment_label"]
    assert list(labels) == [label_for(t) for t in rows]

    again = run_job(project, TASK, backend(fake_openai, concurrency=8))  # a new client too
    assert again.run_id == first.run_id and again.done == 60 and again.computed == 0
    assert fake_openai.total == 60


def test_the_response_cache_serves_new_runs_without_requests(fake_openai, project):
    first = run_job(project, TASK, backend(fake_openai))
    assert fake_openai.total == 60
    # The run's rows are gone, the cache is not: a fresh run over the same texts.
    with project.db:
        project.db.execute("DELETE FROM annotations")
    rerun = run_job(project, TASK, backend(fake_openai))
    assert rerun.run_id == first.run_id and rerun.cached == 60 and rerun.computed == 0
    # Another run spec (another column) holding the same texts: the same answers.
    other = run_job(project, TASK, backend(fake_openai), text_column="copy")
    assert other.run_id != first.run_id and other.cached == 60 and other.computed == 0
    assert fake_openai.total == 60
    assert list(run_results(project, other.run_id)["sentiment_label"]) == [
        label_for(t) for t in texts(60)
    ]
    # ... but another label set is another question.
    four = SentimentTask(("positive", "negative", "neutral", "mixed"))
    assert run_job(project, four, backend(fake_openai), limit=5).computed == 5
    assert fake_openai.total == 65


@pytest.mark.parametrize("k", [1, 4])
def test_concurrency_k_means_k_requests_at_once(fake_openai, project, k):
    fake_openai.latency = 0.15
    started = time.monotonic()
    result = run_job(project, TASK, backend(fake_openai, concurrency=k), limit=4 * k)
    elapsed = time.monotonic() - started
    assert result.done == 4 * k and fake_openai.total == 4 * k
    assert fake_openai.max_in_flight == k
    assert elapsed < 4 * 0.15 * 2.5  # four rounds of k, not 4k one after another


def test_requests_per_minute_are_respected(fake_openai, project):
    # 120 a minute: one every 0.5 s, even with 6 threads free to send at once.
    result = run_job(
        project, TASK, backend(fake_openai, concurrency=6, requests_per_minute=120), limit=6
    )
    assert result.done == 6
    starts = sorted(r.started for r in fake_openai.chat_requests())
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.4, gaps  # a full bucket sent them all within milliseconds
    assert starts[-1] - starts[0] >= 2.3


def test_tokens_per_minute_are_respected(fake_openai, project):
    # Each request counts as ~8 text tokens + max_tokens (50), ~58 tokens; 3,600 a minute
    # is 60 a second: about one such request a second.
    result = run_job(
        project,
        TASK,
        backend(fake_openai, concurrency=4, max_tokens=50, tokens_per_minute=3600),
        limit=4,
    )
    assert result.done == 4
    starts = sorted(r.started for r in fake_openai.chat_requests())
    assert starts[-1] - starts[0] >= 2.5


def test_cancel_answers_within_a_second_and_keeps_nothing_in_flight(fake_openai, project):
    learned(fake_openai)
    fake_openai.latency = 3.0
    k = 4
    cancel_at: list[float] = []

    def cancelled() -> bool:
        # Cancel once all k requests are at the server and half a second has passed.
        if not cancel_at and fake_openai.in_flight >= k and time.monotonic() - t0 >= 0.5:
            cancel_at.append(time.monotonic())
        return bool(cancel_at)

    t0 = time.monotonic()
    result = run_job(
        project, TASK, backend(fake_openai, concurrency=k), monitor=Monitor(cancelled=cancelled)
    )
    returned = time.monotonic()
    latency = returned - cancel_at[0]
    print(f"cancel latency {latency * 1000:.0f} ms")
    assert latency < 1.0
    assert result.status == "cancelled" and result.done == 0 and result.computed == 0
    assert count(project, result.run_id) == 0
    assert (
        project.db.execute("SELECT status FROM runs WHERE id = ?", (result.run_id,)).fetchone()[0]
        == "cancelled"
    )
    # The abandoned requests end at the server without being recorded or asked again.
    wait_for(lambda: fake_openai.in_flight == 0, 10, "the server to finish the abandoned requests")
    assert fake_openai.total == k
    assert count(project, result.run_id) == 0
    # Resuming asks for the abandoned rows again, and only once for every row.
    fake_openai.latency = 0.0
    rest = run_job(project, TASK, backend(fake_openai, concurrency=k))
    assert rest.status == "done" and rest.done == 60 and rest.computed == 60
    assert fake_openai.total == 60 + k


def test_cancel_during_a_rate_limit_wait_answers_at_once_and_sends_nothing_more(
    fake_openai, project
):
    learned(fake_openai)
    t0 = time.monotonic()
    slow = backend(fake_openai, concurrency=4, requests_per_minute=1)  # then one a minute
    result = run_job(
        project, TASK, slow, monitor=Monitor(cancelled=lambda: time.monotonic() - t0 > 0.5)
    )
    assert time.monotonic() - t0 < 2.0
    assert result.status == "cancelled" and result.done == 1
    time.sleep(0.3)
    assert fake_openai.total == 1  # the requests that waited were never sent


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_then_resume_repeats_only_the_requests_in_flight(fake_openai, tmp_path):
    rows, k = texts(200), 4
    fake_openai.latency = 0.05
    source = tmp_path / "c.csv"
    source.write_text(
        "id,text\n" + "\n".join(f'{i},"{t}"' for i, t in enumerate(rows)) + "\n", encoding="utf-8"
    )
    target = tmp_path / "p.llmstudio"
    env = {k_: v for k_, v in os.environ.items() if k_ != "OPENAI_API_KEY"}
    env.update(LLMSTUDIO_CONFIG_DIR=str(tmp_path / "config"), PYTHONPATH=str(REPO))
    command = [
        sys.executable,
        "-m",
        "llmstudio",
        "annotate",
        str(source),
        "--model",
        "openai:fake",
        "--base-url",
        fake_openai.url,
        "--project",
        str(target),
        "--concurrency",
        str(k),
    ]
    kept = kill_after(command, target, 60, env)
    asked = fake_openai.total
    assert 60 <= kept < 200

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with Project.open(target) as proj:
        run_id = proj.db.execute("SELECT id FROM runs").fetchone()[0]
        frame = run_results(proj, run_id)
    assert len(frame) == 200
    assert (frame["sentiment_label"].notna() | frame["sentiment_error"].notna()).all()
    assert list(frame["sentiment_label"]) == [label_for(t) for t in rows]
    counts = fake_openai.counts
    assert set(counts) == set(rows)
    repeats = sum(n - 1 for n in counts.values())
    print(
        f"SIGKILL after {kept} stored rows and {asked} requests ({asked - kept} unanswered or "
        f"unstored); repeated requests: {repeats}"
    )
    assert repeats <= k


def test_the_rate_limiter_spaces_requests_and_carries_token_debt():
    from llmstudio.core.backends.ratelimit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(requests_per_minute=60, clock=lambda: now[0])
    assert limiter.wait_time() == 0  # the first request goes at once
    assert limiter.wait_time() == pytest.approx(1.0)  # then one a second, no burst
    now[0] = 1.0
    assert limiter.wait_time() == 0
    now[0] = 100.0  # an idle minute does not bank a minute of requests
    assert limiter.wait_time() == 0 and limiter.wait_time() == pytest.approx(1.0)

    tokens = RateLimiter(tokens_per_minute=600, clock=lambda: now[0])  # 10 a second
    assert tokens.wait_time(50) == 0  # larger than the burst: goes, and leaves a debt
    assert tokens.wait_time(5) == pytest.approx(4.5)  # 40 owed + 5 needed, at 10/s


def test_a_rate_limit_wait_ends_when_its_work_is_cancelled():
    import threading

    from llmstudio.core.backends.ratelimit import RateLimiter
    from llmstudio.core.errors import Cancelled

    limiter = RateLimiter(requests_per_minute=1)
    limiter.acquire()  # the first request goes at once; the next waits a minute
    monitor = Monitor()
    threading.Timer(0.3, monitor.cancel).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        limiter.acquire(monitor=monitor)
    assert 0.25 < time.monotonic() - start < 1.5


# -- the circuit breaker (issue 14, item 8) -------------------------------------------------


@pytest.mark.parametrize("fault", ["500", "quota"])
def test_a_server_failing_every_row_stops_the_job_resumably(fake_openai, tmp_path, fault):
    from llmstudio.core.run_execution import STOP_AFTER_FAILED_ROWS
    from llmstudio.core.runs import INTERRUPTED, resume_spec, run_info

    with make_project(tmp_path / "p.llmstudio", texts(30)) as proj:
        fake_openai.add_rule(fault, times=None, retry_after=0)
        result = run_job(proj, TASK, backend(fake_openai, concurrency=1, max_retries=2))
        assert result.status == "stopped" and result.done == STOP_AFTER_FAILED_ROWS
        assert f"stopped after {STOP_AFTER_FAILED_ROWS} rows in a row failed" in result.stopped
        assert ("HTTP 500" if fault == "500" else "insufficient_quota") in result.stopped
        # 500: three attempts per row; no quota: one (asking again cannot help).
        attempts = 3 if fault == "500" else 1
        assert fake_openai.total == STOP_AFTER_FAILED_ROWS * attempts
        assert run_info(proj, result.run_id).state == INTERRUPTED
        resume_spec(proj, result.run_id)  # resumable: raises otherwise
        # Once the server answers, the same job asks the failed rows again and finishes.
        fake_openai.clear_rules()
        fake_openai.reset()
        again = run_job(proj, TASK, backend(fake_openai, concurrency=1, max_retries=2))
        assert again.run_id == result.run_id and again.status == "done"
        assert again.done == 30 and again.failed == 0 and fake_openai.total == 30


def test_failures_between_successes_do_not_stop_the_job(fake_openai, project):
    # Every other row fails: never five in a row, so every row is asked.
    rows = texts(60)
    fake_openai.add_rule(
        "500",
        match=lambda t: rows.index(t) % 2 == 0 if t in rows else False,
        times=None,
        retry_after=0,
    )
    result = run_job(project, TASK, backend(fake_openai, concurrency=1, max_retries=0))
    assert result.status == "done" and not result.stopped
    assert result.done == 60 and result.failed == 30


def test_a_request_larger_than_the_tokens_per_minute_limit_is_that_rows_error(fake_openai, project):
    # ~58 tokens a request, 10 allowed a minute: it could never go (it used to wait
    # forever, holding back every row). Each row gets the error; nothing is sent.
    started = time.monotonic()
    result = run_job(
        project,
        TASK,
        backend(fake_openai, concurrency=2, max_tokens=50, tokens_per_minute=10),
        limit=3,
    )
    assert time.monotonic() - started < 10
    assert result.status == "done" and result.failed == 3 and fake_openai.total == 0
    assert all("tokens-per-minute limit" in e and "(--tpm)" in e for _, e in result.errors)
    # Every row too large: the breaker stops the job after five, as for a failing server.
    whole = run_job(
        project, TASK, backend(fake_openai, concurrency=2, max_tokens=50, tokens_per_minute=10)
    )
    assert whole.status == "stopped" and "tokens-per-minute limit" in whole.stopped
    # A larger limit asks the rows again (the errors were retryable).
    again = run_job(project, TASK, backend(fake_openai, concurrency=4))
    assert again.status == "done" and again.failed == 0 and fake_openai.total == 60


def test_the_breaker_counts_a_long_texts_chunks_as_one_kind_and_stops_when_the_backend_says():
    from llmstudio.core.backends import RowError
    from llmstudio.core.run_execution import STOP_AFTER_FAILED_ROWS, _Breaker, failure_kind

    # Which chunk of a long text failed does not make it another failure.
    first = RowError("chunk 1 of 3: HTTP 500 after retries: boom", retryable=True)
    second = RowError("chunk 2 of 4: HTTP 500 after retries: boom", retryable=True)
    assert failure_kind(first) == failure_kind(second) == "HTTP 500"
    breaker = _Breaker()
    assert not any(breaker.saw(e) for e in [first, second] * 2)
    assert breaker.saw(first) and breaker.count == STOP_AFTER_FAILED_ROWS
    # A failure the backend says stops the job sooner: after its own count, said as it is.
    hung = RowError("no answer within 5 s: the server did not answer", retryable=True, stop_after=2)
    breaker = _Breaker()
    assert not breaker.saw(hung)
    assert breaker.saw(hung)
    assert breaker.reason == "no answer within 5 s: the server did not answer; stopped"
    # An answer between two of them starts the count again.
    breaker = _Breaker()
    assert not breaker.saw(hung) and not breaker.saw({"label": "x"}) and not breaker.saw(hung)

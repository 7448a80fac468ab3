"""The OpenAI-compatible backend, with the real ``openai`` client over real sockets.

The server is ``tests/fakes/openai_server.py`` on 127.0.0.1 (fixture ``fake_openai``); it
records every request, so each test checks what was really sent, how often and when.
"""

from __future__ import annotations

import json
import threading
import time

import pandas as pd
import pytest

from llmstudio.core.backends import BackendError
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.export import export_table
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.runner import run_job, run_results
from llmstudio.core.secrets import api_key
from llmstudio.core.tasks import SentimentTask

from fakes.openai_server import LABELS, PROSE, STATED_SCORE, label_for, label_probability

TASK = SentimentTask()
KEY = "sk-test-SECRET123456"
TEXTS = [
    f"{start} remark number {i}"
    for i, start in enumerate(
        [
            "I love the new park",
            "I hate the traffic",
            "The bus comes at nine",
            "What a wonderful day",
            "Awful service again",
            "Meeting minutes attached",
        ]
        * 4
    )
]


def make_backend(fake, **options) -> OpenAIBackend:
    options.setdefault("key", "sk-fake-key-0000")
    return OpenAIBackend("fake-model", fake.url, **options)


def within(seconds: float, fn, *args):
    """``fn(*args)`` in a thread; fail (rather than hang the suite) if it takes longer."""
    out: list = []

    def call():
        try:
            out.append(("ok", fn(*args)))
        except BaseException as exc:  # handed to the test below
            out.append(("error", exc))

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{getattr(fn, '__name__', fn)} still running after {seconds} s"
    kind, value = out[0]
    if kind == "error":
        raise value
    return value


@pytest.fixture
def project(tmp_path, write_file):
    lines = "\n".join(f'{i},"{t}"' for i, t in enumerate(TEXTS))
    corpus = read_table(write_file("c.csv", "id,text\n" + lines + "\n"))
    with Project.create(tmp_path / "p.llmstudio", corpus) as proj:
        yield proj


def test_labels_structured_output_logprobs_and_reproducible_defaults(fake_openai):
    backend = make_backend(fake_openai)
    for text in TEXTS[:6]:
        out = within(10, backend.annotate_one, TASK, text)
        assert out["sentiment_label"] == label_for(text)
        # The logprob of the label token, not the score written inside the answer.
        assert out["sentiment_score"] == pytest.approx(label_probability(text), abs=1e-6)
        assert out["sentiment_score"] != STATED_SCORE
    assert fake_openai.total == 6
    for request in fake_openai.chat_requests():
        body = request.body
        assert body["model"] == "fake-model"
        assert body["temperature"] == 0 and body["seed"] == 0
        assert body["logprobs"] is True
        # Not api.openai.com: the schema goes in llama.cpp's form, which vLLM and Ollama
        # also take.
        schema = body["response_format"]
        assert schema["type"] == "json_object"
        assert schema["schema"]["properties"]["label"]["enum"] == list(LABELS)
        assert request.text in body["messages"][-1]["content"]
        assert request.headers["authorization"] == "Bearer sk-fake-key-0000"


def test_a_server_without_structured_output_gets_the_plain_prompt(fake_openai):
    fake_openai.accepts_structured = False
    backend = make_backend(fake_openai)
    for text in TEXTS[:5]:
        assert within(10, backend.annotate_one, TASK, text)["sentiment_label"] == label_for(text)
    requests = fake_openai.chat_requests()
    # The three forms of structured output (llama.cpp's, OpenAI's, TGI's) refused once
    # each, then the plain question, and no more asking.
    assert [((r.body.get("response_format") or {}).get("type"), r.status) for r in requests] == (
        [("json_object", 400), ("json_schema", 400), ("json_object", 400)] + [(None, 200)] * 5
    )


def test_the_fallback_holds_under_concurrency(fake_openai, project):
    fake_openai.accepts_structured = False
    result = within(30, run_job, project, TASK, make_backend(fake_openai, concurrency=4))
    assert result.status == "done" and result.failed == 0 and result.done == len(TEXTS)
    plain = [r for r in fake_openai.chat_requests() if "response_format" not in r.body]
    assert len(plain) == len(TEXTS)
    # Requests go one at a time until one is answered: three refusals in all, not three
    # per thread.
    assert len(fake_openai.chat_requests()) - len(plain) == 3


def test_without_logprobs_the_stated_score_is_kept(fake_openai):
    fake_openai.returns_logprobs = False
    out = within(10, make_backend(fake_openai).annotate_one, TASK, TEXTS[0])
    assert out == {"sentiment_label": "positive", "sentiment_score": STATED_SCORE}


def test_a_server_refusing_logprobs_is_asked_again_without(fake_openai):
    fake_openai.accepts_logprobs = False
    backend = make_backend(fake_openai)
    for text in TEXTS[:2]:
        out = within(10, backend.annotate_one, TASK, text)
        assert out["sentiment_label"] == label_for(text)
        assert out["sentiment_score"] == STATED_SCORE
    assert [(bool(r.body.get("logprobs")), r.status) for r in fake_openai.chat_requests()] == [
        (True, 400),
        (False, 200),
        (False, 200),
    ]


def test_429_retry_after_is_honoured(fake_openai):
    text = TEXTS[1]
    fake_openai.add_rule("429", text, times=1, retry_after=1)
    out = within(20, make_backend(fake_openai).annotate_one, TASK, text)
    assert out["sentiment_label"] == "negative"
    first, second = fake_openai.chat_requests(text)
    assert first.status == 429 and second.status == 200
    # Without Retry-After the client's first backoff is at most 0.5 s.
    assert second.started - first.finished >= 0.99


def test_500_then_success_for_every_row(fake_openai, project):
    fake_openai.add_rule("500", times=1, per_text=True)
    result = within(30, run_job, project, TASK, make_backend(fake_openai, concurrency=8))
    assert result.status == "done" and result.failed == 0 and result.done == len(TEXTS)
    assert set(fake_openai.counts.values()) == {2}
    labels = run_results(project, result.run_id)["sentiment_label"]
    assert list(labels) == [label_for(t) for t in TEXTS]


def test_a_timeout_then_success(fake_openai):
    text = TEXTS[2]
    fake_openai.add_rule("slow", text, times=1, seconds=5)
    started = time.monotonic()
    out = within(10, make_backend(fake_openai, timeout=0.5).annotate_one, TASK, text)
    assert out["sentiment_label"] == label_for(text)
    assert fake_openai.count(text) == 2
    assert time.monotonic() - started < 4  # the slow reply was not waited for


def test_a_dropped_connection_is_retried(fake_openai):
    text = TEXTS[3]
    fake_openai.add_rule("drop", text, times=2)
    out = within(10, make_backend(fake_openai).annotate_one, TASK, text)
    assert out["sentiment_label"] == "positive"
    statuses = [r.status for r in fake_openai.chat_requests(text)]
    assert statuses == [None, None, 200]


@pytest.mark.parametrize("fault", ["prose", "unknown_label", "truncated"])
def test_unreadable_answers_are_asked_again(fake_openai, fault):
    text = TEXTS[4]
    fake_openai.add_rule(fault, text, times=2)
    out = within(10, make_backend(fake_openai).annotate_one, TASK, text)
    assert out["sentiment_label"] == label_for(text) == "negative"
    assert fake_openai.count(text) == 3


@pytest.mark.parametrize(
    "content,label",
    [
        ('{"label": "NEGATIVE", "score": 0.7}', "negative"),
        ('```json\n{"label": "Positive", "score": 0.7}\n```', "positive"),
        ('Sure! Here is the answer: {"label": "neutral", "score": 0.7} Hope it helps.', "neutral"),
        ('{"label": "negative", "score": 0.7', "negative"),  # truncated after the label
        ("The sentiment is negative.", "negative"),
    ],
)
def test_answers_that_are_readable_need_one_request(fake_openai, content, label):
    fake_openai.returns_logprobs = False
    fake_openai.add_rule("content", times=None, content=content)
    out = within(10, make_backend(fake_openai).annotate_one, TASK, TEXTS[5])
    assert out["sentiment_label"] == label and out["sentiment_label"] in LABELS
    assert fake_openai.total == 1


def test_a_wrong_case_label_is_this_schemes_label(fake_openai):
    fake_openai.add_rule("wrong_case", times=None)
    for text in TEXTS[:3]:
        out = within(10, make_backend(fake_openai).annotate_one, TASK, text)
        assert out["sentiment_label"] == label_for(text)  # "POSITIVE" -> "positive"
    assert fake_openai.total == 3


def test_an_unknown_model_stops_the_job_with_one_message(fake_openai, project):
    fake_openai.models = ("llama3",)
    with pytest.raises(BackendError, match="has no model 'fake-model'"):
        within(30, run_job, project, TASK, make_backend(fake_openai, concurrency=4))
    assert fake_openai.total <= 4  # one request a thread at most, then the job stops


def test_the_model_list_answers_a_connection_test(fake_openai):
    from openai import OpenAI

    client = OpenAI(api_key="sk-fake-key-0000", base_url=fake_openai.url, max_retries=0)
    assert [m.id for m in client.models.list()] == ["fake"]
    client.close()


def test_an_unreadable_row_is_recorded_and_the_job_goes_on(fake_openai, project):
    bad = TEXTS[7]
    fake_openai.add_rule("truncated", bad, times=None)
    result = within(30, run_job, project, TASK, make_backend(fake_openai, concurrency=4))
    assert result.status == "done" and result.done == len(TEXTS) and result.failed == 1
    assert [row for row, _ in result.errors] == [7]
    assert fake_openai.count(bad) == 3  # PARSE_ATTEMPTS
    frame = run_results(project, result.run_id)
    assert frame.loc[7, "sentiment_error"].startswith("unreadable answer after 3 attempts")
    assert pd.isna(frame.loc[7, "sentiment_label"])
    others = frame.drop(index=7)
    assert others["sentiment_error"].isna().all()
    assert list(others["sentiment_label"]) == [label_for(t) for i, t in enumerate(TEXTS) if i != 7]
    # The error is not cached: a later run asks again.
    assert project.db.execute("SELECT COUNT(*) FROM response_cache").fetchone()[0] == len(TEXTS) - 1


@pytest.mark.parametrize("key", [KEY, "plain-secret-value-wxyz"])
def test_a_refused_key_is_a_backend_error_that_does_not_show_it(fake_openai, project, key):
    fake_openai.api_key = "the-right-key"
    backend = make_backend(fake_openai, key=key)
    with pytest.raises(BackendError) as single:
        within(10, backend.annotate_one, TASK, TEXTS[0])
    with pytest.raises(BackendError) as job:
        within(30, run_job, project, TASK, make_backend(fake_openai, key=key))
    # The server echoed the key it got (see the fake); the messages must not carry it.
    assert fake_openai.chat_requests()[0].headers["authorization"] == f"Bearer {key}"
    for message in (str(single.value), str(job.value)):
        assert "refused the API key" in message
        assert key not in message and "SECRET123456" not in message
    # The run that could not use the model is marked failed, not left "running".
    assert project.db.execute("SELECT status FROM runs").fetchone()[0] == "failed"


def test_the_key_is_in_no_file_the_project_or_an_export_writes(fake_openai, project, tmp_path):
    fake_openai.api_key = KEY
    # A server echoing the key in an answer: the row's recorded error must not keep it.
    fake_openai.add_rule("content", TEXTS[3], times=None, content=f"Cannot comply for {KEY}.")
    result = within(30, run_job, project, TASK, make_backend(fake_openai, key=KEY, concurrency=4))
    assert result.done == len(TEXTS) and result.failed == 1
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake_openai.chat_requests())
    table = project.corpus().frame.join(run_results(project, result.run_id), how="left")
    outputs = [
        export_table(table, tmp_path / f"out{suffix}") for suffix in (".csv", ".xlsx", ".parquet")
    ]
    runs = project.db.execute("SELECT params, fingerprint, backend, software FROM runs").fetchall()
    history = project.db.execute("SELECT detail FROM history").fetchall()
    project.close()  # folds the WAL into the file
    files = [project.path, *outputs, *tmp_path.glob("p.llmstudio*")]
    for path in files:
        blob = path.read_bytes()
        assert KEY.encode() not in blob and b"SECRET123456" not in blob, path
    for record in (*runs, *history):
        assert "SECRET123456" not in json.dumps(record)
    fingerprint = json.loads(runs[0][1])
    assert fingerprint["endpoint"] == f"127.0.0.1:{fake_openai.port}"


# -- what the endpoint accepts, learned once -------------------------------------------


def test_llama_cpp_style_refusals_cost_one_request_and_are_remembered(fake_openai, project):
    # llama-cpp-python takes only json_object (with the schema) and answers json_schema
    # with HTTP 500: a refusal, not a failure to retry five times.
    fake_openai.formats, fake_openai.refusal_status = ("json_schema",), 500
    result = within(30, run_job, project, TASK, make_backend(fake_openai, concurrency=4))
    assert result.status == "done" and result.failed == 0
    statuses = [(r.body["response_format"]["type"], r.status) for r in fake_openai.chat_requests()]
    assert statuses[0] == ("json_object", 500)
    assert statuses[1:] == [("json_schema", 200)] * len(TEXTS)
    # The next backend for this endpoint and model starts with what was learned.
    fake_openai.reset()
    again = make_backend(fake_openai)
    assert again.dialect.format == "json_schema" and again.dialect.confirmed
    within(10, again.annotate_one, TASK, "a new text")
    assert [r.status for r in fake_openai.chat_requests()] == [200]


def test_a_reasoning_model_gets_max_completion_tokens_and_its_own_temperature(fake_openai):
    fake_openai.reasoning = True
    backend = make_backend(fake_openai)
    for text in TEXTS[:3]:
        assert within(10, backend.annotate_one, TASK, text)["sentiment_label"] == label_for(text)
    sent = [
        (r.status, "max_tokens" in r.body, "temperature" in r.body)
        for r in fake_openai.chat_requests()
    ]
    assert sent == [(400, True, True), (400, False, True)] + [(200, False, False)] * 3
    assert fake_openai.chat_requests()[-1].body["max_completion_tokens"] == 200
    assert "default temperature" in backend.dialect.describe()


def test_an_unreadable_answer_is_asked_again_with_the_reason(fake_openai):
    text = TEXTS[2]
    fake_openai.add_rule("prose", text, times=1)
    out = within(10, make_backend(fake_openai).annotate_one, TASK, text)
    assert out["sentiment_label"] == label_for(text)
    first, second = fake_openai.chat_requests(text)
    # The same question at temperature 0 would get the same answer: the second names
    # what was wrong with the first.
    assert len(second.body["messages"]) == len(first.body["messages"]) + 2
    assert second.body["messages"][-2] == {"role": "assistant", "content": PROSE}
    assert "could not be read" in second.body["messages"][-1]["content"]


def test_one_retry_after_holds_back_every_thread(fake_openai, project):
    fake_openai.latency = 0.05
    first = make_backend(fake_openai)  # learn the dialect: then all 4 threads send at once
    within(10, first.annotate_one, TASK, "warm-up")
    fake_openai.reset()
    fake_openai.add_rule("429", TEXTS[5], times=1, retry_after=1.5)
    result = within(60, run_job, project, TASK, make_backend(fake_openai, concurrency=4))
    assert result.status == "done" and result.failed == 0
    limited = next(r for r in fake_openai.chat_requests() if r.status == 429)
    # Requests already on their way may arrive just after; none is sent in the pause.
    sent_in_pause = [
        r
        for r in fake_openai.chat_requests()
        if limited.finished + 0.1 < r.started < limited.finished + 1.4
    ]
    assert sent_in_pause == []
    assert len(fake_openai.chat_requests()) == len(TEXTS) + 1


def test_rows_failed_for_the_moment_are_asked_again_when_the_job_runs_again(fake_openai, project):
    flaky, unreadable = TEXTS[3], TEXTS[4]
    fake_openai.add_rule("500", flaky, times=None)
    fake_openai.add_rule("prose", unreadable, times=None)
    first = within(60, run_job, project, TASK, make_backend(fake_openai, max_retries=1))
    assert first.failed == 2
    errors = dict(first.errors)
    assert errors[3].startswith("HTTP 500") and errors[4].startswith("unreadable answer")
    fake_openai.clear_rules()
    fake_openai.reset()
    second = within(60, run_job, project, TASK, make_backend(fake_openai, max_retries=1))
    # The 500 is asked again and answered; the unreadable answer stays the row's result
    # (the same question would get the same answer), so it is not paid for again.
    assert [r.text for r in fake_openai.chat_requests()] == [flaky]
    assert second.run_id == first.run_id and second.failed == 0 and second.done == len(TEXTS)
    frame = run_results(project, second.run_id)
    assert frame.loc[3, "sentiment_label"] == label_for(flaky)
    assert frame.loc[4, "sentiment_error"].startswith("unreadable answer")


def test_a_server_lost_mid_job_stops_it_and_the_rerun_asks_only_the_rest(fake_openai, project):
    first = make_backend(fake_openai)
    within(10, first.annotate_one, TASK, "warm-up")  # the dialect is known: no probing
    fake_openai.reset()
    fake_openai.add_rule("drop", lambda text: text in TEXTS[6:], times=None)
    result = within(
        60, run_job, project, TASK, make_backend(fake_openai, concurrency=2, max_retries=1)
    )
    # The circuit breaker stops it (not an error raised with the finished rows' fate
    # unsaid): resumable, its finished rows stored.
    assert result.status == "stopped" and result.done == 8 and result.failed == 2
    assert result.stopped.startswith(
        "connection failed after retries: lost the connection to 127.0.0.1"
    )
    assert result.stopped.endswith("; stopped")
    kept = project.db.execute(
        "SELECT COUNT(*) FROM annotations WHERE output IS NOT NULL"
    ).fetchone()[0]
    assert kept == 6
    assert project.db.execute("SELECT status FROM runs").fetchone()[0] == "cancelled"
    # Two rows in a row failed (K = concurrency = 2), each tried twice: the job did not go
    # through the other 16 rows' retries.
    assert len(fake_openai.chat_requests()) <= 6 + 2 * 2 + 2

    answered = [r.text for r in fake_openai.chat_requests() if r.status == 200]
    fake_openai.clear_rules()
    fake_openai.reset()
    again = within(60, run_job, project, TASK, make_backend(fake_openai, concurrency=2))
    assert again.status == "done" and again.run_id == result.run_id and again.failed == 0
    answered += [r.text for r in fake_openai.chat_requests() if r.status == 200]
    # Every row answered exactly once over the two jobs: none paid twice, none missing.
    assert sorted(answered) == sorted(TEXTS)
    assert run_results(project, again.run_id)["sentiment_label"].tolist() == [
        label_for(t) for t in TEXTS
    ]


def test_openai_api_key_goes_to_openai_only(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-123456")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert api_key(None) == "sk-env-key-123456"
    assert api_key("https://api.openai.com/v1") == "sk-env-key-123456"
    assert api_key("http://127.0.0.1:8080/v1") is None
    assert api_key("https://openrouter.example/api/v1") is None
    # Paired by the user: OPENAI_BASE_URL names that host.
    monkeypatch.setenv("OPENAI_BASE_URL", "https://openrouter.example/api/v1")
    assert api_key("https://openrouter.example/api/v1") == "sk-env-key-123456"
    assert api_key("http://127.0.0.1:8080/v1") is None


def test_a_llama_cpp_like_server_gets_exactly_one_request_a_row(fake_openai, project):
    # llama-cpp-python's server: the schema only as json_object, HTTP 500 for json_schema.
    fake_openai.formats, fake_openai.refusal_status = ("json_object",), 500
    result = within(30, run_job, project, TASK, make_backend(fake_openai, concurrency=4))
    assert result.status == "done" and result.failed == 0
    assert sorted(r.text for r in fake_openai.chat_requests()) == sorted(TEXTS)
    assert {r.status for r in fake_openai.chat_requests()} == {200}


def test_a_server_that_never_answers_stops_the_job_within_the_stated_timeout(project, monkeypatch):
    from llmstudio.core import run_execution
    from llmstudio.core.backends.openai_client import TIMEOUT_ATTEMPTS

    from fakes.silent_server import SilentServer

    monkeypatch.setattr(run_execution, "WAIT_SHOWN_AFTER_S", 0.3)
    seen: list[tuple[float, str]] = []
    with SilentServer() as silent:
        backend = make_backend(silent, concurrency=4, timeout=0.5)
        assert backend.client.timeout == 0.5  # the client waits what is stated
        started = time.monotonic()
        result = within(
            20,
            lambda: run_job(
                project,
                TASK,
                backend,
                monitor=Monitor(
                    lambda d, t, record: seen.append((record.waiting_s, record.waiting_for))
                ),
            ),
        )
        seconds = time.monotonic() - started
        accepted = silent.accepted
    # Nothing ever answered: the first row, asked twice (not six times), stops the job.
    assert result.status == "stopped" and result.done == 1 and result.failed == 1
    assert result.stopped.startswith(
        f"no answer within 0.5 s: the server at {silent.host} did not answer"
    )
    assert f"each row asked {TIMEOUT_ATTEMPTS} times" in result.stopped
    assert result.stopped.endswith("; stopped")
    # The model list (asked once, with the same timeout), the two tries of the row and
    # the next row's request, abandoned when the job stopped (rows go one at a time until
    # the server has answered once).
    assert "did not answer 3 requests in a row" in result.stopped
    assert accepted <= 1 + TIMEOUT_ATTEMPTS + 1
    assert seconds < 8
    # The time waited was shown while waiting, named for the server.
    waits = [w for w, host in seen if w > 0 and host == silent.host]
    assert waits and max(waits) >= 0.3
    assert project.db.execute("SELECT status FROM runs").fetchone()[0] == "cancelled"


def test_a_server_that_stops_answering_midway_stops_after_k_rows(fake_openai, project):
    from llmstudio.core.backends.openai_client import STOP_AFTER_TIMEOUTS, TIMEOUT_ATTEMPTS

    fake_openai.add_rule("slow", lambda text: text in TEXTS[6:], times=None, seconds=30)
    result = within(
        30, run_job, project, TASK, make_backend(fake_openai, concurrency=2, timeout=0.5)
    )
    assert result.status == "stopped", result
    # The breaker trips at the K-th timed-out row; with two request threads the other
    # one's row can time out in the same moment and come back in the same batch: it
    # was asked and got no answer, so it is kept as failed too (never more than one).
    assert STOP_AFTER_TIMEOUTS <= result.failed <= STOP_AFTER_TIMEOUTS + 1, result
    assert f"the server at 127.0.0.1:{fake_openai.port} did not answer" in result.stopped
    answered = {r.text for r in fake_openai.chat_requests() if r.status == 200}
    assert answered == set(TEXTS[:6])
    # A row that timed out is asked TIMEOUT_ATTEMPTS times, not the client's six.
    hung = [r.text for r in fake_openai.chat_requests() if r.text in TEXTS[6:]]
    assert max(hung.count(t) for t in set(hung)) == TIMEOUT_ATTEMPTS
    assert len(set(hung)) <= STOP_AFTER_TIMEOUTS + 2  # the breaker, plus those in flight


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_a_timeout_that_is_not_a_positive_number_is_refused(fake_openai, timeout):
    with pytest.raises(BackendError, match="the timeout is a number of seconds above 0"):
        make_backend(fake_openai, timeout=timeout)


def test_a_server_down_from_the_start_with_a_remembered_dialect_is_not_said_lost(
    fake_openai, project
):
    within(10, make_backend(fake_openai).annotate_one, TASK, "warm-up")  # dialect saved
    fake_openai.stop()  # down before the job: its first request is not probed again
    result = within(
        60, run_job, project, TASK, make_backend(fake_openai, concurrency=2, max_retries=1)
    )
    assert result.status == "stopped" and result.done == 2
    assert result.stopped.startswith(
        f"connection failed after retries: cannot reach 127.0.0.1:{fake_openai.port}, "
    )
    assert "lost" not in result.stopped

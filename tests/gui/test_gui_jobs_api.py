"""API model runs in the window, against the fake OpenAI-compatible server (real HTTP, the
real ``openai`` client): consent before anything is sent, Cancel within about a second,
Resume, row errors, and Model settings' Test connection."""

from __future__ import annotations

import socket
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from llmstudio.core.project import Project
from llmstudio.gui.runs.jobs import JobSpec
from llmstudio.gui.runs.jobs_panel import ROWS, STATUS
from llmstudio.gui.runs.model_settings import ModelSettingsDialog

from fakes.openai_server import label_for
from helpers.gui import (
    answer_run_dialog,
    api_spec,
    consent,
    make_project,
    open_project,
    sample_frame,
    wait_job,
)

ROWS_IN_PROJECT = 60


@pytest.fixture
def project_path(tmp_path):
    return make_project(tmp_path / "api.llmstudio", sample_frame().head(ROWS_IN_PROJECT))


@pytest.fixture
def opened(qtbot, window, project_path):
    open_project(qtbot, window, project_path)
    return window


def host_of(fake) -> str:
    return fake.netloc


def test_declining_consent_starts_nothing_and_sends_nothing(opened, fake_openai, monkeypatch):
    shown = consent(monkeypatch, QDialog.DialogCode.Rejected)
    assert opened.runs.run(api_spec(fake_openai)) is None
    assert len(shown) == 1
    assert not opened.runs.jobs and opened.runs.panel.isHidden()
    assert fake_openai.total == 0 and fake_openai.requests == []
    assert not opened.project.has_consent(host_of(fake_openai), ["text"])
    assert opened.model.result_names == []


def test_consent_names_column_host_and_estimate_and_is_asked_once(
    qtbot, opened, fake_openai, monkeypatch
):
    shown = consent(monkeypatch, QDialog.DialogCode.Accepted)
    answer_run_dialog(monkeypatch, "openai:fake", base_url=fake_openai.url)
    opened.runs.ask_run()  # the whole flow: dialog, consent, job
    [job] = opened.runs.jobs
    wait_job(qtbot, job)
    [text] = shown
    assert "<b>text</b>" in text and f"<b>{host_of(fake_openai)}</b>" in text
    assert f"{ROWS_IN_PROJECT:,} requests" in text and "<b>unknown</b>" in text  # no price
    assert opened.project.has_consent(host_of(fake_openai), ["text"])
    assert opened.runs.panel.cell_text(job, ROWS) == f"{ROWS_IN_PROJECT} / {ROWS_IN_PROJECT}"
    assert fake_openai.total == ROWS_IN_PROJECT
    assert set(opened.model.result("sentiment_label")) <= {"positive", "negative", "neutral"}
    # Asked once per project and endpoint; the same run again is answered from the project.
    again = opened.runs.run(api_spec(fake_openai))
    wait_job(qtbot, again)
    assert len(shown) == 1
    assert fake_openai.total == ROWS_IN_PROJECT
    with Project.open(opened.project.path) as project:
        assert "consent" in [action for _, action, _ in project.history()]


def test_cancel_answers_within_a_second_and_resume_finishes(
    qtbot, opened, fake_openai, monkeypatch
):
    consent(monkeypatch, QDialog.DialogCode.Accepted)
    fake_openai.latency = 0.5  # 4 requests at once: 8 rows a second
    job = opened.runs.run(api_spec(fake_openai, concurrency=4))
    qtbot.waitUntil(
        lambda: job.state.progress is not None and job.state.progress.done >= 4, timeout=20_000
    )
    panel = opened.runs.panel
    button = panel.button(job)
    assert button.text() == "Cancel" and button.isVisible()
    pressed = time.perf_counter()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    latency = time.perf_counter() - pressed
    qtbot.wait(300)  # abandoned requests wind down meanwhile
    assert job.state.status == "cancelled"
    assert latency < 1.5, f"Cancel took {latency:.2f} s"
    # The GUI thread's pauses are measured in benchmarks/gui_responsiveness.py.
    assert panel.cell_text(job, STATUS) == "Cancelled (finished rows kept)"
    done_before = job.state.progress.done
    assert 4 <= done_before < ROWS_IN_PROJECT
    kept = [v for v in opened.model.result("sentiment_label") if v is not None]
    assert len(kept) == done_before

    fake_openai.latency = 0.0
    assert button.text() == "Resume"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_job(qtbot, job)
    assert job.state.status == "done"
    assert panel.cell_text(job, ROWS) == f"{ROWS_IN_PROJECT} / {ROWS_IN_PROJECT}"
    assert all(v is not None for v in opened.model.result("sentiment_label"))
    # Only the requests abandoned in flight at Cancel were sent again.
    counts = fake_openai.counts
    assert len(counts) == ROWS_IN_PROJECT
    assert sum(n - 1 for n in counts.values()) <= 4


def test_unreadable_answers_are_row_errors(qtbot, opened, fake_openai, monkeypatch):
    consent(monkeypatch, QDialog.DialogCode.Accepted)
    bad = opened.corpus.frame["text"].iloc[7]
    fake_openai.add_rule("prose", match=lambda text: text == bad, times=None)
    job = opened.runs.run(api_spec(fake_openai))
    wait_job(qtbot, job)
    [(row_id, message)] = job.state.errors
    assert row_id == 7 and "unreadable answer" in message
    assert opened.runs.panel.errors.item(0).text().startswith("Row 8:")
    assert opened.runs.panel.cell_text(job, STATUS) == "Done, 1 row(s) failed"


def test_a_server_out_of_quota_stops_the_job_and_says_why(
    qtbot, opened, tmp_path, fake_openai, monkeypatch
):
    consent(monkeypatch, QDialog.DialogCode.Accepted)
    fake_openai.add_rule("quota", times=None)
    job = opened.runs.run(api_spec(fake_openai, concurrency=2))
    qtbot.waitUntil(lambda: not job.running and job.state.status == "stopped", timeout=30_000)
    status = opened.runs.panel.cell_text(job, STATUS)
    assert status.startswith(
        "Stopped after 5 rows in a row failed the same way: HTTP 429 insufficient_quota"
    ), status
    # Nothing was answered: nothing is said to be kept.
    assert status.endswith("; no row was answered, Resume asks the failed ones again")
    assert fake_openai.total <= 5 + 2  # not 60 rows x 6 attempts
    button = opened.runs.panel.button(job)
    assert button.isVisible() and button.text() == "Resume"
    opened.runs.panel.grab().save(str(tmp_path / "breaker_stopped.png"))

    fake_openai.clear_rules()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_job(qtbot, job)
    assert job.state.status == "done"
    assert all(v is not None for v in opened.model.result("sentiment_label"))


def test_a_server_that_does_not_answer_shows_the_time_waited(qtbot, opened, tmp_path, monkeypatch):
    from llmstudio.core import run_execution

    from fakes.silent_server import SilentServer

    consent(monkeypatch, QDialog.DialogCode.Accepted)
    monkeypatch.setattr(run_execution, "WAIT_SHOWN_AFTER_S", 0.5)
    with SilentServer() as silent:
        job = opened.runs.run(JobSpec(model="openai:fake", base_url=silent.url))
        panel = opened.runs.panel
        qtbot.waitUntil(
            lambda: panel.cell_text(job, STATUS).startswith(f"Waiting for {silent.host}, "),
            timeout=20_000,
        )
        first = panel.cell_text(job, STATUS)
        qtbot.waitUntil(lambda: panel.cell_text(job, STATUS) != first, timeout=5_000)
        status = panel.cell_text(job, STATUS)
        assert status.startswith(f"Waiting for {silent.host}, ") and status.endswith(" s")
        assert panel.cell_text(job, ROWS) == f"0 / {ROWS_IN_PROJECT}"
        panel.grab().save(str(tmp_path / "server_waiting.png"))
        job.cancel()
        qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert job.state.status == "cancelled"


# -- Model settings: Test connection ------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection(qtbot, dialog: ModelSettingsDialog, base_url: str, key: str = "") -> str:
    dialog.api_model.setText("fake")
    dialog.base_url.setText(base_url)
    dialog.key.setText(key)
    with qtbot.waitSignal(dialog.sig_tested, timeout=20_000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.test_result.text() == blocker.args[0]
    return blocker.args[0]


test_connection.__test__ = False  # a helper, not a test


@pytest.fixture
def settings(qtbot):
    dialog = ModelSettingsDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_cache_scanned, timeout=20_000):
        pass  # the scan was started by the dialog; its answer comes in the event loop
    yield dialog
    qtbot.waitUntil(lambda: not dialog.background_work, timeout=20_000)


def test_connection_to_a_server_succeeds(qtbot, settings, fake_openai):
    text = test_connection(qtbot, settings, fake_openai.url)
    # What answered, how fast, what it said, and how requests to it are phrased.
    assert text.startswith(f"Connected: fake at {host_of(fake_openai)} answered in ")
    assert f" s: “I love this.” is {label_for('I love this.')} (" in text
    assert text.endswith("Requests use JSON mode with the schema.")
    assert "\n" not in text
    # One real sentiment question, asked as a run asks it (not a one-token "Say OK.").
    [request] = fake_openai.chat_requests()
    assert "I love this." in request.text and request.body["max_tokens"] > 1
    assert request.body["response_format"]["type"] == "json_object"


def test_connection_names_the_dialect_it_learned(qtbot, settings):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(accepts_structured=False, accepts_logprobs=False) as fake:
        text = test_connection(qtbot, settings, fake.url)
    assert text.startswith(f"Connected: fake at {host_of(fake)} answered")
    assert text.endswith("Requests use plain prompt, answer parsed, no logprobs.")


def test_connection_to_a_reasoning_model_teaches_the_app_its_dialect(qtbot, settings):
    """A reasoning model refuses max_tokens and temperature: the test connection learns
    that, says so, and a run afterwards sends max_completion_tokens at once."""
    from llmstudio.core.backends.openai_backend import OpenAIBackend
    from llmstudio.core.tasks import SentimentTask

    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(reasoning=True) as fake:
        text = test_connection(qtbot, settings, fake.url)
        assert text.startswith(f"Connected: fake at {host_of(fake)} answered")
        assert "the model's default temperature" in text and "max_completion_tokens" in text
        assert fake.total > 1  # it was refused, then answered
        fake.reset()
        backend = OpenAIBackend("fake", fake.url, max_retries=0)
        try:
            assert backend.dialect.max_tokens_param == "max_completion_tokens"
            out = backend.annotate_one(SentimentTask(), "What a lovely day.")
        finally:
            backend.close()
        assert out["sentiment_label"] == label_for("What a lovely day.")
        [request] = fake.chat_requests()  # nothing refused this time
        assert "max_completion_tokens" in request.body and "max_tokens" not in request.body
        assert "temperature" not in request.body


def test_connection_to_a_missing_model_is_a_one_line_error(qtbot, settings):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(models=("llama3.2",)) as fake:
        text = test_connection(qtbot, settings, fake.url)
    assert text.startswith(f"Failed: {host_of(fake)} has no model 'fake'")
    assert "\n" not in text


def test_connection_with_unreadable_answers_says_why(qtbot, settings):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as fake:
        fake.add_rule("content", times=None, content="I would rather not say.")
        text = test_connection(qtbot, settings, fake.url)
    assert text.startswith(
        f"Failed: fake at {host_of(fake)} gave no usable answer: unreadable answer"
    )
    assert "I would rather not say." in text and "\n" not in text


def test_connection_with_an_http_error_is_one_line(qtbot, settings):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as fake:
        fake.add_rule("500", times=None)
        text = test_connection(qtbot, settings, fake.url, key="local-token-0042")
    assert text.startswith(f"Failed: fake at {host_of(fake)} gave no usable answer: HTTP 500")
    assert "\n" not in text and "local-token-0042" not in text


def test_connection_to_a_closed_port_is_a_one_line_error(qtbot, settings):
    port = closed_port()
    text = test_connection(
        qtbot, settings, f"http://127.0.0.1:{port}/v1", key="sk-test-abcdef123456"
    )
    assert text.startswith(f"Failed: cannot reach 127.0.0.1:{port}")
    assert "\n" not in text and "sk-test-abcdef123456" not in text


def test_a_refused_key_is_not_shown(qtbot, settings):
    from fakes.openai_server import FakeOpenAI

    with FakeOpenAI(api_key="the-right-key") as fake:
        # The server echoes the key it got, as OpenAI does; neither shape may show.
        for key in ("sk-wrong-abcdef123456", "local-token-0042"):
            text = test_connection(qtbot, settings, fake.url, key=key)
            assert text.startswith(f"Failed: {host_of(fake)} refused the API key (HTTP 401)")
            assert key not in text and "\n" not in text
            assert "Incorrect API key provided: ***" in text  # the echo is redacted


def test_openai_without_a_key_fails_before_sending(qtbot, opened, monkeypatch):
    consent(monkeypatch, QDialog.DialogCode.Accepted)
    job = opened.runs.run(JobSpec(model="openai:gpt-4o-mini"))
    qtbot.waitUntil(lambda: not job.running and job.state.status == "failed", timeout=20_000)
    assert "OPENAI_API_KEY" in opened.runs.panel.cell_text(job, STATUS)
    assert opened.project.has_consent("api.openai.com", ["text"])


def test_closing_the_window_cancels_a_running_job(
    qtbot, new_window, project_path, fake_openai, monkeypatch
):
    consent(monkeypatch, QDialog.DialogCode.Accepted)
    # "Cancel job and close" (the question itself: test_gui_screens).
    monkeypatch.setattr("llmstudio.gui.runs.model_runs.ask_cancel_to_close", lambda *a: True)
    window = new_window()
    open_project(qtbot, window, project_path)
    fake_openai.latency = 0.5
    job = window.runs.run(api_spec(fake_openai))
    qtbot.waitUntil(lambda: job.state.status == "running", timeout=20_000)
    started = time.perf_counter()
    window.close()
    assert time.perf_counter() - started < 3
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)  # once the job ended
    assert job.state.status == "cancelled"
    with Project.open(project_path) as project:
        assert project.db.execute("SELECT status FROM runs").fetchone()[0] == "cancelled"

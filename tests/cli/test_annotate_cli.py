"""``llmstudio annotate`` as users run it (``python -m llmstudio`` in a subprocess): against
the fake OpenAI-compatible server (real HTTP), and offline with the lexicon and the real
MiniLM."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from fakes.openai_server import LABELS, label_for

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "llmstudio" / "resources" / "sample_corpus.csv"
KEY = "sk-test-SECRET123456"
STARTS = [
    "I love the new park",
    "I hate the traffic",
    "The bus comes at nine",
    "What a wonderful day",
    "Awful service again",
    "Meeting minutes attached",
]
TEXTS = [f"{STARTS[i % len(STARTS)]}, remark {i}" for i in range(30)]


@pytest.fixture
def annotate(annotate_cli):
    return annotate_cli


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "texts.csv"
    path.write_text(
        "id,text\n" + "\n".join(f'{i},"{t}"' for i, t in enumerate(TEXTS)) + "\n", encoding="utf-8"
    )
    return path


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout


def test_openai_compatible_server_then_a_second_run_asks_nothing(
    annotate, source, tmp_path, fake_openai
):
    out, project = tmp_path / "out.csv", tmp_path / "p.llmstudio"
    args = (
        source,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--project",
        project,
        "--out",
        out,
    )
    first, _ = annotate(*args)
    assert first.returncode == 0, first.stderr
    no_traceback(first)
    assert "rows/s" in first.stderr and "30/30 rows" in first.stderr  # progress on stderr
    assert first.stdout == ""
    table = pd.read_csv(out)
    assert list(table.columns[-5:]) == [
        "sentiment_label",
        "sentiment_score",
        "sentiment_valence",
        "sentiment_chunks",
        "sentiment_error",
    ]
    assert list(table["sentiment_label"]) == [label_for(t) for t in TEXTS]
    assert table["sentiment_score"].between(0, 1).all()
    assert fake_openai.total == 30 and set(fake_openai.counts.values()) == {1}
    assert {r.body["model"] for r in fake_openai.chat_requests()} == {"fake-model"}

    out.unlink()
    second, _ = annotate(*args)
    assert second.returncode == 0, second.stderr
    assert fake_openai.total == 30  # nothing asked again
    assert pd.read_csv(out)["sentiment_label"].tolist() == table["sentiment_label"].tolist()


def test_the_key_reaches_the_server_but_no_file_or_message(annotate, source, tmp_path, fake_openai):
    fake_openai.api_key = KEY
    out, project = tmp_path / "out.xlsx", tmp_path / "p.llmstudio"
    # OPENAI_API_KEY goes to another host than OpenAI's only where OPENAI_BASE_URL
    # names that host.
    unpaired, _ = annotate(
        source,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--limit",
        "3",
        key=KEY,
    )
    assert unpaired.returncode == 1
    assert "store this server's key in Model settings" in unpaired.stderr
    assert [r.headers["authorization"] for r in fake_openai.chat_requests()] == [
        "Bearer not-needed"
    ]
    fake_openai.reset()
    done, _ = annotate(
        source,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--project",
        project,
        "--out",
        out,
        "--limit",
        "10",
        key=KEY,
        key_for=fake_openai.url,
    )
    assert done.returncode == 0, done.stderr
    assert fake_openai.total == 10
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake_openai.chat_requests())
    for path in (project, out, *tmp_path.glob("p.llmstudio-*")):
        assert b"SECRET123456" not in path.read_bytes(), path
    assert "SECRET123456" not in done.stderr + done.stdout

    refused, _ = annotate(
        source,
        "--model",
        "openai:fake-model",
        "--base-url",
        fake_openai.url,
        "--limit",
        "3",
        key="sk-test-WRONG987654",
        key_for=fake_openai.url,
    )
    assert refused.returncode == 1
    no_traceback(refused)
    error = [line for line in refused.stderr.splitlines() if "error" in line]
    assert len(error) == 1 and "refused the API key" in error[0]
    assert "WRONG987654" not in refused.stderr


@pytest.mark.parametrize("model", ["lexicon", pytest.param("builtin", marks=pytest.mark.slow)])
def test_offline_models_on_the_sample(annotate, tmp_path, model):
    out = tmp_path / "sample.csv"
    done, _ = annotate(SAMPLE, "--model", model, "--limit", "40", "--out", out, timeout=120)
    assert done.returncode == 0, done.stderr
    no_traceback(done)
    table = pd.read_csv(out)
    sample = pd.read_csv(SAMPLE)
    assert len(table) == len(sample)
    assert list(table.columns[: len(sample.columns)]) == list(sample.columns)
    labelled = table["sentiment_label"].iloc[:40]
    assert labelled.isin(LABELS).all() and table["sentiment_label"].iloc[40:].isna().all()
    assert table["sentiment_score"].iloc[:40].between(0, 1).all()
    assert labelled.nunique() >= 2  # a real model, not a constant


def test_an_unknown_model_is_one_line(annotate, source):
    done, _ = annotate(source, "--model", "foo")
    assert done.returncode not in (0, 3)  # an error, not an internal error
    no_traceback(done)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("llmstudio: error: --model: unknown model 'foo'")


def test_a_server_failing_every_request_gives_every_row_its_error(
    annotate, source, tmp_path, fake_openai
):
    # Retry-After 10 ms keeps the client's five retries short.
    fake_openai.add_rule("500", times=None, retry_after=0.01)
    out = tmp_path / "out.csv"
    done, seconds = annotate(
        source, "--model", "openai:m", "--base-url", fake_openai.url, "--limit", "5", "--out", out
    )
    no_traceback(done)
    assert "5 failed" in done.stderr
    # Nothing succeeded: a script must see that in the exit status.
    assert done.returncode == 1 and "every row failed" in done.stderr
    table = pd.read_csv(out)
    assert table["sentiment_error"].iloc[:5].str.startswith("HTTP 500 after retries").all()
    assert table["sentiment_label"].isna().all()
    assert fake_openai.total == 5 * 6  # one request and five retries a row, no more
    assert seconds < 20


def test_an_unreachable_server_fails_at_once_with_a_clear_message(annotate, source, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out.csv"
    done, seconds = annotate(
        source,
        "--model",
        "openai:m",
        "--base-url",
        f"http://127.0.0.1:{port}/v1",
        "--limit",
        "20",
        "--out",
        out,
    )
    print(f"unreachable server: exit {done.returncode} after {seconds:.1f} s")
    no_traceback(done)
    # Not 20 rows times the client's retries (16 s each): one short try, then the job
    # stops with a message that says what to check.
    assert done.returncode == 1
    error = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(error) == 1 and f"cannot reach 127.0.0.1:{port}" in error[0]
    assert "Is the server running" in error[0]
    assert not out.exists()
    assert seconds < 15


def test_a_server_out_of_quota_stops_the_job_and_the_same_command_resumes(
    annotate, source, tmp_path, fake_openai
):
    from llmstudio.core.run_execution import STOP_AFTER_FAILED_ROWS

    fake_openai.add_rule("quota", times=None)
    project = tmp_path / "p.llmstudio"
    args = (
        source,
        "--model",
        "openai:m",
        "--base-url",
        fake_openai.url,
        "--concurrency",
        "2",
        "--project",
        project,
    )
    done, _ = annotate(*args)
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("llmstudio: stopped")]
    assert len(said) == 1, done.stderr
    assert said[0].startswith(
        f"llmstudio: stopped after {STOP_AFTER_FAILED_ROWS} rows in a "
        "row failed the same way: HTTP 429 insufficient_quota"
    )
    assert "; no row was answered, so none is kept; " in said[0]  # no false "kept"
    assert said[0].endswith("once the server answers, the failed rows are asked again")
    # One request a row (no quota is not retried), and no row after the breaker but the
    # ones already in flight: far fewer than the 30 rows x 6 attempts of before.
    assert fake_openai.total <= STOP_AFTER_FAILED_ROWS + 2

    fake_openai.clear_rules()
    fake_openai.reset()
    again, _ = annotate(*args)
    assert again.returncode == 0, again.stderr
    assert "30/30 rows" in again.stderr and "0 failed" in again.stderr
    assert fake_openai.total == 30  # every row asked once the server answers


def test_a_tpm_smaller_than_one_request_gives_each_row_its_error(
    annotate, source, tmp_path, fake_openai
):
    out = tmp_path / "out.csv"
    done, seconds = annotate(
        source,
        "--model",
        "openai:m",
        "--base-url",
        fake_openai.url,
        "--tpm",
        "10",
        "--limit",
        "3",
        "--out",
        out,
    )
    no_traceback(done)
    assert seconds < 30 and fake_openai.total == 0  # no wait forever, nothing sent
    assert done.returncode == 1 and "every row failed" in done.stderr
    assert "more than the 10 a minute allows (--tpm); raise the limit" in done.stderr
    errors = pd.read_csv(out)["sentiment_error"].iloc[:3]
    assert errors.str.startswith("too large for the tokens-per-minute limit").all()

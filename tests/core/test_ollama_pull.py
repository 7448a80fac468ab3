"""Pulling a catalogue model into Ollama: progress in bytes, speed and time left, Cancel,
resume, and Ollama's errors in llmstudio's words (against tests/fakes/ollama_server.py)."""

from __future__ import annotations

import socket
import threading

import pytest

from llmstudio.core.catalogue import read_catalogue
from llmstudio.core.errors import Cancelled, PullError
from llmstudio.core.local_servers import probe
from llmstudio.core.ollama_pull import pull
from llmstudio.core.progress import Monitor

from fakes.ollama_server import FakeOllama

CATALOGUE = """
models:
  - id: llama3.2:3b
    source: ollama
    name: Llama 3.2 3B instruct
    tasks: [generative]
    languages: [en]
    size_bytes: 3500000
    license: Llama 3.2 Community License
    good_at: "A laptop-sized instruct model."
    not_good_at: "Long documents."
"""
LAYERS = (3_000_000, 500_000)


@pytest.fixture
def entry(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    [entry] = read_catalogue(path)
    return entry


def test_a_catalogue_model_is_pulled_with_bytes_speed_and_time_left(entry):
    reports = []
    with FakeOllama(library={entry.id: LAYERS}, chunk=500_000) as ollama:
        assert probe("Ollama", ollama.url).models == ()
        monitor = Monitor(lambda d, t, **k: reports.append((d, t, k)))
        last = pull(ollama.url, entry.id, monitor, expected_bytes=entry.size_bytes)
        # Pulled: the server lists it, and the picker can offer it.
        assert probe("Ollama", ollama.url).models == (entry.id,)
    assert entry.source == "ollama" and entry.spec == "openai:llama3.2:3b"
    assert (last.status, last.done_bytes, last.total_bytes) == ("success", 3_500_000, 3_500_000)
    fractions = [d for d, t, _ in reports]
    # The catalogue's size is the whole from the start: never 100 % before the end.
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(k["pull"].done_bytes == sum(LAYERS) for d, _, k in reports if d == 1.0)
    assert all(t == 1.0 for _, t, _ in reports)
    middle = [k for d, _, k in reports if 0 < d < 1]
    assert middle, "no report while bytes came in"
    assert all(k["pull"].bytes_per_s > 0 and k["eta_s"] is not None for k in middle[1:])
    assert any(" MB of 3.5 MB, " in k["message"] and "/s" in k["message"] for k in middle)


def test_a_model_ollama_does_not_have_is_said_so():
    with FakeOllama() as ollama, pytest.raises(PullError) as raised:
        pull(ollama.url, "no-such-model:1b")
    message = str(raised.value)
    assert message.startswith("Ollama has no model 'no-such-model:1b': check the name and tag")
    assert "file does not exist" in message


def test_a_full_disk_is_said_so_and_the_next_pull_goes_on_where_it_stopped():
    with FakeOllama(library={"m:1b": LAYERS}, chunk=500_000, fail_after=1_000_000) as ollama:
        with pytest.raises(PullError, match="not enough disk space for 'm:1b'.*is kept"):
            pull(ollama.url, "m:1b")
        ollama.fail_after = None
        reports = []
        pull(ollama.url, "m:1b", Monitor(lambda d, t, **k: reports.append(k["pull"])))
    first = next(p for p in reports if p.total_bytes)
    assert first.done_bytes == 1_000_000  # what the first pull got was not fetched again


def test_cancel_stops_the_pull_at_once(entry):
    monitor = Monitor()
    seen = threading.Event()

    def report(done, total, **k):
        if done > 0:
            seen.set()
            monitor.cancel()

    monitor = Monitor(report)
    with FakeOllama(library={entry.id: (50_000_000,)}, chunk=100_000, delay=0.05) as ollama:
        with pytest.raises(Cancelled):
            pull(ollama.url, entry.id, monitor)
        sent = ollama.lines_sent
    assert seen.is_set() and sent < 20  # not the 500 lines of the whole model


def test_no_ollama_there_is_said_so():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(PullError, match=f"no Ollama answers at 127.0.0.1:{port}.*start Ollama"):
            pull(f"http://127.0.0.1:{port}/v1", "m:1b")


def test_a_name_ollama_refuses_and_a_pull_cut_off_are_said_so():
    with FakeOllama(library={"m:1b": LAYERS}, chunk=500_000, break_after=1_000_000) as ollama:
        with pytest.raises(PullError, match="Ollama could not pull 'bad name': invalid model name"):
            pull(ollama.url, "bad name")
        with pytest.raises(PullError, match="ended the pull of 'm:1b' before it finished; pull"):
            pull(ollama.url, "m:1b")

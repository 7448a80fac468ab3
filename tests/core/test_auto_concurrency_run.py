"""``concurrency="auto:N"`` in a real job: the runner's threads through the gate, the
openai client against the fake server on 127.0.0.1, what it settled on kept and said."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.corpus import read_table
from llmstudio.core.errors import BackendError
from llmstudio.core.methods import build_record
from llmstudio.core.progress import Monitor
from llmstudio.core.project import Project
from llmstudio.core.run_concurrency import settled_of
from llmstudio.core.runner import run_job
from llmstudio.core.tasks import SentimentTask

from fakes.openai_server import FakeOpenAI
from helpers.progress import on_record


def make_project(path: Path, rows: int) -> Project:
    source = path.with_suffix(".csv")
    source.write_text(
        "id,text\n" + "".join(f'{i},"text number {i}"\n' for i in range(rows)), encoding="utf-8"
    )
    return Project.create(path, read_table(source))


@pytest.mark.slow  # ~8 s: the openai client's back-off after each 429
def test_auto_finds_a_refusing_servers_level_and_keeps_it_in_the_run(tmp_path):
    project = make_project(tmp_path / "p.llmstudio", 240)
    seen = []
    with FakeOpenAI(latency=0.03, refuse_above=4) as fake:
        backend = OpenAIBackend("fake", fake.url, key="sk-fake", concurrency="auto:16")
        assert backend.concurrency == 16 and backend.adaptive is not None
        result = run_job(project, SentimentTask(), backend, monitor=Monitor(on_record(seen.append)))
        most = fake.max_in_flight
    assert result.status == "done" and result.failed == 0, result.summary()
    assert most <= 16
    settled = settled_of(project.db, result.run_id)
    assert settled is not None and settled.decreases >= 1, settled
    assert 2 <= settled.settled <= 4, settled
    assert settled.highest > 4  # it went past the limit and came back
    assert result.concurrency == settled.describe()
    assert "; auto: settled at" in result.summary()
    assert any(r.at_once for r in seen)  # the window shows the limit as it goes
    record = build_record(project, n_resamples=0).markdown()
    assert f"**requests at once:** {settled.describe()}" in record
    found = settled.describe().removeprefix("auto: ")
    assert f"requests sent at once was found as the run went ({found})." in record
    project.close()


def test_a_fixed_concurrency_records_nothing(tmp_path, fake_openai):
    project = make_project(tmp_path / "p.llmstudio", 10)
    backend = OpenAIBackend("fake", fake_openai.url, key="sk-fake", concurrency=3)
    assert backend.adaptive is None
    result = run_job(project, SentimentTask(), backend)
    assert result.status == "done"
    assert settled_of(project.db, result.run_id) is None
    assert result.concurrency == "" and "auto" not in result.summary()
    assert "requests at once" not in build_record(project, n_resamples=0).markdown().lower()
    project.close()


def test_probes_ask_through_the_gate_too():
    # The completion probes run their own threads (core/bias/completion.py): under auto,
    # only the limit of them ask at once.
    import threading
    import time
    from types import SimpleNamespace

    from llmstudio.core.backends.auto_concurrency import AutoConcurrency
    from llmstudio.core.bias.completion import _run_all

    gate = AutoConcurrency(8, start=2)
    backend = SimpleNamespace(concurrency=8, adaptive=gate, close=lambda: None)
    now, most, lock = [0], [0], threading.Lock()

    def call(item):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        time.sleep(0.02)
        with lock:
            now[0] -= 1
        return item * 2

    assert _run_all(backend, list(range(6)), call, Monitor(), offset=0, total=6) == [
        0,
        2,
        4,
        6,
        8,
        10,
    ]
    assert most[0] == 2


def test_a_concurrency_that_cannot_be_is_refused_with_what_it_takes(fake_openai):
    with pytest.raises(BackendError, match="'auto:MAX'"):
        OpenAIBackend("fake", fake_openai.url, key="sk-fake", concurrency="lots")

"""Pulling a catalogue model into Ollama from the window: the catalogue's Ollama entries,
a pull with bytes, speed, time left and Cancel, Ollama's errors in llmstudio's words.
Real widgets and worker threads; the fake Ollama on 127.0.0.1 added as a user adds a
server."""

from __future__ import annotations

import pytest

from llmstudio.core.catalogue import read_catalogue
from llmstudio.core.model_config import ModelConfig, save_config
from llmstudio.gui.models.ollama_pull_dialog import OllamaPullDialog

from fakes.ollama_server import FakeOllama

CATALOGUE = """
models:
  - id: small-llm:1b
    source: ollama
    name: Small LLM 1B
    tasks: [generative]
    languages: [en]
    size_bytes: 4000000
    license: Apache-2.0
    good_at: "Short answers on a laptop."
    not_good_at: "Long documents."
  - id: some/hub-model
    source: hf
    name: A hub model
    tasks: [sentiment]
    languages: [en]
    size_bytes: 1000
    license: MIT
"""
TAG = "small-llm:1b"


@pytest.fixture
def entries(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    return read_catalogue(path)


def open_dialog(qtbot, ollama, entries) -> OllamaPullDialog:
    save_config(ModelConfig(servers=[ollama.url]))
    dialog = OllamaPullDialog(entries=entries)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_servers_found, timeout=10_000):
        pass
    return dialog


def in_ollama(dialog) -> str:
    return dialog.table.item(0, 4).text()


def test_a_pull_shows_bytes_speed_time_left_and_ends_in_ollama(qtbot, entries):
    with FakeOllama(library={TAG: (4_000_000,)}, chunk=200_000, delay=0.03) as ollama:
        dialog = open_dialog(qtbot, ollama, entries)
        assert dialog.table.rowCount() == 1  # the catalogue's Ollama models only
        assert in_ollama(
            dialog
        ) == "no" and f"Ollama at 127.0.0.1:{ollama.port}, on this computer" in (
            dialog.status.text()
        )
        dialog.select(TAG)
        seen = []
        dialog.task.sig_progress.connect(
            lambda *_: seen.append((dialog.detail.text(), dialog.progress.bar.format()))
        )
        with qtbot.waitSignal(dialog.sig_pulled, timeout=20_000):
            dialog.pull_selected()
        with qtbot.waitSignal(dialog.sig_servers_found, timeout=10_000):
            pass
        assert in_ollama(dialog) == "yes" and ollama.pulls == [TAG]
    middle = [(d, f) for d, f in seen if " MB of 4.0 MB, " in d]
    assert middle and all("/s" in d for d, _ in middle)
    assert any("left" in f and "%" in f for _, f in middle)  # the bar: 40 %, about 1 s left
    assert "is in Ollama" in dialog.detail.text()


def test_cancel_stops_the_pull_and_says_ollama_keeps_what_it_got(qtbot, entries):
    with FakeOllama(library={TAG: (4_000_000,)}, chunk=20_000, delay=0.05) as ollama:
        dialog = open_dialog(qtbot, ollama, entries)
        dialog.select(TAG)
        with qtbot.waitSignal(dialog.task.sig_progress, timeout=10_000):
            dialog.pull_selected()
        assert dialog.progress.cancel_button.isEnabled()
        with qtbot.waitSignal(dialog.task.sig_finished, timeout=10_000):
            dialog.progress.cancel_button.click()
        sent = ollama.lines_sent
    assert sent < 50  # of the 200 lines of the whole model
    assert dialog.detail.text().startswith("Cancelled. Ollama keeps what it downloaded")
    assert dialog.progress.bar.format().startswith("cancelled at ")  # no time left shown
    assert dialog.pull_button.isEnabled()  # Pull again goes on from there


def test_a_model_ollama_lacks_is_said_in_our_words(qtbot, entries):
    with FakeOllama() as ollama:
        dialog = open_dialog(qtbot, ollama, entries)
        dialog.select(TAG)
        with qtbot.waitSignal(dialog.task.sig_finished, timeout=10_000):
            dialog.pull_selected()
    assert "Ollama has no model 'small-llm:1b': check the name and tag" in dialog.detail.text()
    assert "c62828" in dialog.detail.text()  # in red


def test_a_full_disk_is_said_in_our_words(qtbot, entries):
    with FakeOllama(library={TAG: (4_000_000,)}, chunk=500_000, fail_after=1_000_000) as ollama:
        dialog = open_dialog(qtbot, ollama, entries)
        dialog.select(TAG)
        with qtbot.waitSignal(dialog.task.sig_finished, timeout=10_000):
            dialog.pull_selected()
    assert "not enough disk space for 'small-llm:1b'" in dialog.detail.text()

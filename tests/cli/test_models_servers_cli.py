"""``llmstudio models servers`` and ``models pull`` as users run them, against the fake
OpenAI-compatible server and the fake Ollama on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from fakes.ollama_server import FakeOllama


@pytest.mark.slow  # three commands
def test_an_added_server_is_listed_with_its_models_and_kept(cli, fake_openai, tmp_path):
    models = cli("models")
    fake_openai.models = ("llama-3.2-3b",)
    done = models("servers", "--add", fake_openai.url, "--json")
    assert done.returncode == 0, done.stderr
    [mine] = [s for s in json.loads(done.stdout) if s["base_url"] == fake_openai.url]
    assert mine["on_this_computer"] is True and mine["ollama"] is False
    assert mine["models"] == [{"id": "llama-3.2-3b", "spec": "openai:llama-3.2-3b"}]
    # Kept in models.json: found again without --add.
    again = models("servers")
    assert (
        f"Server at {fake_openai.netloc} at {fake_openai.url} (on this computer: " in again.stdout
    )
    assert "    llama-3.2-3b" in again.stdout
    assert json.loads((tmp_path / "config" / "models.json").read_text())["servers"] == [
        fake_openai.url
    ]
    gone = models("servers", "--remove", fake_openai.url, "--json")
    assert fake_openai.url not in gone.stdout


def test_bad_server_options_say_what_is_wrong(cli):
    models = cli("models")
    bad = models("servers", "--add", "127.0.0.1:5000")
    assert bad.returncode == 2 and "give a base URL, e.g. http://127.0.0.1:5000/v1" in bad.stderr
    unknown = models("servers", "--remove", "http://127.0.0.1:5000/v1")
    assert unknown.returncode == 2 and "not an added server (added: none)" in unknown.stderr
    no_tag = models("pull")
    assert no_tag.returncode == 2 and "name the Ollama model" in no_tag.stderr


def test_pull_shows_progress_and_says_how_to_run_the_model(cli):
    with FakeOllama(library={"llama3.2:3b": (2_000_000,)}, chunk=500_000) as ollama:
        done = cli("models")("pull", "llama3.2:3b", "--server", ollama.url)
        assert "llama3.2:3b" in ollama.installed
    assert done.returncode == 0, done.stderr
    assert "100 % llama3.2:3b: pulled" in done.stderr
    assert f"--model openai:llama3.2:3b --base-url {ollama.url}" in done.stdout


def test_pull_of_a_model_ollama_lacks_fails_with_its_reason(cli):
    with FakeOllama() as ollama:
        done = cli("models")("pull", "nope:1b", "--server", ollama.url)
    assert done.returncode == 1
    assert "Ollama has no model 'nope:1b'" in done.stderr


def test_annotate_with_a_server_on_this_computer_says_nothing_leaves_it(
    annotate_cli, fake_openai, tmp_path
):
    (tmp_path / "d.csv").write_text("text\ngood day\nbad day\n", encoding="utf-8")
    done, _ = annotate_cli(
        "d.csv", "--model", "openai:fake", "--base-url", fake_openai.url, "--out", "o.csv"
    )
    assert done.returncode == 0, done.stderr
    assert f"to {fake_openai.netloc} (model fake)" in done.stderr
    assert "a server on this computer: nothing leaves it" in done.stderr

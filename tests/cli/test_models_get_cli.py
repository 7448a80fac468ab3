"""``llmstudio models get`` and ``models remove`` as users run them (a subprocess), against
the fake hub on 127.0.0.1 (``HF_ENDPOINT``): the progress line, Ctrl+C and a kill then the
next get continuing from the bytes received, a missing model, remove asking first."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from llmstudio.core.blob_fetch import partial_path, storage_folder
from llmstudio.core.catalogue import BUILTIN_ID, catalogue
from llmstudio.core.errors import Cancelled
from llmstudio.core.model_cache import cache_dir, size_text
from llmstudio.core.model_download import download_model
from llmstudio.core.progress import Monitor

from cli_process import cli_env
from helpers.hub import TINY_ID, hub_serving


def test_get_downloads_with_progress_and_says_the_revision(fake_hub, cli):
    done = cli("models")("get", f"hf:{TINY_ID}")
    assert done.returncode == 0, done.stderr
    commit = fake_hub.repos[TINY_ID].commit
    assert f"revision {commit}" in done.stdout and f"--model hf:{TINY_ID}" in done.stdout
    assert "3.0 MB of 3.0 MB" in done.stderr  # the last progress line: bytes of bytes
    again = cli("models")("get", TINY_ID)
    assert again.returncode == 0 and f"{TINY_ID} already downloaded" in again.stdout


def test_a_missing_model_and_no_id_are_said(fake_hub, cli):
    done = cli("models")("get", "nobody/nothing")
    assert done.returncode == 1
    assert "no model nobody/nothing on the Hugging Face hub: check the id" in done.stderr
    usage = cli("models")("get")
    assert usage.returncode == 2 and "models get needs a hub id" in usage.stderr


@pytest.mark.slow  # three commands
def test_list_marks_downloaded_entries(tiny_hub_folder, tmp_path, monkeypatch, cli):
    listed = next(e for e in catalogue() if e.source == "hf" and e.id != BUILTIN_ID)
    with hub_serving({listed.id: tiny_hub_folder}, tmp_path / "cache", monkeypatch) as hub:
        before = json.loads(cli("models")("list", "--json").stdout)
        hub.rate = 1e6  # a download cancelled midway: incomplete, never "downloaded"
        stop = threading.Event()
        with pytest.raises(Cancelled):
            download_model(
                listed.id,
                monitor=Monitor(lambda done, *_, **__: done > 300_000 and stop.set(), stop.is_set),
            )
        hub.rate = None
        partial = cli("models")("list").stdout
        assert f"{listed.spec}  (incomplete)" in partial
        assert not next(
            e for e in json.loads(cli("models")("list", "--json").stdout) if e["id"] == listed.id
        )["downloaded"]
        assert cli("models")("get", listed.id).returncode == 0
        after = json.loads(cli("models")("list", "--json").stdout)
        text = cli("models")("list").stdout
    assert not next(e for e in before if e["id"] == listed.id)["downloaded"]
    assert next(e for e in after if e["id"] == listed.id)["downloaded"]
    assert f"{listed.spec}  (downloaded)" in text


@pytest.mark.slow  # four commands
def test_remove_asks_on_a_terminal_only_and_deletes(fake_hub, cli):
    assert cli("models")("get", TINY_ID).returncode == 0
    refused = cli("models")("remove", TINY_ID)  # no terminal to ask on
    assert refused.returncode == 1 and "not on a terminal to ask; give --yes" in refused.stderr
    done = cli("models")("remove", TINY_ID, "--yes")
    assert done.returncode == 0 and f"{TINY_ID} deleted" in done.stdout
    gone = cli("models")("remove", TINY_ID, "--yes")
    assert gone.returncode == 1 and f"model {TINY_ID} is not downloaded" in gone.stderr


@pytest.mark.slow  # two commands, one stopped midway
@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
def test_a_stopped_get_resumes_from_the_bytes_received(fake_hub, tmp_path, cli, how):
    served = fake_hub.repos[TINY_ID].files["extra.bin"]
    partial = partial_path(storage_folder(TINY_ID, cache_dir()), served.sha256)
    fake_hub.rate = 500_000  # extra.bin takes 6 s
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmstudio", "models", "get", TINY_ID],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while _size(partial) < 1_000_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    if how == "ctrl-c":
        assert proc.returncode == 2, err
        assert "cancelled; what was received is kept" in err
    else:
        assert proc.returncode == -signal.SIGKILL
    kept = _size(partial)
    assert 1_000_000 <= kept < len(served.data)

    fake_hub.rate = None
    done = cli("models")("get", TINY_ID)
    assert done.returncode == 0, done.stderr
    # The small files are fetched once; extra.bin's rest only, from the bytes on disk.
    gets = [p.rsplit("/", 1)[1] for p, _, _ in fake_hub.file_requests()]
    assert gets.count("config.json") == 1
    assert fake_hub.bodies("extra.bin")[-1] == (f"bytes={kept}-", len(served.data) - kept)
    assert f"(resumed at {size_text(kept)})" in done.stdout
    snapshot = cache_dir() / "models--llmstudio-tests--tiny-sentiment" / "snapshots"
    [folder] = snapshot.iterdir()
    for name, file in fake_hub.repos[TINY_ID].files.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == file.sha256


def _size(path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0

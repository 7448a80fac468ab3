"""Downloading hub models (core/model_download.py) and the cache (core/model_cache.py),
against the fake hub on 127.0.0.1 (tests/fakes/hub_server.py): a full download, a cut
connection resumed, Cancel and the download after it, a gated and a missing repo, the hub
failing, a full disk, offline mode, removing."""

from __future__ import annotations

import threading
from unittest.mock import Mock

import pytest

from llmstudio.core import model_cache, model_download
from llmstudio.core.errors import Cancelled, ModelDownloadError
from llmstudio.core.model_cache import downloaded_models, is_downloaded, remove_model
from llmstudio.core.model_config import cached_models
from llmstudio.core.model_download import download_model, repo_files
from llmstudio.core.progress import Monitor

from helpers.hub import TINY_ID


def test_full_download_is_cached_with_its_revision_and_reports_bytes(fake_hub):
    repo = fake_hub.repos[TINY_ID]
    assert not is_downloaded(TINY_ID)
    progress = Mock()
    got = download_model(TINY_ID, monitor=Monitor(progress))

    assert got.revision == repo.commit
    assert got.size_bytes == repo.size and got.fetched_bytes == repo.size
    assert sorted(p.name for p in got.path.iterdir()) == sorted(repo.files)
    done, total = progress.call_args.args
    assert (done, total) == (repo.size, repo.size)
    assert "speed_bps" in progress.call_args.kwargs and "eta_s" in progress.call_args.kwargs
    [model] = downloaded_models()
    assert (model.id, model.revision, model.path) == (TINY_ID, repo.commit, got.path)
    assert model.size_bytes >= repo.size and model.complete is True
    assert is_downloaded(TINY_ID)

    # Again: nothing is fetched a second time.
    sent = fake_hub.bytes_sent
    again = download_model(TINY_ID)
    assert again.fetched_bytes == 0 and fake_hub.bytes_sent == sent


def test_nothing_is_downloaded_unless_asked(fake_hub):
    plan = repo_files(TINY_ID)
    assert plan.missing_bytes == plan.size_bytes == fake_hub.repos[TINY_ID].size
    assert fake_hub.bytes_sent == 0 and fake_hub.file_requests() == []
    assert downloaded_models() == []


def test_a_connection_cut_mid_file_resumes_where_it_stopped(fake_hub):
    served = fake_hub.repos[TINY_ID].files["extra.bin"]
    fake_hub.fail("cut", TINY_ID, "extra.bin", times=1)

    got = download_model(TINY_ID)

    gets = [(r, s) for p, r, s in fake_hub.file_requests() if p.endswith("extra.bin")]
    assert gets[0] == (None, 200)
    ranged, status = gets[1]
    assert status == 206
    start = int(ranged.removeprefix("bytes=").rstrip("-"))
    # From the last whole chunk received (the half sent was 1.5 MB, the chunks 256 KiB).
    assert 0 < start <= len(served.data) // 2
    assert fake_hub.bytes_sent < fake_hub.repos[TINY_ID].size + len(served.data) // 2
    assert (got.path / "extra.bin").read_bytes() == served.data


def test_cancel_stops_and_the_next_download_fetches_only_what_was_not_finished(fake_hub):
    total = fake_hub.repos[TINY_ID].size
    fake_hub.rate = 1e6  # a second a MB: the small files finish at once, extra.bin lasts
    stop = threading.Event()

    def progress(done, of, **detail):
        if done > 500_000:
            stop.set()

    with pytest.raises(Cancelled):
        download_model(TINY_ID, monitor=Monitor(progress, stop.is_set))
    assert fake_hub.bytes_sent < total / 2  # stopped soon after Cancel
    # What is there is said to be incomplete, never downloaded.
    [partial] = downloaded_models()
    assert partial.complete is False and not (partial.path / "extra.bin").exists()
    assert not is_downloaded(TINY_ID)
    assert cached_models() == []  # not offered to runs until finished

    fake_hub.rate = None
    got = download_model(TINY_ID)
    # The files finished before Cancel were not fetched again.
    assert got.fetched_bytes < total
    configs = [p for p, _, _ in fake_hub.file_requests() if p.endswith("/config.json")]
    assert len(configs) == 1
    extra = fake_hub.repos[TINY_ID].files["extra.bin"].data
    assert (got.path / "extra.bin").read_bytes() == extra
    assert [m.complete for m in downloaded_models()] == [True] and is_downloaded(TINY_ID)
    assert cached_models() == [TINY_ID]


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("401", ["gated", TINY_ID, "hf auth login", "accept its terms"]),
        ("404", ["no model", TINY_ID, "check the id"]),
        ("500", ["HTTP 500", TINY_ID, "try again later"]),
    ],
)
def test_refusals_say_which_model_and_what_to_do(fake_hub, fault, words):
    fake_hub.fail(fault, TINY_ID, times=None)
    with pytest.raises(ModelDownloadError) as caught:
        download_model(TINY_ID)
    message = str(caught.value)
    for word in words:
        assert word in message
    assert fake_hub.bytes_sent == 0 and downloaded_models() == []


@pytest.mark.slow  # huggingface_hub retries a file's 5xx five times, backing off: 23 s
def test_a_file_refused_midway_is_said_and_finished_files_are_kept(fake_hub):
    fake_hub.fail("500", TINY_ID, "model.safetensors", times=None)
    with pytest.raises(ModelDownloadError, match="HTTP 500.*try again later"):
        download_model(TINY_ID)


def test_an_unknown_id_is_said(fake_hub):
    with pytest.raises(ModelDownloadError, match="no model nobody/nothing on the"):
        download_model("nobody/nothing")


def test_too_little_disk_space_is_said_before_anything_is_written(fake_hub, monkeypatch):
    import shutil

    real = shutil.disk_usage

    def tiny_disk(path):
        return real(path)._replace(free=1000)

    monkeypatch.setattr(model_download.shutil, "disk_usage", tiny_disk)
    with pytest.raises(ModelDownloadError) as caught:
        download_model(TINY_ID)
    message = str(caught.value)
    need = model_cache.size_text(fake_hub.repos[TINY_ID].size)
    assert f"needs {need} in {model_cache.cache_dir()}" in message
    assert "only 1.0 kB is free" in message and "HF_HUB_CACHE" in message
    assert fake_hub.bytes_sent == 0 and fake_hub.file_requests() == []


def test_offline_mode_downloads_nothing(fake_hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelDownloadError, match="offline mode is on"):
        download_model(TINY_ID)
    assert fake_hub.requests == []


def test_remove_deletes_the_model_and_says_when_there_is_none(fake_hub):
    got = download_model(TINY_ID)
    freed = remove_model(TINY_ID)
    assert freed >= got.size_bytes
    assert not got.path.exists() and downloaded_models() == []
    with pytest.raises(ModelDownloadError, match=f"model {TINY_ID} is not downloaded"):
        remove_model(TINY_ID)


def test_size_text():
    assert [model_cache.size_text(n) for n in (512, 940_000, 418_000_000, 2_230_000_000)] == [
        "512 bytes",
        "940 kB",
        "418 MB",
        "2.2 GB",
    ]


def test_needed_files_leave_out_other_frameworks_weights():
    listing = [
        "config.json",
        "model.safetensors",
        "pytorch_model.bin",
        "tf_model.h5",
        "flax_model.msgpack",
        "onnx/model.onnx",
        "openvino/openvino_model.bin",
        "1_Pooling/config.json",
        "tokenizer.json",
    ]
    assert model_cache.needed_files(listing) == {
        "config.json",
        "model.safetensors",
        "1_Pooling/config.json",
        "tokenizer.json",
    }
    # PyTorch weights only as .bin: kept; without PyTorch weights everything is kept.
    assert "pytorch_model.bin" in model_cache.needed_files(["pytorch_model.bin", "tf_model.h5"])
    assert model_cache.needed_files(["config.json", "tf_model.h5"]) == {
        "config.json",
        "tf_model.h5",
    }


def test_other_frameworks_weights_are_not_downloaded(tiny_hub_folder, tmp_path, monkeypatch):
    import shutil

    from helpers.hub import hub_serving

    folder = tmp_path / "repo"
    shutil.copytree(tiny_hub_folder, folder)
    (folder / "tf_model.h5").write_bytes(b"t" * 200_000)
    (folder / "onnx").mkdir()
    (folder / "onnx" / "model.onnx").write_bytes(b"o" * 100_000)
    with hub_serving({TINY_ID: folder}, tmp_path / "cache", monkeypatch) as hub:
        plan = repo_files(TINY_ID)
        got = download_model(TINY_ID)
        fetched = {p.rsplit("/", 1)[1] for p, _, _ in hub.file_requests()}
    skipped = {"tf_model.h5", "model.onnx"}
    assert plan.size_bytes == hub.repos[TINY_ID].size - 300_000 == got.size_bytes
    assert not fetched & skipped and "extra.bin" in fetched
    assert not any((got.path / name).exists() for name in ("tf_model.h5", "onnx"))
    # Complete without them: a run loads it.
    [model] = downloaded_models()
    assert model.complete is True and is_downloaded(TINY_ID)
    assert cached_models() == [TINY_ID]

"""A download stopped midway continues each unfinished file from its last byte
(core/blob_fetch.py), against the fake hub on 127.0.0.1: Cancel then resume (the bytes the
hub sends the second time are the rest, and the model then loads offline), a server that
ignores the Range request, a file changed on the hub meanwhile, a damaged partial file, a
disk that fills up."""

from __future__ import annotations

import errno
import hashlib
import threading
from unittest.mock import Mock

import pytest

from llmstudio.core.blob_fetch import PARTIAL_SUFFIX, partial_path, storage_folder
from llmstudio.core.errors import Cancelled, ModelDownloadError
from llmstudio.core.model_cache import cache_dir, downloaded_models, is_downloaded
from llmstudio.core.model_download import download_model
from llmstudio.core.progress import Monitor

from helpers.hub import TINY_ID

BIG = "extra.bin"  # 3 MB: the file a download is stopped in


def stop_midway(after: int = 600_000) -> None:
    """Start a download and Cancel it once ``after`` bytes are in."""
    stop = threading.Event()

    def progress(done, total, **detail):
        if done > after:
            stop.set()

    with pytest.raises(Cancelled):
        download_model(TINY_ID, monitor=Monitor(progress, stop.is_set))


def partials() -> dict[str, int]:
    """The partial files of the tiny model's blobs: etag -> bytes."""
    blobs = storage_folder(TINY_ID, cache_dir()) / "blobs"
    return {
        p.name.removesuffix(PARTIAL_SUFFIX): p.stat().st_size
        for p in blobs.glob(f"*{PARTIAL_SUFFIX}")
    }


def big_gets(hub) -> list[tuple[str | None, int]]:
    return [(r, s) for p, r, s in hub.file_requests() if p.endswith("/" + BIG)]


@pytest.fixture
def stopped(fake_hub):
    """The fake hub, with a download of the tiny model cancelled in the middle of BIG."""
    fake_hub.rate = 1e6  # a MB a second: the small files finish at once, BIG lasts 3 s
    stop_midway()
    fake_hub.rate = None
    served = fake_hub.repos[TINY_ID].files[BIG]
    kept = partials()[served.sha256]
    assert 0 < kept < len(served.data)
    return fake_hub


def test_cancel_then_download_again_fetches_only_the_rest(stopped, monkeypatch):
    hub = stopped
    served = hub.repos[TINY_ID].files[BIG]
    on_disk = partials()
    kept = on_disk[served.sha256]
    # Listed as incomplete, its size counting the part kept.
    [partial] = downloaded_models()
    assert partial.complete is False and partial.size_bytes >= sum(on_disk.values())
    progress = Mock()

    got = download_model(TINY_ID, monitor=Monitor(progress))

    # The hub was asked for the rest of BIG only, and sent exactly that.
    assert big_gets(hub)[-1] == (f"bytes={kept}-", 206)
    assert hub.bodies(BIG)[-1] == (f"bytes={kept}-", len(served.data) - kept)
    assert (got.path / BIG).read_bytes() == served.data
    assert partials() == {}
    # Progress starts at the bytes resumed and says so; fetched counts this time's only.
    first, last = progress.call_args_list[0], progress.call_args_list[-1]
    assert first.args[0] == sum(on_disk.values()) == got.resumed_bytes
    assert first.kwargs["resumed_bytes"] == got.resumed_bytes
    assert last.args[0] == last.args[1]  # done == total: nothing counted twice
    assert got.fetched_bytes + got.resumed_bytes == last.args[1]
    assert is_downloaded(TINY_ID)

    # The cache is as huggingface_hub leaves it: the model loads with the hub gone.
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    hub.stop()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = AutoModelForSequenceClassification.from_pretrained(TINY_ID, local_files_only=True)
    AutoTokenizer.from_pretrained(TINY_ID, local_files_only=True)
    assert model.config.num_labels == 2


def test_a_server_that_ignores_the_range_request_starts_the_file_again(stopped):
    hub = stopped
    served = hub.repos[TINY_ID].files[BIG]
    others = sum(n for etag, n in partials().items() if etag != served.sha256)
    hub.ignore_range = True
    progress = Mock()

    got = download_model(TINY_ID, monitor=Monitor(progress))

    ranged, status = big_gets(hub)[-1]
    assert ranged is not None and status == 200  # asked for the rest, got the whole
    assert hub.bodies(BIG)[-1] == (ranged, len(served.data))
    assert (got.path / BIG).read_bytes() == served.data  # not the old bytes twice
    assert got.resumed_bytes == others
    done, total = progress.call_args.args
    assert done == total and progress.call_args.kwargs["resumed_bytes"] == others


def test_a_file_changed_on_the_hub_is_fetched_whole_and_its_old_part_deleted(stopped):
    hub = stopped
    old = hub.repos[TINY_ID].files[BIG]
    new = bytes(reversed(old.data))
    hub.change(TINY_ID, BIG, new)

    got = download_model(TINY_ID)

    assert got.revision == hub.repos[TINY_ID].commit
    assert big_gets(hub)[-1] == (None, 200)  # no old bytes continued
    assert hub.bodies(BIG)[-1] == (None, len(new))
    assert (got.path / BIG).read_bytes() == new
    assert old.sha256 not in partials()  # its bytes can never be continued


def test_a_damaged_partial_file_is_said_and_deleted_then_fetched_again(stopped):
    hub = stopped
    served = hub.repos[TINY_ID].files[BIG]
    partial = partial_path(storage_folder(TINY_ID, cache_dir()), served.sha256)
    partial.write_bytes(b"\0" * partial.stat().st_size)  # not the file's first bytes

    with pytest.raises(ModelDownloadError) as caught:
        download_model(TINY_ID)
    message = str(caught.value)
    assert f"{BIG} of {TINY_ID} arrived damaged" in message and "download again" in message
    assert not partial.exists() and not is_downloaded(TINY_ID)

    got = download_model(TINY_ID)
    assert hashlib.sha256((got.path / BIG).read_bytes()).hexdigest() == served.sha256


def test_a_disk_that_fills_up_midway_is_said_and_what_was_written_is_kept(fake_hub):
    fake_hub.rate = 1e6

    def disk_fills(done, total, **detail):
        if done > 1_500_000:  # the second 1 MiB chunk fails to be written
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ModelDownloadError) as caught:
        download_model(TINY_ID, monitor=Monitor(disk_fills))
    message = str(caught.value)
    assert f"the disk filled up while downloading {TINY_ID} into {cache_dir()}" in message
    assert "continues where it stopped" in message
    served = fake_hub.repos[TINY_ID].files[BIG]
    assert partials().get(served.sha256, 0) > 0


def test_a_small_file_is_checked_against_its_git_blob_id(tmp_path):
    """The hub names a file kept in git (not LFS) by its git blob id: the checksum
    agrees with git's own."""
    import shutil
    import subprocess

    from llmstudio.core.blob_fetch import _Digest

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    data = b'{"labels": ["negative", "positive"]}\n' * 50
    (tmp_path / "config.json").write_bytes(data)
    oid = subprocess.run(
        ["git", "hash-object", str(tmp_path / "config.json")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    digest = _Digest(oid, len(data))
    digest.update(data[:100])
    digest.update(data[100:])
    assert digest.matches() is True
    wrong = _Digest(oid, len(data))
    wrong.update(data[:-1] + b"!")
    assert wrong.matches() is False


def test_a_file_fetched_but_not_yet_linked_is_linked_not_fetched_again(fake_hub):
    """A kill between a file's last byte and its link in the snapshot: the next download
    links it and fetches nothing."""
    got = download_model(TINY_ID)
    (got.path / BIG).unlink()  # the link; the blob stays
    before = len(fake_hub.file_requests())
    progress = Mock()

    again = download_model(TINY_ID, monitor=Monitor(progress))

    assert len(fake_hub.file_requests()) == before  # no GET
    served = fake_hub.repos[TINY_ID].files[BIG]
    assert (again.path / BIG).read_bytes() == served.data
    assert (again.fetched_bytes, again.resumed_bytes) == (0, len(served.data))
    done, total = progress.call_args.args
    assert done == total == len(served.data)

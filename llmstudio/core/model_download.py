"""Downloading a Hugging Face hub model into huggingface_hub's cache, asked for by the user
("Get models..." in the window, ``llmstudio models get ID``); never as a side effect.

huggingface_hub does the transfer (``snapshot_download``: parallel files, the cache layout
``hf:ID`` runs load from, ``HF_ENDPOINT``, ``HF_HUB_OFFLINE``, tokens). What llmstudio adds:

- the files and their sizes asked first (``repo_info`` for the exact commit, then the file
  tree at that commit), so the download is pinned to one revision, free disk space is
  checked before a byte is written, and progress has a total;
- progress in bytes with speed and time left through :class:`~.progress.Monitor`, and
  Cancel, both through the ``tqdm_class`` hook huggingface_hub calls per chunk received;
- one-line messages for a gated, missing or failing repo (:func:`download_error`).

Resuming: files already in the cache are never fetched again, so a download cancelled or
killed resumes from the files it finished. Within a file, a connection cut mid-file is
resumed by huggingface_hub with a Range request (up to five times); a file cut short by
Cancel or a kill is started again (huggingface_hub 2.x deletes its partial file).
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import Cancelled, ModelDownloadError
from .model_cache import cache_dir, hub_offline, size_text
from .progress import Monitor

__all__ = ["Downloaded", "RepoFiles", "check_disk_space", "download_model", "repo_files"]

# The snapshot bar of huggingface_hub that counts bytes received from the network.
TRANSFER_BAR = "huggingface_hub.snapshot_download.transfer"
# huggingface_hub hands the progress bar (our Cancel check) a chunk at a time, 10 MiB by
# default: 10 s between checks at 1 MB/s. 1 MiB chunks keep Cancel and the bar within a
# second on slow lines at no measurable cost (benchmarks/model_download.py).
CHUNK_BYTES = 1024 * 1024
REPORT_EVERY_S = 0.25  # progress reports at most this often (the window repaints each)
HUB_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RepoFiles:
    """A hub model's files at one commit, and how much of it is not on this computer."""

    hub_id: str
    revision: str  # the commit hash
    files: tuple[tuple[str, int], ...]  # (path in the repo, bytes)
    missing_bytes: int  # of the files not yet in the cache

    @property
    def size_bytes(self) -> int:
        """The whole download."""
        return sum(size for _, size in self.files)


@dataclass(frozen=True)
class Downloaded:
    """A finished download."""

    hub_id: str
    revision: str  # the exact commit downloaded
    path: Path  # the snapshot folder
    size_bytes: int  # the model's files
    fetched_bytes: int  # received this time (less than size_bytes when resumed)


def download_error(hub_id: str, exc: BaseException) -> ModelDownloadError:
    """A :class:`ModelDownloadError` saying what went wrong with ``hub_id`` and what to do."""
    from huggingface_hub import errors

    chain, e = [], exc
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, errors.GatedRepoError):
            return ModelDownloadError(
                f"model {hub_id} is gated on the Hugging Face hub: accept its terms on its "
                "page (huggingface.co/" + hub_id + "), then log in with a token "
                "(`hf auth login`) and download again"
            )
        if isinstance(e, errors.RevisionNotFoundError):
            return ModelDownloadError(f"model {hub_id} has no revision by that name on the hub")
        if isinstance(e, errors.RepositoryNotFoundError):
            return ModelDownloadError(
                f"there is no model {hub_id} on the Hugging Face hub: check the id (as on "
                "its page, e.g. cardiffnlp/twitter-roberta-base-sentiment-latest); a private "
                "model needs a login with a token (`hf auth login`)"
            )
        if isinstance(e, errors.OfflineModeIsEnabled):
            return _offline_error(hub_id)
        status = getattr(getattr(e, "response", None), "status_code", None)
        if isinstance(status, int) and status >= 500:
            return ModelDownloadError(
                f"the Hugging Face hub failed while sending {hub_id} (HTTP {status}); "
                "try again later (what was downloaded is kept)"
            )
        if isinstance(status, int) and status in (401, 403):
            return ModelDownloadError(
                f"the Hugging Face hub refused {hub_id} (HTTP {status}): log in with a "
                "token that may read it (`hf auth login`)"
            )
        names = {cls.__name__ for cls in type(e).__mro__}
        if isinstance(e, (ConnectionError, TimeoutError)) or names & {
            "ConnectError",
            "TimeoutException",
            "NetworkError",
            "RemoteProtocolError",
        }:
            return ModelDownloadError(
                f"the Hugging Face hub could not be reached while downloading {hub_id} "
                f"({type(e).__name__}); check the connection and download again: the "
                "files finished are kept"
            )
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return ModelDownloadError(f"could not download {hub_id}: {line}")


def _offline_error(hub_id: str) -> ModelDownloadError:
    return ModelDownloadError(
        f"cannot download {hub_id}: offline mode is on (HF_HUB_OFFLINE); unset it to download"
    )


def repo_files(hub_id: str, revision: str | None = None) -> RepoFiles:
    """Ask the hub for ``hub_id``'s commit and files (nothing is downloaded). Raises
    :class:`ModelDownloadError` for an offline setting, a gated, missing or failing repo."""
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.hf_api import RepoFile

    if hub_offline():
        raise _offline_error(hub_id)
    api = HfApi()
    try:
        commit = api.repo_info(hub_id, revision=revision, timeout=HUB_TIMEOUT_S).sha
        files = tuple(
            (f.path, int(f.size))
            for f in api.list_repo_tree(hub_id, revision=commit, recursive=True)
            if isinstance(f, RepoFile)
        )
    except Exception as exc:
        raise download_error(hub_id, exc) from exc
    missing = sum(
        size
        for path, size in files
        if not isinstance(try_to_load_from_cache(hub_id, path, revision=commit), str)
    )
    return RepoFiles(hub_id, commit, files, missing)


def check_disk_space(needed: int, folder: Path, what: str) -> None:
    """Raise :class:`ModelDownloadError` when ``folder``'s disk has less than ``needed``
    bytes free, saying how much is needed, how much is free, and where."""
    probe = folder
    while not probe.exists() and probe != probe.parent:  # the cache may not exist yet
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed:
        raise ModelDownloadError(
            f"downloading {what} needs {size_text(needed)} in {folder}, but only "
            f"{size_text(free)} is free on that disk; free some space, or set HF_HUB_CACHE "
            "to a folder on a disk with room, then download again"
        )


class _Tally:
    """Bytes received across huggingface_hub's download threads, reported to a monitor at
    most every :data:`REPORT_EVERY_S`, with speed and time left; checks Cancel per chunk."""

    def __init__(self, monitor: Monitor, total: int):
        self.monitor, self.total = monitor, total
        self.done = 0
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._last = 0.0
        self._said: int | None = None  # the count last reported

    def add(self, n: float) -> None:
        with self._lock:
            self.done += int(n)
            now = time.monotonic()
            due = now - self._last >= REPORT_EVERY_S
            if due:
                self._last = now
        if due:
            self.report()
        self.monitor.check()  # raises Cancelled in the download thread: it stops there

    def report(self, *, unless_said: bool = False) -> None:
        """Report now (``unless_said``: only if the count changed since the last one)."""
        if unless_said and self.done == self._said:
            return
        self._said = self.done
        elapsed = max(time.monotonic() - self._start, 1e-6)
        speed = self.done / elapsed
        left = (self.total - self.done) / speed if speed > 0 else None
        self.monitor.report(min(self.done, self.total), self.total, speed_bps=speed, eta_s=left)


def _bar_class(tally: _Tally):
    """A tqdm class for ``snapshot_download``: never drawn; its network-bytes bar feeds
    ``tally``."""
    from huggingface_hub.utils import tqdm as hf_tqdm

    class Bar(hf_tqdm):
        def __init__(self, *args, **kwargs):
            self._counts = kwargs.get("name") == TRANSFER_BAR
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            if self._counts and n:
                tally.add(n)
            return super().update(n)

    return Bar


def download_model(
    hub_id: str,
    *,
    revision: str | None = None,
    monitor: Monitor | None = None,
    max_workers: int = 8,
) -> Downloaded:
    """Download ``hub_id`` (at ``revision``, default the main branch, which is what
    ``hf:ID`` runs load) into the cache, after
    checking the disk has room; reports ``(bytes done, bytes to fetch, speed_bps=,
    eta_s=)``. Raises :class:`ModelDownloadError` (with what to do) or
    :class:`~.errors.Cancelled`; what finished before is kept and not fetched again."""
    from huggingface_hub import constants, snapshot_download

    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, CHUNK_BYTES)
    monitor = Monitor.of(monitor)
    plan = repo_files(hub_id, revision)
    check_disk_space(plan.missing_bytes, cache_dir(), hub_id)
    monitor.check()
    tally = _Tally(monitor, plan.missing_bytes)
    tally.report()
    try:
        path = snapshot_download(
            hub_id,
            # The branch name as asked, so its ref is written and `hf:ID` finds the
            # snapshot; should the branch move meanwhile, the folder returned is named
            # for the commit actually downloaded, and that is what is recorded.
            revision=revision,
            tqdm_class=_bar_class(tally),
            max_workers=max_workers,
        )
    except (ModelDownloadError, Cancelled):
        raise
    except Exception as exc:
        raise download_error(hub_id, exc) from exc
    got = Path(path).name
    tally.report(unless_said=True)
    return Downloaded(hub_id, got, Path(path), plan.size_bytes, tally.done)

"""Downloading a Hugging Face hub model into huggingface_hub's cache, asked for by the user
("Get models..." in the window, ``llmstudio models get ID``); never as a side effect.

huggingface_hub does what it does well: the commit and the file listing, each file's
metadata, the HTTP requests (``HF_ENDPOINT``, tokens, retries), the cache layout ``hf:ID``
runs load from (blobs, snapshot links, refs: its ``snapshot_download`` places them once
the blobs are there), ``HF_HUB_OFFLINE``. What llmstudio adds:

- the files and their sizes asked first (``repo_info`` for the exact commit, then the file
  tree at that commit), so the download is pinned to one revision, free disk space is
  checked before a byte is written, and progress has a total;
- resuming within a file (core/blob_fetch.py): a download cancelled, cut or killed
  continues each unfinished file from its last byte received, where huggingface_hub 2.x
  would delete the partial file and start it again;
- progress in bytes with speed and time left through :class:`~.progress.Monitor`, saying
  how much was resumed, and Cancel, both through the tqdm hook called per chunk received;
- one-line messages for a gated, missing or failing repo (:func:`download_error`).
"""

from __future__ import annotations

import errno
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path

from .blob_fetch import (
    HUB_TIMEOUT_S,
    PARTIAL_SUFFIX,
    FileSource,
    blob_lock,
    fetch_blob,
    file_source,
    partial_bytes,
    stale_partials,
    storage_folder,
)
from .errors import Cancelled, ModelDownloadError
from .model_cache import cache_dir, hub_offline, needed_files, size_text
from .progress import Monitor

__all__ = ["Downloaded", "RepoFiles", "check_disk_space", "download_model", "repo_files"]

# The snapshot bar of huggingface_hub that counts bytes received from the network.
TRANSFER_BAR = "huggingface_hub.snapshot_download.transfer"
# The bar of huggingface_hub's http_get: one file's bytes (core/blob_fetch.py).
FILE_BAR = "huggingface_hub.http_get"
# huggingface_hub hands the progress bar (our Cancel check) a chunk at a time, 10 MiB by
# default: 10 s between checks at 1 MB/s. Cancel stops before the chunk in hand is
# written (so the partial file holds exactly what was counted), so it takes effect a
# chunk after it is asked: 256 KiB chunks keep that within a quarter second at 1 MB/s, at
# no measurable cost (benchmarks/model_download.py).
CHUNK_BYTES = 256 * 1024
REPORT_EVERY_S = 0.25  # progress reports at most this often (the window repaints each)


@dataclass(frozen=True)
class RepoFiles:
    """A hub model's files at one commit, and how much of it is not on this computer."""

    hub_id: str
    revision: str  # the commit hash
    files: tuple[tuple[str, int], ...]  # (path in the repo, bytes) of those a run loads
    missing_bytes: int  # of the files not yet in the cache
    # The listing as huggingface_hub caches it (path -> TreeCacheEntry).
    tree: dict = field(default_factory=dict, compare=False, repr=False)

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
    resumed_bytes: int = 0  # of files left unfinished before, continued, not fetched again


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
    from huggingface_hub._tree_cache import TreeCacheEntry
    from huggingface_hub.hf_api import RepoFile

    if hub_offline():
        raise _offline_error(hub_id)
    api = HfApi()
    try:
        commit = api.repo_info(hub_id, revision=revision, timeout=HUB_TIMEOUT_S).sha
        listed = [
            f
            for f in api.list_repo_tree(hub_id, revision=commit, recursive=True)
            if isinstance(f, RepoFile)
        ]
    except Exception as exc:
        raise download_error(hub_id, exc) from exc
    wanted = needed_files(f.path for f in listed)  # not the other frameworks' weights
    files = tuple((f.path, int(f.size)) for f in listed if f.path in wanted)
    missing = sum(
        size
        for path, size in files
        if not isinstance(try_to_load_from_cache(hub_id, path, revision=commit), str)
    )
    tree = {  # as snapshot_download caches it
        f.path: TreeCacheEntry(
            size=f.size,
            blob_id=f.blob_id,
            lfs_sha256=f.lfs.sha256 if f.lfs is not None else None,
            lfs_size=f.lfs.size if f.lfs is not None else None,
            xet_hash=f.xet_hash,
        )
        for f in listed
    }
    return RepoFiles(hub_id, commit, files, missing, tree)


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


class _Stopped(Exception):
    """Raised in a download thread to stop it because another one failed."""


class _Tally:
    """Bytes of a download across its threads: those resumed from partial files and those
    received now, reported to a monitor at most every :data:`REPORT_EVERY_S`, with speed
    (of the bytes received now) and time left; checks Cancel per chunk."""

    def __init__(self, monitor: Monitor, total: int, resumed: int):
        self.monitor, self.total = monitor, total
        self.resumed = resumed  # bytes of partial files continued, not fetched again
        self.fetched = 0  # bytes received in this download
        self.failed = threading.Event()  # a thread failed: the others stop
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._last = 0.0
        self._said: tuple[int, int] | None = None  # (fetched, resumed) last reported

    @property
    def done(self) -> int:
        """Bytes of the download on disk: resumed and received now."""
        return self.resumed + self.fetched

    def add(self, n: float) -> None:
        # huggingface_hub counts a chunk before writing it: stopping here, before counting,
        # keeps every chunk counted so far written to the partial file.
        self.monitor.check()  # raises Cancelled in the download thread: it stops there
        if self.failed.is_set():
            raise _Stopped
        with self._lock:
            self.fetched += int(n)
            now = time.monotonic()
            due = now - self._last >= REPORT_EVERY_S
            if due:
                self._last = now
        if due:
            self.report()

    def restarted(self, lost: int) -> None:
        """A server that ignored the Range request sends the whole file again: the
        ``lost`` bytes of its partial file are no longer resumed but to be fetched."""
        with self._lock:
            self.resumed -= lost

    def report(self, *, unless_said: bool = False) -> None:
        """Report now (``unless_said``: only if the counts changed since the last one)."""
        if unless_said and (self.fetched, self.resumed) == self._said:
            return
        self._said = (self.fetched, self.resumed)
        elapsed = max(time.monotonic() - self._start, 1e-6)
        speed = self.fetched / elapsed
        left = (self.total - self.done) / speed if speed > 0 else None
        self.monitor.report(
            min(self.done, self.total),
            self.total,
            speed_bps=speed,
            eta_s=left,
            resumed_bytes=self.resumed,
        )


def _bar_class(tally: _Tally, resumed: int = 0):
    """A tqdm class for huggingface_hub's downloads: never drawn; the bytes received feed
    ``tally``. For one file resumed at ``resumed`` bytes (``http_get``'s bar), a bar that
    starts at 0 means the server ignored the Range request and sends the file whole."""
    from huggingface_hub.utils import tqdm as hf_tqdm

    class Bar(hf_tqdm):
        def __init__(self, *args, **kwargs):
            name = kwargs.get("name")
            self._counts = name in (TRANSFER_BAR, FILE_BAR)
            if name == FILE_BAR and resumed and not kwargs.get("initial"):
                tally.restarted(resumed)
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            if self._counts and n:
                tally.add(n)
            return super().update(n)

    return Bar


def _fetch_all(plan: RepoFiles, sources: list[FileSource], storage: Path, tally, workers) -> None:
    """Fetch every file of ``sources`` (resuming partial files), ``workers`` at a time, and
    link each into the commit's snapshot as it finishes (so a download stopped midway
    shows as incomplete); the first failure stops the others (their partial files are
    kept) and is raised."""
    from huggingface_hub import hf_hub_download

    if not sources:
        return

    def one(source: FileSource) -> None:
        bar = _bar_class(tally, partial_bytes(storage, source.etag))
        fetch_blob(plan.hub_id, source, storage, bar)
        # The blob is there: huggingface_hub only links it (after a HEAD request).
        hf_hub_download(plan.hub_id, source.repo_path, revision=plan.revision, tqdm_class=bar)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(sources)))) as pool:
        futures = [pool.submit(one, s) for s in sources]
        first: BaseException | None = None
        for future in as_completed(futures):
            exc = future.exception()
            if exc is not None and not isinstance(exc, _Stopped):
                tally.failed.set()
                first = first or exc
    if first is not None:
        raise first


def _forget_stale_partials(storage: Path, keep: set[str]) -> None:
    """Delete partial files of this repo's blobs that are no longer on the hub (a file
    changed since a download stopped); one another download is writing is left alone."""
    from filelock import Timeout

    for path in stale_partials(storage, keep):
        etag = path.name.removesuffix(PARTIAL_SUFFIX)
        try:
            with blob_lock(storage, etag, timeout=0.1):
                path.unlink(missing_ok=True)
        except (Timeout, OSError):
            pass


def download_model(
    hub_id: str,
    *,
    revision: str | None = None,
    monitor: Monitor | None = None,
    max_workers: int = 8,
) -> Downloaded:
    """Download ``hub_id`` (at ``revision``, default the main branch, which is what
    ``hf:ID`` runs load) into the cache, after checking the disk has room; a file left
    unfinished by an earlier download continues where it stopped. Reports ``(bytes done,
    bytes to download, speed_bps=, eta_s=, resumed_bytes=)``: bytes done include those
    resumed, the speed counts only bytes received now. Raises :class:`ModelDownloadError`
    (with what to do) or :class:`~.errors.Cancelled`; what was received is kept."""
    from huggingface_hub import constants, snapshot_download

    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, CHUNK_BYTES)
    monitor = Monitor.of(monitor)
    plan = repo_files(hub_id, revision)
    storage = storage_folder(hub_id, cache_dir())
    try:
        sources = _sources(hub_id, plan, max_workers)
    except ModelDownloadError:
        raise
    except Exception as exc:
        raise download_error(hub_id, exc) from exc
    # On disk already: partial files, and whole blobs a stopped download had not yet linked.
    resumed = sum(
        s.size if _has_blob(storage, s) else partial_bytes(storage, s.etag) for s in sources
    )
    check_disk_space(plan.missing_bytes - resumed, cache_dir(), hub_id)
    monitor.check()
    tally = _Tally(monitor, plan.missing_bytes, resumed)
    tally.report()
    try:
        _write_listing(storage, plan)
        _fetch_all(plan, sources, storage, tally, max_workers)
        # The blobs are all there: huggingface_hub links the snapshot to them and writes the
        # branch's ref, exactly as its own download would have left the cache.
        path = snapshot_download(
            hub_id,
            # The branch name as asked, so its ref is written and `hf:ID` finds the
            # snapshot; should the branch move meanwhile, the folder returned is named
            # for the commit actually downloaded, and that is what is recorded.
            revision=revision,
            allow_patterns=[glob_escape(p) for p, _ in plan.files],
            tqdm_class=_bar_class(tally),
            max_workers=max_workers,
        )
    except (ModelDownloadError, Cancelled):
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ModelDownloadError(
                f"the disk filled up while downloading {hub_id} into {cache_dir()}; free "
                "some space and download again: it continues where it stopped"
            ) from exc
        raise download_error(hub_id, exc) from exc
    except Exception as exc:
        raise download_error(hub_id, exc) from exc
    _forget_stale_partials(storage, {s.etag for s in sources})
    tally.report(unless_said=True)
    return Downloaded(
        hub_id, Path(path).name, Path(path), plan.size_bytes, tally.fetched, tally.resumed
    )


def _has_blob(storage: Path, source: FileSource) -> bool:
    return (storage / "blobs" / source.etag).exists()


def _sources(hub_id: str, plan: RepoFiles, workers: int) -> list[FileSource]:
    """Where each file not yet in the cache comes from (a HEAD request each, in parallel)."""
    from huggingface_hub import try_to_load_from_cache

    missing = [
        path
        for path, _ in plan.files
        if not isinstance(try_to_load_from_cache(hub_id, path, revision=plan.revision), str)
    ]
    if not missing:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(missing)))) as pool:
        return list(pool.map(lambda p: file_source(hub_id, p, plan.revision), missing))


def _write_listing(storage: Path, plan: RepoFiles) -> None:
    """The commit's file listing (``trees/COMMIT.json``), as huggingface_hub's
    snapshot_download writes it before fetching: until every file listed is in the
    snapshot, the model is known to be incomplete (core/model_cache.py)."""
    from huggingface_hub._tree_cache import read_tree_cache, write_tree_cache

    if read_tree_cache(str(storage), plan.revision) is None:
        write_tree_cache(str(storage), plan.revision, plan.tree)

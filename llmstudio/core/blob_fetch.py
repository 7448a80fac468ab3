"""One file of a hub model fetched into huggingface_hub's cache so that a Cancel, a cut
connection or a killed process loses none of the bytes received.

huggingface_hub 2.x downloads each file into a process-unique ``<etag>.<random>.incomplete``
file and deletes it when the download stops, so a download started again fetches every
unfinished file from its first byte. Here the partial file has a stable name,
``blobs/<etag>.incomplete`` (the name huggingface_hub's own cache scan reports as an
interrupted download), is kept when the download stops, and the next download asks the
hub for the rest with ``Range: bytes=N-``. The etag names the file's content, so a file
changed on the hub gets a new partial file and never continues an old one's bytes.

Everything else is huggingface_hub's: the file's metadata (``get_hf_file_metadata``: etag,
size, the URL after redirects), the request itself (``http_get``: the Range request, a
server that ignores it answered by starting the file again, retries of a cut connection),
the auth headers, the blob folder and its lock (shared with huggingface_hub, so a
download by another program in the same cache waits rather than writes the same blob).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelDownloadError

__all__ = [
    "FileSource",
    "blob_lock",
    "fetch_blob",
    "file_source",
    "partial_bytes",
    "partial_path",
    "stale_partials",
    "storage_folder",
]

PARTIAL_SUFFIX = ".incomplete"
HUB_TIMEOUT_S = 10.0
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GIT_SHA1 = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class FileSource:
    """Where one file of a repo at one commit comes from, as the hub's HEAD answers."""

    repo_path: str  # the file's path in the repo
    url: str  # after redirects (the CDN for large files)
    etag: str  # the blob's name in the cache: the sha256 of an LFS file, else its git sha1
    size: int


def file_source(hub_id: str, repo_path: str, commit: str) -> FileSource:
    """Ask the hub (a HEAD request) for ``repo_path`` of ``hub_id`` at ``commit``; its
    errors (gated, missing, failing) are raised as huggingface_hub raises them."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    meta = get_hf_file_metadata(
        hf_hub_url(hub_id, repo_path, revision=commit), timeout=HUB_TIMEOUT_S
    )
    if meta.etag is None or meta.size is None:
        raise ModelDownloadError(
            f"the Hugging Face hub did not say the size and checksum of {repo_path} of "
            f"{hub_id}; try again later"
        )
    return FileSource(repo_path, meta.location, meta.etag, int(meta.size))


def storage_folder(hub_id: str, cache: Path) -> Path:
    """The repo's folder in the cache (``models--org--name``)."""
    from huggingface_hub.file_download import repo_folder_name

    return cache / repo_folder_name(repo_id=hub_id, repo_type="model")


def partial_path(storage: Path, etag: str) -> Path:
    """The partial file of the blob named ``etag``."""
    return storage / "blobs" / f"{etag}{PARTIAL_SUFFIX}"


def partial_bytes(storage: Path, etag: str) -> int:
    """Bytes of the blob ``etag`` already received by an earlier download (0: none)."""
    try:
        return partial_path(storage, etag).stat().st_size
    except OSError:
        return 0


def blob_lock(storage: Path, etag: str, timeout: float | None = None):
    """huggingface_hub's own lock of the blob ``etag`` (``.locks/models--org--name/``);
    with a ``timeout``, ``filelock.Timeout`` when another download holds it longer."""
    from huggingface_hub.utils import WeakFileLock

    lock = storage.parent / ".locks" / storage.name / f"{etag}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    return WeakFileLock(lock, timeout=timeout)


class _Digest:
    """The checksum ``etag`` names: an LFS file's etag is its sha256, any other file's
    its git blob sha1 (of a header with the size, then the bytes). None: neither form."""

    def __init__(self, etag: str, size: int):
        self.etag = etag
        if _SHA256.match(etag):
            self._new = hashlib.sha256
            self._header = b""
        elif _GIT_SHA1.match(etag):
            self._new = functools.partial(hashlib.sha1, usedforsecurity=False)
            self._header = f"blob {size}\0".encode()
        else:
            self._new = None
        self.reset()

    def reset(self) -> None:
        self.hash = self._new() if self._new else None
        if self.hash is not None:
            self.hash.update(self._header)

    def update(self, data) -> None:
        if self.hash is not None:
            self.hash.update(data)

    def matches(self) -> bool | None:
        return None if self.hash is None else self.hash.hexdigest() == self.etag


class _HashingFile:
    """The partial file as ``http_get`` writes it, hashed as the bytes arrive (so the
    check costs no second read of the file). ``http_get`` only writes, and rewinds and
    truncates when a server ignores the Range request and sends the whole file."""

    def __init__(self, f, digest: _Digest):
        self._f, self._digest = f, digest
        self._hashed = f.tell()  # bytes of the file the digest has seen (from 0)

    def write(self, data) -> int:
        if self._f.tell() != self._hashed:  # cannot be: http_get writes in order
            raise OSError("partial file written out of order")
        n = self._f.write(data)
        self._digest.update(data)
        self._hashed += n
        return n

    def tell(self) -> int:
        return self._f.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def truncate(self, size: int | None = None) -> int:
        end = self._f.truncate(size)
        if end < self._hashed:  # only ever back to where this download started: 0
            self._digest.reset()
            self._f.seek(0)
            while block := self._f.read(1 << 20):
                self._digest.update(block)
            self._hashed = end
        return end


def _hash_prefix(f, digest: _Digest, size: int) -> None:
    """Feed the first ``size`` bytes of ``f`` (an earlier download's) to ``digest``."""
    f.seek(0)
    left = size
    while left and (block := f.read(min(1 << 20, left))):
        digest.update(block)
        left -= len(block)


def fetch_blob(hub_id: str, source: FileSource, storage: Path, bar_class) -> Path:
    """Fetch ``source`` into ``storage/blobs/<etag>``, continuing its partial file when
    one is there; returns the blob. ``bar_class`` is the tqdm class ``http_get`` reports
    each chunk to (its ``initial`` is the bytes resumed, 0 when the server sent the whole
    file again). Whatever stops it (Cancel raised by the bar, a failure, a kill) leaves
    the partial file for the next call. Raises :class:`ModelDownloadError` when the file
    received does not match its checksum (the partial file is then deleted)."""
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    blob = storage / "blobs" / source.etag
    partial = partial_path(storage, source.etag)
    blob.parent.mkdir(parents=True, exist_ok=True)
    with blob_lock(storage, source.etag):
        if blob.exists():  # another download finished it meanwhile
            return blob
        start = partial_bytes(storage, source.etag)
        if start > source.size:  # cannot be a prefix of the file: start again
            start = 0
        digest = _Digest(source.etag, source.size)
        with partial.open("r+b" if partial.exists() else "w+b") as f:
            f.truncate(start)
            _hash_prefix(f, digest, start)
            f.seek(start)
            http_get(
                source.url,
                _HashingFile(f, digest),
                resume_size=start,
                headers=build_hf_headers(),
                expected_size=source.size,
                displayed_filename=source.repo_path,
                tqdm_class=bar_class,
            )
        if digest.matches() is False:
            partial.unlink(missing_ok=True)
            raise ModelDownloadError(
                f"{source.repo_path} of {hub_id} arrived damaged (its checksum differs from "
                "the hub's); the damaged file was deleted: download again"
            )
        os.replace(partial, blob)
    return blob


def stale_partials(storage: Path, keep: set[str]) -> list[Path]:
    """Partial files in ``storage`` of blobs other than ``keep`` (etags): files that changed
    on the hub since a download stopped, whose bytes can never be continued."""
    folder = storage / "blobs"
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.glob(f"*{PARTIAL_SUFFIX}")
        # huggingface_hub's own <etag>.<random>.incomplete files are its to remove
        if p.name.count(".") == 1 and p.name.removesuffix(PARTIAL_SUFFIX) not in keep
    ]

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

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelDownloadError

__all__ = [
    "FileSource",
    "blob_lock",
    "checksum_matches",
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


def checksum_matches(path: Path, etag: str) -> bool | None:
    """Whether ``path``'s content is what ``etag`` names: an LFS file's etag is its
    sha256, any other file's its git blob sha1. None: an etag of neither form."""
    if _SHA256.match(etag):
        digest = hashlib.sha256()
    elif _GIT_SHA1.match(etag):
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(f"blob {path.stat().st_size}\0".encode())
    else:
        return None
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest() == etag


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
        with partial.open("r+b" if partial.exists() else "w+b") as f:
            f.truncate(start)
            f.seek(start)
            http_get(
                source.url,
                f,
                resume_size=start,
                headers=build_hf_headers(),
                expected_size=source.size,
                displayed_filename=source.repo_path,
                tqdm_class=bar_class,
            )
        if checksum_matches(partial, source.etag) is False:
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

"""The hub models on this computer: huggingface_hub's cache (``HF_HUB_CACHE``, by default
``~/.cache/huggingface/hub``), as the window's "Downloaded" list and ``llmstudio models``
show it, and removing one.

The cache is huggingface_hub's own (the one ``hf:ID`` runs load from), read with its
``scan_cache_dir``; llmstudio keeps no list of its own, so a model downloaded by another
program shows too.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelDownloadError

__all__ = [
    "DownloadedModel",
    "cache_dir",
    "downloaded_models",
    "hub_offline",
    "is_downloaded",
    "needed_files",
    "remove_model",
    "size_text",
]

# Weights for other frameworks and runtimes, which a PyTorch run never loads: a hub repo
# often carries the same model three or four times (SiEBERT: 1.4 GB each as PyTorch,
# TensorFlow and Flax weights).
_OTHER_RUNTIMES = (
    "tf_model",
    "flax_model",
    "rust_model",
    "model.onnx",
    "model.tflite",
    "model.mlmodel",
)
_OTHER_RUNTIME_FOLDERS = ("onnx/", "openvino/", "coreml/", "tflite/")
_OTHER_RUNTIME_SUFFIXES = (".h5", ".msgpack", ".ot", ".onnx", ".onnx_data", ".tflite", ".mlmodel")


def _is_pytorch_weights(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".safetensors") or (
        name.startswith("pytorch_model") and name.endswith(".bin")
    )


def needed_files(paths) -> set[str]:
    """The files of a hub repo (``paths``: its listing) that a run of llmstudio loads:
    all but the weights for other frameworks (TensorFlow, Flax, ONNX, OpenVINO, Core ML,
    Rust) when the repo has PyTorch weights, and but ``pytorch_model*.bin`` when it has
    safetensors (which transformers loads first). A repo with no PyTorch weights keeps
    everything: what is there may be what loads."""
    paths = list(paths)
    if not any(_is_pytorch_weights(p) for p in paths):
        return set(paths)

    def other_runtime(p: str) -> bool:
        name = p.rsplit("/", 1)[-1]
        return (
            p.startswith(_OTHER_RUNTIME_FOLDERS)
            or name.startswith(_OTHER_RUNTIMES)
            or name.endswith(_OTHER_RUNTIME_SUFFIXES)
        )

    keep = {p for p in paths if not other_runtime(p)}
    if any(p.endswith(".safetensors") for p in keep):
        keep = {
            p
            for p in keep
            if not (p.rsplit("/", 1)[-1].startswith("pytorch_model") and p.endswith(".bin"))
        }
    return keep


@dataclass(frozen=True)
class DownloadedModel:
    """One revision of a hub model in the cache."""

    id: str  # the hub id: "cardiffnlp/twitter-roberta-base-sentiment-latest"
    revision: str  # the commit hash of the snapshot
    # On disk (files shared between revisions counted in each; for an incomplete one, the
    # parts of unfinished files kept for the next download too).
    size_bytes: int
    path: Path  # the snapshot folder the model loads from
    # False: files the hub listed for this commit are missing (a download cancelled or
    # killed); None: no listing to check against (downloaded file by file, by transformers).
    complete: bool | None = None

    @property
    def short_revision(self) -> str:
        """The first 8 characters of the commit, as the hub's pages show it."""
        return self.revision[:8]


def size_text(n: float) -> str:
    """A byte count for people: ``940 kB``, ``418 MB``, ``2.2 GB`` (decimal units, as the
    hub's pages and file managers show sizes)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n < 10 * scale else f"{n / scale:.0f} {unit}"
    return f"{int(n)} bytes"


def hub_offline() -> bool:
    """HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE, read now (huggingface_hub reads them once, at
    import, so a setting made later in the process would otherwise be missed)."""
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return bool(constants.HF_HUB_OFFLINE) or any(
        (v or "").strip().upper() in {"1", "ON", "YES", "TRUE"} for v in flags
    )


def cache_dir() -> Path:
    """huggingface_hub's cache folder, read now (tests and ``HF_HUB_CACHE`` may move it)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def _scan(folder: Path | None = None):
    """The cache's contents, or None when there is no cache folder yet."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        return scan_cache_dir(folder or cache_dir())
    except CacheNotFound:
        return None


def _complete(repo_path: Path, snapshot: Path, commit: str) -> bool | None:
    """Whether every file a run needs (:func:`needed_files`) of the commit's listing (the
    ``trees/COMMIT.json`` that huggingface_hub's snapshot_download writes before fetching)
    is in the snapshot."""
    listing = repo_path / "trees" / f"{commit}.json"
    try:
        files = json.loads(listing.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return all((snapshot / name).is_file() for name in needed_files(files))


def downloaded_models(folder: Path | None = None) -> list[DownloadedModel]:
    """Every model revision in the cache (``folder``, default :func:`cache_dir`), by id,
    newest revision first within an id. Datasets and spaces in the same cache are left
    out."""
    info = _scan(folder)
    if info is None:
        return []
    partial: dict[Path, int] = {}  # repo folder -> bytes of unfinished files kept
    for f in info.incomplete_files:
        repo_path = Path(f.file_path).parent.parent
        partial[repo_path] = partial.get(repo_path, 0) + f.size_on_disk
    found = []
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        for rev in sorted(repo.revisions, key=lambda r: -r.last_modified):
            complete = _complete(Path(repo.repo_path), Path(rev.snapshot_path), rev.commit_hash)
            kept = partial.get(Path(repo.repo_path), 0) if complete is False else 0
            found.append(
                DownloadedModel(
                    id=repo.repo_id,
                    revision=rev.commit_hash,
                    size_bytes=rev.size_on_disk + kept,
                    path=Path(rev.snapshot_path),
                    complete=complete,
                )
            )
    return sorted(found, key=lambda m: m.id.lower())


def is_downloaded(hub_id: str) -> bool:
    """Whether some revision of ``hub_id`` is in the cache, not known to be incomplete."""
    return any(m.id == hub_id and m.complete is not False for m in downloaded_models())


def remove_model(hub_id: str) -> int:
    """Delete every cached revision of ``hub_id`` (its snapshots, its blobs, its refs);
    returns the bytes freed. Raises :class:`ModelDownloadError` when it is not there."""
    info = _scan()
    repo = None
    if info is not None:
        repo = next((r for r in info.repos if r.repo_type == "model" and r.repo_id == hub_id), None)
    if repo is None:
        raise ModelDownloadError(f"model {hub_id} is not downloaded (nothing in {cache_dir()})")
    # Every revision goes, so the whole repo folder (blobs, snapshots, refs) goes: what
    # huggingface_hub's delete_revisions(...) does then, in one call.
    freed = repo.size_on_disk
    shutil.rmtree(repo.repo_path)
    return freed

"""The hub models on this computer: huggingface_hub's cache (``HF_HUB_CACHE``, by default
``~/.cache/huggingface/hub``), read with its own ``scan_cache_dir``, so a model downloaded
by another program counts too.

The minimal version the defaults need (issue 17 item 4); the downloads part (dl17) owns
this module and its full version replaces this one at merge, with the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DownloadedModel", "cache_dir", "downloaded_models", "is_downloaded"]


@dataclass(frozen=True)
class DownloadedModel:
    """One revision of a hub model in the cache."""

    id: str  # the hub id: "cardiffnlp/twitter-roberta-base-sentiment-latest"
    revision: str  # the commit hash of the snapshot
    size_bytes: int  # on disk
    path: Path  # the snapshot folder the model loads from


def cache_dir() -> Path:
    """huggingface_hub's cache folder, read now (tests and ``HF_HUB_CACHE`` may move it)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def downloaded_models() -> list[DownloadedModel]:
    """Every model revision in the cache, by id (none when there is no cache folder yet).
    Datasets and spaces in the same cache are left out."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir(cache_dir())
    except CacheNotFound:
        return []
    found = [
        DownloadedModel(repo.repo_id, rev.commit_hash, rev.size_on_disk, Path(rev.snapshot_path))
        for repo in info.repos
        if repo.repo_type == "model"
        for rev in repo.revisions
    ]
    return sorted(found, key=lambda m: m.id.lower())


def is_downloaded(hub_id: str) -> bool:
    """Whether some revision of ``hub_id`` is in the cache."""
    return any(m.id == hub_id for m in downloaded_models())

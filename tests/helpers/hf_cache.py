"""A Hugging Face cache on disk, laid out as huggingface_hub writes it (``models--ORG--NAME``
with ``blobs/``, ``refs/main`` and ``snapshots/<commit>/`` linking to the blobs), so that
``scan_cache_dir`` and ``from_pretrained`` find a model with no network."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def put_in_hf_cache(cache: Path, repo_id: str, folder: Path, commit: str = COMMIT) -> Path:
    """Copy the model files of ``folder`` into ``cache`` as revision ``commit`` of hub
    repo ``repo_id`` (each file a blob named by its sha256, linked from the snapshot);
    returns the snapshot folder."""
    from huggingface_hub.file_download import repo_folder_name

    repo = Path(cache) / repo_folder_name(repo_id=repo_id, repo_type="model")
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit, encoding="utf-8")
    snapshot = repo / "snapshots" / commit
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        data = path.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = snapshot / path.relative_to(folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    return snapshot

"""The list of recently opened projects and files, kept in the user's config folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .paths import config_dir

MAX_RECENT = 10


def _file() -> Path:
    return config_dir() / "recent.json"


def recent_files() -> list[str]:
    """Recent paths, newest first, dropping ones that no longer exist."""
    try:
        items = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [p for p in items if isinstance(p, str) and Path(p).exists()]


def add_recent(path: str | Path) -> list[str]:
    path = str(Path(path).resolve())
    items = [path] + [p for p in recent_files() if p != path]
    items = items[:MAX_RECENT]
    target = _file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(items, indent=1), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only config folder must not stop the user from opening files
    return items

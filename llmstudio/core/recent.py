"""The list of recently opened projects and files, kept in the user's config folder."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .paths import config_dir

MAX_RECENT = 10


@dataclass(frozen=True)
class RecentEntry:
    """A recently opened file: its path and when it was last opened (None: not recorded,
    a list written before llmstudio kept the time)."""

    path: str
    opened: datetime | None = None


def _file() -> Path:
    return config_dir() / "recent.json"


def _entry(item) -> RecentEntry | None:
    """One stored item: ``{"path": ..., "opened": ISO time}``, or a bare path (older lists)."""
    if isinstance(item, str):
        return RecentEntry(item)
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        return None
    try:
        opened = datetime.fromisoformat(item["opened"]) if item.get("opened") else None
    except (TypeError, ValueError):
        opened = None
    return RecentEntry(item["path"], opened)


def recent_entries() -> list[RecentEntry]:
    """Recent files, newest first, dropping ones that no longer exist."""
    try:
        items = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    entries = (_entry(item) for item in items)
    return [e for e in entries if e is not None and Path(e.path).exists()]


def recent_files() -> list[str]:
    """Recent paths, newest first, dropping ones that no longer exist."""
    return [e.path for e in recent_entries()]


def add_recent(path: str | Path) -> list[str]:
    """Put ``path`` first in the list, opened now; the paths listed after."""
    path = str(Path(path).resolve())
    now = RecentEntry(path, datetime.now(UTC))
    entries = [now] + [e for e in recent_entries() if e.path != path]
    entries = entries[:MAX_RECENT]
    target = _file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        stored = [
            {"path": e.path, "opened": e.opened.isoformat(timespec="seconds") if e.opened else ""}
            for e in entries
        ]
        tmp.write_text(json.dumps(stored, indent=1), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only config folder must not stop the user from opening files
    return [e.path for e in entries]

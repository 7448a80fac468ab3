"""Small files llmstudio keeps for itself (settings learnt, caches): written whole or not
at all (a crash mid-write leaves the old file), and a JSON object read back as {} when
the file is missing, unreadable or damaged (it is made again)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``, then rename it over."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_json_object(path: str | Path) -> dict:
    """The JSON object in ``path``; {} when there is none (missing, unreadable, not JSON,
    not an object)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}

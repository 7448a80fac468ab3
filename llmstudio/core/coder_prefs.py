"""Who codes, remembered on this computer: the last coder's name overall and per project,
and the codebook last coded with per project, and each coder's blind switch
(``coding.json`` in the config folder).

A preference, not data: a file that cannot be written costs only the convenience, never a
code (codes are in the project, :mod:`llmstudio.core.human_codes`).
"""

from __future__ import annotations

import json

from .atomic import write_text
from .paths import config_dir

__all__ = [
    "remember_blind",
    "remember_codebook",
    "remember_coder",
    "remembered_blind",
    "remembered_codebook",
    "remembered_coder",
]

SETTINGS_FILE = "coding.json"


def _settings() -> dict:
    try:
        data = json.loads((config_dir() / SETTINGS_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def remembered_coder(project_path=None) -> str:
    """The coder who last coded in this project on this computer, else the last coder."""
    data = _settings()
    projects = data.get("projects") or {}
    if project_path is not None and str(project_path) in projects:
        return str(projects[str(project_path)])
    return str(data.get("last") or "")


def remember_coder(name: str, project_path=None) -> None:
    """Keep ``name`` as the last coder (of this project). A settings file that cannot be
    written costs only the convenience, never a code."""
    _remember("last", "projects", name, project_path)


def remembered_codebook(project_path) -> str:
    """The codebook last coded with in this project on this computer ("" if none)."""
    return str((_settings().get("codebooks") or {}).get(str(project_path), ""))


def remember_codebook(name: str, project_path) -> None:
    _remember(None, "codebooks", name, project_path)


def remembered_blind(coder: str) -> bool:
    """Whether ``coder`` last coded blind on this computer (off for a new coder)."""
    return bool((_settings().get("blind") or {}).get(coder.strip(), False))


def remember_blind(coder: str, on: bool) -> None:
    """Keep ``coder``'s blind switch for next time (and other projects)."""
    _remember(None, "blind", bool(on), coder.strip())


def _remember(last_key, per_project_key, value: str, project_path) -> None:
    data = _settings()
    if last_key:
        data[last_key] = value
    if project_path is not None:
        data.setdefault(per_project_key, {})[str(project_path)] = value
    try:
        config_dir().mkdir(parents=True, exist_ok=True)
        write_text(config_dir() / SETTINGS_FILE, json.dumps(data, indent=1, ensure_ascii=False))
    except OSError:
        pass

"""Where llmstudio's folders are: its bundled resources (in a checkout and when installed),
the user's config folder, its data folder and the log folder. Every other module asks here.

``LLMSTUDIO_CONFIG_DIR``, when set (portable installs, isolated test runs), holds the
settings and, under ``logs/``, the log; otherwise the OS's folders are used.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "llmstudio"
_HERE = Path(__file__).resolve().parent.parent  # the llmstudio package


def config_dir() -> Path:
    """The folder of the user's settings (models, prices, endpoints, recent files)."""
    base = os.environ.get("LLMSTUDIO_CONFIG_DIR")
    if base:
        return Path(base)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, APP))


def log_dir() -> Path:
    """Where the log file lies: ``$LLMSTUDIO_CONFIG_DIR/logs`` when that is set, else the
    OS's user log folder."""
    base = os.environ.get("LLMSTUDIO_CONFIG_DIR")
    if base:
        return Path(base) / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP, APP))


def data_dir() -> Path:
    """Where llmstudio keeps files it makes for the user (the sample project):
    ``$LLMSTUDIO_CONFIG_DIR/data`` when that is set, else the OS's user data folder. Never
    inside the package, which may be read-only."""
    base = os.environ.get("LLMSTUDIO_CONFIG_DIR")
    if base:
        return Path(base) / "data"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, APP))


def cache_dir() -> Path:
    """Where llmstudio keeps what it can make again (models exported to ONNX):
    ``$LLMSTUDIO_CONFIG_DIR/cache`` when that is set, else the OS's user cache folder."""
    base = os.environ.get("LLMSTUDIO_CONFIG_DIR")
    if base:
        return Path(base) / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP, APP))


def resources_dir() -> Path:
    """``llmstudio/resources/``: package data, so a checkout, a wheel and a frozen app all
    find it at the same place beside the code."""
    candidate = _HERE / "resources"
    if (candidate / "sample_corpus.csv").exists():
        return candidate
    raise FileNotFoundError(
        f"llmstudio's resources folder is missing ({candidate}); reinstall llmstudio"
    )


def icons_dir() -> Path:
    """The app icon's source (``llmstudio.svg``) and its PNG/ICO/ICNS renders
    (``scripts/make_icons.py``)."""
    return resources_dir() / "icons"


def sample_corpus() -> Path:
    """The bundled sample corpus (synthetic survey answers, CC0)."""
    return resources_dir() / "sample_corpus.csv"


def sample_codes() -> Path:
    """The sample project's pre-filled codes (``scripts/make_sample_codes.py``)."""
    return resources_dir() / "sample_codes.csv"


def help_file(name: str) -> Path:
    """A help page bundled as Markdown (``resources/help/NAME.md``)."""
    return resources_dir() / "help" / f"{name}.md"

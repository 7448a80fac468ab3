"""Where llmstudio finds its bundled resources, in a checkout and when installed."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """``resources/`` of the checkout, or the copy packaged inside ``llmstudio/``."""
    for candidate in (_HERE.parent / "resources", _HERE / "resources"):
        if (candidate / "sample_corpus.csv").exists():
            return candidate
    raise FileNotFoundError("llmstudio's resources folder is missing; reinstall llmstudio")


def sample_corpus() -> Path:
    """The bundled sample corpus (synthetic survey answers, CC0)."""
    return resources_dir() / "sample_corpus.csv"

"""Model backends behind one interface (:class:`Backend`), made from a model SPEC:

``builtin`` (offline MiniLM), ``lexicon`` (VADER), ``hf:PATH_OR_HUB_ID``,
``openai:MODEL_NAME`` (with ``base_url`` for any OpenAI-compatible server). The factory is
in :mod:`.registry`.
"""

from __future__ import annotations

from .base import Backend, BackendError, RowError, digest
from .registry import SPECS, make_backend, offline_refusal

__all__ = [
    "SPECS",
    "Backend",
    "BackendError",
    "RowError",
    "digest",
    "make_backend",
    "offline_refusal",
]

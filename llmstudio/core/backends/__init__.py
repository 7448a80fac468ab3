"""Model backends behind one interface (:class:`Backend`), made from a model SPEC:

``builtin`` (offline MiniLM), ``lexicon`` (VADER), ``hf:PATH_OR_HUB_ID``,
``openai:MODEL_NAME`` (with ``base_url`` for any OpenAI-compatible server). A SPEC is
parsed in :mod:`.spec` (:class:`ModelSpec`, what each kind is: :data:`KINDS`); the
factory is in :mod:`.registry`.
"""

from __future__ import annotations

from .base import Backend, BackendError, RowError, digest
from .registry import make_backend, offline_refusal, writes_text
from .spec import KINDS, SPECS, Kind, ModelSpec, ModelSpecError

__all__ = [
    "KINDS",
    "SPECS",
    "Backend",
    "BackendError",
    "Kind",
    "ModelSpec",
    "ModelSpecError",
    "RowError",
    "digest",
    "make_backend",
    "offline_refusal",
    "writes_text",
]

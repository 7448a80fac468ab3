"""Model backends behind one interface (:class:`Backend`), made from a model SPEC:

``builtin`` (offline MiniLM), ``lexicon`` (VADER), ``hf:PATH_OR_HUB_ID``,
``openai:MODEL_NAME`` (with ``base_url`` for any OpenAI-compatible server).
"""

from __future__ import annotations

from .base import Backend, BackendError, RowError, digest

SPECS = ("builtin", "lexicon", "hf:PATH_OR_HUB_ID", "openai:MODEL_NAME")


def make_backend(spec: str = "builtin", *, base_url: str | None = None, concurrency: int = 8,
                 **options) -> Backend:
    """The backend a model SPEC names; raises :class:`BackendError` for an unknown one."""
    spec = (spec or "builtin").strip()
    kind, _, name = spec.partition(":")
    if spec == "builtin":
        from .builtin import BuiltinBackend

        return BuiltinBackend(**options)
    if spec == "lexicon":
        from .lexicon import LexiconBackend

        return LexiconBackend()
    if kind == "hf" and name:
        from .hf import HFBackend

        return HFBackend(name, **options)
    if kind == "openai" and name:
        from .openai_backend import OpenAIBackend

        return OpenAIBackend(name, base_url, concurrency=concurrency, **options)
    raise BackendError(f"unknown model {spec!r}; use one of: {', '.join(SPECS)}")


def offline_refusal(spec: str, task) -> str | None:
    """Why the builtin or lexicon model cannot run ``task`` (None when it can, or when
    ``spec`` is another kind: those are known only once loaded)."""
    if spec == "builtin":
        from .builtin import refusal
    elif spec == "lexicon":
        from .lexicon import refusal
    else:
        return None
    return refusal(task)


__all__ = ["Backend", "BackendError", "RowError", "SPECS", "digest", "make_backend",
           "offline_refusal"]

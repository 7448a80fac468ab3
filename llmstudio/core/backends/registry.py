"""The backend a model SPEC names: ``builtin`` (offline MiniLM), ``lexicon`` (VADER),
``hf:PATH_OR_HUB_ID``, ``openai:MODEL_NAME`` (with ``base_url`` for any OpenAI-compatible
server).

The factory imports the four backends at the top: each of them imports only light modules
(the heavy libraries load on first use), and the package ``__init__`` no longer reaches
back into them from inside functions (that hid a cycle with ``openai_backend``).
"""

from __future__ import annotations

from ..tasks.base import Task
from .base import Backend, BackendError
from .builtin import BuiltinBackend
from .builtin import refusal as builtin_refusal
from .hf import HFBackend
from .lexicon import LexiconBackend
from .lexicon import refusal as lexicon_refusal
from .openai_backend import OpenAIBackend

SPECS = ("builtin", "lexicon", "hf:PATH_OR_HUB_ID", "openai:MODEL_NAME")


def make_backend(
    spec: str = "builtin", *, base_url: str | None = None, concurrency: int = 8, **options
) -> Backend:
    """The backend a model SPEC names; raises :class:`BackendError` for an unknown one."""
    spec = (spec or "builtin").strip()
    kind, _, name = spec.partition(":")
    if spec == "builtin":
        return BuiltinBackend(**options)
    if spec == "lexicon":
        return LexiconBackend()
    if kind == "hf" and name:
        return HFBackend(name, **options)
    if kind == "openai" and name:
        return OpenAIBackend(name, base_url, concurrency=concurrency, **options)
    raise BackendError(f"unknown model {spec!r}; use one of: {', '.join(SPECS)}")


def offline_refusal(spec: str, task: Task) -> str | None:
    """Why the builtin or lexicon model cannot run ``task`` (None when it can, or when
    ``spec`` is another kind: those are known only once loaded)."""
    if spec == "builtin":
        return builtin_refusal(task)
    if spec == "lexicon":
        return lexicon_refusal(task)
    return None

"""The backend a model SPEC names: ``builtin`` (offline MiniLM), ``lexicon`` (VADER),
``hf:PATH_OR_HUB_ID`` (one class per pipeline, :mod:`.hf`), ``openai:MODEL_NAME`` (with
``base_url`` for any OpenAI-compatible server).

A SPEC is parsed in :mod:`.spec` (:class:`~.spec.ModelSpec`), which also says what each
kind is (:data:`~.spec.KINDS`); this module maps each kind to the backend that runs it.
The factory imports the backends at the top: each of them imports only light modules
(the heavy libraries load on first use).
"""

from __future__ import annotations

from collections.abc import Callable

from ..tasks.base import Task
from . import hf
from .base import Backend
from .builtin import BuiltinBackend
from .builtin import refusal as builtin_refusal
from .lexicon import LexiconBackend
from .lexicon import refusal as lexicon_refusal
from .openai_backend import OpenAIBackend
from .spec import BUILTIN, HF, LEXICON, OPENAI, ModelSpec

# How each kind is made from its spec (and the caller's options): one entry per kind in
# spec.KINDS (a test checks).
FACTORIES: dict[str, Callable[..., Backend]] = {
    BUILTIN: lambda spec, concurrency, options: BuiltinBackend(**options),
    LEXICON: lambda spec, concurrency, options: LexiconBackend(),
    HF: lambda spec, concurrency, options: hf.load(spec.name, **options),
    OPENAI: lambda spec, concurrency, options: OpenAIBackend(
        spec.name, spec.base_url, concurrency=concurrency, **options
    ),
}
# Why a model known before loading cannot run a task (kinds whose answer needs the
# model loaded are not here).
REFUSALS: dict[str, Callable[[Task], str | None]] = {
    BUILTIN: builtin_refusal,
    LEXICON: lexicon_refusal,
}
# Whether a model writes text, for kinds where that depends on the model (read without
# loading it; None: not known before it loads).
WRITES_TEXT: dict[str, Callable[[ModelSpec], bool | None]] = {
    HF: lambda spec: hf.loading.generative(spec.name),
}


def make_backend(
    spec: str | ModelSpec = BUILTIN,
    *,
    base_url: str | None = None,
    concurrency: int | str = 8,
    **options,
) -> Backend:
    """The backend a model SPEC names (a string as users type it, or a
    :class:`ModelSpec`, whose base URL and options are used unless given here);
    ``concurrency``: requests at once for an API model, a number or "auto[:MAX]"
    (auto_concurrency.Concurrency); raises
    :class:`~.spec.ModelSpecError` (a :class:`BackendError`) for an unknown one."""
    if not isinstance(spec, ModelSpec):
        spec = ModelSpec.parse(spec, base_url)
    elif base_url is not None:
        spec = ModelSpec(spec.kind, spec.name, base_url, spec.options)
    return FACTORIES[spec.kind](spec, concurrency, {**spec.options, **options})


def offline_refusal(spec: str | ModelSpec, task: Task) -> str | None:
    """Why the model ``spec`` names cannot run ``task``, when that is known without
    loading it (the builtin and lexicon models); None when it can, or when it is known
    only once loaded."""
    if not isinstance(spec, ModelSpec):
        spec = ModelSpec.parse(spec)
    refusal = REFUSALS.get(spec.kind)
    return refusal(task) if refusal is not None else None


def writes_text(spec: str | ModelSpec) -> bool | None:
    """Whether the model ``spec`` names writes text (so it can answer a prompt or explain):
    what its kind says, else what its files say; None when that is known only once it
    is loaded."""
    if not isinstance(spec, ModelSpec):
        spec = ModelSpec.parse(spec)
    if spec.info.writes_text is not None:
        return spec.info.writes_text
    return WRITES_TEXT[spec.kind](spec)

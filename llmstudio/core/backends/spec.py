"""A model as users name it (``builtin``, ``lexicon``, ``hf:PATH_OR_HUB_ID``,
``openai:MODEL_NAME``), parsed in this one place into a :class:`ModelSpec`, and what each
kind of model is (:data:`KINDS`): whether it needs a network, sends the texts away, may
cost money, learns from coded examples, writes text or gives labels only.

Every other module asks a :class:`ModelSpec` or its :class:`Kind` instead of matching the
string: a new kind of backend is then one entry here and one factory in :mod:`.registry`.
This module imports no backend, so the window and the commands may use it freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import BackendError


@dataclass(frozen=True)
class Kind:
    """What one kind of model is; asked instead of the kind's name."""

    name: str  # as typed before the colon: "hf"
    # For people: the whole name of an unnamed model ("Builtin MiniLM (offline, no
    # download)"), or what precedes a named model's name ("Hugging Face").
    title: str
    syntax: str  # "hf:PATH_OR_HUB_ID"
    # True: the SPEC names a model after the colon (hf:, openai:); False: none may follow.
    named: bool
    # True: every row goes over a network; False: never (a hub model not yet in the
    # cache is downloaded once, which is not a row's data leaving).
    network: bool
    # True: the texts leave this computer (the consent is asked first).
    sends_texts: bool
    # True: a provider may bill the tokens (a cost estimate is shown).
    may_cost: bool
    # True: it fine-tunes on coded examples (a seed then changes its answers).
    learns: bool
    # True: it writes text (reads a prompt, may explain); False: labels only; None: it
    # depends on the model (a Hugging Face causal LM writes, a classifier does not).
    writes_text: bool | None
    # True: it samples, so a temperature means something.
    samples: bool = False


# The kinds' names, for code that makes a SPEC of a given kind (a folder: an hf: model).
BUILTIN, LEXICON, HF, OPENAI = "builtin", "lexicon", "hf", "openai"

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            BUILTIN,
            "Builtin MiniLM (offline, no download)",
            "builtin",
            named=False,
            network=False,
            sends_texts=False,
            may_cost=False,
            learns=True,
            writes_text=False,
        ),
        Kind(
            LEXICON,
            "Lexicon VADER (offline word list)",
            "lexicon",
            named=False,
            network=False,
            sends_texts=False,
            may_cost=False,
            learns=False,
            writes_text=False,
        ),
        Kind(
            HF,
            "Hugging Face",
            "hf:PATH_OR_HUB_ID",
            named=True,
            network=False,
            sends_texts=False,
            may_cost=False,
            learns=False,
            writes_text=None,
        ),
        Kind(
            OPENAI,
            "OpenAI-compatible API",
            "openai:MODEL_NAME",
            named=True,
            network=True,
            sends_texts=True,
            may_cost=True,
            learns=False,
            writes_text=True,
            samples=True,
        ),
    )
}

DEFAULT = BUILTIN
SPECS = tuple(k.syntax for k in KINDS.values())


class ModelSpecError(BackendError):
    """A model SPEC that names no model llmstudio knows."""


@dataclass(frozen=True)
class ModelSpec:
    """One model: its kind, its name (a folder, a hub id, an API model name; "" for the
    builtin and lexicon models), the server's base URL (API models; None: OpenAI's) and
    the backend's options (temperature, seed, label_map, ...)."""

    kind: str
    name: str = ""
    base_url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def parse(cls, text: str | None, base_url: str | None = None, **options) -> ModelSpec:
        """The spec a user typed (None or "": the builtin model); raises
        :class:`ModelSpecError` saying what is wrong and what is accepted."""
        text = (text or DEFAULT).strip()
        kind, colon, name = text.partition(":")
        info = KINDS.get(kind)
        name = name.strip()
        if info is None or (info.named and not name) or (not info.named and colon):
            raise ModelSpecError(f"unknown model {text!r}; use one of: {', '.join(SPECS)}")
        return cls(kind, name, (base_url or None) if info.network else None, dict(options))

    @classmethod
    def partial(cls, text: str | None) -> ModelSpec | None:
        """A SPEC still being filled in: its kind, and its name when one is there yet
        ("hf:" is an hf: model without a folder); None for a kind llmstudio does not
        know. Only forms use this: a model is run from :meth:`parse`."""
        info = kind_of(text)
        if info is None:
            return None
        return cls(info.name, (text or "").partition(":")[2].strip() if info.named else "")

    @classmethod
    def from_fingerprint(cls, fp: Mapping) -> ModelSpec | None:
        """The model a run's stored fingerprint names (None when it names none that can
        be loaded again). An API model's base URL is not stored (its host only)."""
        info = KINDS.get(str(fp.get("kind") or ""))
        if info is None or (info.named and not fp.get("model")):
            return None
        return cls(info.name, str(fp["model"]) if info.named else "")

    @property
    def info(self) -> Kind:
        """What kind of model this is."""
        return KINDS[self.kind]

    def __str__(self) -> str:
        """The SPEC as users type it: "builtin", "hf:PATH", "openai:MODEL"."""
        return f"{self.kind}:{self.name}" if self.info.named else self.kind

    def short(self) -> str:
        """The model as few words name it: "lexicon", "gpt-4o-mini", a folder's name."""
        return short_model(self.kind, self.name or None)


def kind_of(text: str | None) -> Kind | None:
    """The kind of a SPEC, even one still being typed ("hf:" with no name yet); None for
    none llmstudio knows."""
    return KINDS.get((text or DEFAULT).strip().partition(":")[0])


def short_spec(text: str) -> str:
    """:func:`short_model` of a model SPEC as typed (itself when it is not one)."""
    spec = ModelSpec.partial(text)
    return spec.short() if spec is not None else text


def short_model(kind: str, model: str | None) -> str:
    """A model as few words name it: "lexicon", "builtin", "gpt-4o-mini", a folder's name."""
    info = KINDS.get(kind)
    if (info is not None and not info.named) or not model:
        return kind
    if kind == HF:  # a folder or a hub id: its last part
        return model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or model
    return model


# The pipelines of a Hugging Face model that write text (None: a run stored before the
# pipeline was, when only generative models were loaded).
_WRITING_PIPELINES = (None, "text-generation")


def run_writes_text(fp: Mapping) -> bool:
    """Whether the model a run's stored fingerprint describes writes text, and so reads
    the prompt (False: it scores each text directly: the builtin and lexicon models, a
    Hugging Face classifier, NLI or embedding model). A kind llmstudio does not know
    counts as writing."""
    info = KINDS.get(str(fp.get("kind") or ""))
    if info is None:
        return True
    if info.writes_text is not None:
        return info.writes_text
    return fp.get("pipeline_task") in _WRITING_PIPELINES

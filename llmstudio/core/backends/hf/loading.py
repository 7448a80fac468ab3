"""Finding and loading a Hugging Face model: a local folder or a hub id (from the cache,
else downloaded when the hub can be reached), what it is for (its pipeline), its
revision, and one-line messages for every way a load fails."""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from ...file_digest import sha256_of
from ...model_cache import hub_offline
from ..base import BackendError

TEXT_CLASSIFICATION = "text-classification"
ZERO_SHOT = "zero-shot-classification"
TEXT_GENERATION = "text-generation"
TEXT2TEXT = "text2text-generation"
EMBEDDINGS = "embeddings"
PIPELINE_TASKS = {
    TEXT_CLASSIFICATION: TEXT_CLASSIFICATION,
    "sentiment-analysis": TEXT_CLASSIFICATION,
    ZERO_SHOT: ZERO_SHOT,
    TEXT_GENERATION: TEXT_GENERATION,
    TEXT2TEXT: TEXT2TEXT,
    EMBEDDINGS: EMBEDDINGS,
    "feature-extraction": EMBEDDINGS,
    "sentence-similarity": EMBEDDINGS,
}

HUB_TIMEOUT_S = 10.0
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def offline_message(model: str) -> str:
    return (
        f"model {model} is not on this computer and the Hugging Face hub cannot be "
        "reached; download it once online or give a local folder"
    )


def _hub_offline() -> bool:
    return hub_offline()


def _is_nli(id2label: dict) -> bool:
    names = {str(v).strip().lower() for v in id2label.values()}
    return "entailment" in names and bool(names & {"contradiction", "neutral", "not_entailment"})


def detect_pipeline_task(config) -> str:
    """What a model is for, from its config (see the module docstring)."""
    architectures = list(getattr(config, "architectures", None) or [])
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return (
            ZERO_SHOT if _is_nli(getattr(config, "id2label", None) or {}) else TEXT_CLASSIFICATION
        )
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return TEXT_GENERATION
    # T5, Flan-T5, BART: an encoder-decoder with a generation head (a T5EncoderModel,
    # sentence-T5, stays an embedding model).
    if getattr(config, "is_encoder_decoder", False) and any(
        a.endswith("ForConditionalGeneration") for a in architectures
    ):
        return TEXT2TEXT
    return EMBEDDINGS


def weights_hash(folder: Path) -> str | None:
    """A short sha256 of a folder's weight files, each with its name (None when there are
    none); remembered across processes while the files are unchanged (file_digest)."""
    files = (
        sorted(folder.glob("*.safetensors"))
        or sorted(folder.glob("pytorch_model*.bin"))
        or sorted(folder.glob("*.bin"))
    )
    if not files:
        return None
    return sha256_of(files, names=True)[:16]


def _cached_snapshot(repo_id: str, revision: str | None) -> Path | None:
    """The local cache's snapshot folder of a hub model (None when it is not cached)."""
    from huggingface_hub import try_to_load_from_cache

    for marker in ("config.json", "modules.json"):
        try:
            found = try_to_load_from_cache(repo_id, marker, revision=revision)
        except ValueError:  # not a valid repo id
            return None
        if isinstance(found, str):
            return Path(found).parent
    return None


def _chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def load_error(model: str, exc: BaseException) -> BackendError:
    """A one-line :class:`BackendError` for a failed load."""
    from huggingface_hub import errors

    for e in _chain(exc):
        if isinstance(e, (errors.OfflineModeIsEnabled, errors.LocalEntryNotFoundError)):
            return BackendError(offline_message(model))
        if isinstance(e, errors.GatedRepoError):
            return BackendError(
                f"model {model} is gated on the Hugging Face hub: accept its "
                "terms on its page and log in (`hf auth login`)"
            )
        if isinstance(e, errors.RepositoryNotFoundError):
            return BackendError(
                f"there is no model {model} on the Hugging Face hub (or it is "
                "private: log in with `hf auth login`)"
            )
        if isinstance(e, errors.RevisionNotFoundError):
            return BackendError(f"model {model} has no revision by that name on the hub")
        # httpx, httpx2 or requests, whichever huggingface_hub uses: known by name.
        names = {cls.__name__ for cls in type(e).__mro__}
        if isinstance(e, (ConnectionError, TimeoutError, socket.gaierror)) or names & {
            "ConnectError",
            "ConnectTimeout",
            "ConnectionError",
            "ReadTimeout",
            "TimeoutException",
            "NetworkError",
            "ProxyError",
        }:
            return BackendError(offline_message(model))
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if "trust_remote_code" in str(exc):
        line = (
            "it needs code from its repository to run; allow that only for a model "
            "you trust (trust_remote_code)"
        )
    return BackendError(f"could not load model {model}: {line}")


@dataclass
class Source:
    """Where a model loads from and how: ``folder`` or ``hub_id`` (one of them), the
    loaders' keyword arguments, and its config (None for a sentence-transformers folder
    without one)."""

    name: str  # as the user gave it
    folder: Path | None
    hub_id: str | None
    revision: str | None
    trust_remote_code: bool
    load_kwargs: dict = field(default_factory=dict)
    config: object = None

    @property
    def path(self) -> str:
        """What the loaders are given: the folder or the hub id."""
        return str(self.folder) if self.folder else self.hub_id

    def identity(self) -> tuple[str, str | None]:
        """(model id, revision): the hub id and its cached commit, or the folder and a
        hash of its weights."""
        if self.hub_id:
            snapshot = _cached_snapshot(self.hub_id, self.revision)
            return self.hub_id, (snapshot.name if snapshot is not None else self.revision)
        return str(self.folder), weights_hash(self.folder)


def find(
    name: str,
    *,
    revision: str | None = None,
    trust_remote_code: bool = False,
    cached_only: bool = False,
) -> Source:
    """The model ``name`` names, its config not read (so without importing transformers);
    raises :class:`BackendError` as :func:`locate` does (``cached_only``: a hub id not in
    the cache is refused without asking the hub)."""
    name = str(name).strip()
    folder, hub_id = _locate(name, revision, cached_only)
    load_kwargs = {"trust_remote_code": bool(trust_remote_code)}
    if hub_id:
        load_kwargs["revision"] = revision
        if _hub_offline():  # never let a loader try the network: the cache or nothing
            load_kwargs["local_files_only"] = True
    return Source(name, folder, hub_id, revision, bool(trust_remote_code), load_kwargs)


def locate(name: str, *, revision: str | None = None, trust_remote_code: bool = False) -> Source:
    """The model ``name`` names, with its config read; raises :class:`BackendError` with a
    one-line reason when there is no such model or it cannot be reached."""
    source = find(name, revision=revision, trust_remote_code=trust_remote_code)
    folder = source.folder
    try:
        from transformers import AutoConfig

        source.config = AutoConfig.from_pretrained(source.path, **source.load_kwargs)
    except BackendError:
        raise
    except Exception as exc:
        if not (folder and (folder / "modules.json").is_file()):
            raise load_error(source.name, exc) from None
    return source


def pipeline_of(source: Source, pipeline_task: str | None) -> str:
    """The pipeline to run: ``pipeline_task`` when given (any of :data:`PIPELINE_TASKS`'
    names), else what the config says."""
    if pipeline_task is not None:
        if pipeline_task not in PIPELINE_TASKS:
            raise BackendError(
                f"unknown pipeline_task {pipeline_task!r}; use one of "
                f"{', '.join(sorted(set(PIPELINE_TASKS.values())))}"
            )
        return PIPELINE_TASKS[pipeline_task]
    return detect_pipeline_task(source.config) if source.config else EMBEDDINGS


def _locate(
    name: str, revision: str | None, cached_only: bool = False
) -> tuple[Path | None, str | None]:
    """(local folder, None) or (None, hub id); a hub id not in the cache is refused at
    once when the hub cannot be reached (or is not to be asked: ``cached_only``)."""
    if not name:
        raise BackendError("no model given: hf:PATH_OR_HUB_ID")
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve(), None
    looks_like_path = (
        name.startswith(("/", "~", ".", "\\"))
        or re.match(r"^[A-Za-z]:", name)
        or name.count("/") > 1
        or "\\" in name
    )
    if looks_like_path or not _HUB_ID.match(name):
        raise BackendError(f"no model folder {name} (and it is not a Hugging Face hub id)")
    if _cached_snapshot(name, revision) is None:
        if cached_only or _hub_offline():
            raise BackendError(offline_message(name))
        _ask_hub(name, revision)
    return None, name


def _ask_hub(name: str, revision: str | None) -> None:
    """One quick question to the hub before a download: without it, a machine with no
    network would wait through huggingface_hub's retries (half a minute) to learn so,
    and an unknown or gated id would fail deep inside transformers."""
    from huggingface_hub import HfApi

    try:
        HfApi().model_info(name, revision=revision, timeout=HUB_TIMEOUT_S)
    except Exception as exc:
        raise load_error(name, exc) from None


@lru_cache(maxsize=64)
def config_fields(name: str) -> dict | None:
    """The config.json of the Hugging Face model ``name`` (a folder or a cached hub id),
    read without loading the model; None when it is not on this computer."""
    name = name.strip()
    if not name:
        return None
    folder = Path(name).expanduser()
    try:
        if (folder / "config.json").is_file():
            config = folder / "config.json"
        else:
            from huggingface_hub import try_to_load_from_cache

            found = try_to_load_from_cache(name, "config.json")
            config = Path(found) if isinstance(found, str) else None
        if config is None:
            return None
        data = json.loads(config.read_text(encoding="utf-8"))
    except Exception:  # not a folder, not a hub id, unreadable: the loader will say
        return None
    return data if isinstance(data, dict) else None


def generative(name: str) -> bool | None:
    """Whether the Hugging Face model ``name`` (a folder or a cached hub id) writes text,
    read from its config without loading it: True for a causal LM or a text-to-text model
    (T5), False for a classifier or an embedding model, None when its config is not on
    this computer (the runner finds out when it loads it)."""
    task = config_pipeline(name)
    return None if task is None else task in (TEXT_GENERATION, TEXT2TEXT)


def config_pipeline(name: str) -> str | None:
    """What the Hugging Face model ``name`` (a folder or a cached hub id) is for, from its
    config.json read without transformers (:func:`detect_pipeline_task`); None when its
    config is not on this computer."""
    data = config_fields(name)
    if data is None:
        return None
    return detect_pipeline_task(
        SimpleNamespace(
            **{k: data.get(k) for k in ("architectures", "id2label", "is_encoder_decoder")}
        )
    )

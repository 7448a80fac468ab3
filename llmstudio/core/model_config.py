"""The models a researcher has configured, kept in ``models.json`` in the config folder.

Local folders and API endpoints (base URL and model name) only: an API key, or a password
or token a base URL carried, is never in this file (they live in the OS keyring or the
environment, see ``core.secrets``).
Qt-free, so the run dialog, Model settings and the CLI read the same list.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .backends.spec import HF, KINDS, OPENAI, ModelSpec
from .paths import config_dir
from .secrets import clean_url, endpoint_id, keep_url_credentials

FILE_NAME = "models.json"
# The models every installation has, as the run dialog, Model settings and Jobs name them.
OFFLINE_MODELS = {k.name: k.title for k in KINDS.values() if not k.named}


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible API: a model name at a base URL ("" for OpenAI itself)."""

    model: str
    base_url: str = ""

    @property
    def host(self) -> str:
        return endpoint_id(self.base_url or None)

    @property
    def spec(self) -> str:
        """The model SPEC of this endpoint's model ("openai:MODEL")."""
        return str(ModelSpec(OPENAI, self.model))


@dataclass
class ModelConfig:
    folders: list[str] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    # Base URLs of LLM servers the user added, asked for their models beside the default
    # ports of Ollama, LM Studio, llama.cpp and vLLM (core.local_servers).
    servers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModelChoice:
    """One entry of the run dialog's model list."""

    label: str
    spec: str  # builtin, lexicon, hf:PATH_OR_HUB_ID, openai:MODEL
    base_url: str = ""


def _file():
    return config_dir() / FILE_NAME


def load_config() -> ModelConfig:
    """The saved list; an empty one when there is none or it cannot be read."""
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
        config = ModelConfig(
            folders=[str(f) for f in data.get("folders", [])],
            endpoints=[
                Endpoint(str(e["model"]), str(e.get("base_url") or ""))
                for e in data.get("endpoints", [])
            ],
            servers=[str(u) for u in data.get("servers", [])],
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return ModelConfig()
    if any(clean_url(e.base_url) != e.base_url for e in config.endpoints):
        # A file written before credentials were split off: move them to the keyring
        # (or this session) and rewrite the file without them.
        config.endpoints = [
            Endpoint(e.model, keep_url_credentials(e.base_url)[0] or "") for e in config.endpoints
        ]
        try:
            save_config(config)
        except OSError:
            pass  # read-only config folder: the list still works, without the secrets shown
    return config


def save_config(config: ModelConfig) -> None:
    """Write the list (atomically: a crash leaves the old file, not half a new one)."""
    target = _file()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Never a password or token in clear: a caller should have kept them already
    # (keep_url_credentials); what it did not is left out, not written.
    data = {
        "folders": config.folders,
        "endpoints": [
            dict(asdict(e), base_url=clean_url(e.base_url) or "") for e in config.endpoints
        ],
    }
    if config.servers:  # a file without added servers stays as older versions wrote it
        data["servers"] = [clean_url(u) or "" for u in config.servers]
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, target)


def cached_models(cache_dir=None) -> list[str]:
    """Hub ids of the models in the local Hugging Face cache (none when there is no cache),
    but those known to be incomplete."""
    from .model_cache import downloaded_models

    try:
        found = downloaded_models(cache_dir)
    except Exception:  # an unreadable cache: the lists show the other models
        return []
    # A download cancelled midway is not offered: it cannot run until it is finished.
    return sorted({m.id for m in found if m.complete is not False})


def model_choices(config: ModelConfig, cached: list[str], trained=()) -> list[ModelChoice]:
    """Everything the run dialog offers, offline models first; ``trained``: the folders of
    the classifiers trained from the open project (``training.project_models``)."""
    choices = [ModelChoice(label, spec) for spec, label in OFFLINE_MODELS.items()]
    choices += [
        ModelChoice(f"Project model: {Path(f).name}", str(ModelSpec(HF, str(f)))) for f in trained
    ]
    choices += [ModelChoice(f"Local folder: {f}", str(ModelSpec(HF, f))) for f in config.folders]
    choices += [ModelChoice(f"Hugging Face cache: {m}", str(ModelSpec(HF, m))) for m in cached]
    choices += [
        ModelChoice(f"API: {e.model} at {e.host}", e.spec, e.base_url) for e in config.endpoints
    ]
    return choices


def local_choices(models) -> list[ModelChoice]:
    """The run dialog's entries for the models of servers found (``local_servers``'
    ``LocalModel``s), labelled with the server and where it runs."""
    return [ModelChoice(m.label, m.spec, m.base_url) for m in models]


TEST_TEXT = "I love this."


def check_endpoint(endpoint: Endpoint, key: str | None = None, timeout: float = 15.0) -> str:
    """Ask ``endpoint`` one real sentiment question, as a run would; a line saying what
    answered, how fast, and how requests are phrased for it.

    The question goes through ``OpenAIBackend``, so the test also learns what the endpoint
    accepts (structured-output form, logprobs, ``max_completion_tokens`` for reasoning
    models, temperature) and remembers it for the runs that follow. Raises
    :class:`LlmstudioError` with a one-line, redacted reason when it fails. No retries
    (``max_retries=0``): a button that hangs for a minute of backoff reads as a broken
    program.
    """
    import time

    import openai

    from .backends.base import RowError
    from .backends.openai_backend import OpenAIBackend
    from .errors import LlmstudioError
    from .secrets import redact, remember
    from .tasks import SentimentTask

    remember(key)  # a typed key need not look like sk-...: hide it in any echo too
    where = f"{endpoint.model} at {endpoint.host}"
    try:
        backend = OpenAIBackend(
            endpoint.model, endpoint.base_url or None, key=key, max_retries=0, timeout=timeout
        )
    except LlmstudioError as exc:  # no key for OpenAI
        raise LlmstudioError(_one_line(redact(str(exc)))) from None
    task = SentimentTask()
    started = time.monotonic()
    try:
        answer = backend.annotate_one(task, TEST_TEXT)
        seconds = time.monotonic() - started
        dialect = backend.dialect
    except LlmstudioError as exc:  # BackendError: bad key, no such model, unreachable
        reason = str(exc).replace(" (Model settings > Test connection)", "")  # here already
        raise LlmstudioError(_one_line(redact(reason))) from None
    except openai.APIError as exc:  # a reply that is not a chat completion at all
        raise LlmstudioError(
            _one_line(redact(f"{where} sent a reply that is not a chat completion: {exc}"))
        ) from None
    finally:
        backend.close()
    if isinstance(answer, RowError):  # an HTTP error, or an answer that could not be read
        if "timed out" in answer.message:
            reason = f"{where} did not answer within {timeout:g} s"
        else:
            reason = f"{where} gave no usable answer: {answer}"
        raise LlmstudioError(_one_line(redact(reason)))
    label, score = (answer.get(c) for c in task.columns()[:2])
    said = f"“{TEST_TEXT}” is {label}"
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        said += f" ({score:.2f})"
    how = dialect.describe()
    return _one_line(
        redact(f"Connected: {where} answered in {seconds:.2f} s: {said}. Requests use {how}.")
    )


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"

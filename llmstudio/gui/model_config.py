"""The models a researcher has configured, kept in ``models.json`` in the config folder.

Local folders and API endpoints (base URL and model name) only: an API key is never in
this file (keys live in the OS keyring or ``OPENAI_API_KEY``, see ``core.secrets``).
Qt-free, so the run dialog and Model settings read the same list.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from ..core.recent import config_dir
from ..core.secrets import endpoint_id

FILE_NAME = "models.json"
# The models every installation has, as the run dialog, Model settings and Jobs name them.
OFFLINE_MODELS = {"builtin": "Builtin MiniLM (offline, no download)",
                  "lexicon": "Lexicon VADER (offline word list)"}


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible API: a model name at a base URL ("" for OpenAI itself)."""

    model: str
    base_url: str = ""

    @property
    def host(self) -> str:
        return endpoint_id(self.base_url or None)


@dataclass
class ModelConfig:
    folders: list[str] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)


@dataclass(frozen=True)
class ModelChoice:
    """One entry of the run dialog's model list."""

    label: str
    spec: str              # builtin, lexicon, hf:PATH_OR_HUB_ID, openai:MODEL
    base_url: str = ""


def _file():
    return config_dir() / FILE_NAME


def load_config() -> ModelConfig:
    """The saved list; an empty one when there is none or it cannot be read."""
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
        return ModelConfig(
            folders=[str(f) for f in data.get("folders", [])],
            endpoints=[Endpoint(str(e["model"]), str(e.get("base_url") or ""))
                       for e in data.get("endpoints", [])])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return ModelConfig()


def save_config(config: ModelConfig) -> None:
    """Write the list (atomically: a crash leaves the old file, not half a new one)."""
    target = _file()
    target.parent.mkdir(parents=True, exist_ok=True)
    data = {"folders": config.folders, "endpoints": [asdict(e) for e in config.endpoints]}
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, target)


def cached_models(cache_dir=None) -> list[str]:
    """Hub ids of the models in the local Hugging Face cache (none when there is no cache)."""
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir(cache_dir)
    except Exception:  # no cache folder yet (CacheNotFound), unreadable, or no hub library
        return []
    return sorted(r.repo_id for r in info.repos if r.repo_type == "model" and r.revisions)


def model_choices(config: ModelConfig, cached: list[str]) -> list[ModelChoice]:
    """Everything the run dialog offers, offline models first."""
    choices = [ModelChoice(label, spec) for spec, label in OFFLINE_MODELS.items()]
    choices += [ModelChoice(f"Local folder: {f}", f"hf:{f}") for f in config.folders]
    choices += [ModelChoice(f"Hugging Face cache: {m}", f"hf:{m}") for m in cached]
    choices += [ModelChoice(f"API: {e.model} at {e.host}", f"openai:{e.model}", e.base_url)
                for e in config.endpoints]
    return choices


def check_endpoint(endpoint: Endpoint, key: str | None = None, timeout: float = 15.0) -> str:
    """Ask ``endpoint`` for a one-token chat completion; a line saying what answered.

    Raises :class:`LlmstudioError` with a one-line, redacted reason when it fails. No
    retries: a button that hangs for a minute of backoff reads as a broken program.
    """
    import time

    import openai

    from ..core.errors import LlmstudioError
    from ..core.secrets import api_key, redact, remember

    remember(key)  # a typed key need not look like sk-...: hide it in any echo too
    key = key or api_key(endpoint.base_url or None)
    if not key and not endpoint.base_url:
        raise LlmstudioError(f"no API key for {endpoint.host}: store one here, or set "
                             "OPENAI_API_KEY")
    client = openai.OpenAI(api_key=key or "not-needed", base_url=endpoint.base_url or None,
                           timeout=timeout, max_retries=0)
    started = time.monotonic()
    try:
        reply = client.chat.completions.create(
            model=endpoint.model, messages=[{"role": "user", "content": "Say OK."}],
            max_tokens=1)
    except openai.APIStatusError as exc:
        reason = f"{endpoint.host} answered HTTP {exc.status_code}: {exc.message}"
        raise LlmstudioError(_one_line(redact(reason))) from None
    except openai.APIError as exc:  # connection refused, timeout, unreadable reply
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        raise LlmstudioError(_one_line(redact(f"cannot reach {endpoint.host}: {exc}{cause}"))) from None
    finally:
        client.close()
    return (f"Connected: {endpoint.host} answered as model {reply.model or endpoint.model} in "
            f"{time.monotonic() - started:.2f} s")


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"

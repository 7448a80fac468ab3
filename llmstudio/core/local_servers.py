"""LLM servers running on this computer, found for the user: Ollama, LM Studio, llama.cpp's
server and vLLM at their default ports, and any server the user added (its base URL, kept
in ``models.json`` by :mod:`.model_config`).

Every address is asked at once, in parallel, with short timeouts (a closed port answers
at once), so the scan takes well under a second. Each model found is an ``openai:`` model
SPEC with its server's base URL (all four speak OpenAI's API), labelled with the server's
name and, when the server is on this computer (:func:`~.loopback.is_loopback_url`),
"on this computer: nothing leaves it". Qt-free: the window, the CLI and tests share it.
"""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from .backends.spec import OPENAI, ModelSpec
from .loopback import is_loopback_url
from .secrets import clean_url, endpoint_id

TIMEOUT_S = 0.4  # per request: a server on this computer answers in milliseconds
ON_THIS_COMPUTER = "on this computer: nothing leaves it"


@dataclass(frozen=True)
class KnownServer:
    """A kind of local server at its default address."""

    name: str  # "Ollama"
    base_url: str  # its OpenAI-compatible API ("http://127.0.0.1:11434/v1")
    ollama: bool = False  # speaks Ollama's own API too (its model list, pulls)


# The defaults of each server's documentation; 127.0.0.1, not "localhost": a name may
# resolve to ::1 first, where these servers do not listen by default.
KNOWN_SERVERS = (
    KnownServer("Ollama", "http://127.0.0.1:11434/v1", ollama=True),
    KnownServer("LM Studio", "http://127.0.0.1:1234/v1"),
    KnownServer("llama.cpp server", "http://127.0.0.1:8080/v1"),
    KnownServer("vLLM", "http://127.0.0.1:8000/v1"),
)


@dataclass(frozen=True)
class LocalServer:
    """A server that answered, and the models it serves."""

    name: str  # "Ollama", or "Server at 127.0.0.1:5000" for one the user added
    base_url: str  # the OpenAI-compatible API, as runs are given it
    models: tuple[str, ...]
    ollama: bool = False  # Ollama's own API answered (models can be pulled)

    @property
    def on_this_computer(self) -> bool:
        """Whether its requests stay on this computer (no consent, no key)."""
        return is_loopback_url(self.base_url)

    @property
    def where(self) -> str:
        """How the picker says where it runs."""
        if self.on_this_computer:
            return ON_THIS_COMPUTER
        return f"at {endpoint_id(self.base_url)}: texts leave this computer"


@dataclass(frozen=True)
class LocalModel:
    """One model of a server found: what the model picker lists."""

    server: LocalServer
    model: str

    @property
    def spec(self) -> str:
        """Its model SPEC (``openai:MODEL``; the base URL goes beside it)."""
        return str(ModelSpec(OPENAI, self.model))

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def label(self) -> str:
        """``Ollama: llama3.2:3b (on this computer: nothing leaves it)``."""
        return f"{self.server.name}: {self.model} ({self.server.where})"


def _get_json(url: str, timeout: float) -> object | None:
    """The JSON a GET of ``url`` answers, None for anything else (a closed port, another
    program on that port, an error status, a timeout). No proxy: these are direct asks."""
    parts = urlsplit(url)
    conn_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    try:
        conn = conn_class(parts.hostname or "", parts.port, timeout=timeout)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", path or "/", headers={"Accept": "application/json"})
            response = conn.getresponse()
            if response.status != 200:
                return None
            return json.loads(response.read(2_000_000))
        finally:
            conn.close()
    except (OSError, ValueError, http.client.HTTPException):
        return None


def root_url(base_url: str) -> str:
    """The server's root: its OpenAI base URL without the trailing ``/v1``."""
    base = base_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def _openai_models(data: object) -> list[str] | None:
    """Model ids of an OpenAI ``GET /models`` answer; None when it is not one."""
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    return [str(m["id"]) for m in items if isinstance(m, dict) and m.get("id")]


def _ollama_models(data: object) -> list[str] | None:
    """Model names of Ollama's ``GET /api/tags`` answer; None when it is not one."""
    items = data.get("models") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    return [
        str(m.get("name") or m.get("model"))
        for m in items
        if isinstance(m, dict) and (m.get("name") or m.get("model"))
    ]


def probe(name: str, base_url: str, timeout: float = TIMEOUT_S) -> LocalServer | None:
    """The server at ``base_url`` and its models, or None when none answers there.

    Ollama's own model list (``/api/tags``) is asked beside ``/v1/models``: an Ollama
    answers both, and only its own API pulls models."""
    base_url = base_url.rstrip("/")
    with ThreadPoolExecutor(2) as pool:
        tags = pool.submit(_get_json, root_url(base_url) + "/api/tags", timeout)
        listed = pool.submit(_get_json, base_url + "/models", timeout)
        ollama_models, openai_models = (
            _ollama_models(tags.result()),
            _openai_models(listed.result()),
        )
    if ollama_models is None and openai_models is None:
        return None
    models = list(dict.fromkeys((ollama_models or []) + (openai_models or [])))
    return LocalServer(name, base_url, tuple(models), ollama=ollama_models is not None)


def _added_name(base_url: str) -> str:
    return f"Server at {endpoint_id(base_url)}"


def find_servers(added: list[str] | tuple[str, ...] = (), timeout: float = TIMEOUT_S):
    """The servers answering at the known default addresses and at ``added`` (base URLs
    the user added), in that order, all asked at once; a list of :class:`LocalServer`."""
    known = {k.base_url for k in KNOWN_SERVERS}
    targets = [(k.name, k.base_url) for k in KNOWN_SERVERS]
    for url in dict.fromkeys(clean_url(u.strip()) or "" for u in added):
        if url and url.rstrip("/") not in known:
            targets.append((_added_name(url), url))
    with ThreadPoolExecutor(len(targets)) as pool:
        found = list(pool.map(lambda t: probe(*t, timeout=timeout), targets))
    return [s for s in found if s is not None]


def local_models(servers: list[LocalServer]) -> list[LocalModel]:
    """Every model of ``servers``, server by server."""
    return [LocalModel(s, m) for s in servers for m in s.models]

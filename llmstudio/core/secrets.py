"""API keys: from the environment or the OS keyring, never from a project or export file.

Every message that could carry a key (an HTTP error echoing the request) goes through
:func:`redact` before it reaches a log, a project file or the screen.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlparse

KEYRING_SERVICE = "llmstudio"
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9_\-.]{6,})")
_known: set[str] = set()


def endpoint_id(base_url: str | None) -> str:
    """The host (and port) of an endpoint: the name keys are stored under."""
    if not base_url:
        return "api.openai.com"
    parsed = urlparse(base_url)
    return parsed.netloc or base_url


def api_key(base_url: str | None = None) -> str | None:
    """The key for an endpoint: ``OPENAI_API_KEY`` where that key belongs, else the OS
    keyring's for the endpoint's host, else None.

    ``OPENAI_API_KEY`` goes to api.openai.com, and to another host only when
    ``OPENAI_BASE_URL`` names that host too (the user paired them). A local or third-party
    server never receives an OpenAI key it was not meant to have.
    """
    host = endpoint_id(base_url)
    paired = os.environ.get("OPENAI_BASE_URL")
    env_key = None
    if host == endpoint_id(None) or (paired and endpoint_id(paired) == host):
        env_key = os.environ.get("OPENAI_API_KEY")
    key = env_key  # an environment variable overrides what is stored, as usual
    if not key:
        try:
            import keyring

            key = keyring.get_password(KEYRING_SERVICE, host)
        except Exception:  # no keyring backend on this system (headless Linux, CI)
            key = None
    if key:
        _known.add(key)
    return key or None


def store_api_key(base_url: str | None, key: str) -> None:
    """Keep ``key`` in the OS keyring for this endpoint."""
    import keyring

    keyring.set_password(KEYRING_SERVICE, endpoint_id(base_url), key)
    _known.add(key)


def remember(key: str | None) -> None:
    """Have :func:`redact` hide ``key`` too (a key given directly, not read by
    :func:`api_key`: a key for a local server need not look like ``sk-...``)."""
    if key:
        _known.add(key)


def redact(text: str) -> str:
    """``text`` with any known key and anything shaped like a key replaced by ``***``."""
    for key in _known:
        if key:
            text = text.replace(key, "***")
    return _KEYLIKE.sub("***", text)

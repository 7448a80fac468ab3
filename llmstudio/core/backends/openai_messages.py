"""Error messages of the OpenAI-compatible backend that say what went wrong and what to
do: a refused key (which key went to which host), a failure's cause."""

from __future__ import annotations

import json
import os

from ..secrets import endpoint_id, redact
from .dialect import OPENAI_HOST


def key_refused(exc, host: str, key_source: str, url_auth: bool) -> str:
    """The message of a refused key (HTTP 401/403): what was sent where, and what to do:
    the key's source (never the key) and the host it went to, as they were, whatever
    OPENAI_BASE_URL says."""
    if url_auth:
        sent = "the user name and password in the base URL (basic authentication)"
    elif key_source == "no key":
        sent = "no API key"
    else:
        sent = key_source
    said = f"{host} refused the API key (HTTP {exc.status_code}); sent: {sent}"
    if host == OPENAI_HOST:
        return f"{said}. ({redact(str(exc))})"
    paired = os.environ.get("OPENAI_BASE_URL")
    if key_source == "OPENAI_API_KEY":
        advice = "check OPENAI_API_KEY, or store this server's key in Model settings"
    elif paired:
        advice = (
            f"store this server's key in Model settings; OPENAI_API_KEY is sent "
            f"only to api.openai.com and to OPENAI_BASE_URL's host "
            f"({endpoint_id(paired)})"
        )
    else:
        advice = (
            "store this server's key in Model settings; OPENAI_API_KEY is sent to "
            "api.openai.com only, or to the host OPENAI_BASE_URL names"
        )
    return f"{said}: {advice}. ({redact(str(exc))})"


def cause(exc: BaseException) -> str:
    """What caused ``exc`` (the connection error under the client's), in parentheses."""
    return f" ({exc.__cause__})" if exc.__cause__ else ""


def status_message(exc) -> str:
    """What an HTTP error (``openai.APIStatusError``) says: the client's message, and the
    reason a server gave in another shape than OpenAI's ``{"error": {"message"}}``, which
    the client leaves out of it ("Error code: 400" alone): FastAPI's ``{"detail": ...}``
    (transformers serve: "Server is pinned to ...", "Unexpected fields in the request"),
    an ``{"error": "..."}`` string, a plain-text body."""
    message = str(exc.message)
    body = getattr(exc, "body", None)
    detail = body.get("detail") if isinstance(body, dict) else body
    if detail is None or detail == "":
        return message
    if not isinstance(detail, str):  # FastAPI's validation errors: a list of objects
        detail = json.dumps(detail, ensure_ascii=False)
    detail = " ".join(detail.split())[:300]
    return message if detail in message else f"{message} - {detail}"

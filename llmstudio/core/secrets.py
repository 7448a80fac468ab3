"""API keys and credentials in a base URL: from the environment or the OS keyring, never
from a project, an export, ``models.json``, a message or a log.

A base URL may carry secrets of its own: a user name and password
(``http://user:pass@host/v1``, a server behind basic authentication) or a token in the
query string (``?api_key=...``). :func:`split_credentials` takes them off; the URL without
them is the only one kept or shown, and the credentials travel beside it
(:func:`url_credentials`) to the request and nowhere else.

Every message that could carry a key (an HTTP error echoing the request) goes through
:func:`redact` before it reaches a log, a project file or the screen: the one place that
knows what a secret looks like.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlparse, urlsplit, urlunsplit

KEYRING_SERVICE = "llmstudio"
# A query parameter whose name says it holds a secret: api_key, key, token, access_token,
# password, secret, auth, sig (signed URLs)...
# (not a count: max_tokens, sort_keys)
_SECRET_PARAM = re.compile(
    r"^(?:.*(?:key(?!s)|token(?!s)|secret|passw|pwd|credential|auth).*|sig|signature)$",
    re.IGNORECASE,
)
_KEYLIKE = re.compile(
    r"\b(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9_\-.]{6,}|Basic\s+[A-Za-z0-9+/=]{6,})"
    # a secret-named parameter in a URL or a pasted text: api_key=..., &token=...
    r"|\b(?:[A-Za-z_\-]*(?:key(?!s)|token(?!s)|secret|passw|pwd|credential)[A-Za-z_\-]*"
    r"|sig|signature)=[^\s&\"'#]+",
    re.IGNORECASE,
)
# The userinfo of a URL written anywhere: scheme://user:pass@ or scheme://token@
_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/\s@?#]+@")
_MIN_KNOWN = 4  # a shorter secret is not searched for in text: it would blank ordinary words
_known: set[str] = set()


@dataclass(frozen=True)
class UrlCredentials:
    """What a base URL carried that is a secret: basic-auth user and password, and
    secret query parameters (kept in their order)."""

    username: str = ""
    password: str = ""
    query: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.username or self.password or self.query)

    def to_json(self) -> str:
        return json.dumps(
            {
                "username": self.username,
                "password": self.password,
                "query": [list(q) for q in self.query],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> UrlCredentials:
        data = json.loads(text)
        return cls(
            str(data.get("username") or ""),
            str(data.get("password") or ""),
            tuple((str(k), str(v)) for k, v in data.get("query") or []),
        )


def split_credentials(base_url: str | None) -> tuple[str | None, UrlCredentials]:
    """``(the URL without credentials, the credentials)``: the userinfo and any
    secret-named query parameter are taken off; everything else is left as written."""
    if not base_url:
        return base_url, UrlCredentials()
    try:
        parts = urlsplit(base_url)
        netloc = parts.netloc
    except ValueError:  # not a URL urllib can read ("http://[::1"): cut by pattern only
        return _USERINFO.sub(r"\1", _KEYLIKE.sub("", base_url)).rstrip("?&"), UrlCredentials()
    username = password = ""
    if "@" in netloc:
        userinfo, _, netloc = netloc.rpartition("@")
        name, _, secret = userinfo.partition(":")
        username, password = unquote(name), unquote(secret)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    secret = tuple((k, v) for k, v in pairs if _SECRET_PARAM.match(k))
    kept = [(k, v) for k, v in pairs if not _SECRET_PARAM.match(k)]
    if not (username or password or secret):
        return base_url, UrlCredentials()
    clean = urlunsplit((parts.scheme, netloc, parts.path, urlencode(kept), parts.fragment))
    return clean, UrlCredentials(username, password, secret)


def url_problem(base_url: str) -> str | None:
    """Why ``base_url`` cannot be a server's address (an unclosed IPv6 bracket, a port
    that is not a number), or None; said before anything is read or sent."""
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    return None


def clean_url(base_url: str | None) -> str | None:
    """``base_url`` without the credentials it may carry: the form kept and shown."""
    return split_credentials(base_url)[0]


def endpoint_id(base_url: str | None) -> str:
    """The host (and port) of an endpoint: the name keys are stored under (never a user
    name or password the URL carries)."""
    if not base_url:
        return "api.openai.com"
    clean = clean_url(base_url)
    try:
        parsed = urlparse(clean)
    except ValueError:  # not a URL ("http://[::1"): shown as written, less credentials
        return clean
    return parsed.netloc or clean


def effective_base_url(base_url: str | None) -> str | None:
    """Where requests for ``base_url`` go: it, else ``OPENAI_BASE_URL`` (the openai client
    sends there when no base URL is given), else None for OpenAI itself."""
    return base_url or os.environ.get("OPENAI_BASE_URL") or None


def _credentials_name(base_url: str | None) -> str:
    """The keyring entry of an endpoint's URL credentials (its key is under the host)."""
    return f"{endpoint_id(base_url)} url-credentials"


_session: dict[str, UrlCredentials] = {}  # host -> credentials given in this process


def _remember_credentials(creds: UrlCredentials) -> None:
    remember(creds.password)
    for _, value in creds.query:
        remember(value)


def accept_url(base_url: str | None) -> str | None:
    """Take a base URL as the user typed it: its credentials are kept in this process for
    its host (and hidden from every message); the URL without them is returned, the only
    form to keep, show or pass on."""
    clean, creds = split_credentials(base_url)
    if creds:
        _session[endpoint_id(clean)] = creds
        _remember_credentials(creds)
    return clean


def keep_url_credentials(base_url: str | None) -> tuple[str | None, str | None]:
    """:func:`accept_url`, and the credentials stored in the OS keyring under the host so
    that a saved endpoint works next time: ``(the clean URL, a problem or None)``. Without
    a keyring the credentials are not written anywhere: the problem says to give them in
    ``OPENAI_BASE_URL`` instead."""
    clean, creds = split_credentials(base_url)
    accept_url(base_url)
    if not creds:
        return clean, None
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, _credentials_name(clean), creds.to_json())
    except Exception as exc:  # no keyring backend on this system (headless Linux, CI)
        return clean, (
            f"The user name, password or token in the base URL could not be kept "
            f"in the system keyring ({type(exc).__name__}); they work until the "
            "program closes: set OPENAI_BASE_URL with them to use them again"
        )
    return clean, None


def url_credentials(base_url: str | None) -> UrlCredentials:
    """The credentials to send to ``base_url``'s server: those the URL carries, else those
    given for that host in this process, else ``OPENAI_BASE_URL``'s when it names the
    host, else the OS keyring's; empty when there are none."""
    clean, creds = split_credentials(base_url)
    host = endpoint_id(clean)
    if not creds:
        creds = _session.get(host, UrlCredentials())
    if not creds:
        paired, paired_creds = split_credentials(os.environ.get("OPENAI_BASE_URL"))
        if paired and endpoint_id(paired) == host:
            creds = paired_creds
    if not creds:
        try:
            import keyring

            stored = keyring.get_password(KEYRING_SERVICE, _credentials_name(clean))
            creds = UrlCredentials.from_json(stored) if stored else UrlCredentials()
        except Exception:  # no keyring backend, or an entry this version cannot read
            creds = UrlCredentials()
    _remember_credentials(creds)
    return creds


def api_key(base_url: str | None = None) -> str | None:
    """The key for an endpoint: ``OPENAI_API_KEY`` where that key belongs, else the OS
    keyring's for the endpoint's host, else None.

    ``OPENAI_API_KEY`` goes to api.openai.com, and to another host only when
    ``OPENAI_BASE_URL`` names that host too (the user paired them). A local or third-party
    server never receives an OpenAI key it was not meant to have.
    """
    return find_api_key(base_url)[0]


def find_api_key(base_url: str | None = None) -> tuple[str | None, str]:
    """``(the key, where it came from in words)``, as :func:`api_key` finds it; the words
    name the source (never the key) for a message about what was sent where."""
    host = endpoint_id(base_url)
    paired = os.environ.get("OPENAI_BASE_URL")
    env_key = None
    if host == endpoint_id(None) or (paired and endpoint_id(paired) == host):
        env_key = os.environ.get("OPENAI_API_KEY")
    key, source = env_key, "OPENAI_API_KEY"  # the environment overrides what is stored
    if not key:
        try:
            import keyring

            key = keyring.get_password(KEYRING_SERVICE, host)
            source = f"the key stored for {host} in the system keyring"
        except Exception:  # no keyring backend on this system (headless Linux, CI)
            key = None
    if key:
        _known.add(key)
        return key, source
    return None, "no key"


def store_api_key(base_url: str | None, key: str) -> None:
    """Keep ``key`` in the OS keyring for this endpoint."""
    import keyring

    keyring.set_password(KEYRING_SERVICE, endpoint_id(base_url), key)
    _known.add(key)


def remember(key: str | None) -> None:
    """Have :func:`redact` hide ``key`` too (a key given directly, not read by
    :func:`api_key`: a key for a local server need not look like ``sk-...``)."""
    if key and len(key) >= _MIN_KNOWN:
        _known.add(key)


def redact(text: str, mark: str = "***") -> str:
    """``text`` with any known key or URL password, anything shaped like a key (``sk-...``,
    ``Bearer ...``, ``api_key=...``) and the user name and password of any URL replaced by
    ``mark``."""
    for key in sorted(_known, key=len, reverse=True):
        text = text.replace(key, mark)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{mark}@", text)
    return _KEYLIKE.sub(mark, text)


def without_userinfo(text: str) -> str:
    """``text`` with the user name and password of every URL in it taken off (the URL
    kept: ``http://host/v1``); for stored text, where a ``***`` would be noise."""
    return _USERINFO.sub(r"\1", text)

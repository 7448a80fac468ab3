"""Whether a server is on this computer: a base URL whose host is a loopback address.

A run against such a server sends nothing off the machine, so no consent is asked and no
key is needed. The test is strict on purpose, because a wrong "yes" lets a corpus leave
the computer unannounced: only 127.0.0.0/8, ``::1`` and the name ``localhost`` count;
never a LAN address, never another host name (it may resolve anywhere), never a URL the
parsers read differently (``http://127.0.0.1@evil.example/`` goes to evil.example), and
never a URL a proxy from the environment would carry away.
"""

from __future__ import annotations

import ipaddress
import urllib.request
from urllib.parse import urlsplit

LOCALHOST = "localhost"
_SCHEMES = ("http", "https")


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this
    computer: a loopback address or ``localhost``."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == LOCALHOST:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost: it may point anywhere
        return False


def _host_as_the_client_reads_it(url: str) -> str | None:
    """The host the HTTP library under the openai client would connect to (None when it
    is not installed or cannot read the URL)."""
    for name in ("httpx2", "httpx"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        try:
            return str(module.URL(url).host)
        except Exception:  # not a URL to it: the caller then refuses
            return ""
    return None


def _proxied(scheme: str, host: str) -> bool:
    """Whether a proxy set in the environment would carry requests to ``host`` (the
    openai client's HTTP library honours these variables)."""
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass_environment(host, proxies)


def is_loopback_url(base_url: str | None) -> bool:
    """Whether requests to ``base_url`` stay on this computer (None or "": OpenAI's API,
    which does not)."""
    if not base_url or any(c.isspace() or c == "\\" for c in base_url):
        return False
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return False
    if parts.scheme.lower() not in _SCHEMES or not is_loopback_host(host):
        return False
    client_host = _host_as_the_client_reads_it(base_url)
    if client_host is not None and not is_loopback_host(client_host):
        return False  # the two parsers disagree: trust neither
    return not _proxied(parts.scheme.lower(), host or "")


def is_loopback_endpoint(endpoint: str | None) -> bool:
    """:func:`is_loopback_url` for an endpoint as runs and consents store it
    (``host:port``, see ``secrets.endpoint_id``)."""
    if not endpoint or "/" in endpoint or "@" in endpoint:
        return False
    return is_loopback_url(f"http://{endpoint}/")

"""A server elsewhere, for tests without a network: a host name under ``.test`` (a
name reserved never to resolve) that this process resolves to 127.0.0.1.

A server on this computer sends nothing off it, so no consent is asked for it
(``core/loopback.py``); tests of the consent need a server that is not on a loopback
address as the URL names it, yet answers here. The HTTP client connects through
``socket.getaddrinfo``, which is patched for this one name only.
"""

from __future__ import annotations

import socket

REMOTE_HOST = "llm.example.test"


def resolve_to_loopback(monkeypatch, name: str = REMOTE_HOST) -> None:
    """Make ``name`` resolve to 127.0.0.1 in this process (for the test's duration)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        return real("127.0.0.1" if host == name else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

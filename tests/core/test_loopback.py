"""A server on this computer, strictly: only loopback addresses and localhost; every
other host, and every URL that parsers may read two ways, leaves the computer."""

from __future__ import annotations

import pytest

from llmstudio.core.loopback import is_loopback_endpoint, is_loopback_url
from llmstudio.core.send_plan import leaves_computer

LOCAL = [
    "http://127.0.0.1:11434/v1",
    "http://127.8.9.10:8000/v1",  # all of 127.0.0.0/8
    "http://[::1]:8080/v1",
    "http://localhost:1234/v1",
    "HTTP://LOCALHOST:1234/v1",
    "https://127.0.0.1/v1",
]
ELSEWHERE = [
    None,  # OpenAI itself
    "",
    "http://192.168.1.20:11434/v1",  # a LAN address: the texts leave this computer
    "http://10.0.0.5:8000/v1",
    "http://0.0.0.0:8000/v1",
    "http://llm.example.org/v1",  # a host name: it may resolve anywhere
    "http://localhost.example.org/v1",
    "http://127.0.0.1.example.org/v1",
    "http://127.0.0.1@evil.example/v1",  # user info: the host is evil.example
    "http://user:pw@evil.example:8080/v1",
    "http://127.0.0.1:pw@evil.example/v1",
    "http://evil.example#@127.0.0.1/v1",
    "http://127.0.0.1\\@evil.example/v1",  # a backslash parsers disagree on
    "http://127.0.0.1 .evil.example/v1",
    "ftp://127.0.0.1/v1",
    "127.0.0.1:11434",  # no scheme: not a URL a client sends to
    "http://[::1/v1",  # not a URL
    "http://127.0.0.1:port/v1",
]


@pytest.mark.parametrize("url", LOCAL)
def test_loopback_urls_stay_on_this_computer(url, monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert is_loopback_url(url)
    assert not leaves_computer("openai:llama3.2", url)


@pytest.mark.parametrize("url", ELSEWHERE)
def test_every_other_url_leaves_the_computer(url):
    assert not is_loopback_url(url)
    assert leaves_computer("openai:llama3.2", url)


def test_a_proxy_in_the_environment_carries_even_localhost_away(monkeypatch):
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    assert not is_loopback_url("http://127.0.0.1:11434/v1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    assert is_loopback_url("http://127.0.0.1:11434/v1")


def test_openai_base_url_from_the_environment_counts(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    assert not leaves_computer("openai:llama3.2", None)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://192.168.1.20:11434/v1")
    assert leaves_computer("openai:llama3.2", None)


def test_models_on_this_computer_never_leave_it():
    for spec in ("builtin", "lexicon", "hf:some/model"):
        assert not leaves_computer(spec, "http://192.168.1.20/v1")


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("127.0.0.1:9", True),
        ("[::1]:9", True),
        ("localhost:11434", True),
        ("192.168.1.20:9", False),
        ("api.openai.com", False),
        ("127.0.0.1@evil.example", False),
        ("evil.example/127.0.0.1:9", False),
        ("", False),
    ],
)
def test_stored_endpoints(endpoint, local):
    assert is_loopback_endpoint(endpoint) is local

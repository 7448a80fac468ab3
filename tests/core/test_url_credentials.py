"""Credentials a base URL carries (``user:pass@``, ``?api_key=``): split off, sent with
each request, hidden from every message and record (issue 14, items 6 and 15)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from llmstudio.core import methods_document, secrets
from llmstudio.core.backends.openai_backend import OpenAIBackend
from llmstudio.core.secrets import UrlCredentials, clean_url, endpoint_id, redact, split_credentials
from llmstudio.core.tasks import SentimentTask

MARK = "SECRETMARKER"


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch):
    """No credentials given earlier in this process, no machine keyring, no environment."""
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    monkeypatch.setattr(secrets, "_session", {})
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(before)


@pytest.mark.parametrize(
    "url, clean, creds",
    [
        (
            f"http://user:{MARK}@127.0.0.1:8000/v1",
            "http://127.0.0.1:8000/v1",
            UrlCredentials("user", MARK),
        ),
        (
            f"https://gw.example/v1?api_key={MARK}&region=eu",
            "https://gw.example/v1?region=eu",
            UrlCredentials(query=(("api_key", MARK),)),
        ),
        (
            f"https://gw.example/v1?key={MARK}",
            "https://gw.example/v1",
            UrlCredentials(query=(("key", MARK),)),
        ),
        (
            f"https://{MARK}@gw.example/v1?access_token=t0k3n",
            "https://gw.example/v1",
            UrlCredentials(MARK, "", (("access_token", "t0k3n"),)),
        ),
        ("http://localhost:11434/v1", "http://localhost:11434/v1", UrlCredentials()),
        ("http://[::1", "http://[::1", UrlCredentials()),  # unreadable: left for the caller
    ],
)
def test_split_credentials(url, clean, creds):
    assert split_credentials(url) == (clean, creds)
    assert MARK not in clean_url(url)


def test_the_endpoint_is_the_host_never_the_user_or_password():
    assert endpoint_id(f"http://user:{MARK}@127.0.0.1:8000/v1") == "127.0.0.1:8000"
    assert endpoint_id(None) == "api.openai.com"


def test_one_redact_for_messages_and_the_record():
    text = (
        f"cannot reach http://user:{MARK}@h:1/v1?api_key=tok123&x=1 "
        "with Bearer abcdefghij or sk-abcdefghijkl; design=plain max_tokens=200"
    )
    assert redact(text) == (
        "cannot reach http://***@h:1/v1?***&x=1 with *** or ***; design=plain max_tokens=200"
    )
    public = redact(text, mark=methods_document.REDACTED)
    assert public.count("[redacted]") == 4 and MARK not in public


def _label(backend: OpenAIBackend) -> dict:
    task = SentimentTask()
    return backend.annotate(task, ["I love it"])[0]


def test_basic_auth_and_query_token_are_sent_but_not_kept(fake_openai):
    fake_openai.basic_auth = ("user", MARK)
    fake_openai.query_key = ("api_key", "tok-98765")
    host = urlsplit(fake_openai.url).netloc
    backend = OpenAIBackend("fake-model", f"http://user:{MARK}@{host}/v1?api_key=tok-98765")
    try:
        answer = _label(backend)
    finally:
        backend.close()
    assert answer.get("sentiment_label") == "positive", answer
    sent = fake_openai.chat_requests()[0]
    assert sent.headers["authorization"].startswith("Basic ") and "api_key=tok-98765" in sent.query
    assert backend.base_url == fake_openai.url and backend.host == host
    assert MARK not in repr(backend.fingerprint()) and "tok-98765" not in repr(
        backend.fingerprint()
    )
    # Given once, the credentials go with later backends for the host (a resume, a replicate).
    again = OpenAIBackend("fake-model", fake_openai.url)
    try:
        assert _label(again).get("sentiment_label") == "positive"
    finally:
        again.close()


def test_credentials_in_openai_base_url_are_used_for_its_host(fake_openai, monkeypatch):
    fake_openai.basic_auth = ("user", MARK)
    host = urlsplit(fake_openai.url).netloc
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{MARK}@{host}/v1")
    backend = OpenAIBackend("fake-model")  # no base URL: the client's own default
    try:
        assert backend.host == host and MARK not in backend.base_url
        assert _label(backend).get("sentiment_label") == "positive"
    finally:
        backend.close()

"""The openai client as this backend uses it: the statuses it retries, Retry-After,
an exhausted quota, the timeouts (how long, how many tries) and the HTTP client that
stops a request whose tries all timed out."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

# Statuses the openai client retries by itself (and so may pass with a second try).
TRANSIENT = {408, 409, 429}
# Seconds a request waits for its answer unless told (--timeout): long enough for a local
# server's slow answer, short enough that a server which never answers is found out.
DEFAULT_TIMEOUT = 60.0
# Tries of a request that times out (the first and one more: a local server loading its
# model, an answer lost on the way); the client's other retries are not cut.
TIMEOUT_ATTEMPTS = 2
# Rows in a row with no answer that stop a job whose server had answered before.
STOP_AFTER_TIMEOUTS = 3


def retry_after(headers) -> float | None:
    """Seconds a 429/503 asks to wait: ``retry-after-ms``, ``retry-after`` in seconds or
    as an HTTP date; None without either."""
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def no_quota(response) -> bool:
    """Whether a 429 says the account has no quota left (``insufficient_quota``)."""
    try:
        response.read()  # an event hook sees the body only once it is read
        return b"insufficient_quota" in response.content
    except Exception:  # noqa: BLE001 (a body that cannot be read: treat as a rate limit)
        return False


def transient(status: int) -> bool:
    return status in TRANSIENT or status >= 500


def http_client(timed_out: Callable[[], bool], **kwargs):
    """The HTTP client of a backend's requests: the openai client's own, except that a
    request whose attempts timed out :data:`TIMEOUT_ATTEMPTS` times is not asked again
    (raised as the openai client's timeout error, which it passes on without a retry).
    ``timed_out()``, called at each timeout, says whether that was the last try."""
    import openai
    from openai import DefaultHttpxClient

    try:  # the HTTP library's timeouts, as the openai client tells them
        from openai._httpx2 import timeout_exceptions

        timeouts = timeout_exceptions()
    except ImportError:  # an openai client built on httpx itself
        import httpx

        timeouts = (httpx.TimeoutException,)

    class Client(DefaultHttpxClient):
        def send(self, request, **options):
            try:
                return super().send(request, **options)
            except timeouts as exc:
                if timed_out():
                    raise openai.APITimeoutError(request=request) from exc
                raise

    return Client(**kwargs)

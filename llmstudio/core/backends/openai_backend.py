"""OpenAI and any OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp) by base URL.

Defaults are the reproducible ones: temperature 0 and a fixed seed. Structured output
(the task's JSON schema) is asked for in the form the endpoint takes (``dialect.py``
learns it from refusals and remembers it), and the answer is parsed robustly (prose,
code fences, truncated JSON). Logprobs give the confidence when the server returns them.

Failures: the openai client's own retries come first (429 with Retry-After, 5xx,
timeouts, dropped connections), and a Retry-After seen by one thread holds back every
thread's next request. An unreadable answer is asked again with the parse error quoted,
then recorded as that row's error. A server that cannot be reached at all fails the job
at once (the first request, or ``concurrency`` requests in a row) instead of spending the
retries of every row.
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from contextlib import nullcontext
from dataclasses import replace

from ..cost import tokens as estimate_tokens
from ..secrets import api_key, endpoint_id, redact, remember
from ..tasks.base import ParseError, Task
from . import dialect as dialects
from .base import Backend, BackendError, RowError
from .dialect import OPENAI_HOST
from .ratelimit import RateLimiter

PARSE_ATTEMPTS = 3
# Statuses the openai client retries by itself (and so may pass with a second try).
TRANSIENT = {408, 409, 429}


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


def _transient(status: int) -> bool:
    return status in TRANSIENT or status >= 500


class OpenAIBackend(Backend):
    kind = "openai"
    remote = True
    batch_size = 1

    def __init__(self, model: str, base_url: str | None = None, *, key: str | None = None,
                 concurrency: int = 8, timeout: float = 60.0, max_retries: int = 5,
                 temperature: float = 0.0, seed: int = 0, max_tokens: int = 200,
                 requests_per_minute: float | None = None, tokens_per_minute: float | None = None,
                 structured: bool = True, logprobs: bool = True):
        from openai import DefaultHttpxClient, OpenAI  # imported on use: light start-up

        self.model = model
        self.base_url = base_url
        self.host = endpoint_id(base_url)
        self.concurrency = max(1, concurrency)
        self.temperature, self.seed, self.max_tokens = temperature, seed, max_tokens
        self._lock = threading.Lock()
        # Until one answer has come back, requests go one at a time: a server that
        # refuses part of the request refuses it once, not once per thread.
        self._first = threading.Lock()
        self._failed_in_a_row = 0  # requests that could not reach the server, since an answer
        self.limiter = RateLimiter(requests_per_minute, tokens_per_minute)
        start = dialects.load(self.host, model)
        if not structured:
            start = replace(start, format="text")
        if not logprobs:
            start = replace(start, logprobs=False)
        self._dialect = start
        key = key or api_key(base_url)
        # A key passed in (Model settings, a test connection) was never seen by api_key():
        # without this, an error echoing a key not shaped like "sk-..." showed it whole.
        remember(key)
        if not key:
            if self.host == OPENAI_HOST:
                raise BackendError("no OpenAI API key: set OPENAI_API_KEY or store a key in "
                                   "Model settings (kept in the OS keyring)")
            key = "not-needed"  # local servers ignore the key, the client wants one
        http = DefaultHttpxClient(event_hooks={"response": [self._saw_response]})
        self._client = OpenAI(api_key=key, base_url=base_url, timeout=timeout,
                              max_retries=max_retries, http_client=http)
        self._closing = threading.Event()
        self._fatal: BackendError | None = None

    @property
    def _closed(self) -> bool:
        return self._closing.is_set()

    @property
    def client(self):
        """The ``openai`` client, with this backend's key, timeout and retries: for requests
        that are no task's (the completion probes ask for next-word logprobs)."""
        return self._client

    def fingerprint(self) -> dict:
        # The endpoint's host and the model name identify the answers; never the key.
        return {"kind": self.kind, "model": self.model, "endpoint": self.host,
                "temperature": self.temperature, "seed": self.seed, "max_tokens": self.max_tokens}

    def describe(self) -> str:
        return f"openai:{self.model} at {self.host}"

    @property
    def dialect(self) -> dialects.Dialect:
        """How requests are phrased now (what this endpoint was found to take)."""
        with self._lock:
            return self._dialect

    def close(self) -> None:
        """Abandon requests in flight: their connections are closed under them."""
        self._closing.set()
        try:
            self._client.close()
        except Exception:  # closing twice, or mid-request: nothing left to release
            pass

    # -- one request ------------------------------------------------------------------

    def _saw_response(self, response) -> None:
        """Every HTTP response, retries included: a 429's Retry-After pauses all threads
        (the client waits it out for its own request only)."""
        if response.status_code in (429, 503):
            seconds = retry_after(response.headers)
            if seconds:
                self.limiter.pause(min(seconds, 120.0))

    def _refusal(self, exc, dialect: dialects.Dialect) -> dialects.Dialect | None:
        """The dialect that avoids what ``exc`` refuses, if it is such a refusal."""
        status = exc.status_code
        if status in (401, 403, 404) or status in TRANSIENT:
            return None
        return dialect.adjusted(self.host, str(exc.message), getattr(exc, "param", None))

    def _send(self, kwargs: dict, dialect: dialects.Dialect):
        import openai

        if dialect.confirmed:
            return self._client.chat.completions.create(**kwargs)
        # The first request goes without the client's retries until it is known what
        # went wrong: a refusal is answered with a changed request, not five identical
        # ones; a server that is not there fails the job within seconds.
        retries = self._client.max_retries
        once = self._client.with_options(max_retries=0).chat.completions.create
        try:
            return once(**kwargs)
        except openai.APITimeoutError:  # a local server loading its model: be patient
            if retries < 1:
                raise
            return self._retry(kwargs, retries)
        except openai.APIConnectionError as exc:
            if self._closed:
                raise
            try:
                if retries < 1:
                    raise
                return self._retry(kwargs, min(2, retries))
            except openai.APITimeoutError:
                raise
            except openai.APIConnectionError:
                raise BackendError(redact(
                    f"cannot reach {self.host}: {exc}{_cause(exc)}. Is the server running, "
                    "and is the base URL right? (Model settings > Test connection)")) from None
        except openai.APIStatusError as exc:
            if (retries < 1 or not _transient(exc.status_code)
                    or self._refusal(exc, dialect) is not None):
                raise  # a refusal (some servers answer one with HTTP 500): the caller's
            # What the client would have done: wait as asked (or its first backoff).
            self._closing.wait(min(retry_after(exc.response.headers) or 0.5, 120.0))
            return self._retry(kwargs, retries)

    def _retry(self, kwargs: dict, retries: int):
        """The rest of the client's retries after a first try without them."""
        return self._client.with_options(max_retries=retries - 1).chat.completions.create(**kwargs)

    def _request(self, task: Task, messages: list[dict]):
        import openai

        while True:
            with self._lock:
                dialect = self._dialect
            with nullcontext() if dialect.confirmed else self._first:
                if self._fatal is not None:  # another thread found the job cannot go on
                    raise self._fatal
                with self._lock:
                    if dialect is not self._dialect:  # learned while this thread waited
                        continue
                kwargs = dialect.request(model=self.model, messages=messages, name=task.name,
                                         schema=task.json_schema(), temperature=self.temperature,
                                         seed=self.seed, max_tokens=self.max_tokens)
                try:
                    reply = self._send(kwargs, dialect)
                except openai.APIStatusError as exc:
                    better = self._refusal(exc, dialect)
                    if better is None:
                        raise
                    with self._lock:
                        if self._dialect is dialect:
                            self._dialect = better
                    continue
                if not dialect.confirmed:
                    with self._lock:
                        if self._dialect is dialect:
                            self._dialect = replace(dialect, confirmed=True)
                            dialects.save(self.host, self.model, self._dialect)
                return reply

    def _confidence(self, choice, label: str) -> float | None:
        """exp(logprob) of the first token of the label in the answer, if logprobs came."""
        content = getattr(getattr(choice, "logprobs", None), "content", None)
        if not content:
            return None
        for token in content:
            piece = (token.token or "").strip().strip('"').lower()
            if piece and label.lower().startswith(piece):
                return math.exp(token.logprob)
        return None

    def annotate_one(self, task: Task, text: str) -> dict | RowError:
        import openai

        tokens = estimate_tokens(text) + self.max_tokens
        messages = task.messages(text)
        last_error = "no answer"
        for _ in range(PARSE_ATTEMPTS):
            if not self.limiter.acquire(tokens, cancelled=lambda: self._closed):
                return RowError("cancelled")
            try:
                reply = self._request(task, messages)
            except BackendError as exc:
                self._fatal = exc
                raise
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                self._fatal = BackendError(self._key_refused(exc))
                raise self._fatal from None
            except openai.NotFoundError as exc:
                self._fatal = BackendError(f"{self.host} has no model {self.model!r} "
                                           f"({redact(str(exc))})")
                raise self._fatal from None
            except openai.APIStatusError as exc:
                retried = _transient(exc.status_code)  # the client retries only these
                return RowError(redact(f"HTTP {exc.status_code}{' after retries' if retried else ''}"
                                       f": {exc.message}"), retryable=retried)
            except openai.APIConnectionError as exc:
                if self._closed:
                    return RowError("cancelled")
                return self._unreachable(exc)
            with self._lock:
                self._failed_in_a_row = 0
            raw = reply.choices[0].message.content or "" if reply.choices else ""
            try:
                if not reply.choices:
                    raise ParseError("the server sent no choices")
                out = task.parse(raw)
            except ParseError as exc:
                last_error = str(exc)
                # Asked again with the reason: the same question at temperature 0 would
                # get the same unreadable answer.
                messages = task.messages(text) + [
                    {"role": "assistant", "content": raw},
                    {"role": "user", "content": f"That answer could not be read ({exc}). "
                                                "Answer again with the JSON object only."}]
                continue
            # One label chosen: the logprob of its first token is the confidence.
            label = out.get(f"{task.name}_label")
            if isinstance(label, str) and f"{task.name}_score" in out:
                confidence = self._confidence(reply.choices[0], label)
                if confidence is not None:
                    out[f"{task.name}_score"] = round(confidence, 6)
            return out
        return RowError(redact(f"unreadable answer after {PARSE_ATTEMPTS} attempts: {last_error}"))

    def _key_refused(self, exc) -> str:
        if self.host == OPENAI_HOST:
            return f"{self.host} refused the API key: {redact(str(exc))}"
        return (f"{self.host} refused the API key (HTTP {exc.status_code}): store this "
                "server's key in Model settings; OPENAI_API_KEY is sent to api.openai.com "
                f"only. ({redact(str(exc))})")

    def _unreachable(self, exc) -> RowError:
        """This row's error; the job's, once ``concurrency`` requests in a row failed."""
        with self._lock:
            self._failed_in_a_row += 1
            failed = self._failed_in_a_row
        reason = redact(f"{exc}{_cause(exc)}")
        if failed >= self.concurrency:
            self._fatal = BackendError(
                f"lost the connection to {self.host}: {failed} requests in a row failed "
                f"({reason}). Finished rows are kept; run the job again to go on.")
            raise self._fatal
        return RowError(f"connection failed after retries: {reason}", retryable=True)

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        return [self.annotate_one(task, t) for t in texts]


def _cause(exc: BaseException) -> str:
    return f" ({exc.__cause__})" if exc.__cause__ else ""

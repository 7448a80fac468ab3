"""OpenAI and any OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp) by base URL.

Defaults are the reproducible ones: temperature 0 and a fixed seed. Structured output
(a JSON schema) is asked for; a server that refuses it is asked again without it and the
answer is parsed robustly (prose, code fences, truncated JSON). Logprobs give the
confidence when the server returns them. The openai client's own retries (429 with
Retry-After, 5xx, timeouts, dropped connections) come first; an unreadable answer is
asked again, then recorded as that row's error.
"""

from __future__ import annotations

import math
import threading

from ..secrets import api_key, endpoint_id, redact, remember
from ..tasks.base import ParseError, Task
from .base import Backend, BackendError, RowError
from .ratelimit import RateLimiter

PARSE_ATTEMPTS = 3
OPENAI_HOST = "api.openai.com"


def estimate_tokens(text: str) -> int:
    """About four characters a token (OpenAI's rule of thumb); for limits and cost."""
    return max(1, len(text) // 4)


class OpenAIBackend(Backend):
    kind = "openai"
    remote = True
    batch_size = 1

    def __init__(self, model: str, base_url: str | None = None, *, key: str | None = None,
                 concurrency: int = 8, timeout: float = 60.0, max_retries: int = 5,
                 temperature: float = 0.0, seed: int = 0, max_tokens: int = 200,
                 requests_per_minute: float | None = None, tokens_per_minute: float | None = None,
                 structured: bool = True, logprobs: bool = True):
        from openai import OpenAI  # imported on use: keeps start-up light

        self.model = model
        self.base_url = base_url
        self.concurrency = max(1, concurrency)
        self.temperature, self.seed, self.max_tokens = temperature, seed, max_tokens
        self._structured, self._logprobs = structured, logprobs
        self._lock = threading.Lock()
        self.limiter = RateLimiter(requests_per_minute, tokens_per_minute)
        host = endpoint_id(base_url)
        key = key or api_key(base_url)
        # A key passed in (Model settings, a test connection) was never seen by api_key():
        # without this, an error echoing a key not shaped like "sk-..." showed it whole.
        remember(key)
        if not key:
            if host == OPENAI_HOST:
                raise BackendError("no OpenAI API key: set OPENAI_API_KEY or store a key in "
                                   "Model settings (kept in the OS keyring)")
            key = "not-needed"  # local servers ignore the key, the client wants one
        self._client = OpenAI(api_key=key, base_url=base_url, timeout=timeout,
                              max_retries=max_retries)
        self._closed = False

    def fingerprint(self) -> dict:
        # The endpoint's host and the model name identify the answers; never the key.
        return {"kind": self.kind, "model": self.model, "endpoint": endpoint_id(self.base_url),
                "temperature": self.temperature, "seed": self.seed, "max_tokens": self.max_tokens}

    def describe(self) -> str:
        return f"openai:{self.model} at {endpoint_id(self.base_url)}"

    def close(self) -> None:
        """Abandon requests in flight: their connections are closed under them."""
        self._closed = True
        try:
            self._client.close()
        except Exception:  # closing twice, or mid-request: nothing left to release
            pass

    # -- one request ------------------------------------------------------------------

    def _request(self, task: Task, text: str):
        import openai

        kwargs = dict(model=self.model, messages=task.messages(text),
                      temperature=self.temperature, seed=self.seed, max_tokens=self.max_tokens)
        with self._lock:
            structured, logprobs = self._structured, self._logprobs
        if structured:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": task.name, "schema": task.json_schema(), "strict": True}}
        if logprobs:
            kwargs["logprobs"] = True
        try:
            return self._client.chat.completions.create(**kwargs)
        except openai.BadRequestError as exc:
            # A server that does not take a feature says so with a 400: drop the feature
            # for this backend and ask again without it.
            # The flag is changed under the lock but the request is repeated outside it:
            # _request takes the (non-reentrant) lock itself, and repeating it while
            # holding the lock deadlocked the first row on every such server.
            message = str(exc).lower()
            if structured and ("response_format" in message or "json_schema" in message
                               or "schema" in message):
                with self._lock:
                    self._structured = False
                return self._request(task, text)
            if logprobs and "logprob" in message:
                with self._lock:
                    self._logprobs = False
                return self._request(task, text)
            raise

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
        last_error = "no answer"
        for _ in range(PARSE_ATTEMPTS):
            if not self.limiter.acquire(tokens, cancelled=lambda: self._closed):
                return RowError("cancelled")
            try:
                reply = self._request(task, text)
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise BackendError(f"{endpoint_id(self.base_url)} refused the API key: "
                                   f"{redact(str(exc))}") from None
            except openai.NotFoundError as exc:
                raise BackendError(f"{endpoint_id(self.base_url)} has no model {self.model!r} "
                                   f"({redact(str(exc))})") from None
            except openai.APIStatusError as exc:
                return RowError(redact(f"HTTP {exc.status_code} after retries: {exc.message}"))
            except openai.APIConnectionError as exc:
                if self._closed:
                    return RowError("cancelled")
                return RowError(redact(f"connection failed after retries: {exc}"))
            if not reply.choices:
                last_error = "the server sent no choices"
                continue
            choice = reply.choices[0]
            raw = choice.message.content or ""
            try:
                out = task.parse(raw)
            except ParseError as exc:
                last_error = str(exc)
                continue
            label = out.get(task.columns()[0])
            confidence = self._confidence(choice, label) if isinstance(label, str) else None
            if confidence is not None:
                out[task.columns()[1]] = round(confidence, 6)
            return out
        return RowError(redact(f"unreadable answer after {PARSE_ATTEMPTS} attempts: {last_error}"))

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        return [self.annotate_one(task, t) for t in texts]

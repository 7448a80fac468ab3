"""OpenAI and any OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp) by base URL.

Defaults are the reproducible ones: temperature 0 and a fixed seed. Structured output
(the task's JSON schema) is asked for in the form the endpoint takes (``dialect.py``
learns it from refusals and remembers it), and the answer is parsed robustly (prose,
code fences, truncated JSON). Logprobs give the confidence when the server returns them.

Failures: the openai client's own retries come first (429 with Retry-After, 5xx,
timeouts, dropped connections), and a Retry-After seen by one thread holds back every
thread's next request. An unreadable answer is asked again with the parse error quoted,
then recorded as that row's error. A server that cannot be reached at all fails the job
at once (the first request); one lost midway stops it through the runner's circuit
breaker once ``concurrency`` rows in a row could not reach it (the rows finished are
kept, the rest resumable).

Timeouts: each request waits at most ``timeout`` seconds for an answer (the CLI's
``--timeout``), and a request that timed out is asked at most :data:`TIMEOUT_ATTEMPTS`
times in all (the client would ask six times, six timeouts per row). A row that got no
answer is that row's error (retryable), and the job stops after
:data:`STOP_AFTER_TIMEOUTS` such rows in a row, or at the first when the server has not
answered anything yet: a server that accepts connections and never answers stops the
job within about ``TIMEOUT_ATTEMPTS x timeout`` seconds.
"""

from __future__ import annotations

import math
import threading
from contextlib import nullcontext
from dataclasses import replace

from ..cost import tokens as average_tokens
from ..errors import Cancelled
from ..progress import Monitor
from ..secrets import (
    accept_url,
    effective_base_url,
    endpoint_id,
    find_api_key,
    redact,
    remember,
    url_credentials,
)
from ..tasks.base import ParseError, Task
from . import dialect as dialects
from .auto_concurrency import AutoConcurrency, Concurrency
from .base import Backend, BackendError, RowError
from .dialect import OPENAI_HOST
from .openai_answer import read_answer
from .openai_client import (
    DEFAULT_TIMEOUT,
    STOP_AFTER_TIMEOUTS,
    TIMEOUT_ATTEMPTS,
    TRANSIENT,
    http_client,
    no_quota,
    retry_after,
    transient,
)
from .openai_context import (
    CONTEXT_REFUSAL,
    CONTEXT_WINDOWS,
    DEFAULT_CONTEXT_WINDOW,
    MESSAGE_OVERHEAD_TOKENS,
    MESSAGE_TOKENS,
    first_number,
    listed_context,
    tiktoken_encoding,
)
from .openai_messages import cause, key_refused, status_message
from .ratelimit import RateLimiter
from .spec import OPENAI

PARSE_ATTEMPTS = 3


class OpenAIBackend(Backend):
    kind = OPENAI
    remote = True
    batch_size = 1

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        *,
        key: str | None = None,
        concurrency: int | str | Concurrency = 8,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 5,
        temperature: float = 0.0,
        seed: int = 0,
        max_tokens: int = 200,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        structured: bool = True,
        logprobs: bool = True,
        context_window: int | None = None,
    ):
        from openai import OpenAI  # imported on use: light start-up

        self.model = model
        # The openai client sends to OPENAI_BASE_URL when no base URL is given: name that
        # server (in the run's record, in messages), not OpenAI's.
        base_url = effective_base_url(base_url)
        # A user name, password or token in the URL is sent (basic auth, query) but never
        # kept or shown: only the URL without them is this backend's.
        credentials = url_credentials(base_url)
        base_url = accept_url(base_url)
        self.base_url = base_url
        self.host = endpoint_id(base_url)
        try:  # 8, or "auto:64": at most 64 at once, as many as the server takes well
            asked = Concurrency.parse(concurrency)
        except ValueError as exc:
            raise BackendError(str(exc)) from None
        self.concurrency = asked.maximum
        self.adaptive = AutoConcurrency(asked.maximum) if asked.auto else None
        self.temperature, self.seed, self.max_tokens = temperature, seed, max_tokens
        self._lock = threading.Lock()
        # Until one answer has come back, requests go one at a time: a server that
        # refuses part of the request refuses it once, not once per thread.
        self._first = threading.Lock()
        self._failed_in_a_row = 0  # requests that could not reach the server, since an answer
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise BackendError(f"the timeout is a number of seconds above 0, not {timeout!r}")
        self.timeout = float(timeout)
        self._timeouts_in_a_row = 0  # attempts with no answer within the timeout, since one
        self._answered = False  # the server has answered something in this job
        self._attempt = threading.local()  # this thread's request: its timeouts so far
        self.limiter = RateLimiter(requests_per_minute, tokens_per_minute)
        start = dialects.load(self.host, model)
        if not structured:
            start = replace(start, format="text")
        if not logprobs:
            start = replace(start, logprobs=False)
        self._dialect = start
        given = key
        key, self._key_source = (given, "the key given") if given else find_api_key(base_url)
        self._url_auth = bool(credentials.username or credentials.password)
        # A key passed in (Model settings, a test connection) was never seen by api_key():
        # without this, an error echoing a key not shaped like "sk-..." showed it whole.
        remember(key)
        if not key:
            if self.host == OPENAI_HOST:
                raise BackendError(
                    "no OpenAI API key: set OPENAI_API_KEY or store a key in "
                    "Model settings (kept in the OS keyring)"
                )
            key = "not-needed"  # local servers ignore the key, the client wants one
        # Basic auth (a pair, as the HTTP client takes it) replaces the Bearer key: the
        # server behind it wants it.
        auth = (credentials.username, credentials.password) if self._url_auth else None
        http = http_client(
            self._timed_out, event_hooks={"response": [self._saw_response]}, auth=auth
        )
        self._client = OpenAI(
            api_key=key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http,
            default_query=dict(credentials.query) or None,
        )
        self._closing = threading.Event()
        # What a request waiting for the rate limits checks: closing (a Cancel) stops it.
        self._waits = Monitor(cancelled=self._closing.is_set)
        self._fatal: BackendError | None = None
        if context_window is not None and int(context_window) < 1:
            raise BackendError(
                f"context_window must be a positive number of tokens, not {context_window!r}"
            )
        self._context_given = int(context_window) if context_window else None
        self._context: tuple[int, str] | None = None  # (tokens, where it was learned)
        self._context_lock = threading.Lock()  # request threads ask at once: learn it once
        self._models: list | None = None  # the server's model list, once asked
        self._identified = False  # the server's kind asked (before a first request)
        # Tokens the server's tokenizer counts per token of the estimate (learned from a
        # refusal, see learn_context), and how many times something was learned.
        self._token_rate = 1.0
        self.learned = 0

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
        fp = {
            "kind": self.kind,
            "model": self.model,
            "endpoint": self.host,
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
        }
        if self._context_given:  # where long texts are cut into chunks
            fp["context_window"] = self._context_given
        return fp

    # -- how much text fits -----------------------------------------------------------

    cuts_long_inputs = False  # a server refuses a longer prompt, or cuts it unseen

    def context_window(self) -> tuple[int, str]:
        """(tokens of prompt + answer the model takes, where that was learned): the
        user's ``context_window``; else what the server lists for the model in
        ``GET /models`` (vLLM, llama.cpp, LM Studio, OpenRouter fields); else the table
        of known OpenAI models; else :data:`DEFAULT_CONTEXT_WINDOW`. Asked once."""
        with self._context_lock:
            return self._learn_context()

    def _learn_context(self) -> tuple[int, str]:
        if self._context is None:
            if self._context_given:
                self._context = (self._context_given, "set by the user")
            else:
                listed = self._listed_context()
                known = max(
                    (
                        name
                        for name in CONTEXT_WINDOWS
                        if self.model == name or self.model.startswith(name + "-")
                    ),
                    key=len,
                    default=None,
                )
                if listed:
                    self._context = (listed, f"{self.host} says so")
                elif known:
                    self._context = (CONTEXT_WINDOWS[known], f"OpenAI's figure for {known}")
                else:
                    self._context = (DEFAULT_CONTEXT_WINDOW, "the default for unknown models")
        return self._context

    def learn_context(self, refusal: str, estimated: int | None = None) -> bool:
        """Learn from a server's refusal of a request as too long for the context (a
        server whose model list does not give it, e.g. llama-cpp-python's): the window it
        states, when smaller than the one used so far; and, when it says how many tokens
        the messages took and ``estimated`` is what this backend counted for them, how
        much more its tokenizer counts than the estimate. True when something was
        learned (:attr:`learned` counts it): the texts are then planned again."""
        found = CONTEXT_REFUSAL.search(refusal)
        if found is None:
            return False
        stated = first_number(found)
        counted = MESSAGE_TOKENS.search(refusal)
        changed = False
        with self._context_lock:
            if 0 < stated < self._learn_context()[0]:
                self._context = (stated, f"{self.host} said so when it refused a longer request")
                changed = True
            if counted and estimated and self.host != OPENAI_HOST:
                # a little over the rate seen, so the next plan is not refused for a token
                tokens = first_number(counted)
                rate = tokens / estimated * 1.05
                if rate > self._token_rate:
                    self._token_rate = rate
                    changed = True
            self.learned += changed
        return changed

    def _listed_context(self) -> int | None:
        """The context the server's model list gives this model, if it gives one."""
        return listed_context(self._listing(), self.model)

    def _listing(self) -> list:
        """The server's model list (``GET /models``), asked once; [] without one."""
        if self._models is None:
            try:
                page = self._client.with_options(
                    max_retries=0, timeout=min(5.0, self.timeout)
                ).models.list()
                self._models = list(page.data)
            except Exception:  # an old server without the route, or a refusal: not known
                self._models = []
        return self._models

    def _identify(self, dialect: dialects.Dialect) -> None:
        """Before the first request to an endpoint not met before: the structured-output
        form of the server its model list names (vLLM, SGLang: dialect.SERVERS)."""
        self._identified = True
        server = dialects.server_of(self._listing()) if self.host != OPENAI_HOST else ""
        if server and dialect.format != "text" and not dialect.tried:
            first = dialects.Dialect.first_for(self.host, server)
            with self._lock:
                if self._dialect is dialect:
                    self._dialect = replace(first, logprobs=dialect.logprobs and first.logprobs)

    def input_limit(self, task: Task) -> int:
        """The context window less the prompt around the text (instructions, examples)
        and the answer (``max_tokens``)."""
        prompt = sum(
            self.count_tokens([m["content"]])[0] + MESSAGE_OVERHEAD_TOKENS
            for m in task.messages("")
        )
        return self.context_window()[0] - prompt - self.max_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        """OpenAI's own tokenizer (tiktoken) for OpenAI's models when it is installed;
        otherwise, and for other servers' models (whose tokenizers differ), the cautious
        estimate of one token per three characters."""
        encoding = tiktoken_encoding(self.model) if self.host == OPENAI_HOST else None
        if encoding is None:
            return [math.ceil(n * self._token_rate) for n in super().count_tokens(texts)]
        return [len(encoding.encode(t, disallowed_special=())) for t in texts]

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
        with self._lock:
            self._answered = True
            self._timeouts_in_a_row = 0
        self._attempt.timeouts = 0
        if response.status_code == 429 and no_quota(response):
            # Not a rate limit: asking again cannot help, so the client must not retry.
            response.headers["x-should-retry"] = "false"
            return
        if response.status_code in (429, 503):
            if self.adaptive is not None:  # too many at once: fewer
                self.adaptive.congested()
            seconds = retry_after(response.headers)
            if seconds:
                self.limiter.pause(min(seconds, 120.0))

    def _refusal(self, exc, dialect: dialects.Dialect) -> dialects.Dialect | None:
        """The dialect that avoids what ``exc`` refuses, if it is such a refusal."""
        status = exc.status_code
        if status in (401, 403, 404) or status in TRANSIENT:
            return None
        return dialect.adjusted(self.host, status_message(exc), getattr(exc, "param", None))

    def _timed_out(self) -> bool:
        """Count an attempt of this thread's request that got no answer in time; True
        when the request must not be asked again (see :data:`TIMEOUT_ATTEMPTS`)."""
        with self._lock:
            self._timeouts_in_a_row += 1
        if self.adaptive is not None:
            self.adaptive.congested()
        self._attempt.timeouts = getattr(self._attempt, "timeouts", 0) + 1
        return self._attempt.timeouts >= TIMEOUT_ATTEMPTS

    def _send(self, kwargs: dict, dialect: dialects.Dialect):
        import openai

        self._attempt.timeouts = 0  # a new request: its own tries
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
                raise BackendError(
                    redact(
                        f"cannot reach {self.host}: {exc}{cause(exc)}. Is the server running, "
                        "and is the base URL right? (Model settings > Test connection)"
                    )
                ) from None
        except openai.APIStatusError as exc:
            if (
                retries < 1
                or not transient(exc.status_code)
                or getattr(exc, "code", None) == "insufficient_quota"
                or self._refusal(exc, dialect) is not None
            ):
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
                if not dialect.confirmed and not self._identified:
                    self._identify(dialect)
                    continue
                kwargs = self._kwargs(task, messages, dialect)
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
                learned = dialect.answered(reply)  # confirmed; logprobs ignored?
                if learned is not dialect:
                    with self._lock:
                        if self._dialect is dialect:
                            self._dialect = learned
                            dialects.save(self.host, self.model, self._dialect)
                return reply

    @property
    def states_scores(self) -> bool:
        """No logprobs from this server (refused, ignored or not asked): the score is the
        confidence the model states."""
        return not self.dialect.logprobs

    def read_answer(self, task: Task, reply) -> dict:
        """The task's answer in a chat completion (a batch's answers are read alike)."""
        return read_answer(task, reply)

    def request_body(self, task: Task, text: str) -> dict:
        """The request an ordinary run sends for ``text`` now (the dialect learned so far):
        what a batch file carries, so a batch asks exactly what a run would."""
        return self._kwargs(task, task.messages(text), self.dialect)

    def _kwargs(self, task: Task, messages: list[dict], dialect: dialects.Dialect) -> dict:
        return dialect.request(
            model=self.model,
            messages=messages,
            name=task.name,
            schema=task.json_schema(),
            temperature=self.temperature,
            seed=self.seed,
            max_tokens=self.max_tokens,
        )

    def annotate_one(self, task: Task, text: str) -> dict | RowError:
        import openai

        tokens = average_tokens(text) + self.max_tokens
        messages = task.messages(text)
        last_error = "no answer"
        tpm = self.limiter.tpm
        if tpm and tokens > tpm:
            # It could never go within the limit (it waited forever, holding back every
            # other row): this row's error, retryable so that a larger limit asks it.
            return RowError(
                f"too large for the tokens-per-minute limit: this request needs "
                f"about {tokens:,} tokens, more than the {tpm:,g} a minute allows "
                "(--tpm); raise the limit to send it",
                retryable=True,
            )
        for _ in range(PARSE_ATTEMPTS):
            try:
                self.limiter.acquire(tokens, self._waits)
            except Cancelled:
                return RowError("cancelled")
            try:
                reply = self._request(task, messages)
            except BackendError as exc:
                self._fatal = exc
                raise
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                self._fatal = BackendError(
                    key_refused(exc, self.host, self._key_source, self._url_auth)
                )
                raise self._fatal from None
            except openai.NotFoundError as exc:
                self._fatal = BackendError(
                    f"{self.host} has no model {self.model!r} ({redact(status_message(exc))})"
                )
                raise self._fatal from None
            except openai.APIStatusError as exc:
                if exc.status_code == 400:  # too long for the context: learn what it says
                    self.learn_context(
                        status_message(exc),
                        sum(
                            self.count_tokens([m["content"]])[0] + MESSAGE_OVERHEAD_TOKENS
                            for m in messages
                        ),
                    )
                retried = transient(exc.status_code)  # the client retries only these
                if getattr(exc, "code", None) == "insufficient_quota":  # never retried
                    return RowError(
                        redact(f"HTTP 429 insufficient_quota: {status_message(exc)}"),
                        retryable=True,
                    )
                return RowError(
                    redact(
                        f"HTTP {exc.status_code}{' after retries' if retried else ''}"
                        f": {status_message(exc)}"
                    ),
                    retryable=retried,
                )
            except openai.APITimeoutError:
                if self._closed:
                    return RowError("cancelled")
                return self._no_answer()
            except openai.APIConnectionError as exc:
                if self._closed:
                    return RowError("cancelled")
                return self._unreachable(exc)
            with self._lock:
                self._failed_in_a_row = 0
            raw = reply.choices[0].message.content or "" if reply.choices else ""
            try:
                return self.read_answer(task, reply)
            except ParseError as exc:
                last_error = str(exc)
                # Asked again with the reason: the same question at temperature 0 would
                # get the same unreadable answer.
                messages = task.messages(text) + [
                    {"role": "assistant", "content": raw},
                    {
                        "role": "user",
                        "content": f"That answer could not be read ({exc}). "
                        "Answer again with the JSON object only.",
                    },
                ]
                continue
        return RowError(redact(f"unreadable answer after {PARSE_ATTEMPTS} attempts: {last_error}"))

    def _unreachable(self, exc) -> RowError:
        """This row's error, retryable; ``concurrency`` of them in a row stop the job (the
        runner's circuit breaker: the finished rows stay where the job keeps them)."""
        with self._lock:
            self._failed_in_a_row += 1
            failed, answered = self._failed_in_a_row, self._answered
        reason = redact(f"{exc}{cause(exc)}")
        # "lost" only when it answered in this job (a dialect remembered from another
        # session skips the first request's quick check: the server may never have been up)
        what = "lost the connection to" if answered else "cannot reach"
        return RowError(
            f"connection failed after retries: {what} {self.host}, {failed} "
            f"request{'s' if failed > 1 else ''} in a row failed ({reason})",
            retryable=True,
            stop_after=self.concurrency,
        )

    def _no_answer(self) -> RowError:
        """The error of a row whose request got no answer within the timeout, asked
        :data:`TIMEOUT_ATTEMPTS` times: retryable; the job stops after
        :data:`STOP_AFTER_TIMEOUTS` of them in a row, or at once when the server has
        answered nothing yet."""
        with self._lock:
            waited, answered = self._timeouts_in_a_row, self._answered
        tries = min(TIMEOUT_ATTEMPTS, self._client.max_retries + 1)
        each = f"each row asked {tries} times" if tries > 1 else "each row asked once"
        return RowError(
            f"no answer within {self.timeout:g} s: the server at {self.host} did not answer "
            f"{waited} request{'s' if waited != 1 else ''} in a row within {self.timeout:g} s "
            f"({each}; a server this slow needs a longer timeout, --timeout)",
            retryable=True,
            stop_after=STOP_AFTER_TIMEOUTS if answered else 1,
        )

    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        return [self.annotate_one(task, t) for t in texts]

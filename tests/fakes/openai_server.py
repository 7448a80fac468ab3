"""A fake OpenAI-compatible server on 127.0.0.1, for tests and benchmarks.

Real HTTP over real sockets (``http.server``, HTTP/1.1 keep-alive, one thread per
connection), so the real ``openai`` client, its connection pool, its retries and its
timeouts are what get exercised. It serves ``POST /v1/chat/completions`` and
``GET /v1/models``, and answers the sentiment prompt deterministically from the text:
the label comes from keywords (else from a hash of the text), the answer is the JSON
``{"label": ..., "score": 0.5}`` in ``choices[0].message.content``, and when ``logprobs``
is asked for, ``logprobs.content`` carries one entry per token, the label's token with
probability :func:`label_probability` (so a test can tell which score was used).

Every request is recorded (headers, body, the text it was about, start and end times),
requests per text are counted, and the largest number of requests in flight at once is
kept. Faults are injected by rule (:meth:`FakeOpenAI.add_rule`)::

    with FakeOpenAI(latency=0.05) as fake:
        fake.add_rule("429", match="some text", times=1, retry_after=1)
        fake.add_rule("truncated", times=2, per_text=True)   # first two answers per text
        ... OpenAIBackend("fake", fake.url) ...
        assert fake.count("some text") == 2

Faults: ``429`` (with ``Retry-After``), ``quota`` (429 ``insufficient_quota``), ``500``,
``slow`` (wait ``seconds`` first), ``drop`` (close the connection without a reply), and
malformed answers: ``prose`` (no label), ``wrong_case`` (``POSITIVE``), ``unknown_label``,
``truncated``
(``{"label": "posit``) and ``content`` (send ``content`` as is). Server-wide settings:
``latency`` (seconds per request; ``jitter`` spreads it evenly over latency +- jitter,
by a hash of the text, so reproducibly), ``api_key`` (anything else gets 401, with the key
it got echoed in the message, the worst case for redaction), ``basic_auth`` (a
``(user, password)`` pair: a server behind basic authentication, as a reverse proxy puts
it; anything else gets 401), ``query_key`` (a ``(name, value)`` pair the query string
must carry, as some gateways want ``?key=...``), ``accepts_structured=False``
(400 when ``response_format`` is sent, as servers without structured output answer),
``formats`` (the ``response_format`` types taken when ``accepts_structured``; default
``json_schema`` and ``json_object``), ``refusal_status`` (the status of those refusals:
400 as OpenAI answers, 500 as llama-cpp-python answers ``json_schema``),
``accepts_logprobs=False`` (400 when ``logprobs`` is sent), ``returns_logprobs=False``
(ignore the request for logprobs), ``reasoning=True`` (refuse ``max_tokens`` and any
``temperature`` but 1, with OpenAI's messages and ``param``), ``models`` (others get 404),
``context_window`` (tokens of prompt + ``max_tokens`` a request may have, counting a
word or a punctuation mark as a token: longer requests get vLLM's 400 "maximum context
length"; ``GET /v1/models`` then lists it as vLLM's ``max_model_len``, or under the name
``context_field`` says: ``meta.n_ctx_train`` as llama.cpp's server writes it),
``knee`` (latency rises beyond this many requests in flight, as the square of their
share: a server whose best concurrency is ``knee``), ``refuse_above`` (429 without
``Retry-After`` above this many in flight), ``server_kind`` (the ``owned_by`` of its
model list: ``vllm``, ``sglang``, ``llamacpp`` as those servers write it; ``transformers``
behaves as Hugging Face's ``transformers serve`` does (transformers 5,
transformers/cli/serving): its model list gives ``owned_by: "local"`` and a ``status``,
``response_format`` and ``logprobs`` are taken and ignored (no logprobs come back), a
field that is no OpenAI chat parameter gets its 422 ``{"detail": "Unexpected fields in
the request: {...}"}``, with ``models`` another model its 400 ``{"detail": "Server is
pinned to ..."}``, and with ``context_window`` a longer prompt its 400 ``{"detail": "The
prompt has P tokens, but the model takes at most N, ..."}``),
``structured_form`` (the one structured-output form it takes, as
:func:`structured_form` names them; other forms are refused as that server would, TGI's
with its 422), ``continuation`` (a ``{first word:
probability}`` table, or a function of the text giving one: a free prompt is then
answered by a story sentence whose first word is drawn from it by
:func:`continuation_word`, reproducibly per text and ``seed``; with ``max_tokens`` the
answer is cut to that many tokens, and ``top_logprobs`` lists the table's most likely
words as the first token's alternatives; the completion probes' tests use it).

Standalone, for benchmarks and manual checks (prints the base URL, serves until
SIGTERM or Ctrl+C; ``GET /_fake/stats`` returns the counters, ``GET /_fake/requests`` the
chat requests' texts, start and end times (``time.monotonic()``) and statuses)::

    python tests/fakes/openai_server.py --latency 0.2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from .served import ServedFake
except ImportError:  # run as a script: benchmarks start it in a process of its own
    from served import ServedFake

LABELS = ("positive", "negative", "neutral")
STATED_SCORE = 0.5  # the "score" inside the JSON answer; logprobs give another number
FAULTS = (
    "429",
    "quota",
    "500",
    "slow",
    "drop",
    "prose",
    "wrong_case",
    "unknown_label",
    "truncated",
    "content",
)
PROSE = "Hard to say; the writer seems of two minds about it."  # names no label
_POSITIVE = ("love", "great", "wonderful", "happy", "excellent", "good")
_NEGATIVE = ("hate", "terrible", "awful", "horrible", "bad", "angry")
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]+")
TRANSFORMERS = "transformers"  # the server_kind of a fake transformers serve


def _chat_parameters() -> set[str]:
    """The fields transformers serve takes in a chat request: the OpenAI client's own
    (``CompletionCreateParamsStreaming``) and its three (chat_completion.py,
    ``TransformersCompletionCreateParamsStreaming``)."""
    from openai.types.chat.completion_create_params import CompletionCreateParamsStreaming

    return set(CompletionCreateParamsStreaming.__mutable_keys__) | {
        "generation_config",
        "seed",
        "chat_template_kwargs",
    }


def prompt_tokens(body: dict) -> int:
    """The fake's token count of a request's messages: words and punctuation marks."""
    return sum(
        len(re.findall(r"\w+|[^\w\s]", str(m.get("content") or "")))
        for m in body.get("messages") or []
        if isinstance(m, dict)
    )


def _hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def label_for(text: str) -> str:
    """The label the fake gives ``text``: by keywords, else by a hash of the text."""
    lowered = text.lower()
    pos = any(re.search(rf"\b{w}\b", lowered) for w in _POSITIVE)
    neg = any(re.search(rf"\b{w}\b", lowered) for w in _NEGATIVE)
    if pos != neg:
        return "positive" if pos else "negative"
    return LABELS[_hash(text)[0] % 3]


def label_probability(text: str) -> float:
    """The probability the fake's logprobs give the label token of ``text`` (0.60-0.99)."""
    return 0.6 + (_hash(text)[1] % 40) / 100


def continuation_word(table: dict[str, float], text: str, seed) -> str:
    """The first word the fake's ``continuation`` draws for ``text`` with ``seed`` (what a
    test recomputes to know what was sampled)."""
    import random

    words = list(table)
    return random.Random(f"{text}|{seed}").choices(words, weights=[table[w] for w in words])[0]


CONTINUATION_REST = " smiled at everyone and sat down."


def _schema(body: dict) -> dict:
    fmt = body.get("response_format") or {}
    return (
        (fmt.get("json_schema") or {}).get("schema")
        or fmt.get("schema")
        or fmt.get("value")
        or body.get("guided_json")
        or {}
    )


def structured_form(body: dict) -> str | None:
    """The structured-output form a request uses: ``json_schema`` (OpenAI's, vLLM's,
    SGLang's), ``llamacpp`` (json_object with ``schema``), ``tgi`` (json_object with
    ``value``), ``guided_json`` (vLLM's extra field), ``json_mode`` (json_object alone);
    None without one."""
    if "guided_json" in body:
        return "guided_json"
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema":
        return "json_schema"
    if "value" in fmt:
        return "tgi"
    return "llamacpp" if "schema" in fmt else "json_mode"


def _system(body: dict) -> str:
    return " ".join(
        str(m.get("content", ""))
        for m in body.get("messages") or []
        if isinstance(m, dict) and m.get("role") == "system"
    )


def answer_for(body: dict, text: str) -> tuple[str, str]:
    """(the label, the message content) the fake answers ``text`` with, by what is asked:
    a label of the schema's enum or of the prompt's "one of [...]" list (sentiment keywords
    first, else by hash); for a multi-label codebook (a number per code) a confidence per
    code; for a free prompt (no label asked for) a line of text."""
    schema = _schema(body)
    properties = schema.get("properties") or {}
    enum = (properties.get("label") or {}).get("enum")
    if enum is None:
        listed = re.search(r"one of \[([^\]]*)\]", _system(body))
        enum = [x.strip() for x in listed.group(1).split(",")] if listed else None
    if enum:
        label = label_for(text)
        if label not in enum:
            label = enum[_hash(text)[3] % len(enum)]
        return label, json.dumps({"label": label, "score": STATED_SCORE})
    codes = [k for k, v in properties.items() if (v or {}).get("type") == "number"]
    if not codes and "every code present" in _system(body):
        codes = re.findall(r'"([^"]+)": confidence', _system(body))
    if codes:
        pick = codes[_hash(text)[3] % len(codes)]
        return pick, json.dumps({c: (0.9 if c == pick else 0.1) for c in codes})
    return "", f"Answer about: {text[:60]}"


@dataclass
class Rule:
    """A fault for the requests it matches; ``times`` of them (None: all), in all or, with
    ``per_text``, for each text."""

    fault: str
    match: str | Callable[[str], bool] | None = None
    times: int | None = 1
    per_text: bool = False
    retry_after: float | None = None  # 429/500: the Retry-After header, in seconds
    seconds: float = 0.0  # slow: the wait before the answer
    content: str = ""  # content: the message content sent
    hits: Counter = field(default_factory=Counter)

    def matches(self, text: str | None) -> bool:
        if self.match is None:
            return True
        if text is None:
            return False
        return self.match in text if isinstance(self.match, str) else bool(self.match(text))

    def take(self, text: str | None) -> bool:
        """Whether this rule applies to this request (and count it); call under the lock."""
        if not self.matches(text):
            return False
        key = text if self.per_text else None
        if self.times is not None and self.hits[key] >= self.times:
            return False
        self.hits[key] += 1
        return True


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict | None
    text: str | None  # the text a chat request asks about
    started: float  # time.monotonic() when the request had been read
    finished: float | None = None  # when the reply was ready (sent next) or the connection dropped
    status: int | None = None  # the status sent; None: no reply (dropped, or the client left)
    fault: str | None = None
    query: str = ""  # the query string, without the "?"


def _text_of(body: dict | None) -> str | None:
    """The text a chat request is about: the last user message, after its ``Text:`` line."""
    if not isinstance(body, dict):
        return None
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    users = [m for m in messages if m.get("role") == "user"] or messages
    contents = []
    for message in users:
        content = message.get("content")
        if isinstance(content, list):  # content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str):
            contents.append(content)
    if not contents:
        return None
    # A question asked again follows up with another user message: the text is still
    # the one after the last "Text:" line.
    for content in reversed(contents):
        marker = content.rfind("Text:\n")
        if marker >= 0:
            return content[marker + len("Text:\n") :]
    return contents[-1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # stop() wakes and joins them itself
    request_queue_size = 256  # K clients connecting at once must not wait for SYN retries
    fake: FakeOpenAI

    def handle_error(self, request, client_address) -> None:
        # Clients that time out or are cancelled hang up mid-reply: expected here. Anything
        # else is a bug in the fake and is printed.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers and the openai client use
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._opened(self)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.fake._gone(self)

    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "DELETE")


class FakeOpenAI(ServedFake):
    """The server; ``start()``/``stop()`` or use it as a context manager."""

    THREAD_NAME = "fake-openai"

    def __init__(
        self,
        *,
        latency: float = 0.0,
        jitter: float = 0.0,
        api_key: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        query_key: tuple[str, str] | None = None,
        accepts_structured: bool = True,
        accepts_logprobs: bool = True,
        returns_logprobs: bool = True,
        models: tuple[str, ...] | None = None,
        formats: tuple[str, ...] = ("json_schema", "json_object"),
        refusal_status: int = 400,
        reasoning: bool = False,
        continuation: dict[str, float] | Callable[[str], dict[str, float]] | None = None,
        context_window: int | None = None,
        context_field: str = "max_model_len",
        host: str = "127.0.0.1",
        port: int = 0,
        host_name: str = "127.0.0.1",
        knee: int | None = None,
        refuse_above: int | None = None,
        server_kind: str = "fake",
        structured_form: str | None = None,
    ):
        # The host its URL names: a name that tests/helpers/remote.py resolves to
        # 127.0.0.1 makes it a server elsewhere, as the consent sees it.
        self.host_name = host_name
        self.latency = latency
        self.knee, self.refuse_above = knee, refuse_above
        self.server_kind, self.structured_form = server_kind, structured_form
        if server_kind == TRANSFORMERS:  # it never sends logprobs (see the docstring)
            returns_logprobs = False
        self.context_window = context_window
        self.context_field = context_field
        self.jitter = jitter
        self.api_key = api_key
        self.basic_auth = basic_auth
        self.query_key = query_key
        self.accepts_structured = accepts_structured
        self.accepts_logprobs = accepts_logprobs
        self.returns_logprobs = returns_logprobs
        self.formats = formats
        self.refusal_status = refusal_status
        self.reasoning = reasoning
        self.models = models
        self.continuation = continuation
        self._rules: list[Rule] = []
        self._requests: list[Request] = []
        self._counts: Counter = Counter()
        self._in_flight = 0
        self._max_in_flight = 0
        self._serve(_Server((host, port), _Handler, bind_and_activate=True))

    # -- life ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def netloc(self) -> str:
        """Its host and port as runs and consents name it (``127.0.0.1:PORT``)."""
        return f"{self.host_name}:{self.port}"

    @property
    def url(self) -> str:
        """The base URL to give the client (``http://127.0.0.1:PORT/v1``)."""
        return f"http://{self.netloc}/v1"

    # -- scripting ----------------------------------------------------------------------

    def add_rule(
        self,
        fault: str,
        match: str | Callable[[str], bool] | None = None,
        *,
        times: int | None = 1,
        per_text: bool = False,
        retry_after: float | None = None,
        seconds: float = 0.0,
        content: str = "",
    ) -> Rule:
        """Inject ``fault`` (one of :data:`FAULTS`) into matching chat requests; the first
        rule that applies wins."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {FAULTS}")
        rule = Rule(fault, match, times, per_text, retry_after, seconds, content)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    def reset(self) -> None:
        """Forget requests and counters (rules and settings stay)."""
        with self._lock:
            self._requests.clear()
            self._counts.clear()
            self._max_in_flight = self._in_flight

    # -- what it saw --------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def chat_requests(self, text: str | None = None) -> list[Request]:
        """The chat requests so far (about ``text`` only, when given)."""
        return [
            r
            for r in self.requests
            if r.path.rstrip("/").endswith("/chat/completions") and (text is None or r.text == text)
        ]

    def count(self, text: str) -> int:
        """How many chat requests were about ``text``."""
        with self._lock:
            return self._counts[text]

    @property
    def counts(self) -> Counter:
        with self._lock:
            return Counter(self._counts)

    @property
    def total(self) -> int:
        """Chat requests received so far."""
        with self._lock:
            return sum(self._counts.values())

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    # -- serving ------------------------------------------------------------------------

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)  # stop() cuts it short

    def _handle(self, h: _Handler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        if len(raw) < length:  # the client died mid-request (SIGKILL): nothing was asked
            h.close_connection = True
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path, _, query = h.path.partition("?")
        is_chat = method == "POST" and path.rstrip("/").endswith("/chat/completions")
        request = Request(
            method,
            path,
            {k.lower(): v for k, v in h.headers.items()},
            body,
            _text_of(body) if is_chat else None,
            time.monotonic(),
            query=query,
        )
        with self._lock:
            self._requests.append(request)
            if is_chat:
                self._counts[request.text] += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        reply = None
        try:
            reply = self._reply(request, is_chat)
        finally:
            # Bookkeeping before the reply goes out: a client that has its answer must find
            # the request finished (and may send the next one without it counting as one
            # more in flight).
            with self._lock:
                self._in_flight -= 1
                request.finished = time.monotonic()
                request.status = reply[0] if reply else None
        if reply is None:  # drop: close without a word
            h.close_connection = True
            return
        status, payload, headers = reply
        data = json.dumps(payload).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except OSError:  # the client gave up (timeout, cancel): nobody got the answer
            request.status = None
            h.close_connection = True

    @staticmethod
    def _error(
        status: int,
        message: str,
        code: str | None = None,
        kind: str = "invalid_request_error",
        headers: dict | None = None,
        param: str | None = None,
    ):
        return (
            status,
            {"error": {"message": message, "type": kind, "param": param, "code": code}},
            headers or {},
        )

    def _refusal(self, body: dict):
        """The error for a feature of ``body`` this server does not take, or None."""
        if self.server_kind == TRANSFORMERS:  # takes any OpenAI field, ignores some
            unexpected = set(body) - _chat_parameters()
            if unexpected:
                return 422, {"detail": f"Unexpected fields in the request: {unexpected}"}, {}
            prompt = prompt_tokens(body)  # it checks the prompt alone against the context
            if self.context_window and prompt >= self.context_window:
                detail = (
                    f"The prompt has {prompt} tokens, but the model takes at most "
                    f"{self.context_window}, prompt and answer (`--max-model-len`)."
                )
                return 400, {"detail": detail}, {}
            return None
        if self.context_window:
            used = prompt_tokens(body) + int(body.get("max_tokens") or 0)
            if used > self.context_window:
                return self._error(
                    400,
                    f"This model's maximum context length is "
                    f"{self.context_window} tokens. However, you requested "
                    f"{used} tokens.",
                    "context_length_exceeded",
                    param="messages",
                )
        if self.reasoning and "max_tokens" in body:
            return self._error(
                400,
                "Unsupported parameter: 'max_tokens' is not supported with "
                "this model. Use 'max_completion_tokens' instead.",
                "unsupported_parameter",
                param="max_tokens",
            )
        if self.reasoning and body.get("temperature", 1) != 1:
            return self._error(
                400,
                "Unsupported value: 'temperature' does not support "
                f"{body['temperature']} with this model. Only the default "
                "(1) value is supported.",
                "unsupported_value",
                param="temperature",
            )
        form = structured_form(body)
        if self.structured_form is not None and form not in (None, self.structured_form):
            if self.structured_form == "tgi":  # TGI's router (serde) refusing the body
                return self._error(
                    422,
                    "Failed to deserialize the JSON body into the target type: "
                    "response_format: missing field `value` at line 1 column 80",
                )
            return self._error(400, f"response_format: this server takes no {form} form")
        fmt = body.get("response_format")
        if (
            self.structured_form is None
            and fmt is not None
            and (not self.accepts_structured or (fmt or {}).get("type") not in self.formats)
        ):
            # As llama-cpp-python words it (a pydantic error), with the status set.
            return self._error(
                self.refusal_status,
                "1 validation error: {'type': "
                "'literal_error', 'loc': ('body', 'response_format', 'type'), "
                f"'msg': \"Input should be {' or '.join(self.formats) or 'absent'}\""
                f", 'input': '{(fmt or {}).get('type')}'}}",
            )
        if body.get("logprobs") and not self.accepts_logprobs:
            return self._error(400, "logprobs are not supported by this server")
        return None

    def _reply(self, request: Request, is_chat: bool):
        """(status, JSON payload, headers), or None to drop the connection."""
        if self.basic_auth is not None:
            import base64

            wanted = "Basic " + base64.b64encode(":".join(self.basic_auth).encode()).decode()
            if request.headers.get("authorization", "") != wanted:
                return self._error(
                    401, "Unauthorized: basic authentication required.", "invalid_api_key"
                )
        if self.query_key is not None:
            from urllib.parse import parse_qsl

            name, value = self.query_key
            if dict(parse_qsl(request.query)).get(name) != value:
                return self._error(
                    401, f"Missing or wrong {name} in the query string.", "invalid_api_key"
                )
        if self.api_key is not None:
            given = request.headers.get("authorization", "")
            if given != f"Bearer {self.api_key}":
                shown = given.removeprefix("Bearer ")
                return self._error(401, f"Incorrect API key provided: {shown}.", "invalid_api_key")
        if request.method == "GET" and request.path.rstrip("/").endswith("/_fake/stats"):
            with self._lock:
                return (
                    200,
                    {
                        "total": sum(self._counts.values()),
                        "distinct": len(self._counts),
                        "max_in_flight": self._max_in_flight,
                    },
                    {},
                )
        if request.method == "GET" and request.path.rstrip("/").endswith("/_fake/requests"):
            # time.monotonic() is one clock for every process on Linux: a client in another
            # process can line these up with its own times.
            with self._lock:
                return (
                    200,
                    [
                        [r.text, r.started, r.finished, r.status]
                        for r in self._requests
                        if r.text is not None
                    ],
                    {},
                )
        if request.method == "GET" and request.path.rstrip("/").endswith("/models"):
            names = self.models or ("fake",)
            extra = {}
            if self.context_window:
                group, _, name = self.context_field.rpartition(".")
                extra = (
                    {group: {name: self.context_window}} if group else {name: self.context_window}
                )
            return (
                200,
                {
                    "object": "list",
                    "data": [
                        {
                            "id": n,
                            "object": "model",
                            "created": 0,
                            "owned_by": self.server_kind,
                            **extra,
                        }
                        if self.server_kind != TRANSFORMERS
                        else {  # as transformers serve lists a model from a folder
                            "owned_by": "local",
                            "id": n,
                            "object": "model",
                            "created": 0,
                            "status": {"value": "loaded"},
                        }
                        for n in names
                    ],
                },
                {},
            )
        if not is_chat:
            return self._error(404, f"no route {request.method} {request.path}")
        spread = (_hash(request.text or "")[2] / 255 * 2 - 1) * self.jitter if is_chat else 0.0
        with self._lock:
            held = self._in_flight
        if self.refuse_above is not None and held > self.refuse_above:
            return self._error(429, "Too many requests at once", "rate_limit_exceeded")
        slower = max(1.0, held / self.knee) ** 2 if self.knee else 1.0
        self._wait((self.latency + spread) * slower)
        body = request.body if isinstance(request.body, dict) else {}
        model = body.get("model")
        if self.models is not None and model not in self.models:
            if self.server_kind == TRANSFORMERS:  # ModelNotServedError, a ValueError: 400
                detail = f"Server is pinned to '{self.models[0]}'; requested '{model}'."
                return 400, {"detail": detail}, {}
            return self._error(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "model_not_found",
            )
        refusal = self._refusal(body)
        if refusal is not None:
            return refusal
        with self._lock:
            rule = next((r for r in self._rules if r.take(request.text)), None)
        request.fault = rule.fault if rule else None
        text = request.text or ""
        label, content = answer_for(body, text)
        table = self._continuation_table(text) if not label else None
        if table:
            content = continuation_word(table, text, body.get("seed")) + CONTINUATION_REST
            if body.get("max_tokens"):
                content = "".join(_TOKEN.findall(content)[: int(body["max_tokens"])])
        if rule is not None:
            if rule.fault == "quota":  # OpenAI's answer when the account has no credit
                return self._error(
                    429,
                    "You exceeded your current quota, please check your plan and billing details.",
                    "insufficient_quota",
                    "insufficient_quota",
                    {},
                )
            if rule.fault in ("429", "500"):
                headers = (
                    {} if rule.retry_after is None else {"Retry-After": f"{rule.retry_after:g}"}
                )
                if rule.fault == "429":
                    return self._error(
                        429,
                        "Rate limit reached for requests",
                        "rate_limit_exceeded",
                        "requests",
                        headers,
                    )
                return self._error(
                    500,
                    "The server had an error while processing your request.",
                    None,
                    "server_error",
                    headers,
                )
            if rule.fault == "drop":
                return None
            if rule.fault == "slow":
                self._wait(rule.seconds)
            elif rule.fault == "prose":
                content = PROSE
            elif rule.fault == "wrong_case":
                content = json.dumps({"label": label.upper(), "score": STATED_SCORE})
            elif rule.fault == "unknown_label":
                content = json.dumps({"label": "ecstatic", "score": STATED_SCORE})
            elif rule.fault == "truncated":
                content = '{"label": "' + label[:5]
            elif rule.fault == "content":
                content = rule.content
        return 200, self._completion(body, text, label, content, table), {}

    def _continuation_table(self, text: str) -> dict[str, float] | None:
        if self.continuation is None:
            return None
        return self.continuation(text) if callable(self.continuation) else self.continuation

    def _completion(
        self, body: dict, text: str, label: str, content: str, table: dict[str, float] | None = None
    ) -> dict:
        choice = {
            "index": 0,
            "finish_reason": "stop",
            "logprobs": None,
            "message": {"role": "assistant", "content": content, "refusal": None},
        }
        if body.get("logprobs") and self.returns_logprobs:
            p = label_probability(text)
            tokens = []
            for i, piece in enumerate(_TOKEN.findall(content)):
                logprob = math.log(p) if piece.lower() == label else -0.0001
                top = []
                if table and i == 0:  # the drawn first word and its alternatives
                    logprob = math.log(table[piece]) if piece in table else logprob
                    ranked = sorted(table.items(), key=lambda kv: -kv[1])
                    top = [
                        {"token": w, "logprob": math.log(q), "bytes": list(w.encode("utf-8"))}
                        for w, q in ranked[: int(body.get("top_logprobs") or 0)]
                    ]
                tokens.append(
                    {
                        "token": piece,
                        "logprob": logprob,
                        "bytes": list(piece.encode("utf-8")),
                        "top_logprobs": top,
                    }
                )
            choice["logprobs"] = {"content": tokens, "refusal": None}
        prompt_tokens = (
            sum(
                len(str(m.get("content", "")))
                for m in body.get("messages") or []
                if isinstance(m, dict)
            )
            // 4
            + 1
        )
        completion_tokens = len(content) // 4 + 1
        return {
            "id": f"chatcmpl-fake-{_hash(text + content).hex()[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "system_fingerprint": "fp_fake",
            "choices": [choice],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="A fake OpenAI-compatible server (tests, benchmarks).")
    ap.add_argument("--port", type=int, default=0, help="0: a free port (default)")
    ap.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    ap.add_argument(
        "--jitter",
        type=float,
        default=0.0,
        help="latency spread evenly over latency +- jitter (by the text's hash)",
    )
    ap.add_argument("--api-key", help="accept only this key (401 otherwise)")
    ap.add_argument(
        "--no-structured",
        action="store_true",
        help="answer 400 to response_format (a server without structured output)",
    )
    ap.add_argument("--knee", type=int, help="latency rises beyond this many in flight")
    ap.add_argument("--refuse-above", type=int, help="429 above this many in flight")
    args = ap.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeOpenAI(
        latency=args.latency,
        jitter=args.jitter,
        api_key=args.api_key,
        port=args.port,
        accepts_structured=not args.no_structured,
        knee=args.knee,
        refuse_above=args.refuse_above,
    ) as fake:
        print(fake.url, flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What an OpenAI-compatible endpoint accepts, learned from its refusals and remembered.

Servers differ in what a chat request may carry. The structured-output (JSON schema,
guided decoding) forms, as each server documents them:

* ``json_schema``: ``response_format: {"type": "json_schema", "json_schema": {"name",
  "schema", "strict"}}``: OpenAI; vLLM (docs.vllm.ai, features/structured_outputs: "the
  OpenAI-compatible response_format"); SGLang (docs.sglang.ai, structured outputs:
  ``response_format={"type": "json_schema", "json_schema": {...}}``); llama.cpp's server
  and LM Studio too.
* ``json_object``: ``response_format: {"type": "json_object", "schema": {...}}``:
  llama.cpp's server (tools/server/README.md, "response_format ... Supports schema-
  constrained JSON ... {"type": "json_object", "schema": {...}}"); llama-cpp-python
  answers ``json_schema`` with HTTP 500. Ollama and vLLM take it as JSON mode.
* ``tgi_json``: ``response_format: {"type": "json_object", "value": {...}}``: Hugging
  Face TGI (docs: basic_tutorials/using_guidance; its router's ``GrammarType`` is
  ``{"type": "json" (alias "json_object"), "value": schema}``); it refuses the other
  forms (422 "response_format: missing field `value`").
* ``guided_json``: the schema as the extra body field ``guided_json``: vLLM before 0.12
  (docs.vllm.ai v0.6-v0.11, structured_outputs: "guided_json: the output will follow the
  JSON schema"; removed in 0.12 for ``structured_outputs``, by when ``json_schema`` works).

Which comes first depends on the server: OpenAI's own; vLLM and SGLang (known by the
``owned_by`` of their model list, :func:`server_of`) get ``json_schema``; any other
``json_object`` with the schema, then the others in turn as each is refused.

Hugging Face's ``transformers serve`` takes ``response_format`` and ``logprobs`` without a
word and ignores both (transformers/cli/serving/chat_completion.py,
``UNUSED_CHAT_COMPLETION_FIELDS``: "ignored, with a warning" in its log only): known by
its model list (the ``status`` it adds to each entry), it is sent the plain prompt, no
logprobs, so that what the record says was sent is what the model saw. A server that
ignores ``logprobs`` without being known is found from its first answer (no logprobs in
it: :func:`gave_logprobs`).

Some servers refuse ``logprobs``; OpenAI's reasoning
models refuse ``max_tokens`` (they want ``max_completion_tokens``) and any temperature
but their default. A refusal names what it refuses, so the request is changed and sent
again; what was learned is kept per endpoint and model in ``endpoints.json`` in the
config folder, so the next run (or a resumed one) sends no refused request at all.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, replace

from ..atomic import read_json_object, write_text
from ..paths import config_dir

OPENAI_HOST = "api.openai.com"
# The structured-output forms in the order they are tried (see the docstring). Elsewhere
# than OpenAI, vLLM and SGLang, the llama.cpp form comes first: llama.cpp takes only that
# one, and Ollama takes it too (as JSON mode), so the common local servers answer the
# first request.
LADDER_OPENAI = ("json_schema", "json_object", "text")
LADDER_OTHER = ("json_object", "json_schema", "tgi_json", "text")
LADDERS = {
    "vllm": ("json_schema", "guided_json", "json_object", "text"),
    "sglang": ("json_schema", "json_object", "text"),
    "transformers": ("text",),  # it ignores every structured form (see the docstring)
}
# Servers that ignore a request for logprobs and send none (see the docstring).
NO_LOGPROBS = frozenset({"transformers"})
# The ``owned_by`` a server's model list gives its models, as each server's source sets
# it: vLLM (vllm/entrypoints/openai/protocol.py ``ModelCard.owned_by = "vllm"``), SGLang
# (sglang/srt/entrypoints/openai/protocol.py ``owned_by = "sglang"``), llama.cpp's server
# (tools/server: ``{"owned_by", "llamacpp"}``).
# transformers serve names the owner of a model (its Hub organisation, "local" for a
# folder), not itself: it is known by the ``status`` (``{"value": "loaded"}``) it adds to
# each entry (transformers/cli/serving/model_manager.py, ``list_models``: "`status` is
# not an OpenAI field").
SERVERS = {
    "vllm": "vllm",
    "sglang": "sglang",
    "llamacpp": "llama.cpp",
    "transformers": "transformers serve",
}
_FORMAT_WORDS = (
    "response_format",
    "json_schema",
    "json_object",
    "schema",
    "structured",
    "grammar",
    "guided",
)
_lock = threading.Lock()


@dataclass(frozen=True)
class Dialect:
    """How to phrase a request to one endpoint and model."""

    format: str = "json_object"  # json_schema, json_object, tgi_json, guided_json or text
    tried: tuple[str, ...] = ()  # formats refused so far
    schema_in_json_object: bool = True  # llama.cpp's "schema" key (OpenAI refuses it)
    logprobs: bool = True
    max_tokens_param: str = "max_tokens"  # or max_completion_tokens (reasoning models)
    temperature: bool = True  # False: the model takes only its default temperature
    seed: bool = True
    confirmed: bool = False  # an answer came back phrased this way
    server: str = ""  # a key of SERVERS when the server said what it is

    @classmethod
    def first_for(cls, host: str, server: str = "") -> Dialect:
        if host == OPENAI_HOST:
            return cls(format=LADDER_OPENAI[0], schema_in_json_object=False)
        return cls(
            format=_ladder(host, server)[0], server=server, logprobs=server not in NO_LOGPROBS
        )

    def request(
        self,
        *,
        model: str,
        messages: list[dict],
        name: str,
        schema: dict | None,
        temperature: float,
        seed: int,
        max_tokens: int,
    ) -> dict:
        """The keyword arguments of ``chat.completions.create``."""
        kwargs: dict = {"model": model, "messages": messages, self.max_tokens_param: max_tokens}
        if self.temperature:
            kwargs["temperature"] = temperature
        if self.seed:
            kwargs["seed"] = seed
        if schema is None:  # free text (a prompt task): nothing to structure
            pass
        elif self.format == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": True},
            }
        elif self.format == "json_object":
            kwargs["response_format"] = (
                {"type": "json_object", "schema": schema}
                if self.schema_in_json_object
                else {"type": "json_object"}
            )
        elif self.format == "tgi_json":
            kwargs["response_format"] = {"type": "json_object", "value": schema}
        elif self.format == "guided_json":  # not an OpenAI field: the client's extra body
            kwargs["extra_body"] = {"guided_json": schema}
        if self.logprobs:
            kwargs["logprobs"] = True
        return kwargs

    def adjusted(self, host: str, message: str, param: str | None = None) -> Dialect | None:
        """The dialect that avoids what a refusal objects to; None if it objects to
        something else (the request itself, the key, the model).

        ``param`` is the error's ``param`` field where the server sends one (OpenAI does).
        Otherwise the feature named first in ``message`` is the one refused: servers that
        echo the whole request in their errors name every feature, but after the one
        they object to.
        """
        text = f"{param or ''} {message}".lower() if param else message.lower()
        changes = []  # (where the message names it, the dialect without it)

        def named(pattern: str, change) -> None:
            found = re.search(pattern, text)
            if found:
                changes.append((found.start(), change))

        if self.max_tokens_param == "max_tokens" and "max_completion_tokens" in text:
            named(
                r"max_(completion_)?tokens",
                lambda: replace(self, max_tokens_param="max_completion_tokens"),
            )
        if self.temperature:
            named(r"temperature", lambda: replace(self, temperature=False))
        if self.seed:
            named(r"\bseed\b", lambda: replace(self, seed=False))
        if self.logprobs:
            named(r"logprob", lambda: replace(self, logprobs=False))
        if self.format != "text":
            named("|".join(_FORMAT_WORDS), lambda: self._next_format(host))
        if not changes:
            return None
        return min(changes, key=lambda c: c[0])[1]()

    def _next_format(self, host: str) -> Dialect:
        tried = self.tried + (self.format,)
        ladder = _ladder(host, self.server)
        following = [f for f in ladder if f not in tried]
        return replace(self, format=following[0] if following else "text", tried=tried)

    def answered(self, reply) -> Dialect:
        """This dialect once ``reply`` came back to a request phrased in it: confirmed, and
        without logprobs when they were asked and the server sent none (it ignores them:
        asking again would not bring them, and the scores are the stated confidences)."""
        learned = self if self.confirmed else replace(self, confirmed=True)
        if self.logprobs and not gave_logprobs(reply):
            learned = replace(learned, logprobs=False)
        return learned

    def describe(self) -> str:
        """For the methods record and the log: what was sent."""
        parts = [
            {
                "json_schema": "structured output (JSON schema)",
                "json_object": "JSON mode"
                + (" with the schema" if self.schema_in_json_object else ""),
                "tgi_json": "structured output (TGI's JSON grammar)",
                "guided_json": "guided decoding (vLLM's guided_json)",
                "text": "plain prompt, answer parsed",
            }[self.format]
        ]
        if not self.logprobs:
            parts.append("no logprobs")
        if not self.temperature:
            parts.append("the model's default temperature")
        if not self.seed:
            parts.append("no seed")
        if self.max_tokens_param != "max_tokens":
            parts.append(self.max_tokens_param)
        return ", ".join(parts)


def _ladder(host: str, server: str) -> tuple[str, ...]:
    if host == OPENAI_HOST:
        return LADDER_OPENAI
    return LADDERS.get(server, LADDER_OTHER)


def server_of(entries) -> str:
    """The server (a key of :data:`SERVERS`) its model list says it is, from the
    ``owned_by`` of its entries, or transformers serve's ``status``; "" when none says."""
    for entry in entries:
        owner = str(getattr(entry, "owned_by", "") or "").lower()
        if owner in SERVERS:
            return owner
        status = getattr(entry, "status", None)
        if isinstance(status, dict) and "value" in status:
            return "transformers"
    return ""


def gave_logprobs(reply) -> bool:
    """Whether a chat completion carries the logprobs of its answer (an empty answer has
    none to give, so it counts as carrying them)."""
    choices = getattr(reply, "choices", None) or []
    if not choices or not (choices[0].message.content or ""):
        return True
    return bool(getattr(getattr(choices[0], "logprobs", None), "content", None))


def _file():
    return config_dir() / "endpoints.json"


def _key(host: str, model: str) -> str:
    return f"{host}|{model}"


def _read() -> dict:
    data = read_json_object(_file())
    # An older version named a host with the URL's user name and password
    # ("ana:pw@host|model"): the file is written again with the host alone.
    dirty = [k for k in data if "@" in k.partition("|")[0]]
    if dirty:
        for key in dirty:
            host, _, model = key.partition("|")
            data.setdefault(_key(host.rpartition("@")[2], model), data[key])
            del data[key]
        try:
            write_text(_file(), json.dumps(data, indent=1))
        except OSError:
            pass  # a read-only config folder: nothing else to do
    return data


def load(host: str, model: str) -> Dialect:
    """What was learned about ``model`` at ``host``, or the first guess for the host."""
    saved = _read().get(_key(host, model))
    if isinstance(saved, dict):
        try:
            saved = {**saved, "tried": tuple(saved.get("tried", ()))}
            return Dialect(**saved)
        except TypeError:  # written by another version: learn again
            pass
    return Dialect.first_for(host)


def save(host: str, model: str, dialect: Dialect) -> None:
    """Remember ``dialect`` (written whole to a temporary file, then renamed)."""
    with _lock:
        data = _read()
        data[_key(host, model)] = {**asdict(dialect), "tried": list(dialect.tried)}
        try:
            write_text(_file(), json.dumps(data, indent=1))
        except OSError:  # a read-only config folder: learn again next time, no harm
            pass

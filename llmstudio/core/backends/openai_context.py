"""How long a prompt an OpenAI-compatible model takes: the known context windows, the
fields in which servers list theirs, how a refusal for length says it, and tiktoken's
count of tokens."""

from __future__ import annotations

import re

# Context windows (prompt + answer, tokens) of known OpenAI models, longest prefix first
# wins; from OpenAI's model pages at the time of writing. A server that says its own
# (see :meth:`OpenAIBackend.context_window`) and the user's ``context_window`` come first.
CONTEXT_WINDOWS = {
    "gpt-3.5-turbo": 16_385,
    "gpt-4": 8_192,
    "gpt-4-32k": 32_768,
    "gpt-4-turbo": 128_000,
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o3": 200_000,
    "o3-mini": 200_000,
    "o4-mini": 200_000,
}
# A model whose window nobody says: small enough for the local servers' usual defaults
# (Ollama 4,096; a server that cuts a longer prompt does so where nobody sees it).
# Change it with the backend option ``context_window`` (CLI: --context-window).
DEFAULT_CONTEXT_WINDOW = 4_096
# Fields in which OpenAI-compatible servers list a model's context in GET /v1/models:
# vLLM max_model_len, OpenRouter/LM Studio context_length or max_context_length,
# llama.cpp n_ctx (or n_ctx_train under "meta").
CONTEXT_FIELDS = (
    "max_model_len",
    "context_length",
    "max_context_length",
    "context_window",
    "n_ctx",
    "n_ctx_train",
)
# How servers say a request was longer than the model's context, with its size: OpenAI's
# and vLLM's "maximum context length is N tokens" (llama-cpp-python's too: its model list
# does not say it), llama.cpp's "exceeds the available context size (N tokens)",
# transformers serve's "The prompt has P tokens, but the model takes at most N, prompt and
# answer" (its model list does not say it either). The size: the first group matched.
CONTEXT_REFUSAL = re.compile(
    r"(?:maximum context length|context size|context window)"
    r"\D{0,30}?(\d[\d,]*)\s*tokens"
    r"|the model takes at most\s*(\d[\d,]*)",
    re.IGNORECASE,
)
# What such a refusal may add about the request (OpenAI, vLLM, llama-cpp-python,
# transformers serve): the tokens of its messages, by the model's own tokenizer.
MESSAGE_TOKENS = re.compile(
    r"messages resulted in\s*(\d[\d,]*)|(\d[\d,]*)\s*(?:tokens\s*)?"
    r"in the messages|the prompt has\s*(\d[\d,]*)\s*tokens",
    re.IGNORECASE,
)


def first_number(found: re.Match) -> int:
    """The number a match of :data:`CONTEXT_REFUSAL` or :data:`MESSAGE_TOKENS` found."""
    return int(next(g for g in found.groups() if g).replace(",", ""))


# Tokens a chat message costs besides its content (role and separators).
MESSAGE_OVERHEAD_TOKENS = 4


def tiktoken_encoding(model: str):
    """tiktoken's encoding for an OpenAI model (None without tiktoken)."""
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        return tiktoken.get_encoding("o200k_base")


def listed_context(entries, model: str) -> int | None:
    """The context a server's model list (``GET /models`` entries) gives ``model``, under
    any of :data:`CONTEXT_FIELDS` (at the top or in ``meta``); None when it gives none."""
    for entry in entries:
        if getattr(entry, "id", None) != model:
            continue
        fields = dict(entry.model_extra or {})
        fields.update(
            {f"meta.{k}": v for k, v in (fields.get("meta") or {}).items()}
            if isinstance(fields.get("meta"), dict)
            else {}
        )
        for name in CONTEXT_FIELDS:
            for key in (name, f"meta.{name}"):
                value = fields.get(key)
                if isinstance(value, (int, float)) and value > 0:
                    return int(value)
    return None

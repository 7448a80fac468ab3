"""The files of the OpenAI Batch API: the JSONL of requests llmstudio uploads, cut to the
API's limits, and the output and error files it reads back.

The format is OpenAI's (https://platform.openai.com/docs/guides/batch): one request a line,
``{"custom_id", "method", "url", "body"}``; each result line carries the ``custom_id``
with either ``response`` (``status_code``, ``body``) or ``error`` (``code``,
``message``). Servers that copy the API (vLLM's ``run_batch``, LiteLLM, ...) use the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .errors import RunError

# OpenAI's limits of one batch's input file, from https://platform.openai.com/docs/guides/batch
# ("A single batch may include up to 50,000 requests, and a batch input file can be up to
# 200 MB in size").
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
ENDPOINT = "/v1/chat/completions"
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # made once: a million lines
# A batch's states as the API names them; results can be read in the last four.
FINISHED_STATES = ("completed", "expired", "cancelled", "failed")


def custom_id(row: int, piece: int = 0, pieces: int = 1) -> str:
    """The request's id in the batch: its row, and which piece of a long text it is."""
    return f"row-{row}" if pieces == 1 else f"row-{row}-piece-{piece + 1}-of-{pieces}"


def parse_custom_id(value: str) -> tuple[int, int, int]:
    """(row, piece, pieces) of a :func:`custom_id`; ValueError for any other id."""
    parts = value.split("-")
    if len(parts) == 2 and parts[0] == "row":
        return int(parts[1]), 0, 1
    if len(parts) == 6 and parts[0] == "row" and parts[2] == "piece" and parts[4] == "of":
        return int(parts[1]), int(parts[3]) - 1, int(parts[5])
    raise ValueError(f"not a request id llmstudio writes: {value!r}")


def request_line(cid: str, body: dict) -> bytes:
    """One line of the input file: the request ``body`` (as ``chat.completions.create``
    takes it) under its ``custom_id``."""
    line = {"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": body}
    return _ENCODE(line).encode("utf-8") + b"\n"


def split_groups(
    groups: Iterable[list[bytes]],
    max_requests: int = MAX_REQUESTS,
    max_bytes: int = MAX_BYTES,
) -> Iterator[list[bytes]]:
    """The lines of ``groups`` cut into files within the limits; a group (a long text's
    pieces) is never cut, so its answers come back together. RunError for a group that
    alone is over a limit."""
    lines: list[bytes] = []
    size = 0
    for group in groups:
        group_size = sum(map(len, group))
        if len(group) > max_requests or group_size > max_bytes:
            raise RunError(
                f"one text needs {len(group)} requests of {group_size:,} bytes, more than a "
                f"batch file takes ({max_requests:,} requests, {max_bytes:,} bytes); send "
                "it as an ordinary run"
            )
        if lines and (len(lines) + len(group) > max_requests or size + group_size > max_bytes):
            yield lines
            lines, size = [], 0
        lines.extend(group)
        size += group_size
    if lines:
        yield lines


@dataclass(frozen=True)
class Result:
    """One line of an output or error file: the answer's body (a chat completion), or
    why the request got none."""

    custom_id: str
    body: dict | None
    error: str = ""


def parse_results(lines: Iterable[bytes | str]) -> Iterator[Result]:
    """The results in an output or error file's lines (blank lines skipped); RunError
    naming the line for one that is not a result."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            cid = str(item["custom_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RunError(
                f"line {number} of the batch's results is not a result ({exc}): {str(line)[:120]!r}"
            ) from None
        response = item.get("response") or {}
        error = item.get("error")
        status = response.get("status_code")
        if error:
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else str(error)
            yield Result(cid, None, f"{code}: {message}" if code else str(message))
        elif status != 200:
            body = response.get("body") or {}
            reason = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
            yield Result(cid, None, f"HTTP {status}: {reason or body}")
        else:
            yield Result(cid, response.get("body"))

"""Pulling a model into the Ollama running on this computer, with progress and Cancel.

Ollama's ``POST /api/pull`` streams one JSON object a line: ``{"status": "pulling
manifest"}``, then per layer ``{"status": "pulling <digest>", "digest", "total",
"completed"}``, then ``{"status": "success"}``; a failure is a line ``{"error": ...}``.
The bytes of every layer seen so far are summed into one report per line (a fraction,
the bytes, the speed and the time left). Cancel closes the connection: Ollama stops the
pull and keeps what it has, and the next pull of the same model goes on from there.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import PullError
from .local_servers import root_url
from .progress import Monitor
from .secrets import endpoint_id

CONNECT_TIMEOUT_S = 5.0
# Ollama sends a line at least every few seconds while it downloads or verifies; a much
# longer silence is a server that hangs.
LINE_TIMEOUT_S = 300.0
_WATCH_S = 0.1  # how often Cancel is looked for while a line is awaited


@dataclass(frozen=True)
class PullProgress:
    """Where a pull stands: what a progress row shows beside its bar."""

    status: str  # Ollama's last status line ("pulling 6a0746a1ec1a", "verifying ...")
    done_bytes: int
    total_bytes: int  # of the layers announced so far (0 before the first)
    bytes_per_s: float  # since this pull started (what a resumed pull fetches counts)
    left_s: float | None  # None while unknown

    def describe(self) -> str:
        """``1.2 GB of 2.0 GB, 35 MB/s``, or the status before any bytes are known."""
        if not self.total_bytes:
            return self.status
        return f"{_size(self.done_bytes)} of {_size(self.total_bytes)}, {_size(self.bytes_per_s)}/s"


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _reason(tag: str, error: str) -> str:
    """Ollama's error, said in llmstudio's words."""
    lowered = error.lower()
    if "file does not exist" in lowered or "not found" in lowered:
        return (
            f"Ollama has no model {tag!r}: check the name and tag at ollama.com/library "
            f"(Ollama said: {error})"
        )
    if any(w in lowered for w in ("no space left", "disk full", "not enough space")):
        return (
            f"not enough disk space for {tag!r} where Ollama keeps its models: free some "
            f"space and pull again; what was downloaded is kept (Ollama said: {error})"
        )
    return f"Ollama could not pull {tag!r}: {error}"


def pull(
    base_url: str, tag: str, monitor: Monitor | None = None, expected_bytes: int = 0
) -> PullProgress:
    """Pull ``tag`` into the Ollama at ``base_url`` (its root or its ``/v1`` API),
    reporting after each line ``monitor.report(fraction, 1.0, message=..., eta_s=...,
    pull=PullProgress)``. Returns the last progress; raises :class:`PullError` (no Ollama
    there, no such model, no disk space, a broken stream) or :class:`Cancelled`.

    ``expected_bytes``: the model's size as the catalogue gives it. Ollama announces a
    layer only when it starts on it, so the sum of the layers seen so far would reach
    100 % at the end of the first; the catalogue's size is the total until the layers
    add up to more."""
    monitor = Monitor.of(monitor)
    root = urlsplit(root_url(base_url))
    where = endpoint_id(base_url)
    conn = http.client.HTTPConnection(root.hostname or "", root.port, timeout=CONNECT_TIMEOUT_S)
    body = json.dumps({"model": tag, "stream": True})
    try:
        conn.request("POST", "/api/pull", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
    except OSError as exc:
        conn.close()
        raise PullError(
            f"no Ollama answers at {where} ({exc.strerror or exc}): start Ollama and try again"
        ) from None
    if response.status != 200:  # refused before streaming: the body says why
        try:
            said = json.loads(response.read(100_000)).get("error")
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            said = None
        conn.close()
        raise PullError(_reason(tag, str(said or f"HTTP {response.status} {response.reason}")))
    ended = threading.Event()

    def watch() -> None:  # Cancel while a line is awaited: cut the connection
        while not ended.wait(_WATCH_S):
            if monitor.cancelled():
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except (OSError, AttributeError):
                    pass
                return

    watcher = threading.Thread(target=watch, name="ollama-pull-cancel", daemon=True)
    watcher.start()
    try:
        conn.sock.settimeout(LINE_TIMEOUT_S)
        return _follow(response, tag, where, monitor, expected_bytes)
    finally:
        ended.set()
        watcher.join()
        conn.close()


def _follow(response, tag: str, where: str, monitor: Monitor, expected: int) -> PullProgress:
    totals: dict[str, int] = {}
    done: dict[str, int] = {}
    started = time.monotonic()
    first_done: int | None = None  # bytes already there when this pull began
    last = PullProgress("starting", 0, 0, 0.0, None)
    shown = 0.0
    while True:
        try:
            line = response.readline()
        except (OSError, http.client.HTTPException) as exc:
            monitor.check()
            raise PullError(f"the pull of {tag!r} from {where} broke off ({exc})") from None
        monitor.check()
        if not line:
            raise PullError(
                f"Ollama at {where} ended the pull of {tag!r} before it finished; "
                "pull again to go on where it stopped"
            )
        try:
            item = json.loads(line)
        except ValueError:
            continue  # not a status line: nothing to learn from it
        if not isinstance(item, dict):
            continue
        if item.get("error"):
            raise PullError(_reason(tag, str(item["error"])))
        status = str(item.get("status") or "")
        digest = item.get("digest")
        if digest and isinstance(item.get("total"), int):
            totals[digest] = item["total"]
            done[digest] = int(item.get("completed") or 0)
        got, total = sum(done.values()), max(sum(totals.values()), expected)
        if first_done is None and total:
            first_done = got
        elapsed = time.monotonic() - started
        speed = (got - (first_done or 0)) / elapsed if elapsed > 0 else 0.0
        left = (total - got) / speed if speed > 0 and total else None
        last = PullProgress(status, got, total, speed, left)
        if status == "success":
            last = PullProgress(status, total, total, speed, 0.0)
            monitor.report(1.0, 1.0, message=f"{tag}: pulled", pull=last)
            return last
        # Never backwards: a layer announced late may still outgrow the expected size.
        fraction = shown = max(shown, got / total if total else 0.0)
        monitor.report(fraction, 1.0, message=f"{tag}: {last.describe()}", eta_s=left, pull=last)

"""A fake Ollama on 127.0.0.1, for tests: Ollama's own API beside its OpenAI-compatible one.

It is the fake OpenAI server (:class:`~tests.fakes.openai_server.FakeOpenAI`: ``/v1/models``,
``/v1/chat/completions``, faults, recorded requests) with Ollama's endpoints added:

- ``GET /api/tags``: the models it has (``{"models": [{"name": ..., "size": ...}]}``);
- ``POST /api/pull`` (``{"model": TAG, "stream": true}``): for a tag in ``library``
  (tag -> layer sizes in bytes), JSON lines as Ollama streams them (``pulling manifest``,
  ``pulling <digest>`` with ``total``/``completed`` in ``chunk`` steps, ``verifying sha256
  digest``, ``writing manifest``, ``success``), ``delay`` seconds between lines; the
  model is then listed. A tag not in ``library`` gets Ollama's line ``{"error": "pull
  model manifest: file does not exist"}``; ``fail_after`` (bytes) makes a pull stop there
  with ``{"error": "write ...: no space left on device"}``; ``break_after`` (bytes) cuts
  the connection there without a word; a name with a space gets Ollama's 400 ``invalid
  model name`` before any line. A pull whose client hangs up
  stops; what it had is kept (``pulled_bytes``), and the next pull goes on from there,
  as Ollama's does.
"""

from __future__ import annotations

import hashlib
import json

from .openai_server import FakeOpenAI

NOT_FOUND = "pull model manifest: file does not exist"
NO_SPACE = "write /root/.ollama/models/blobs/sha256-partial: no space left on device"


class FakeOllama(FakeOpenAI):
    def __init__(
        self,
        *,
        installed: tuple[str, ...] = (),
        library: dict[str, tuple[int, ...]] | None = None,
        chunk: int = 1_000_000,
        delay: float = 0.0,
        fail_after: int | None = None,
        break_after: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.installed = list(installed)
        self.library = dict(library or {})
        self.chunk = chunk
        self.delay = delay
        self.fail_after = fail_after
        self.break_after = break_after
        self.pulled_bytes: dict[str, int] = {}  # digest -> bytes kept
        self.pulls: list[str] = []  # tags asked for, in order
        self.lines_sent = 0

    @property
    def root(self) -> str:
        """Ollama's own address (``http://127.0.0.1:PORT``)."""
        return f"http://127.0.0.1:{self.port}"

    def _handle(self, h, method: str) -> None:
        path = h.path.partition("?")[0].rstrip("/")
        if method == "GET" and path == "/api/tags":
            return self._send_json(h, 200, {"models": [self._tag(n) for n in self.installed]})
        if method == "POST" and path == "/api/pull":
            return self._pull(h)
        if method == "GET" and path == "/v1/models" and self.models is None:
            # Ollama lists the models it has; the parent's list needs ``models`` set.
            data = [{"id": n, "object": "model", "owned_by": "library"} for n in self.installed]
            return self._send_json(h, 200, {"object": "list", "data": data})
        return super()._handle(h, method)

    @staticmethod
    def _tag(name: str) -> dict:
        return {"name": name, "model": name, "size": 1, "digest": _digest(name)}

    @staticmethod
    def _send_json(h, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode("utf-8")
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _pull(self, h) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = json.loads(h.rfile.read(length) or b"{}")
        tag = str(body.get("model") or body.get("name") or "")
        with self._lock:
            self.pulls.append(tag)
        if not tag or " " in tag:  # Ollama refuses such a name before it streams
            return self._send_json(h, 400, {"error": "invalid model name"})
        h.send_response(200)
        h.send_header("Content-Type", "application/x-ndjson")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.close_connection = True
        try:
            if self._stream(h, tag):
                h.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client hung up (Cancel): keep what was pulled
            pass

    def _line(self, h, item: dict) -> None:
        data = json.dumps(item).encode("utf-8") + b"\n"
        h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        h.wfile.flush()
        with self._lock:
            self.lines_sent += 1
        self._wait(self.delay)

    def _stream(self, h, tag: str) -> bool:
        """The pull's lines; False when the connection is to be cut without its end."""
        self._line(h, {"status": "pulling manifest"})
        if tag not in self.library:
            self._line(h, {"error": NOT_FOUND})
            return True
        sent = 0
        for i, size in enumerate(self.library[tag]):
            digest = _digest(f"{tag}/{i}")
            done = self.pulled_bytes.get(digest, 0)
            status = f"pulling {digest[7:19]}"
            self._line(h, {"status": status, "digest": digest, "total": size, "completed": done})
            while done < size:
                if self.fail_after is not None and sent >= self.fail_after:
                    self._line(h, {"error": NO_SPACE})
                    return True
                if self.break_after is not None and sent >= self.break_after:
                    return False  # the server went away mid-pull
                step = min(self.chunk, size - done)
                done += step
                sent += step
                with self._lock:
                    self.pulled_bytes[digest] = done
                self._line(
                    h, {"status": status, "digest": digest, "total": size, "completed": done}
                )
        for status in ("verifying sha256 digest", "writing manifest"):
            self._line(h, {"status": status})
        with self._lock:  # listed before "success": a client may ask for the list at once
            if tag not in self.installed:
                self.installed.append(tag)
        self._line(h, {"status": "success"})
        return True


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

"""A fake OpenAI Batch API on 127.0.0.1: the fake OpenAI-compatible server
(:mod:`openai_server`) plus ``/v1/files`` and ``/v1/batches``, as OpenAI documents them
(https://platform.openai.com/docs/api-reference/batch).

``POST /v1/files`` takes the multipart upload the ``openai`` client sends (purpose
``batch``), ``GET /v1/files/{id}/content`` returns a file, ``POST /v1/batches`` creates a
batch over an uploaded file (checked as OpenAI checks it: JSON lines, unique
``custom_id``, ``url`` the batch's endpoint, at most ``max_requests`` lines: otherwise the
batch goes to ``failed`` with the reason in ``errors``), ``GET /v1/batches/{id}``
retrieves it and ``POST /v1/batches/{id}/cancel`` cancels it. ``GET /v1/batches`` lists
them newest first, a page of ``limit`` (default 20) after the id ``after``, with
``has_more``; ``GET /v1/files`` lists the files (``purpose`` filters them) and
``DELETE /v1/files/{id}`` deletes one.

:meth:`FakeBatchAPI.hold` makes a moment of a client's sending reachable in a test: the
n-th upload or create is done at the server (the file stored, the batch made), then its
answer waits until :meth:`let_go`, so a test can kill the client right there.

A batch moves one state each time it is retrieved (``validating`` -> ``in_progress`` ->
``finalizing`` -> its ``outcome``), or at once with :meth:`FakeBatchAPI.finish`. When it
ends, every request is answered as the chat endpoint answers it (the same rules: a
``500`` rule for a text puts that request in the error file) and written to the output
and error files. ``outcome="expired"`` (or a cancel) answers only the first
``done_fraction`` of the requests; the rest get OpenAI's ``batch_expired`` (or
``batch_cancelled``) error lines. ``outcome="failed"`` answers nothing.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections import Counter

try:
    from .openai_server import FakeOpenAI, Request, _text_of
except ImportError:  # run as a script
    from openai_server import FakeOpenAI, Request, _text_of

ORDER = ("validating", "in_progress", "finalizing")
ENDS = ("completed", "expired", "failed", "cancelled")


class FakeBatchAPI(FakeOpenAI):
    """The fake server with the Batch API; ``outcome`` is how each batch ends."""

    THREAD_NAME = "fake-batch-api"

    def __init__(
        self,
        *,
        outcome: str = "completed",
        done_fraction: float = 0.5,
        max_requests: int = 50_000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if outcome not in ("completed", "expired", "failed"):
            raise ValueError(f"unknown outcome {outcome!r}")
        self.outcome = outcome
        self.done_fraction = done_fraction
        self.max_requests = max_requests
        self.files: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.batched: Counter = Counter()  # texts answered through batches
        self._ids = itertools.count(1)
        self.list_pages = 0  # pages of the batch list served
        self._held: tuple[str, int] | None = None  # ("upload"|"create", n-th) to hold
        self._step_counts: Counter = Counter()  # uploads and creates answered or held
        self.holding = threading.Event()  # set once the held call is done at the server
        self._release = threading.Event()

    # -- scripting ----------------------------------------------------------------------

    def finish(self, batch_id: str | None = None) -> None:
        """End ``batch_id`` (default every batch) now, with its ``outcome``."""
        with self._lock:
            chosen = [batch_id] if batch_id else list(self.batches)
        for bid in chosen:
            if self.batches[bid]["status"] not in ENDS:
                self._end(bid, self.outcome)

    def hold(self, step: str, nth: int = 1) -> None:
        """Do the ``nth`` call of ``step`` ("upload" or "create") at the server, then hold
        its answer (:attr:`holding` is set) until :meth:`let_go`."""
        if step not in ("upload", "create"):
            raise ValueError(f"unknown step {step!r}")
        self._held = (step, nth)

    def let_go(self) -> None:
        """Send the held answer (to a client that may be gone)."""
        self._release.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving (a held answer is let go first)."""
        self._release.set()
        super().stop(timeout)

    def _maybe_hold(self, step: str) -> None:
        with self._lock:
            self._step_counts[step] += 1
            held = self._held == (step, self._step_counts[step])
        if held:
            self.holding.set()
            self._release.wait(timeout=60)

    @property
    def uploads(self) -> list[bytes]:
        """The content of every uploaded file, in order."""
        with self._lock:
            return [f["content"] for f in self.files.values() if f["purpose"] == "batch"]

    # -- serving ------------------------------------------------------------------------

    def _handle(self, h, method: str) -> None:
        path = h.path.partition("?")[0].rstrip("/")
        if "/files" not in path and "/batches" not in path:
            return super()._handle(h, method)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        with self._lock:
            self._requests.append(
                Request(method, path, {k.lower(): v for k, v in h.headers.items()}, None, None, 0)
            )
        if self.api_key is not None and h.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._send(h, *self._error(401, "Incorrect API key provided.")[:2])
        parts = path.split("/")
        try:
            if method == "POST" and parts[-1] == "files":
                uploaded = self._upload(h.headers.get("Content-Type", ""), raw)
                self._maybe_hold("upload")
                return self._send(h, 200, uploaded)
            if method == "GET" and parts[-1] == "files":
                return self._send(h, 200, self._list_files(_query(h.path)))
            if method == "DELETE" and parts[-2] == "files":
                with self._lock:
                    del self.files[parts[-1]]
                return self._send(h, 200, {"id": parts[-1], "object": "file", "deleted": True})
            if method == "GET" and parts[-1] == "content" and parts[-3] == "files":
                content = self.files[parts[-2]]["content"]
                return self._send(h, 200, content, "application/octet-stream")
            if method == "POST" and parts[-1] == "batches":
                created = self._create(json.loads(raw))
                self._maybe_hold("create")
                return self._send(h, 200, created)
            if method == "GET" and parts[-1] == "batches":
                return self._send(h, 200, self._list_batches(_query(h.path)))
            if method == "GET" and parts[-2] == "batches":
                return self._send(h, 200, self._retrieve(parts[-1]))
            if method == "POST" and parts[-1] == "cancel":
                return self._send(h, 200, self._cancel(parts[-2]))
        except KeyError as exc:
            return self._send(h, *self._error(404, f"No such object: {exc}")[:2])
        return self._send(h, *self._error(404, f"no route {method} {path}")[:2])

    @staticmethod
    def _send(h, status: int, payload, kind: str = "application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", kind)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            h.close_connection = True

    def _upload(self, content_type: str, raw: bytes) -> dict:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields, name = {}, "upload.jsonl"
        for part in message.iter_parts():
            key = part.get_param("name", header="content-disposition")
            fields[key] = part.get_payload(decode=True)
            if key == "file":
                name = part.get_filename() or name
        file_id = f"file-{next(self._ids)}"
        entry = {"content": fields["file"], "purpose": fields["purpose"].decode(), "name": name}
        with self._lock:
            self.files[file_id] = entry
        return self._file_object(file_id)

    def _file_object(self, file_id: str) -> dict:
        entry = self.files[file_id]
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(entry["content"]),
            "created_at": int(time.time()),
            "filename": entry["name"],
            "purpose": entry["purpose"],
            "status": "processed",
        }

    def _create(self, body: dict) -> dict:
        batch_id = f"batch_{next(self._ids)}"
        content = self.files[body["input_file_id"]]["content"]
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": int(time.time()),
            "metadata": body.get("metadata"),
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
        }
        with self._lock:
            self.batches[batch_id] = batch
        problem = self._invalid(content, body["endpoint"])
        if problem:
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": [{"code": "invalid", "message": problem}]}
        else:
            batch["request_counts"]["total"] = content.count(b"\n")
        return dict(batch)

    def _list_batches(self, query: dict[str, str]) -> dict:
        """A page of the batches, newest first, as OpenAI's cursor pages them."""
        with self._lock:
            newest_first = [dict(b) for b in reversed(self.batches.values())]
        ids = [b["id"] for b in newest_first]
        start = ids.index(query["after"]) + 1 if "after" in query else 0
        limit = int(query.get("limit", 20))
        page = newest_first[start : start + limit]
        self.list_pages += 1
        return {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": start + limit < len(newest_first),
        }

    def _list_files(self, query: dict[str, str]) -> dict:
        with self._lock:
            ids = [
                i
                for i, f in self.files.items()
                if "purpose" not in query or f["purpose"] == query["purpose"]
            ]
            data = [self._file_object(i) for i in ids]
        return {"object": "list", "data": data, "has_more": False}

    def _invalid(self, content: bytes, endpoint: str) -> str:
        lines = [json.loads(line) for line in content.splitlines() if line.strip()]
        if len(lines) > self.max_requests:
            return f"the file has {len(lines)} requests, more than {self.max_requests}"
        ids = [line["custom_id"] for line in lines]
        if len(set(ids)) != len(ids):
            return "custom_id values must be unique"
        if any(line.get("url") != endpoint for line in lines):
            return "every request's url must be the batch's endpoint"
        return ""

    def _retrieve(self, batch_id: str) -> dict:
        batch = self.batches[batch_id]
        status = batch["status"]
        if status == "cancelling":
            self._end(batch_id, "cancelled")
        elif status in ORDER:
            following = ORDER.index(status) + 1
            if following < len(ORDER):
                batch["status"] = ORDER[following]
            else:
                self._end(batch_id, self.outcome)
        return dict(batch)

    def _cancel(self, batch_id: str) -> dict:
        batch = self.batches[batch_id]
        if batch["status"] not in ENDS:
            batch["status"] = "cancelling"
        return dict(batch)

    def _end(self, batch_id: str, outcome: str) -> None:
        """Answer the batch's requests (all, the first part, or none) and end it."""
        batch = self.batches[batch_id]
        lines = [
            json.loads(line)
            for line in self.files[batch["input_file_id"]]["content"].splitlines()
            if line.strip()
        ]
        if outcome == "failed" and not batch["errors"]:
            batch["errors"] = {
                "object": "list",
                "data": [{"code": "server_error", "message": "the batch could not be run"}],
            }
        answered = {
            "completed": len(lines),
            "failed": 0,
            "expired": int(len(lines) * self.done_fraction),
            "cancelled": int(len(lines) * self.done_fraction),
        }[outcome]
        out, errors = [], []
        for i, line in enumerate(lines):
            if outcome == "failed":
                break
            if i >= answered:
                code = f"batch_{outcome}"
                errors.append(
                    {
                        "id": f"batch_req_{i}",
                        "custom_id": line["custom_id"],
                        "response": None,
                        "error": {"code": code, "message": f"the batch was {outcome} first"},
                    }
                )
                continue
            text = _text_of(line["body"])
            request = Request("POST", "/v1/chat/completions", {}, line["body"], text, 0)
            reply = self._reply(request, True)
            with self._lock:
                self.batched[text] += 1
            status, payload = (reply[0], reply[1]) if reply else (500, {"error": {}})
            entry = {
                "id": f"batch_req_{i}",
                "custom_id": line["custom_id"],
                "response": {"status_code": status, "request_id": f"req_{i}", "body": payload},
                "error": None,
            }
            (out if status == 200 else errors).append(entry)
        for name, entries in (("output_file_id", out), ("error_file_id", errors)):
            if entries:
                file_id = f"file-{next(self._ids)}"
                content = "".join(json.dumps(e) + "\n" for e in entries).encode()
                self.files[file_id] = {"content": content, "purpose": "batch_output", "name": name}
                batch[name] = file_id
        batch["status"] = outcome
        batch["request_counts"] = {
            "total": len(lines),
            "completed": len(out),
            "failed": len(lines) - len(out),
        }


def _query(path: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(path.partition("?")[2]))

"""A fake Hugging Face hub on 127.0.0.1, for tests and benchmarks.

Real HTTP over real sockets (``http.server``, HTTP/1.1 keep-alive, a thread per
connection), so the real ``huggingface_hub`` client (its ``repo_info``, ``list_repo_tree``,
``snapshot_download``, its HEAD-then-GET of each file, its retries and its Range resume) is
what gets exercised. It serves model folders (``repos``: hub id -> folder), with the parts
of the hub's protocol huggingface_hub 2.x uses:

- ``GET /api/models/{id}`` and ``/api/models/{id}/revision/{rev}``: ``id``, ``sha`` (the
  commit) and ``siblings``;
- ``GET /api/models/{id}/tree/{rev}`` (``?recursive=``): the files, with ``size``,
  ``oid`` (the git blob sha1) and, for weights (``.bin``, ``.safetensors``: stored with
  LFS on the hub), ``lfs`` with their sha256;
- ``HEAD`` and ``GET /{id}/resolve/{rev}/{file}``: ``ETag`` (an LFS file's sha256, any
  other file's git blob sha1, as the hub sends them),
  ``X-Repo-Commit``, ``Content-Length``, ``Accept-Ranges``; a ``Range: bytes=N-`` request
  gets ``206`` with ``Content-Range``.

``rev`` is ``main`` or the commit (a 40-hex sha1 of the files); anything else gets 404
``RevisionNotFound``. Unknown ids get 404 ``RepoNotFound``, as the hub answers.
:meth:`FakeHub.change` replaces a file's content (a new commit, a new ETag), as a push
to the hub does; ``ignore_range`` makes it answer a Range request with the whole file
(``200``), as some proxies and CDNs do.

Faults, per file or repo (:meth:`FakeHub.fail`): ``cut`` (send the headers and half the
file, then close the connection), ``401`` (a gated repo: ``X-Error-Code: GatedRepo``),
``404`` (``RepoNotFound``), ``500``. ``rate`` (bytes per second per connection) slows file
bodies down, for Cancel and for watching progress. ``bytes_sent`` counts file-body bytes
served (``bodies``: per request); ``requests`` records (method, path, Range header,
status).

Standalone, for manual checks (prints the endpoint; set ``HF_ENDPOINT`` to it)::

    python tests/fakes/hub_server.py org/name=/path/to/model/folder --rate 2000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

try:
    from .served import ServedFake
except ImportError:  # run as a script: benchmarks start it in a process of its own
    from served import ServedFake

FAULTS = ("cut", "401", "404", "500")
CHUNK = 64 * 1024


@dataclass
class Fault:
    kind: str  # one of FAULTS
    repo: str | None  # None: any repo
    file: str | None  # None: any request of the repo (API calls too)
    times: int | None  # None: always
    used: int = 0


@dataclass(frozen=True)
class ServedFile:
    path: str
    data: bytes
    sha256: str
    git_sha1: str  # the git blob id, which names a file stored in git

    @property
    def lfs(self) -> bool:
        """Stored with LFS on the hub (its weights)."""
        return self.path.endswith((".bin", ".safetensors"))

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.git_sha1


class Repo:
    """A model folder as the hub would serve it: its files and one commit."""

    def __init__(self, hub_id: str, folder: Path):
        self.id = hub_id
        self.files: dict[str, ServedFile] = {}
        for f in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            self.put(f.relative_to(folder).as_posix(), f.read_bytes())

    def put(self, path: str, data: bytes) -> None:
        """Add or replace a file: a new commit."""
        git_sha1 = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        self.files[path] = ServedFile(path, data, hashlib.sha256(data).hexdigest(), git_sha1)
        listing = "\n".join(f"{p} {f.sha256}" for p, f in sorted(self.files.items()))
        self.commit = hashlib.sha1(f"{self.id}\n{listing}".encode()).hexdigest()

    @property
    def size(self) -> int:
        return sum(len(f.data) for f in self.files.values())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeHub

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # clients hang up: expected
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
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

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "HEAD")


_API = re.compile(r"^/api/models/(?P<id>[^/]+/[^/]+)(?:/(?P<what>revision|tree)/(?P<rest>.+))?$")
_RESOLVE = re.compile(r"^/(?P<id>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


class FakeHub(ServedFake):
    """The server; ``start()``/``stop()`` or a context manager. ``endpoint`` is what
    ``HF_ENDPOINT`` (or ``huggingface_hub.constants.ENDPOINT``) should be."""

    def __init__(self, repos: dict[str, Path] | None = None, *, rate: float | None = None):
        self.repos = {hub_id: Repo(hub_id, folder) for hub_id, folder in (repos or {}).items()}
        self.rate = rate
        self.ignore_range = False
        self.bytes_sent = 0
        self._bodies: list[tuple[str, list]] = []  # (file, [Range header, bytes sent])
        self.requests: list[tuple[str, str, str | None, int]] = []
        self._faults: list[Fault] = []
        self._serve(_Server(("127.0.0.1", 0), _Handler))

    # -- life ---------------------------------------------------------------------------

    THREAD_NAME = "fake-hub"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- scripting ----------------------------------------------------------------------

    def fail(
        self, kind: str, repo: str | None = None, file: str | None = None, times: int | None = 1
    ) -> Fault:
        """Answer matching requests with ``kind`` (one of :data:`FAULTS`) ``times`` times
        (None: always). ``file`` None matches every request of the repo, API calls too."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        fault = Fault(kind, repo, file, times)
        with self._lock:
            self._faults.append(fault)
        return fault

    def change(self, hub_id: str, path: str, data: bytes) -> None:
        """Replace ``path`` of ``hub_id`` by ``data``: a new commit on main."""
        with self._lock:
            self.repos[hub_id].put(path, data)

    def bodies(self, path: str) -> list[tuple[str | None, int]]:
        """(Range header, bytes of the body sent) of each GET of the file ``path``, in the
        order asked. A request's count is final once its client has read the whole body
        (each piece is counted before it is written)."""
        with self._lock:
            return [(r[0], r[1]) for p, r in self._bodies if p == path]

    def file_requests(self, method: str = "GET") -> list[tuple[str, str | None, int]]:
        """(path, Range header, status) of every file request with ``method``."""
        with self._lock:
            return [(p, r, s) for m, p, r, s in self.requests if m == method and "/resolve/" in p]

    def _fault(self, repo: str, file: str | None, method: str) -> Fault | None:
        with self._lock:
            for f in self._faults:
                if f.times is not None and f.used >= f.times:
                    continue
                if f.kind == "cut" and (method != "GET" or file is None):
                    continue  # a cut is of a file's body
                if f.repo not in (None, repo) or (f.file is not None and f.file != file):
                    continue
                f.used += 1
                return f
        return None

    # -- serving ------------------------------------------------------------------------

    def _log(self, h, method: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, h.path, h.headers.get("Range"), status))

    def _send_json(self, h, method: str, body, status: int = 200, headers=None) -> None:
        data = json.dumps(body).encode()
        self._log(h, method, status)
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if method != "HEAD":
            h.wfile.write(data)

    def _error(self, h, method: str, status: int, code: str | None, message: str) -> None:
        headers = {"X-Error-Code": code, "X-Error-Message": message} if code else {}
        self._send_json(h, method, {"error": message}, status, headers)

    def _refuse(self, h, method: str, fault: Fault, hub_id: str) -> None:
        if fault.kind == "401":
            self._error(h, method, 401, "GatedRepo", f"Access to model {hub_id} is restricted.")
        elif fault.kind == "404":
            self._error(h, method, 404, "RepoNotFound", "Repository not found")
        else:
            self._error(h, method, 500, None, "Internal Error")

    def _handle(self, h, method: str) -> None:
        path = unquote(urlsplit(h.path).path)
        api, resolve = _API.match(path), _RESOLVE.match(path)
        match = api or resolve
        if match is None:
            return self._error(h, method, 404, None, "Not Found")
        hub_id = match["id"]
        file = resolve["file"] if resolve else None
        fault = self._fault(hub_id, file, method)
        if fault is not None and fault.kind != "cut":
            return self._refuse(h, method, fault, hub_id)
        repo = self.repos.get(hub_id)
        if repo is None:
            return self._error(h, method, 404, "RepoNotFound", "Repository not found")
        rev = (resolve["rev"] if resolve else (api["rest"] or "main").split("/")[0]) or "main"
        if rev not in ("main", repo.commit):
            return self._error(h, method, 404, "RevisionNotFound", f"Invalid rev id: {rev}")
        if api:
            return self._api(h, method, repo, api["what"])
        served = repo.files.get(file)
        if served is None:
            return self._error(h, method, 404, "EntryNotFound", f"{file} does not exist")
        self._file(h, method, repo, served, cut=fault is not None)

    def _api(self, h, method: str, repo: Repo, what: str | None) -> None:
        if what == "tree":
            body = [
                {
                    "type": "file",
                    "path": f.path,
                    "size": len(f.data),
                    "oid": f.git_sha1,
                    **(
                        {"lfs": {"oid": f.sha256, "size": len(f.data), "pointerSize": 134}}
                        if f.lfs
                        else {}
                    ),
                }
                for f in repo.files.values()
            ]
            return self._send_json(h, method, body)
        body = {
            "id": repo.id,
            "modelId": repo.id,
            "sha": repo.commit,
            "private": False,
            "gated": False,
            "siblings": [{"rfilename": p} for p in repo.files],
        }
        self._send_json(h, method, body)

    def _file(self, h, method: str, repo: Repo, served: ServedFile, cut: bool) -> None:
        data, start = served.data, 0
        ranged = re.match(r"bytes=(\d+)-$", h.headers.get("Range") or "")
        if ranged and method == "GET" and not self.ignore_range:
            start = min(int(ranged[1]), len(data))
        status = 206 if start else 200
        self._log(h, method, status)
        h.send_response(status)
        h.send_header("ETag", f'"{served.etag}"')
        h.send_header("X-Repo-Commit", repo.commit)
        h.send_header("Accept-Ranges", "bytes")
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(len(data) - start))
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        if method == "HEAD":
            return
        stop = start + (len(data) - start) // 2 if cut else len(data)
        body = [h.headers.get("Range"), 0]
        with self._lock:
            self._bodies.append((served.path, body))
        began = time.monotonic()
        sent = 0
        for at in range(start, stop, CHUNK):
            if self._stopping.is_set():
                break
            piece = data[at : min(at + CHUNK, stop)]
            with self._lock:
                body[1] += len(piece)
            h.wfile.write(piece)
            sent += len(piece)
            with self._lock:
                self.bytes_sent += len(piece)
            if self.rate:
                wait = sent / self.rate - (time.monotonic() - began)
                if wait > 0:
                    self._stopping.wait(wait)
        if cut:  # the connection drops mid-file, as a flaky network does
            h.wfile.flush()
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", help="ID=FOLDER, e.g. org/tiny=/tmp/tiny")
    parser.add_argument("--rate", type=float, help="bytes per second per connection")
    args = parser.parse_args()
    repos = dict(r.split("=", 1) for r in args.repos)
    hub = FakeHub({k: Path(v) for k, v in repos.items()}, rate=args.rate).start()
    print(hub.endpoint, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

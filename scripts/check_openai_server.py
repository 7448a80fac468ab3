#!/usr/bin/env python3
"""Check ``llmstudio annotate`` against a real OpenAI-compatible server, end to end.

The checks the models-and-jobs issue names, run through the CLI as a user would, with a
counting proxy on 127.0.0.1 between llmstudio and the server (so the requests the server
receives are counted whatever the server is):

1. every row gets a label from the label set or a recorded error, and the server
   receives one request per row;
2. a second identical run sends no request;
3. a run killed with SIGKILL halfway and started again ends with every row, and the only
   requests repeated are those in flight at the kill (their answers never arrived);
4. Ctrl+C (SIGINT) stops a run within about a second;
5. a marker API key sent to the server (OPENAI_API_KEY with OPENAI_BASE_URL naming it)
   appears in no project file, export or message.

    python scripts/check_openai_server.py --base-url http://127.0.0.1:8080/v1 --model NAME
    make check-llama        # builds llama-cpp-python's server in .venv-llama and runs this

Exit status 0 when every check passes; the table of results is printed either way.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SST2 = ROOT.parent / "shared" / "data" / "sst2_dev" / "dev.tsv"
LABELS = ("positive", "negative", "neutral")
MARKER_KEY = "sk-llmstudio-check-MARKER-7f3a9c"


class CountingProxy:
    """Forwards every request to ``target`` and records, per chat request, the text it
    asked about and when its answer had been sent back."""

    def __init__(self, target: str):
        parsed = urlparse(target)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.prefix = parsed.path.rstrip("/")
        self.lock = threading.Lock()
        self.chats: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                proxy.forward(self, "GET")

            def do_POST(self):  # noqa: N802
                proxy.forward(self, "POST")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a killed client hangs up mid-request: expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"

    def forward(self, h: BaseHTTPRequestHandler, method: str) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        record = None
        if h.path.endswith("/chat/completions"):
            record = {
                "text": _text_of(body),
                "started": time.monotonic(),
                "answered": None,
                "auth": h.headers.get("Authorization", ""),
            }
            with self.lock:
                self.chats.append(record)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        headers = {
            k: v
            for k, v in h.headers.items()
            if k.lower() not in ("host", "connection", "accept-encoding")
        }
        try:
            conn.request(method, h.path, body=body or None, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            h.send_response(reply.status)
            for name, value in reply.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    h.send_header(name, value)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
            if record is not None:
                record["answered"] = time.monotonic()
                record["status"] = reply.status
        except OSError:  # the client was killed mid-request
            h.close_connection = True
        finally:
            conn.close()

    def count(self) -> int:
        with self.lock:
            return len(self.chats)

    def answered(self) -> int:
        with self.lock:
            return sum(r["answered"] is not None for r in self.chats)

    def take(self) -> list[dict]:
        with self.lock:
            chats, self.chats = self.chats, []
        return chats


def _text_of(body: bytes) -> str | None:
    try:
        messages = json.loads(body)["messages"]
    except (ValueError, KeyError, TypeError):
        return None
    for message in reversed(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") == "user" and isinstance(content, str) and "Text:\n" in content:
            return content[content.rfind("Text:\n") + 6 :]
    return None


def annotate(args, data: Path, project: Path, url: str, *extra: str, env=None, wait: bool = True):
    command = [
        sys.executable,
        "-m",
        "llmstudio",
        "annotate",
        str(data),
        "--task",
        "sentiment",
        "--model",
        f"openai:{args.model}",
        "--base-url",
        url,
        "--project",
        str(project),
        "--concurrency",
        str(args.concurrency),
        *extra,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if not wait:
        return process
    out, err = process.communicate(timeout=args.timeout)
    return process.returncode, out + err


def rows_in(project: Path) -> tuple[int, int, set[str]]:
    """(rows with an answer, rows with an error, the labels seen) in the newest run."""
    db = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        run = db.execute("SELECT MAX(id) FROM runs").fetchone()[0]
        answers = [
            json.loads(o)
            for (o,) in db.execute(
                "SELECT output FROM annotations WHERE run_id = ? AND output IS NOT NULL", (run,)
            )
        ]
        errors = db.execute(
            "SELECT COUNT(*) FROM annotations WHERE run_id = ? AND output IS NULL", (run,)
        ).fetchone()[0]
    finally:
        db.close()
    return len(answers), errors, {a.get("sentiment_label") for a in answers}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", required=True, help="the server, e.g. http://127.0.0.1:8080/v1")
    ap.add_argument("--model", required=True, help="the model name the server knows")
    ap.add_argument("--rows", type=int, default=120, help="texts (SST-2 dev) per run")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args(argv)

    proxy = CountingProxy(args.base_url)
    results: list[tuple[str, bool, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "texts.csv"
        with (
            open(SST2, encoding="utf-8") as f,
            open(data, "w", newline="", encoding="utf-8") as out,
        ):
            reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            writer = csv.writer(out)
            writer.writerow(["id", "text"])
            for i, row in enumerate(list(reader)[1 : args.rows + 1]):
                writer.writerow([i, row[0].strip()])
        env = dict(
            os.environ,
            LLMSTUDIO_CONFIG_DIR=str(tmp / "config"),
            OPENAI_API_KEY=MARKER_KEY,
            OPENAI_BASE_URL=proxy.url,
        )
        n = args.rows

        # 1. every row: a label of the set or an error; one request a row.
        project, export = tmp / "one.llmstudio", tmp / "one.csv"
        code, log = annotate(args, data, project, proxy.url, "--out", str(export), env=env)
        labelled, failed, labels = rows_in(project)
        sent = proxy.take()
        ok = code in (0, 1) and labelled + failed == n and labels <= set(LABELS)
        results.append(
            (
                "every row: a label of the set or an error",
                ok,
                f"{labelled} labelled, {failed} errors, labels {sorted(labels)}, exit {code}",
            )
        )
        results.append(
            (
                "requests the server received = rows",
                len(sent) == n,
                f"{len(sent)} requests for {n} rows",
            )
        )
        results.append(
            (
                "the key was sent (so the next check means something)",
                all(r["auth"] == f"Bearer {MARKER_KEY}" for r in sent) and bool(sent),
                "Authorization: Bearer <marker> on every request",
            )
        )

        # 2. the same run again: no request.
        code, log2 = annotate(args, data, project, proxy.url, env=env)
        again = proxy.take()
        results.append(
            (
                "second identical run sends no request",
                not again and code in (0, 1),
                f"{len(again)} requests",
            )
        )

        # 3. SIGKILL halfway, then again.
        killed = tmp / "killed.llmstudio"
        process = annotate(args, data, killed, proxy.url, env=env, wait=False)
        deadline = time.monotonic() + args.timeout
        while proxy.answered() < n // 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        kill_at = time.monotonic()
        process.communicate()
        before = proxy.take()
        done_before, _, _ = rows_in(killed)
        code, log3 = annotate(args, data, killed, proxy.url, env=env)
        after = proxy.take()
        labelled, failed, _ = rows_in(killed)
        asked_before = {r["text"] for r in before}
        repeated = [r for r in after if r["text"] in asked_before]
        # A repeated text is fine only if its answer had not come back before the kill.
        lost = {
            r["text"] for r in before if r["answered"] is None or r["answered"] > kill_at - 0.05
        }
        ok = (
            labelled + failed == n
            and all(r["text"] in lost for r in repeated)
            and len(repeated) <= args.concurrency
        )
        results.append(
            (
                "SIGKILL halfway, run again: all rows, no repeated request",
                ok,
                f"killed with {done_before} rows stored and {len(before)} requests "
                f"sent; the rerun sent {len(after)}; {len(repeated)} repeated, all "
                f"of them in flight at the kill; {labelled + failed}/{n} rows at the end",
            )
        )

        # 4. Ctrl+C within about a second.
        slow = tmp / "cancel.llmstudio"
        process = annotate(args, data, slow, proxy.url, env=env, wait=False)
        while proxy.answered() < 3 and process.poll() is None:
            time.sleep(0.005)
        sent_at = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
        latency = time.monotonic() - sent_at
        proxy.take()
        results.append(
            (
                "Ctrl+C stops the run within about a second",
                latency < 1.5 and process.returncode == 2,
                f"{latency:.2f} s to exit (interpreter shutdown included), exit "
                f"{process.returncode}",
            )
        )

        # 5. no key in any file or message.
        files = [p for p in tmp.rglob("*") if p.is_file() and p.suffix != ".tsv"]
        leaks = [p.name for p in files if MARKER_KEY.encode() in p.read_bytes()]
        leaks += ["output"] * any(MARKER_KEY in text for text in (log, log2, log3))
        results.append(
            (
                "no API key in a project file, export or message",
                not leaks,
                f"{len(files)} files and all output searched; found in: {leaks or 'none'}",
            )
        )

    width = max(len(name) for name, _, _ in results)
    print(f"server: {args.base_url} model {args.model}; {n} rows, concurrency {args.concurrency}")
    for name, ok, detail in results:
        print(f"{'PASS' if ok else 'FAIL'}  {name:<{width}}  {detail}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""What the fake servers share (the fake OpenAI-compatible server, the fake hub, the fake
Ollama): serving on 127.0.0.1 in a thread of their own, knowing each open connection and
its handler thread, and a stop that cuts them all and joins every thread, so that no test
leaves a thread or a socket behind."""

from __future__ import annotations

import socket
import threading
import time
from typing import Self


class ServedFake:
    """A fake server's life: ``start()``/``stop()`` or a context manager.

    A subclass calls :meth:`_serve` with its (not yet serving) ``ThreadingHTTPServer`` in
    its ``__init__``; its request handler calls ``fake._opened(self)`` in ``setup`` and
    ``fake._gone(self)`` in ``finish``."""

    THREAD_NAME = "fake-server"

    def _serve(self, server) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # set by stop(): handlers that wait, wake
        self._connections: dict[int, tuple[socket.socket, threading.Thread]] = {}
        self._server = server
        self._server.fake = self
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.THREAD_NAME,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, wake handlers that wait (latency, slow replies, idle keep-alive
        connections), and join every thread; idempotent."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout)
            self._thread = None
        with self._lock:
            connections = list(self._connections.values())
        for sock, _ in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        deadline = time.monotonic() + timeout
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def threads_alive(self) -> int:
        """Handler threads still running (0 after a clean stop)."""
        with self._lock:
            return sum(t.is_alive() for _, t in self._connections.values())

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _opened(self, handler) -> None:
        with self._lock:
            self._connections[id(handler)] = (handler.connection, threading.current_thread())

    def _gone(self, handler) -> None:
        with self._lock:
            self._connections.pop(id(handler), None)

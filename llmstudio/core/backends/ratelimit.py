"""Requests-per-minute and tokens-per-minute limits shared by a backend's threads."""

from __future__ import annotations

import threading
import time

from ..progress import Monitor


class RateLimiter:
    """Token buckets refilled continuously; ``acquire`` waits until both allow a request."""

    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        clock=time.monotonic,
    ):
        self.rpm, self.tpm = requests_per_minute, tokens_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        # Buckets hold one request and one second of tokens, not a minute's worth: a full
        # minute's bucket let a job send rpm requests at once and then rpm more in the
        # same minute (twice the limit; servers that enforce per-second quotas answer
        # 429). Requests are spaced evenly instead; any 60 s holds at most about the limit.
        self._token_burst = float(tokens_per_minute or 0) / 60
        self._requests = 1.0 if requests_per_minute else 0.0
        self._tokens = self._token_burst
        self._last = clock()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every thread back (a server's Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _refill(self, now: float) -> None:
        elapsed = now - self._last
        self._last = now
        if self.rpm:
            self._requests = min(1.0, self._requests + elapsed * self.rpm / 60)
        if self.tpm:
            self._tokens = min(self._token_burst, self._tokens + elapsed * self.tpm / 60)

    def wait_time(self, tokens: int = 0) -> float:
        """Seconds to wait before a request of ``tokens`` may go; 0 takes it now."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            wait = max(0.0, self._paused_until - now)
            if self.rpm and self._requests < 1:
                wait = max(wait, (1 - self._requests) * 60 / self.rpm)
            # A request larger than the burst goes once the bucket is full and leaves it in
            # debt (below zero), which the next requests wait out: the rate stays tpm.
            need = min(tokens, self._token_burst)
            if self.tpm and self._tokens < need:
                wait = max(wait, (need - self._tokens) * 60 / self.tpm)
            if wait == 0:
                if self.rpm:
                    self._requests -= 1
                if self.tpm:
                    self._tokens -= tokens
            return wait

    def acquire(self, tokens: int = 0, monitor: Monitor | None = None) -> None:
        """Wait for room for a request of ``tokens``. The wait is the work's too: it calls
        ``monitor.check()`` every tenth of a second, which raises
        :class:`~llmstudio.core.errors.Cancelled` once that work is cancelled."""
        monitor = Monitor.of(monitor)
        while True:
            wait = self.wait_time(tokens)
            if wait == 0:
                return
            monitor.check()
            time.sleep(min(wait, 0.1))

"""Concurrency that finds its level (``--concurrency auto[:MAX]``).

A server's best number of requests in flight is rarely known: too few leaves it idle,
too many queues requests inside it (latency rises, throughput does not) or gets them
refused (HTTP 429). :class:`AutoConcurrency` settles it while the job runs, by additive
increase and multiplicative decrease (AIMD, as TCP finds a link's rate):

* Throughput at a limit of ``L`` is measured by Little's law: the requests in flight on
  average over the window (``L`` when the server is the bottleneck, fewer when the
  program is) over the mean latency of the requests started under ``L`` (a window of at
  least ``L`` and :data:`MIN_SAMPLES` of them). Requests still in flight from the
  previous limit would blur a count of rows over the window's time.
* Slow start from :data:`START` (the fixed default): the limit doubles while each
  doubling gains at least half its proportional throughput (a server with idle capacity
  answers twice as many in the same time). Then steps of about an eighth: a step up is
  kept when it gains at least :data:`GAIN_SHARE` of its proportional throughput, a step
  down when it loses less than :data:`DOWN_SHARE` of it (fewer requests for about the
  same rows); stepping goes on the way that paid. A refused step leaves the better of the
  two limits, held for :data:`HOLD_WINDOWS` windows (doubling while tries keep being
  refused) before a try the other way.
* A 429, 503 or a timeout (:meth:`AutoConcurrency.congested`) cuts the limit by
  :data:`DECREASE` at once, once per window (requests started before the cut do not cut
  again), and the limit that was refused becomes a ceiling not tried again for
  :data:`CEILING_WINDOWS` windows: a server that refuses above 8 is asked with 8, not
  made to refuse every few seconds.
* Never above the user's maximum, never below 1.

The controller is pure logic over a clock (tests drive it with a fake clock and a
simulated server); :meth:`AutoConcurrency.slot` is the gate the runner's request threads
pass.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

# "auto" without a maximum: at most this many requests at once.
AUTO_MAXIMUM = 64
# Requests a window measures at the least (one latency of one request is noise).
MIN_SAMPLES = 8
# The limit after a 429, 503 or timeout, as a share of the limit it came under.
DECREASE = 0.5
# Windows held at a limit after a refused step before the next try (doubled while tries
# keep being refused, up to MAX_HOLD_WINDOWS: a settled job is not probed all the time).
HOLD_WINDOWS = 4
MAX_HOLD_WINDOWS = 32
# Windows a limit that brought a 429 or timeout stays out of reach (doubled at each cut).
CEILING_WINDOWS = 60
# A step up is kept when it gains at least this share of its proportional throughput; a
# step down when it loses less than DOWN_SHARE of it (fewer requests for about as much).
GAIN_SHARE = 0.5
DOWN_SHARE = 0.25
# Where auto starts: the fixed default, which servers take (fewer would waste the start).
START = 8


@dataclass(frozen=True)
class Concurrency:
    """Requests at once as asked: a fixed number, or ``auto`` up to ``maximum``."""

    maximum: int
    auto: bool = False

    @classmethod
    def parse(cls, value: int | str | Concurrency) -> Concurrency:
        """``8``, ``"8"``, ``"auto"`` or ``"auto:32"``; a :class:`ValueError` that says
        what is wrong otherwise."""
        if isinstance(value, Concurrency):
            return value
        if isinstance(value, bool):
            raise ValueError(f"requests at once is a number or 'auto', not {value!r}")
        if isinstance(value, int):
            number, auto = value, False
        else:
            text = str(value).strip().lower()
            auto = text == "auto" or text.startswith("auto:")
            given = text.partition(":")[2] if auto else text
            if auto and not given:
                given = str(AUTO_MAXIMUM)
            try:
                number = int(given)
            except ValueError:
                raise ValueError(
                    f"requests at once is a number (8), 'auto' or 'auto:MAX' (auto:32), "
                    f"not {value!r}"
                ) from None
        if number < 1:
            raise ValueError(f"requests at once must be 1 or more, not {number}")
        return cls(number, auto)

    def __str__(self) -> str:
        return f"auto:{self.maximum}" if self.auto else str(self.maximum)


@dataclass(frozen=True)
class Settled:
    """What an auto concurrency settled on (the run's record, the methods record)."""

    settled: int  # the limit held longest
    maximum: int
    lowest: int
    highest: int
    decreases: int  # cuts after a 429, 503 or timeout
    rising: bool = False  # the rows ran out while it still doubled: not settled

    def describe(self) -> str:
        """ "auto: settled at 24 requests at once; tried 1-32, at most 64; lowered twice
        after a 429, 503 or timeout", or "auto: reached 8 requests at once, still rising
        when the rows ran out; ..." for a job too short to settle."""
        times = {0: "", 1: "once", 2: "twice"}.get(self.decreases, f"{self.decreases} times")
        lowered = f"; lowered {times} after a 429, 503 or timeout" if self.decreases else ""
        requests = f"{self.settled} request{'s' if self.settled != 1 else ''} at once"
        found = (
            f"reached {requests}, still rising when the rows ran out"
            if self.rising
            else f"settled at {requests}"
        )
        return f"auto: {found}; tried {self.lowest}-{self.highest}, at most {self.maximum}{lowered}"

    def as_dict(self) -> dict:
        return {
            "mode": "auto",
            "settled": self.settled,
            "maximum": self.maximum,
            "lowest": self.lowest,
            "highest": self.highest,
            "decreases": self.decreases,
            "rising": self.rising,
        }


class AutoConcurrency:
    """The limit of requests in flight, found by AIMD (see the module's docstring)."""

    def __init__(self, maximum: int = AUTO_MAXIMUM, *, start: int = START, clock=time.monotonic):
        self.maximum = max(1, int(maximum))
        self._clock = clock
        self._cond = threading.Condition()
        self._local = threading.local()
        self.limit = max(1, min(start, self.maximum))
        self.epoch = 0  # the window: every change of the limit starts a new one
        self._latencies: list[float] = []
        self._slow_start = True
        self._base: tuple[int, float] | None = None  # (limit, its throughput) to beat
        self._probing: int = 0  # +1/-1: the window measures a step up/down from _base
        self._hold, self._hold_windows = 0, HOLD_WINDOWS
        self._next_probe = 1
        self._ceiling: int | None = None
        self._ceiling_until = 0
        self._cut_epoch = 0
        self.decreases = 0
        self.in_flight = 0
        # Seconds at each limit once the slow start is over (its doubling is no level).
        self._held: dict[int, float] = defaultdict(float)
        self._since, self._counted = clock(), False
        self._seen = {self.limit}
        self._area, self._touched = 0.0, self._since  # requests in flight x seconds
        self._window_start = self._since

    # -- the gate -----------------------------------------------------------------------

    @contextmanager
    def slot(self):
        """Hold one of the ``limit`` places while a request is made; its latency is a
        sample of the window it started in. Waits for a place."""
        with self._cond:
            while self.in_flight >= self.limit:
                self._cond.wait(0.1)
            epoch, started = self.start()
        self._local.epoch = epoch
        try:
            yield
        finally:
            with self._cond:
                self.finish(epoch, started)
                self._cond.notify_all()

    def congested(self) -> None:
        """A 429, 503 or timeout came back to the calling thread's request."""
        with self._cond:
            self.congestion(getattr(self._local, "epoch", self.epoch))
            self._cond.notify_all()

    # -- the logic (callers hold the lock; tests call it directly) ----------------------

    def start(self) -> tuple[int, float]:
        """A request starts: (its window, its start time) for :meth:`finish`."""
        now = self._clock()
        self._touch(now)
        self.in_flight += 1
        return self.epoch, now

    def finish(self, epoch: int, started: float) -> None:
        """A request of window ``epoch`` that started at ``started`` came back."""
        now = self._clock()
        self._touch(now)
        self.in_flight -= 1
        self.sample(epoch, now - started)

    def _touch(self, now: float) -> None:
        # The window's requests in flight over time: when fewer than the limit are out
        # (the program, not the server, is the bottleneck), more would not help.
        self._area += self.in_flight * (now - self._touched)
        self._touched = now

    def sample(self, epoch: int, latency: float) -> None:
        """A request started in window ``epoch`` took ``latency`` seconds."""
        if epoch != self.epoch:
            return  # started under another limit: says nothing of this one
        self._latencies.append(max(latency, 1e-9))
        if len(self._latencies) < max(MIN_SAMPLES, self.limit):
            return
        # Little's law: rows/s = requests in flight on average / mean latency.
        elapsed = self._touched - self._window_start
        # (Capped at the limit: after a cut, the requests of the old limit drain.)
        in_flight = min(self._area / elapsed, self.limit) if elapsed > 0 else self.limit
        self._decide(in_flight / (sum(self._latencies) / len(self._latencies)))

    def congestion(self, epoch: int) -> None:
        """A request started in window ``epoch`` met a 429, 503 or timeout."""
        if epoch < self._cut_epoch:
            return  # started before the last cut: that cut answered it already
        self.decreases += 1
        # A limit refused again is believed longer: each cut doubles the time out of reach.
        windows = CEILING_WINDOWS * 2 ** min(self.decreases - 1, 5)
        self._ceiling, self._ceiling_until = self.limit, self.epoch + windows
        # Additive increase again at once, from the cut, up to below the ceiling.
        self._slow_start, self._base, self._probing, self._hold = False, None, 1, 0
        self._set(max(1, math.floor(self.limit * DECREASE)))
        self._cut_epoch = self.epoch

    def _decide(self, throughput: float) -> None:
        if self._ceiling is not None and self.epoch >= self._ceiling_until:
            self._ceiling = None
        if self._base is None or self._base[0] == self.limit:  # a fresh measure of it
            self._base = (self.limit, throughput)
            self._after_base()
            return
        base_limit, base_rate = self._base
        ratio = self.limit / base_limit
        share = GAIN_SHARE if ratio > 1 else DOWN_SHARE
        if throughput >= base_rate * (1 + share * (ratio - 1)):  # kept: it paid, or cost little
            self._base, self._hold_windows = (self.limit, throughput), HOLD_WINDOWS
            self._after_base()
            return
        # Refused: the better of the two is held (a step up that gained too little to go
        # on still gained), and the next try goes the other way: at once out of a slow
        # start, else after a hold that doubles while tries keep being refused.
        better = self.limit if throughput > base_rate else base_limit
        if better == self.limit:
            self._base = (self.limit, throughput)
        self._next_probe = -self._probing if better == self.limit or not self._slow_start else 1
        if self._slow_start:
            self._hold = 0
        else:
            self._hold = self._hold_windows
            self._hold_windows = min(self._hold_windows * 2, MAX_HOLD_WINDOWS)
        self._slow_start, self._probing = False, 0
        self._set(better)

    def _after_base(self) -> None:
        """At the base: double (slow start), go on stepping the way that paid, or hold."""
        if self._slow_start:
            self._step_to(self.limit * 2)
        elif self._probing > 0:
            self._step_to(self.limit + self._step())
        elif self._probing < 0 and self.limit > 1:
            self._set(self.limit - self._step())
        else:
            self._probing = 0
            self._hold_or_probe()

    def _hold_or_probe(self) -> None:
        if self._hold > 0:
            self._hold -= 1
            self._set(self.limit)  # a new window at the same limit: a fresh measure
            return
        direction, self._next_probe = self._next_probe, -self._next_probe
        if direction > 0:
            self._step_to(self.limit + self._step())  # at the top it holds instead
        elif self.limit > 1:
            self._probing = -1
            self._set(self.limit - self._step())
        else:
            self._hold = HOLD_WINDOWS
            self._set(self.limit)

    def _step(self) -> int:
        return max(1, self.limit // 8)

    def _step_to(self, wanted: int) -> bool:
        """Go up to ``wanted`` within the maximum and the ceiling; False when no higher
        limit may be tried (the window then measures the same limit again)."""
        top = self.maximum if self._ceiling is None else min(self.maximum, self._ceiling - 1)
        target = min(wanted, top)
        if target <= self.limit:  # at the top: measured again, held
            self._slow_start, self._probing, self._hold = False, 0, HOLD_WINDOWS
            self._set(self.limit)
            return False
        self._probing = 1
        self._set(target)
        return True

    def _set(self, limit: int) -> None:
        now = self._clock()
        if self._counted:
            self._held[self.limit] += now - self._since
        self._since, self._counted = now, not self._slow_start
        self._touch(now)
        self._area, self._window_start = 0.0, now
        self.limit = max(1, min(limit, self.maximum))
        self._seen.add(self.limit)
        self.epoch += 1
        self._latencies = []

    # -- what it settled on ----------------------------------------------------------------

    def settled(self) -> Settled:
        """The limit held longest (by time) after the slow start, the range tried and
        the cuts; the limit reached, ``rising``, when the slow start never ended."""
        held = dict(self._held)
        if self._counted:
            held[self.limit] = held.get(self.limit, 0.0) + self._clock() - self._since
        if not held:
            return Settled(
                self.limit, self.maximum, min(self._seen), max(self._seen), self.decreases, True
            )
        most = max(held, key=lambda k: (held[k], k))
        return Settled(most, self.maximum, min(self._seen), max(self._seen), self.decreases)

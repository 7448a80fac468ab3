"""Auto concurrency (AIMD) against simulated servers on a fake clock: deterministic.

The simulation is event by event: a request holds one of the controller's places from
its start to its answer; the server's latency depends on how many requests it holds;
a 429 comes back at once and the client waits a fixed back-off before asking again (the
place stays held, as the openai client's retry holds the runner's thread).
"""

from __future__ import annotations

import heapq

import pytest

from llmstudio.core.backends.auto_concurrency import (
    AUTO_MAXIMUM,
    AutoConcurrency,
    Concurrency,
    Settled,
)

BASE_LATENCY = 0.2
BACKOFF = 0.5


def knee_server(knee: int):
    """Latency flat up to ``knee`` requests held, rising as its square beyond."""

    def reply(held: int) -> tuple[float, bool]:
        return BASE_LATENCY * max(1.0, held / knee) ** 2, False

    return reply


def refusing_server(allowed: int):
    """429 (at once) above ``allowed`` requests held."""

    def reply(held: int) -> tuple[float, bool]:
        return (0.005, True) if held > allowed else (BASE_LATENCY, False)

    return reply


class Fixed:
    """A fixed limit with the controller's interface."""

    def __init__(self, limit: int):
        self.limit, self.epoch = limit, 0

    def start(self):
        return 0, 0.0

    def finish(self, epoch, started):
        pass

    def congestion(self, epoch):
        pass


def simulate(server, rows: int, make, cap: int = 10_000) -> tuple[float, object]:
    """Rows per second over ``rows`` rows, and the controller ``make(clock)`` built;
    ``cap``: the most requests the program itself keeps out (its own bottleneck)."""
    now = [0.0]
    control = make(lambda: now[0])
    events: list = []  # (time, seq, kind, request)
    seq = held_by_server = in_flight = started = done = 0

    def send(request) -> None:
        nonlocal seq, held_by_server
        held_by_server += 1
        latency, refused = server(held_by_server)
        seq += 1
        heapq.heappush(events, (now[0] + latency, seq, "reply", request | {"refused": refused}))

    while done < rows:
        while in_flight < min(control.limit, cap) and started < rows:
            in_flight += 1
            started += 1
            epoch, start = control.start()
            send({"epoch": epoch, "start": start})
        now[0], _, kind, request = heapq.heappop(events)
        if kind == "retry":
            send(request)
            continue
        held_by_server -= 1
        if request["refused"]:
            control.congestion(request["epoch"])
            seq += 1
            heapq.heappush(events, (now[0] + BACKOFF, seq, "retry", request))
            continue
        in_flight -= 1
        done += 1
        control.finish(request["epoch"], request["start"])
    return rows / now[0], control


def best_fixed(server, rows: int) -> tuple[int, float]:
    rates = {n: simulate(server, rows, lambda clock, n=n: Fixed(n))[0] for n in range(1, 65)}
    best = max(rates, key=rates.get)
    return best, rates[best]


@pytest.mark.parametrize(
    ("server", "best_range"),
    [(knee_server(24), range(18, 31)), (refusing_server(8), range(6, 9))],
    ids=["latency rises beyond 24", "429 above 8"],
)
def test_auto_reaches_most_of_the_best_fixed_throughput(server, best_range):
    rows = 4000
    best, best_rate = best_fixed(server, rows)
    rate, control = simulate(server, rows, lambda clock: AutoConcurrency(64, clock=clock))
    settled = control.settled()
    assert rate >= 0.85 * best_rate, (rate, best, best_rate, settled)
    assert settled.settled in best_range, settled
    assert settled.maximum == 64


def test_a_refusing_server_is_cut_and_not_made_to_refuse_again_and_again():
    _, control = simulate(refusing_server(8), 4000, lambda c: AutoConcurrency(64, clock=c))
    settled = control.settled()
    # The first refusal in the slow start, one more while climbing back, then a retry of
    # the limit now and then, less and less often: held below it.
    assert 2 <= settled.decreases <= 4, settled
    assert settled.highest >= 9  # it did go past the server's limit before learning it


def test_never_above_the_maximum():
    rate, control = simulate(knee_server(24), 2000, lambda c: AutoConcurrency(10, clock=c))
    assert control.settled().highest == 10
    assert control.settled().settled in (9, 10)
    fixed_rate, _ = simulate(knee_server(24), 2000, lambda c: Fixed(10))
    assert rate >= 0.85 * fixed_rate


def test_a_slow_server_with_no_gain_from_more_requests_stays_low():
    # Latency proportional to requests held: more at once buys nothing.
    def serial(held: int):
        return BASE_LATENCY * held, False

    _, control = simulate(serial, 1500, lambda c: AutoConcurrency(64, clock=c))
    assert control.settled().settled <= 4, control.settled()


def test_when_the_program_is_the_bottleneck_the_limit_does_not_run_away():
    # The server could take 24, but the program keeps at most 10 requests out (a slow
    # machine): a larger limit buys nothing, and is not kept.
    _, control = simulate(knee_server(24), 3000, lambda c: AutoConcurrency(64, clock=c), cap=10)
    settled = control.settled()
    assert settled.settled <= 12 and settled.highest <= 16, settled


def test_refusals_from_requests_started_before_a_cut_cut_once():
    control = AutoConcurrency(64, start=16, clock=lambda: 0.0)
    epoch = control.epoch
    for _ in range(10):  # ten requests of the same window refused
        control.congestion(epoch)
    assert control.limit == 8
    assert control.decreases == 1
    control.congestion(control.epoch)  # one started after the cut: cut again
    assert control.limit == 4
    assert control.decreases == 2


def test_the_gate_holds_requests_to_the_limit():
    import threading
    import time

    control = AutoConcurrency(8, start=2)
    most, lock, now_in = [0], threading.Lock(), [0]

    def request():
        with control.slot():
            with lock:
                now_in[0] += 1
                most[0] = max(most[0], now_in[0])
            time.sleep(0.01)
            with lock:
                now_in[0] -= 1

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert most[0] <= 2
    assert control.in_flight == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (8, Concurrency(8)),
        ("12", Concurrency(12)),
        ("auto", Concurrency(AUTO_MAXIMUM, auto=True)),
        ("AUTO:32", Concurrency(32, auto=True)),
    ],
)
def test_parse(given, expected):
    assert Concurrency.parse(given) == expected
    assert Concurrency.parse(str(expected)) == expected


@pytest.mark.parametrize(
    ("given", "words"),
    [("0", "1 or more"), ("auto:0", "1 or more"), ("many", "'auto:MAX'"), ("auto:x", "'auto:x'")],
)
def test_parse_refuses_with_what_it_takes(given, words):
    with pytest.raises(ValueError, match=words):
        Concurrency.parse(given)


def test_settled_says_what_it_found():
    text = Settled(24, 64, 1, 32, 2).describe()
    assert text == (
        "auto: settled at 24 requests at once; tried 1-32, at most 64; lowered twice "
        "after a 429, 503 or timeout"
    )
    assert Settled(1, 4, 1, 1, 0).describe() == (
        "auto: settled at 1 request at once; tried 1-1, at most 4"
    )
    assert Settled(8, 64, 1, 8, 0, rising=True).describe() == (
        "auto: reached 8 requests at once, still rising when the rows ran out; tried 1-8, "
        "at most 64"
    )


def test_a_job_too_short_to_settle_says_it_was_still_rising():
    _, control = simulate(knee_server(24), 40, lambda c: AutoConcurrency(64, clock=c))
    settled = control.settled()
    assert settled.rising and settled.settled == settled.highest > 1, settled
    _, control = simulate(knee_server(24), 4000, lambda c: AutoConcurrency(64, clock=c))
    assert not control.settled().rising

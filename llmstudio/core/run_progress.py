"""What a model job reports while it runs (:class:`Progress`: rows, speed, time left,
the step before the rows, waits) and what it returns (:class:`JobResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .chunking import long_text_summary
from .cost import same_text_words
from .empty_texts import empty_words


@dataclass
class Progress:
    """Where a job stands; ``rows_per_s`` and ``eta_s`` count rows computed in this call."""

    done: int
    total: int
    failed: int = 0
    cached: int = 0
    computed: int = 0
    elapsed: float = 0.0
    empty: int = 0  # rows with no text: stored without a label, never sent (empty_texts)
    phase: str = ""  # before the rows: what the model is doing (learning from examples…)
    phase_fraction: float | None = None  # how far that step is, 0..1 (None: no step now)
    phase_elapsed: float = 0.0  # seconds spent in that step so far
    rows_started: float = 0.0  # ``elapsed`` when the rows began (after any step before them)
    waiting_s: float = 0.0  # remote: seconds since a row last came back, once it is long
    waiting_for: str = ""  # the server waited for (its host)
    same_text: int = 0  # rows answered with another row's answer (the same input, sent once)
    at_once: int = 0  # an auto concurrency's requests at once now (0: a fixed one)

    @property
    def rows_per_s(self) -> float:
        # Counted from when the rows began: a minute of embedding the corpus first is not
        # a slow row rate (it made the time left after it far too long).
        seconds = self.elapsed - self.rows_started
        return self.computed / seconds if seconds > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        rate = self.rows_per_s
        return (self.total - self.done) / rate if rate > 0 else None

    @property
    def phase_eta_s(self) -> float | None:
        """Seconds left in the step before the rows, from its pace so far; None before
        it has measurably begun."""
        f = self.phase_fraction
        if f is None or f <= 0.0 or self.phase_elapsed <= 0.0:
            return None
        return self.phase_elapsed * (1.0 - f) / f


@dataclass
class JobResult:
    run_id: int
    status: str  # done, cancelled, stopped (circuit breaker: see ``stopped``), failed
    total: int
    done: int
    failed: int
    cached: int
    computed: int
    elapsed: float
    errors: list[tuple[int, str]] = field(default_factory=list)
    chunked: int = 0  # rows whose text was split into chunks (the whole run's)
    truncated: int = 0  # rows whose text the model read only the start of
    empty: int = 0  # rows with no text: no label, never sent (core/empty_texts.py)
    stopped: str = ""  # why the circuit breaker stopped the job ("" when it did not)
    same_text: int = 0  # rows computed with another row's answer: the same input, sent once
    concurrency: str = ""  # what an auto concurrency settled on ("" for a fixed one)

    def summary(self, title: str | None = None) -> str:
        """The end-of-run line: "run 3: done; 300/300 rows, 300 computed, 0 from cache,
        0 failed, 12.3 s", the empty texts (no label, not sent) and the long texts split or
        truncated, if any."""
        long_texts = long_text_summary(self.chunked, self.truncated)
        empty = empty_words(self.empty)
        return (
            f"{title or f'run {self.run_id}'}: {self.status}; {self.done:,}/{self.total:,} "
            f"rows, {self.computed:,} computed, {self.cached:,} from cache, "
            f"{self.failed:,} failed, {self.elapsed:,.1f} s"
            + (f"; {empty}, not sent" if empty else "")
            + (
                f"; {same_text_words(self.same_text)}, answered by its request"
                if self.same_text
                else ""
            )
            + (f"; {long_texts}" if long_texts else "")
            + (f"; {self.concurrency}" if self.concurrency else "")
        )

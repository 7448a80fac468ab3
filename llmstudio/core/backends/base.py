"""The one interface every model backend implements.

A backend turns a batch of texts into task outputs. Local backends get length-sorted
batches; remote ones (``remote = True``) get one text per call, made from ``concurrency``
threads by the runner, and must make :meth:`close` abandon requests in flight so that
Cancel answers at once.
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import BackendError  # noqa: F401 (re-exported: its old home, still imported)
from ..progress import Monitor
from ..tasks.base import Task

if TYPE_CHECKING:
    from ..embedding.stored import ProjectEmbeddings


@dataclass
class RowError:
    """A row the backend could not annotate; recorded as that row's error, the job goes on."""

    message: str
    # True for failures of the moment (connection lost, HTTP 5xx or 429 after retries):
    # the row is asked again when the job is run again. A row the model answered
    # unreadably keeps its error: the same question would get the same answer.
    retryable: bool = False
    # Rows in a row failing this way that stop a remote job (the runner's circuit
    # breaker); None: the breaker's own count. A backend sets it when it knows the job
    # cannot go on sooner (a server that has stopped answering).
    stop_after: int | None = None

    def __str__(self) -> str:
        return self.message


class Backend(ABC):
    """What the runner, the commands and the window may ask of a model. Every hook they
    call is declared here, with a default where one is sensible; a backend overrides what
    it does differently."""

    # The kind of model (a key of ``spec.KINDS``): stored with each run.
    kind: str = "backend"
    # True: rows go one at a time (:meth:`annotate_one`) from ``concurrency`` threads.
    remote: bool = False
    # Rows a local backend gets at once (unless it plans its own, :meth:`plan_batches`).
    batch_size: int = 32
    # Threads the runner calls :meth:`annotate_one` from (remote backends).
    concurrency: int = 1
    # An auto concurrency (``auto_concurrency.AutoConcurrency``): how many of those
    # threads may ask at once, found as the job runs; None: all of them.
    adaptive = None
    # The server a remote backend sends to ("host:port"), as consent is asked and kept
    # for it; "" for a model on this computer.
    host: str = ""
    # True: an answer's score is the confidence the model states in it, not a probability
    # it gives (a server without logprobs).
    states_scores: bool = False
    # How many times a remote backend learned its limits from a refusal (a context window
    # the server stated): the runner plans a refused text again when this grows.
    learned: int = 0

    @abstractmethod
    def fingerprint(self) -> dict:
        """What identifies this model's answers: kind, model name, revision or file hash,
        parameters. Never a key or a secret."""

    def describe(self) -> str:
        fp = self.fingerprint()
        return f"{fp.get('kind')}:{fp.get('model')}"

    @abstractmethod
    def annotate(self, task: Task, texts: list[str]) -> list[dict | RowError]:
        """One output (``{column: value}``) or :class:`RowError` per text, in order."""

    def annotate_one(self, task: Task, text: str) -> dict | RowError:
        """One text's output (a remote backend's request; the runner calls it from
        ``concurrency`` threads at once). By default a batch of one."""
        return self.annotate(task, [text])[0]

    def plan_batches(self, texts: list[str]) -> list[list[int]] | None:
        """The runner's batches as lists of indices into ``texts``, for a model that knows
        better than a count of characters (its token lengths); None (the default): the
        runner sorts by characters and cuts ``batch_size`` rows."""
        return None

    def supports(self, task: Task) -> bool:
        """Whether this model can run ``task`` (else :meth:`refusal` says why)."""
        return True

    # -- how much text the model reads at once ----------------------------------------
    # One place for every backend (the runner's chunking, the run dialog's warning, the
    # methods record): each backend says its own limit and how it counts.

    # True: the model itself reads only the first ``input_limit`` tokens of a longer
    # input (a local tokenizer truncates). False: a longer input must be cut before it
    # is sent (an API server would refuse it, or cut it where nobody sees).
    cuts_long_inputs: bool = True

    def input_limit(self, task: Task) -> int | None:
        """The most tokens of one text (as :meth:`count_tokens` counts them) that this
        model reads at once for ``task``: its maximum input less special tokens, an NLI
        hypothesis, the prompt and room for the answer. None: no limit (the lexicon).

        Every backend must say; the default refuses rather than pretend there is none."""
        raise NotImplementedError(f"{type(self).__name__} does not say how much text it reads")

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens of each text as this model counts them, without special tokens; by
        default the estimate :func:`estimate_tokens`."""
        return [estimate_tokens(t) for t in texts]

    def refusal(self, task: Task) -> str:
        """Why this model cannot run ``task`` (asked only when :meth:`supports` says no)."""
        return "this model cannot run it; choose another"

    def transductive(self, task: Task) -> bool:
        """True when a row's output depends on the other texts of the job too (a method
        that learns from the whole corpus): the corpus is then part of the cache key."""
        return False

    def prepare(self, task: Task, texts: list[str], monitor: Monitor | None = None) -> None:
        """Called once before the rows are annotated, with every text of the job (fitting
        on coded examples or on the corpus); ``monitor`` gets ``report(fraction, 1.0,
        message=...)`` and says when to stop early. Most backends need nothing."""

    def keep_embeddings(self, project: ProjectEmbeddings | None) -> None:
        """Called by the runner before :meth:`prepare`: a sentence-embedding model reads
        its frozen corpus embeddings from ``project`` and keeps the new ones there
        (``core/embedding/stored.py``); None after it: keep none. Other backends have
        none."""

    def close(self) -> None:
        """Release resources; for remote backends, abandon requests in flight."""


# Characters a token, for models whose tokenizer is not at hand: English averages about
# four; three leaves a margin for other languages, numbers and punctuation, so that a
# text estimated to fit does fit.
CHARS_PER_TOKEN_ESTIMATE = 3


def estimate_tokens(text: str) -> int:
    """A cautious token count without the model's tokenizer (one per three characters)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)


def digest(value) -> str:
    """A stable hash of JSON-able data (cache keys, run specs)."""
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()

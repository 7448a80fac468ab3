"""What identifies a run and a request: the run's spec (task, model, text column, corpus,
replicate) and the response cache's key of one text, with which a repeated request is
answered without a call."""

from __future__ import annotations

from dataclasses import dataclass

from .backends.base import Backend, digest
from .tasks.base import Task


@dataclass(frozen=True)
class Replicate:
    """A replicate run: it repeats run ``of`` and is its project's ``index``-th replicate.
    The index joins the run's spec and every cache key, so a replicate asks the model
    again instead of reading the answers of the run it repeats (or of another replicate)."""

    of: int
    index: int


def run_spec(
    task: Task,
    backend: Backend,
    text_column: str,
    corpus: str | None = None,
    replicate: Replicate | None = None,
) -> dict:
    spec = {"task": task.params(), "model": backend.fingerprint(), "text_column": text_column}
    if corpus is not None:
        spec["corpus"] = corpus
    if replicate is not None:
        spec["replicate"] = replicate.index
    return spec


def cache_key(
    task: Task,
    backend: Backend,
    text: str,
    corpus: str | None = None,
    replicate: Replicate | None = None,
) -> str:
    """Same model, parameters, prompt and text (and corpus, for a method that learns from
    it; and replicate index, for a replicate): the same answer."""
    return request_keyer(task, backend, corpus, replicate)(text)


def request_keyer(
    task: Task, backend: Backend, corpus: str | None = None, replicate: Replicate | None = None
):
    """``cache_key`` with the model's fingerprint and the task's parameters taken once:
    some fingerprints are not free (package metadata, weight hashes) and keys are made
    per row."""
    identity = [backend.fingerprint(), task.params()]
    if corpus is not None:
        identity.append(corpus)
    if replicate is not None:
        identity.append({"replicate": replicate.index})
    return lambda text: digest(identity + [text])

"""Occlusion, for any model: leave one word (or ``window`` words in a row) out, ask the
model again through the run's own call path, and weigh each word by how much the
answer's score drops without it.

Every text is known before the first is sent, so the number of requests is announced
(and, for an API model, consented to) before any is made. Texts that come out the same
(a repeated word) are asked once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..backends.base import Backend, RowError
from ..chunking import LongTexts
from ..errors import ExplainError
from ..progress import Monitor
from ..tasks.base import PROBABILITIES, Task
from ..tasks.choice import weighted_mean
from .answer import STATED, STATED_NOTE, answer_score, score_kind
from .attribution import WeightedWord
from .words import Word, split_words, without


@dataclass(frozen=True)
class OcclusionPlan:
    """The texts occlusion asks: the whole text first, then one per window of words."""

    text: str
    words: list[Word]
    window: int
    spans: list[tuple[int, int]]  # words [first, last) left out in each variant
    variants: list[str]  # the text without each span, in the order of ``spans``

    @property
    def texts(self) -> list[str]:
        """Every distinct text asked, the whole text first."""
        return list(dict.fromkeys([self.text, *self.variants]))


def plan_occlusion(text: str, window: int = 1) -> OcclusionPlan:
    """What occlusion of ``text`` asks, leaving out ``window`` consecutive words at a time
    (every start, so a text of n words makes n - window + 1 variants)."""
    if window < 1:
        raise ValueError("window must be at least 1 word")
    words = split_words(text)
    window = min(window, max(1, len(words)))
    spans = [(i, i + window) for i in range(max(0, len(words) - window + 1))]
    variants = [without(text, words[a].start, words[b - 1].end) for a, b in spans]
    return OcclusionPlan(text, words, window, spans, variants)


def occlude(
    backend: Backend,
    task: Task,
    plan: OcclusionPlan,
    label: str,
    monitor: Monitor | None = None,
) -> tuple[float, str, list[WeightedWord], list[str]]:
    """Ask ``backend`` for every text of ``plan`` and weigh the words: (the whole text's
    score, how it was read, the weighted words, notes). A word's weight is the whole
    text's score less the score without it (positive: the word raised the score); with a
    window of several words, the mean over the windows that leave it out."""
    monitor = Monitor.of(monitor)
    texts = plan.texts
    outputs = _ask(backend, task, texts, monitor)
    scores = {t: answer_score(task, out, label) for t, out in zip(texts, outputs, strict=True)}
    base = scores[plan.text]
    if base is None:
        why = str(outputs[0]) if isinstance(outputs[0], RowError) else "no score"
        raise ExplainError(f"the model gave no answer for the whole text now: {why}")
    drops: list[list[float]] = [[] for _ in plan.words]
    failed = 0
    for (a, b), variant in zip(plan.spans, plan.variants, strict=True):
        score = scores[variant]
        if score is None:
            failed += 1
            continue
        for i in range(a, b):
            drops[i].append(base - score)
    weighted = [
        WeightedWord(word, sum(d) / len(d) if d else None)
        for word, d in zip(plan.words, drops, strict=True)
    ]
    kind = score_kind(task, outputs[0], stated=backend.states_scores)
    notes = [STATED_NOTE] if kind == STATED else []
    if failed:
        notes.append(
            f"the model gave no answer for {failed} of {len(plan.spans)} texts with words "
            "left out: those words have no weight"
        )
    return base, kind, weighted, notes


class _ProbabilitiesKept(LongTexts):
    """The run's call path, keeping each answer's label probabilities (the runner drops
    them before storing): an answer's score is then its probability even where the
    model picks another label without a word, not a step down to 0."""

    def finish(self, plan, answers: list) -> dict | RowError:
        out = super().finish(plan, answers)
        probabilities = [a.get(PROBABILITIES) for a in answers if isinstance(a, dict)]
        if isinstance(out, dict) and probabilities and all(probabilities):
            out[PROBABILITIES] = (
                probabilities[0]
                if len(probabilities) == 1
                else weighted_mean(probabilities, plan.tokens, self.task.labels)
            )
        return out


def _ask(backend: Backend, task: Task, texts: list[str], monitor: Monitor) -> list:
    """Each text's output through the run's call path (a long text split into chunks as
    the run did), with progress and Cancel between requests or batches."""
    long_texts = _ProbabilitiesKept(backend, task)
    outputs: list = []
    monitor.report(0, len(texts), message="asking the model")
    if backend.remote:
        with ThreadPoolExecutor(max(1, backend.concurrency)) as pool:
            futures = [pool.submit(_one, long_texts, t, monitor) for t in texts]
            try:
                for future in futures:
                    outputs.append(future.result())
                    monitor.report(len(outputs), len(texts), message="asking the model")
            finally:
                for future in futures:
                    future.cancel()
        return outputs
    step = max(1, backend.batch_size)
    for start in range(0, len(texts), step):
        monitor.check()
        outputs += long_texts.annotate(texts[start : start + step])
        monitor.report(len(outputs), len(texts), message="asking the model")
    return outputs


def _one(long_texts: LongTexts, text: str, monitor: Monitor):
    monitor.check()
    return long_texts.annotate_one(text)

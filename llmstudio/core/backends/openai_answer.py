"""Reading a chat completion into a task's answer: one home for an ordinary run's replies
and a batch's (``core.batch_results``), so both parse and score alike."""

from __future__ import annotations

import math

from ..tasks.base import ParseError, Task


def label_confidence(choice, label: str) -> float | None:
    """exp(logprob) of the first token of the label in the answer, if logprobs came."""
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return None
    for token in content:
        piece = (token.token or "").strip().strip('"').lower()
        if piece and label.lower().startswith(piece):
            return math.exp(token.logprob)
    return None


def read_answer(task: Task, reply) -> dict:
    """The task's answer in a chat completion ``reply``, the confidence from the label's
    logprob; ParseError if unreadable."""
    if not reply.choices:
        raise ParseError("the server sent no choices")
    out = task.parse(reply.choices[0].message.content or "")
    # One label chosen: the logprob of its first token is the confidence.
    label = out.get(f"{task.name}_label")
    if isinstance(label, str) and f"{task.name}_score" in out:
        confidence = label_confidence(reply.choices[0], label)
        if confidence is not None:
            out[f"{task.name}_score"] = round(confidence, 6)
    return out

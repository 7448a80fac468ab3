"""How a classifier's own label names map onto a task's labels (see :func:`map_labels`)."""

from __future__ import annotations

import re

from ...tasks.base import Task
from ..base import BackendError

LABEL_MAPPING_VERSION = 1  # bump when the automatic label mapping rules change
# Generic label names (a model saved without names) read as sentiment, by count.
GENERIC_SENTIMENT = {2: ("negative", "positive"), 3: ("negative", "neutral", "positive")}
_GENERIC = re.compile(r"^label_(\d+)$", re.I)


def _task_label(task: Task, word: str) -> str | None:
    """The task's label for a model's label word: the task's own rule (case, synonyms)
    when it has one, else a case-insensitive match."""
    return task.label_of(word)


def map_labels(
    model: str, model_labels: list[str], task: Task, label_map: dict[str, str] | None = None
) -> list[str]:
    """The task label of each of the model's labels (in the model's label order).

    Raises :class:`BackendError` naming the model's labels when one cannot be mapped.
    """
    given = {str(k).strip().lower(): v for k, v in (label_map or {}).items()}
    generic = [_GENERIC.match(name.strip()) for name in model_labels]
    convention = None
    if all(generic) and sorted(int(m.group(1)) for m in generic) == list(range(len(generic))):
        convention = GENERIC_SENTIMENT.get(len(model_labels))

    mapped, missing = [], []
    for name in model_labels:
        if name.strip().lower() in given:
            target = given[name.strip().lower()]
            label = _task_label(task, str(target))
            if label is None:
                raise BackendError(
                    f"label_map sends the model label {name!r} to {target!r}, which is not "
                    f"one of the task's labels ({', '.join(task.labels)})"
                )
        else:
            label = _task_label(task, name)
            if label is None and convention is not None:
                label = _task_label(task, convention[int(_GENERIC.match(name.strip()).group(1))])
        if label is None:
            missing.append(name)
        mapped.append(label)
    if missing:
        raise BackendError(
            f"cannot map the labels of model {model} ({', '.join(model_labels)}) onto the "
            f"task's labels ({', '.join(task.labels)}): no match for {', '.join(missing)}; "
            "give a label_map, e.g. {" + f"{missing[0]!r}: {task.labels[0]!r}" + "}"
        )
    return mapped

"""Coded examples for few-shot runs: a table with a ``text`` and a ``label`` column.

For a multi-label codebook a row's ``label`` lists its codes separated by ``;`` (an empty
cell: no code applies). Every label must be one of the task's; a wrong one is reported
with the file and the row it is on, and nothing runs.
"""

from __future__ import annotations

from pathlib import Path

from .corpus import read_table
from .errors import ExamplesError


def read_examples(
    path: str | Path, labels: tuple[str, ...], *, multi_label: bool = False, label_of=None
) -> tuple[tuple[str, str], ...]:
    """``(text, label)`` pairs from ``path``; ``label_of(word)`` maps a written label onto
    the task's (case, synonyms), default: exact match ignoring case."""
    path = Path(path)
    table = read_table(path)
    frame = table.frame
    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in ("text", "label") if c not in columns]
    if missing:
        raise ExamplesError(
            f"{path}: no {' or '.join(repr(m) for m in missing)} column; the "
            f"file needs 'text' and 'label' (it has {', '.join(map(str, frame.columns))})"
        )
    if label_of is None:
        lowered = {label.lower(): label for label in labels}
        label_of = lambda word: lowered.get(word.strip().lower())  # noqa: E731
    out = []
    for i, (text, raw) in enumerate(zip(frame[columns["text"]], frame[columns["label"]])):
        # Rows, not lines: a quoted text may span lines, so a line number could mislead.
        where = f"{path}, example row {i + 1}"
        text = "" if text is None else str(text).strip()
        raw = "" if raw is None else str(raw).strip()
        if not text:
            raise ExamplesError(f"{where}: the example has no text")
        words = [w for w in raw.split(";")] if multi_label else [raw]
        mapped = []
        for word in words:
            if multi_label and not word.strip():
                continue
            label = label_of(word) if word.strip() else None
            if label is None:
                raise ExamplesError(
                    f"{where}: label {word.strip()!r} is not one of {', '.join(labels)}"
                )
            mapped.append(label)
        out.append((text, ";".join(mapped)))
    if not out:
        raise ExamplesError(f"{path}: no examples in the file")
    return tuple(out)

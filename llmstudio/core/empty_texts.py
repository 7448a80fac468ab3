"""Rows with no text: empty or whitespace-only cells (survey non-responses, blank lines).

A model asked about nothing still answers (a sentiment model said "positive, 0.60" to an
empty string), and that answer would be counted as a label. So the runner never sends
such a row to any backend (no request, nothing to pay, nothing a corpus-learning model
learns from) and records it as answered with no label and the reason :data:`EMPTY_TEXT`
in the ``<task>_error`` column, with ``retryable = 0``: the run is complete, the row is
not a failure, and having no label it counts as no label anywhere (agreement, charts,
the methods record), which gives the number of empty texts separately.

The rule (:func:`no_text`): a row has no text when every cell its input is made of (the
text column, and for a custom prompt each column the prompt names) is empty or only
whitespace after the cell's conversion to text (:func:`llmstudio.core.cells.cell_text`:
a missing value is the empty string).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .backends.base import RowError

EMPTY_TEXT = "empty text: nothing to label"


@dataclass
class EmptyText(RowError):
    """A row with no text, as the runner reports it: no label, not a failure."""

    message: str = EMPTY_TEXT
    retryable: bool = False


def no_text(cells: Iterable[str]) -> bool:
    """True when every one of a row's input cells (already text) is blank."""
    return not any(cell.strip() for cell in cells)


def empty_words(n: int) -> str:
    """ "3 empty texts (no label)", or "" for none: how a count of them reads."""
    return f"{n:,} empty text{'' if n == 1 else 's'} (no label)" if n else ""

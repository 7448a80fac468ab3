"""The words of a text that an attribution weighs, with their places in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word: letters or digits, with inner apostrophes and hyphens ("don't", "well-known").
# Punctuation and spaces are never weighed alone: they stay in every text asked.
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


@dataclass(frozen=True)
class Word:
    """One word: its text and its start and end (str offsets into the text)."""

    text: str
    start: int
    end: int


def split_words(text: str) -> list[Word]:
    """The words of ``text`` in order, each with its offsets."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


# Marks written after a word without a space: the space before a word left out goes
# with it ("stop, go" without "stop" would read " , go").
_CLOSING = ",.;:!?)]}»”’"


def without(text: str, start: int, end: int) -> str:
    """``text`` with ``text[start:end]`` left out, and one space of the two around it, so
    that no double space marks the gap (the model reads a text a person could have
    written)."""
    before, after = text[:start], text[end:]
    if before.endswith(" ") and (not after or after[0] == " " or after[0] in _CLOSING):
        before = before[:-1]
    elif not before and after.startswith(" "):
        after = after[1:]
    return before + after

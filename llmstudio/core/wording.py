"""Counts in sentences people read: "1 passage", "2 passages", "1,204 row-code clicks"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, nouns: str = "") -> str:
    """``n`` with ``noun`` in the singular for 1 and in the plural otherwise (``nouns``,
    or ``noun`` + "s"); thousands separated."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"

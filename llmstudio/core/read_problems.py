"""What reading a table reports (:class:`Problem`), and the conventions every reader shares:
cells as exact strings, unique header names, extra fields in ``extra_`` columns."""

from __future__ import annotations

from dataclasses import dataclass

STRING_DTYPE = "str"
MAX_LISTED_PROBLEMS = 200
EXTRA_PREFIX = "extra_"


@dataclass(frozen=True)
class Problem:
    """Something irregular found while reading; ``line`` is 1-based in the file."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def unique_names(names: list[str]) -> list[str]:
    """Make header names unique and non-empty: ``text, text`` -> ``text, text_2``."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        base = name if name.strip() else f"column_{i + 1}"
        candidate, k = base, 2
        while candidate in seen:
            candidate, k = f"{base}_{k}", k + 1
        seen.add(candidate)
        out.append(candidate)
    return out

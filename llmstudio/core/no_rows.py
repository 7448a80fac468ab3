"""A table read as 0 rows: the one sentence that says so, with the problems that explain it.

A header alone, or a quote on the header line read as quoted (it takes in every line
after it), gives a table with columns and no rows. A job over it would end as "done"
having done nothing, and a window would show an empty table without a word: the CLI
refuses such a table and the window says so, both in these words.
"""

from __future__ import annotations

from pathlib import Path

from .corpus import Corpus


def zero_rows_message(corpus: Corpus, source: str | Path, nothing_to: str = "run") -> str | None:
    """"survey.csv: read as 0 rows, nothing to run (line 1: the quote at column 1 ...)";
    None when the table has rows. ``nothing_to`` names what cannot be done."""
    if corpus.rows:
        return None
    why = "; ".join(map(str, corpus.problems[:3]))
    return (f"{source}: read as 0 rows, nothing to {nothing_to}"
            + (f" ({why})" if why else " (a header and no rows)"))

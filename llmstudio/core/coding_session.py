"""A coder's session of coding by hand, without a window: the rows to code in order,
where the coder is in them, the codes and memos given, and the undo/redo history.

The coding panel (``gui/coding/coding_panel``) shows it; the project stores it: every click goes
through ``save`` (``human_codes.record``) before the session takes it, so a click that
cannot be stored changes nothing here. Undo and redo are clicks too: they store the row's
earlier (or later) codes and memo again, so the project keeps the whole sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .codebook import NONE_CODE

Codes = tuple[str, ...]
Entry = tuple[Codes, str]  # (codes, memo) of one row
NOTHING: Entry = ((), "")


NO_PROJECT = (
    "Coding is kept in a project: save the corpus as a project first (Ctrl+S). "
    "Every click is then saved at once."
)
NO_CODEBOOK = "This project has no codebook yet: write one (its codes become the buttons here)."
NO_CODER = "Type your name (or initials) in Coder and press Enter: codes are kept per coder."


def missing(corpus_open: bool, has_project: bool, has_book: bool, coder: str):
    """What must be done before coding, as (message, what fixes it: "save", "codebooks"
    or None); None when nothing is missing."""
    if not corpus_open:
        return "Open a corpus first (Ctrl+O).", None
    if not has_project:
        return NO_PROJECT, "save"
    if not has_book:
        return NO_CODEBOOK, "codebooks"
    if not coder:
        return NO_CODER, None
    return None


def list_notice(which: str, empty: bool, *, suggested, model_title, book_name, coder):
    """What to say about the rows to code under the filter ``which`` (``empty``: none),
    as (message or None, what fixes it: "learn", "run" or None)."""
    if which == "suggested" and suggested is None:
        return (
            "No suggestions yet: open Analyse › Learn from My Codes… and press "
            "“Suggest next rows” (it needs a few codes first).",
            "learn",
        )
    if which == "disagree" and model_title is None:
        return (
            f"No model has coded with {book_name!r} yet, so there is no "
            "disagreement to show: run one with Analyse > Run Model… (Ctrl+R).",
            "run",
        )
    if which == "disagree" and empty:
        return f"The model ({model_title}) and {coder} agree on every row both coded.", None
    if empty:
        return "No rows in this list." + (
            " Everything is coded." if which == "uncoded" else ""
        ), None
    return None, None


@dataclass(frozen=True)
class Click:
    """One click on a row: its codes and memo before and after, and what it did."""

    row_id: int
    before: Entry
    after: Entry
    text: str


def toggled(codes: Codes, code: str) -> Codes:
    """A multi-label row's codes after the key of ``code``: off when it was on; "none of
    these" alone; any other code added (and "none" dropped)."""
    if code in codes:
        return tuple(c for c in codes if c != code)
    if code == NONE_CODE:
        return (NONE_CODE,)
    return tuple(c for c in codes if c != NONE_CODE) + (code,)


class CodingSession:
    """The rows to code, the position, the codes given and the undo/redo history.

    ``save(row_id, codes, memo)`` stores a click (in the project) and says whether it was
    stored; ``on_stored(row_id)`` is told after the session took a stored click;
    ``on_history(can_undo, can_redo)`` is told when the history changed.
    """

    def __init__(
        self,
        save: Callable[[int, Codes, str], bool],
        on_stored: Callable[[int], None] | None = None,
        on_history: Callable[[bool, bool], None] | None = None,
    ):
        self._save = save
        self._on_stored = on_stored
        self._on_history = on_history
        self.rows: list[int] = []  # the sequence to code, in order
        self._index: dict[int, int] = {}  # row id -> position in it (a million rows: no .index)
        self.pos = -1  # where in it (the last position shown from it)
        self.row_id: int | None = None  # the row shown
        self._entries: dict[int, Entry] = {}  # row id -> (codes, memo) of this coder
        self._done: list[Click] = []  # the history; the first ``_at`` are applied
        self._at = 0

    # -- codes given --------------------------------------------------------------------

    def load(self, entries: Iterable[tuple[int, Codes, str]]) -> None:
        """The codes and memos stored before (by this coder, in this codebook)."""
        self._entries = {row_id: (tuple(codes), memo) for row_id, codes, memo in entries}

    def entry(self, row_id: int | None) -> Entry:
        """(codes, memo) of a row (none: no codes, no memo)."""
        return self._entries.get(row_id, NOTHING) if row_id is not None else NOTHING

    def codes(self, row_id: int | None) -> Codes:
        return self.entry(row_id)[0]

    def coded(self, rows: set[int] | None = None) -> int:
        """How many rows have codes (among ``rows``, when given)."""
        return sum(
            1 for r, (codes, _) in self._entries.items() if codes and (rows is None or r in rows)
        )

    def store(self, row_id: int, codes: Iterable[str], memo: str) -> bool:
        """Store a row's codes and memo (not a click: no history); False when not stored."""
        codes = tuple(codes)
        if not self._save(row_id, codes, memo):
            return False
        self._entries[row_id] = (codes, memo)
        if self._on_stored is not None:
            self._on_stored(row_id)
        return True

    # -- clicks, undo, redo ---------------------------------------------------------------

    def click(self, row_id: int, before: Entry, after: Entry, text: str) -> bool:
        """Store ``after`` for the row, undoably; False (and nothing to undo) when not
        stored. Anything undone before is no longer to be redone."""
        ok = self.store(row_id, *after)
        del self._done[self._at :]
        if ok:
            self._done.append(Click(row_id, before, after, text))
            self._at += 1
        self._tell()
        return ok

    @property
    def can_undo(self) -> bool:
        return self._at > 0

    @property
    def can_redo(self) -> bool:
        return self._at < len(self._done)

    def undo(self) -> int | None:
        """Store the last click's ``before`` again; the row it changed (None: nothing)."""
        if not self.can_undo:
            return None
        click = self._done[self._at - 1]
        self.store(click.row_id, *click.before)
        self._at -= 1
        self._tell()
        return click.row_id

    def redo(self) -> int | None:
        """Store the click undone last again; the row it changed (None: nothing)."""
        if not self.can_redo:
            return None
        click = self._done[self._at]
        self.store(click.row_id, *click.after)
        self._at += 1
        self._tell()
        return click.row_id

    def clear_history(self) -> None:
        """Forget the undo history (another project, codebook or coder)."""
        self._done, self._at = [], 0
        self._tell()

    def _tell(self) -> None:
        if self._on_history is not None:
            self._on_history(self.can_undo, self.can_redo)

    # -- the sequence -------------------------------------------------------------------

    def set_rows(self, rows: list[int]) -> None:
        """The rows to code, in order (the position is set by the caller)."""
        self.rows = list(rows)
        self._index = {r: i for i, r in enumerate(self.rows)}

    def position(self, row_id: int | None) -> int | None:
        """Where ``row_id`` is in the rows to code (None: not among them)."""
        return self._index.get(row_id) if row_id is not None else None

    def follow(self, row_id: int | None) -> None:
        """The position moves to ``row_id`` when it is among the rows to code."""
        at = self.position(row_id)
        if at is not None:
            self.pos = at

    def next_row(self) -> int | None:
        """The row after the one shown (None: it was the last)."""
        if not self.rows:
            return None
        self.follow(self.row_id)
        return self.rows[self.pos + 1] if self.pos + 1 < len(self.rows) else None

    def previous_row(self) -> int | None:
        """The row before the one shown; the row at the position when the row shown is
        not among the rows to code (None: nothing before)."""
        if not self.rows:
            return None
        self.follow(self.row_id)
        if self.pos > 0:
            return self.rows[self.pos - 1]
        if self.position(self.row_id) is None:
            return self.rows[max(0, self.pos)]
        return None

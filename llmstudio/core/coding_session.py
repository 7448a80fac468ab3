"""A coder's session of coding by hand, without a window: the rows to code in order,
where the coder is in them, the codes and memos given, and the undo/redo history.

The coding panel (``gui/coding/coding_panel``) shows it; the project stores it: every click goes
through ``save`` (``human_codes.record``) before the session takes it, so a click that
cannot be stored changes nothing here. Undo and redo are clicks too: they store the row's
earlier (or later) codes and memo again, so the project keeps the whole sequence.

Passages (``core/passages.py``) share the one undo history with row codes: adding,
removing or recoding a passage goes through a ``PassageStore`` first; undo and redo take
the passages a step added out of force and put those it removed back (never deleting).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

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


@dataclass(frozen=True)
class PassageStep:
    """One change to a row's passages: the passage ids it put in force (``added``) and
    took out (``removed``). Undo takes ``added`` out and puts ``removed`` back."""

    row_id: int
    added: tuple[int, ...]
    removed: tuple[int, ...]
    text: str


class PassageStore(Protocol):
    """Where a session's passage changes are stored (``passages.ProjectPassages``); each
    method commits before it returns and raises (``ProjectError``) when it cannot."""

    def add(self, row_id: int, start: int, end: int, code: str) -> int: ...

    def change(self, passage_id: int, code: str) -> int: ...

    def change_memo(self, passage_id: int, memo: str) -> int: ...

    def switch(self, take_out: Sequence[int], put_back: Sequence[int]) -> None: ...


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
        passages: PassageStore | None = None,
    ):
        self._save = save
        self.passages = passages  # None: row codes only
        self._on_stored = on_stored
        self._on_history = on_history
        self.rows: list[int] = []  # the sequence to code, in order
        self._index: dict[int, int] = {}  # row id -> position in it (a million rows: no .index)
        self.pos = -1  # where in it (the last position shown from it)
        self.row_id: int | None = None  # the row shown
        self._entries: dict[int, Entry] = {}  # row id -> (codes, memo) of this coder
        self._done: list[Click | PassageStep] = []  # the history; the first ``_at`` applied
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

    def coded(self, rows: set[int] | None = None, marked: Iterable[int] = ()) -> int:
        """How many rows have codes or are among ``marked`` (the rows with the coder's
        passages), among ``rows`` when given: select_rows' "coded"."""
        done = {r for r, (codes, _) in self._entries.items() if codes} | set(marked)
        return len(done if rows is None else done & rows)

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

    def _passage_store(self) -> PassageStore:
        if self.passages is None:
            raise RuntimeError("this coding session has no passage store")
        return self.passages

    def _took(self, step: PassageStep) -> None:
        """A stored passage change joins the history (anything undone is not redone)."""
        del self._done[self._at :]
        self._done.append(step)
        self._at += 1
        if self._on_stored is not None:
            self._on_stored(step.row_id)
        self._tell()

    def add_passage(self, row_id: int, start: int, end: int, code: str, text: str = "") -> int:
        """Store a passage of ``code`` (characters ``start:end`` of the row's text),
        undoably; its id. Raises, changing nothing here, when it cannot be stored."""
        new = self._passage_store().add(row_id, start, end, code)
        self._took(PassageStep(row_id, (new,), (), text or f"mark {code}"))
        return new

    def remove_passage(self, row_id: int, passage_id: int, text: str = "") -> None:
        """Take a passage out, undoably (it stays in the project, marked removed)."""
        self._passage_store().switch((passage_id,), ())
        self._took(PassageStep(row_id, (), (passage_id,), text or "remove passage"))

    def recode_passage(self, row_id: int, passage_id: int, code: str, text: str = "") -> int:
        """Give a passage another code, undoably; the id of its successor."""
        new = self._passage_store().change(passage_id, code)
        self._took(PassageStep(row_id, (new,), (passage_id,), text or f"recode as {code}"))
        return new

    def memo_passage(self, row_id: int, passage_id: int, memo: str, text: str = "") -> int:
        """Give a passage another memo, undoably; the id of its successor."""
        new = self._passage_store().change_memo(passage_id, memo)
        self._took(PassageStep(row_id, (new,), (passage_id,), text or "passage memo"))
        return new

    def _apply(self, step: Click | PassageStep, forward: bool) -> None:
        if isinstance(step, Click):
            self.store(step.row_id, *(step.after if forward else step.before))
            return
        if forward:
            self._passage_store().switch(step.removed, step.added)
        else:
            self._passage_store().switch(step.added, step.removed)
        if self._on_stored is not None:
            self._on_stored(step.row_id)

    @property
    def can_undo(self) -> bool:
        return self._at > 0

    @property
    def can_redo(self) -> bool:
        return self._at < len(self._done)

    @property
    def undo_text(self) -> str:
        """What Undo would undo ("mark Housing (row 3)"; "" : nothing)."""
        return self._done[self._at - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        """What Redo would redo ("" : nothing)."""
        return self._done[self._at].text if self.can_redo else ""

    def undo(self) -> int | None:
        """Store the last click's ``before`` again (a passage step: take out the passages
        it added, put back those it removed); the row it changed (None: nothing). A
        passage step that cannot be undone raises and stays in the history."""
        if not self.can_undo:
            return None
        click = self._done[self._at - 1]
        self._apply(click, forward=False)
        self._at -= 1
        self._tell()
        return click.row_id

    def redo(self) -> int | None:
        """Store the click (or passage step) undone last again; the row it changed
        (None: nothing)."""
        if not self.can_redo:
            return None
        click = self._done[self._at]
        self._apply(click, forward=True)
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

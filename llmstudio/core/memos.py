"""Memos: the researcher's notes on the project, on a code, on a row and on a passage,
read as one list and saved as they are typed.

Each kind has one home: a row memo is the memo of the coder's latest click on the row
(``human_codes``), a passage memo is the passage's (``passages``), and code and project
memos are in the ``memos`` table (schema 8). A code's memo is not its description: the
description defines the code (and is sent to models), the memo holds the researcher's
running notes on it, one per author. Every save is one committed transaction and keeps
what came before (a row memo saves a click, a passage memo a successor passage, a code or
project memo a row of ``memo_versions``), so a crash loses at most what was typed since
the last save. Qt-free: the memo browser, the exports and ``.qdpx`` read through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import human_codes, passages
from .errors import ProjectError
from .human_codes import check_coder
from .project import Project
from .store import history, transaction
from .store import memos as stored

__all__ = [
    "KINDS",
    "KIND_TITLES",
    "Memo",
    "add_project_memo",
    "all_memos",
    "code_memo",
    "code_memos",
    "count",
    "delete",
    "export_memos",
    "filter_memos",
    "first_line",
    "get",
    "memo_table",
    "rows_of",
    "save",
    "set_code_memo",
    "versions",
]

KINDS = ("project", "code", "row", "passage")
KIND_TITLES = {"project": "Project", "code": "Code", "row": "Row", "passage": "Passage"}


class Memo(NamedTuple):
    """One memo of any kind. ``id``: the memo's own id (project, code), the click's (row)
    or the passage's; ``codebook`` and ``code`` say what a code memo is on (a passage's
    code too); ``row_id`` (0-based) a row or passage memo's row; ``passage_id`` a passage
    memo's passage. ``created``/``modified``: UTC ISO times (a row or passage memo's
    modified is its latest click or passage; its created the same)."""

    kind: str
    id: int
    author: str
    text: str
    created: str
    modified: str
    title: str = ""
    codebook: str = ""
    code: str = ""
    row_id: int | None = None
    passage_id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What names this memo across kinds (ids of different kinds may be equal)."""
        return (self.kind, self.id)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _memo(row) -> Memo:
    id_, kind, codebook, code, author, title, text, created, modified, _ = row
    return Memo(kind, id_, author, text, created, modified, title, codebook, code)


def first_line(memo: Memo, width: int = 80) -> str:
    """The memo's title, else its first non-empty line, cut at ``width`` characters."""
    line = memo.title or next((x.strip() for x in memo.text.splitlines() if x.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


# -- reading ------------------------------------------------------------------------------


def all_memos(project: Project) -> list[Memo]:
    """Every memo of the project with text (or a title): project memos, then code memos
    (each oldest first), then row memos and passage memos (by codebook and row). Row
    memos of a deleted codebook's clicks are listed too (they stay in the project)."""
    out = [_memo(r) for r in stored.all_memos(project.db)]
    out.sort(key=lambda m: KINDS.index(m.kind))
    out = [m for m in out if m.text or m.title]
    # Straight from the tables (not through every click and passage): a project of
    # 100,000 coded rows lists its memos in well under a second.
    for id_, book, coder, row_id, text, time in stored.row_memos(project.db):
        out.append(Memo("row", id_, coder, text, time, time, "", book, "", row_id))
    for id_, book, coder, row_id, code, text, created in stored.passage_memos(project.db):
        out.append(Memo("passage", id_, coder, text, created, created, "", book, code, row_id, id_))
    return out


def filter_memos(
    memos: Iterable[Memo],
    *,
    text: str = "",
    kinds: Iterable[str] | None = None,
    author: str | None = None,
    code: str | None = None,
) -> list[Memo]:
    """The memos whose text or title holds ``text`` (case-insensitive; every word of it),
    of one of ``kinds``, by ``author``, on ``code`` (a code memo or a passage of it);
    None or "": any."""
    words = text.casefold().split()
    if not words and kinds is None and not author and not code:
        return list(memos)  # nothing asked: every one (the browser opening)
    kinds = None if kinds is None else set(kinds)
    out = []
    for m in memos:
        if kinds is not None and m.kind not in kinds:
            continue
        if author and m.author != author:
            continue
        if code and m.code != code:
            continue
        haystack = f"{m.title}\n{m.text}".casefold()
        if all(w in haystack for w in words):
            out.append(m)
    return out


def get(project: Project, kind: str, memo_id: int) -> Memo:
    """The memo as stored now (a row memo: the click ``memo_id``'s; a passage memo: the
    passage's). ProjectError when there is none."""
    if kind in ("project", "code"):
        row = stored.get(project.db, int(memo_id))
        if row is None or row[1] != kind:
            raise ProjectError(f"there is no {kind} memo {memo_id} in this project")
        return _memo(row)
    if kind == "passage":
        p = passages.get(project, memo_id)
        return Memo(
            "passage", p.id, p.coder, p.memo, p.created, p.created, "", p.codebook, p.code,
            p.row_id, p.id,
        )  # fmt: skip
    if kind == "row":
        for book in project.codebooks():
            for c in human_codes.current(project, book):
                if c.id == memo_id:
                    return Memo(
                        "row", c.id, c.coder, c.memo, c.time, c.time, "", book, "", c.row_id
                    )
        raise ProjectError(f"click {memo_id} is not the latest on its row: its memo was replaced")
    raise ProjectError(f"there is no kind of memo called {kind!r} (kinds: {', '.join(KINDS)})")


def code_memo(project: Project, codebook: str, code: str, author: str) -> Memo | None:
    """``author``'s memo on ``code`` of ``codebook``, or None."""
    row = stored.code_memo(project.db, codebook, code, author)
    return _memo(row) if row is not None else None


def code_memos(project: Project, codebook: str, code: str) -> list[Memo]:
    """Every author's memo on ``code`` of ``codebook`` (with text), oldest first."""
    return [m for m in map(_memo, stored.code_memos(project.db, codebook, code)) if m.text]


def versions(project: Project, memo: Memo) -> list[tuple[str, str, str]]:
    """Every save of a project or code memo as (saved, title, text), oldest first (row and
    passage memos keep theirs as clicks and successor passages)."""
    return [tuple(v) for v in stored.versions(project.db, memo.id)]


def rows_of(project: Project, memo: Memo, coder: str | None = None) -> list[int]:
    """The rows (0-based ids) a memo is about, to show them: its row (row and passage
    memos), the rows coded with its code as a row code or a passage (code memos; by
    anyone, or by ``coder`` only: a coder coding blind sees no one else's codes); none
    for a project memo."""
    if memo.kind in ("row", "passage"):
        return [memo.row_id]
    if memo.kind != "code":
        return []
    clicks = human_codes.current(project, memo.codebook, coder)
    rows = {c.row_id for c in clicks if memo.code in c.codes}
    found = passages.find(project, memo.codebook, codes=[memo.code], coder=coder)
    rows |= {p.row_id for p in found}
    return sorted(rows)


def count(project: Project) -> dict[str, int]:
    """How many memos of each kind the project holds (what the methods record says;
    never their text)."""
    out = dict.fromkeys(KINDS, 0)
    for m in all_memos(project):
        out[m.kind] += 1
    return out


TABLE_COLUMNS = (
    "kind", "codebook", "code", "row", "passage", "author", "title", "memo", "created",
    "modified",
)  # fmt: skip


def memo_table(memos: Iterable[Memo]) -> pd.DataFrame:
    """Memos as a table, one a line: ``kind`` (project, code, row, passage), ``codebook``
    and ``code`` (a code memo's code, a passage's code), ``row`` (1-based, as the window
    numbers rows; empty for project and code memos), ``passage`` (its id), ``author``,
    ``title`` (project memos), ``memo`` (the text), ``created`` and ``modified`` (UTC)."""
    frame = pd.DataFrame(
        [
            (
                m.kind, m.codebook, m.code, None if m.row_id is None else m.row_id + 1,
                m.passage_id, m.author, m.title, m.text, m.created, m.modified,
            )
            for m in memos
        ],
        columns=list(TABLE_COLUMNS),
    )  # fmt: skip
    return frame.astype({"row": "Int64", "passage": "Int64"})


def export_memos(memos: Iterable[Memo], path, *, guard: bool = True) -> Path:
    """Write :func:`memo_table` to ``path`` (.csv .xlsx .parquet); the path. Cells that
    a spreadsheet would run as formulas are guarded (``guard``)."""
    from .export import export_table

    return export_table(memo_table(memos), path, guard=guard)


# -- writing ------------------------------------------------------------------------------


def _check_text(value, what: str) -> str:
    if not isinstance(value, str):
        raise ProjectError(f"a memo's {what} must be text, got {type(value).__name__}")
    return value


def add_project_memo(project: Project, author: str, title: str, text: str = "") -> Memo:
    """A new memo on the project by ``author``; committed before it returns."""
    author = check_coder(author)
    title, text = _check_text(title, "title").strip(), _check_text(text, "text")
    now = _now()
    with transaction(project.db):
        memo_id = stored.add(project.db, "project", "", "", author, title, text, now)
        history.add(project.db, "memo", f"project memo {memo_id} {title!r} by {author!r}")
    return get(project, "project", memo_id)


def set_code_memo(project: Project, codebook: str, code: str, author: str, text: str) -> Memo:
    """Store ``author``'s memo on ``code`` (made the first time, saved again after)."""
    author = check_coder(author)
    text = _check_text(text, "text")
    book = project.codebook(codebook)
    if book.code(code) is None:
        raise ProjectError(
            f"codebook {book.name!r} has no code {code!r} (its codes: {', '.join(book.names)})"
        )
    memo = code_memo(project, codebook, code, author)
    if memo is not None:
        return save(project, memo, text)
    now = _now()
    with transaction(project.db):
        memo_id = stored.add(project.db, "code", codebook, code, author, "", text, now)
        history.add(project.db, "memo", f"memo {memo_id} on code {code!r} of {codebook!r}")
    return get(project, "code", memo_id)


def save(project: Project, memo: Memo, text: str, title: str | None = None) -> Memo:
    """Store a new text (and title: project memos; None keeps it) for ``memo``, keeping
    the earlier one; the memo as it is now (a row or passage memo gets a new id: the new
    click or successor passage). One committed transaction."""
    text = _check_text(text, "text")
    if memo.kind in ("project", "code"):
        now_memo = get(project, memo.kind, memo.id)
        title = now_memo.title if title is None else _check_text(title, "title").strip()
        if (title, text) == (now_memo.title, now_memo.text):
            return now_memo  # nothing changed: no version of it
        now = _now()
        with transaction(project.db):
            stored.update(project.db, memo.id, title, text, now)
            stored.add_version(project.db, memo.id, title, text, now)
        return get(project, memo.kind, memo.id)
    if memo.kind == "passage":
        p = passages.get(project, memo.id)
        if p.memo == text:
            return get(project, "passage", p.id)
        successor = passages.change(project, project.codebook(p.codebook), p.id, memo=text)
        return get(project, "passage", successor.id)
    if memo.kind == "row":
        book = project.codebook(memo.codebook)
        latest = human_codes.coding_of(project, book.name, memo.author, memo.row_id)
        if latest is None:
            raise ProjectError(f"{memo.author!r} never coded row {memo.row_id + 1}")
        if latest.memo == text:
            return get(project, "row", latest.id)
        click = human_codes.record(
            project, book, memo.author, memo.row_id, latest.codes, text, blind=latest.blind
        )
        return get(project, "row", click.id)
    raise ProjectError(f"there is no kind of memo called {memo.kind!r}")


def delete(project: Project, memo: Memo) -> None:
    """Take a project or code memo out of the list (it and its versions stay in the file,
    and the history says so); a row or passage memo is emptied instead (its earlier
    text stays in the earlier click or passage)."""
    if memo.kind in ("project", "code"):
        with transaction(project.db):
            stored.set_deleted(project.db, memo.id, _now())
            history.add(project.db, "memo", f"deleted {memo.kind} memo {memo.id}")
    else:
        save(project, memo, "")

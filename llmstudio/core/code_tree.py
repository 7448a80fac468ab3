"""Changing a project's codebook as a tree: rename a code, merge two, move one under
another, recolour one, with everything coded going along.

Each change is one transaction: the codebook, every row code (``human_codes``: each
click naming the code) and every passage (removed ones too) change together, and the
project's history records what was done, so the coding never refers to a code the
codebook no longer has and the change can be cited. Qt-free: the codebook editor and the
CLI call these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from .code_colors import color_problem
from .codebook import NONE_CODE, Code, Codebook
from .errors import CodebookError, ProjectError
from .human_codes import allowed_codes
from .project import Project
from .store import codebooks as stored_codebooks
from .store import history, transaction
from .store import human_codes as stored_codes
from .store import memos as stored_memos
from .store import passages as stored_passages
from .wording import counted

__all__ = ["CodeUse", "merge", "move", "recolor", "rename", "usage"]


@dataclass(frozen=True)
class CodeUse:
    """How much of a project's coding names one code: what a rename carries along, a
    merge moves and a removal would leave behind."""

    rows: int  # (coder, row) pairs whose code in force includes the code
    passages: int  # passages in force with the code
    coders: int  # coders of those rows and passages
    clicks: int  # every click ever naming it (history included): what a rename rewrites

    @property
    def in_use(self) -> bool:
        return bool(self.rows or self.passages)

    def text(self) -> str:
        """The use in words, e.g. "12 coded rows and 3 passages by 2 coders"."""
        if not self.in_use:
            return "no coded rows or passages"
        rows, passages = counted(self.rows, "coded row"), counted(self.passages, "passage")
        return f"{rows} and {passages} by {counted(self.coders, 'coder')}"


def usage(project: Project, codebook: str, code: str) -> CodeUse:
    """How much coding in ``codebook`` names ``code`` now (removed passages and earlier
    clicks of a row do not count as codings, only in ``clicks``)."""
    rows = [
        click
        for click in stored_codes.latest_clicks(project.db, codebook)
        if code in json.loads(click[4])
    ]
    passages = stored_passages.find(project.db, codebook, codes=[code])
    coders = {click[2] for click in rows} | {p[2] for p in passages}
    clicks = stored_codes.clicks_with_code(project.db, codebook, code)
    return CodeUse(len(rows), len(passages), len(coders), len(clicks))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _code(book: Codebook, name: str) -> Code:
    code = book.code(name)
    if code is None:
        raise ProjectError(
            f"codebook {book.name!r} has no code {name!r} (its codes: {', '.join(book.names)})"
        )
    return code


def _book(book: Codebook, codes) -> Codebook:
    try:
        return replace(book, codes=tuple(codes))
    except CodebookError as exc:
        raise ProjectError(str(exc)) from None


def _keep_colors(old: Codebook, new: Codebook) -> Codebook:
    """``new`` with each code showing the colour it showed in ``old``: a code with the
    palette's colour gets it by its place, which moving or merging another code changes
    (and passages highlighted in it would change colour)."""
    stored = Codebook.from_dict(new.to_dict())  # the order the project will read back
    keep = {
        name: old.color_of(name)
        for name in stored.names
        if old.code(name) is not None and stored.color_of(name) != old.color_of(name)
    }
    if not keep:
        return new
    return _book(new, (replace(c, color=keep.get(c.name, c.color)) for c in new.codes))


def _save(project: Project, book: Codebook, modified: str) -> None:
    stored_codebooks.put(project.db, book.name, book.to_json(), modified)


def _recode_clicks(project: Project, old: Codebook, new: Codebook, source: str, target: str) -> int:
    """Every click of ``old`` naming ``source`` names ``target`` instead (once, in the
    new codebook's order); how many clicks changed."""
    order = {c: i for i, c in enumerate(allowed_codes(new))}
    updates = []
    for click_id, codes in stored_codes.clicks_with_code(project.db, old.name, source):
        named = dict.fromkeys(target if c == source else c for c in json.loads(codes))
        # a code unknown to the codebook (made with an older version of it) keeps its place
        ordered = sorted(named, key=lambda c: order.get(c, len(order)))
        updates.append((json.dumps(ordered, ensure_ascii=False), click_id))
    stored_codes.set_codes(project.db, updates)
    return len(updates)


def rename(project: Project, codebook: str, old: str, new: str) -> Codebook:
    """Rename code ``old`` to ``new``: row codes, passages and the codes under it follow.
    The codebook as it is now."""
    book = project.codebook(codebook)
    _code(book, old)
    new = (new or "").strip()
    if not new:
        raise ProjectError(f"code {old!r}: the new name is empty")
    if new.lower() == NONE_CODE:
        raise ProjectError(f"code {old!r} cannot be called {NONE_CODE!r}: that is 'none of these'")
    if new != old and any(n.lower() == new.lower() and n != old for n in book.names):
        raise ProjectError(f"codebook {book.name!r} already has a code called {new!r}")
    if new == old:
        return book
    renamed = _book(
        book,
        (
            replace(
                c,
                name=new if c.name == old else c.name,
                parent=new if c.parent == old else c.parent,
            )
            for c in book.codes
        ),
    )
    now = _now()
    with transaction(project.db):
        _save(project, renamed, now)
        clicks = _recode_clicks(project, book, renamed, old, new)
        passages = stored_passages.rename_code(project.db, book.name, old, new)
        stored_memos.rename_code(project.db, book.name, old, new)  # its memos go along
        history.add(
            project.db,
            "code",
            f"renamed {old!r} to {new!r} in {book.name!r} "
            f"({counted(clicks, 'row-code click')}, {counted(passages, 'passage')})",
        )
    return renamed


def merge(project: Project, codebook: str, source: str, into: str) -> Codebook:
    """Merge code ``source`` into ``into``: every row code and passage of ``source`` becomes
    one of ``into`` (a row or a passage that then has ``into`` twice keeps it once: the
    repeated passage is marked removed), the codes under ``source`` move under ``into``,
    and ``source`` leaves the codebook (its definition is kept in the history). The
    codebook as it is now."""
    book = project.codebook(codebook)
    gone, _ = _code(book, source), _code(book, into)
    if source == into:
        raise ProjectError(f"code {source!r} cannot be merged into itself")

    def moved(c: Code) -> Code:
        if c.parent != source:
            return c
        return replace(c, parent=gone.parent if c.name == into else into)

    merged = _keep_colors(book, _book(book, (moved(c) for c in book.codes if c.name != source)))
    now = _now()
    with transaction(project.db):
        _save(project, merged, now)
        clicks = _recode_clicks(project, book, merged, source, into)
        passages = stored_passages.rename_code(project.db, book.name, source, into)
        stored_memos.rename_code(project.db, book.name, source, into)  # kept, on ``into``
        repeated = stored_passages.duplicates(project.db, book.name, into)
        stored_passages.remove_many(project.db, repeated, now)
        definition = json.dumps(gone.to_dict(), ensure_ascii=False)
        history.add(
            project.db,
            "code",
            f"merged {source!r} into {into!r} in {book.name!r} "
            f"({counted(clicks, 'row-code click')}, {counted(passages, 'passage')}, "
            f"{counted(len(repeated), 'repeated passage')} removed); "
            f"{source!r} was {definition}",
        )
    return merged


def move(project: Project, codebook: str, code: str, parent: str = "") -> Codebook:
    """Move ``code`` (with the codes under it) under ``parent`` ("": to the top), after
    the codes already there. Row codes and passages keep their code. The codebook now."""
    book = project.codebook(codebook)
    moving = _code(book, code)
    if parent:
        _code(book, parent)
    subtree = book.descendants(code)
    if parent in subtree:
        where = "itself" if parent == code else f"{parent!r}, which is under it"
        raise ProjectError(f"code {code!r} cannot go under {where}")
    if moving.parent == parent:
        return book
    rest = [c for c in book.codes if c.name not in subtree]
    branch = [replace(moving, parent=parent)] + [book.code(n) for n in subtree if n != code]
    if parent:
        under = set(book.descendants(parent))
        at = max(i for i, c in enumerate(rest) if c.name in under) + 1
    else:
        at = len(rest)
    moved = _keep_colors(book, _book(book, rest[:at] + branch + rest[at:]))
    with transaction(project.db):
        _save(project, moved, _now())
        history.add(
            project.db,
            "code",
            f"moved {code!r} under {parent!r} in {book.name!r}"
            if parent
            else f"moved {code!r} to the top in {book.name!r}",
        )
    return moved


def recolor(project: Project, codebook: str, code: str, color: str) -> Codebook:
    """Give ``code`` the colour ``color`` (#RRGGBB; "": the palette's again)."""
    book = project.codebook(codebook)
    _code(book, code)
    color = (color or "").strip()
    if color and color_problem(color):
        raise ProjectError(f"code {code!r}: {color_problem(color)}")
    color = color.upper()
    recolored = _book(book, (replace(c, color=color) if c.name == code else c for c in book.codes))
    with transaction(project.db):
        _save(project, recolored, _now())
        history.add(
            project.db, "code", f"colour of {code!r} in {book.name!r}: {color or 'default'}"
        )
    return recolored

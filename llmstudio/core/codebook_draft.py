"""A codebook being edited, without a window: a draft (plain dicts, compared to tell
unsaved changes), the codebook it makes and what must be fixed before it can be saved.
The codebook editor (``gui/coding/codebook_editor``) shows and edits it."""

from __future__ import annotations

from .code_colors import PALETTE, default_color
from .codebook import Codebook
from .errors import CodebookError


def draft_code(name: str = "", **fields) -> dict:
    """A code as the editor's fields hold it (empty strings for what is not given)."""
    return {
        "name": name,
        "description": fields.get("description", ""),
        "include": fields.get("include", ""),
        "exclude": fields.get("exclude", ""),
        "examples": list(fields.get("examples", ())),
        # kept through the editor so that saving never flattens the tree or drops colours
        "parent": fields.get("parent", ""),
        "color": fields.get("color", ""),
    }


def draft_of(book: Codebook) -> dict:
    """A saved codebook as a draft to edit."""
    return {
        "name": book.name,
        "multi_label": book.multi_label,
        "none_option": book.none_option,
        "codes": [
            draft_code(
                c.name,
                description=c.description,
                include=c.include,
                exclude=c.exclude,
                examples=c.examples,
                parent=c.parent,
                color=c.color,
            )
            for c in book.codes
        ],
    }


def book_of(draft: dict | None) -> Codebook:
    """The draft as a codebook; CodebookError says what is wrong with it."""
    if draft is None:
        raise CodebookError("there is no codebook to save: click New or Import…")
    if not draft["name"].strip():
        raise CodebookError("the codebook has no name")
    if not draft["codes"]:
        raise CodebookError("add at least one code")
    for i, code in enumerate(draft["codes"], 1):
        if not str(code.get("name", "")).strip():
            raise CodebookError(f"code {i} has no name")
    data = {
        "name": draft["name"].strip(),
        "multi_label": draft["multi_label"],
        "none_option": draft["none_option"],
        "codes": _nested(draft["codes"]),
    }
    return Codebook.from_dict(data)


def _nested(codes: list[dict]) -> list[dict]:
    """The draft's flat codes as a file nests them (``children:``), in the draft's order;
    a code under a name no code has is an error naming both."""
    names = {str(c["name"]).strip() for c in codes}
    items = [{k: v for k, v in c.items() if v and k != "parent"} | {"children": []} for c in codes]
    by_name = {str(c["name"]).strip(): item for c, item in zip(codes, items, strict=True)}
    top = []
    for code, item in zip(codes, items, strict=True):
        parent = str(code.get("parent") or "").strip()
        if parent and parent not in names:
            raise CodebookError(f"code {code['name']!r} is under {parent!r}, which is no code")
        (by_name[parent]["children"] if parent else top).append(item)
    reached, todo = set(), list(top)
    while todo:
        item = todo.pop()
        reached.add(id(item))
        todo.extend(item["children"])
    for code, item in zip(codes, items, strict=True):
        if id(item) not in reached:  # codes under each other in a ring: none at the top
            raise CodebookError(
                f"code {code['name']!r} is under itself (through {code['parent']!r})"
            )
    for item in items:
        if not item["children"]:
            del item["children"]
    return top


def rename_in_draft(draft: dict, code: dict, name: str) -> None:
    """Give ``code`` (one of the draft's) the name ``name``, the codes under it following."""
    old = code["name"]
    for other in draft["codes"]:
        if other is not code and other.get("parent") == old:
            other["parent"] = name
    code["name"] = name


# -- the tree in a draft -------------------------------------------------------------------
# The draft keeps its codes in the order a saved codebook has them (each code, then the
# codes under it), so that a code's default colour, which goes by its place, is the one
# it will have once saved.


def _named(draft: dict, name: str) -> dict:
    found = [c for c in draft["codes"] if c["name"] == name and name]
    if not found:
        raise CodebookError(f"the codebook has no code {name!r}")
    return found[0]


def tree_order(codes: list[dict]) -> list[dict]:
    """``codes`` each followed by the codes under it (to any depth), siblings in their
    order; a code under a name no code has, or in a ring, stays at the end in its order
    (the draft's problems name it)."""
    names = {c["name"] for c in codes if c["name"]}
    out, seen = [], set()

    def place(parent: str) -> None:
        for c in codes:
            if (c.get("parent") or "") == parent and id(c) not in seen:
                seen.add(id(c))
                out.append(c)
                if c["name"]:
                    place(c["name"])

    top = [c for c in codes if not c.get("parent") or c["parent"] not in names]
    for c in top:
        if id(c) not in seen:
            seen.add(id(c))
            out.append(c)
            if c["name"]:
                place(c["name"])
    return out + [c for c in codes if id(c) not in seen]


def subtree(draft: dict, code: dict) -> list[dict]:
    """``code`` and every code under it in the draft, in order."""
    out, todo = [], [code]
    while todo:
        current = todo.pop(0)
        out.append(current)
        if current["name"]:
            todo.extend(c for c in draft["codes"] if c.get("parent") == current["name"])
    return out


def parent_choices(draft: dict, code: dict) -> list[str]:
    """The codes ``code`` may go under: every named code but itself, those under it and
    its present parent."""
    barred = {c["name"] for c in subtree(draft, code)} | {code.get("parent") or ""}
    return [c["name"] for c in draft["codes"] if c["name"] and c["name"] not in barred]


def move_in_draft(draft: dict, code: dict, parent: str) -> None:
    """Put ``code`` (with the codes under it) under ``parent`` ("": the top), after the
    codes already there, as ``code_tree.move`` does in a project."""
    if parent:
        target = _named(draft, parent)
        if any(c is target for c in subtree(draft, code)):
            where = "itself" if target is code else f"{parent!r}, which is under it"
            raise CodebookError(f"code {code['name']!r} cannot go under {where}")
    if (code.get("parent") or "") == parent:
        return
    codes = draft["codes"]
    codes.remove(code)
    code["parent"] = parent
    codes.append(code)  # the last of its new siblings
    draft["codes"] = tree_order(codes)


def step_in_draft(draft: dict, code: dict, step: int) -> bool:
    """Swap ``code`` with its previous (``step`` -1) or next (+1) sibling; whether it
    moved (not past the first or last)."""
    codes = draft["codes"]
    siblings = [c for c in codes if (c.get("parent") or "") == (code.get("parent") or "")]
    at = next(i for i, c in enumerate(siblings) if c is code)
    if not 0 <= at + step < len(siblings):
        return False
    other = siblings[at + step]
    i, j = next(k for k, c in enumerate(codes) if c is code), codes.index(other)
    codes[i], codes[j] = other, code
    draft["codes"] = tree_order(codes)
    return True


def place_beside(draft: dict, code: dict, beside: dict, after: bool) -> None:
    """Put ``code`` right before (or ``after``) ``beside``, a sibling of it."""
    codes = draft["codes"]
    codes.remove(code)
    codes.insert(next(k for k, c in enumerate(codes) if c is beside) + after, code)
    draft["codes"] = tree_order(codes)


def remove_from_draft(draft: dict, code: dict) -> list[str]:
    """Take ``code`` out of the draft; the codes under it move up to its parent. Their
    names."""
    kids = [c for c in draft["codes"] if code["name"] and c.get("parent") == code["name"]]
    for kid in kids:
        kid["parent"] = code.get("parent") or ""
    draft["codes"] = tree_order([c for c in draft["codes"] if c is not code])
    return [k["name"] for k in kids]


def merge_in_draft(draft: dict, source: str, into: str) -> None:
    """``source`` leaves the draft and the codes under it go under ``into``, as
    ``code_tree.merge`` does in a project."""
    gone, target = _named(draft, source), _named(draft, into)
    for c in draft["codes"]:
        if c.get("parent") == source:
            c["parent"] = gone.get("parent", "") if c is target else into
    draft["codes"] = tree_order([c for c in draft["codes"] if c is not gone])


def color_in_draft(draft: dict, code: dict) -> str:
    """The colour ``code`` shows: its own, or the palette's for its place."""
    at = next(i for i, c in enumerate(draft["codes"]) if c is code)
    return code.get("color") or default_color(at)


def shown_colors(draft: dict) -> dict[int, str]:
    """The colour each code of the draft shows, by the code's ``id``."""
    return {id(c): color_in_draft(draft, c) for c in draft["codes"]}


def keep_colors(draft: dict, shown: dict[int, str]) -> None:
    """Give each code that shows another colour than in ``shown`` (a palette colour
    that went with its place, which a change of the tree moved) that colour as its own."""
    for code in draft["codes"]:
        before = shown.get(id(code))
        if before and not code.get("color") and color_in_draft(draft, code) != before:
            code["color"] = before


def free_color(draft: dict) -> str:
    """The first palette colour no code of the draft shows (a new code's colour); when
    all are taken, the one the fewest codes show."""
    shown = [color_in_draft(draft, c) for c in draft["codes"]]
    return min(PALETTE, key=shown.count)


def draft_problems(draft: dict, others: set[str]) -> list[str]:
    """What must be fixed before the draft is saved, one sentence each ([]: nothing);
    ``others``: the project's other codebooks' names, in lower case."""
    try:
        book = book_of(draft)
    except CodebookError as exc:
        text = str(exc)
        # "codebook 'x': a; b" -> ["a", "b"]: one line per problem.
        if text.startswith("codebook ") and ": " in text:
            text = text.split(": ", 1)[1]
        return [p.strip() for p in text.split("; ") if p.strip()]
    problems = []
    if book.name.lower() in others:
        problems.append(
            f"another codebook of this project is called {book.name!r}; choose another name"
        )
    if book.multi_label and book.none_option:
        problems.append(
            "“none of these” is for single-label codebooks: with several "
            "codes a text may get none at all"
        )
    return problems

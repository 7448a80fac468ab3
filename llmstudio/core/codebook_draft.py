"""A codebook being edited, without a window: a draft (plain dicts, compared to tell
unsaved changes), the codebook it makes and what must be fixed before it can be saved.
The codebook editor (``gui/coding/codebook_editor``) shows and edits it."""

from __future__ import annotations

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

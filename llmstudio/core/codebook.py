"""Codebooks: the categories a corpus is coded into, with the rules that define them.

A code has a name, a description, inclusion and exclusion rules and example texts. A
codebook is single-label (each text gets one code) or multi-label (any number), and may
offer "none of these". Codebooks are stored in the project and travel as YAML or JSON::

    name: Local issues
    multi_label: false
    none_option: true
    codes:
      - name: Housing
        description: Rents, house prices, homelessness, planning for new homes.
        include: Complaints about landlords.
        exclude: Traffic on housing estates (that is Transport).
        examples: ["Rents have doubled and nobody can afford to live here."]
        color: "#E69F00"          # optional; default: a colour-blind-safe palette
        children:                 # optional: codes under this one, to any depth
          - name: Rents

Reading one checks it whole and says what is wrong and where (file, line, column for
YAML/JSON syntax; the code's number and name for content).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_text
from .code_colors import color_problem, default_color
from .errors import CodebookError

NONE_CODE = "none"  # the "none of these" code's name


@dataclass(frozen=True)
class Code:
    name: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    parent: str = ""  # the code this one is under ("" at the top of the tree)
    color: str = ""  # #RRGGBB; "": the palette's (Codebook.color_of)

    def to_dict(self) -> dict:
        """The code as a file holds it (its children are added by ``Codebook.to_dict``)."""
        out: dict = {"name": self.name}
        for key in ("description", "include", "exclude"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.examples:
            out["examples"] = list(self.examples)
        if self.color:
            out["color"] = self.color
        return out

    def prompt_text(self) -> str:
        """How the code reads in a prompt: name, then whatever defines it."""
        lines = [f"- {self.name}" + (f": {self.description}" if self.description else "")]
        if self.include:
            lines.append(f"  Include: {self.include}")
        if self.exclude:
            lines.append(f"  Exclude: {self.exclude}")
        for example in self.examples:
            lines.append(f"  Example: {example}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Codebook:
    codes: tuple[Code, ...]
    name: str = "codebook"
    multi_label: bool = False
    none_option: bool = False
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        problems = validate(self)
        if problems:
            raise CodebookError(f"codebook {self.name!r}: " + "; ".join(problems))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.codes)

    def labels(self) -> tuple[str, ...]:
        """What a single-label answer may be: the codes, then "none" if offered."""
        return self.names + ((NONE_CODE,) if self.none_option else ())

    def code(self, name: str) -> Code | None:
        return next((c for c in self.codes if c.name == name), None)

    # -- the tree ---------------------------------------------------------------------

    def children(self, name: str = "") -> tuple[str, ...]:
        """The codes directly under ``name`` ("": the codes at the top), in order."""
        return tuple(c.name for c in self.codes if c.parent == name)

    def descendants(self, name: str) -> tuple[str, ...]:
        """``name`` and every code under it, to any depth, in the codebook's order."""
        out, todo = [], [name]
        while todo:
            current = todo.pop()
            out.append(current)
            todo.extend(reversed(self.children(current)))
        return tuple(out)

    def ancestors(self, name: str) -> tuple[str, ...]:
        """The codes above ``name``, its parent first."""
        return _ancestors({c.name: c.parent for c in self.codes}, name)

    def color_of(self, name: str) -> str:
        """The code's colour: its own, or the palette's for its place in the codebook."""
        code = self.code(name)
        if code is None:
            raise CodebookError(f"codebook {self.name!r} has no code {name!r}")
        return code.color or default_color(self.names.index(name))

    def to_dict(self) -> dict:
        def nested(code: Code) -> dict:
            out = code.to_dict()
            kids = [nested(self.code(n)) for n in self.children(code.name)]
            if kids:
                out["children"] = kids
            return out

        return {
            "name": self.name,
            "multi_label": self.multi_label,
            "none_option": self.none_option,
            "codes": [nested(self.code(n)) for n in self.children()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=88)

    def prompt_text(self) -> str:
        """The codebook as a generative model reads it."""
        parts = [c.prompt_text() for c in self.codes]
        if self.none_option and not self.multi_label:
            parts.append(f"- {NONE_CODE}: none of the codes above applies.")
        return "\n".join(parts)

    @classmethod
    def from_dict(cls, data, where: str = "codebook") -> Codebook:
        if not isinstance(data, dict):
            raise CodebookError(
                f"{where}: expected a mapping with 'codes', got {type(data).__name__}"
            )
        unknown = set(data) - {"name", "multi_label", "none_option", "codes", "description"}
        if unknown:
            raise CodebookError(
                f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                "expected name, multi_label, none_option, codes"
            )
        raw_codes = data.get("codes")
        if not isinstance(raw_codes, list) or not raw_codes:
            raise CodebookError(f"{where}: 'codes' must be a non-empty list")
        codes = [
            code
            for i, item in enumerate(raw_codes, 1)
            for code in _code(item, f"{where}: code {i}")
        ]
        for key in ("multi_label", "none_option"):
            if key in data and not isinstance(data[key], bool):
                raise CodebookError(f"{where}: '{key}' must be true or false, got {data[key]!r}")
        try:
            return cls(
                codes=tuple(codes),
                name=str(data.get("name") or "codebook"),
                multi_label=bool(data.get("multi_label", False)),
                none_option=bool(data.get("none_option", False)),
            )
        except CodebookError as exc:
            # Name the file (or whatever ``where`` is), but not "codebook: codebook ...".
            raise CodebookError(str(exc) if where == "codebook" else f"{where}: {exc}") from None

    @classmethod
    def from_labels(cls, labels, multi_label: bool = False) -> Codebook:
        """A codebook of bare names (``--labels a,b,c``)."""
        return cls(
            codes=tuple(Code(name) for name in labels), name="labels", multi_label=multi_label
        )


def _text(value, where: str, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise CodebookError(f"{where}: '{key}' must be text, got {type(value).__name__}")
    return str(value).strip()


_CODE_KEYS = ("name", "description", "include", "exclude", "examples", "color", "children")


def _code(item, where: str, parent: str = "") -> list[Code]:
    """The code of ``item`` and, after it, every code in its ``children`` (depth first)."""
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        raise CodebookError(f"{where}: expected a mapping with a name, got {type(item).__name__}")
    unknown = set(item) - set(_CODE_KEYS)
    if unknown:
        raise CodebookError(
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"expected {', '.join(_CODE_KEYS)}"
        )
    name = _text(item.get("name"), where, "name")
    if not name:
        raise CodebookError(f"{where}: the code has no name")
    where = f"{where} ({name})"
    examples = item.get("examples") or []
    if isinstance(examples, str):
        examples = [examples]
    if not isinstance(examples, list):
        raise CodebookError(f"{where}: 'examples' must be a list of texts")
    color = _text(item.get("color"), where, "color")
    if color and color_problem(color):
        raise CodebookError(f"{where}: {color_problem(color)}")
    children = item.get("children") or []
    if not isinstance(children, list):
        raise CodebookError(f"{where}: 'children' must be a list of codes")
    code = Code(
        name=name,
        description=_text(item.get("description"), where, "description"),
        include=_text(item.get("include"), where, "include"),
        exclude=_text(item.get("exclude"), where, "exclude"),
        examples=tuple(_text(e, where, "examples") for e in examples if e is not None),
        parent=parent,
        color=color.upper(),
    )
    out = [code]
    for i, child in enumerate(children, 1):
        out.extend(_code(child, f"{where} > child {i}", parent=name))
    return out


def _ancestors(parents: dict[str, str], name: str) -> tuple[str, ...]:
    """The codes above ``name`` by ``parents`` (code -> its parent), nearest first; a
    cycle (only an invalid codebook has one: validate names it) ends at its repetition."""
    out: list[str] = []
    parent = parents.get(name, "")
    while parent and parent not in out:
        out.append(parent)
        if parent == name:
            break
        parent = parents.get(parent, "")
    return tuple(out)


def validate(book: Codebook) -> list[str]:
    """What is wrong with ``book``, as short sentences (empty when it is valid)."""
    problems = []
    if not book.codes:
        problems.append("it has no codes")
    seen: dict[str, str] = {}
    for i, code in enumerate(book.codes, 1):
        if not code.name.strip():
            problems.append(f"code {i} has no name")
            continue
        key = code.name.strip().lower()
        if key in seen:
            problems.append(f"code {i} ({code.name}) has the same name as {seen[key]!r}")
        seen[key] = code.name
        if book.none_option and key == NONE_CODE:
            problems.append(f"code {i} is called {NONE_CODE!r}, the name of 'none of these'")
    parents = {c.name: c.parent for c in book.codes}
    for code in book.codes:
        if code.parent and code.parent not in parents:
            problems.append(f"code {code.name!r} is under {code.parent!r}, which is no code")
        elif code.parent and code.name in _ancestors(parents, code.name):
            problems.append(f"code {code.name!r} is under itself (through {code.parent!r})")
        if code.color and color_problem(code.color):
            problems.append(f"code {code.name!r}: {color_problem(code.color)}")
    slugs: dict[str, str] = {}
    for code in book.codes:
        slug = column_slug(code.name)
        if slug in slugs and slugs[slug] != code.name:
            problems.append(
                f"codes {slugs[slug]!r} and {code.name!r} give the same column name code_{slug}"
            )
        slugs[slug] = code.name
    if book.multi_label:
        # ";" separates a multi-label example's codes (and is how they are stored):
        # a code named with one could never be given in an example.
        for code in book.codes:
            if ";" in code.name:
                problems.append(
                    f"code {code.name!r} has ';' in its name, which separates "
                    "the codes of a multi-label example; rename it"
                )
        # Multi-label columns are code_<slug> and code_<slug>_score, beside
        # code_explanation: "Fear" and "Fear score" would both write code_fear_score.
        for code in book.codes:
            slug = column_slug(code.name)
            if slug == "explanation":
                problems.append(
                    f"code {code.name!r} gives the column name code_explanation, "
                    "which the explanations use; rename it"
                )
            elif slug.endswith("_score") and slug[: -len("_score")] in slugs:
                other = slugs[slug[: -len("_score")]]
                problems.append(
                    f"codes {other!r} and {code.name!r} give the same column name code_{slug}"
                )
    return problems


def flat_codes(data: dict) -> list[dict]:
    """Every code of a codebook as a dict (``Codebook.to_dict``, as a run's parameters
    store it): each code followed by the codes under it (``children``), as the tree lists
    them. Reading only ``codes`` would leave out a tree's child codes."""
    out: list[dict] = []

    def add(codes) -> None:
        for code in codes or ():
            out.append(code)
            add(code.get("children"))

    add((data or {}).get("codes"))
    return out


def column_slug(name: str) -> str:
    """A code name as part of a column name: lower case, words joined by underscores."""
    slug = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")
    return slug or "code"


def load(path: str | Path) -> Codebook:
    """A codebook from a ``.yaml``/``.yml`` or ``.json`` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read it ({exc.strerror})") from None
    return loads(text, str(path), json_format=path.suffix.lower() == ".json")


def loads(text: str, where: str = "codebook", json_format: bool | None = None) -> Codebook:
    """A codebook from YAML or JSON text (JSON is YAML too, but its errors read better)."""
    if json_format or (json_format is None and text.lstrip().startswith("{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodebookError(
                f"{where}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
            ) from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            place = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise CodebookError(
                f"{where}{place}: not valid YAML ({exc.problem or exc.context})"
            ) from None
        except yaml.YAMLError as exc:
            raise CodebookError(f"{where}: not valid YAML ({exc})") from None
    return Codebook.from_dict(data, where)


def save(book: Codebook, path: str | Path) -> Path:
    """Write ``book`` as YAML or JSON (by the suffix), whole or not at all."""
    path = Path(path)
    text = book.to_json() if path.suffix.lower() == ".json" else book.to_yaml()
    try:
        return write_text(path, text)
    except OSError as exc:
        raise CodebookError(f"{path}: cannot write ({exc.strerror or exc})") from None

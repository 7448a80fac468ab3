"""Reading a ``.qdpx`` (or a bare ``project.qde``) into plain data: users, the code tree,
text sources with their selections, notes, cases and variables. Checked against the
schema first; every problem is one line naming the file and where in it."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .schema import NAMESPACE, QdaError, parse_checked

_NS = f"{{{NAMESPACE}}}"
_OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


@dataclass
class CodeNode:
    guid: str
    name: str
    codable: bool
    color: str | None
    description: str
    children: list[CodeNode] = field(default_factory=list)


@dataclass(frozen=True)
class Selection:
    """A plain-text selection: characters ``start`` to ``end`` (code points, end
    exclusive) of a source, its codes (GUIDs), the users who coded it and its notes."""

    guid: str
    name: str
    start: int
    end: int
    user: str | None
    codes: tuple[tuple[str, str | None], ...]  # (code GUID, coding's user GUID)
    notes: tuple[str, ...]


@dataclass
class TextSource:
    guid: str
    name: str
    text: str
    selections: list[Selection]
    notes: list[str]
    variables: dict[str, str | None] = field(default_factory=dict)  # on the source itself
    description: str = ""


@dataclass(frozen=True)
class Note:
    guid: str
    name: str
    text: str
    user: str | None
    created: str | None = None  # creationDateTime / modifiedDateTime as written
    modified: str | None = None


@dataclass
class QdaFile:
    """What a ``project.qde`` holds, the texts read in (from ``sources/`` or inline)."""

    name: str
    users: dict[str, str]  # GUID -> name
    codes: list[CodeNode]  # the tree's top level
    variables: dict[str, tuple[str, str]]  # GUID -> (name, type)
    cases: list[tuple[str, dict[str, str], list[str]]]  # (name, {variable GUID: value}, sources)
    sources: list[TextSource]
    notes: dict[str, Note]
    project_notes: list[str]
    code_notes: dict[str, list[str]]  # code GUID -> note GUIDs
    other_sources: int = 0
    sets: list[tuple[str, list[str], int]] = field(default_factory=list)  # (name, sources, codes)

    def passages(self):
        """Every selection that covers only part of its text, as (source, start, end,
        code GUID, user GUID, note GUIDs): what the importer stores as passages."""
        for source in self.sources:
            for sel in source.selections:
                if (sel.start, sel.end) != (0, len(source.text)):
                    for code, user in sel.codes or ((None, sel.user),):
                        yield source, sel.start, sel.end, code, user or sel.user, sel.notes


def _tag(el) -> str:
    return el.tag[len(_NS) :] if el.tag.startswith(_NS) else el.tag


def _children(el, tag: str):
    return el.findall(_NS + tag)


def _text(el, tag: str) -> str:
    child = el.find(_NS + tag)
    return child.text or "" if child is not None else ""


def _code(el) -> CodeNode:
    return CodeNode(
        el.get("guid"),
        el.get("name"),
        el.get("isCodable") in ("true", "1"),
        el.get("color"),
        _text(el, "Description"),
        [_code(c) for c in _children(el, "Code")],
    )


def _refs(el, tag: str) -> list[str]:
    return [r.get("targetGUID") for r in _children(el, tag)]


def _codings(el) -> tuple[list[tuple[str, str | None]], list[str]]:
    codes, notes = [], []
    for coding in _children(el, "Coding"):
        ref = coding.find(_NS + "CodeRef")
        codes.append((ref.get("targetGUID"), coding.get("creatingUser")))
        notes += _refs(coding, "NoteRef")
    return codes, notes


def _source_text(el, where: str, zf: zipfile.ZipFile | None) -> str:
    inline = el.find(_NS + "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    path = el.get("plainTextPath") or ""
    name = el.get("name") or el.get("guid")
    if not path:
        raise QdaError(
            f"{where}: text source {name!r} has no text (no PlainTextContent, no plainTextPath)"
        )
    if not path.startswith("internal://"):
        raise QdaError(
            f"{where}: text source {name!r} refers to {path!r} outside the file; "
            "export it from its program with the sources included"
        )
    member = str(PurePosixPath("sources") / path[len("internal://") :])
    if zf is None:
        raise QdaError(f"{where}: text source {name!r} is in {member}, which only a .qdpx holds")
    try:
        # Some programs write Sources/ or upper-case GUIDs in the name: match without case.
        data = zf.read(_members(zf).get(member.lower(), member))
    except KeyError:
        raise QdaError(
            f"{where}: text source {name!r}: its text {member} is missing from the zip"
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QdaError(f"{where}: {member} is not UTF-8 text (byte {exc.start})") from None


def _members(zf: zipfile.ZipFile) -> dict[str, str]:
    cached = getattr(zf, "_llmstudio_members", None)
    if cached is None:
        cached = {n.lower(): n for n in zf.namelist()}
        zf._llmstudio_members = cached
    return cached


def _variable_values(el) -> dict[str, str | None]:
    return {
        vv.find(_NS + "VariableRef").get("targetGUID"): _value(vv)
        for vv in _children(el, "VariableValue")
    }


def _sources(root, where: str, zf) -> tuple[list[TextSource], int]:
    sources, others = [], 0
    block = root.find(_NS + "Sources")
    for el in block if block is not None else ():
        if _tag(el) in _OTHER_SOURCES:
            others += 1
            continue
        text = _source_text(el, where, zf)
        direct_codes, direct_notes = _codings(el)
        selections = []
        if direct_codes:  # codings on the source itself: the whole text
            selections.append(
                Selection(
                    el.get("guid"),
                    "",
                    0,
                    len(text),
                    el.get("creatingUser"),
                    tuple(direct_codes),
                    tuple(direct_notes),
                )
            )
        for sel in _children(el, "PlainTextSelection"):
            codes, notes = _codings(sel)
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            if min(start, end) < 0 or max(start, end) > len(text):
                raise QdaError(
                    f"{where}: source {el.get('name')!r}: selection {start}-{end} lies outside "
                    f"its text ({len(text)} characters)"
                )
            selections.append(
                Selection(
                    sel.get("guid"),
                    sel.get("name") or "",
                    min(start, end),
                    max(start, end),
                    sel.get("creatingUser"),
                    tuple(codes),
                    tuple(_refs(sel, "NoteRef") + notes),
                )
            )
        sources.append(
            TextSource(
                el.get("guid"),
                el.get("name") or "",
                text,
                selections,
                _refs(el, "NoteRef"),
                _variable_values(el),
                _text(el, "Description"),
            )
        )
    return sources, others


def _value(vv) -> str | None:
    for child in vv:
        if _tag(child) != "VariableRef":
            return child.text
    return None


def parse_qde(data: bytes, where: str, zf: zipfile.ZipFile | None = None) -> QdaFile:
    """``project.qde``'s bytes as a :class:`QdaFile`; QdaError when it cannot be read."""
    root = parse_checked(data, f"{where}: project.qde")
    users = {
        u.get("guid"): u.get("name") or u.get("id") or f"user {u.get('guid')[:8]}"
        for u in root.iter(_NS + "User")
    }
    book = root.find(f"{_NS}CodeBook/{_NS}Codes")
    codes = [_code(c) for c in _children(book, "Code")] if book is not None else []
    variables = {
        v.get("guid"): (v.get("name"), v.get("typeOfVariable")) for v in root.iter(_NS + "Variable")
    }
    cases = []
    for case in root.iter(_NS + "Case"):
        values = _variable_values(case)
        cases.append((case.get("name") or "", values, _refs(case, "SourceRef")))
    sources, others = _sources(root, where, zf)
    notes = {}
    block = root.find(_NS + "Notes")
    for note in block if block is not None else ():
        text = _source_text(note, where, zf)
        notes[note.get("guid")] = Note(
            note.get("guid"),
            note.get("name") or "",
            text,
            note.get("creatingUser"),
            note.get("creationDateTime"),
            note.get("modifiedDateTime"),
        )
    code_notes = {}
    for el in root.iter(_NS + "Code"):
        if refs := _refs(el, "NoteRef"):
            code_notes[el.get("guid")] = refs
    sets = [
        (s.get("name"), _refs(s, "MemberSource"), len(_children(s, "MemberCode")))
        for s in root.iter(_NS + "Set")
    ]
    return QdaFile(
        root.get("name") or "",
        users,
        codes,
        variables,
        cases,
        sources,
        notes,
        _refs(root, "NoteRef"),
        code_notes,
        others,
        sets,
    )


def read_qde(path: str | Path) -> QdaFile:
    """Read a ``.qdpx`` (zip) or a bare ``.qde``; QdaError names what is wrong."""
    path = Path(path)
    where = str(path)
    try:
        head = path.read_bytes()[:4] if path.is_file() else None
    except OSError as exc:
        raise QdaError(f"{where}: cannot read the file ({exc.strerror})") from None
    if head is None:
        raise QdaError(f"{where}: no such file")
    if path.suffix.lower() == ".qde":
        return parse_qde(path.read_bytes(), where)
    if not zipfile.is_zipfile(path):
        raise QdaError(f"{where}: not a REFI-QDA project (.qdpx is a zip file; this is not one)")
    try:
        with zipfile.ZipFile(path) as zf:
            names = {n.lower(): n for n in zf.namelist()}
            member = names.get("project.qde")
            if member is None:
                raise QdaError(
                    f"{where}: the zip holds no project.qde, so it is no REFI-QDA project"
                )
            return parse_qde(zf.read(member), where, zf)
    except (zipfile.BadZipFile, OSError) as exc:
        raise QdaError(f"{where}: the zip file is damaged ({exc})") from None


def read_qdc_codes(path: str | Path) -> QdaFile:
    """A REFI-QDA codebook (``.qdc``) as a :class:`QdaFile` holding only its codes. No
    schema of its own is bundled: its codes are checked as a project's code book."""
    from lxml import etree

    from .schema import CODEBOOK_NAMESPACE

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QdaError(f"{path}: cannot read the file ({exc.strerror})") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise QdaError(f"{path}: not well-formed XML ({exc})") from None
    if root.tag != f"{{{CODEBOOK_NAMESPACE}}}CodeBook":
        raise QdaError(f"{path}: not a REFI-QDA codebook (its root is not CodeBook)")
    codes = root.find(f"{{{CODEBOOK_NAMESPACE}}}Codes")
    inner = etree.tostring(codes).decode("utf-8") if codes is not None else ""
    inner = inner.replace(CODEBOOK_NAMESPACE, NAMESPACE)
    wrapped = f'<Project xmlns="{NAMESPACE}" name="qdc"><CodeBook>{inner}</CodeBook></Project>'
    qda = parse_qde(wrapped.encode("utf-8"), f"{path} (its codes)")
    qda.name = path.stem
    return qda

"""Writing a project as ``.qdpx`` (a zip: ``project.qde`` and ``sources/<guid>.txt``) and a
codebook alone as ``.qdc``. Deterministic: no clock, GUIDs from guids.py, sorted order."""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ... import __version__
from ..codebook import NONE_CODE, Code, Codebook
from ..memos import Memo
from ..progress import Monitor
from ..project import Project
from ..wording import counted
from .codings import PASSAGE_PREFIX, Coding, passage_codings, row_codings, run_books
from .guids import guid, project_namespace
from .notes import memo_authors, note_element, project_and_code_memos, xsd_time
from .schema import CODEBOOK_NAMESPACE, NAMESPACE, QdaError

NONE_COLOUR = "#999999"
NONE_DESCRIPTION = "none of the codes applies"  # llmstudio's "none of these": not counted
BOOK_NOTE = "llmstudio codebook"  # a codebook's folder description starts with this
_FIELDS = (("Include", "include"), ("Exclude", "exclude"))


def _el(parent, tag: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})


def book_description(book: Codebook) -> str:
    """The folder's description, which tells an importing llmstudio the codebook's kind:
    "llmstudio codebook: single-label, with 'none'"."""
    kind = "multi-label" if book.multi_label else "single-label"
    return f"{BOOK_NOTE}: {kind}" + (f", with {NONE_CODE!r}" if book.none_option else "")


def code_description(code) -> str:
    """A code's description with its rules and examples, one per line ("Include: ...")."""
    lines = [code.description] if code.description else []
    lines += [f"{label}: {getattr(code, key)}" for label, key in _FIELDS if getattr(code, key)]
    lines += [f"Example: {example}" for example in code.examples]
    return "\n".join(lines)


class _Ids:
    def __init__(self, project: Project):
        self.ns = project_namespace(project.meta("created", ""), project.meta("source", ""))

    def __call__(self, kind: str, *parts) -> str:
        return guid(self.ns, kind, *parts)


def _codes_of(book: Codebook) -> list:
    """The codes a selection may carry: the codebook's, then "none" where it may be given."""
    return list(book.codes) + ([None] if book.multi_label or book.none_option else [])


def _add_code(
    parent_el, book: Codebook, code: Code | None, ids: _Ids, code_notes: dict | None = None
) -> None:
    """A code element with its colour and description, the notes of its memos
    (``code_notes``: code name -> note GUIDs), its children nested in it (the schema's
    order: description, note references, codes)."""
    name = NONE_CODE if code is None else code.name
    el = _el(parent_el, "Code", guid=ids("code", book.name, name), name=name)
    el.set("isCodable", "true")
    el.set("color", NONE_COLOUR if code is None else book.color_of(code.name))
    description = NONE_DESCRIPTION if code is None else code_description(code)
    if description:
        ET.SubElement(el, "Description").text = description
    for note_id in (code_notes or {}).get(name, ()):
        _el(el, "NoteRef", targetGUID=note_id)  # the code's memos
    if code is not None:
        for child in book.children(code.name):
            _add_code(el, book, book.code(child), ids, code_notes)


def _add_book(codes_el, book: Codebook, ids: _Ids, code_notes: dict | None = None) -> None:
    folder = _el(codes_el, "Code", guid=ids("codebook", book.name), name=book.name)
    folder.set("isCodable", "false")
    ET.SubElement(folder, "Description").text = book_description(book)
    for code in _codes_of(book):
        if code is None or not code.parent:
            _add_code(folder, book, code, ids, code_notes)


def _variable_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "Boolean"
    if pd.api.types.is_integer_dtype(series):
        return "Integer"
    if pd.api.types.is_float_dtype(series):
        finite = series.dropna()
        # xsd:decimal has no infinity: such a column goes as text rather than lose values
        return "Float" if finite.map(math.isfinite).all() else "Text"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "DateTime"
    return "Text"


def _value_text(kind: str, value) -> str:
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Integer":
        return str(int(value))
    if kind == "Float":
        return format(Decimal(repr(float(value))), "f")
    if kind == "DateTime":
        return pd.Timestamp(value).isoformat()
    return str(value)


def _variables(project_el, frame: pd.DataFrame, text_column: str, ids: _Ids):
    """The Variables element; the metadata columns as (name, guid, type, values)."""
    columns = []
    for column in frame.columns:
        if column == text_column:
            continue
        kind = _variable_type(frame[column])
        columns.append((str(column), ids("variable", column), kind, frame[column]))
    if columns:
        variables = ET.SubElement(project_el, "Variables")
        for name, vid, kind, _ in columns:
            _el(variables, "Variable", guid=vid, name=name, typeOfVariable=kind)
    return columns


def _cases(project_el, rows: int, columns, ids: _Ids) -> None:
    if not columns:
        return  # no metadata: a case per row would say nothing
    cases = ET.SubElement(project_el, "Cases")
    values = [(vid, kind, series.tolist()) for _, vid, kind, series in columns]
    for row in range(rows):
        case = _el(cases, "Case", guid=ids("case", row), name=f"row {row + 1}")
        for vid, kind, column in values:
            value = column[row]
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                continue  # missing: no value, rather than an empty one
            if kind == "DateTime" and value is pd.NaT:
                continue
            vv = ET.SubElement(case, "VariableValue")
            _el(vv, "VariableRef", targetGUID=vid)
            ET.SubElement(vv, f"{kind}Value").text = _value_text(kind, value)
        _el(case, "SourceRef", targetGUID=ids("source", row))


def _selection(source_el, coding: Coding, ids: _Ids, notes_el) -> None:
    key = (coding.codebook, coding.coder, coding.row_id, coding.start, coding.end)
    if coding.passage_id is not None:  # a passage may share its span with a row code
        key = ("passage", coding.passage_id)
    sel = _el(
        source_el,
        "PlainTextSelection",
        guid=ids("selection", *key),
        name=coding.name or coding.codebook,
        startPosition=str(coding.start),
        endPosition=str(coding.end),
        creatingUser=ids("user", coding.coder),
        creationDateTime=xsd_time(coding.time),  # when coded (left out when not known)
    )
    for code in coding.codes:
        c = _el(
            sel, "Coding", guid=ids("coding", *key, code), creatingUser=ids("user", coding.coder)
        )
        _el(c, "CodeRef", targetGUID=ids("code", coding.codebook, code))
    if coding.memo:
        note_id = ids("note", *key)
        _el(sel, "NoteRef", targetGUID=note_id)
        name = (
            f"memo by {coding.coder} on "
            + ("a passage of " if coding.passage_id is not None else "")
            + f"row {coding.row_id + 1} ({coding.codebook})"
        )
        memo = Memo("row", 0, coding.coder, coding.memo, coding.time, coding.time)
        note_element(notes_el, note_id, memo, name, ids("user", coding.coder))


LEFT_OVER = "not in the codebook any more; kept from earlier coding"


def _complete(books: dict[str, Codebook], codings: list[Coding]) -> None:
    """Give every coded code a place in the code book: a code given before it left its
    codebook becomes a code of it again (described so), and a deleted codebook that still
    has codes comes back as a multi-label codebook of the codes given. Nothing a coder
    gave is exported pointing at no code."""
    used: dict[str, set[str]] = {}
    for coding in codings:
        used.setdefault(coding.codebook, set()).update(coding.codes)
    for name, codes in used.items():
        book = books.get(name)
        known = set(book.names) | {NONE_CODE} if book is not None else {NONE_CODE}
        extra = tuple(Code(c, LEFT_OVER) for c in sorted(codes - known))
        if book is None:
            placeholder = (Code("(codebook deleted)", LEFT_OVER),)
            books[name] = Codebook(extra or placeholder, name=name, multi_label=True)
        elif extra:
            books[name] = Codebook(book.codes + extra, name, book.multi_label, book.none_option)


def project_element(project: Project) -> tuple[ET.Element, dict[str, str]]:
    """The ``Project`` element of ``project`` and the source files it refers to
    (``sources/<guid>.txt`` -> text)."""
    ET.register_namespace("", NAMESPACE)
    ids = _Ids(project)
    corpus = project.corpus()
    frame, text_column = corpus.frame, corpus.text_column
    texts = ["" if pd.isna(t) else str(t) for t in frame[text_column].tolist()]
    codings = list(row_codings(project, texts)) + list(passage_codings(project))
    books = {name: project.codebook(name) for name in project.codebooks()}
    runs = run_books(project)
    for user, book, per_row in runs:
        books.setdefault(book.name, book)
        codings += [
            Coding(row, 0, len(texts[row]), book.name, codes, user)
            for row, codes in sorted(per_row.items())
        ]
    _complete(books, codings)
    root = ET.Element(
        "Project",
        {"name": project.path.stem, "origin": f"llmstudio {__version__}"},
    )
    project_memos, code_memos = project_and_code_memos(project)
    users = sorted({c.coder for c in codings} | memo_authors(project))
    if users:
        users_el = ET.SubElement(root, "Users")
        for name in users:
            _el(users_el, "User", guid=ids("user", name), name=name)
    if books:
        codes_el = ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes")
        for name in sorted(books):
            notes = {
                code: [ids("memo", m.id) for m in memos]
                for (book, code), memos in code_memos.items()
                if book == name
            }
            _add_book(codes_el, books[name], ids, notes)
    columns = _variables(root, frame, text_column, ids)
    _cases(root, len(frame), columns, ids)
    by_row: dict[int, list[Coding]] = {}
    for coding in codings:
        by_row.setdefault(coding.row_id, []).append(coding)
    files: dict[str, str] = {}
    notes_el = ET.Element("Notes")
    if texts:
        sources = ET.SubElement(root, "Sources")
        for row, text in enumerate(texts):
            sid = ids("source", row)
            files[f"sources/{sid}.txt"] = text
            source = _el(
                sources,
                "TextSource",
                guid=sid,
                name=f"row {row + 1}",
                plainTextPath=f"internal://{sid}.txt",
            )
            for coding in sorted(by_row.get(row, ()), key=lambda c: (c.codebook, c.coder, c.start)):
                _selection(source, coding, ids, notes_el)
    for memo in project_memos + [m for memos in code_memos.values() for m in memos]:
        where = (
            memo.title if memo.kind == "project" else f"memo by {memo.author} on code {memo.code!r}"
        )
        note_element(notes_el, ids("memo", memo.id), memo, where, ids("user", memo.author))
    if len(notes_el):
        root.append(notes_el)
    for memo in project_memos:  # notes on the project as a whole (the schema's last element)
        _el(root, "NoteRef", targetGUID=ids("memo", memo.id))
    _qualify(root, NAMESPACE)
    return root, files


def _write_zip(path: Path, entries) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        os.replace(tmp, path)
    except OSError as exc:
        raise QdaError(f"{path}: cannot write the file ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


# What XML 1.0 cannot hold: C0 controls but tab, newline, carriage return; lone surrogates;
# U+FFFE and U+FFFF. Source texts are files and keep them; in the XML they become visible.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def qde_bytes(root: ET.Element, notes: list[str] | None = None) -> bytes:
    """``root`` as project.qde: UTF-8, a carriage return in a memo or value kept as
    ``&#13;`` (a parser turns a literal one into a newline), characters XML cannot hold
    written as ``[U+0001]`` (counted into ``notes``)."""
    text = ET.tostring(root, encoding="unicode")
    bad = len(_NOT_XML.findall(text))
    if bad:
        text = _NOT_XML.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
        if notes is not None:
            notes.append(
                f"{counted(bad, 'control character')} in memos, metadata or names cannot be held "
                "by XML: written as [U+XXXX] (the texts themselves are kept exactly)"
            )
    text = text.replace("\r", "&#13;")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + text.encode("utf-8")


def counts(root: ET.Element) -> dict[str, int]:
    """What a written ``Project`` element holds, for the message that says what was
    written: text sources, codes (folders not counted), passages, other selections (row
    codes and model labels) and users (coders and model runs)."""
    q = f"{{{NAMESPACE}}}"
    selections = list(root.iter(q + "PlainTextSelection"))
    passages = sum((s.get("name") or "").startswith(PASSAGE_PREFIX) for s in selections)
    return {
        "sources": sum(1 for _ in root.iter(q + "TextSource")),
        "codes": sum(
            c.get("isCodable") == "true" and c.findtext(q + "Description") != NONE_DESCRIPTION
            for c in root.iter(q + "Code")
        ),
        "passages": passages,
        "row codes": len(selections) - passages,
        "users": sum(1 for _ in root.iter(q + "User")),
    }


def write_qdpx(
    project: Project,
    path: str | Path,
    notes: list[str] | None = None,
    *,
    written: dict | None = None,
    monitor: Monitor | None = None,
) -> Path:
    """Write ``project`` as a REFI-QDA project (``.qdpx``): its corpus, codebooks, coders,
    row codes, passages, memos and model runs (module docstring: how they map). Written
    whole or not at all; what could not be written exactly is said in ``notes``, what was
    written (:func:`counts`) put in ``written``. ``monitor``: three steps reported,
    Cancel checked between them and while the zip is written."""
    monitor = Monitor.of(monitor)
    monitor.report(0, 3, message="reading the project")
    root, files = project_element(project)
    monitor.check()
    monitor.report(1, 3, message="writing project.qde")
    entries = [("project.qde", qde_bytes(root, notes))]
    if written is not None:
        written.update(counts(root))
    monitor.check()
    monitor.report(2, 3, message="writing the texts")

    def checked():
        yield entries[0]
        for i, (n, t) in enumerate(files.items()):
            if i % 1000 == 0:
                monitor.check()
            yield n, t.encode("utf-8")

    out = _write_zip(Path(path), checked())
    monitor.report(3, 3, message="written")
    return out
    return _write_zip(Path(path), entries)


def write_qdc(book: Codebook, path: str | Path, namespace_seed: str = "") -> Path:
    """Write ``book`` alone as a REFI-QDA codebook (``.qdc``: ``CodeBook`` in the
    codebook namespace, the codes under a folder named for the codebook)."""
    from uuid import NAMESPACE_URL, uuid5

    from ..atomic import write_text

    ET.register_namespace("", CODEBOOK_NAMESPACE)
    ids = _Ids.__new__(_Ids)
    ids.ns = uuid5(NAMESPACE_URL, f"llmstudio-codebook:{namespace_seed or book.name}")
    root = ET.Element(f"{{{CODEBOOK_NAMESPACE}}}CodeBook", {"origin": f"llmstudio {__version__}"})
    codes_el = ET.SubElement(root, "Codes")
    _add_book(codes_el, book, ids)
    _qualify(root, CODEBOOK_NAMESPACE)
    return write_text(path, qde_bytes(root).decode("utf-8"))


def _qualify(root: ET.Element, namespace: str) -> None:
    """Put every element without a namespace into ``namespace``."""
    for el in root.iter():
        if not el.tag.startswith("{"):
            el.tag = f"{{{namespace}}}{el.tag}"

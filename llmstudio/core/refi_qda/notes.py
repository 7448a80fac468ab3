"""Memos as REFI-QDA notes, both ways. Project memos are the project's notes (``Notes``
and the project's ``NoteRef``), a code's memos notes its ``Code`` refers to; a note keeps
its author (``creatingUser``), title (``name``) and dates (``creationDateTime``,
``modifiedDateTime``). Row and passage memos travel as notes on their selection (the
writer's ``_selection``). On import, the notes of the project, of a code and those
nothing refers to become project and code memos (``memos`` table): nothing is dropped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ..human_codes import check_coder
from ..memos import Memo, all_memos
from ..project import Project
from ..store import memos as stored_memos
from .reader import Note, QdaFile


def xsd_time(value: str) -> str | None:
    """An ISO time as xsd:dateTime (None when it is not one: the attribute is left out)."""
    try:
        return datetime.fromisoformat(value).isoformat(timespec="milliseconds")
    except (TypeError, ValueError):
        return None


def note_element(notes_el, note_id: str, memo: Memo, name: str, user_id: str) -> ET.Element:
    """Append a ``Note`` holding ``memo`` to ``notes_el``."""
    attrs = {"guid": note_id, "name": name, "creatingUser": user_id}
    created, modified = xsd_time(memo.created), xsd_time(memo.modified)
    if created:
        attrs["creationDateTime"] = created
    if modified:
        attrs["modifyingUser"] = user_id
        attrs["modifiedDateTime"] = modified
    note = ET.SubElement(notes_el, "Note", attrs)
    ET.SubElement(note, "PlainTextContent").text = memo.text
    return note


def project_and_code_memos(
    project: Project,
) -> tuple[list[Memo], dict[tuple[str, str], list[Memo]]]:
    """The project memos, and the code memos by (codebook, code)."""
    memos = [m for m in all_memos(project) if m.kind in ("project", "code")]
    by_code: dict[tuple[str, str], list[Memo]] = {}
    for m in memos:
        if m.kind == "code":
            by_code.setdefault((m.codebook, m.code), []).append(m)
    return [m for m in memos if m.kind == "project"], by_code


def memo_authors(project: Project) -> set[str]:
    """Everyone who wrote a project or code memo (each must be a user of the file)."""
    return {m.author for m in all_memos(project) if m.kind in ("project", "code")}


# -- reading ------------------------------------------------------------------------------


def _author(qda: QdaFile, note: Note) -> str:
    name = qda.users.get(note.user, "") if note.user else ""
    try:
        return check_coder(name or "unknown author")
    except Exception:  # a name llmstudio cannot take as a coder: a readable stand-in
        return check_coder(" ".join(name.split())[:80] or "unknown author")


def _time(value: str | None, fallback: str) -> str:
    if not value:
        return fallback
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds")


def note_time(qda: QdaFile, note_ids, fallback: str) -> str:
    """When the latest of these notes was written (modified, else created), as llmstudio
    stores times; ``fallback`` when none of them says: a row memo's click keeps its date."""
    times = []
    for note_id in note_ids:
        note = qda.notes.get(note_id)
        if note is not None and (note.modified or note.created):
            times.append(_time(note.modified or note.created, fallback))
    return max(times) if times else fallback


def store_notes(project: Project, qda: QdaFile, code_place: dict, now: str) -> tuple[int, int]:
    """Store the file's project notes, code notes and the notes nothing refers to as
    memos in ``project`` (inside the caller's transaction); ``code_place``: a code GUID's
    (codebook, code name). (project memos, code memos) made."""
    used: set[str] = set()
    for source in qda.sources:
        used.update(source.notes)
        for sel in source.selections:
            used.update(sel.notes)
    rows = []
    for code_guid, note_ids in qda.code_notes.items():
        if code_guid not in code_place:
            continue
        book, code = code_place[code_guid]
        for note_id in note_ids:
            note = qda.notes.get(note_id)
            if note is not None and note_id not in used:
                used.add(note_id)
                rows.append(("code", book, code, note))
    loose = [n for n in qda.project_notes if n in qda.notes]
    loose += [g for g in qda.notes if g not in used and g not in loose]
    for note_id in loose:
        if note_id not in used:
            used.add(note_id)
            rows.append(("project", "", "", qda.notes[note_id]))
    for kind, book, code, note in rows:
        created = _time(note.created, now)
        title = note.name if kind == "project" else ""
        stored_memos.add(
            project.db,
            kind,
            book,
            code,
            _author(qda, note),
            title,
            note.text,
            created,
            _time(note.modified, created),
        )
    made = [r[0] for r in rows]
    return made.count("project"), made.count("code")

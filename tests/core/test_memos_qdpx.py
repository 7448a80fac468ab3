"""Memos in REFI-QDA files: project memos as the project's notes, code memos as notes
their code refers to, row and passage memos as notes on their selection, each with its
author and dates; the file validates against QDA-XML 1.0; llmstudio -> .qdpx ->
llmstudio keeps every memo; notes written by other programs come in as memos."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

import pytest
import xmlschema

from llmstudio.core import memos
from llmstudio.core.project import Project
from llmstudio.core.refi_qda import read_qde, read_qdpx, write_qdpx

from helpers.memos import corpus, fill
from helpers.qdpx_files import NS, g, write

Q = f"{{{NS}}}"


@pytest.fixture(scope="module")
def schema(shared_data):
    return xmlschema.XMLSchema(str(shared_data / "refi_qda" / "Project-mrt2019.xsd"))


def _qde(path) -> ET.Element:
    with zipfile.ZipFile(path) as zf:
        return ET.fromstring(zf.read("project.qde"))


def test_every_memo_kind_is_a_note_where_the_schema_puts_it(tmp_path, schema):
    with Project.create(tmp_path / "m.llmstudio", corpus()) as p:
        made = fill(p)
        write_qdpx(p, tmp_path / "m.qdpx")
    with zipfile.ZipFile(tmp_path / "m.qdpx") as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
    root = _qde(tmp_path / "m.qdpx")
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    notes = {n.get("guid"): n for n in root.find(f"{Q}Notes")}

    def text(guid):
        return notes[guid].find(f"{Q}PlainTextContent").text

    on_project = [notes[r.get("targetGUID")] for r in root.findall(f"{Q}NoteRef")]
    assert [(n.get("name"), users[n.get("creatingUser")]) for n in on_project] == [
        ("Sampling", "ana"),
        ("Doubts", "ben"),
    ]
    assert on_project[0].get("creationDateTime") == made["project"].created
    assert on_project[0].find(f"{Q}PlainTextContent").text == made["project"].text
    rents = next(c for c in root.iter(f"{Q}Code") if c.get("name") == "Rents")
    assert [text(r.get("targetGUID")) for r in rents.findall(f"{Q}NoteRef")] == [made["code"].text]
    selections = [
        (source.get("name"), sel)
        for source in root.iter(f"{Q}TextSource")
        for sel in source.findall(f"{Q}PlainTextSelection")
    ]
    by_span = {(name, s.get("startPosition"), s.get("endPosition")): s for name, s in selections}
    passage = by_span[("row 1", "0", "5")]
    (ref,) = passage.findall(f"{Q}NoteRef")
    assert text(ref.get("targetGUID")) == made["passage"].text
    assert users[notes[ref.get("targetGUID")].get("creatingUser")] == "ana"
    assert notes[ref.get("targetGUID")].get("creationDateTime") == made["passage"].created
    row = by_span[("row 1", "0", str(len(corpus().frame["text"][0])))]
    (ref,) = row.findall(f"{Q}NoteRef")
    assert text(ref.get("targetGUID")) == made["row"].text
    assert by_span[("row 3", "0", "8")].findall(f"{Q}NoteRef") == []  # no memo, no note


def test_a_reader_finds_each_passage_memo_on_its_passage(tmp_path):
    """What an import of passages reads: the partial selection and its note, with the
    passage memo's author and date."""
    with Project.create(tmp_path / "m.llmstudio", corpus()) as p:
        made = fill(p)
        write_qdpx(p, tmp_path / "m.qdpx")
    qda = read_qde(tmp_path / "m.qdpx")
    found = [
        (source.name, start, end, qda.users[user], [qda.notes[n] for n in notes])
        for source, start, end, _code, user, notes in qda.passages()
    ]
    assert [(s, a, b, u) for s, a, b, u, _ in found] == [
        ("row 1", 0, 5, "ana"),
        ("row 3", 0, 8, "ben"),
    ]
    (note,) = found[0][4]
    assert note.text == made["passage"].text and qda.users[note.user] == "ana"
    assert note.created == made["passage"].created and found[1][4] == []


def test_round_trip_keeps_every_memo_with_author_and_date(tmp_path):
    with Project.create(tmp_path / "m.llmstudio", corpus()) as p:
        fill(p)
        memos.save(p, memos.code_memo(p, "Issues", "Rents", "ana"), "edited later")
        before = memos.all_memos(p)
        write_qdpx(p, tmp_path / "m.qdpx")
    result = read_qdpx(tmp_path / "m.qdpx", tmp_path / "back.llmstudio")
    assert "2 memos on rows and passages, 2 project memos, 1 code memo" in result.log[0]
    with Project.open(result.path) as back:
        after = memos.all_memos(back)
    # the count File > Import shows: every memo that came in (it said only the row memos)
    assert result.memos == len(after) == 5

    def kept(m):  # ids are the new project's own
        return (m.kind, m.author, m.title, m.text, m.codebook, m.code, m.row_id)

    assert [kept(m) for m in after] == [kept(m) for m in before]
    assert {m.kind for m in after} == {"project", "code", "row", "passage"}
    # each with its date: project and code memos both dates, a row memo its click's,
    # a passage memo its passage's
    assert [(m.created, m.modified) for m in after] == [(m.created, m.modified) for m in before]


def test_notes_from_another_program_become_memos(tmp_path):
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="elsewhere" origin="MAXQDA 2022">
 <Users><User guid="{g(1)}" name="Maria"/></Users>
 <CodeBook><Codes>
  <Code guid="{g(10)}" name="Trust" isCodable="true"><NoteRef targetGUID="{g(51)}"/></Code>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="{g(20)}" name="interview 1">
   <PlainTextContent>I trust my doctor.</PlainTextContent>
   <PlainTextSelection guid="{g(21)}" startPosition="0" endPosition="18" creatingUser="{g(1)}">
    <Coding guid="{g(22)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(10)}"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="{g(50)}" name="Research diary" creatingUser="{g(1)}"
        creationDateTime="2024-03-01T10:00:00Z" modifiedDateTime="2024-03-02T09:30:00Z">
   <PlainTextContent>Day one: three interviews.</PlainTextContent></Note>
  <Note guid="{g(51)}" name="Trust memo" creatingUser="{g(1)}">
   <PlainTextContent>Trust in people vs institutions.</PlainTextContent></Note>
  <Note guid="{g(52)}" name="Loose idea">
   <PlainTextContent>Nothing refers to this note.</PlainTextContent></Note>
 </Notes>
 <NoteRef targetGUID="{g(50)}"/>
</Project>"""
    path = write(tmp_path / "other.qdpx", qde)
    result = read_qdpx(path, tmp_path / "other.llmstudio")
    with Project.open(result.path) as p:
        got = memos.all_memos(p)
    diary, loose, code = got
    assert (diary.kind, diary.title, diary.author, diary.text) == (
        "project",
        "Research diary",
        "Maria",
        "Day one: three interviews.",
    )
    assert (diary.created, diary.modified) == (
        "2024-03-01T10:00:00.000+00:00",
        "2024-03-02T09:30:00.000+00:00",
    )
    assert (loose.kind, loose.title, loose.author) == ("project", "Loose idea", "unknown author")
    assert (code.kind, code.code, code.text) == (
        "code",
        "Trust",
        "Trust in people vs institutions.",
    )
    assert code.codebook == result.codebooks[0]

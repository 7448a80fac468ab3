"""REFI-QDA export: every project.qde validates against the QDA-XML 1.0 schema (checked
here with xmlschema and the schema file from the shared data, not the product's copy),
two exports are identical, offsets count code points, and llmstudio -> .qdpx ->
llmstudio keeps every code, coder, row code and memo."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
import xmlschema

from llmstudio.core import human_codes
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import LlmstudioError
from llmstudio.core.project import Project
from llmstudio.core.refi_qda import read_qdc, read_qdpx, write_qdc, write_qdpx
from llmstudio.core.results import run_codes

from annotated_project import BOOK, make_project
from helpers.qdpx_files import NS, UNICODE_TEXT

TOPICS = Codebook(
    (
        Code("Housing", "rents", include="landlords", exclude="traffic", examples=("rent up",)),
        Code("Transport"),
    ),
    name="Local topics",
    multi_label=True,
)
CLICKS = [
    (BOOK, "ana", 0, ["positive"], "sarcasm? =check"),
    (BOOK, "bo", 1, ["negative"], "Ärger\nzweite Zeile"),
    (TOPICS, "ana", 4, ["Housing", "Transport"], "both"),
    (TOPICS, "bo", 4, ["none"], None),
    (TOPICS, "ana", 5, [], "memo only, no code"),
]
Q = f"{{{NS}}}"


@pytest.fixture(scope="module")
def schema(shared_data):
    return xmlschema.XMLSchema(str(shared_data / "refi_qda" / "Project-mrt2019.xsd"))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    path = make_project(tmp_path_factory.mktemp("qdpx"))
    with Project.open(path) as p:
        p.save_codebook(TOPICS)
        for book, coder, row, codes, memo in CLICKS:
            human_codes.record(p, book, coder, row, codes, memo)
    return path


def _state(project: Project) -> dict:
    return {
        book: sorted(
            (c.coder, c.row_id, c.codes, c.memo) for c in human_codes.current(project, book)
        )
        for book in project.codebooks()
    }


def _qde(path) -> ET.Element:
    with zipfile.ZipFile(path) as zf:
        return ET.fromstring(zf.read("project.qde"))


def test_export_validates_and_is_identical_twice(study, schema, tmp_path):
    with Project.open(study) as p:
        first = write_qdpx(p, tmp_path / "a.qdpx")
        second = write_qdpx(p, tmp_path / "b.qdpx")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
        names = zf.namelist()
    root = _qde(first)
    sources = root.findall(f"{Q}Sources/{Q}TextSource")
    assert len(sources) == 6 and sources[0].get("name") == "row 1"
    for source in sources:  # each text in sources/<guid>.txt, as the standard's internal path says
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
        assert f"sources/{source.get('guid')}.txt" in names
    cases = root.findall(f"{Q}Cases/{Q}Case")
    variables = {v.get("name") for v in root.iter(f"{Q}Variable")}
    assert len(cases) == 6 and "Partei (Wahl) ü" in variables and "text" not in variables


def test_model_runs_are_codes_of_a_model_user(study, tmp_path):
    with Project.open(study) as p:
        out = write_qdpx(p, tmp_path / "m.qdpx")
        labels = run_codes(p, 2, Codebook.from_labels(["negative", "neutral", "positive"]))
    root = _qde(out)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    model = [guid for guid, name in users.items() if name == "model: lexicon run 2"]
    assert model
    given = {}
    for row, source in enumerate(root.iter(f"{Q}TextSource")):
        for sel in source.iter(f"{Q}PlainTextSelection"):
            if sel.get("creatingUser") == model[0]:
                given[row] = tuple(codes[c.get("targetGUID")] for c in sel.iter(f"{Q}CodeRef"))
    assert given == labels and len(given) == 6
    # run 1 read the 'title' column, not the text: its user says so
    assert "model: lexicon run 1 on 'title'" in users.values()


def test_round_trip_keeps_codes_coders_row_codes_memos(study, tmp_path):
    with Project.open(study) as p:
        before, books = _state(p), {n: p.codebook(n) for n in p.codebooks()}
        frame = p.corpus().frame
        write_qdpx(p, tmp_path / "r.qdpx")
    result = read_qdpx(tmp_path / "r.qdpx", tmp_path / "back.llmstudio")
    with Project.open(result.path) as back:
        after = _state(back)
        for name, book in books.items():
            assert back.codebook(name) == book  # codes, descriptions, rules, kind
        got = back.corpus().frame
    for name in books:
        assert after[name] == before[name]
    assert ("ana", 5, (), "memo only, no code") in after["Local topics"]
    assert "model: lexicon run 1 on 'title'" in result.coders
    assert got["text"].tolist() == frame["text"].tolist()
    assert got["Partei (Wahl) ü"].tolist() == frame["Partei (Wahl) ü"].tolist()


def test_offsets_count_code_points(tmp_path, schema):
    texts = [UNICODE_TEXT, "plain"]
    corpus = Corpus(frame=pd.DataFrame({"text": pd.array(texts, dtype="str")}), text_column="text")
    book = Codebook((Code("praise"),), name="tone")
    with Project.create(tmp_path / "u.llmstudio", corpus) as p:
        p.save_codebook(book)
        human_codes.record(p, book, "ana", 0, ["praise"], "👍🏽 memo")
        out = write_qdpx(p, tmp_path / "u.qdpx")
    with zipfile.ZipFile(out) as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
        source = _qde(out).find(f"{Q}Sources/{Q}TextSource")
        assert zf.read(f"sources/{source.get('guid')}.txt").decode("utf-8") == UNICODE_TEXT
    sel = source.find(f"{Q}PlainTextSelection")
    # 21 code points; UTF-16 units would say 23 (two emoji), UTF-8 bytes 33, and one
    # sees 19 letters (the emoji with its skin tone, e with its accent are one each).
    assert (len(UNICODE_TEXT.encode("utf-16-le")) // 2, len(UNICODE_TEXT.encode())) == (23, 33)
    assert (sel.get("startPosition"), sel.get("endPosition")) == ("0", "21")
    back = read_qdpx(out, tmp_path / "u2.llmstudio")
    with Project.open(back.path) as p:
        assert p.corpus().frame["text"][0] == UNICODE_TEXT
        assert human_codes.current(p, "tone")[0].codes == ("praise",)


def test_codebook_alone_as_qdc(tmp_path, schema):
    out = write_qdc(TOPICS, tmp_path / "topics.qdc")
    root = ET.parse(out).getroot()
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    codes = root.find("{urn:QDA-XML:codebook:1.0}Codes")
    names = [c.get("name") for c in codes.iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert names == ["Local topics", "Housing", "Transport", "none"]
    # The folder has no schema of its own for .qdc: its Codes must be valid project Codes.
    text = ET.tostring(codes, encoding="unicode").replace("urn:QDA-XML:codebook:1.0", NS)
    schema.validate(f'<Project xmlns="{NS}" name="x"><CodeBook>{text}</CodeBook></Project>')
    books, _ = read_qdc(out)
    assert books == [TOPICS]  # codes, rules, examples and kind come back


def test_qdc_from_another_program(tmp_path):
    qdc = tmp_path / "theirs.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
        'origin="QualCoder"><Codes><Code guid="00000000-0000-4000-8000-000000000001" '
        'name="Feelings" isCodable="true"><Code guid="00000000-0000-4000-8000-000000000002" '
        'name="joy" isCodable="true"/></Code></Codes></CodeBook>',
        encoding="utf-8",
    )
    books, log = read_qdc(qdc)
    assert [b.names for b in books] == [("Feelings", "joy")] and not log
    assert books[0].code("joy").parent == "Feelings"  # the tree is kept
    qdc.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="no guid" '
        'isCodable="true"/></Codes></CodeBook>',
        encoding="utf-8",
    )
    with pytest.raises(LlmstudioError, match="guid"):
        read_qdc(qdc)


def test_codes_no_longer_in_a_codebook_still_have_a_code(tmp_path, schema):
    """A code removed from its codebook after coding, and a deleted codebook: their row
    codes are exported against codes that exist, and come back."""
    corpus = Corpus(
        frame=pd.DataFrame({"text": pd.array(["a", "b"], dtype="str")}), text_column="text"
    )
    old = Codebook((Code("keep"), Code("drop")), name="tone")
    gone = Codebook((Code("x"),), name="gone")
    with Project.create(tmp_path / "d.llmstudio", corpus) as p:
        p.save_codebook(old)
        p.save_codebook(gone)
        human_codes.record(p, old, "ana", 0, ["drop"])
        human_codes.record(p, gone, "ana", 1, ["x"], "memo")
        p.save_codebook(Codebook((Code("keep"),), name="tone"))
        p.delete_codebook("gone")
        out = write_qdpx(p, tmp_path / "d.qdpx")
    with zipfile.ZipFile(out) as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
    root = _qde(out)
    codes = {c.get("guid") for c in root.iter(f"{Q}Code")}
    refs = [r.get("targetGUID") for r in root.iter(f"{Q}CodeRef")]
    assert len(refs) == 2 and set(refs) <= codes
    back = read_qdpx(out, tmp_path / "d2.llmstudio")
    with Project.open(back.path) as p:
        assert human_codes.coding_of(p, "tone", "ana", 0).codes == ("drop",)
        assert p.codebook("tone").code("drop").description.startswith("not in the codebook")
        got = human_codes.coding_of(p, "gone", "ana", 1)
        assert (got.codes, got.memo) == (("x",), "memo")


def test_carriage_returns_kept_and_control_characters_said(tmp_path, schema):
    frame = pd.DataFrame(
        {
            "text": pd.array(["a\r\nb", "c"], dtype="str"),
            "note": pd.array(["x\x01y", "ok"], dtype="str"),
        }
    )
    book = Codebook((Code("k"),), name="b")
    with Project.create(tmp_path / "c.llmstudio", Corpus(frame=frame, text_column="text")) as p:
        p.save_codebook(book)
        human_codes.record(p, book, "ana", 0, ["k"], "line 1\r\nline 2")
        notes: list[str] = []
        out = write_qdpx(p, tmp_path / "c.qdpx", notes)
    assert len(notes) == 1 and notes[0].startswith("1 control character in")
    with zipfile.ZipFile(out) as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
    back = read_qdpx(out, tmp_path / "c2.llmstudio")
    with Project.open(back.path) as p:
        assert human_codes.coding_of(p, "b", "ana", 0).memo == "line 1\r\nline 2"
        frame = p.corpus().frame
        assert frame["text"].tolist() == ["a\r\nb", "c"]
        assert frame["note"].tolist() == ["x[U+0001]y", "ok"]

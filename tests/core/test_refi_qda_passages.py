"""REFI-QDA with passages and the code tree: files in the style of other programs keep
their partial selections as passages (offsets in code points, inclusive ends detected),
the tree with colours, users, cases, variables and sets; llmstudio -> .qdpx -> llmstudio
keeps every code (tree and colours), passage and coder; the export validates."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
import xmlschema

from llmstudio.core import human_codes
from llmstudio.core import passages as ps
from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.errors import LlmstudioError
from llmstudio.core.project import Project
from llmstudio.core.refi_qda import read_qdpx, write_qdpx
from llmstudio.core.refi_qda.importer import end_convention
from llmstudio.core.refi_qda.reader import read_qde

from helpers.qdpx_files import ATLAS_TEXTS, NS, g, inclusive_ends, nvivo_style, write


def _passages(project, book):
    return sorted(
        (p.coder, p.row_id, p.code, ps.text_of(project, p), p.memo) for p in ps.find(project, book)
    )


def test_inclusive_ends_two_coders_tree_colours_and_cases(tmp_path):
    result = read_qdpx(inclusive_ends(tmp_path / "a.qdpx"), tmp_path / "a.llmstudio")
    assert result.coders == ["Ann", "Bo"] and result.passages == 5 and result.row_codes == 0
    assert any("inclusive" in line and "5 selection names" in line for line in result.log)
    with Project.open(result.path) as p:
        [name] = p.codebooks()
        book = p.codebook(name)
        # "Positive" is under two parents: each is named by its path, the tree kept
        assert book.children("") == ("Service", "Staff")
        assert book.children("Staff") == ("Staff / Positive", "Staff / Negative")
        assert book.code("Service").color == "#1F77B4"  # lower case in the file
        assert book.code("Service / Negative").color == "#D62728"
        assert book.code("Service").description == "about the service"
        # the emoji before "was quick" is one character: the texts are exactly the names
        assert _passages(p, name) == [
            ("Ann", 0, "Service / Positive", "Service 🙂 was quick", "fast, she says"),
            ("Ann", 0, "Staff / Negative", "staff rude", ""),
            ("Bo", 0, "Service / Positive", "🙂 was quick", ""),
            ("Bo", 1, "Service / Negative", "service slow", ""),
            ("Bo", 1, "Staff / Positive", "Staff friendly", ""),
        ]
        frame = p.corpus().frame
        assert frame["text"].tolist() == ATLAS_TEXTS
        assert frame["Age"].tolist()[0] == 51 and bool(frame["Returning"][0]) is True
        assert frame["case"].tolist()[0] == "R1" and pd.isna(frame["Age"][1])


def test_nvivo_style_sources_in_zip_descriptions_and_sets(tmp_path):
    result = read_qdpx(nvivo_style(tmp_path / "n.qdpx"), tmp_path / "n.llmstudio")
    assert not any("inclusive" in line for line in result.log)  # exclusive: names match
    with Project.open(result.path) as p:
        book = p.codebook("NVivo project codes")
        assert book.code("Housing").description == "rent, moving"
        assert _passages(p, book.name) == [("NV USER", 0, "Housing", "the rent rose", "")]
        frame = p.corpus().frame
        assert frame["source description"].tolist() == ["first interview"]
        assert frame["sets"].tolist() == ["Wave 1"]


def test_end_convention_defaults_to_exclusive_without_evidence(tmp_path):
    qde = f"""<Project xmlns="{NS}" name="p"><CodeBook><Codes>
<Code guid="{g(10)}" name="c" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="{g(50)}" name="s"><PlainTextContent>abcdef</PlainTextContent>
<PlainTextSelection guid="{g(60)}" startPosition="1" endPosition="3">
<Coding guid="{g(70)}"><CodeRef targetGUID="{g(10)}"/></Coding></PlainTextSelection>
<PlainTextSelection guid="{g(61)}" name="cde" startPosition="2" endPosition="4">
<Coding guid="{g(71)}"><CodeRef targetGUID="{g(10)}"/></Coding></PlainTextSelection>
<PlainTextSelection guid="{g(62)}" name="ab" startPosition="0" endPosition="6">
<Coding guid="{g(72)}"><CodeRef targetGUID="{g(10)}"/></Coding></PlainTextSelection>
</TextSource></Sources></Project>"""
    path = write(tmp_path / "x.qdpx", qde)
    # one name says inclusive, but a selection ends at the text's end: exclusive it is
    inclusive, line = end_convention(read_qde(path))
    assert not inclusive and "1 selection name matches the other reading" in line
    result = read_qdpx(path, tmp_path / "x.llmstudio")
    with Project.open(result.path) as p:
        found = sorted((x.start, x.end) for x in ps.find(p, "p codes"))
        assert found == [(1, 3), (2, 4)]  # the whole-text one is a row code
        assert human_codes.coding_of(p, "p codes", "unknown coder", 0).codes == ("c",)


def test_a_failing_passage_leaves_nothing(tmp_path):
    qde = f"""<Project xmlns="{NS}" name="p"><CodeBook><Codes>
<Code guid="{g(10)}" name="c" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="{g(50)}" name="s"><PlainTextContent>abcdef</PlainTextContent>
<PlainTextSelection guid="{g(60)}" startPosition="1" endPosition="3">
<Coding guid="{g(70)}"><CodeRef targetGUID="{g(10)}"/></Coding></PlainTextSelection>
<PlainTextSelection guid="{g(61)}" startPosition="2" endPosition="4">
<Coding guid="{g(71)}"><CodeRef targetGUID="{g(99)}"/></Coding></PlainTextSelection>
</TextSource></Sources></Project>"""
    folder = tmp_path / "w"
    folder.mkdir()
    with pytest.raises(LlmstudioError, match="not in the code book"):
        read_qdpx(write(folder / "x.qdpx", qde), folder / "x.llmstudio")
    assert [f.name for f in folder.iterdir()] == ["x.qdpx"]


TREE = Codebook(
    codes=(
        Code("Housing", "homes", color="#112233"),
        Code("Rents", parent="Housing"),
        Code("Landlords", parent="Rents", color="#ABCDEF"),
        Code("Transport"),
    ),
    name="Issues",
    multi_label=True,
)
TEXTS = ["Rents doubled 🏠 and landlords left.", "Buses late.", "Nothing."]


def test_round_trip_keeps_tree_colours_passages_and_coders(tmp_path, shared_data):
    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str"), "age": [30, 40, 50]})
    source = tmp_path / "s.llmstudio"
    with Project.create(source, Corpus(frame=frame, text_column="text", source="t.csv")) as p:
        p.save_codebook(TREE)
        ps.add(p, TREE, "ana", 0, 0, 5, "Rents", "rising")
        ps.add(p, TREE, "ana", 0, 0, 15, "Housing")  # overlapping, over the emoji
        ps.add(p, TREE, "bo", 0, 18, 27, "Landlords")
        ps.add(p, TREE, "bo", 1, 0, len(TEXTS[1]), "Transport")  # a whole-text passage
        gone = ps.add(p, TREE, "bo", 2, 0, 3, "Transport")
        ps.remove(p, gone.id)  # removed: not exported
        human_codes.record(p, TREE, "bo", 1, ["Transport"], "row memo")  # same span
        before = _passages(p, "Issues")
        rows_before = [
            (c.coder, c.row_id, c.codes, c.memo) for c in human_codes.current(p, "Issues")
        ]
    with Project.open(source) as p:
        write_qdpx(p, tmp_path / "s.qdpx")
    schema = xmlschema.XMLSchema(str(shared_data / "refi_qda" / "Project-mrt2019.xsd"))
    with zipfile.ZipFile(tmp_path / "s.qdpx") as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
    result = read_qdpx(tmp_path / "s.qdpx", tmp_path / "back.llmstudio")
    assert result.passages == 4
    with Project.open(result.path) as p:
        assert p.codebook("Issues") == TREE
        assert _passages(p, "Issues") == before
        after = [(c.coder, c.row_id, c.codes, c.memo) for c in human_codes.current(p, "Issues")]
        assert after == rows_before


def test_export_counts_and_cancel_leave_nothing(tmp_path):
    from llmstudio.core.errors import Cancelled
    from llmstudio.core.progress import Monitor

    frame = pd.DataFrame({"text": pd.array(TEXTS, dtype="str")})
    source = tmp_path / "s.llmstudio"
    with Project.create(source, Corpus(frame=frame, text_column="text", source="t.csv")) as p:
        p.save_codebook(TREE)
        ps.add(p, TREE, "ana", 0, 0, 5, "Rents")
        human_codes.record(p, TREE, "bo", 1, ["Transport"])
        written, steps = {}, []
        write_qdpx(
            p,
            tmp_path / "s.qdpx",
            written=written,
            monitor=Monitor(lambda d, t, **k: steps.append(d)),
        )
        # TREE's 4 codes (multi-label's "none" is written too, not counted)
        assert written == {"sources": 3, "codes": 4, "passages": 1, "row codes": 1, "users": 2}
        assert steps == [0, 1, 2, 3]
        stop = Monitor()
        stop.cancel()
        with pytest.raises(Cancelled):
            write_qdpx(p, tmp_path / "gone.qdpx", monitor=stop)
    folder = tmp_path / "in"
    folder.mkdir()
    # cancelled once the new project is being written: nothing is left of it
    late_cancel = Monitor(lambda d, t, **k: d == 2 and late_cancel.cancel())
    with pytest.raises(Cancelled):
        read_qdpx(tmp_path / "s.qdpx", folder / "x.llmstudio", monitor=late_cancel)
    assert list(folder.iterdir()) == []
    assert not (tmp_path / "gone.qdpx").exists()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in", "s.llmstudio", "s.qdpx"]


def test_qualcoder_export_shape_exclusive_ends_in_code_points(tmp_path):
    from helpers.qdpx_files import QUALCODER_TEXT, qualcoder_passages

    result = read_qdpx(qualcoder_passages(tmp_path / "q.qdpx"), tmp_path / "q.llmstudio")
    assert not any("inclusive" in line for line in result.log)
    assert result.coders == ["default", "jo"] and result.passages == 3
    with Project.open(result.path) as p:
        assert p.codebooks() == ["Care"]
        assert p.codebook("Care").code("waiting").color == "#FAAC58"
        # the ZWJ emoji is four code points; the passage ends on "kind" exactly
        assert _passages(p, "Care") == [
            ("default", 0, "staff", "The nurse 👩‍⚕️ was kind", ""),
            ("jo", 0, "staff", "The nurse 👩‍⚕️ was kind", ""),
            ("jo", 0, "waiting", "the wait was long", ""),
        ]
        assert p.corpus().frame["text"][0] == QUALCODER_TEXT
        assert p.corpus().frame["source description"][0] == "phone interview"

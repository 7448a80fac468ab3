"""REFI-QDA import: files in the style of QualCoder and MAXQDA become projects (texts
exact, variables typed, the code tree kept with its colours, codes and memos per coder);
bad input gets one clear line and leaves no project and no temporary file."""

from __future__ import annotations

import zipfile

import pytest

from llmstudio.core import human_codes, memos
from llmstudio.core.errors import LlmstudioError
from llmstudio.core.project import Project
from llmstudio.core.refi_qda import read_qde, read_qdpx

from helpers.qdpx_files import NS, UNICODE_TEXT, g, maxqda, qualcoder, two_tone_folders, write


def test_qualcoder_style(tmp_path):
    result = read_qdpx(qualcoder(tmp_path / "qc.qdpx"), tmp_path / "qc.llmstudio")
    assert result.rows == 2 and result.coders == ["colin"]
    with Project.open(result.path) as p:
        frame = p.corpus().frame
        assert frame["text"].tolist() == [UNICODE_TEXT, "Second answer & <escaped> text"]
        assert frame["document"].tolist() == ["interview1.txt", "interview2.txt"]
        assert frame["case"].tolist() == ["P1", "P2"]
        assert str(frame["age"].dtype) == "Int64" and frame["age"][0] == 34
        assert frame["age"].isna()[1] and frame["region"].tolist() == ["north", "south"]
        assert p.codebooks() == ["Emotions", "qc project codes"]
        emotions = p.codebook("Emotions")
        assert emotions.names == ("joy", "anger") and emotions.multi_label
        assert emotions.code("joy").color == "#00FF00" and emotions.code("anger").color == ""
        places = p.codebook("qc project codes")
        assert places.names == ("Places", "City") and places.code("City").parent == "Places"
        first = human_codes.coding_of(p, "Emotions", "colin", 0)
        assert first.codes == ("joy",) and first.memo == "thumbs up, skin tone"
        assert human_codes.coding_of(p, "qc project codes", "colin", 0).codes == ("City",)
        assert human_codes.coding_of(p, "Emotions", "colin", 1).codes == ("anger",)
        # a note nothing refers to is kept as a project memo
        assert [m.text for m in memos.all_memos(p) if m.kind == "project"] == ["pilot wave"]


def test_maxqda_style(tmp_path):
    result = read_qdpx(maxqda(tmp_path / "mx.qdpx"), tmp_path / "mx.llmstudio")
    with Project.open(result.path) as p:
        frame = p.corpus().frame
        # the BOM is no text; the CRLF is (offsets count it)
        assert frame["text"][0] == "Erste Antwort über Arbeit.\r\nZweite Zeile."
        assert frame["Gender"].tolist()[0] == "f" and frame["Gender"].isna()[1]
        book = p.codebook("MAXQDA export codes")
        assert book.names == ("Topics", "Work") and book.code("Work").parent == "Topics"
        # "#00f" (three digits) and lower case as MAXQDA may write them
        assert (book.code("Topics").color, book.code("Work").color) == ("#FF0000", "#0000FF")
        assert human_codes.coding_of(p, book.name, "MX", 0).codes == ("Work",)
        assert human_codes.coding_of(p, book.name, "MX", 1) is None


@pytest.fixture
def folder(tmp_path):
    """A folder of the test's own (tmp_path also holds the test's model cache)."""
    path = tmp_path / "work"
    path.mkdir()
    return path


def _nothing_left(folder, keep: set[str]) -> None:
    assert {f.name for f in folder.iterdir()} == keep


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: (d / "x.qdpx").write_text("name,text\n"), "not a REFI-QDA project"),
        (lambda d: write(d / "x.qdpx", "").unlink() or _zip_without_qde(d), "no project.qde"),
        (lambda d: maxqda(d / "x.qdpx", drop_source=True), "Doc 2'"),
        (lambda d: maxqda(d / "x.qdpx", partial=(3, 3)), "selection 3-3 is empty"),
        (lambda d: maxqda(d / "x.qdpx", partial=(2, 9)), "selection 2-9 lies outside"),
        (lambda d: write(d / "x.qdpx", "<Project"), "not well-formed XML"),
    ],
    ids=["not-zip", "no-qde", "source-missing", "empty-selection", "outside", "broken-xml"],
)
def test_bad_files_one_line_nothing_left(folder, make, message):
    tmp_path = folder
    make(tmp_path)
    with pytest.raises(LlmstudioError) as err:
        read_qdpx(tmp_path / "x.qdpx", tmp_path / "new.llmstudio")
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(tmp_path / "x.qdpx") in str(err.value)
    _nothing_left(tmp_path, {"x.qdpx"})


def _zip_without_qde(folder):
    with zipfile.ZipFile(folder / "x.qdpx", "w") as zf:
        zf.writestr("sources/a.txt", "text")


def test_schema_mismatch_names_the_element(folder):
    tmp_path = folder
    bad = f'<Project xmlns="{NS}" name="p">\n<Users>\n <User name="no guid"/>\n</Users></Project>'
    write(tmp_path / "x.qdpx", bad)
    with pytest.raises(LlmstudioError) as err:
        read_qdpx(tmp_path / "x.qdpx", tmp_path / "new.llmstudio")
    text = str(err.value)
    assert "QDA-XML 1.0 schema (line 3: Element 'User': The attribute 'guid' is required" in text
    _nothing_left(tmp_path, {"x.qdpx"})


def test_existing_project_is_not_replaced(tmp_path):
    target = tmp_path / "mine.llmstudio"
    target.write_bytes(b"my work")
    with pytest.raises(LlmstudioError, match="already exists"):
        read_qdpx(qualcoder(tmp_path / "qc.qdpx"), target)
    assert target.read_bytes() == b"my work"


def test_partial_selections_are_listed_for_passages(tmp_path):
    qda = read_qde(maxqda(tmp_path / "mx.qdpx", partial=True))
    passages = list(qda.passages())
    assert [(s.name, start, end, code) for s, start, end, code, _, _ in passages] == [
        ("Doc 2", 0, 5, g(11, True))
    ]


def test_same_folder_names_and_several_codes_in_a_single_label_book(folder):
    """Two folders called "Tone" both stay; an llmstudio single-label codebook coded with
    two codes on one text elsewhere comes back multi-label, both codes kept."""
    result = read_qdpx(two_tone_folders(folder / "x.qdpx"), folder / "x.llmstudio")
    assert result.codebooks == ["Tone", "Tone (2)"]
    assert any("imported as multi-label" in line for line in result.log)
    with Project.open(result.path) as p:
        assert p.codebook("Tone").multi_label
        assert human_codes.coding_of(p, "Tone", "u", 0).codes == ("warm", "cold")
        assert human_codes.coding_of(p, "Tone (2)", "u", 0).codes == ("x",)


def test_variable_values_that_do_not_fit_their_type_are_kept_as_text(folder):
    qde = f"""<Project xmlns="{NS}" name="p">
<Variables><Variable guid="{g(30)}" name="age" typeOfVariable="Integer"/></Variables>
<Sources><TextSource guid="{g(50)}" name="s"><PlainTextContent>abc</PlainTextContent>
<VariableValue><VariableRef targetGUID="{g(30)}"/><TextValue>about 40</TextValue></VariableValue>
</TextSource></Sources></Project>"""
    result = read_qdpx(write(folder / "x.qdpx", qde), folder / "x.llmstudio")
    assert any("'age' is declared Integer" in line for line in result.log)
    with Project.open(result.path) as p:
        assert p.corpus().frame["age"].tolist() == ["about 40"]


def test_a_coding_of_a_code_not_in_the_code_book(folder):
    qde = f"""<Project xmlns="{NS}" name="p">
<Sources><TextSource guid="{g(50)}" name="s"><PlainTextContent>abc</PlainTextContent>
<Coding guid="{g(70)}"><CodeRef targetGUID="{g(99)}"/></Coding>
</TextSource></Sources></Project>"""
    with pytest.raises(LlmstudioError, match="refers to a code that is not in the code book"):
        read_qdpx(write(folder / "x.qdpx", qde), folder / "x.llmstudio")
    _nothing_left(folder, {"x.qdpx"})

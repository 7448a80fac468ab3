"""``--unit`` on ``llmstudio import`` and ``annotate`` as users run them: a units project
linked to its source, unit-level output, and a bad spec refused naming its value."""

from __future__ import annotations

import pandas as pd
import pytest

from llmstudio.core.project import Project
from llmstudio.core.unit_corpus import stored_units_info

DOC_A = "Dr. Smith came home. He was tired.\n\nThe next day he left."


def _docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(DOC_A, encoding="utf-8")
    (docs / "b.txt").write_text("I love it. I hate the bus.\n", encoding="utf-8")
    return docs


def test_import_documents_as_sentences(cli, tmp_path):
    done = cli("import")(_docs(tmp_path), "--project", "u.llmstudio", "--unit", "sentence")
    assert done.returncode == 0, done.stderr
    assert "split 2 documents into 5 units (sentence)" in done.stderr
    with Project.open(tmp_path / "u.llmstudio") as p:
        frame = p.corpus().frame
        info = stored_units_info(p)
    assert list(frame.columns[:5]) == ["document", "unit", "unit_start", "unit_end", "text"]
    assert frame["document"].tolist() == ["a.txt"] * 3 + ["b.txt"] * 2
    assert frame["unit"].tolist() == [1, 2, 3, 1, 2]
    first = frame.iloc[2]
    assert DOC_A[first["unit_start"] : first["unit_end"]] == "The next day he left."
    assert "title" in frame.columns and "format" in frame.columns  # metadata travel along
    assert info.unit == "sentence" and info.documents == 2 and info.units == 5


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("words:0", "unit 'words:0': a window holds at least 1 word; got 0"),
        ("words:3:3", "unit 'words:3:3': the overlap must be from 0 to 2 words"),
        ("chapter", "unknown unit 'chapter'"),
    ],
)
def test_import_refuses_a_bad_unit_naming_it(cli, tmp_path, spec, said):
    done = cli("import")(_docs(tmp_path), "--project", "u.llmstudio", "--unit", spec)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "u.llmstudio").exists()


def test_annotate_by_sentence_writes_units_and_keeps_a_linked_project(annotate_cli, tmp_path):
    (tmp_path / "s.csv").write_text(
        'id,answer,age\n1,"I love the park. The bus is awful.",30\n2,"Nice day.",40\n',
        encoding="utf-8",
    )
    args = ["s.csv", "--model", "lexicon", "--unit", "sentence", "--text-column", "answer"]
    done, _ = annotate_cli(*args, "--out", "o.csv")
    assert done.returncode == 0, done.stderr
    out = pd.read_csv(tmp_path / "o.csv")
    assert out["document"].tolist() == [1, 1, 2]
    assert out["unit"].tolist() == [1, 2, 1]
    assert out["text"].tolist() == ["I love the park.", "The bus is awful.", "Nice day."]
    assert out["sentiment_label"].tolist() == ["positive", "negative", "positive"]
    assert out["age"].tolist() == [30, 30, 40]
    assert "answer" not in out.columns  # the document's text is not repeated per unit

    done, _ = annotate_cli(*args)  # no --out: kept beside the file, named for the unit
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s_sentence.llmstudio").exists()
    # the same project asked for paragraphs: refused, not silently mixed
    done, _ = annotate_cli(
        "s.csv", "--model", "lexicon", "--unit", "paragraph", "--project", "s_sentence.llmstudio"
    )
    assert done.returncode == 1
    assert "holds units of sentence, not paragraph" in done.stderr


def test_annotate_refuses_a_units_project_split_from_other_texts(annotate_cli, tmp_path):
    csv = tmp_path / "s.csv"
    csv.write_text("text\nOne. Two.\n", encoding="utf-8")
    done, _ = annotate_cli(
        "s.csv", "--model", "lexicon", "--unit", "sentence", "--project", "u.llmstudio"
    )
    assert done.returncode == 0, done.stderr
    csv.write_text("text\nOne. Three.\n", encoding="utf-8")
    done, _ = annotate_cli(
        "s.csv", "--model", "lexicon", "--unit", "sentence", "--project", "u.llmstudio"
    )
    assert done.returncode == 1
    assert "was split from other texts than s.csv's as they are now" in done.stderr


def test_import_of_a_qdpx_refuses_unit(cli, tmp_path):
    (tmp_path / "p.qdpx").write_bytes(b"PK")
    done = cli("import")(tmp_path / "p.qdpx", "--project", "u.llmstudio", "--unit", "sentence")
    assert done.returncode == 2
    assert "--unit splits documents; a .qdpx is imported as it was coded" in done.stderr


def test_annotate_of_texts_that_give_no_unit_is_refused(annotate_cli, tmp_path):
    (tmp_path / "s.csv").write_text('id,text\n1," "\n2,""\n', encoding="utf-8")
    done, _ = annotate_cli(
        "s.csv",
        "--model",
        "lexicon",
        "--unit",
        "sentence",
        "--text-column",
        "text",
        "--out",
        "o.csv",
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "note: 2 document(s) without text gave no unit: 1, 2" in done.stderr
    assert "s.csv: no text to split into units, nothing was written" in done.stderr
    assert not (tmp_path / "o.csv").exists()


def test_annotate_a_folder_by_sentence_as_import_then_annotate(annotate_cli, tmp_path):
    docs = _docs(tmp_path)
    (docs / "broken.pdf").write_bytes(b"not a pdf")
    args = ["docs", "--model", "lexicon", "--unit", "sentence"]
    done, _ = annotate_cli(*args, "--out", "o.csv")
    assert done.returncode == 0, done.stderr
    assert "note: broken.pdf: skipped: not a readable PDF" in done.stderr
    assert "2 documents, " in done.stderr and "1 file skipped" in done.stderr
    assert "split 2 documents into 5 units (sentence)" in done.stderr
    out = pd.read_csv(tmp_path / "o.csv")
    assert out["document"].tolist() == ["a.txt"] * 3 + ["b.txt"] * 2
    assert out["text"].tolist()[3:] == ["I love it.", "I hate the bus."]
    assert out["sentiment_label"].tolist()[3:] == ["positive", "negative"]
    assert DOC_A[out["unit_start"][1] : out["unit_end"][1]] == "He was tired."

    done, _ = annotate_cli(*args)  # kept beside the folder, named for the unit
    assert done.returncode == 0, done.stderr
    with Project.open(tmp_path / "docs_sentence.llmstudio") as p:
        assert stored_units_info(p).units == 5
    (docs / "b.txt").write_text("I love it. Now I love the bus too.\n", encoding="utf-8")
    done, _ = annotate_cli(*args)  # the folder changed: its old units are not reused
    assert done.returncode == 1
    assert "was split from other texts than docs's as they are now" in done.stderr


def test_annotate_a_folder_whole_one_row_per_document(annotate_cli, tmp_path):
    _docs(tmp_path)
    done, _ = annotate_cli("docs", "--model", "lexicon", "--out", "o.csv")
    assert done.returncode == 0, done.stderr
    out = pd.read_csv(tmp_path / "o.csv")
    assert out["document"].tolist() == ["a.txt", "b.txt"]
    assert out["text"].tolist()[0] == DOC_A
    (tmp_path / "empty").mkdir()
    done, _ = annotate_cli("empty", "--model", "lexicon", "--unit", "sentence")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "empty: the folder holds no documents" in done.stderr

"""Analyse > Split into Units…: the preview and the total before anything is written, the
split saved as a new linked project in the background and opened, Cancel writing nothing;
the coding panel showing a unit inside its document."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt

from llmstudio.core.codebook import Code, Codebook
from llmstudio.core.corpus import Corpus
from llmstudio.core.project import Project
from llmstudio.core.unit_corpus import stored_units_info
from llmstudio.core.units import UnitSpec
from llmstudio.gui.coding.unit_context import unit_place, unit_word

TOOLTIP = Qt.ItemDataRole.ToolTipRole

TIMEOUT_MS = 20_000
DOC_A = "Dr. Smith came home. He was tired.\n\nThe next day he left. It rained."


def _documents(tmp_path, rows=None) -> Project:
    texts = rows or [DOC_A, "I love it. I hate the bus.", ""]
    frame = pd.DataFrame(
        {
            "document": [f"d{i}.txt" for i in range(len(texts))],
            "text": texts,
            "party": [f"P{i % 3}" for i in range(len(texts))],
        }
    )
    path = tmp_path / "docs.llmstudio"
    Project.create(path, Corpus(frame=frame, text_column="text", source="docs")).close()
    return path


def test_split_dialog_previews_then_saves_a_linked_project(qtbot, window, open_file, tmp_path):
    open_file(_documents(tmp_path))
    assert window.units.act_split.isEnabled()
    dialog = window.units.open()
    assert dialog.sentence.isChecked()
    assert "(d0.txt): <b>4 units</b>" in dialog.preview_label.text()
    assert dialog.preview.item(0).text() == "1. Dr. Smith came home."
    assert dialog.total_label.text() == "6 units from 3 documents in all."
    dialog.words.setChecked(True)
    dialog.size.setValue(3)
    assert dialog.overlap.maximum() == 2  # an overlap of a whole window is not offered
    dialog.overlap.setValue(1)
    assert dialog.preview.item(1).text() == "2. came home. He"
    dialog.paragraph.setChecked(True)
    assert dialog.total_label.text() == "3 units from 3 documents in all."
    assert dialog.suggested_path() == tmp_path / "docs_paragraph.llmstudio"
    dialog.grab().save(str(tmp_path / "split_dialog.png"))

    dialog.sentence.setChecked(True)
    target = tmp_path / "docs_sentence.llmstudio"
    with qtbot.waitSignals([window.sig_loaded, dialog.task.sig_finished], timeout=TIMEOUT_MS):
        dialog.start(target)
    assert window.project.path == target
    frame = window.corpus.frame
    assert list(frame.columns) == ["document", "unit", "unit_start", "unit_end", "text", "party"]
    assert frame["document"].tolist() == ["d0.txt"] * 4 + ["d1.txt"] * 2
    assert window.corpus.text_column == "text"
    info = stored_units_info(window.project)
    assert info.units == 6 and info.documents == 3 and info.unit == "sentence"
    assert info.split_from == str(tmp_path / "docs.llmstudio")
    assert "Split 3 documents into 6 units" in window.statusBar().currentMessage()
    # the d2.txt row has no text: said under Import problems, not silently dropped
    problems = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert any("d2.txt" in p for p in problems)


def test_cancel_writes_no_project(qtbot, window, open_file, tmp_path):
    open_file(_documents(tmp_path, [DOC_A] * 20_000))
    dialog = window.units.open()
    assert dialog.total_label.text() == "80,000 units from 20,000 documents in all."
    # pysbd is slow: counted on its first 100,000 characters, the rest estimated
    dialog.splitter.setCurrentIndex(dialog.splitter.findData("pysbd"))
    assert dialog.spec().language == "en"  # English unless another is chosen
    assert dialog.total_label.text() == (
        f"About 80,000 units from 20,000 documents in all (estimated from the first "
        f"{100_000 // len(DOC_A):,} by their length)."
    )
    assert dialog.language.isEnabled()
    dialog.language.setCurrentIndex(dialog.language.findData("de"))
    assert dialog.spec().language == "de"
    dialog.splitter.setCurrentIndex(dialog.splitter.findData("sentencex"))
    assert dialog.spec() == UnitSpec("sentence", splitter="sentencex", language="de")  # kept
    assert dialog.language.findData("uk") >= 0  # sentencex's own list, not pysbd's
    dialog.splitter.setCurrentIndex(dialog.splitter.findData("rules"))
    assert not dialog.language.isEnabled() and dialog.spec().language == "en"
    target = tmp_path / "units.llmstudio"
    with qtbot.waitSignal(dialog.task.sig_finished, timeout=TIMEOUT_MS):
        dialog.start(target)
        dialog.reject()  # Cancel while it runs: stops the split
    assert not target.exists()
    assert window.project.path.name == "docs.llmstudio"
    assert "Split cancelled" in window.statusBar().currentMessage()


def test_saving_over_the_open_project_is_refused(qtbot, window, open_file, tmp_path, monkeypatch):
    path = _documents(tmp_path)
    open_file(path)
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, exc: shown.append(str(exc)))
    window.units.open().start(path)
    assert shown == ["docs.llmstudio is the project open now: choose a new name"]


def test_coding_panel_shows_a_unit_inside_its_document(qtbot, window, open_file, tmp_path):
    open_file(_documents(tmp_path))
    dialog = window.units.open()
    with qtbot.waitSignals([window.sig_loaded, dialog.task.sig_finished], timeout=TIMEOUT_MS):
        dialog.start(tmp_path / "sentences.llmstudio")
    window.project.save_codebook(Codebook(codes=(Code("tired"), Code("other")), name="Mood"))
    coding = window.coding
    coding.act_open.trigger()
    coding.reload_codebooks()
    coding.codebook_box.setCurrentText("Mood")
    coding.coder_edit.setText("ana")
    coding.coder_edit.editingFinished.emit()
    window.resize(1200, 800)
    coding.goto(1)  # "He was tired.", the second unit of d0.txt
    context = coding.context
    assert coding.text.toPlainText() == "He was tired."
    assert context.before.isVisible() and context.after.isVisible()
    assert context.before.text() == "Dr. Smith came home."
    assert context.after.text() == "The next day he left. It rained."
    # where it is, in words; the raw offset columns are not listed beside it
    meta = coding.meta_label.text()
    assert "sentence 2 of document d0.txt, characters 22–34" in meta
    assert DOC_A[21:34] == "He was tired."  # characters 22 to 34, counted from 1
    assert "P0" in meta  # the document's metadata still shown
    for raw in ("unit_start", "unit_end", ">unit<", ">document<"):
        assert raw not in meta
    window.grab().save(str(tmp_path / "coding_place.png"))
    # the table names the offsets in words, and says what they count
    model = window.model
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert "Starts at" in headers and "Ends before" in headers
    assert "unit_start" not in headers and "unit_end" not in headers
    tip = model.headerData(headers.index("Starts at"), Qt.Orientation.Horizontal, TOOLTIP)
    assert "counted from 0" in tip
    coding.goto(0)
    assert context.before.text() == "<i>(the start of the document)</i>"
    assert context.after.text() == "He was tired. The next day he left."
    coding.goto(4)  # the first unit of d1.txt: nothing of d0.txt around it
    assert context.before.text() == "<i>(the start of the document)</i>"
    assert context.after.text() == "I hate the bus."


def test_a_table_that_is_not_split_shows_no_context(qtbot, window, open_file, tmp_path):
    open_file(_documents(tmp_path))
    window.project.save_codebook(Codebook(codes=(Code("tired"),), name="Mood"))
    coding = window.coding
    coding.act_open.trigger()
    coding.reload_codebooks()
    coding.codebook_box.setCurrentText("Mood")
    coding.coder_edit.setText("ana")
    coding.coder_edit.editingFinished.emit()
    coding.goto(0)
    assert coding.text.isVisible()
    assert not coding.context.before.isVisible()
    assert not coding.context.after.isVisible()
    assert "characters" not in coding.meta_label.text()  # a table's rows are no units
    model = window.model
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert "Starts at" not in headers


def test_run_dialog_says_how_many_units_and_tokens_a_run_sends(qtbot, tmp_path):
    import re

    from llmstudio.core.unit_corpus import split_corpus
    from llmstudio.gui.runs.run_dialog import RunDialog

    frame = pd.DataFrame({"document": ["a", "b"], "text": [DOC_A, "I love it. " * 40]})
    units = split_corpus(Corpus(frame=frame, text_column="text"), "sentence").frame
    dialog = RunDialog("text", len(units), frame=units)
    qtbot.addWidget(dialog)
    dialog.set_model("lexicon")
    dialog.show()
    qtbot.waitUntil(lambda: "The run sends" in dialog.length_note.text(), timeout=60_000)
    note = dialog.length_note.text()
    assert (
        "The run sends 44 units (rows) to the model (39 rows with the same text as an "
        "earlier row: sent once): about "
    ) in note
    dialog.grab().save(str(tmp_path / "run_dialog.png"))
    tokens = int(re.search(r"about ([\d,]+) tokens", note).group(1).replace(",", ""))
    # identical units ("I love it.", 40 times) are sent once: 5 distinct inputs, each
    # with the prompt, at about 4 characters a token
    prompt = sum(len(m["content"]) // 4 for m in dialog.spec().task().messages(""))
    distinct = dict.fromkeys(units["text"])
    assert len(distinct) == 5
    assert tokens == sum(prompt + max(1, len(t) // 4) for t in distinct)


def test_one_long_document_is_counted_on_its_start():
    from llmstudio.core.units import parse_unit
    from llmstudio.gui.units.split_dialog import BUDGET_CHARS, expected_units

    text = "One two. " * 300_000  # 2.7M characters, 300,000 sentences
    corpus = Corpus(frame=pd.DataFrame({"text": [text]}), text_column="text")
    total, sample = expected_units(corpus, parse_unit("sentence"))
    assert sample == 1
    assert abs(total - 300_000) < 10  # estimated by length from its first 2M characters
    assert len(text) > BUDGET_CHARS


def test_unit_place_in_words_and_what_it_leaves_out():
    frame = pd.DataFrame(
        {
            "document": ["interview_01.docx", None],
            "unit": [3, 4],
            "unit_start": [25, None],
            "unit_end": [98, None],
            "text": ["x", "y"],
        }
    )
    assert unit_place(frame, 0, "paragraph") == (
        "paragraph 3 of document interview_01.docx, characters 26–98"
    )
    assert unit_place(frame, 1) == "unit 4"  # no document, no offsets: not said as "nan"
    assert unit_place(frame.drop(columns="unit_end"), 0) is None  # not a units corpus
    assert unit_word(None) == "unit"

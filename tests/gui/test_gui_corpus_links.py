"""The corpus bar and View > Corpus: a documents project and its units projects met as one
project (gui/units/corpus_links.py). Split, switch to the units and back, reopen the
window and switch again; a link that cannot be followed says why and is not followed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from llmstudio.core.project import Project

from helpers.linked_units import damage_links, documents_project, split_project

TIMEOUT_MS = 20_000


def _links(window):
    return window.units.links


def _open(qtbot, window, path):
    """Open ``path`` as the user does and wait until its links are shown."""
    with qtbot.waitSignals([window.sig_loaded, _links(window).sig_shown], timeout=TIMEOUT_MS):
        window.open_path(path)


def _switched(qtbot, window, choose):
    """``choose()`` (a click, a menu item), then wait for the other corpus and its links."""
    with qtbot.waitSignals([window.sig_loaded, _links(window).sig_shown], timeout=TIMEOUT_MS):
        choose()


def _items(links) -> list[str]:
    return [links.combo.itemText(i) for i in range(links.combo.count())]


def _menu(links) -> list[tuple[str, bool]]:
    return [(a.text(), a.isChecked()) for a in links.menu.actions() if not a.isSeparator()]


def test_split_then_switch_both_ways_and_again_after_reopening(
    qtbot, new_window, tmp_path, isolated_config
):
    source = documents_project(tmp_path / "interviews.llmstudio")
    window = new_window()
    links = _links(window)
    _open(qtbot, window, source)
    assert links.bar.isHidden() and not links.menu.menuAction().isVisible()  # no units yet

    dialog = window.units.open()
    target = tmp_path / "interviews_sentence.llmstudio"
    with qtbot.waitSignals([window.sig_loaded, links.sig_shown], timeout=TIMEOUT_MS):
        dialog.start(target)
    assert window.project.path == target
    assert links.bar.isVisible() and links.combo.isVisible()
    assert _items(links) == ["Documents (3)", "Sentences (7 units)"]
    assert links.combo.currentText() == "Sentences (7 units)"
    assert links.origin.text() == (
        "Units of interviews.llmstudio, by sentence: 7 units of 3 documents"
    )
    assert links.back.isVisible() and links.back.text() == "Open the Documents"
    assert _menu(links) == [("Documents (3)", False), ("Sentences (7 units)", True)]
    window.grab().save(str(tmp_path / "units.png"))

    # back to the documents with the bar's button
    _switched(qtbot, window, lambda: qtbot.mouseClick(links.back, Qt.MouseButton.LeftButton))
    assert window.project.path == source and window.corpus.rows == 3
    assert links.combo.currentText() == "Documents (3)"
    assert links.origin.text() == "1 units corpus split from these documents"
    assert not links.back.isVisible()

    # to the units with View > Corpus
    sentences = next(a for a in links.menu.actions() if a.text() == "Sentences (7 units)")
    _switched(qtbot, window, sentences.trigger)
    assert window.project.path == target and window.corpus.rows == 7

    # a second split from the documents joins the list
    _switched(qtbot, window, lambda: links.combo.activated.emit(0))
    assert window.project.path == source
    dialog = window.units.open()
    dialog.paragraph.setChecked(True)
    with qtbot.waitSignals([window.sig_loaded, links.sig_shown], timeout=TIMEOUT_MS):
        dialog.start(tmp_path / "interviews_paragraph.llmstudio")
    assert _items(links) == ["Documents (3)", "Sentences (7 units)", "Paragraphs (4 units)"]
    assert links.combo.currentIndex() == 2
    window.close()

    # a new window: the documents know their units
    again = new_window()
    links = _links(again)
    _open(qtbot, again, source)
    assert _items(links) == ["Documents (3)", "Sentences (7 units)", "Paragraphs (4 units)"]
    assert links.origin.text() == "2 units corpora split from these documents"
    _switched(qtbot, again, lambda: links.combo.activated.emit(1))
    assert again.project.path == target
    assert again.corpus.frame["text"].tolist()[:2] == ["Dr. Smith came home.", "He was tired."]


def test_choosing_the_corpus_open_now_opens_nothing(qtbot, window, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    split_project(source, "sentence")
    _open(qtbot, window, source)
    loads = []
    window.sig_loaded.connect(lambda: loads.append(1))
    _links(window).combo.activated.emit(0)
    qtbot.wait(200)
    assert loads == [] and window.project.path == source


def test_a_deleted_units_project_says_why_and_is_not_opened(qtbot, window, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    split_project(source, "sentence").unlink()
    split_project(source, "paragraph")
    links = _links(window)
    _open(qtbot, window, source)
    assert _items(links) == [
        "Documents (3)",
        "Sentences (7 units) — not found",
        "Paragraphs (4 units)",
    ]
    tip = links.combo.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert "interviews_sentence.llmstudio is not there any more (deleted or moved away)" in tip
    assert links.origin.text() == (
        "2 units corpora split from these documents; 1 cannot be used (the list says why)"
    )
    window.grab().save(str(tmp_path / "broken.png"))
    with qtbot.waitSignal(window.sig_error, timeout=TIMEOUT_MS) as said:
        links.combo.activated.emit(1)
    assert said.args[0] == (
        "interviews_sentence.llmstudio is not there any more (deleted or moved away)"
    )
    assert window.project.path == source and links.combo.currentIndex() == 0


def test_a_deleted_source_says_why_and_offers_no_way_back(qtbot, window, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    units = split_project(source, "sentence")
    source.unlink()
    links = _links(window)
    _open(qtbot, window, units)
    assert _items(links) == ["Documents (3) — not found", "Sentences (7 units)"]
    assert links.origin.text() == (
        "Units of interviews.llmstudio, by sentence: 7 units of 3 documents. "
        "interviews.llmstudio is not there any more (deleted or moved away)."
    )
    assert not links.back.isVisible()


def test_documents_whose_texts_changed_open_only_when_asked_again(qtbot, window, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    units = split_project(source, "sentence")
    with Project.open(source) as project:
        project.set_text_column("other_text")
    links = _links(window)
    _open(qtbot, window, units)
    assert _items(links) == ["Documents (3) — texts changed", "Sentences (7 units)"]
    assert "interviews.llmstudio's texts changed since these units were split" in (
        links.origin.text()
    )
    assert links.back.text() == "Open the Documents Anyway…"
    window.grab().save(str(tmp_path / "changed.png"))
    qtbot.mouseClick(links.back, Qt.MouseButton.LeftButton)
    box = links.asked
    assert box.isVisible() and "the units may not match them" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(100)
    assert window.project.path == units  # not followed
    qtbot.mouseClick(links.back, Qt.MouseButton.LeftButton)
    _switched(qtbot, window, links.asked.button(QMessageBox.StandardButton.Open).click)
    assert window.project.path == source


def test_a_split_whose_source_cannot_list_it_is_said_and_kept(qtbot, window, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    damage_links(source)
    links = _links(window)
    _open(qtbot, window, source)
    assert "its list of units projects cannot be read" in links.origin.text()
    dialog = window.units.open()
    target = tmp_path / "interviews_sentence.llmstudio"
    said = []
    window.sig_error.connect(said.append)
    with qtbot.waitSignals([window.sig_error, links.sig_shown], timeout=TIMEOUT_MS):
        dialog.start(target)
    assert said[0].startswith(
        "The units were saved as interviews_sentence.llmstudio, but interviews.llmstudio "
        "could not list them: "
    )
    assert window.project.path == target  # the units are kept and open


def test_links_that_cannot_be_read_are_said(qtbot, window, tmp_path):
    source = documents_project(tmp_path / "interviews.llmstudio")
    split_project(source, "sentence")
    links = _links(window)
    _open(qtbot, window, source)
    source.unlink()  # the file open now removed by another program
    with qtbot.waitSignal(links.sig_shown, timeout=TIMEOUT_MS):
        links.refresh()
    assert links.bar.isVisible() and not links.combo.isVisible()
    assert links.origin.text().startswith("The linked corpora cannot be read: ")
    assert "no such project file" in links.origin.text()


def test_units_of_a_table_go_back_to_the_table(qtbot, window, tmp_path):
    table = tmp_path / "survey.csv"
    table.write_text('id,text\n1,"Good bus. Bad rent."\n2,"Fine."\n', encoding="utf-8")
    with qtbot.waitSignal(window.sig_loaded, timeout=TIMEOUT_MS):
        window.open_path(table)
    links = _links(window)
    assert links.bar.isHidden()  # a table, not a project: nothing linked
    dialog = window.units.open()
    with qtbot.waitSignals([window.sig_loaded, links.sig_shown], timeout=TIMEOUT_MS):
        dialog.start(tmp_path / "survey_sentence.llmstudio")
    assert _items(links) == ["Documents (2)", "Sentences (3 units)"]
    assert links.origin.text() == (
        "Units of survey.csv, by sentence: 3 units of 2 documents "
        "(not a project: its texts are not checked)"
    )
    with qtbot.waitSignal(window.sig_loaded, timeout=TIMEOUT_MS):
        qtbot.mouseClick(links.back, Qt.MouseButton.LeftButton)
    assert window.project is None and window.source == table and window.corpus.rows == 2
    assert links.bar.isHidden()

"""The codebook editor's tree of codes: build it by drag and by the buttons, colours saved
and read back, rename / merge / remove with the row codes and passages already given
(counted before, carried along, in the project's history), older flat codebooks, and the
tree through YAML. Real widgets with the project on disk; each modal box is answered."""

from __future__ import annotations

import html
import re

import pytest
import shiboken6
from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QColor, QDropEvent
from PySide6.QtWidgets import QColorDialog, QDialog, QInputDialog, QMessageBox

from llmstudio.core import human_codes as hc
from llmstudio.core import passages as ps
from llmstudio.core.code_colors import PALETTE
from llmstudio.core.codebook import load, loads
from llmstudio.core.project import Project
from llmstudio.gui.coding.code_tree_actions import MergeDialog
from llmstudio.gui.coding.code_tree_view import ABOVE, ON
from llmstudio.gui.coding.codebook_editor import CodebookEditor

from helpers.gui import make_project, sample_frame

TREE = """\
name: Issues
multi_label: true
codes:
  - name: Housing
    description: Homes, rents, homelessness.
    children:
      - name: Rents
      - name: Homelessness
  - name: Transport
    color: "#AA3377"
  - name: Health
"""


@pytest.fixture
def asked(monkeypatch):
    """Every question box answered (Yes unless told); their texts, in order."""

    class Asked(list):
        answer = QMessageBox.StandardButton.Yes  # what the next box is answered

    texts = Asked()

    def question(parent, title, text, *args, **kwargs):
        texts.append(text)
        return texts.answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return texts


@pytest.fixture
def project(tmp_path):
    path = make_project(tmp_path / "tree.llmstudio", sample_frame().head(6))
    p = Project.open(path)
    p.save_codebook(loads(TREE))
    yield p
    p.close()


@pytest.fixture
def editor(qtbot, project, asked):
    dialog = CodebookEditor(project, select="Issues")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose(editor, name: str) -> None:
    editor.tree.set_current_index(
        next(i for i, c in enumerate(editor._draft["codes"]) if c["name"] == name)
    )


def drop(qtbot, editor, source: str, target: str, where: str = ON) -> None:
    """Drop ``source`` on (or above/below) ``target`` as a mouse would release it."""
    tree = editor.tree
    choose(editor, source)
    item = tree.currentItem()
    rect = tree.visualItemRect(tree.item_at_index(_index(editor, target)))
    y = {ON: rect.center().y(), ABOVE: rect.top() + 1}[where]
    mime = tree.mimeData([item]) or QMimeData()
    event = QDropEvent(
        QPoint(rect.center().x(), y).toPointF(),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # Qt delivers a drop only inside a drag it started (QDrag.exec blocks, with no
    # window system offscreen): the release is handed to the tree's handler as Qt would.
    with qtbot.waitSignal(tree.sig_drop, timeout=2000):
        tree.dropEvent(event)


def said(editor) -> str:
    """The editor's message line as the user reads it."""
    return html.unescape(re.sub(r"<[^>]+>", "", editor.message.text()))


def _index(editor, name):
    return next(i for i, c in enumerate(editor._draft["codes"]) if c["name"] == name)


def test_the_tree_shows_parents_children_colours_and_descriptions(editor):
    assert editor.tree.titles() == ["Housing", "  Rents", "  Homelessness", "Transport", "Health"]
    housing = editor.tree.topLevelItem(0)
    assert housing.isExpanded() and housing.childCount() == 2
    assert housing.toolTip(0) == "<p>Homes, rents, homelessness.</p>"
    assert housing.child(0).toolTip(0) == "<p>No description yet.</p>"
    choose(editor, "Rents")
    editor.description.setPlainText("Rents < £500 & <b>deposits</b>\n")  # shown as typed
    assert housing.child(0).toolTip(0) == "<p>Rents &lt; £500 &amp; &lt;b&gt;deposits&lt;/b&gt;</p>"
    transport = editor.tree.topLevelItem(1)
    colour = transport.icon(0).pixmap(12, 12).toImage().pixelColor(6, 6)
    assert colour.name().upper() == "#AA3377"
    choose(editor, "Transport")
    assert "#AA3377" in editor.code_box.color_button.styleSheet()
    assert editor.code_box.reset_color_button.isEnabled()  # its own colour
    choose(editor, "Rents")
    assert PALETTE[1] in editor.code_box.color_button.styleSheet()
    assert not editor.code_box.reset_color_button.isEnabled()


def test_drag_a_code_onto_another_puts_it_under_it(editor, project, qtbot):
    saved = []
    editor.sig_saved.connect(saved.append)
    drop(qtbot, editor, "Health", "Transport")
    book = project.codebook("Issues")
    assert book.children("Transport") == ("Health",) and saved == ["Issues"]
    assert editor.tree.titles()[-1] == "  Health" and not editor.dirty
    assert project.history()[-1][1:] == ("code", "moved 'Health' under 'Transport' in 'Issues'")
    assert "moved 'Health' under 'Transport'" in editor.history.text()
    # dropped above a top-level code: out from under Transport, before Housing
    drop(qtbot, editor, "Health", "Housing", ABOVE)
    assert editor.tree.titles()[0] == "Health" and editor.dirty  # the order: Save keeps it
    editor.save_button.click()
    assert project.codebook("Issues").children() == ("Health", "Housing", "Transport")
    # never under itself or a code under it: said, nothing changes
    drop(qtbot, editor, "Housing", "Rents")
    assert "cannot go under 'Rents', which is under it" in said(editor)
    assert project.codebook("Issues").children("Rents") == ()


def test_move_under_and_to_top_with_the_buttons(editor, project, monkeypatch):
    offered = []

    def get_item(parent, title, label, items, *args):
        offered.append(list(items))
        return "Transport", True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    choose(editor, "Housing")
    editor.move_under_button.click()
    assert offered == [["Transport", "Health"]]  # not itself nor the codes under it
    book = project.codebook("Issues")
    assert book.children("Transport") == ("Housing",)
    assert book.children("Housing") == ("Rents", "Homelessness")  # its children came along
    assert editor.tree.titles() == [
        "Transport",
        "  Housing",
        "    Rents",
        "    Homelessness",
        "Health",
    ]
    # colours stay with their codes when their places change
    assert book.color_of("Health") == PALETTE[4] and book.color_of("Rents") == PALETTE[1]
    choose(editor, "Housing")
    editor.top_button.click()
    assert project.codebook("Issues").children() == ("Transport", "Health", "Housing")
    assert not editor.top_button.isEnabled()  # at the top now


def test_add_child_and_a_new_codes_colour_are_saved_and_read_back(editor, project, qtbot):
    choose(editor, "Transport")
    editor.add_child_button.click()
    qtbot.keyClicks(editor.code_name, "Buses")
    assert editor.tree.titles()[4] == "  Buses"
    editor.add_code_button.click()  # a sibling of Buses
    qtbot.keyClicks(editor.code_name, "Roads")
    editor.save_button.click()
    book = project.codebook("Issues")
    assert book.children("Transport") == ("Buses", "Roads")
    # the palette's first colours no other code shows, kept as their own
    assert book.code("Buses").color == PALETTE[3] and book.code("Roads").color == PALETTE[5]
    reopened = CodebookEditor(project, select="Issues")
    qtbot.addWidget(reopened)
    assert reopened.tree.titles()[3:7] == ["Transport", "  Buses", "  Roads", "Health"]


def test_a_new_parents_name_takes_its_children_along(editor, project, qtbot):
    editor.add_code_button.click()
    qtbot.keyClicks(editor.code_name, "Sport")
    editor.add_child_button.click()
    qtbot.keyClicks(editor.code_name, "Football")
    choose(editor, "Sport")
    editor.code_name.clear()  # emptied on the way: the child still follows
    qtbot.keyClicks(editor.code_name, "Games")
    editor.save_button.click()
    assert project.codebook("Issues").children("Games") == ("Football",)


def test_colours_chosen_saved_reset_and_read_back(editor, project, monkeypatch, qtbot):
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#123456"))
    choose(editor, "Rents")
    editor.code_box.color_button.click()
    assert project.codebook("Issues").code("Rents").color == "#123456"
    assert project.history()[-1][2] == "colour of 'Rents' in 'Issues': #123456"
    reopened = CodebookEditor(project, select="Issues")
    qtbot.addWidget(reopened)
    choose(reopened, "Rents")
    assert "#123456" in reopened.code_box.color_button.styleSheet()
    reopened.code_box.reset_color_button.click()
    book = project.codebook("Issues")
    assert book.code("Rents").color == "" and book.color_of("Rents") == PALETTE[1]
    # a cancelled colour dialog changes nothing
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor())
    lines = len(project.history())
    reopened.code_box.color_button.click()
    assert len(project.history()) == lines


def _code_some(project):
    """ana and ben code rows with Rents; a passage of Rents; one with Housing."""
    book = project.codebook("Issues")
    hc.record(project, book, "ana", 0, ["Rents", "Health"])
    hc.record(project, book, "ben", 1, ["Rents"])
    hc.record(project, book, "ben", 2, ["Housing"])
    rents = ps.add(project, book, "ana", 3, 0, 4, "Rents")
    return rents


def test_rename_counts_first_and_every_code_follows(editor, project, asked, monkeypatch):
    passage = _code_some(project)
    choose(editor, "Rents")
    assert editor.code_name.isReadOnly()  # only through Rename…
    assert editor.code_box.use.text() == "2 coded rows and 1 passage by 2 coders"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Rent levels", True))
    asked.answer = QMessageBox.StandardButton.Cancel
    editor.code_box.rename_button.click()
    assert "2 coded rows and 1 passage by 2 coders follow" in asked[-1]
    assert "(2 clicks in all)" in asked[-1]
    assert project.codebook("Issues").code("Rents") is not None  # cancelled
    asked.answer = QMessageBox.StandardButton.Yes
    editor.code_box.rename_button.click()
    book = project.codebook("Issues")
    assert book.children("Housing") == ("Rent levels", "Homelessness")
    assert hc.coding_of(project, "Issues", "ana", 0).codes == ("Rent levels", "Health")
    assert hc.coding_of(project, "Issues", "ben", 1).codes == ("Rent levels",)
    assert ps.get(project, passage.id).code == "Rent levels"
    assert project.history()[-1][2] == (
        "renamed 'Rents' to 'Rent levels' in 'Issues' (2 row-code clicks, 1 passage)"
    )
    assert editor.tree.titles()[1] == "  Rent levels" and not editor.dirty
    assert "renamed 'Rents' to 'Rent levels'" in editor.history.text()
    # a name another code has is refused and said
    choose(editor, "Health")
    assert not editor.rename_code("housing")
    assert "already a code called “Housing”" in said(editor)


def test_merge_names_both_with_counts_and_moves_children(editor, project, monkeypatch, qtbot):
    passage = _code_some(project)
    seen = []

    def exec_(dialog):
        seen.append(dialog)
        dialog.target.setCurrentText("Transport")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(MergeDialog, "exec", exec_)
    choose(editor, "Housing")
    editor.merge_button.click()
    text = seen[0].explain.text()
    assert "“Housing” has 1 coded row and 0 passages by 1 coder" in text
    assert "they become “Transport” (which has no coded rows or passages" in text
    book = project.codebook("Issues")
    assert book.code("Housing") is None
    assert book.children("Transport") == ("Rents", "Homelessness")
    assert hc.coding_of(project, "Issues", "ben", 2).codes == ("Transport",)
    assert ps.get(project, passage.id).code == "Rents"  # a child's passage keeps its code
    assert project.history()[-1][2].startswith("merged 'Housing' into 'Transport' in 'Issues'")
    assert editor.tree.titles() == ["Transport", "  Rents", "  Homelessness", "Health"]
    assert editor.tree.currentItem().text(0) == "Transport"


def test_the_merge_dialog_follows_the_target_chosen(editor, project, qtbot):
    _code_some(project)
    dialog = MergeDialog(editor, "Rents", ["Housing", "Health"], editor._use)
    qtbot.addWidget(dialog)
    assert "which has 1 coded row and 0 passages by 1 coder" in dialog.explain.text()
    dialog.target.setCurrentText("Health")
    assert "they become “Health” (which has 1 coded row" in dialog.explain.text()


def test_a_code_in_use_is_not_removed_and_the_counts_are_said(editor, project):
    _code_some(project)
    choose(editor, "Rents")
    assert not editor.remove_code()
    message = said(editor)
    assert "Not removed: “Rents” has 2 coded rows and 1 passage by 2 coders" in message
    assert "Merge it into another code" in message
    assert project.codebook("Issues").code("Rents") is not None and not editor.dirty
    # a code nobody used goes (after Save), its children moving up to its parent
    choose(editor, "Homelessness")
    assert editor.remove_code()
    editor.save_button.click()
    assert project.codebook("Issues").children("Housing") == ("Rents",)


def test_a_parent_no_one_coded_is_removed_and_its_children_move_up(editor, project):
    hc.record(project, project.codebook("Issues"), "ana", 0, ["Rents"])
    choose(editor, "Housing")
    editor.remove_code_button.click()
    assert "“Rents”, “Homelessness” moved up" in said(editor)
    editor.save_button.click()
    assert project.codebook("Issues").children() == ("Rents", "Homelessness", "Transport", "Health")
    assert hc.coding_of(project, "Issues", "ana", 0).codes == ("Rents",)


def test_a_new_code_cannot_be_merged_before_save(editor, project, qtbot):
    editor.add_code_button.click()
    qtbot.keyClicks(editor.code_name, "Sport")
    assert not editor.merge_code("Health")
    assert "Save the codebook first" in said(editor)


def test_an_older_flat_codebook_shows_flat_with_the_palette(qtbot, project, asked):
    project.save_codebook(loads("name: Tone\ncodes: [negative, neutral, positive]\n"))
    editor = CodebookEditor(project, select="Tone")
    qtbot.addWidget(editor)
    assert editor.tree.titles() == ["negative", "neutral", "positive"]
    assert all(editor.tree.topLevelItem(i).childCount() == 0 for i in range(3))
    choose(editor, "positive")
    assert PALETTE[2] in editor.code_box.color_button.styleSheet()
    assert not editor.dirty and "color" not in project.codebook("Tone").to_json()


def test_the_tree_round_trips_through_yaml_export_and_import(editor, project, tmp_path):
    path = tmp_path / "issues.yaml"
    assert editor.export_file(path)
    text = path.read_text("utf-8")
    assert "children:" in text and "#AA3377" in text
    book = load(path)
    assert book == project.codebook("Issues")
    assert editor.import_file(path)
    assert editor.tree.titles() == ["Housing", "  Rents", "  Homelessness", "Transport", "Health"]
    editor.save_button.click()
    assert project.codebook("Issues (2)").to_dict()["codes"] == book.to_dict()["codes"]


def test_the_open_coding_panel_reloads_after_a_rename_wherever_the_editor_was_opened(
    qtbot, new_window, tmp_path, asked, monkeypatch
):
    from llmstudio.gui.coding.codebook_editor import SAVES

    from helpers.coding import open_panel
    from helpers.gui import open_project

    path = make_project(tmp_path / "panel.llmstudio", sample_frame().head(6))
    with Project.open(path) as p:
        p.save_codebook(loads(TREE))
    window = new_window()
    open_project(qtbot, window, path)
    panel = open_panel(qtbot, window)
    panel.codebook_box.setCurrentText("Issues")
    assert panel.book.code("Rents") is not None
    # as from the run dialog: not through the menu's action
    editor = CodebookEditor(window.project, window, select="Issues")
    qtbot.addWidget(editor)
    choose(editor, "Rents")
    assert editor.rename_code("Rent levels")
    assert panel.book.code("Rents") is None and panel.book.code("Rent levels") is not None
    # the watch ends with its dock: a panel gone is never called
    dock = panel.dock
    dock.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dock))
    SAVES.sig_saved.emit("Issues")


def test_in_a_codebook_not_saved_yet_the_tree_changes_wait_for_save(
    editor, project, tmp_path, monkeypatch
):
    path = tmp_path / "draft.yaml"
    path.write_text(TREE.replace("name: Issues", "name: Draft"), encoding="utf-8")
    assert editor.import_file(path)
    lines = len(project.history())
    choose(editor, "Housing")
    assert not editor.code_name.isReadOnly()  # nothing coded with it can exist
    assert editor.rename_code("Homes")
    choose(editor, "Health")
    assert editor.merge_code("Transport")
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: QColor("#AABBCC"))
    choose(editor, "Rents")
    editor.code_box.color_button.click()
    assert project.codebooks() == ["Issues"] and len(project.history()) == lines
    assert "Save to keep it" in said(editor)
    editor.save_button.click()
    book = project.codebook("Draft")
    assert book.names == ("Homes", "Rents", "Homelessness", "Transport")
    assert book.children("Homes") == ("Rents", "Homelessness")
    assert book.code("Rents").color == "#AABBCC"

"""The codebook editor: create, edit, rename, delete, validate, import and export, with
the project on disk (real widgets; no modal box is left open)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMessageBox

from llmstudio.core.code_colors import PALETTE
from llmstudio.core.codebook import Code, Codebook, load
from llmstudio.core.project import Project
from llmstudio.gui.coding.codebook_editor import CodebookEditor

from helpers.gui import make_project, open_project, sample_frame

BOOK = Codebook(
    codes=(
        Code("Housing", "Rents and house prices", examples=("Rent doubled.",)),
        Code("Transport", "Buses and roads"),
    ),
    name="Local issues",
)


@pytest.fixture(autouse=True)
def discard_when_asked(monkeypatch):
    """Closing an editor with unsaved changes asks; no test may leave that box open."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def project(tmp_path):
    path = make_project(tmp_path / "books.llmstudio", sample_frame().head(5))
    with Project.open(path) as p:
        p.save_codebook(BOOK)
    p = Project.open(path)
    yield p
    p.close()


@pytest.fixture
def editor(qtbot, project):
    dialog = CodebookEditor(project)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def type_into(qtbot, widget, text):
    widget.clear() if hasattr(widget, "clear") else None
    qtbot.keyClicks(widget, text)


def test_opens_the_projects_codebook(editor):
    assert [editor.books.item(i).text() for i in range(editor.books.count())] == ["Local issues"]
    assert editor.name.text() == "Local issues"
    assert editor.tree.titles() == ["Housing", "Transport"]
    assert editor.description.toPlainText() == "Rents and house prices"
    assert editor.examples.toPlainText() == "Rent doubled."
    assert not editor.save_button.isEnabled() and not editor.revert_button.isEnabled()


def test_create_a_codebook_with_codes_and_save_it(qtbot, editor, project):
    editor.new_codebook()
    assert editor.name.text() == "New codebook"
    assert not editor.save_button.isEnabled()  # its one code has no name
    assert "no name" in editor.problems.text()
    type_into(qtbot, editor.name, "Frames")
    type_into(qtbot, editor.code_name, "Economy")
    editor.description.setPlainText("Jobs, prices, growth")
    editor.include.setPlainText("Taxes")
    editor.exclude.setPlainText("Culture wars")
    editor.examples.setPlainText("Prices are up.\n\nWages are flat.\n")
    editor.add_code_button.click()
    type_into(qtbot, editor.code_name, "Morality")
    editor.multi_label.setChecked(True)
    assert editor.save_button.isEnabled(), editor.problems.text()
    editor.save_button.click()
    assert project.codebooks() == ["Frames", "Local issues"]
    book = project.codebook("Frames")
    assert book.multi_label and book.names == ("Economy", "Morality")
    assert book.codes[0] == Code(
        "Economy",
        "Jobs, prices, growth",
        "Taxes",
        "Culture wars",
        ("Prices are up.", "Wages are flat."),
        color=PALETTE[0],  # a new code's colour: the palette's first free one
    )
    assert book.codes[1].color == PALETTE[1]
    assert not editor.save_button.isEnabled() and "Saved" in editor.message.text()


def test_validation_problems_disable_save(qtbot, editor):
    editor.tree.set_current_index(1)
    assert editor.code_name.isReadOnly()  # a saved code: renamed with Rename…
    editor.add_code_button.click()
    assert not editor.code_name.isReadOnly()
    type_into(qtbot, editor.code_name, "housing")  # same name as code 1
    assert not editor.save_button.isEnabled()
    assert "same name" in editor.problems.text()
    type_into(qtbot, editor.code_name, "Transport & roads")
    assert editor.save_button.isEnabled()
    # "none of these" cannot be a code's name when offered.
    type_into(qtbot, editor.code_name, "None")
    editor.none_option.setChecked(True)
    assert not editor.save_button.isEnabled() and "none" in editor.problems.text().lower()
    editor.none_option.setChecked(False)
    assert editor.save_button.isEnabled()
    editor.name.clear()
    editor.name.textEdited.emit("")
    assert not editor.save_button.isEnabled() and "no name" in editor.problems.text()


def test_rename_move_remove_and_revert(qtbot, editor, project):
    type_into(qtbot, editor.name, "Issues")
    editor.tree.set_current_index(1)
    editor.up_button.click()
    assert editor.tree.titles() == ["Transport", "Housing"]
    editor.revert_button.click()
    assert editor.name.text() == "Local issues"
    assert editor.tree.titles() == ["Housing", "Transport"]
    type_into(qtbot, editor.name, "Issues")
    editor.tree.set_current_index(0)
    editor.down_button.click()
    editor.remove_code_button.click()  # Housing, now second
    editor.save_button.click()
    assert project.codebooks() == ["Issues"]  # renamed, not copied
    assert project.codebook("Issues").names == ("Transport",)


def test_delete_asks_first(qtbot, editor, project, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    editor.delete_button.click()
    assert project.codebooks() == ["Local issues"]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    editor.delete_button.click()
    assert project.codebooks() == []
    assert "New" in editor.problems.text() and not editor.delete_button.isEnabled()


def test_export_and_import_yaml_and_json(qtbot, editor, project, tmp_path):
    yaml_path, json_path = tmp_path / "book.yaml", tmp_path / "book.json"
    assert editor.export_file(yaml_path) and editor.export_file(json_path)
    assert load(yaml_path) == BOOK and json.loads(json_path.read_text())["name"] == "Local issues"
    assert "Exported" in editor.message.text()
    # Importing a name the project has: a free name, unsaved until Save.
    assert editor.import_file(yaml_path)
    assert editor.name.text() == "Local issues (2)" and editor.save_button.isEnabled()
    assert "Imported" in editor.message.text()
    editor.save_button.click()
    assert project.codebooks() == ["Local issues", "Local issues (2)"]


def test_import_errors_say_file_line_and_column(qtbot, editor, tmp_path, project):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncodes:\n  - name: A\n    description: [unclosed\n")
    assert not editor.import_file(bad)
    message = editor.message.text()
    assert "bad.yaml" in message and "line" in message and "column" in message
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"name": "x", "codes": [}')
    assert not editor.import_file(bad_json)
    assert "line 1, column" in editor.message.text()
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("name: x\ncodes:\n  - name: A\n    colour: red\n")
    assert not editor.import_file(wrong)
    assert "colour" in editor.message.text() and "code 1" in editor.message.text()
    assert editor.name.text() == "Local issues"  # the draft is untouched
    assert project.codebooks() == ["Local issues"]


def test_unsaved_changes_are_asked_about(qtbot, editor, monkeypatch):
    type_into(qtbot, editor.name, "Changed")
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(1) or QMessageBox.StandardButton.Cancel,
    )
    editor.reject()
    assert asked and editor.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    editor.reject()
    assert not editor.isVisible()


def test_reachable_from_the_menu_and_the_run_dialog(qtbot, window, tmp_path, monkeypatch):
    path = make_project(tmp_path / "menu.llmstudio", sample_frame().head(5))
    open_project(qtbot, window, path)
    act = window.runs.act_codebooks
    assert act.isEnabled() and act.shortcut().toString() == "Ctrl+B"
    menu = [a for a in window.menuBar().actions() if a.text() == "&Analyse"][0].menu()
    assert act in menu.actions()
    opened = []

    def exec_(editor):
        opened.append(editor)
        editor.new_codebook()
        editor.name.setText("Tone")
        editor.name.textEdited.emit("Tone")
        editor.code_name.setText("Calm")
        editor.code_name.textEdited.emit("Calm")
        editor.add_code("Angry")
        editor.save()
        return 0

    monkeypatch.setattr(CodebookEditor, "exec", exec_)
    act.trigger()
    assert len(opened) == 1 and window.project.codebooks() == ["Tone"]
    # From the run dialog: the new codebook is chosen when the editor closes.
    from llmstudio.gui.runs.run_dialog import RunDialog

    d = RunDialog("text", 5, window, project=window.project, frame=window.corpus.frame)
    qtbot.addWidget(d)
    d.set_task("code")
    assert d.codebook.currentText() == "Tone"
    monkeypatch.setattr(CodebookEditor, "exec", lambda editor: 0)
    d.edit_codebooks.click()
    assert d.codebook.currentText() == "Tone"

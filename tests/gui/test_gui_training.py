"""Analyse > Train a Classifier…: the codes per label before training, training in the
background with its result (scores, learning curve) and the model beside the project,
Use This Model (a coding run with it, listed as a project model), Cancel, and the reasons
Train stays off."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from llmstudio.core.training import models_folder, project_models
from llmstudio.gui.runs.run_dialog import RunDialog

from helpers.gui import open_project
from helpers.training import coded_project, tiny_encoder

TIMEOUT_MS = 240_000  # a tiny model, but a loaded machine


def _dialog(qtbot, window, tmp_path, **kw):
    path = coded_project(tmp_path, 12, **kw)
    open_project(qtbot, window, path)
    dialog = window.training.open()
    return dialog, path


@pytest.mark.slow  # trains three times (a tiny model)
def test_train_shows_scores_and_curve_then_use_this_model(qtbot, window, tmp_path, monkeypatch):
    dialog, path = _dialog(qtbot, window, tmp_path)
    assert "positive <b>12</b>, negative <b>12</b>" in dialog.counts.text()
    assert dialog.coder.currentText() == "ana" and dialog.train_button.isEnabled()
    encoder = tiny_encoder(tmp_path / "encoder")
    dialog.base.setEditText(f"hf:{encoder}")
    dialog.folds.setValue(2)
    dialog.epochs.setValue(1)
    dialog.few_shot.setChecked(False)
    assert dialog.settings().base == f"hf:{encoder}"
    dialog.train_button.click()
    assert dialog.progress.isVisible() and not dialog.train_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=TIMEOUT_MS)
    assert dialog.result is not None, window.statusBar().currentMessage()
    folder = dialog.result.folder
    assert folder.parent == models_folder(path) and project_models(path) == [folder]
    view = dialog.result_box.itemAt(0).widget()
    assert view.methods.item(0, 0).text() == "This model"
    assert view.methods.rowCount() == 1  # the few-shot method was not asked for
    assert {view.codes.item(r, 0).text() for r in range(2)} == {"positive", "negative"}
    xs, _ = view.curve_points
    assert list(xs) == [3.0, 6.0, 12.0]  # 25%, 50% and all of each fold's 12 texts
    assert dialog.use_button.isVisible()
    warned = dialog.result.record["evaluation"]["warnings"]
    assert view.warnings.isVisibleTo(dialog) == bool(warned)  # one epoch may learn nothing
    dialog.resize(680, 760)
    dialog.grab().save(str(tmp_path / "train_dialog.png"))

    seen = {}

    def exec_(run_dialog):
        seen["label"] = run_dialog.model.currentText()
        seen["spec"] = run_dialog.model.currentData().spec
        seen["task"] = run_dialog.task_name()
        seen["codebook"] = run_dialog.codebook.currentText()
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(RunDialog, "exec", exec_)
    dialog.use_button.click()
    assert seen == {
        "label": f"Project model: {folder.name}",
        "spec": f"hf:{folder}",
        "task": "code",
        "codebook": "tone",
    }


def test_cancel_saves_no_model(qtbot, window, tmp_path):
    dialog, path = _dialog(qtbot, window, tmp_path)
    dialog.base.setEditText(f"hf:{tiny_encoder(tmp_path / 'encoder')}")
    dialog.epochs.setValue(50)
    dialog.train_button.click()
    qtbot.waitUntil(lambda: dialog.step.text() != "", timeout=TIMEOUT_MS)
    dialog.progress.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.task.running, timeout=TIMEOUT_MS)
    assert dialog.result is None and not dialog.use_button.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()
    assert project_models(path) == []
    assert not models_folder(path).exists() or not any(models_folder(path).iterdir())


def test_too_few_codes_keeps_train_off_and_says_why(qtbot, window, tmp_path):
    dialog, _ = _dialog(qtbot, window, tmp_path, coded=3)
    assert not dialog.train_button.isEnabled()
    assert "positive 3, negative 3" in dialog.counts.text()
    dialog.folds.setValue(2)
    assert "at least 5" in dialog.counts.text()
    dialog.grab().save(str(tmp_path / "train_dialog_too_few.png"))


def test_without_a_project_it_says_so(qtbot, window, open_file, small_csv):
    open_file(small_csv)
    errors = []
    window.sig_error.connect(errors.append)
    assert window.training.open() is None
    assert errors and "project" in errors[0]

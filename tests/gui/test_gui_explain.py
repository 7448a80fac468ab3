"""Why this label? in the window: the detail pane's button opens the attribution of the
row shown, computed in the background with progress, shown as coloured words with the
legend and what it is not, exported; hidden while coding blind; an API model elsewhere
asked only after consent (declined: nothing sent); the coding panel's button."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtWidgets import QDialog

from llmstudio.core.explain.attribution import GRADIENTS, WHAT_IT_IS
from llmstudio.core.explain.colours import hex_colour, weight_colour
from llmstudio.core.explain.words import split_words

from helpers.explain import SENTIMENT, TEXTS, api_run, classifier_run
from helpers.gui import open_project

TIMEOUT = 60_000


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from models import build_classifier

    return build_classifier(tmp_path_factory.mktemp("clf") / "clf", list(SENTIMENT))


def select_row(qtbot, window, row: int):
    """Row ``row`` shown in the detail pane with its model results (they load after the
    table)."""
    window.table.setCurrentIndex(window.model.index(row, 0))
    qtbot.waitUntil(lambda: window.detail.row_id == row and bool(window.detail.results_text()))


def explain(qtbot, dialog):
    dialog.explain_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=TIMEOUT)


@pytest.mark.slow
def test_detail_pane_explains_the_row_shown_and_exports_it(qtbot, window, tmp_path, classifier):
    path = classifier_run(tmp_path / "p.llmstudio", classifier)
    open_project(qtbot, window, path)
    select_row(qtbot, window, 1)
    assert window.detail.why_button.isVisibleTo(window)
    window.detail.why_button.click()
    dialog = window.explain_window
    assert dialog.windowTitle() == "Why this label? Row 2"
    assert dialog.run_box.currentData() == 1 and dialog.what.text() == WHAT_IT_IS
    explain(qtbot, dialog)
    result = dialog.result
    assert dialog.error == "" and result is not None and result.row == 1
    assert [w.word.text for w in result.words] == [w.text for w in split_words(result.text)]
    assert dialog.progress.bar.value() == dialog.progress.bar.maximum() == len(result.words) + 1
    shown = dialog.text.toHtml()
    strongest = max(result.words, key=lambda w: abs(w.weight))
    colour = hex_colour(weight_colour(strongest.weight, result.largest()))
    assert colour in shown and strongest.word.text in dialog.text.toPlainText()
    assert "raised the score" in dialog.legend.text() and result.label in dialog.status.text()
    assert dialog.export_button.isEnabled()
    dialog.grab().save(str(tmp_path / "explain_window.png"))

    page = dialog.export(tmp_path / "why.html").read_text("utf-8")
    assert result.model in page and "<span" in page
    table = pd.read_csv(dialog.export(tmp_path / "why.csv"))
    assert table["weight"].tolist() == pytest.approx([w.weight for w in result.words])
    assert dialog.export(tmp_path / "why.pdf") is None
    assert "why.pdf" in dialog.status.text() and ".html" in dialog.status.text()

    dialog.method_box.setCurrentIndex(dialog.method_box.findData(GRADIENTS))
    assert not dialog.window_box.isEnabled()
    explain(qtbot, dialog)
    assert dialog.error == "" and dialog.result.method == GRADIENTS
    dialog.close()


def test_blind_coding_hides_the_button_with_the_results(qtbot, window, tmp_path, classifier):
    open_project(qtbot, window, classifier_run(tmp_path / "p.llmstudio", classifier))
    select_row(qtbot, window, 0)
    assert window.detail.why_button.isVisibleTo(window)
    window.detail.set_results_hidden("Coding blind: model results are hidden")
    assert not window.detail.why_button.isVisibleTo(window)
    window.detail.set_results_hidden(None)
    assert window.detail.why_button.isVisibleTo(window)


def test_an_error_is_said_in_the_window(qtbot, window, tmp_path, classifier):
    open_project(qtbot, window, classifier_run(tmp_path / "p.llmstudio", classifier))
    select_row(qtbot, window, 2)  # the empty row
    window.detail.why_button.click()
    dialog = window.explain_window
    explain(qtbot, dialog)
    assert dialog.result is None and "row 3 has no text" in dialog.status.text()
    assert not dialog.export_button.isEnabled() and dialog.explain_button.isEnabled()
    dialog.close()


@pytest.mark.slow
def test_api_model_elsewhere_sends_nothing_until_consented(
    qtbot, window, tmp_path, fake_openai, monkeypatch
):
    from llmstudio.core.model_config import Endpoint, ModelConfig, save_config
    from llmstudio.gui.common.consent_dialog import ConsentDialog

    path = api_run(tmp_path / "api.llmstudio", fake_openai.url)
    save_config(ModelConfig(endpoints=[Endpoint("fake", fake_openai.url)]))
    fake_openai.reset()
    open_project(qtbot, window, path)
    select_row(qtbot, window, 0)
    window.detail.why_button.click()
    dialog = window.explain_window
    answers, shown = [QDialog.DialogCode.Rejected], []

    def exec_(consent):
        shown.append(consent.text.text())
        return answers[0]

    monkeypatch.setattr(ConsentDialog, "exec", exec_)
    explain(qtbot, dialog)
    assert len(shown) == 1 and "llm.example.test" in shown[0]
    # One row's text, asked once per word left out: not "up to N rows" of a run.
    words = len(split_words(TEXTS[0]))
    assert f"the text of row 1, {words + 1} times: whole, then with each word left" in shown[0]
    assert "rows" not in shown[0]
    assert fake_openai.total == 0 and dialog.result is None
    assert dialog.status.text().startswith("Nothing was sent")

    answers[0] = QDialog.DialogCode.Accepted
    explain(qtbot, dialog)
    assert dialog.error == "" and dialog.result is not None
    announced = len(dialog.result.words) + 1
    assert len(fake_openai.chat_requests()) == announced == dialog.result.requests
    dialog.close()


def test_cancel_stops_the_requests_and_shows_nothing(
    qtbot, window, tmp_path, fake_openai, monkeypatch
):
    from llmstudio.core.model_config import Endpoint, ModelConfig, save_config
    from llmstudio.gui.common.consent_dialog import ConsentDialog

    path = api_run(tmp_path / "api.llmstudio", fake_openai.url)
    save_config(ModelConfig(endpoints=[Endpoint("fake", fake_openai.url)]))
    monkeypatch.setattr(ConsentDialog, "exec", lambda _d: QDialog.DialogCode.Accepted)
    fake_openai.latency = 0.3
    open_project(qtbot, window, path)
    select_row(qtbot, window, 0)
    window.detail.why_button.click()
    dialog = window.explain_window
    dialog.explain_button.click()
    qtbot.waitUntil(lambda: dialog.run_task.running and fake_openai.total > 0, timeout=TIMEOUT)
    dialog.progress.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    assert dialog.result is None and dialog.status.text().startswith("Cancelled")
    assert fake_openai.total < len(split_words(TEXTS[0])) + 1  # not every text was asked
    dialog.close()


@pytest.mark.slow
def test_coding_panel_button_explains_the_run_it_compares_with(qtbot, window, tmp_path):
    from helpers.coding import BOOK, open_panel
    from helpers.explain import builtin_coding_run

    open_project(qtbot, window, builtin_coding_run(tmp_path / "b.llmstudio", BOOK))
    panel = open_panel(qtbot, window)
    panel.coder_edit.setText("ana")
    panel.coder_entered()
    select_row(qtbot, window, 0)
    qtbot.waitUntil(lambda: panel.row_id == 0)
    assert panel.why_button.isVisibleTo(window) and panel.model is not None
    panel.why_button.click()
    dialog = window.explain_window
    assert dialog.run_box.currentData() == panel.model.run_id
    panel.set_blind(True)
    assert not panel.why_button.isVisibleTo(window)
    dialog.close()

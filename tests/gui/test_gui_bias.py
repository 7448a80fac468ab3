"""Analyse › Bias Checks…: the counterfactual swaps tab with real widgets, real worker
threads and the lexicon (VADER) backend."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtGui import QImage

from llmstudio.core.backends import make_backend
from llmstudio.core.corpus import read_table
from llmstudio.core.project import Project
from llmstudio.gui.bias.bias_common import p_text

from helpers.gui import bigger_frame, core_result, make_project, open_project

TIMEOUT = 120_000


@pytest.fixture
def view(qtbot, window, tmp_path):
    path = make_project(tmp_path / "survey.llmstudio")
    open_project(qtbot, window, path)
    assert window.bias.act_open.isEnabled()
    window.bias.act_open.trigger()
    v = window.bias.view
    assert v is not None and v.isVisible()
    return v


def wait_run(qtbot, tab, timeout=TIMEOUT):
    qtbot.waitUntil(lambda: not tab.running(), timeout=timeout)


def test_preview_shows_swaps_before_anything_runs(view, window, tmp_path):
    tab = view.counterfactual
    assert tab.swaps_name() == "gender"
    assert tab.model.currentData() == "lexicon"
    with_swaps, without = tab.preview_counts
    assert with_swaps > 0 and without > 0
    assert with_swaps + without == window.corpus.rows
    table = tab.preview_table
    assert table.rowCount() == min(200, with_swaps)
    assert "->" in table.item(0, 3).text()
    assert table.item(0, 1).text() != table.item(0, 2).text()
    assert f"{with_swaps:,}" in tab.preview_label.text()
    assert not tab.project_path().exists()  # nothing created before Run
    assert tab.project_path().name == "survey-bias-gender.llmstudio"
    assert tab.result is None
    tab.set_swap_list("names")
    assert tab.preview_counts[0] != with_swaps or tab.preview_counts[0] == 0


def test_bad_swap_file_is_reported(view, tmp_path):
    tab = view.counterfactual
    bad = tmp_path / "pairs.csv"
    bad.write_text("he,she\nonly-one\n", encoding="utf-8")
    tab.set_swap_file(bad)
    assert "line 2" in tab.preview_label.text()
    assert not tab.run_button.isEnabled()
    good = tmp_path / "mine.csv"
    good.write_text("he,she\n", encoding="utf-8")
    tab.set_swap_file(good)
    assert tab.run_button.isEnabled()
    assert tab.project_path().name == "survey-bias-mine.llmstudio"


def test_run_matches_core_exports_and_cache(qtbot, view, window, tmp_path):
    tab = view.counterfactual
    tab.run()
    wait_run(qtbot, tab)
    assert tab.error == ""
    got = tab.result
    assert got is not None and got.status == "done"
    want = core_result(window, tmp_path)
    gd, wd = got.to_dict(), want.to_dict()
    for key in (
        "n",
        "changed",
        "changed_share",
        "changed_share_ci_low",
        "changed_share_ci_high",
        "mean_difference",
        "ci_low",
        "ci_high",
        "p_value",
        "test",
        "rows_without_swaps",
        "changed_rows",
    ):
        assert gd[key] == wd[key], key
    text = tab.summary.text()
    assert f"{want.n:,} rows compared" in text
    assert f"{want.comparison.mean_difference:.3f}" in text
    assert f"p {escape(p_text(want.comparison.p_value))}" in text
    assert f"{want.changed_share:.3f}" in text
    assert tab.bar.value() == tab.bar.maximum()
    assert tab.last_computed > 0

    # The table: changed rows by default; every compared row on request.
    changed = want.rows[want.rows["changed"] == True]  # noqa: E712
    assert tab.rows_table.rowCount() == len(changed)
    tab.show_rows.setCurrentIndex(2)
    assert tab.rows_table.rowCount() == want.n

    # Double-click: the main window selects that row (rows.csv's row is 1-based).
    item = tab.rows_table.item(3, 0)
    row = int(item.text())
    tab.rows_table.cellDoubleClicked.emit(3, 0)
    assert window.model.row_id(window.table.currentIndex().row()) == row - 1

    # Exports re-read correctly.
    csv = tab.export_csv(tmp_path / "rows.csv")
    back = pd.read_csv(csv, keep_default_na=False, dtype=str)
    assert list(back.columns) == list(got.rows.columns)
    assert len(back) == len(got.rows)
    for c in got.rows.columns:
        for i, value in enumerate(got.rows[c]):
            expected = (
                "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
            )
            cell = back.iloc[i][c]
            if isinstance(expected, (bool,)) or c == "changed":
                assert cell == str(expected), (c, i)
            elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
                assert float(cell) == pytest.approx(float(expected)), (c, i)
            else:
                assert cell.lstrip("'") == str(expected), (c, i)
    png = tab.export_png(tmp_path / "chart.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 1800
    md = tab.export_md(tmp_path / "methods.md").read_text(encoding="utf-8")
    assert f"Rows compared (n): {want.n:,}" in md
    assert f"p = {want.comparison.p_value:.4f}" in md

    view.resize(1200, 900)
    qtbot.wait(50)
    shot = tmp_path / "bias.png"
    view.grab().save(str(shot))

    # A second run is served from the bias project's cache.
    tab.run()
    wait_run(qtbot, tab)
    assert tab.result.status == "done"
    assert tab.last_computed == 0
    assert tab.result.to_dict()["mean_difference"] == wd["mean_difference"]


def test_cancel_stops_promptly(qtbot, window, tmp_path, paced_vader):
    path = make_project(tmp_path / "big.llmstudio", bigger_frame(40))  # ~13,000 rows
    open_project(qtbot, window, path)
    tab = window.bias.open().counterfactual
    total = 2 * tab.preview_counts[0]
    tab.run()
    qtbot.waitUntil(lambda: tab.bar.value() > 0, timeout=TIMEOUT)
    started = time.monotonic()
    tab.cancel()
    wait_run(qtbot, tab, timeout=5_000)
    assert time.monotonic() - started < 2.0
    assert tab.error == ""
    assert tab.result is not None and tab.result.status == "cancelled"
    assert tab.bar.value() < total
    assert "Run again to resume" in tab.status.text()


EEC = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "eec" / "Equity-Evaluation-Corpus.csv"
)
needs_eec = pytest.mark.skipif(not EEC.is_file(), reason="the EEC is not in ../shared/data/eec")


@needs_eec
def test_eec_probe_tab(qtbot, view, tmp_path):
    from llmstudio.core.bias.eec import eec_probe
    from llmstudio.core.tasks import SentimentTask

    tab = view.eec
    assert Path(tab.path.text()) == EEC  # the checkout's copy is the default
    assert tab.model.currentData() == "lexicon"
    tab.limit.setValue(600)
    assert tab.project_path().name == "survey-bias-eec-600.llmstudio"
    view.tabs.setCurrentWidget(tab)
    tab.run()
    qtbot.waitUntil(lambda: not tab.running(), timeout=TIMEOUT)
    assert tab.error == "" and tab.report is not None
    want = eec_probe(EEC, SentimentTask(), make_backend("lexicon"), limit=600)
    assert tab.report.gaps == want.gaps
    assert tab.report.groups == want.groups
    g = want.gap("gender")
    assert f"{g['mean_difference']:.3f}" in tab.summary.text()
    assert f"p {escape(p_text(g['p_value']))}" in tab.summary.text()
    assert tab.table.rowCount() == len(want.gaps)
    # The chart's points are the group means.
    xs, ys = tab.chart.points[(False, "female")].getData()
    female = [r["mean"] for r in want.groups if r["group"] == "female"]
    assert list(ys) == pytest.approx(female)

    csv = tab.export_csv(tmp_path / "eec.csv")
    back = pd.read_csv(csv)
    assert len(back) == len(want.rows)
    assert back["score"].tolist() == pytest.approx(want.rows["score"].astype(float).tolist())
    assert back["sentence"].tolist() == want.rows["sentence"].tolist()
    image = QImage(str(tab.export_png(tmp_path / "eec.png")))
    assert not image.isNull() and image.width() >= 1800
    md = tab.export_md(tmp_path / "eec.md").read_text(encoding="utf-8")
    assert "Kiritchenko" in md

    view.resize(1200, 900)
    qtbot.wait(50)
    view.grab().save(str(tmp_path / "eec_view.png"))


def test_without_the_eec_the_tab_probes_llmstudios_set(qtbot, window, tmp_path, monkeypatch):
    """A fresh install has no EEC: the tab defaults to llmstudio's own set and says so."""
    from llmstudio.core.bias import eec_style

    monkeypatch.setattr(eec_style, "CHECKOUT_EEC", tmp_path / "no-eec.csv")
    open_project(qtbot, window, make_project(tmp_path / "survey.llmstudio"))
    window.bias.act_open.trigger()
    view = window.bias.view
    tab = view.eec
    assert Path(tab.path.text()) == eec_style.shipped_path()
    tab.model.setCurrentIndex(tab.model.findData("builtin"))
    tab.limit.setValue(104)  # two frames of 52
    view.tabs.setCurrentWidget(tab)
    tab.run()
    qtbot.waitUntil(lambda: not tab.running(), timeout=TIMEOUT)
    assert tab.error == "" and tab.report is not None
    assert tab.report.to_dict()["n"] == 104
    md = tab.export_md(tmp_path / "eec.md").read_text(encoding="utf-8")
    assert "Template probe: llmstudio's EEC-style template set" in md
    view.resize(1200, 900)
    qtbot.wait(50)
    view.grab().save(str(tmp_path / "eec_style_view.png"))


@needs_eec
def test_eec_cancel(qtbot, view):
    tab = view.eec
    tab.model.setCurrentIndex(tab.model.findData("builtin"))  # slow enough to cancel
    tab.run()
    qtbot.waitUntil(lambda: tab.bar.value() > 0 or not tab.running(), timeout=TIMEOUT)
    started = time.monotonic()
    tab.cancel()
    qtbot.waitUntil(lambda: not tab.running(), timeout=10_000)
    assert time.monotonic() - started < 3.0
    assert tab.cancelled and tab.report is None
    assert "Run again to resume" in tab.status.text()


def test_api_model_asks_consent_once_and_sends_nothing_when_declined(
    qtbot, window, tmp_path, fake_openai, monkeypatch
):
    from PySide6.QtWidgets import QDialog

    from llmstudio.core.model_config import Endpoint, ModelConfig, save_config
    from llmstudio.gui.common.consent_dialog import ConsentDialog

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    save_config(ModelConfig(endpoints=[Endpoint("fake", fake_openai.url)]))
    path = make_project(tmp_path / "api.llmstudio")
    open_project(qtbot, window, path)
    tab = window.bias.open().counterfactual
    index = tab.model.findData("openai:fake")
    assert index >= 0
    tab.model.setCurrentIndex(index)
    answers, shown = [QDialog.DialogCode.Rejected], []

    def exec_(dialog):
        shown.append(dialog.text.text())
        return answers[0]

    monkeypatch.setattr(ConsentDialog, "exec", exec_)
    tab.run()
    assert len(shown) == 1 and not tab.running()
    assert "text (swapped: gender)" in shown[0]
    assert f"{2 * tab.preview_counts[0]:,}</b> rows" in shown[0]
    assert fake_openai.total == 0 and tab.result is None
    assert "nothing was sent" in tab.status.text()

    answers[0] = QDialog.DialogCode.Accepted
    tab.run()
    wait_run(qtbot, tab)
    assert tab.error == "" and tab.result.status == "done"
    assert tab.result.n == tab.preview_counts[0]
    sent = fake_openai.total
    assert 0 < sent <= 2 * tab.preview_counts[0]
    tab.run()  # consent remembered, answers cached: nothing asked, nothing sent
    wait_run(qtbot, tab)
    assert len(shown) == 2 and fake_openai.total == sent and tab.last_computed == 0


def test_occupations_tab_needs_a_generative_model(view):
    tab = view.occupations
    assert tab.model.count() == 0  # builtin and lexicon write no text
    assert not tab.run_button.isEnabled()
    assert "No generative model" in tab.note.text()


@pytest.mark.parametrize("server", [{}, {"accepts_logprobs": False}])
def test_occupations_probe_through_an_api_model(qtbot, window, tmp_path, monkeypatch, server):
    from PySide6.QtWidgets import QMessageBox

    from llmstudio.core.bias.completion import completion_probe
    from llmstudio.core.model_config import Endpoint, ModelConfig, save_config

    from fakes.openai_server import FakeOpenAI

    table = {"He": 0.5, "She": 0.2, "The": 0.25, " he": 0.05}
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes,
    )
    from helpers.remote import REMOTE_HOST, resolve_to_loopback

    resolve_to_loopback(monkeypatch)  # a server elsewhere: a loopback one is asked nothing
    with FakeOpenAI(continuation=table, host_name=REMOTE_HOST, **server) as fake:
        save_config(ModelConfig(endpoints=[Endpoint("fake", fake.url)]))
        open_project(qtbot, window, make_project(tmp_path / "occ.llmstudio"))
        tab = window.bias.open().occupations
        assert tab.model.currentData() == "openai:fake" and tab.run_button.isEnabled()
        tab.samples.setValue(5)
        tab.run()
        qtbot.waitUntil(lambda: not tab.running(), timeout=TIMEOUT)
        assert tab.error == "", tab.error
        assert len(asked) == 1 and "40 sentences" in asked[0] and "none of your data" in asked[0]
        want = completion_probe("openai:fake", None, samples=5, base_url=fake.url)
    got = tab.report
    assert got.meta["method"] == want.meta["method"]
    assert got.rows["share_he"].tolist() == pytest.approx(want.rows["share_he"].tolist())
    assert tab.table.rowCount() == 40
    s = want.summary()
    assert f"{s['male_stereotyped']['mean']:.3f}" in tab.summary.text()
    back = pd.read_csv(tab.export_csv(tmp_path / "occ.csv"))
    assert back["occupation"].tolist() == want.rows["occupation"].tolist()
    assert back["share_he"].tolist() == pytest.approx(want.rows["share_he"].tolist())
    assert QImage(str(tab.export_png(tmp_path / "occ.png"))).width() >= 1800
    assert "Zhao" in tab.export_md(tmp_path / "occ.md").read_text(encoding="utf-8")
    if server:
        window.bias.view.tabs.setCurrentWidget(tab)
        window.bias.view.resize(1200, 900)
        qtbot.wait(50)
        window.bias.view.grab().save(str(tmp_path / "h19_bias_occupations.png"))


def test_menu_action_and_a_corpus_without_project(qtbot, window, open_file, tmp_path):
    from helpers.gui import sample_frame

    act = window.bias.act_open
    assert act.shortcut().toString() == "Ctrl+Shift+B"
    analyse = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Analyse")
    assert act in analyse.actions()
    assert not act.isEnabled()  # nothing open
    csv = tmp_path / "answers.csv"
    sample_frame().head(40).to_csv(csv, index=False)
    open_file(csv)
    assert act.isEnabled() and window.project is None
    act.trigger()
    tab = window.bias.view.counterfactual
    assert tab.project_path() == tmp_path / "answers-bias-gender.llmstudio"
    tab.run()
    wait_run(qtbot, tab)
    assert tab.error == "" and tab.result.status == "done"
    assert tab.project_path().is_file()
    # A project of the researcher's own at that path is never replaced.
    tab.project_path().unlink()
    Project.create(tab.project_path(), read_table(csv)).close()
    tab.run()
    wait_run(qtbot, tab)
    assert "not a counterfactual check" in tab.error


@needs_eec
def test_eec_probe_through_an_api_model_asks_first(
    qtbot, window, tmp_path, fake_openai, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from llmstudio.core.model_config import Endpoint, ModelConfig, save_config

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    save_config(ModelConfig(endpoints=[Endpoint("fake", fake_openai.url)]))
    open_project(qtbot, window, make_project(tmp_path / "eec.llmstudio"))
    tab = window.bias.open().eec
    tab.model.setCurrentIndex(tab.model.findData("openai:fake"))
    tab.limit.setValue(60)
    answers = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers[0])
    tab.run()
    assert not tab.running() and fake_openai.total == 0
    assert "nothing was sent" in tab.status.text()
    answers[0] = QMessageBox.StandardButton.Yes
    tab.run()
    qtbot.waitUntil(lambda: not tab.running(), timeout=TIMEOUT)
    assert tab.error == "", tab.error
    assert tab.report.to_dict()["n"] == 60 and 0 < fake_openai.total <= 60


def test_the_methods_record_includes_the_checks_run_here(qtbot, view, window, tmp_path):
    """File › Export Methods Record… after a counterfactual check: the record has its
    numbers, and the report the CLI would write lies beside it."""
    import json

    tab = view.counterfactual
    tab.run()
    wait_run(qtbot, tab)
    assert tab.error == "" and tab.result is not None
    assert [k for k, _ in window.bias.session_reports()] == ["counterfactual"]
    record = tmp_path / "out" / "methods.md"
    window.files.export_methods(record)
    beside = tmp_path / "out" / "methods_bias_counterfactual.json"
    qtbot.waitUntil(record.exists, timeout=30_000)
    data = json.loads(beside.read_text("utf-8"))
    assert data == json.loads(json.dumps(tab.result.to_dict()))
    text = record.read_text("utf-8")
    assert "methods_bias_counterfactual.json" in text
    assert f"{data['changed_share']}" in text or f"{data['changed_share']:.3f}" in text
    qtbot.waitUntil(
        lambda: "with 1 bias check" in window.statusBar().currentMessage(), timeout=10_000
    )

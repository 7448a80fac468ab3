"""Bias Checks › Masked words: the fill-mask probe of a tiny BERT masked LM on this
computer (a model folder in Model Settings), run in the tab's worker thread and compared
with the core's numbers; a word of several tokens named in the window; exports."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtGui import QImage

from helpers.gui import make_project, open_project

TIMEOUT = 120_000


@pytest.fixture
def masked_lm(tmp_path):
    from llmstudio.core.model_config import ModelConfig, save_config

    import models  # tests/ is on sys.path (rootdir conftest)

    folder = models.build_masked_lm(tmp_path / "mlm")
    save_config(ModelConfig(folders=[str(folder)]))
    return folder


def test_the_masked_word_probe_in_the_bias_window(qtbot, window, tmp_path, masked_lm):
    from llmstudio.core.bias.fill_mask import fill_mask_probe

    open_project(qtbot, window, make_project(tmp_path / "fm.llmstudio"))
    view = window.bias.open()
    tab = view.fill_mask
    assert tab.model.count() == 1 and tab.spec() == f"hf:{masked_lm}"  # MiniLM has no head
    tab.templates.setPlainText("[MASK] worked as a {occupation}.\n[MASK] is a doctor.")
    tab.targets.setText("he, she, engineer")
    tab.run()
    qtbot.waitUntil(lambda: not tab.running(), timeout=TIMEOUT)
    assert tab.error == "", tab.error
    want = fill_mask_probe(
        f"hf:{masked_lm}",
        ("[MASK] worked as a {occupation}.", "[MASK] is a doctor."),
        ("he", "she", "engineer"),
    )
    got = tab.report
    assert len(got.details) == 41  # WinoBias's 40 occupations and one sentence
    assert got.rows["mean_p"].tolist()[:2] == pytest.approx(want.rows["mean_p"].tolist()[:2])
    assert "“engineer” is not measured" in tab.status.text()
    assert tab.table.rowCount() == 3 and tab.table.item(2, 1).text().startswith("no: e ##n")
    share = want.summary()["share_first"]["mean"]
    assert f"{share:.3f}" in tab.summary.text()
    back = pd.read_csv(tab.export_csv(tmp_path / "fm.csv"))
    assert back["target"].tolist() == ["he", "she", "engineer"]
    assert QImage(str(tab.export_png(tmp_path / "fm.png"))).width() >= 1800
    assert "## Masked-word probe" in tab.export_md(tmp_path / "fm.md").read_text("utf-8")
    assert ("fill-mask-probe", got.to_dict()) in [
        (k, d) for k, d in window.bias.session_reports() if k == "fill-mask-probe"
    ]
    view.tabs.setCurrentWidget(tab)
    view.resize(1100, 900)
    qtbot.wait(50)
    view.grab().save(str(tmp_path / "bias_fill_mask.png"))


def test_a_bad_template_is_said_in_the_tab(qtbot, window, tmp_path, masked_lm):
    open_project(qtbot, window, make_project(tmp_path / "fm.llmstudio"))
    tab = window.bias.open().fill_mask
    tab.templates.setPlainText("He worked as a doctor.")
    tab.run()
    qtbot.waitUntil(lambda: not tab.running(), timeout=TIMEOUT)
    assert "has 0 [MASK]s" in tab.error and "The probe failed" in tab.status.text()
    assert tab.report is None and tab.run_button.isEnabled()

"""Charts › Corrected for model error: real widgets and the panel's real background task
on a project with a lexicon run and a coder's random validation sample; the numbers
equal the core's on the same project (what ``llmstudio estimate --run`` reads)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtWidgets import QApplication

from llmstudio.core import chart_data as cd
from llmstudio.core.estimate_planning import plan_sample
from llmstudio.core.estimate_sources import GOLD, MODEL, project_columns
from llmstudio.core.estimates import corrected_estimates
from llmstudio.core.project import Project
from llmstudio.gui.charts import chart_kinds as ck

from helpers.gui import open_project
from helpers.ppi_project import ROWS, SAMPLE, make_ppi_project


def _drawn(panel, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while panel.pending and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    assert not panel.pending


def _charts(qtbot, window, path):
    open_project(qtbot, window, path)
    window.charts.act_open.trigger()
    qtbot.waitUntil(lambda: window.charts.dock.isVisible())
    window.resize(1400, 1000)
    panel = window.charts.panel()
    _drawn(panel)
    return panel


def _choose(panel, kind, column):
    panel.kind.setCurrentIndex(kind)
    panel.column.setCurrentIndex(panel.column.findData(column))
    panel.second.setCurrentIndex(panel.second.findData("column:party"))
    assert panel.column.currentData() == column
    panel.redraw()
    _drawn(panel)


def _core_report(path, kind="share", scheme=None, model=None):
    with Project.open(path) as project:
        frame, origin, _ = project_columns(project, 1, "ana")
    if kind == "mean":
        frame[MODEL] = model.reindex(frame.index)
        frame[GOLD] = cd.label_valence(frame[GOLD], scheme).reindex(frame.index)
    return corrected_estimates(frame, MODEL, GOLD, origin, by="party", kind=kind)


def _legend(panel) -> list[str]:
    return [label.text for _sample, label in panel.legend.items]


@pytest.fixture
def corrected(qtbot, window, tmp_path):
    path = make_ppi_project(tmp_path)
    panel = _charts(qtbot, window, path)
    _choose(panel, ck.GROUP_SHARES, "column:sentiment_label")
    return path, panel


def test_corrected_shares_drawn_beside_naive(corrected, tmp_path):
    path, panel = corrected
    controls = panel.corrected
    assert controls.isVisible() and controls.check.isEnabled()
    assert not controls.target.isVisible()
    assert f"{SAMPLE} rows ana checked" in controls.check.toolTip()
    naive_hits = len(panel.hits)
    controls.check.setChecked(True)  # redraws, corrected
    _drawn(panel)
    assert controls.target.isVisible() and controls.table_button.isVisible()
    report = controls.report
    want = _core_report(path)
    assert [e.to_dict() for e in report.estimates] == [e.to_dict() for e in want.estimates]
    groups = {e.group for e in want.estimates} - {"(all rows)"}
    labels = {e.label for e in want.estimates}
    # one hit box per group and label (both bars), the legend names both kinds of bar
    assert len(panel.hits) == len(groups) * len(labels) == naive_hits
    legend = _legend(panel)
    assert {f"{x}: corrected" for x in labels} <= set(legend)
    assert {f"{x}: model labels only" for x in labels} <= set(legend)
    note = panel.note.text()
    assert f"{SAMPLE} of {ROWS} rows checked by ana" in note and "PPI++" in note
    assert "Light bars: the model's labels taken as true" in note
    # the guidance beside it: the plan for ±3 points, as the core makes it
    assert controls.plan.text() == plan_sample(want, 0.03).sentence()
    controls.target.setValue(5.0)
    assert controls.plan.text() == plan_sample(want, 0.05).sentence()
    # a hover names both numbers of a bar pair
    reform = next(e for e in want.estimates if e.group == "Reform" and e.label == "negative")
    hit = next(h for h in panel.hits if h[5].endswith("Reform, Sentiment (lexicon) = negative"))
    assert f"corrected: {reform.ppi_plus:.1%}" in hit[6]
    assert f"model labels only: {reform.naive:.1%}" in hit[6]
    panel.grab().save(str(tmp_path / "corrected.png"))


def test_table_shows_and_exports_the_numbers(corrected, tmp_path):
    path, panel = corrected
    controls = panel.corrected
    controls.check.setChecked(True)
    _drawn(panel)
    controls.table_button.click()
    view = controls.table
    assert view.isVisible()
    want = _core_report(path)
    assert view.grid.rowCount() == len(want.estimates)
    headers = [view.grid.horizontalHeaderItem(j).text() for j in range(view.grid.columnCount())]
    assert headers[:4] == ["Group", "Label", "Rows", "Checked"]
    assert "More rows (±3.0 pts)" in headers
    first = want.estimates[0]
    cells = [view.grid.item(0, j).text() for j in range(view.grid.columnCount())]
    assert cells[6] == f"{100 * first.ppi_plus:.1f}%"
    assert cells[7] == f"{100 * first.ppi_plus_ci_low:.1f}% to {100 * first.ppi_plus_ci_high:.1f}%"
    out = view.export(tmp_path / "estimates.xlsx")
    sheets = pd.read_excel(out, sheet_name=None)
    table = sheets["estimates"]
    assert list(table["Group"]) == [e.group for e in want.estimates]
    assert np.allclose(table["Corrected (PPI++)"], [e.ppi_plus for e in want.estimates])
    assert np.allclose(table["Corrected 95% CI low"], [e.ppi_plus_ci_low for e in want.estimates])
    assert "More rows to code for ±3.0 points" in table.columns
    assert any("rows checked by ana" in line for line in sheets["about"]["about"])
    csv = pd.read_csv(view.export(tmp_path / "estimates.csv"))
    assert list(csv["Rows checked by a person"]) == [e.n_gold for e in want.estimates]
    # a new target: the table's plan column follows
    controls.target.setValue(2.0)
    headers = [view.grid.horizontalHeaderItem(j).text() for j in range(view.grid.columnCount())]
    assert "More rows (±2.0 pts)" in headers
    view.grab().save(str(tmp_path / "table.png"))
    # unticked: the table no longer shows numbers the chart does not
    controls.check.setChecked(False)
    _drawn(panel)
    assert view.grid.rowCount() == 0 and not view.export_button.isEnabled()
    assert "no corrected numbers now" in view.about.text()


def test_corrected_mean_of_sentiment(corrected):
    path, panel = corrected
    _choose(panel, ck.GROUP_MEANS, "signed:sentiment_label")
    panel.corrected.check.setChecked(True)
    _drawn(panel)
    report = panel.corrected.report
    assert report.kind == "mean"
    source = panel.sources.source_values(panel.source("signed:sentiment_label"))
    model, *_ = source.values()
    want = _core_report(path, "mean", source.scheme, model)
    assert [e.ppi_plus for e in report.estimates] == pytest.approx(
        [e.ppi_plus for e in want.estimates]
    )
    assert _legend(panel) == ["corrected", "model only (naive)"]
    # the target in the score's units, not points
    assert panel.corrected.target.suffix() == "" and panel.corrected.target.value() == 0.1
    assert panel.corrected.plan.text() == plan_sample(want, 0.1).sentence()
    panel.corrected.target.setValue(0.2)
    panel.redraw()  # new results: the target chosen stays
    _drawn(panel)
    assert panel.corrected.target.value() == pytest.approx(0.2)
    assert ", corrected for model error" in panel.plot.titleLabel.text


def test_methods_record_and_save_errors_said(corrected, tmp_path, monkeypatch):
    from llmstudio.gui.charts import estimate_table_view as etv

    path, panel = corrected
    panel.corrected.check.setChecked(True)
    _drawn(panel)
    panel.corrected.table_button.click()
    view = panel.corrected.table
    asked = []

    def answer(where):
        def ask(*args):
            asked.append(args[1])
            return str(where), args[3].split(";;")[0]

        monkeypatch.setattr(etv.QFileDialog, "getSaveFileName", ask)

    answer(tmp_path / "methods")  # no suffix: Markdown's added
    view.methods_button.click()
    text = (tmp_path / "methods.md").read_text(encoding="utf-8")
    assert "## Rows to code for narrower intervals" in text
    assert plan_sample(_core_report(path), 0.03).sentence() in text
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    answer(blocker / "estimates.csv")  # a folder that is a file: cannot be written
    view.export_button.click()
    assert view.about.text().startswith("Could not save") or "cannot write" in view.about.text()
    assert "a file" in view.about.text()
    answer(blocker / "methods.md")
    view.methods_button.click()
    assert "a file" in view.about.text()
    assert asked == [
        "Save the methods record",
        "Export corrected estimates",
        "Save the methods record",
    ]


def test_numbers_that_cannot_be_made_are_said(corrected, monkeypatch):
    from llmstudio.core.errors import UsageError
    from llmstudio.gui.charts import corrected as module

    _path, panel = corrected
    panel.corrected.check.setChecked(True)
    _drawn(panel)
    assert panel.corrected.plan.text()

    def refuse(*_args, **_kw):
        raise UsageError("the validation sample is refused: a test's reason")

    monkeypatch.setattr(module, "corrected_estimates", refuse)
    panel.redraw()
    _drawn(panel)
    assert "cannot be drawn" in panel.note.text() and "a test's reason" in panel.note.text()
    assert panel.corrected.report is None and panel.corrected.plan.text() == ""


@pytest.mark.parametrize("how", ["no sample", "outside"])
def test_no_random_sample_disables_with_the_reason(qtbot, window, tmp_path, how):
    panel = _charts(qtbot, window, make_ppi_project(tmp_path, how))
    _choose(panel, ck.GROUP_SHARES, "column:sentiment_label")
    check = panel.corrected.check
    assert panel.corrected.isVisible() and not check.isEnabled()
    assert not panel.corrected.table_button.isVisible()  # shown once corrected
    assert "No random validation sample for run 1" in check.toolTip()
    assert "Analyse > Check this run…" in check.toolTip()
    why = "no sample was drawn" if how == "no sample" else "outside the random sample"
    assert why in check.toolTip()
    check.setChecked(True)  # a click on a disabled box does nothing; set anyway
    panel.redraw()
    _drawn(panel)
    assert panel.corrected.report is None
    assert "Wilson" in panel.note.text() and "corrected" not in panel.note.text()


def test_not_offered_for_other_charts_or_columns(corrected):
    _path, panel = corrected
    panel.kind.setCurrentIndex(ck.LABELS)
    assert not panel.corrected.isVisible()
    _choose(panel, ck.GROUP_MEANS, "column:sentiment_score")
    assert not panel.corrected.check.isEnabled()
    assert "sentiment run's score" in panel.corrected.check.toolTip()
    # the coder's own codes are no model's labels to correct
    panel.kind.setCurrentIndex(ck.GROUP_SHARES)
    coder = next(
        panel.column.itemData(i)
        for i in range(panel.column.count())
        if panel.column.itemText(i).startswith("Codes by ana")
    )
    _choose(panel, ck.GROUP_SHARES, coder)
    assert not panel.corrected.check.isEnabled()
    assert "a model run's labels" in panel.corrected.check.toolTip()

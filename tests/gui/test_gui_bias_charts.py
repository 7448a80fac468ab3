"""The bias view's charts exported: complete at the export size, whatever the size of
the strip they are shown in (seen: the EEC chart clipped on the right with its lower
half blank; the counterfactual chart's axis title over its tick labels)."""

from __future__ import annotations

import pytest
from chart_checks import problems
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from llmstudio.core.backends import make_backend
from llmstudio.core.tasks import SentimentTask
from llmstudio.gui.common import chart_export
from llmstudio.gui.common.chart_export import FIGURE_SIZE, PNG_WIDTH

from helpers.gui import core_result, make_project, open_project


def eec_chart():
    from llmstudio.core.bias import eec_style
    from llmstudio.core.bias.eec import eec_probe
    from llmstudio.gui.bias.bias_charts import EecChart

    chart = EecChart()
    chart.show(
        eec_probe(eec_style.shipped_path(), SentimentTask(), make_backend("lexicon"), limit=104)
    )
    return chart


def counterfactual_chart(qtbot, window, tmp_path):
    from llmstudio.gui.bias.bias_charts import CounterfactualChart

    open_project(qtbot, window, make_project(tmp_path / "survey.llmstudio"))
    chart = CounterfactualChart()
    chart.show(core_result(window, tmp_path))
    return chart


def ink(image: QImage, x0: int, y0: int, x1: int, y1: int) -> int:
    """How many sampled pixels of the box are not white."""
    return sum(
        image.pixelColor(x, y).name() != "#ffffff"
        for x in range(x0, x1, 4)
        for y in range(y0, y1, 4)
    )


@pytest.mark.parametrize("kind", ["eec", "counterfactual"])
@pytest.mark.parametrize("strip", [(1500, 260), (700, 900), (1500, 0)])
def test_export_is_complete_at_its_size(qtbot, window, tmp_path, monkeypatch, kind, strip):
    """Shown in a wide strip, in a tall narrow one, or laid out wide and then hidden (a
    tab not in front)."""
    chart = eec_chart() if kind == "eec" else counterfactual_chart(qtbot, window, tmp_path)
    qtbot.addWidget(chart.widget)
    chart.widget.resize(strip[0], strip[1] or 260)
    chart.widget.show()
    qtbot.waitExposed(chart.widget)
    QApplication.processEvents()
    if not strip[1]:
        chart.widget.hide()
    seen = []
    layout = chart.widget.ci
    before = layout.geometry()
    original = chart_export.export_png

    def checked(item, path, width):  # the scene as it is drawn into the file
        written = original(item, path, width)  # (drawing places the lines' labels)
        seen.extend(problems(item, QRectF(0, 0, *FIGURE_SIZE)))
        seen.append(("area", item.sceneBoundingRect().getRect()))
        return written

    monkeypatch.setattr(chart_export, "export_png", checked)
    png = chart.save_png(tmp_path / f"{kind}.png")
    assert seen[-1] == ("area", (0.0, 0.0, *map(float, FIGURE_SIZE))), seen
    assert seen[:-1] == [], seen[:-1]
    image = QImage(str(png))
    assert image.width() == PNG_WIDTH
    assert image.height() == pytest.approx(PNG_WIDTH * FIGURE_SIZE[1] / FIGURE_SIZE[0], abs=2)
    w, h = image.width(), image.height()
    # Drawn to the edges: the right plot's ticks and titles, the bottom axis titles.
    assert ink(image, int(w * 0.8), 0, w, h) > 50
    assert ink(image, 0, int(h * 0.85), w, h) > 50
    image.save(str(tmp_path / f"charts_bias_{kind}_{strip[0]}.png"))
    # The window's layout is given back.
    QApplication.processEvents()
    after = layout.geometry()  # (a narrow strip's plots may take a few pixels more)
    assert after.height() == before.height()
    assert after.width() == pytest.approx(before.width(), rel=0.03)


def test_counterfactual_chart_keeps_nothing_of_the_last_result(qtbot, window, tmp_path):
    """A result without an interval (one pair) after one with: no shaded CI left."""
    from dataclasses import replace

    chart = counterfactual_chart(qtbot, window, tmp_path)
    qtbot.addWidget(chart.widget)
    (tmp_path / "again").mkdir()
    first = core_result(window, tmp_path / "again")
    wide = replace(
        first, comparison=replace(first.comparison, mean_difference=0.1, ci_low=0.05, ci_high=0.2)
    )
    chart.show(wide)
    assert chart.mean_ci.isVisible() or chart.mean_ci.isVisibleTo(chart.hist)
    assert chart.mean_ci.getRegion() == pytest.approx((0.05, 0.2))
    single = replace(
        first, comparison=replace(first.comparison, mean_difference=0.1, ci_low=None, ci_high=None)
    )
    chart.show(single)
    assert not chart.mean_ci.isVisibleTo(chart.hist)
    assert chart.mean.isVisibleTo(chart.hist) and chart.mean.value() == pytest.approx(0.1)

"""View › Charts: real widgets, real lexicon (VADER) results on the sample corpus, each
chart's numbers checked against pandas, clicks through to the table's rows, exports."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication

from llmstudio.gui.charts import chart_kinds as ck
from llmstudio.gui.charts import charts_panel as cp
from llmstudio.gui.runs.jobs import JobSpec

from helpers.gui import make_project, open_project, sample_frame, wait_job


@pytest.fixture
def charted(qtbot, window, tmp_path):
    """The sample project open, a lexicon run done, the Charts dock shown."""
    path = make_project(tmp_path / "sample.llmstudio")
    open_project(qtbot, window, path)
    job = window.runs.run(JobSpec(model="lexicon"))
    wait_job(qtbot, job)
    window.charts.act_open.trigger()
    qtbot.waitUntil(lambda: window.charts.dock.isVisible())
    window.resize(1400, 1000)
    return window


def table(window) -> pd.DataFrame:
    """The corpus with the run's columns, as pandas sees them (row id = position)."""
    frame = sample_frame().copy()
    frame["sentiment_label"] = window.model.result("sentiment_label")
    frame["sentiment_score"] = window.model.result("sentiment_score").astype(float)
    return frame


def key(name: str) -> str:
    """The picker's item for a table column (``signed:...`` keys as they are)."""
    return name if name.startswith(("column:", "signed:")) else "column:" + name


def pick(combo, name: str) -> None:
    i = combo.findData(key(name))
    assert i >= 0, (name, [combo.itemData(j) for j in range(combo.count())])
    combo.setCurrentIndex(i)


def choose(panel, kind, column, second=None, label=None, freq=None):
    panel.kind.setCurrentIndex(kind)
    pick(panel.column, column)
    if second is not None:
        pick(panel.second, second)
        assert panel.second.currentData() == key(second)
    if freq is not None:
        panel.freq.setCurrentText(freq)
    if label is not None:
        panel._fill_labels()
        panel.label.setCurrentText(label)
    panel.redraw()
    drawn(panel)
    assert panel.column.currentData() == key(column)
    return panel.data


def drawn(panel, timeout: float = 30.0) -> None:
    """Wait for the numbers worked out in the background to be drawn. Sleeping between
    event rounds leaves the worker the interpreter (``QTest.qWait`` holds it)."""
    deadline = time.monotonic() + timeout
    while panel.pending and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    assert not panel.pending


def shot(panel, tmp_path, name):
    QApplication.processEvents()  # the plot's layout (axis sizes) is updated by posted events
    image = panel.grab()
    image.save(str(tmp_path / f"{name}.png"))


def shown(window) -> list[int]:
    return sorted(int(window.model.row_id(r)) for r in range(window.model.rowCount()))


def test_action_and_dock(qtbot, window):
    assert window.charts.act_open.shortcut().toString() == "Ctrl+Shift+C"
    assert not window.charts.act_open.isEnabled()  # nothing open
    assert not window.charts.dock.isVisible()
    shortcuts = [
        a.shortcut().toString() for a in window.findChildren(QAction) if not a.shortcut().isEmpty()
    ]
    assert shortcuts.count("Ctrl+Shift+C") == 1


def test_label_distribution_and_click(qtbot, charted, tmp_path):
    panel = charted.charts
    data = choose(panel, ck.LABELS, "sentiment_label")
    expected = table(charted)["sentiment_label"].value_counts()
    assert dict(zip(data["label"], data["n"])) == expected.to_dict()
    assert np.allclose(data["share"], data["n"] / expected.sum())
    assert (data["ci_low"] <= data["share"]).all() and (data["share"] <= data["ci_high"]).all()
    assert list(data["label"]) == [x for x in ("negative", "neutral", "positive") if x in expected]
    assert panel.plot.titleLabel.text == "Sentiment (lexicon): how many rows of each"
    shot(panel, tmp_path, "labels")

    # A real mouse click on the middle of the "positive" bar shows exactly those rows.
    i = list(data["label"]).index("positive")
    n = int(data["n"][i])
    scene = panel.plot.vb.mapViewToScene(QPointF(i, n / 2))
    where = panel.plot_widget.mapFromScene(scene)
    qtbot.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=where)
    rows = np.flatnonzero(table(charted)["sentiment_label"].to_numpy() == "positive").tolist()
    qtbot.waitUntil(lambda: shown(charted) == rows)
    assert charted.subset_bar.isVisible()
    assert "Sentiment (lexicon) = positive" in charted.subset_label.text()
    # Hover names n and the share.
    panel._on_move(scene)
    assert panel.hover.isVisible() and f"n = {n:,}" in panel.hover.textItem.toPlainText()
    shot(panel, tmp_path, "hover")
    charted.grab().save(str(tmp_path / "h21_chart_window_clicked.png"))
    charted.subset_clear.click()
    assert len(shown(charted)) == 300


def test_histogram(qtbot, charted, tmp_path):
    panel = charted.charts
    data = choose(panel, ck.HISTOGRAM, "sentiment_score")
    scores = table(charted)["sentiment_score"]
    counts, edges = np.histogram(scores, bins=20)
    assert data["n"].tolist() == counts.tolist()
    assert np.allclose(data["left"], edges[:-1])
    assert sum(len(r) for r in data["rows"]) == len(scores)
    shot(panel, tmp_path, "histogram")
    # The tallest bin, clicked, shows its rows.
    i = int(np.argmax(counts))
    assert panel.show_rows_at((edges[i] + edges[i + 1]) / 2, counts[i] / 2)
    assert len(shown(charted)) == counts[i]


def test_group_shares(qtbot, charted, tmp_path):
    panel = charted.charts
    data = choose(panel, ck.GROUP_SHARES, "sentiment_label", "group")
    frame = table(charted)
    frame = frame[frame["group"].notna() & (frame["group"].astype(str) != "")]
    expected = pd.crosstab(frame["group"], frame["sentiment_label"], normalize="index")
    for _, row in data.iterrows():
        assert row["share"] == pytest.approx(expected.loc[row["group"], row["label"]])
        assert row["ci_low"] <= row["share"] <= row["ci_high"]
    totals = frame["group"].value_counts()
    assert all(
        data.groupby("group")["n"].first()
        == totals.reindex(data.groupby("group")["n"].first().index)
    )
    shot(panel, tmp_path, "by_group")
    charted.grab().save(str(tmp_path / "h21_chart_window.png"))  # the dock in the window
    row = data[(data["group"] == "Labour") & (data["label"] == "negative")].iloc[0]
    hit = next(h for h in panel.hits if h[5] == "group = Labour, Sentiment (lexicon) = negative")
    assert panel.show_rows_at((hit[0] + hit[1]) / 2, 100 * row["share"] / 2)
    want = frame.index[(frame["group"] == "Labour") & (frame["sentiment_label"] == "negative")]
    assert shown(charted) == want.tolist()


def test_group_means(qtbot, charted, tmp_path):
    panel = charted.charts
    data = choose(panel, ck.GROUP_MEANS, "sentiment_score", "region")
    frame = table(charted)
    means = frame.groupby("region")["sentiment_score"].mean()
    sems = frame.groupby("region")["sentiment_score"].sem()
    from scipy.stats import t

    for _, row in data.iterrows():
        assert row["mean"] == pytest.approx(means[row["group"]])
        n = row["n"]
        half = t.ppf(0.975, n - 1) * sems[row["group"]]
        assert row["ci_high"] == pytest.approx(means[row["group"]] + half)
    shot(panel, tmp_path, "means_by_region")


def test_over_time(qtbot, charted, tmp_path):
    panel = charted.charts
    assert panel.kind.setCurrentIndex(ck.TIME_SHARE) is None
    panel.refresh_columns()
    assert [panel.second.itemText(i) for i in range(panel.second.count())] == ["date"]
    assert [panel.second.itemData(i) for i in range(panel.second.count())] == ["column:date"]
    data = choose(panel, ck.TIME_SHARE, "sentiment_label", "date", label="negative", freq="month")
    frame = table(charted)
    frame["when"] = pd.to_datetime(frame["date"])
    monthly = frame.set_index("when").resample("MS")["sentiment_label"]
    expected = monthly.apply(lambda s: (s == "negative").mean())
    assert np.allclose(data["value"].to_numpy(float), expected.to_numpy(float))
    assert data["n"].tolist() == monthly.size().tolist()
    shot(panel, tmp_path, "time_share")
    # Click the third month's point: its "negative" rows.
    y = 100 * data["value"][2]
    assert panel.show_rows_at(2, y)
    month = frame["when"].dt.to_period("M") == data["period"][2].to_period("M")
    assert shown(charted) == frame.index[month & (frame["sentiment_label"] == "negative")].tolist()

    data = choose(panel, ck.TIME_MEAN, "sentiment_score", "date", freq="week")
    weekly = frame.set_index("when").resample("W-MON", label="left", closed="left")[
        "sentiment_score"
    ]
    assert data["n"].tolist() == weekly.size().tolist()
    assert np.allclose(data["value"].to_numpy(float), weekly.mean().to_numpy(float), equal_nan=True)
    shot(panel, tmp_path, "time_mean")


def test_confusion(qtbot, charted, tmp_path):
    panel = charted.charts
    # A second "run": the labels from the score's sign, so the two columns differ a little.
    scores = charted.model.result("sentiment_score").astype(float)
    other = np.where(scores > 0.3, "positive", np.where(scores < -0.3, "negative", "neutral"))
    charted.model.put_results(pd.DataFrame({"strict_label": other}))
    qtbot.waitUntil(lambda: panel.column.findData("column:strict_label") >= 0, timeout=3000)
    data = choose(panel, ck.CONFUSION, "sentiment_label", "strict_label")
    frame = table(charted)
    expected = pd.crosstab(frame["sentiment_label"], pd.Series(other, name="strict"))
    for _, row in data.iterrows():
        got = (
            expected.loc[row["a"], row["b"]]
            if (row["a"] in expected.index and row["b"] in expected.columns)
            else 0
        )
        assert row["n"] == got
    assert data["n"].sum() == 300
    shot(panel, tmp_path, "confusion")
    names = list(dict.fromkeys(data["a"]))
    a, b = names.index("positive"), names.index("neutral")
    assert panel.show_rows_at(a, b)
    want = np.flatnonzero(
        (frame["sentiment_label"].to_numpy() == "positive") & (other == "neutral")
    )
    assert shown(charted) == want.tolist()


def test_updates_as_results_arrive(qtbot, window, tmp_path):
    path = make_project(tmp_path / "sample.llmstudio")
    open_project(qtbot, window, path)
    window.charts.act_open.trigger()
    panel = window.charts
    assert panel.column.count() == 4  # the corpus's own group-like columns, no run yet
    redraws = []
    paint = panel._paint
    panel._paint = lambda *a: (redraws.append(time.perf_counter()), paint(*a))
    started = time.perf_counter()
    job = window.runs.run(JobSpec(model="lexicon"))
    qtbot.waitUntil(lambda: panel.column.findData("column:sentiment_label") >= 0, timeout=30_000)
    pick(panel.column, "sentiment_label")
    wait_job(qtbot, job)
    qtbot.waitUntil(lambda: not panel.data.empty and panel.data["n"].sum() == 300, timeout=5000)
    # Batches arrive many times a second; redraws are throttled to one per 300 ms or so.
    took = time.perf_counter() - started
    assert len(redraws) <= 3 + took / 0.25, (len(redraws), took)
    # Later values (another run with the same columns) redraw within the throttle.
    labels = window.model.result("sentiment_label").copy()
    labels[:] = "neutral"
    window.model.put_results(pd.DataFrame({"sentiment_label": labels}))
    qtbot.waitUntil(lambda: panel.data["label"].tolist() == ["neutral"], timeout=3000)


def test_numbers_are_worked_out_off_the_gui_thread_and_the_newest_choice_wins(
    qtbot, charted, monkeypatch
):
    import threading

    panel = charted.charts
    threads = []

    def numbers(*args):
        threads.append(threading.current_thread())
        time.sleep(0.2)  # a large corpus: the window must not wait for it
        return cp_numbers(*args)

    cp_numbers = ck.chart_numbers
    monkeypatch.setattr(cp, "chart_numbers", numbers)
    panel.kind.setCurrentIndex(ck.LABELS)
    pick(panel.column, "sentiment_label")
    started = time.perf_counter()
    panel.redraw()
    assert time.perf_counter() - started < 0.1 and panel.pending
    panel.kind.setCurrentIndex(ck.HISTOGRAM)  # changed while the first is being worked out
    pick(panel.column, "sentiment_score")
    panel.redraw()
    drawn(panel)
    assert threads and threading.main_thread() not in threads
    assert "left" in panel.data.columns  # the histogram, not the stale label counts
    assert panel.data["n"].sum() == 300


def test_titles_and_exports(qtbot, charted, tmp_path):
    panel = charted.charts
    choose(panel, ck.GROUP_SHARES, "sentiment_label", "group")
    panel.title.setText("Sentiment of open answers by party")
    panel.x_title.setText("Party supported")
    panel.y_title.setText("Share of answers")
    assert panel.plot.titleLabel.text == "Sentiment of open answers by party"
    assert panel.plot.getAxis("bottom").labelText == "Party supported"
    png = panel.export(tmp_path / "chart.png")
    image = QImage(str(png))
    assert image.width() >= 1800 and image.height() > 600
    # The bars are drawn in the Okabe-Ito colours of the three labels.
    seen = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 6)
        for y in range(0, image.height(), 6)
    }
    assert {"#0072b2", "#e69f00", "#009e73"} <= seen
    svg = panel.export(tmp_path / "chart.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert "Sentiment of open answers by party" in svg.read_text()
    assert "Party supported" in svg.read_text()
    image.save(str(tmp_path / "h21_chart_export.png"))


def test_confusion_with_a_human_coder(qtbot, charted):
    from llmstudio.core import human_codes as hc
    from llmstudio.core.codebook import Code, Codebook

    book = Codebook(codes=(Code("positive"), Code("neutral"), Code("negative")), name="Tone")
    project = charted.project
    project.save_codebook(book)
    given = {0: "positive", 1: "negative", 2: "neutral", 3: "positive", 5: "negative"}
    coding = charted.coding  # codes given in the coding panel, as a coder would
    coding.act_open.trigger()
    coding.reload_codebooks()
    coding.codebook_box.setCurrentText(book.name)
    coding.coder_edit.setText("ana")
    coding.coder_edit.editingFinished.emit()

    def code(row, label):
        coding.goto(row)
        coding.press(label)

    for row, label in given.items():
        code(row, label)
    panel = charted.charts
    panel.kind.setCurrentIndex(ck.CONFUSION)
    panel.refresh_columns()
    assert panel.column.findData("column:human_tone_ana") >= 0
    assert (
        panel.column.itemText(panel.column.findData("column:human_tone_ana"))
        == "Codes by ana (Tone)"
    )
    data = choose(panel, ck.CONFUSION, "human_tone_ana", "sentiment_label")
    assert data["n"].sum() == len(given)  # only the rows ana coded
    model = charted.model.result("sentiment_label")
    for _, row in data.iterrows():
        assert row["n"] == sum(
            1 for r, c in given.items() if c == row["a"] and model[r] == row["b"]
        )
    hit = next(h for h in panel.hits if len(h[4]))
    assert panel.show_rows_at((hit[0] + hit[1]) / 2, (hit[2] + hit[3]) / 2)
    assert shown(charted) == sorted(hit[4].tolist())
    # A code given by hand later: the chart follows.
    code(7, "neutral")
    assert [c.row_id for c in hc.current(project, book.name, "ana")] == [0, 1, 2, 3, 5, 7]
    qtbot.waitUntil(lambda: panel.data["n"].sum() == len(given) + 1, timeout=3000)


def test_export_buttons(qtbot, charted, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    panel = charted.charts
    choose(panel, ck.LABELS, "sentiment_label")
    for kind, button in (("png", panel.png_button), ("svg", panel.svg_button)):
        target = tmp_path / f"asked.{kind}"
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *a, target=target, **k: (str(target), "")
        )
        button.click()
        assert target.exists() and target.stat().st_size > 1000
    assert QImage(str(tmp_path / "asked.png")).width() == cp.PNG_WIDTH
    assert "how many rows of each" in (tmp_path / "asked.svg").read_text()


# -- every chart after every other, on screen and exported -----------------------------

from chart_checks import problems, signature, svg_text_outside  # noqa: E402

EVERY_KIND = {  # kind: (column, second, label)
    ck.LABELS: ("sentiment_label", None, None),
    ck.HISTOGRAM: ("signed:sentiment_label", None, None),
    ck.GROUP_SHARES: ("sentiment_label", "region", None),
    ck.GROUP_MEANS: ("signed:sentiment_label", "region", None),
    ck.TIME_SHARE: ("sentiment_label", "date", "negative"),
    ck.TIME_MEAN: ("sentiment_score", "date", None),
    ck.CONFUSION: ("sentiment_label", "strict_label", None),
}


@pytest.fixture
def every_kind(qtbot, charted):
    """The numbers of every chart kind, worked out once (through the panel's pickers and
    its background worker), and a function that paints one of them."""
    scores = charted.model.result("sentiment_score").astype(float)
    strict = np.where(scores > 0.3, "positive", np.where(scores < -0.3, "negative", "neutral"))
    charted.model.put_results(pd.DataFrame({"strict_label": strict}))
    panel = charted.charts
    qtbot.waitUntil(lambda: panel.column.findData("column:strict_label") >= 0, timeout=3000)
    numbers = {}
    for kind, (column, second, label) in EVERY_KIND.items():
        choose(panel, kind, column, second, label=label, freq="month")
        request = dict(
            kind=kind,
            column=panel.source(panel.column.currentData()),
            second=panel.source(panel.second.currentData()) if second else None,
            label=label,
            freq="month",
        )
        result = ck.chart_numbers(
            kind,
            panel.sources.source_values(request["column"]),
            panel.sources.source_values(request["second"]) if second else None,
            None,
            "month",
            label,
        )
        numbers[kind] = (request, result)

    def paint(kind):
        panel._paint(*numbers[kind])
        panel.settle()  # as the window's event loop would

    return panel, paint


def test_a_time_band_does_not_stay_on_the_next_chart(qtbot, every_kind, tmp_path):
    """The case seen: after "over time", its blue band lay across the bars by group,
    on screen and in the 1800 px PNG."""
    panel, paint = every_kind
    paint(ck.GROUP_SHARES)
    alone = signature(panel.plot)
    alone_png = QImage(str(panel.export(tmp_path / "alone.png")))
    paint(ck.TIME_MEAN)
    assert any(type(i).__name__ == "FillBetweenItem" for i in panel.plot.items)
    time_png = QImage(str(panel.export(tmp_path / "time.png")))
    assert BAND & colours(time_png)  # the band, as it is drawn
    paint(ck.GROUP_SHARES)
    assert signature(panel.plot) == alone
    kinds = {type(i).__name__ for i in panel.plot_widget.scene().items()}
    assert "FillBetweenItem" not in kinds and "PlotDataItem" not in kinds
    image = QImage(str(panel.export(tmp_path / "after_time.png")))
    assert image.width() == cp.PNG_WIDTH
    assert image == alone_png  # not a pixel of the band
    assert not BAND & colours(image)  # its translucent blue nowhere in the file


BAND = {"#cde3f0", "#cde3ef", "#cce3f0", "#cce2ef"}  # (0, 114, 178, 50) over white


def colours(image: QImage) -> set[str]:
    return {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 5)
        for y in range(0, image.height(), 5)
    }


@pytest.mark.slow
def test_every_chart_after_every_other(qtbot, every_kind, tmp_path):
    panel, paint = every_kind
    alone, svg_alone, png_alone = {}, {}, {}
    for kind in EVERY_KIND:
        paint(kind)
        alone[kind] = signature(panel.plot)
        assert problems(panel.plot) == [], (ck.KINDS[kind], problems(panel.plot))
        svg = panel.export(tmp_path / f"{kind}.svg")
        assert svg_text_outside(svg) == [], ck.KINDS[kind]
        svg_alone[kind] = Counter(e.tag for e in ET.parse(svg).getroot().iter())
        png_alone[kind] = QImage(str(panel.export(tmp_path / f"{kind}.png")))
    for before in EVERY_KIND:
        for kind in EVERY_KIND:
            if kind == before:
                continue
            paint(before)
            paint(kind)
            where = f"{ck.KINDS[kind]} after {ck.KINDS[before]}"
            assert signature(panel.plot) == alone[kind], where
            assert len(panel.plot_widget.ci.items) == 1, where  # one plot, the new one
            svg = panel.export(tmp_path / f"{before}_{kind}.svg")
            assert Counter(e.tag for e in ET.parse(svg).getroot().iter()) == svg_alone[kind], where
            png = QImage(str(panel.export(tmp_path / f"{before}_{kind}.png")))
            assert png == png_alone[kind], where  # the same pixels as drawn on its own


def test_mean_sentiment_is_signed_and_confidence_goes_by_its_name(qtbot, charted):
    panel = charted.charts
    frame = table(charted)
    net = frame["sentiment_label"].map({"positive": 1.0, "neutral": 0.0, "negative": -1.0})
    panel.kind.setCurrentIndex(ck.GROUP_MEANS)
    names = [panel.column.itemText(i) for i in range(panel.column.count())]
    assert names[:2] == [
        "Sentiment (lexicon)",
        "Model confidence in its label (Sentiment, lexicon)",
    ]
    assert not any("score" in n for n in names)
    data = choose(panel, ck.GROUP_MEANS, "signed:sentiment_label", "region")
    for _, row in data.iterrows():  # the labels' net valence, not the confidence
        assert row["mean"] == pytest.approx(net[frame["region"] == row["group"]].mean())
    assert panel.plot.titleLabel.text == "Mean sentiment (lexicon) by region"
    assert panel.plot.getAxis("left").labelText == "Net sentiment from labels<br>(−1 to 1)"
    assert "Sentiment from labels: positive +1, neutral 0, negative −1." in panel.note.text()
    assert "sentiment_label" in panel.plot_widget.toolTip()
    assert "sentiment_label" in panel.column.toolTip()

    choose(panel, ck.GROUP_MEANS, "sentiment_score", "region")
    title = panel.plot.titleLabel.text
    assert (
        title.startswith("Mean model confidence in its label")
        and "sentiment" not in title.lower().split("(")[0]
    )
    assert "confidence" in panel.plot.getAxis("left").labelText
    assert "not how positive" in panel.note.text()

    # A run with the model's P(positive) − P(negative) per row: the mean is of those, and
    # the axis says so.
    ((run, columns),) = charted.model.result_runs()
    valence = np.linspace(-0.9, 0.9, len(frame))
    results = pd.DataFrame(
        {
            "sentiment_label": frame["sentiment_label"],
            "sentiment_score": frame["sentiment_score"],
            "sentiment_valence": valence,
            "sentiment_error": None,
        }
    )
    charted.model.put_results(results, replace=True, run=run)
    panel.refresh_columns()
    data = choose(panel, ck.GROUP_MEANS, "signed:sentiment_label", "region")
    for _, row in data.iterrows():
        assert row["mean"] == pytest.approx(
            valence[(frame["region"] == row["group"]).to_numpy()].mean()
        )
    assert panel.plot.getAxis("left").labelText == "Mean sentiment<br>(P(pos) − P(neg), −1 to 1)"
    assert "P(positive) − P(negative) from the model's label probabilities." in panel.note.text()
    assert "sentiment_valence" in panel.plot_widget.toolTip()


def test_mean_sentiment_on_the_five_point_scale(qtbot, window, tmp_path):
    """The run's own scale gives the valences: "negative" is −0.5 on the 5-point scale."""
    from llmstudio.core.tasks.build import TaskOptions

    open_project(qtbot, window, make_project(tmp_path / "five.llmstudio"))
    job = window.runs.run(
        JobSpec(model="lexicon", options=TaskOptions(task="sentiment", scale="5"))
    )
    wait_job(qtbot, job)
    window.charts.act_open.trigger()
    panel = window.charts
    data = choose(panel, ck.GROUP_MEANS, "signed:sentiment_label", "region")
    frame = sample_frame()
    labels = pd.Series(window.model.result("sentiment_label"))
    assert {"negative", "positive"} <= set(labels)
    five = {
        "very negative": -1.0,
        "negative": -0.5,
        "neutral": 0.0,
        "positive": 0.5,
        "very positive": 1.0,
    }
    valence = labels.map(five)
    for _, row in data.iterrows():
        assert row["mean"] == pytest.approx(valence[frame["region"] == row["group"]].mean())
    assert panel.plot.getAxis("left").labelText == "Net sentiment from labels<br>(−1 to 1)"
    assert "very negative −1, negative −0.5, neutral 0" in panel.note.text()


@pytest.mark.slow
def test_a_coding_run_is_named_by_its_codebook(qtbot, window, tmp_path):
    from llmstudio.core.codebook import Code, Codebook
    from llmstudio.core.tasks.build import TaskOptions

    book = Codebook(
        codes=(
            Code("housing", "rent, homes, landlords"),
            Code("transport", "buses, trains, roads"),
        ),
        name="Local issues",
    )
    open_project(qtbot, window, make_project(tmp_path / "code.llmstudio"))
    job = window.runs.run(JobSpec(model="builtin", options=TaskOptions(task="code", codebook=book)))
    wait_job(qtbot, job, timeout=120_000)
    window.charts.act_open.trigger()
    panel = window.charts
    choose(panel, ck.LABELS, "code_label")
    assert panel.plot.titleLabel.text == "Coding with Local issues (builtin): how many rows of each"
    panel.kind.setCurrentIndex(ck.HISTOGRAM)
    names = [panel.column.itemText(i) for i in range(panel.column.count())]
    assert "Model confidence in its label (Coding with Local issues, builtin)" in names
    assert not any(n.startswith("Coding with Local issues (") for n in names)  # no signed score
    assert panel.column.findData("column:code_score") >= 0


def test_confusion_after_group_means_compares_labels_not_the_group(qtbot, charted):
    """Seen: Mean by group (by party) then "Two columns compared" kept the party as the
    second column: a 9 x 9 grid of sentiment against party, "0 of 300 rows get the same
    label (the diagonal)". The comparison starts from a label column; a cross-table of
    columns with no value in common says it has no diagonal."""
    panel = charted.charts
    scores = charted.model.result("sentiment_score").astype(float)
    other = np.where(scores > 0.3, "positive", np.where(scores < -0.3, "negative", "neutral"))
    charted.model.put_results(pd.DataFrame({"strict_label": other}))
    qtbot.waitUntil(lambda: panel.column.findData("column:strict_label") >= 0, timeout=3000)
    choose(panel, ck.GROUP_MEANS, "signed:sentiment_label", "group")
    panel.kind.setCurrentIndex(ck.CONFUSION)
    pick(panel.column, "sentiment_label")
    assert panel.second.currentData() == "column:strict_label"
    panel.redraw()
    drawn(panel)
    assert "the diagonal" in panel.note.text()
    # Chosen on purpose, a group still charts, and the note says what the grid is not.
    data = choose(panel, ck.CONFUSION, "sentiment_label", "group")
    assert data["n"].sum() == 300
    note = panel.note.text()
    assert "no value in common" in note and "same label" not in note
    # Back to "by group": the group picker offers groups again.
    choose(panel, ck.GROUP_SHARES, "sentiment_label", "region")
    assert panel.second.currentData() == "column:region"

"""The charts of the bias view: made once, updated with ``setData`` from a result.

Colours are Okabe-Ito hues, legible to colour-blind readers; every axis says what it
counts in words a researcher reads without the manual.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.bias.eec import EMOTION_NAMES
from ..common.chart_export import PNG_WIDTH, export_layout_png

BLUE, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#777777"


class CounterfactualChart:
    """Left: histogram of the paired score differences (swapped − original); right: the
    share of rows whose label changed, with its 95% CI."""

    def __init__(self):
        import pyqtgraph as pg
        from PySide6.QtCore import Qt

        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(240)
        self.hist = self.widget.addPlot(row=0, col=0)
        self.hist.setTitle(
            "How much did the score move when only the swapped words changed?", size="10pt"
        )
        self.hist.setLabel("bottom", "score difference per row (swapped text − original text)")
        self.hist.setLabel("left", "rows")
        self.hist.showGrid(x=True, y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.1, brush=BLUE, pen="w")
        self.hist.addItem(self.bars)
        self.zero = pg.InfiniteLine(
            pos=0,
            angle=90,
            pen=pg.mkPen(GREY, style=Qt.PenStyle.DashLine),
            label="no change",
            labelOpts={"position": 0.95, "color": GREY, "anchors": [(1, 0), (1, 0)]},
        )
        self.hist.addItem(self.zero)
        self.mean = pg.InfiniteLine(
            pos=0,
            angle=90,
            pen=pg.mkPen(VERMILION, width=2),
            label="mean {value:+.3f} (shaded: 95% CI)",
            labelOpts={"position": 0.85, "color": VERMILION, "anchors": [(0, 0), (0, 0)]},
        )
        self.hist.addItem(self.mean)
        self.mean_ci = pg.LinearRegionItem(
            values=(0, 0), movable=False, brush=pg.mkBrush(213, 94, 0, 40), pen=pg.mkPen(None)
        )
        self.mean_ci.setZValue(-10)  # behind the bars
        self.hist.addItem(self.mean_ci)

        self.share = self.widget.addPlot(row=0, col=1)
        self.share.setTitle("Rows whose label changed", size="10pt")
        self.share.setLabel("left", "share of rows (95% CI)")
        self.share.setYRange(0, 1)
        self.share.setXRange(-0.8, 0.8)
        self.share.getAxis("bottom").setTicks([[(0, "label changed")]])
        self.share.showGrid(y=True, alpha=0.2)
        self.share_bar = pg.BarGraphItem(x=[0], height=[0], width=0.6, brush=ORANGE, pen="w")
        self.share.addItem(self.share_bar)
        self.share_err = pg.ErrorBarItem(
            x=np.array([0.0]),
            y=np.array([0.0]),
            top=np.array([0.0]),
            bottom=np.array([0.0]),
            pen=pg.mkPen("#333", width=2),
            beam=0.25,
        )
        self.share.addItem(self.share_err)
        self.share_text = pg.TextItem("", color="#333", anchor=(0.5, 1))
        self.share.addItem(self.share_text)
        for plot in (self.hist, self.share):
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)  # no "(x0.001)" on a score
        self.widget.ci.layout.setColumnStretchFactor(0, 3)
        self.widget.ci.layout.setColumnStretchFactor(1, 1)

    def clear(self) -> None:
        self.bars.setOpts(x=[], height=[])
        self.share_bar.setOpts(height=[0])
        self.share_err.setData(
            x=np.array([0.0]), y=np.array([0.0]), top=np.array([0.0]), bottom=np.array([0.0])
        )
        self.share_text.setText("")
        self.mean.hide()
        self.mean_ci.hide()

    def show(self, result) -> None:
        """Draw ``result`` (a :class:`~llmstudio.core.bias.counterfactual.CounterfactualResult`)."""
        differences = (
            result.rows["difference"].dropna().to_numpy(float) if len(result.rows) else np.array([])
        )
        if len(differences):
            low, high = float(differences.min()), float(differences.max())
            span = max(high - low, 1e-9)
            bins = min(40, max(5, int(np.sqrt(len(differences))) * 2))
            if span < 1e-6:  # every difference the same (often all zero): one bar
                edges = np.array([low - 0.01, low + 0.01])
            else:
                edges = np.linspace(low, high, bins + 1)
            counts, edges = np.histogram(differences, bins=edges)
            centres = (edges[:-1] + edges[1:]) / 2
            self.bars.setOpts(x=centres, height=counts, width=(edges[1] - edges[0]) * 0.95)
            # Symmetric around "no change", never narrower than +-0.1 on the score's -1..1
            # scale: a cloud of tiny differences must not look like a big effect.
            reach = max(abs(low), abs(high), 0.1) * 1.1
            self.hist.setXRange(-reach, reach, padding=0)
            self.hist.setYRange(0, max(counts.max(), 1) * 1.1, padding=0)
        else:
            self.bars.setOpts(x=[], height=[])
        c = result.comparison
        if c.mean_difference is not None:
            self.mean.show()  # first: a hidden line's label ignores a new value
            self.mean.setValue(c.mean_difference)
            if c.ci_low is not None:
                self.mean_ci.show()
                self.mean_ci.setRegion((c.ci_low, c.ci_high))
            else:  # the last result's interval must not stay behind
                self.mean_ci.hide()
        else:
            self.mean.hide()
            self.mean_ci.hide()
        share = result.changed_share
        if share is None:
            self.share_bar.setOpts(height=[0])
            self.share_text.setText("no rows compared")
            self.share_text.setPos(0, 0.5)
            return
        low, high = result.changed_ci
        low = share if low is None else low
        high = share if high is None else high
        self.share_bar.setOpts(height=[share])
        self.share_err.setData(
            x=np.array([0.0]),
            y=np.array([share]),
            top=np.array([high - share]),
            bottom=np.array([share - low]),
        )
        top = max(0.1, min(1.15, high * 1.6 + 0.05))
        # Room above the whisker for the share's line of text, whatever the plot's height.
        room = 34.0 / max(80.0, self.share.vb.height())
        top = max(top, (high + 0.02) / max(0.3, 1 - room - 0.04))
        self.share.setYRange(0, top, padding=0)
        self.share_text.setText(f"{share:.1%} ({result.changed:,} of {result.n:,})")
        self.share_text.setPos(0, high + top * 0.04)

    def save_png(self, path: str | Path, width: int = PNG_WIDTH) -> Path:
        """The chart as a PNG ``width`` pixels wide (1800: 6 inches at 300 dpi), laid out
        at a figure's proportions (about 16:9), not the window's strip."""
        return export_layout_png(self.widget, path, width)


GROUP_COLOURS = {
    "female": ORANGE,
    "male": BLUE,
    "African-American": GREEN,
    "European-American": "#CC79A7",
}
GAP_COLOURS = {"gender": VERMILION, "race": GREEN}
GAP_NAMES = {"gender": "female − male", "race": "African-American − European-American"}


class EecChart:
    """Left: mean score per group and emotion with 95% CIs; right: the paired gaps."""

    def _plot(self, col: int, title: str, y_label: str):
        """One of the two side-by-side plots, emotions along the bottom, with a legend."""
        plot = self.widget.addPlot(row=0, col=col)
        plot.setTitle(title, size="10pt")
        plot.setLabel("left", y_label)
        plot.setLabel("bottom", "emotion word in the template sentence")
        plot.showGrid(y=True, alpha=0.2)
        legend = plot.addLegend(offset=(10, 5), labelTextSize="8pt")
        # Scaled with the rest in the 1800 px export (else a quarter of every other text).
        legend.setFlag(legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        return plot

    def __init__(self):
        import pyqtgraph as pg
        from PySide6.QtCore import Qt

        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(300)
        self.means = self._plot(
            0, "Mean sentiment score per group (95% CI)", "mean score: P(positive) − P(negative)"
        )
        self.gaps = self._plot(
            1, "Gap between groups, same sentence frame (95% CI)", "difference in mean score"
        )
        self.gaps.addItem(
            pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(GREY, style=Qt.PenStyle.DashLine))
        )
        self.points, self.errors = {}, {}
        for plot, series in ((self.means, GROUP_COLOURS), (self.gaps, GAP_COLOURS)):
            for name, colour in series.items():
                label = GAP_NAMES.get(name, name) if plot is self.gaps else name
                err = pg.ErrorBarItem(
                    x=np.array([]), y=np.array([]), pen=pg.mkPen(colour, width=2), beam=0.06
                )
                plot.addItem(err)
                pts = pg.ScatterPlotItem(
                    [], [], symbol="o", size=9, brush=colour, pen="w", name=label
                )
                plot.addItem(pts)
                self.points[(plot is self.gaps, name)] = pts
                self.errors[(plot is self.gaps, name)] = err
            plot.getAxis("left").enableAutoSIPrefix(False)
        self.widget.ci.layout.setColumnStretchFactor(0, 3)
        self.widget.ci.layout.setColumnStretchFactor(1, 2)

    def show(self, report) -> None:
        """Draw an :class:`~llmstudio.core.bias.eec.EecReport`."""
        emotions = [e for e in EMOTION_NAMES if any(g["emotion"] == e for g in report.groups)]
        ticks = [[(i, EMOTION_NAMES[e]) for i, e in enumerate(emotions)]]
        for plot in (self.means, self.gaps):
            plot.getAxis("bottom").setTicks(ticks)
            plot.setXRange(-0.7, len(emotions) - 0.3, padding=0)
        self._series(False, report.groups, "group", "mean", emotions, GROUP_COLOURS)
        self._series(True, report.gaps, "dimension", "mean_difference", emotions, GAP_COLOURS)

    def _series(self, gaps: bool, records, key, value, emotions, colours) -> None:
        names = list(colours)
        for k, name in enumerate(names):
            offset = (k - (len(names) - 1) / 2) * (0.32 if gaps else 0.16)
            xs, ys, lows, highs = [], [], [], []
            for i, emotion in enumerate(emotions):
                r = next((r for r in records if r["emotion"] == emotion and r[key] == name), None)
                if r is None or r[value] is None:
                    continue
                y = float(r[value])
                xs.append(i + offset)
                ys.append(y)
                lows.append(y - (r["ci_low"] if r["ci_low"] is not None else y))
                highs.append((r["ci_high"] if r["ci_high"] is not None else y) - y)
            self.points[(gaps, name)].setData(xs, ys)
            self.errors[(gaps, name)].setData(
                x=np.array(xs, float),
                y=np.array(ys, float),
                top=np.array(highs, float),
                bottom=np.array(lows, float),
            )

    def save_png(self, path: str | Path, width: int = PNG_WIDTH) -> Path:
        return CounterfactualChart.save_png(self, path, width)


STEREOTYPES = {
    "male": ("male-stereotyped", BLUE),
    "female": ("female-stereotyped", ORANGE),
    None: ("other", GREY),
}


class OccupationChart:
    """Each occupation's share of "He" among He/She as the next word, by the occupation's
    stereotype (WinoBias), with the group means and their 95% CIs."""

    def __init__(self):
        import pyqtgraph as pg
        from PySide6.QtCore import Qt

        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(300)
        self.plot = self.widget.addPlot()
        self.plot.setTitle(
            "After “The {occupation} walked into the room.”: He or She next?", size="10pt"
        )
        self.plot.setLabel("left", "share of “He”: P(He) / (P(He) + P(She))")
        self.plot.setLabel(
            "bottom",
            "occupations, by the stereotype in WinoBias "
            "(dots: occupations; bars: group mean, 95% CI)",
        )
        self.plot.setYRange(0, 1)
        self.plot.showGrid(y=True, alpha=0.2)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.addItem(
            pg.InfiniteLine(
                pos=0.5,
                angle=0,
                pen=pg.mkPen(GREY, style=Qt.PenStyle.DashLine),
                label="He and She equally likely",
                labelOpts={"position": 0.9, "color": GREY, "anchors": [(1, 1), (1, 1)]},
            )
        )
        self.errors = pg.ErrorBarItem(
            x=np.array([]), y=np.array([]), pen=pg.mkPen("#bbb"), beam=0.0
        )
        self.plot.addItem(self.errors)
        self.points = pg.ScatterPlotItem(
            [], [], size=8, pen="w", hoverable=True, tip=lambda x, y, data: f"{data}: {y:.2f}"
        )
        self.plot.addItem(self.points)
        self.mean_err = pg.ErrorBarItem(
            x=np.array([]), y=np.array([]), pen=pg.mkPen("#222", width=2), beam=0.2
        )
        self.plot.addItem(self.mean_err)
        self.means = pg.ScatterPlotItem(
            [], [], symbol="_", size=40, pen=pg.mkPen("#222", width=3), brush="#222"
        )
        self.plot.addItem(self.means)

    def show(self, report) -> None:
        import pyqtgraph as pg

        rows = report.rows
        template = (report.meta.get("templates") or ["The {occupation} …"])[0]
        self.plot.setTitle(f"After “{template}”: He or She next?", size="10pt")
        present = [
            s
            for s in STEREOTYPES
            if (rows["stereotype"].isna() if s is None else rows["stereotype"] == s).any()
        ]
        self.plot.getAxis("bottom").setTicks(
            [[(i, STEREOTYPES[s][0]) for i, s in enumerate(present)]]
        )
        self.plot.setXRange(-0.6, len(present) - 0.4, padding=0)
        spots, xs, ys, lows, highs = [], [], [], [], []
        mx, my, mlow, mhigh = [], [], [], []
        summary = report.summary()
        for i, s in enumerate(present):
            sub = rows[rows["stereotype"].isna()] if s is None else rows[rows["stereotype"] == s]
            sub = sub[sub["share_he"].notna()]
            for k, (_, r) in enumerate(sub.iterrows()):
                x = i + ((k % 9) - 4) * 0.04  # a fixed spread, so dots do not hide each other
                y = float(r["share_he"])
                spots.append(
                    {"pos": (x, y), "data": r["occupation"], "brush": pg.mkBrush(STEREOTYPES[s][1])}
                )
                if r["ci_low"] is not None and not np.isnan(float(r["ci_low"])):
                    xs.append(x)
                    ys.append(y)
                    lows.append(y - float(r["ci_low"]))
                    highs.append(float(r["ci_high"]) - y)
            stats = summary.get(f"{s}_stereotyped") if s else None
            if stats and stats["mean"] is not None:
                m = stats["mean"]
                mx.append(i)
                my.append(m)
                mlow.append(m - (stats["ci_low"] if stats["ci_low"] is not None else m))
                mhigh.append((stats["ci_high"] if stats["ci_high"] is not None else m) - m)
        self.points.setData(spots)
        self.errors.setData(
            x=np.array(xs, float),
            y=np.array(ys, float),
            top=np.array(highs, float),
            bottom=np.array(lows, float),
        )
        self.means.setData(mx, my)
        self.mean_err.setData(
            x=np.array(mx, float),
            y=np.array(my, float),
            top=np.array(mhigh, float),
            bottom=np.array(mlow, float),
        )

    def save_png(self, path: str | Path, width: int = PNG_WIDTH) -> Path:
        return CounterfactualChart.save_png(self, path, width)

"""The charts of the bias view: made once, updated with ``setData`` from a result.

Colours are Okabe-Ito hues, legible to colour-blind readers; every axis says what it
counts in words a researcher reads without the manual.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BLUE, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#777777"
PNG_WIDTH = 1800  # 6 inches at 300 dpi


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
        self.hist.setTitle("How much did the score move when only the swapped words changed?",
                           size="10pt")
        self.hist.setLabel("bottom", "score difference per row (swapped text − original text)")
        self.hist.setLabel("left", "rows")
        self.hist.showGrid(x=True, y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.1, brush=BLUE, pen="w")
        self.hist.addItem(self.bars)
        self.zero = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen(GREY, style=Qt.PenStyle.DashLine),
                                    label="no change", labelOpts={"position": 0.92, "color": GREY})
        self.hist.addItem(self.zero)
        self.mean = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen(VERMILION, width=2),
                                    label="mean", labelOpts={"position": 0.8, "color": VERMILION})
        self.hist.addItem(self.mean)
        self.mean_ci = pg.LinearRegionItem(values=(0, 0), movable=False,
                                           brush=pg.mkBrush(213, 94, 0, 40), pen=pg.mkPen(None))
        self.hist.addItem(self.mean_ci)

        self.share = self.widget.addPlot(row=0, col=1)
        self.share.setTitle("Rows whose label changed", size="10pt")
        self.share.setLabel("left", "share of rows compared (95% CI)")
        self.share.setYRange(0, 1)
        self.share.setXRange(-0.8, 0.8)
        self.share.getAxis("bottom").setTicks([[(0, "label changed")]])
        self.share.showGrid(y=True, alpha=0.2)
        self.share_bar = pg.BarGraphItem(x=[0], height=[0], width=0.6, brush=ORANGE, pen="w")
        self.share.addItem(self.share_bar)
        self.share_err = pg.ErrorBarItem(x=np.array([0.0]), y=np.array([0.0]),
                                         top=np.array([0.0]), bottom=np.array([0.0]),
                                         pen=pg.mkPen("#333", width=2), beam=0.25)
        self.share.addItem(self.share_err)
        self.share_text = pg.TextItem("", color="#333", anchor=(0.5, 1))
        self.share.addItem(self.share_text)
        self.widget.ci.layout.setColumnStretchFactor(0, 3)
        self.widget.ci.layout.setColumnStretchFactor(1, 1)

    def clear(self) -> None:
        self.bars.setOpts(x=[], height=[])
        self.share_bar.setOpts(height=[0])
        self.share_err.setData(x=np.array([0.0]), y=np.array([0.0]), top=np.array([0.0]),
                               bottom=np.array([0.0]))
        self.share_text.setText("")
        self.mean.hide()
        self.mean_ci.hide()

    def show(self, result) -> None:
        """Draw ``result`` (a :class:`~llmstudio.core.bias.counterfactual.CounterfactualResult`)."""
        differences = result.rows["difference"].dropna().to_numpy(float) \
            if len(result.rows) else np.array([])
        if len(differences):
            low, high = float(differences.min()), float(differences.max())
            span = max(high - low, 1e-9)
            bins = min(40, max(5, int(np.sqrt(len(differences))) * 2))
            if span < 1e-6:  # every difference the same (often all zero): one bar
                edges = np.array([low - 0.05, low + 0.05])
            else:
                edges = np.linspace(low, high, bins + 1)
            counts, edges = np.histogram(differences, bins=edges)
            centres = (edges[:-1] + edges[1:]) / 2
            self.bars.setOpts(x=centres, height=counts, width=(edges[1] - edges[0]) * 0.95)
        else:
            self.bars.setOpts(x=[], height=[])
        c = result.comparison
        if c.mean_difference is not None:
            self.mean.setValue(c.mean_difference)
            self.mean.show()
            if c.ci_low is not None:
                self.mean_ci.setRegion((c.ci_low, c.ci_high))
                self.mean_ci.show()
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
        self.share_err.setData(x=np.array([0.0]), y=np.array([share]),
                               top=np.array([high - share]), bottom=np.array([share - low]))
        self.share.setYRange(0, max(0.1, min(1.0, high * 1.3 + 0.02)))
        self.share_text.setText(f"{share:.1%}\n({result.changed:,} of {result.n:,})")
        self.share_text.setPos(0, max(0.1, min(1.0, high * 1.3 + 0.02)) * 0.97)

    def save_png(self, path: str | Path, width: int = PNG_WIDTH) -> Path:
        """The chart as a PNG ``width`` pixels wide (1800: 6 inches at 300 dpi)."""
        from pyqtgraph.exporters import ImageExporter

        exporter = ImageExporter(self.widget.scene())
        exporter.parameters()["width"] = width
        path = Path(path)
        exporter.export(str(path))
        return path

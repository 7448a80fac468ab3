"""The chart kinds of View › Charts: what each shows (``KINDS``), the numbers it needs
(:func:`chart_numbers`, from ``core.chart_data``, run in the background) and how it is
drawn with pyqtgraph on the panel's fresh plot (``DRAW``: one function a kind, each adding
its items, its clickable hit boxes and its note, and naming its titles). The panel
(``gui/charts/charts_panel``) holds the pickers, the plot, the titles, clicks and export.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...core import chart_data as cd
from ...core.tasks.sentiment import five_point

PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]  # Okabe-Ito: told apart by colour-blind readers

LABELS, HISTOGRAM, GROUP_SHARES, GROUP_MEANS, TIME_SHARE, TIME_MEAN, CONFUSION, CODES = range(8)
KINDS = [
    "Labels: how many of each",
    "Numbers: histogram",
    "Labels by group (share, 95% CI)",
    "Mean by group (95% CI)",
    "Over time: share of a label (95% CI)",
    "Over time: mean (95% CI)",
    "Two columns compared (confusion table)",
    "Codes by group (a codebook's crosstab)",
]
NUMBER_KINDS = (HISTOGRAM, GROUP_MEANS, TIME_MEAN)
CONFIDENCE_NOTE = (
    "Confidence is how sure the model is of the label it chose (0 to 1), not "
    "how positive a text is."
)


@dataclass(frozen=True)
class Source:
    """Something a chart can show, named for a reader: a column of the table, or a
    sentiment run's signed score (``kind`` "signed", read from its label and valence
    columns). ``kind`` "confidence": a run's ``<task>_score``."""

    key: str  # the picker's item data
    name: str  # "Sentiment (builtin)", "region", "Codes by ana (Tone)"
    columns: tuple[str, ...]  # the table's columns it reads
    kind: str = "column"  # column, signed, confidence
    scheme: tuple[str, ...] = ()  # signed: the run's labels (they say the scale)

    def tip(self) -> str:
        """The picker's tooltip: the columns behind the name."""
        if self.kind == "signed":
            label, *valence = self.columns
            if valence:
                return (
                    f"Columns {valence[0]} (P(positive) − P(negative)) where given, else "
                    f"the valence of {label}"
                )
            return f"The valence of the labels in column {label}"
        if self.kind == "codes":
            return f"The codes of codebook {self.columns[0]}, counted per group"
        return f"Column {self.columns[0]}"

    def mean_name(self) -> str:
        """What a mean of it is called in a title: "Mean sentiment (builtin)"."""
        if self.kind == "column":  # the researcher's own column name, as written
            return f"Mean {self.name}"
        return f"Mean {self.name[0].lower()}{self.name[1:]}"

    def axis(self, result: dict, mean: bool) -> str:
        """The value axis of a histogram (``mean`` False) or a chart of means of it."""
        if self.kind == "signed":
            text = cd.signed_axis(self.scheme, *result["sentiment"])
            return text if mean else text.replace("Mean sentiment", "Sentiment", 1)
        if self.kind == "confidence":
            return ("Mean m" if mean else "M") + "odel confidence in its label (0 to 1)"
        name = lower_first(self.name) if self.kind == "document" else self.name
        return f"mean {name}" if mean else self.name


def chart_numbers(
    kind: int,
    values,
    other: pd.Series | None,
    dates: pd.Series | None,
    freq: str,
    label: str | None,
) -> dict:
    """The numbers a chart of ``kind`` shows (run in the background: no Qt here).
    ``values``: a column, or a ``chart_data.SignedSentiment`` (then ``result["sentiment"]``
    is (rows from probabilities, rows from labels)). ``other``: the group or second
    column; for a chart over time, the date column when ``dates`` (already parsed) is
    None."""
    if isinstance(values, cd.SignedSentiment):
        values, *counts = values.values()
        return {
            **chart_numbers(kind, values, other, dates, freq, label),
            "sentiment": tuple(counts),
        }
    if kind == LABELS:
        return {"data": cd.label_counts(values)}
    if kind == HISTOGRAM:
        numbers = cd.numbers_of(values)
        return {
            "data": cd.histogram(values),
            "count": len(numbers),
            "mean": numbers.mean(),
            "median": numbers.median(),
        }
    if kind == GROUP_SHARES:
        return {
            "data": cd.group_shares(values, other),
            "labels": list(cd.label_counts(values)["label"]),
        }
    if kind == GROUP_MEANS:
        return {"data": cd.group_means(values, other)}
    if kind in (TIME_SHARE, TIME_MEAN):
        out = {"share": kind == TIME_SHARE, "label": label, "freq": freq}
        if dates is None:
            dates = out["dates"] = cd.dates_of(other)
        out["data"] = cd.over_time(values, dates, freq, label=label)
        return out
    return {"data": cd.confusion(values, other)}


def value_axis():
    """A left axis whose title may take two lines (see :func:`two_lines`)."""
    return value_axis_class()("left")


@functools.cache
def value_axis_class():
    """pyqtgraph leaves room for 0.8 of an axis title's height, which fits one line and
    lets a second run over the tick labels: this axis leaves room for all of it."""
    import pyqtgraph as pg

    class ValueAxis(pg.AxisItem):
        def _updateWidth(self):
            super()._updateWidth()
            if self.isVisible() and self.fixedWidth is None and self.label.isVisible():
                width = self.minimumWidth() + 0.2 * self.label.boundingRect().height() + 2
                self.setMaximumWidth(width)
                self.setMinimumWidth(width)

    return ValueAxis


def two_lines(text: str, longest: int = 26) -> str:
    """A long value-axis title with its bracket on a second line: written along the
    axis, one line would run past the ends of a short plot."""
    if len(text) <= longest or " (" not in text:
        return text
    return text.replace(" (", "<br>(", 1)


def lower_first(text: str) -> str:
    """``text`` with its first letter small (inside a sentence)."""
    return text[:1].lower() + text[1:]


def signed_note(counts: tuple[int, int], scheme: tuple[str, ...]) -> str:
    """What the sentiment axis is, for the note under a chart of it."""
    probabilities, labels = counts
    five = five_point(scheme)
    valences = (
        "very negative −1, negative −0.5, neutral 0, positive 0.5, very positive 1"
        if five
        else "positive +1, neutral 0, negative −1"
    )
    told = (
        "Sentiment: "
        + (
            "the probability-weighted valence of the model's label probabilities"
            if five
            else "P(positive) − P(negative) from the model's label probabilities"
        )
        if probabilities
        else f"Sentiment from labels: {valences}"
    )
    if probabilities and labels:
        told += f"; {labels:,} rows without probabilities count their label ({valences})"
    return told + "."


def bar_text(plot, x: float, y: float, text: str) -> None:
    """A bar's count above it."""
    import pyqtgraph as pg

    item = pg.TextItem(text, color="#333", anchor=(0.5, 1))
    item.setPos(x, y)
    plot.addItem(item)


def ticks(plot, names: list[str], side: str = "bottom") -> None:
    """Names at 0, 1, 2, ... along an axis."""
    plot.getAxis(side).setTicks([[(i, n) for i, n in enumerate(names)]])


def draw_labels(panel, column: Source, _second, result: dict) -> None:
    import pyqtgraph as pg

    data = result["data"]
    panel.data = data
    x = np.arange(len(data), dtype=float)
    n = data["n"].to_numpy(dtype=float)
    bars = pg.BarGraphItem(x=[], height=[], width=0.7, pen="w")
    bars.setOpts(
        x=x,
        height=n,
        width=0.7,
        y0=0,
        brushes=[PALETTE[i % len(PALETTE)] for i in range(len(data))],
    )
    panel.plot.addItem(bars)
    ticks(panel.plot, list(data["label"]))
    total = int(n.sum())
    name = column.name
    for i, row in data.iterrows():
        bar_text(panel.plot, x[i], row["n"], f"{row['n']:,} ({row['share']:.0%})")
        panel.hits.append(
            (
                x[i] - 0.35,
                x[i] + 0.35,
                0,
                row["n"],
                row["rows"],
                f"{name} = {row['label']}",
                f"{name} = {row['label']}\nn = {row['n']:,} of {total:,}\n"
                f"share {row['share']:.1%} (95% CI {row['ci_low']:.1%}–{row['ci_high']:.1%})",
            )
        )
    panel.note.setText(f"{total:,} rows with a value in {name}. Click a bar to see its rows.")
    panel.set_auto(f"{name}: how many rows of each", name, "rows", column)


def draw_histogram(panel, column: Source, _second, result: dict) -> None:
    import pyqtgraph as pg

    data = result["data"]
    panel.data = data
    axis = column.axis(result, mean=False)
    if data.empty:
        panel.note.setText(f"No numbers in {column.name} yet.")
        panel.set_auto(column.name, axis, "rows", column)
        return
    left, right = data["left"].to_numpy(float), data["right"].to_numpy(float)
    centre, width = (left + right) / 2, (right - left)
    bars = pg.BarGraphItem(x=[], height=[], width=0.8, pen="w", brush=PALETTE[0])
    bars.setOpts(x=centre, height=data["n"].to_numpy(float), width=width * 0.95, y0=0)
    panel.plot.addItem(bars)
    for _, row in data.iterrows():
        panel.hits.append(
            (
                row["left"],
                row["right"],
                0,
                max(row["n"], 0),
                row["rows"],
                f"{column.name} from {row['left']:.3g} to {row['right']:.3g}",
                f"{column.name} {row['left']:.3g} to {row['right']:.3g}\nn = {row['n']:,}",
            )
        )
    panel.note.setText(
        f"{result['count']:,} rows; mean {result['mean']:.3f}, median "
        f"{result['median']:.3f}. Click a bar to see its rows."
    )
    panel.set_auto(f"Distribution of {column.name}", axis, "rows", column)


def draw_group_shares(panel, column: Source, by: Source, result: dict) -> None:
    import pyqtgraph as pg

    data = result["data"]
    panel.data = data
    groups = list(dict.fromkeys(data["group"]))
    labels = list(dict.fromkeys(data["label"]))
    if len(labels) > len(PALETTE):
        top = set(result["labels"][: len(PALETTE)])
        labels = [x for x in labels if x in top]
    width = 0.8 / max(1, len(labels))
    legend = panel.add_legend(len(labels))
    ex, ey, etop, ebottom = [], [], [], []
    name = column.name
    for j, label in enumerate(labels):
        part = data[data["label"] == label]
        x = np.array([groups.index(g) for g in part["group"]], float) - 0.4 + width * (j + 0.5)
        share = part["share"].to_numpy(float) * 100
        bar = pg.BarGraphItem(x=[], height=[], width=0.8, pen="w", brush=PALETTE[j % len(PALETTE)])
        bar.setOpts(x=x, height=share, width=width * 0.92, y0=0)
        panel.plot.addItem(bar)
        legend.addItem(bar, label)
        for xi, (_, row) in zip(x, part.iterrows()):
            ex.append(xi)
            ey.append(100 * row["share"])
            etop.append(100 * (row["ci_high"] - row["share"]))
            ebottom.append(100 * (row["share"] - row["ci_low"]))
            panel.hits.append(
                (
                    xi - width / 2,
                    xi + width / 2,
                    0,
                    100 * row["ci_high"],
                    row["rows"],
                    f"{by.name} = {row['group']}, {name} = {label}",
                    f"{by.name} = {row['group']}\n{name} = {label}\n"
                    f"{row['k']:,} of {row['n']:,} = {row['share']:.1%}\n"
                    f"95% CI {row['ci_low']:.1%}–{row['ci_high']:.1%}",
                )
            )
    errors = pg.ErrorBarItem(beam=width * 0.4, pen=pg.mkPen("#333", width=1.5))
    errors.setData(x=np.array(ex), y=np.array(ey), top=np.array(etop), bottom=np.array(ebottom))
    panel.plot.addItem(errors)
    n = data.drop_duplicates("group")[["group", "n"]]
    ticks(panel.plot, [f"{g}\n(n={k:,})" for g, k in zip(n["group"], n["n"])])
    panel.plot.getAxis("bottom").setHeight(66)  # two-line ticks, then the axis title
    panel.note.setText(
        "Bars: share of each group's rows with that label; whiskers: 95% "
        "Wilson intervals. Click a bar to see its rows."
    )
    panel.set_auto(f"{name} by {by.name}", by.name, "% of the group's rows", column, by)


def draw_group_means(panel, column: Source, by: Source, result: dict) -> None:
    import pyqtgraph as pg

    data = result["data"]
    panel.data = data
    x = np.arange(len(data), dtype=float)
    mean = data["mean"].to_numpy(float)
    low = data["ci_low"].to_numpy(float)
    high = data["ci_high"].to_numpy(float)
    bars = pg.BarGraphItem(x=[], height=[], width=0.6, pen="w", brush=PALETTE[0])
    bars.setOpts(x=x, height=mean, width=0.6, y0=0)
    panel.plot.addItem(bars)
    ok = ~np.isnan(low)
    errors = pg.ErrorBarItem(beam=0.25, pen=pg.mkPen("#333", width=1.5))
    errors.setData(x=x[ok], y=mean[ok], top=(high - mean)[ok], bottom=(mean - low)[ok])
    panel.plot.addItem(errors)
    ticks(panel.plot, [f"{g}\n(n={k:,})" for g, k in zip(data["group"], data["n"])])
    panel.plot.getAxis("bottom").setHeight(66)
    axis = column.axis(result, mean=True)
    for i, row in data.iterrows():
        lo, hi = sorted((0.0, row["mean"]))
        ci = (
            ""
            if pd.isna(row["ci_low"])
            else f"\n95% CI {row['ci_low']:.3f} to {row['ci_high']:.3f}"
        )
        panel.hits.append(
            (
                x[i] - 0.3,
                x[i] + 0.3,
                lo,
                hi,
                row["rows"],
                f"{by.name} = {row['group']}",
                f"{by.name} = {row['group']}\nn = {row['n']:,}\n{axis}: {row['mean']:.3f}{ci}",
            )
        )
    panel.note.setText(
        f"Bars: {lower_first(column.mean_name())} per group; whiskers: 95% t intervals. "
        "Click a bar to see its rows."
    )
    panel.set_auto(f"{column.mean_name()} by {by.name}", by.name, axis, column, by)


def draw_time(panel, column: Source, date: Source, result: dict) -> None:
    import pyqtgraph as pg

    share, label, freq = result["share"], result["label"], result["freq"]
    data = result["data"]
    panel.data = data
    x = np.arange(len(data), dtype=float)
    scale = 100.0 if share else 1.0  # shares drawn in percent
    y = data["value"].to_numpy(float) * scale
    low = data["ci_low"].to_numpy(float) * scale
    high = data["ci_high"].to_numpy(float) * scale
    # The band needs numbers everywhere: a period without a CI shows none (low = high).
    fill_low = np.where(np.isnan(low), np.where(np.isnan(y), 0, y), low)
    fill_high = np.where(np.isnan(high), np.where(np.isnan(y), 0, y), high)
    clear = pg.mkPen((0, 0, 0, 0))  # the band's edges: a fill needs drawn curves
    band_low = pg.PlotDataItem(pen=clear)
    band_high = pg.PlotDataItem(pen=clear)
    band_low.setData(x, fill_low)
    band_high.setData(x, fill_high)
    band = pg.FillBetweenItem(band_low, band_high, brush=pg.mkBrush(0, 114, 178, 50))
    panel.plot.addItem(band, ignoreBounds=True)  # the range: set below
    line = pg.PlotDataItem(
        pen=pg.mkPen(PALETTE[0], width=2),
        symbol="o",
        symbolSize=7,
        symbolBrush=PALETTE[0],
        symbolPen="w",
        connect="finite",
    )
    line.setData(x, y)
    panel.plot.addItem(line)
    # The range from the line and the intervals of periods with 5 rows or more: one
    # week of two rows has an interval wide enough to flatten every other.
    steady = (data["n"] >= 5).to_numpy()
    shown = np.concatenate([y, low[steady], high[steady]])
    shown = shown[np.isfinite(shown)]
    if len(shown):
        panel.yrange = (min(0.0, shown.min()) if share else shown.min(), shown.max())
    names = [cd.period_name(p, freq) for p in data["period"]]
    room = max(300.0, panel.plot.vb.width())
    step = max(1, int(np.ceil(len(names) * 85 / room)))
    panel.plot.getAxis("bottom").setTicks([[(i, n) for i, n in enumerate(names) if i % step == 0]])
    axis = f"% labelled {label}" if share else column.axis(result, mean=True)
    what = f"share {label}" if share else lower_first(column.mean_name())
    for i, row in data.iterrows():
        if row["n"] == 0:
            text = f"{names[i]}: no rows"
        else:
            value = f"{row['value']:.1%}" if share else f"{row['value']:.3f}"
            ci = (
                ""
                if pd.isna(row["ci_low"])
                else (
                    f"\n95% CI {row['ci_low']:.1%}–{row['ci_high']:.1%}"
                    if share
                    else f"\n95% CI {row['ci_low']:.3f} to {row['ci_high']:.3f}"
                )
            )
            count = f"{row['k']:,} of {row['n']:,}" if share else f"n = {row['n']:,}"
            text = f"{freq} {names[i]}\n{count}\n{what}: {value}{ci}"
        panel.hits.append(
            (
                x[i] - 0.5,
                x[i] + 0.5,
                -np.inf,
                np.inf,
                row["rows"],
                f"{date.name} in {freq} {names[i]}"
                + (f", {column.name} = {label}" if share else ""),
                text,
            )
        )
    panel.note.setText(
        f"Line: {what} per {freq}; band: 95% "
        f"{'Wilson' if share else 't'} interval. Click a point to see its rows."
    )
    if share:
        panel.set_auto(
            f"Share of {column.name} = {label} per {freq}", date.name, axis, column, date
        )
    else:
        panel.set_auto(f"{column.mean_name()} per {freq}", date.name, axis, column, date)


def draw_confusion(panel, column: Source, other: Source, result: dict) -> None:
    import pyqtgraph as pg

    data = result["data"]
    panel.data = data
    names = list(dict.fromkeys(data["a"]))
    k = len(names)
    a_name, b_name = column.name, other.name
    if not k:
        panel.note.setText(f"No rows with values in both {a_name} and {b_name}.")
        panel.set_auto("", a_name, b_name, column, other)
        return
    grid = data["n"].to_numpy(float).reshape(k, k)  # [a, b]
    # One square per cell (vector shapes: crisp in SVG, where a scaled image blurs).
    colours = pg.ColorMap([0.0, 1.0], ["#f2f2f2", PALETTE[0]]).map(
        grid.ravel() / max(1.0, grid.max()), mode="qcolor"
    )
    a_at, b_at = np.divmod(np.arange(k * k), k)  # grid.ravel()'s order: [a, b]
    cells = pg.BarGraphItem(x=[], height=[], width=1.0)
    cells.setOpts(
        x=a_at.astype(float),
        y0=b_at - 0.5,
        height=np.ones(k * k),
        width=1.0,
        brushes=[pg.mkBrush(c) for c in colours],
        pens=[pg.mkPen(None)] * (k * k),
    )
    panel.plot.addItem(cells)
    # Names of more than one word on lines of their own: side by side under narrow
    # cells they would run into each other.
    wrapped = [n.replace(" ", "\n") if len(n) > 8 else n for n in names]
    ticks(panel.plot, wrapped, "bottom")
    lines = max(n.count("\n") + 1 for n in wrapped)
    panel.plot.getAxis("bottom").setHeight(34 + 15 * lines)
    ticks(panel.plot, names, "left")
    panel.plot.showGrid(y=False)
    panel.plot.getAxis("left").setWidth(30 + 7 * max(len(n) for n in names))
    total = int(grid.sum())
    diagonal = int(np.trace(grid))
    for _, row in data.iterrows():
        a, b = names.index(row["a"]), names.index(row["b"])
        dark = grid[a, b] > 0.55 * grid.max()
        item = pg.TextItem(f"{row['n']:,}", color="w" if dark else "#222", anchor=(0.5, 0.5))
        item.setPos(a, b)
        panel.plot.addItem(item)
        panel.hits.append(
            (
                a - 0.5,
                a + 0.5,
                b - 0.5,
                b + 0.5,
                row["rows"],
                f"{a_name} = {row['a']}, {b_name} = {row['b']}",
                f"{a_name} = {row['a']}\n{b_name} = {row['b']}\nn = {row['n']:,}"
                f" ({row['share']:.1%} of {total:,})",
            )
        )
    given = data[data["n"] > 0]
    if set(given["a"]).isdisjoint(given["b"]):
        panel.note.setText(
            f"{a_name} and {b_name} have no value in common: a cross-table "
            "of the two, with no diagonal of agreement. Click a cell to see "
            "its rows."
        )
    else:
        panel.note.setText(
            f"{diagonal:,} of {total:,} rows ({diagonal / max(total, 1):.1%}) "
            "get the same label in both columns (the diagonal). Click a "
            "cell to see its rows."
        )
    panel.set_auto(f"{a_name} against {b_name}", a_name, b_name, column, other)


DRAW = {
    LABELS: draw_labels,
    HISTOGRAM: draw_histogram,
    GROUP_SHARES: draw_group_shares,
    GROUP_MEANS: draw_group_means,
    TIME_SHARE: draw_time,
    TIME_MEAN: draw_time,
    CONFUSION: draw_confusion,
}

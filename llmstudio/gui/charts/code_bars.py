"""The charts' "Codes by group" kind: a codebook's crosstab (``core.crosstab``) by a column
of groups, as grouped bars (share of each group's coded texts or passages) or stacked
bars (counts), one colour per code from the codebook. The sources are the codebooks'
coders and model runs (:func:`code_sources`); the numbers are worked out in the
background like every chart's (:func:`code_numbers`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...core import crosstab as ct
from ...core.errors import ProjectError
from .chart_kinds import Source, bar_text, ticks

GROUPED, STACKED = "grouped (% of the group)", "stacked (counts)"
MODES = (GROUPED, STACKED)


@dataclass(frozen=True)
class CodeCounts:
    """What a "Codes by group" chart counts: ``book``'s codes from ``source`` in
    ``project``, by column ``by`` (set when the group is picked), ``unit`` rows or
    passages."""

    project: object
    book: object
    source: ct.CodeSource
    unit: str = ct.ROWS
    by: str = ""

    def by_column(self, by: str) -> CodeCounts:
        return replace(self, by=by)


def code_key(book: str, source: ct.CodeSource, unit: str) -> str:
    """The chart picker's key of a codebook's codes from ``source`` counted in ``unit``."""
    return f"codes:{book}\x1f{source.coder or ''}\x1f{source.run_id or ''}\x1f{unit}"


def code_sources(project) -> dict[str, tuple[Source, CodeCounts]]:
    """Every codebook's codes by all coders, each coder and each model run (texts), and
    by the coders as passages, under readable names ("Codes of Issues: ana (texts)")."""
    out: dict[str, tuple[Source, CodeCounts]] = {}
    if project is None:
        return out
    for name in project.codebooks():
        try:
            book = project.codebook(name)
        except ProjectError:
            continue  # an unreadable codebook is said where it is edited
        for source in ct.sources(project, book):
            units = (ct.ROWS,) if source.run_id is not None else (ct.ROWS, ct.PASSAGES)
            for unit in units:
                key = code_key(name, source, unit)
                what = "texts" if unit == ct.ROWS else "passages"
                label = f"Codes of {name}: {source.name} ({what})"
                out[key] = (
                    Source(key, label, (name,), "codes"),
                    CodeCounts(project, book, source, unit),
                )
    return out


def code_numbers(counts: CodeCounts) -> dict:
    """The crosstab behind the chart (run in the background)."""
    return {
        "table": ct.crosstab(counts.project, counts.book, counts.by, counts.source, counts.unit)
    }


def draw_codes(panel, column: Source, by: Source, result: dict, mode: str = GROUPED) -> None:
    """Bars of the top-level codes (a parent counts a row once if it or a code under it
    applies) per group: grouped as % of the group's total, or stacked counts."""
    import pyqtgraph as pg

    table: ct.Crosstab = result["table"]
    top = [i for i, d in enumerate(table.depth) if d == 0]
    groups = list(table.groups)
    stacked = mode == STACKED
    width = 0.8 if stacked else 0.8 / max(1, len(top))
    legend = panel.add_legend(min(4, len(top)))
    shares, _, _ = table.shares("column")
    base = np.zeros(len(groups))
    unit = "texts" if table.unit == ct.ROWS else "passages"
    for j, i in enumerate(top):
        code, x = table.codes[i], np.arange(len(groups), dtype=float)
        if not stacked:
            x = x - 0.4 + width * (j + 0.5)
        height = table.counts[i].astype(float) if stacked else np.nan_to_num(shares[i])
        bar = pg.BarGraphItem(x=[], height=[], width=width, pen="w", brush=table.colors[i])
        bar.setOpts(x=x, height=height, width=width * 0.92, y0=base if stacked else 0)
        panel.plot.addItem(bar)
        legend.addItem(bar, code)
        for g, group in enumerate(groups):
            n, k = int(table.group_totals[g]), int(table.counts[i, g])
            y0 = base[g] if stacked else 0.0
            share = f" = {shares[i, g]:.1f}%" if n else ""
            panel.hits.append(
                (
                    x[g] - width / 2,
                    x[g] + width / 2,
                    y0,
                    y0 + height[g],
                    table.rows_in(i, g),
                    f"{by.name} = {group}, {code}",
                    f"{by.name} = {group}\n{code}: {k:,} of {n:,} {unit}{share}",
                )
            )
        if stacked:
            base = base + height
    if stacked:
        for g, total in enumerate(base):
            bar_text(panel.plot, g, total, f"{int(total):,}")
    ticks(panel.plot, [f"{g}\n(n={int(n):,})" for g, n in zip(groups, table.group_totals)])
    panel.plot.getAxis("bottom").setHeight(66)
    several = " A text with several codes is in several segments." if stacked else ""
    parents = (
        " Parents count a text once if they or a code under them apply."
        if any(table.parent)
        else ""
    )
    panel.note.setText(
        f"Top-level codes of {table.codebook} by {table.source.name}; n: the group's coded "
        f"{unit}.{parents}{several} Click a bar to see its rows."
    )
    y = f"{unit} with the code" if stacked else f"% of the group's coded {unit}"
    panel.set_auto(f"{table.codebook} by {by.name}", by.name, y, column, by)

"""An attention matrix as an SVG heatmap (vector: any size, editable in Inkscape or
Illustrator): a cell per token pair, shaded white (0) to dark blue (the matrix's
largest weight), the tokens along both axes, a title, a colour scale and the note of
what it shows. The window shows the same matrix and renders this file for its PNG."""

from __future__ import annotations

import textwrap
from html import escape
from pathlib import Path

import numpy as np

from .attention import AttentionMaps

CELL = 18
DARK = (8, 48, 107)  # ColorBrewer Blues' darkest: readable as print and for colour-blind eyes


def shade(value: float, top: float) -> str:
    """The colour of ``value`` on a scale from white (0) to :data:`DARK` (``top``)."""
    t = 0.0 if top <= 0 else min(1.0, max(0.0, value / top))
    r, g, b = (round(255 + (c - 255) * t) for c in DARK)
    return f"#{r:02x}{g:02x}{b:02x}"


def attention_svg(maps: AttentionMaps, layer: int, head: int | None) -> str:
    """The SVG text of ``maps.matrix(layer, head)`` (``head=None``: mean of heads)."""
    matrix = np.asarray(maps.matrix(layer, head), dtype=float)
    n, top = len(maps.tokens), float(matrix.max()) if matrix.size else 0.0
    label = 7 * max((len(t) for t in maps.tokens), default=1) + 12
    left, top_margin = label + 10, label + 40
    width = max(left + n * CELL + 90, 420)
    note = textwrap.wrap(maps.note(), width=int((width - 20) / 5.6))
    height = top_margin + n * CELL + 30 + 14 * len(note)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="18" font-size="13" font-weight="bold">'
        f"{escape(maps.title(layer, head))}</text>",
    ]
    for i, token in enumerate(maps.tokens):
        y = top_margin + i * CELL + CELL * 0.7
        out.append(f'<text x="{left - 4}" y="{y:.1f}" text-anchor="end">{escape(token)}</text>')
        x = left + i * CELL + CELL * 0.65
        out.append(
            f'<text transform="translate({x:.1f},{top_margin - 4}) rotate(-90)">'
            f"{escape(token)}</text>"
        )
    for i in range(n):
        for j in range(n):
            value = float(matrix[i, j])
            out.append(
                f'<rect x="{left + j * CELL}" y="{top_margin + i * CELL}" width="{CELL}" '
                f'height="{CELL}" fill="{shade(value, top)}"><title>'
                f"{escape(maps.tokens[i])} → {escape(maps.tokens[j])}: {value:.3f}"
                "</title></rect>"
            )
    # The colour scale: five steps from 0 to the largest weight.
    sx = left + n * CELL + 20
    for k in range(5):
        value = top * (4 - k) / 4
        y = top_margin + k * CELL
        out.append(
            f'<rect x="{sx}" y="{y}" width="{CELL}" height="{CELL}" '
            f'fill="{shade(value, top)}" stroke="#999"/>'
        )
        out.append(f'<text x="{sx + CELL + 4}" y="{y + CELL * 0.7:.1f}">{value:.2f}</text>')
    for k, line in enumerate(note):
        y = top_margin + n * CELL + 24 + 14 * k
        out.append(f'<text x="10" y="{y}" font-size="10" fill="#444">{escape(line)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_attention_svg(maps: AttentionMaps, layer: int, head: int | None, path) -> Path:
    """Write :func:`attention_svg` to ``path``."""
    path = Path(path)
    path.write_text(attention_svg(maps, layer, head), encoding="utf-8")
    return path

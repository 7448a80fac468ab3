"""An attribution written out: an HTML page (the highlighted text, the model, the method,
the legend and what an attribution is not) or a table of words and weights (CSV/XLSX)."""

from __future__ import annotations

import html
from pathlib import Path

from ..atomic import write_text
from ..errors import ExportError
from ..export import export_table
from .attribution import COLOURS, WHAT_IT_IS, Attribution
from .colours import LOWERED, NO_WEIGHT, RAISED, hex_colour, text_colour, weight_colour

TABLE_SUFFIXES = (".csv", ".xlsx")


def highlighted_html(attribution: Attribution) -> str:
    """The text as HTML, each word on its colour with its weight as a tooltip; the text
    between words (spaces, punctuation, line breaks) as it is."""
    largest = attribution.largest()
    text, parts, at = attribution.text, [], 0
    for item in attribution.words:
        word = item.word
        parts.append(html.escape(text[at : word.start]))
        background = weight_colour(item.weight, largest)
        title = "no answer without this word" if item.weight is None else f"{item.weight:+.4f}"
        parts.append(
            f'<span style="background:{hex_colour(background)};'
            f'color:{hex_colour(text_colour(background))}" title="{title}">'
            f"{html.escape(word.text)}</span>"
        )
        at = word.end
    parts.append(html.escape(text[at:]))
    return "".join(parts).replace("\n", "<br>\n")


def legend_html(attribution: Attribution) -> str:
    """The scale's ends and its middle, with the largest weight they stand for."""
    largest = attribution.largest()

    def swatch(rgb, label):
        return (
            f'<span style="background:{hex_colour(rgb)};color:{hex_colour(text_colour(rgb))};'
            f'padding:0 .4em">{html.escape(label)}</span>'
        )

    return " ".join(
        [
            swatch(LOWERED, f"lowered the score (−{largest:.3f})"),
            swatch((255, 255, 255), "little change (0)"),
            swatch(RAISED, f"raised the score (+{largest:.3f})"),
        ]
        + (
            [swatch(NO_WEIGHT, "no answer without it")]
            if any(w.weight is None for w in attribution.words)
            else []
        )
    )


def page(attribution: Attribution) -> str:
    """The whole HTML page."""
    a = attribution
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in a.notes)
    facts = [
        ("Row", str(a.row + 1)),
        ("Run", a.run_title),
        ("Model", a.model),
        ("Label explained", a.label),
        (f"Its {a.score_kind} on the whole text", f"{a.score:.4f}"),
        ("Method", a.method_text()),
    ]
    if a.requests:
        facts.append(("Texts asked", f"{a.requests:,}"))
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Why this label: row {a.row + 1}</title>
<style>
body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.6; }}
th {{ text-align: left; padding-right: 1em; font-weight: normal; color: #555; }}
.text {{ border: 1px solid #ccc; padding: 1em; font-size: 1.1em; }}
.text span {{ border-radius: 3px; padding: 0 1px; }}
.note {{ color: #444; }}
</style></head><body>
<h1>Why this label: row {a.row + 1}</h1>
<table>{rows}</table>
<p>{legend_html(a)}</p>
<div class="text">{highlighted_html(a)}</div>
<p class="note">{html.escape(COLOURS)} {html.escape(WHAT_IT_IS)}</p>
{f"<ul>{notes}</ul>" if notes else ""}
</body></html>
"""


def write_attribution(attribution: Attribution, path: str | Path) -> Path:
    """Write ``attribution`` to ``path``: ``.html`` as a page, ``.csv``/``.xlsx`` as the
    table of words (word, start, end, weight); ExportError for another suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        try:
            write_text(path, page(attribution))
        except OSError as exc:
            raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
        return path
    if suffix in TABLE_SUFFIXES:
        return export_table(attribution.table(), path, sheet_name="words")
    raise ExportError(
        f"{path}: an attribution is written as .html (the highlighted text) or as a "
        f"table of words: {', '.join(TABLE_SUFFIXES)}"
    )

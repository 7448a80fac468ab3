"""Colours of codes: a colour-blind-safe default palette and the check of a colour.

The default colours are Okabe and Ito's palette (Okabe & Ito 2008, "Color Universal
Design"), told apart with every common colour-vision deficiency, with its grey in place of
its black (a passage highlighted in black could not be read); then Paul Tol's "muted"
scheme (also safe) for codes 9 to 17; after that the two repeat. Colours are ``#RRGGBB``.
"""

from __future__ import annotations

import re

OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#999999",  # grey (the palette's black would hide a highlighted text)
)
TOL_MUTED = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#117733",  # green
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
)
PALETTE = OKABE_ITO + TOL_MUTED

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


def default_color(index: int) -> str:
    """The palette's colour for the ``index``-th code (0-based), repeating after 17."""
    return PALETTE[index % len(PALETTE)]


def color_problem(value: str) -> str | None:
    """What is wrong with ``value`` as a code's colour (None: it is ``#RRGGBB``)."""
    if isinstance(value, str) and _HEX.fullmatch(value):
        return None
    return f"colour {value!r} is not of the form #RRGGBB (e.g. {OKABE_ITO[0]})"

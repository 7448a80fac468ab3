"""The one colour scale of attributions (the window's view and the HTML export): a
diverging orange–blue scale, told apart with every common colour-vision deficiency, white
at 0 and full colour at the largest absolute weight of the text."""

from __future__ import annotations

RAISED = (230, 97, 1)  # orange: the word raised the score
LOWERED = (33, 102, 172)  # blue: the word lowered it
NEUTRAL = (255, 255, 255)
NO_WEIGHT = (220, 220, 220)  # grey: the model gave no answer without the word


def weight_colour(weight: float | None, largest: float) -> tuple[int, int, int]:
    """The background of a word of ``weight`` on a scale whose ends are ``largest``."""
    if weight is None:
        return NO_WEIGHT
    if largest <= 0 or weight == 0:
        return NEUTRAL
    share = min(1.0, abs(weight) / largest)
    end = RAISED if weight > 0 else LOWERED
    return tuple(round(n + (e - n) * share) for n, e in zip(NEUTRAL, end, strict=True))


def text_colour(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``background`` (relative luminance)."""
    r, g, b = background
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """``#rrggbb``."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)

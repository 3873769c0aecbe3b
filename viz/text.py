"""The replay's text: its fonts at a scale, and the heights of the rows that hold text.

Sizes are those of pygame's default font at scale 1, multiplied by ``Options.font_scale`` (1.5–2
for a projector). The rows under the panels (timeline, colour scales, status line) and the room
kept above a venue for its figures are derived from the fonts' line heights, so larger text gets
taller rows instead of spilling out of them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Final

from ._pygame import pygame

__all__ = ["Fonts", "TextRows", "check_font_scale", "make_fonts", "text_rows"]

#: Font sizes (px) at scale 1: body text, small print, panel titles, the clock.
_SIZES: Final = {"font": 19, "small": 16, "title": 23, "big": 30}
#: Exit lines the room above a venue is kept for (venues with more push their figures over it).
_EXIT_LINES: Final = 3


def check_font_scale(scale: float) -> float:
    """``scale`` as a float if it is a usable font scale.

    Raises:
        ValueError: it is not a positive number of at most 10.
    """
    value = float(scale)
    if not (math.isfinite(value) and 0 < value <= 10):
        raise ValueError(
            f"font_scale must be a number in (0, 10] (1 = normal, 1.5–2 for a projector), "
            f"got {scale!r}"
        )
    return value


@dataclass(frozen=True)
class Fonts:
    """The four fonts of the replay at one scale (bold titles)."""

    font: pygame.font.Font
    small: pygame.font.Font
    title: pygame.font.Font
    big: pygame.font.Font


def make_fonts(scale: float) -> Fonts:
    """The fonts at ``scale`` (new objects: fonts die with ``pygame.font.quit``)."""
    pygame.font.init()
    made = {k: pygame.font.Font(None, max(8, round(s * scale))) for k, s in _SIZES.items()}
    made["title"].set_bold(True)
    return Fonts(**made)


@dataclass(frozen=True)
class TextRows:
    """Heights (px) of what holds text, at one font scale.

    Attributes:
        timeline_h: the timeline (event markers, the track, tick labels in small print).
        legend_h: the colour scales' row (small print).
        status_h: the status line (body text).
        hud_inset: room kept above a venue for its figures (title, directory, clock, counts and
            a few exit lines), when the venue fits below them.
    """

    timeline_h: int
    legend_h: int
    status_h: int
    hud_inset: int

    @property
    def bottom_h(self) -> int:
        """The rows under the panels together."""
        return self.timeline_h + self.legend_h + self.status_h


@functools.lru_cache(maxsize=16)
def text_rows(scale: float = 1.0) -> TextRows:
    """The row heights at ``scale`` (at 1: 34, 22 and 26 px, and 140 px above a venue)."""
    f = make_fonts(check_font_scale(scale))
    small, body = f.small.get_linesize(), f.font.get_linesize()
    figure_lines = (f.title, f.small, f.big, f.font, *[f.small] * _EXIT_LINES)
    figures = sum(font.get_linesize() + 2 for font in figure_lines) + 12  # box padding
    return TextRows(
        timeline_h=small + 22,  # markers above the track, ticks and labels below it
        legend_h=small + 10,
        status_h=body + 11,
        hud_inset=figures + 8 + 4,  # the box's margin above and a gap below
    )

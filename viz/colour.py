"""Colour modes of the agents, colour maps and the palette of the venue.

A colour mode names the quantity agents are coloured by and the data it needs; a run directory
that lacks that data lists the mode as unavailable (greyed) instead of faking it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

import numpy as np

__all__ = [
    "PALETTE",
    "ColourMode",
    "ColourScale",
    "HeatmapMode",
    "categorical",
    "lut",
]

RGB = tuple[int, int, int]


class ColourMode(enum.Enum):
    """What the agents' colour shows."""

    SPEED = "speed"
    DENSITY = "density"
    FEAR = "fear"
    POPULATION = "population"
    OUTCOME = "outcome"

    @property
    def label(self) -> str:
        """Name shown in the legend."""
        return _MODE_LABELS[self]


_MODE_LABELS: Final = {
    ColourMode.SPEED: "speed",
    ColourMode.DENSITY: "local density",
    ColourMode.FEAR: "fear",
    ColourMode.POPULATION: "population",
    ColourMode.OUTCOME: "outcome",
}


class HeatmapMode(enum.Enum):
    """The overlay under the agents."""

    OFF = "off"
    DENSITY = "density"
    TIME_ABOVE = "above4"

    @property
    def label(self) -> str:
        """Name shown in the legend."""
        return {
            HeatmapMode.OFF: "off",
            HeatmapMode.DENSITY: "density",
            HeatmapMode.TIME_ABOVE: "time above 4 persons/m²",
        }[self]


@dataclass(frozen=True, slots=True)
class ColourScale:
    """A continuous colour scale: ``lo`` maps to the first LUT entry, ``hi`` to the last."""

    name: str
    lo: float
    hi: float
    unit: str

    def index(self, values: np.ndarray) -> np.ndarray:
        """LUT indices (uint8) of ``values``; NaN maps to 0."""
        span = self.hi - self.lo if self.hi > self.lo else 1.0
        x = (np.nan_to_num(values, nan=self.lo) - self.lo) * (255.0 / span)
        return np.clip(x, 0, 255).astype(np.uint8)


#: Anchors (position in [0, 1], RGB) of each colour map.
_MAPS: Final[dict[str, tuple[tuple[float, RGB], ...]]] = {
    # plasma-like: slow dark violet → fast yellow
    "speed": (
        (0.0, (40, 12, 140)),
        (0.35, (150, 20, 160)),
        (0.6, (225, 90, 100)),
        (0.8, (250, 160, 50)),
        (1.0, (245, 235, 40)),
    ),
    # level-of-service-like: free green → jammed dark red
    "density": (
        (0.0, (40, 150, 70)),
        (0.25, (150, 200, 60)),
        (0.45, (245, 215, 50)),
        (0.65, (245, 140, 40)),
        (0.85, (220, 40, 35)),
        (1.0, (120, 0, 30)),
    ),
    # calm blue → afraid red
    "fear": ((0.0, (55, 120, 200)), (0.5, (160, 80, 170)), (1.0, (225, 25, 35))),
    # heatmap: pale yellow → dark red
    "heat": (
        (0.0, (255, 250, 200)),
        (0.3, (253, 200, 90)),
        (0.6, (240, 100, 40)),
        (0.85, (190, 20, 40)),
        (1.0, (110, 0, 40)),
    ),
    # exposure time: light lilac → dark purple
    "time": ((0.0, (230, 215, 245)), (0.5, (150, 90, 200)), (1.0, (60, 0, 100))),
    # difference B − A: blue (fewer) → white → red (more)
    "diff": ((0.0, (30, 80, 190)), (0.5, (250, 250, 250)), (1.0, (200, 30, 30))),
}


def lut(name: str) -> np.ndarray:
    """The 256-entry colour map ``name`` as a ``(256, 3)`` uint8 array."""
    anchors = _MAPS[name]
    pos = np.array([a[0] for a in anchors])
    rgb = np.array([a[1] for a in anchors], dtype=np.float64)
    x = np.linspace(0.0, 1.0, 256)
    out = np.stack([np.interp(x, pos, rgb[:, c]) for c in range(3)], axis=1)
    return np.rint(out).astype(np.uint8)


#: Default scales of the continuous modes and overlays.
SCALES: Final = {
    ColourMode.SPEED: ColourScale("speed", 0.0, 2.0, "m/s"),
    ColourMode.DENSITY: ColourScale("density", 0.0, 6.0, "persons/m²"),
    ColourMode.FEAR: ColourScale("fear", 0.0, 1.0, ""),
}

#: Categorical colours (Tableau 10), for populations.
_CATEGORICAL: Final[tuple[RGB, ...]] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)  # fmt: skip


def categorical(k: int) -> RGB:
    """The k-th categorical colour (cycles after ten)."""
    return _CATEGORICAL[k % len(_CATEGORICAL)]


#: Outcome categories in legend order: (label, colour).
OUTCOMES: Final[tuple[tuple[str, RGB], ...]] = (
    ("evacuated", (44, 140, 200)),
    ("remaining", (240, 150, 30)),
    ("injured", (215, 30, 40)),
    ("other", (130, 130, 130)),
)


@dataclass(frozen=True, slots=True)
class _Palette:
    outside: RGB = (34, 38, 46)
    floor: RGB = (236, 232, 222)
    obstacle: RGB = (92, 98, 108)
    wall: RGB = (40, 44, 52)
    exit_open: RGB = (40, 160, 90)
    exit_closed: RGB = (210, 45, 45)
    barrier: RGB = (225, 135, 40)
    threat: RGB = (200, 0, 160)
    outline: RGB = (25, 25, 30)
    injured: RGB = (215, 0, 0)
    selected: RGB = (0, 200, 255)
    hud_bg: RGB = (20, 22, 28)
    hud_text: RGB = (235, 235, 235)
    hud_dim: RGB = (120, 124, 132)
    timeline: RGB = (70, 74, 82)
    playhead: RGB = (255, 255, 255)
    run_a: RGB = (40, 110, 210)
    run_b: RGB = (235, 120, 20)


PALETTE: Final = _Palette()

#: Colours of event markers on the timeline, by event kind.
EVENT_COLOURS: Final[dict[str, RGB]] = {
    "alarm": (250, 210, 40),
    "close_exit": PALETTE.exit_closed,
    "open_exit": PALETTE.exit_open,
    "add_barrier": PALETTE.barrier,
    "remove_barrier": PALETTE.barrier,
    "threat_start": PALETTE.threat,
    "threat_end": (150, 110, 150),
}

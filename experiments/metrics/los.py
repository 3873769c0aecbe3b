"""Fruin's level of service (LOS) for walkways, per cell and over time.

Fruin (1971, *Pedestrian Planning and Design*), walkway levels by density (persons/m², metric
conversion of the ft² table in ``validation-sources.md`` §6):

====  ===========================  =====================================
A     ≤ 0.31                        free choice of speed, no conflicts
B     0.31–0.43                     minor conflicts
C     0.43–0.72                     restricted speed, frequent conflicts
D     0.72–1.08                     most people's speed restricted
E     1.08–2.15                     shuffling, flow near capacity
F     > 2.15                        flow breaks down, frequent contact
====  ===========================  =====================================

Each cell's level is taken from the window-averaged grid density (:mod:`.density`). The map shows
the worst level each cell reached; the seconds per level are kept per cell too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .grid import Grid

__all__ = ["FRUIN_WALKWAY_PPM2", "LEVELS", "FruinAccumulator", "FruinMaps", "fruin_level"]

LEVELS = ("A", "B", "C", "D", "E", "F")
#: Upper density bound of levels A–E (persons/m²); above the last is F.
FRUIN_WALKWAY_PPM2 = (0.31, 0.43, 0.72, 1.08, 2.15)


def fruin_level(density_ppm2: np.ndarray | float) -> np.ndarray:
    """Walkway level index 0 (A) … 5 (F) of each density."""
    return np.searchsorted(np.asarray(FRUIN_WALKWAY_PPM2), np.asarray(density_ppm2), side="left")


@dataclass(frozen=True)
class FruinMaps:
    """Levels of service over a run.

    Attributes:
        grid: the cells. worst: (nx, ny) worst level index reached (0 = A … 5 = F; -1 = no one
            was ever in the cell). seconds: (6, nx, ny) seconds each cell spent at each level.
        area_series_m2: (6, w) area at each level in each window (m²).
        durations_s: (w,) duration of each window (s).
    """

    grid: Grid
    worst: np.ndarray
    seconds: np.ndarray
    area_series_m2: np.ndarray
    durations_s: np.ndarray

    def max_area_m2(self, level: str) -> float:
        """Largest area at ``level`` or worse at one time (m²)."""
        k = LEVELS.index(level)
        series = self.area_series_m2[k:].sum(axis=0)
        return float(series.max()) if series.size else 0.0

    def time_at_or_worse_s(self, level: str) -> float:
        """Time during which some cell was at ``level`` or worse (s)."""
        k = LEVELS.index(level)
        hit = self.area_series_m2[k:].sum(axis=0) > 0
        return float(self.durations_s[hit].sum())


@dataclass(eq=False)
class FruinAccumulator:
    """A :class:`~.density.WindowListener` classifying every window's densities."""

    grid: Grid
    result: FruinMaps | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._worst = np.full(self.grid.shape, -1, dtype=np.int64)
        self._seconds = np.zeros((len(LEVELS), *self.grid.shape))
        self._areas: list[np.ndarray] = []
        self._durations: list[float] = []

    def on_window(self, density: np.ndarray, *, t_start_s: float, duration_s: float) -> None:
        level = fruin_level(density)
        occupied = density > 0
        np.maximum(self._worst, np.where(occupied, level, -1), out=self._worst)
        counts = np.zeros(len(LEVELS))
        for k in range(len(LEVELS)):
            at = occupied & (level == k)
            self._seconds[k] += at * duration_s
            counts[k] = at.sum() * self.grid.cell_area_m2
        self._areas.append(counts)
        self._durations.append(duration_s)

    def finish(self) -> None:
        areas = np.array(self._areas).T if self._areas else np.zeros((len(LEVELS), 0))
        self.result = FruinMaps(
            grid=self.grid,
            worst=self._worst,
            seconds=self._seconds,
            area_series_m2=areas,
            durations_s=np.asarray(self._durations),
        )

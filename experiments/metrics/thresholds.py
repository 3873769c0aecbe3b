"""Time and area above density thresholds (2, 4 and 5 persons/m² by default).

Practice (G. K. Still; ``validation-sources.md`` §6): below 2 persons/m² a crowd moves freely, 2–3
is restricted, 4–5 is high risk when moving, above 5–6 individuals lose control (crushing). For
each threshold: how long any cell was above it, the largest area above it at one time, the
area-time integral (m²·s), and per cell the seconds spent above it. Densities are the window
averages of :mod:`.density`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .grid import Grid

__all__ = ["DEFAULT_THRESHOLDS", "Exceedance", "ThresholdAccumulator"]

DEFAULT_THRESHOLDS = (2.0, 4.0, 5.0)


@dataclass(frozen=True)
class Exceedance:
    """How much of the run a density threshold was exceeded.

    Attributes:
        threshold_ppm2: the threshold (persons/m²).
        time_s: time during which at least one cell was above it (s).
        max_area_m2: largest area above it at one time (m²).
        area_time_m2s: area above it integrated over time (m²·s).
        seconds: (nx, ny) seconds each cell spent above it.
        area_series_m2: (w,) area above it in each window.
    """

    threshold_ppm2: float
    time_s: float
    max_area_m2: float
    area_time_m2s: float
    seconds: np.ndarray
    area_series_m2: np.ndarray


@dataclass(eq=False)
class ThresholdAccumulator:
    """A :class:`~.density.WindowListener` measuring exceedance of each threshold."""

    grid: Grid
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS
    result: dict[float, Exceedance] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._seconds = {th: self.grid.zeros() for th in self.thresholds}
        self._time = dict.fromkeys(self.thresholds, 0.0)
        self._areas: dict[float, list[float]] = {th: [] for th in self.thresholds}

    def on_window(self, density: np.ndarray, *, t_start_s: float, duration_s: float) -> None:
        for th in self.thresholds:
            above = density > th
            self._seconds[th] += above * duration_s
            n = int(above.sum())
            self._areas[th].append(n * self.grid.cell_area_m2)
            if n:
                self._time[th] += duration_s

    def finish(self) -> None:
        for th in self.thresholds:
            areas = np.asarray(self._areas[th])
            self.result[th] = Exceedance(
                threshold_ppm2=float(th),
                time_s=float(self._time[th]),
                max_area_m2=float(areas.max()) if areas.size else 0.0,
                area_time_m2s=float(self._seconds[th].sum() * self.grid.cell_area_m2),
                seconds=self._seconds[th],
                area_series_m2=areas,
            )

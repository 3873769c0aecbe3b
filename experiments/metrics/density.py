"""Grid density: persons per m² in square cells (1 m² by default, the unit of Fruin's levels).

A single frame's count in a 1 m² cell jumps between 0 and 1 as one person walks through, so the
density used for maps, thresholds and levels of service is the count **averaged over a short
window** (1 s by default) of recorded frames, divided by the cell area. Cells cut by walls count
their whole area, as PedPy's classic density does, so the density along walls is on the low side.

Listeners (threshold exceedance, Fruin levels) receive each window's map as it is completed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .frames import Frame
from .grid import Grid

__all__ = [
    "DEFAULT_CELL_M",
    "DEFAULT_WINDOW_S",
    "DensityAccumulator",
    "DensityMaps",
    "WindowListener",
]

DEFAULT_CELL_M = 1.0
DEFAULT_WINDOW_S = 1.0


class WindowListener(Protocol):
    """Receives each completed window's density map."""

    def on_window(self, density: np.ndarray, *, t_start_s: float, duration_s: float) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class DensityMaps:
    """Density over a run.

    Attributes:
        grid: the cells. window_s: averaging window (s).
        mean: (nx, ny) density averaged over the whole run (persons/m²).
        peak: (nx, ny) largest window-averaged density (persons/m²).
        times_s: (w,) start of each window (s). max_series: (w,) largest cell density per window.
    """

    grid: Grid
    window_s: float
    mean: np.ndarray
    peak: np.ndarray
    times_s: np.ndarray
    max_series: np.ndarray

    @property
    def peak_ppm2(self) -> float:
        """Largest window-averaged density anywhere (persons/m²)."""
        return float(self.peak.max()) if self.peak.size else 0.0


@dataclass(eq=False)
class DensityAccumulator:
    """Accumulates :class:`DensityMaps` frame by frame.

    Args:
        grid: the cells. fps: recorded frames per second. window_s: averaging window (s).
        listeners: told about every completed window.
    """

    grid: Grid
    fps: float
    window_s: float = DEFAULT_WINDOW_S
    listeners: Sequence[WindowListener] = ()
    _total: np.ndarray = field(init=False, repr=False)
    _win: np.ndarray = field(init=False, repr=False)
    _peak: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._total = self.grid.zeros()
        self._win = self.grid.zeros()
        self._peak = self.grid.zeros()
        self._frames_per_window = max(1, round(self.window_s * self.fps))
        self._n_win = 0
        self._n_frames = 0
        self._win_start = 0.0
        self._times: list[float] = []
        self._max: list[float] = []
        self.result: DensityMaps | None = None

    def add(self, frame: Frame) -> None:
        counts = self.grid.counts(frame.pos)
        self._total += counts
        self._n_frames += 1
        if self._n_win == 0:
            self._win_start = frame.time_s
        self._win += counts
        self._n_win += 1
        if self._n_win == self._frames_per_window:
            self._close_window()

    def _close_window(self) -> None:
        dt = 1.0 / self.fps
        density = self._win / (self._n_win * self.grid.cell_area_m2)
        np.maximum(self._peak, density, out=self._peak)
        self._times.append(self._win_start)
        self._max.append(float(density.max()) if density.size else 0.0)
        for listener in self.listeners:
            listener.on_window(density, t_start_s=self._win_start, duration_s=self._n_win * dt)
        self._win[:] = 0.0
        self._n_win = 0

    def finish(self) -> None:
        if self._n_win:
            self._close_window()
        for listener in self.listeners:
            listener.finish()
        mean = self._total / (max(self._n_frames, 1) * self.grid.cell_area_m2)
        self.result = DensityMaps(
            grid=self.grid,
            window_s=self._frames_per_window / self.fps,
            mean=mean,
            peak=self._peak.copy(),
            times_s=np.asarray(self._times),
            max_series=np.asarray(self._max),
        )

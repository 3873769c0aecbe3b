"""Densities computed from recorded positions (persons/m²).

- :func:`local_density`: per agent, the number of agents (itself included) whose centres lie
  within ``radius_m`` (1 m) of its centre, divided by the disc's area ``π·radius_m²``. Simple and
  unbiased for a locally uniform crowd; it smooths over about 3 m².
- :class:`DensityGrid`: counts per square cell (1 m, anchored at the venue's lower-left bound,
  the same cells as the ``density`` block of ``summary.json``), and the time each cell spends above
  a threshold (4 persons/m²), accumulated over recorded frames like the summary's
  ``above_4_per_m2``: a frame whose cell density exceeds the threshold adds ``1/fps`` seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Final

import numpy as np

__all__ = ["DensityGrid", "local_density"]

#: Cell size of the density grid (m), as in summary.json.
CELL_M: Final = 1.0
#: Threshold of the time-above overlay (persons/m²).
THRESHOLD_PER_M2: Final = 4.0
#: Largest number of (frame × cell) values kept for the time-above overlay (float32).
_TIME_ABOVE_BUDGET: Final = 16_000_000


def local_density(pos: np.ndarray, *, radius_m: float = 1.0) -> np.ndarray:
    """Density around each agent (persons/m²): agents within ``radius_m`` / (π·radius_m²).

    Exact neighbour counts in O(n) for a crowd of bounded density: agents are sorted into square
    cells of side ``radius_m``, and each agent is compared with the agents of its cell and of the
    eight cells around it, all pairs at once with numpy.

    Args:
        pos: positions ``(n, 2)`` in metres.
        radius_m: radius of the counting disc (m).

    Returns:
        float64 ``(n,)``; each agent counts itself, so a lone agent has ``1/(π·r²)``.
    """
    pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
    n = pos.shape[0]
    if n == 0:
        return np.zeros(0)
    cell = np.floor((pos - pos.min(axis=0)) / radius_m).astype(np.int64) + 1  # a border of cells
    rows = int(cell[:, 1].max()) + 2
    key = cell[:, 0] * rows + cell[:, 1]
    order = np.argsort(key, kind="stable")
    key, spos = key[order], pos[order]
    n_cells = (int(cell[:, 0].max()) + 2) * rows
    counts = np.bincount(key, minlength=n_cells)
    first = np.cumsum(counts) - counts
    found = np.zeros(n)
    agent = np.arange(n)
    r2 = radius_m * radius_m
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            near = key + dx * rows + dy
            c = counts[near]
            total = int(c.sum())
            if total == 0:
                continue
            i = np.repeat(agent, c)
            j = np.repeat(first[near] - (np.cumsum(c) - c), c) + np.arange(total)
            dx2 = np.square(spos[i, 0] - spos[j, 0])
            dx2 += np.square(spos[i, 1] - spos[j, 1])
            found += np.bincount(i[dx2 <= r2], minlength=n)
    out = np.empty(n)
    out[order] = found / (math.pi * r2)
    return out


class DensityGrid:
    """Square cells over the venue's bounds.

    Args:
        bounds: ``(xmin, ymin, xmax, ymax)`` in metres.
        cell_m: cell side (m).

    Attributes:
        nx, ny: number of cells along x and y; cell ``(i, j)`` spans
            ``[xmin + i·cell, xmin + (i+1)·cell) × [ymin + j·cell, …)``.
    """

    def __init__(self, bounds: tuple[float, float, float, float], *, cell_m: float = CELL_M):
        xmin, ymin, xmax, ymax = bounds
        self.cell_m = float(cell_m)
        self.x0, self.y0 = float(xmin), float(ymin)
        self.nx = max(1, math.ceil((xmax - xmin) / cell_m - 1e-9))
        self.ny = max(1, math.ceil((ymax - ymin) / cell_m - 1e-9))
        self._time_above: np.ndarray | None = None  # (checkpoints, nx, ny) seconds
        self._stride = 1

    @property
    def world_rect(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` covered by the cells (m)."""
        return (
            self.x0,
            self.y0,
            self.x0 + self.nx * self.cell_m,
            self.y0 + self.ny * self.cell_m,
        )

    def cell_index(self, pos: np.ndarray) -> np.ndarray:
        """Flat cell index ``i·ny + j`` of each position; −1 outside the grid."""
        pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
        i = np.floor((pos[:, 0] - self.x0) / self.cell_m).astype(np.int64)
        j = np.floor((pos[:, 1] - self.y0) / self.cell_m).astype(np.int64)
        inside = (i >= 0) & (i < self.nx) & (j >= 0) & (j < self.ny)
        return np.where(inside, i * self.ny + j, -1)

    def density(self, pos: np.ndarray) -> np.ndarray:
        """Persons per m² in each cell, float64 ``(nx, ny)``."""
        idx = self.cell_index(pos)
        counts = np.bincount(idx[idx >= 0], minlength=self.nx * self.ny)
        return counts.reshape(self.nx, self.ny) / self.cell_m**2

    # -- time above a threshold ------------------------------------------------------------

    @property
    def has_time_above(self) -> bool:
        """Whether :meth:`compute_time_above` has run."""
        return self._time_above is not None

    def compute_time_above(
        self,
        frames: Iterable[tuple[int, np.ndarray]],
        *,
        n_frames: int,
        fps: float,
        threshold_per_m2: float = THRESHOLD_PER_M2,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        """Accumulate, frame by frame, the seconds each cell spends above the threshold.

        Args:
            frames: ``(frame, positions)`` for frames 0, 1, … in order (frames without agents
                may be skipped).
            n_frames: number of recorded frames.
            fps: recorded frames per second (each frame above the threshold adds ``1/fps``).
            threshold_per_m2: the density threshold (strictly above counts).
            progress: called with the fraction done.

        Long runs on big grids keep one snapshot every ``stride`` frames (so memory stays under
        about 64 MB); :meth:`time_above` then answers for the last snapshot at or before the frame.
        """
        cells = self.nx * self.ny
        stride = max(1, math.ceil(n_frames * cells / _TIME_ABOVE_BUDGET))
        out = np.zeros((math.ceil(n_frames / stride), self.nx, self.ny), dtype=np.float32)
        acc = np.zeros((self.nx, self.ny))
        dt = 1.0 / fps
        done = -1
        for frame, pos in frames:
            for f in range(done + 1, frame):  # frames without agents add nothing
                if f % stride == 0:
                    out[f // stride] = acc
            acc += (self.density(pos) > threshold_per_m2) * dt
            if frame % stride == 0:
                out[frame // stride] = acc
            done = frame
            if progress is not None and frame % 50 == 0:
                progress(frame / max(n_frames, 1))
        for f in range(done + 1, n_frames):
            if f % stride == 0:
                out[f // stride] = acc
        self._time_above = out
        self._stride = stride

    def time_above(self, frame: int) -> np.ndarray:
        """Seconds above the threshold in each cell up to and including ``frame``, ``(nx, ny)``."""
        if self._time_above is None:
            raise RuntimeError("call compute_time_above first")
        k = min(max(frame, 0) // self._stride, self._time_above.shape[0] - 1)
        return self._time_above[k]

    def time_above_max(self) -> float:
        """Largest accumulated time of any cell at the end of the run (s)."""
        if self._time_above is None:
            raise RuntimeError("call compute_time_above first")
        return float(self._time_above[-1].max()) if self._time_above.size else 0.0

"""The measurement grid: square cells on a lattice aligned to multiples of the cell size.

Aligning the lattice (origin at ``floor(xmin / cell) · cell``) makes the grids of two runs of
different layouts sub-grids of one lattice, so their maps can be averaged and subtracted cell by
cell (:meth:`Grid.union`, :meth:`Grid.embed`). Arrays are indexed ``[ix, iy]`` (x first); plot
them with ``imshow(a.T, origin="lower", extent=grid.extent)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["Grid"]


@dataclass(frozen=True)
class Grid:
    """A lattice of square cells.

    Attributes:
        x0, y0: lower-left corner (m), multiples of ``cell_m``.
        cell_m: cell side (m).
        nx, ny: number of cells along x and y.
    """

    x0: float
    y0: float
    cell_m: float
    nx: int
    ny: int

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], *, cell_m: float) -> Grid:
        """The aligned grid covering ``(xmin, ymin, xmax, ymax)``."""
        xmin, ymin, xmax, ymax = bounds
        ix0 = math.floor(xmin / cell_m + 1e-9)
        iy0 = math.floor(ymin / cell_m + 1e-9)
        nx = max(1, math.ceil(xmax / cell_m - 1e-9) - ix0)
        ny = max(1, math.ceil(ymax / cell_m - 1e-9) - iy0)
        return cls(ix0 * cell_m, iy0 * cell_m, float(cell_m), nx, ny)

    @property
    def shape(self) -> tuple[int, int]:
        """``(nx, ny)``."""
        return (self.nx, self.ny)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell (m²)."""
        return self.cell_m**2

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` for matplotlib's ``imshow``."""
        return (
            self.x0,
            self.x0 + self.nx * self.cell_m,
            self.y0,
            self.y0 + self.ny * self.cell_m,
        )

    def zeros(self) -> np.ndarray:
        """A float64 array of the grid's shape."""
        return np.zeros(self.shape)

    def cell_of(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cell indices ``(ix, iy)`` of (n, 2) positions and a mask of those inside the grid."""
        ix = np.floor((pos[:, 0] - self.x0) / self.cell_m).astype(np.int64)
        iy = np.floor((pos[:, 1] - self.y0) / self.cell_m).astype(np.int64)
        ok = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        return ix, iy, ok

    def counts(self, pos: np.ndarray) -> np.ndarray:
        """Number of positions in each cell."""
        ix, iy, ok = self.cell_of(pos)
        flat = np.bincount(ix[ok] * self.ny + iy[ok], minlength=self.nx * self.ny)
        return flat.reshape(self.shape).astype(np.float64)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates along x (nx,) and y (ny,)."""
        xs = self.x0 + (np.arange(self.nx) + 0.5) * self.cell_m
        ys = self.y0 + (np.arange(self.ny) + 0.5) * self.cell_m
        return xs, ys

    def coverage(self, area: BaseGeometry) -> np.ndarray:
        """Fraction of each cell covered by ``area`` (0…1)."""
        xs = self.x0 + np.arange(self.nx) * self.cell_m
        ys = self.y0 + np.arange(self.ny) * self.cell_m
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        boxes = shapely.box(gx, gy, gx + self.cell_m, gy + self.cell_m)
        shapely.prepare(area)
        return shapely.area(shapely.intersection(boxes, area)) / self.cell_area_m2

    def union(self, other: Grid) -> Grid:
        """The smallest grid of the same lattice holding both."""
        if abs(self.cell_m - other.cell_m) > 1e-12:
            raise ValueError("grids of different cell sizes cannot be combined")
        x1 = max(self.extent[1], other.extent[1])
        y1 = max(self.extent[3], other.extent[3])
        return Grid.covering(
            (min(self.x0, other.x0), min(self.y0, other.y0), x1, y1), cell_m=self.cell_m
        )

    def embed(self, values: np.ndarray, into: Grid, *, fill: float = np.nan) -> np.ndarray:
        """Place a map of this grid into the larger grid ``into`` (same lattice)."""
        out = np.full(into.shape, fill, dtype=np.float64)
        ox = round((self.x0 - into.x0) / self.cell_m)
        oy = round((self.y0 - into.y0) / self.cell_m)
        if ox < 0 or oy < 0 or ox + self.nx > into.nx or oy + self.ny > into.ny:
            raise ValueError("the target grid does not contain this grid")
        out[ox : ox + self.nx, oy : oy + self.ny] = values
        return out

    def as_dict(self) -> dict[str, float | int]:
        """Plain values (for JSON)."""
        return {"x0": self.x0, "y0": self.y0, "cell_m": self.cell_m, "nx": self.nx, "ny": self.ny}

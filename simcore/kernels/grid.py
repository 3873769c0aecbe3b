"""Uniform cell grid (cell lists) for O(N) neighbour search.

The classic linked-cell method (Allen & Tildesley, *Computer Simulation of Liquids*, 2nd ed. 2017,
§5.3.2), stored as a counting sort: agents of cell ``c`` are
``order[start[c]:start[c + 1]]``, in increasing agent index, so every neighbour loop visits
neighbours in a fixed order whatever the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def cell_of(x: float, y: float, x0: float, y0: float, inv_cell: float, nx: int, ny: int) -> int:
    """Flat index of the cell holding point (x, y), clamped to the grid."""
    cx = int((x - x0) * inv_cell)
    cy = int((y - y0) * inv_cell)
    cx = min(max(cx, 0), nx - 1)
    cy = min(max(cy, 0), ny - 1)
    return cy * nx + cx


@njit(cache=True, nogil=True)
def build_cell_list(
    pos: np.ndarray,
    active: np.ndarray,
    x0: float,
    y0: float,
    inv_cell: float,
    nx: int,
    ny: int,
    agent_cell: np.ndarray,
    start: np.ndarray,
    order: np.ndarray,
) -> int:
    """Sort active agents into cells (counting sort, stable in agent index).

    Args:
        pos: (N, 2) float64 positions in metres.
        active: (N,) bool, inactive agents are left out.
        x0, y0: lower-left corner of the grid (m); inv_cell: 1 / cell size (1/m).
        nx, ny: number of cells along x and y.
        agent_cell: (N,) int64 out, the cell of each agent (-1 when inactive).
        start: (nx * ny + 1,) int64 out, prefix offsets into ``order``.
        order: (N,) int64 out, agent indices grouped by cell.

    Returns:
        Number of active agents sorted.
    """
    n = pos.shape[0]
    ncell = nx * ny
    start[:] = 0
    for i in range(n):
        if active[i]:
            c = cell_of(pos[i, 0], pos[i, 1], x0, y0, inv_cell, nx, ny)
            agent_cell[i] = c
            start[c + 1] += 1
        else:
            agent_cell[i] = -1
    for c in range(ncell):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    for i in range(n):
        c = agent_cell[i]
        if c >= 0:
            order[fill[c]] = i
            fill[c] += 1
    return start[ncell]

"""Random sequential addition (RSA) of discs: the overlap test of agent placement.

Used by :func:`scenarios.place_population`, which draws the candidate points, tests them against
the geometry and calls these kernels for the pairwise test. The pairwise test uses a uniform cell
grid stored as linked lists (``head[cell]`` → first disc, ``nxt[disc]`` → next disc in the same
cell, -1 ends a list), so one candidate costs O(1) instead of O(placed).

Arrays: positions float64 ``(M, 2)`` in metres, radii float64 ``(M,)`` in metres, grid arrays
int64. Cell ``(cx, cy)`` has index ``cx * ny + cy`` and covers
``[x0 + cx·cell, x0 + (cx+1)·cell) × [y0 + cy·cell, …)``. The cell size must be at least the
largest interaction distance ``2·max(radius) + spacing``, so only the 3×3 neighbouring cells need
to be searched.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["grid_insert", "rsa_scan"]


@njit(cache=True)
def grid_insert(
    pos: np.ndarray,
    start: int,
    stop: int,
    head: np.ndarray,
    nxt: np.ndarray,
    x0: float,
    y0: float,
    cell: float,
    nx: int,
    ny: int,
) -> None:
    """Insert discs ``start..stop-1`` of ``pos`` into the grid; discs outside it are skipped.

    Args:
        pos: float64 (M, 2) disc centres (m).
        start: first disc to insert.
        stop: one past the last disc to insert.
        head: int64 (nx·ny,) first disc of each cell, -1 if empty (updated in place).
        nxt: int64 (M,) next disc in the same cell (updated in place).
        x0: x of the grid's lower-left corner (m).
        y0: y of the grid's lower-left corner (m).
        cell: cell size (m).
        nx: number of cells along x.
        ny: number of cells along y.
    """
    for i in range(start, stop):
        fx = (pos[i, 0] - x0) / cell
        fy = (pos[i, 1] - y0) / cell
        if fx < 0.0 or fy < 0.0 or fx >= nx or fy >= ny:
            continue
        c = int(fx) * ny + int(fy)
        nxt[i] = head[c]
        head[c] = i


@njit(cache=True)
def rsa_scan(
    candidates: np.ndarray,
    clearance: np.ndarray,
    pos: np.ndarray,
    radius: np.ndarray,
    k: int,
    stop: int,
    spacing: float,
    head: np.ndarray,
    nxt: np.ndarray,
    x0: float,
    y0: float,
    cell: float,
    nx: int,
    ny: int,
) -> int:
    """Scan candidate points in order and accept each that fits; return the new disc count.

    Candidate ``j`` is accepted as disc ``k`` (the next free row) when
    ``clearance[j] >= radius[k] + spacing`` (it lies in the region eroded by the disc plus the
    gap) and its distance to every disc already in the grid is ``>= radius[i] + radius[k] +
    spacing``. Accepted discs are written to ``pos[k]`` and inserted into the grid. The scan stops
    when ``k`` reaches ``stop``; the remaining candidates are ignored.

    Args:
        candidates: float64 (B, 2) candidate centres (m), in draw order.
        clearance: float64 (B,) distance of each candidate to the region's boundary (m); negative
            or -inf for candidates outside the region.
        pos: float64 (M, 2) disc centres; rows ``< k`` are placed, rows ``k..stop-1`` are written.
        radius: float64 (M,) disc radii (m), all rows known in advance.
        k: number of rows of ``pos`` already placed (fixed discs included).
        stop: row count at which placement is complete.
        spacing: extra gap between discs and between discs and the boundary (m).
        head: int64 grid heads (see :func:`grid_insert`).
        nxt: int64 grid links (M,).
        x0: x of the grid's lower-left corner (m).
        y0: y of the grid's lower-left corner (m).
        cell: cell size (m), ≥ 2·max(radius) + spacing.
        nx: number of cells along x.
        ny: number of cells along y.

    Returns:
        The number of placed rows after the scan (``k`` plus the accepted candidates).
    """
    for j in range(candidates.shape[0]):
        if k >= stop:
            break
        r = radius[k]
        if not clearance[j] >= r + spacing:
            continue
        x = candidates[j, 0]
        y = candidates[j, 1]
        fx = (x - x0) / cell
        fy = (y - y0) / cell
        if fx < 0.0 or fy < 0.0 or fx >= nx or fy >= ny:
            continue  # the caller sizes the grid to cover every candidate; never taken
        cx = int(fx)
        cy = int(fy)
        ok = True
        for gx in range(max(cx - 1, 0), min(cx + 2, nx)):
            for gy in range(max(cy - 1, 0), min(cy + 2, ny)):
                i = head[gx * ny + gy]
                while i >= 0:
                    dx = x - pos[i, 0]
                    dy = y - pos[i, 1]
                    if math.sqrt(dx * dx + dy * dy) < r + radius[i] + spacing:
                        ok = False
                        break
                    i = nxt[i]
                if not ok:
                    break
            if not ok:
                break
        if ok:
            pos[k, 0] = x
            pos[k, 1] = y
            c = cx * ny + cy
            nxt[k] = head[c]
            head[c] = k
            k += 1
    return k

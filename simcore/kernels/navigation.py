"""Desired direction from precomputed floor fields.

Each exit has a unit direction field sampled on a regular grid (the normalised negative gradient of
the travel-time field to that exit, see :mod:`simcore.navigation`). The desired direction
e_i^0 of an agent is the bilinear interpolation of its exit's field at its position, normalised
(Kretz 2009, "Pedestrian traffic: on the quickest path", J. Stat. Mech. P03012, §2).
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, nogil=True)
def desired_direction(
    x: float, y: float, field, e: int, x0: float, y0: float, inv_h: float
) -> tuple[float, float]:
    """Unit desired direction at (x, y) from ``field[e]``, or (0, 0) where the field vanishes.

    Args:
        field: (E, ny, nx, 2) float32 unit vectors on nodes x0 + i·h, y0 + j·h.
        e: exit index; x0, y0: grid origin (m); inv_h: 1 / grid spacing (1/m).
    """
    ny = field.shape[1]
    nx = field.shape[2]
    fx = (x - x0) * inv_h
    fy = (y - y0) * inv_h
    i = int(math.floor(fx))
    j = int(math.floor(fy))
    i = min(max(i, 0), nx - 2)
    j = min(max(j, 0), ny - 2)
    ax = min(max(fx - i, 0.0), 1.0)
    ay = min(max(fy - j, 0.0), 1.0)
    w00 = (1.0 - ax) * (1.0 - ay)
    w10 = ax * (1.0 - ay)
    w01 = (1.0 - ax) * ay
    w11 = ax * ay
    gx = (
        w00 * field[e, j, i, 0]
        + w10 * field[e, j, i + 1, 0]
        + w01 * field[e, j + 1, i, 0]
        + w11 * field[e, j + 1, i + 1, 0]
    )
    gy = (
        w00 * field[e, j, i, 1]
        + w10 * field[e, j, i + 1, 1]
        + w01 * field[e, j + 1, i, 1]
        + w11 * field[e, j + 1, i + 1, 1]
    )
    norm = math.sqrt(gx * gx + gy * gy)
    if norm < 1e-9:
        return 0.0, 0.0
    return gx / norm, gy / norm


@njit(cache=True, nogil=True)
def travel_time(x: float, y: float, travel, e: int, x0: float, y0: float, inv_h: float) -> float:
    """Travel time (m) to exit ``e`` at (x, y) from ``travel`` (E, ny, nx) float32.

    Bilinear over the finite corners (weights renormalised), inf when none is finite — the same
    rule as :meth:`simcore.navigation.NavigationFields.travel_at`.
    """
    ny = travel.shape[1]
    nx = travel.shape[2]
    fx = (x - x0) * inv_h
    fy = (y - y0) * inv_h
    i = min(max(int(math.floor(fx)), 0), nx - 2)
    j = min(max(int(math.floor(fy)), 0), ny - 2)
    ax = min(max(fx - i, 0.0), 1.0)
    ay = min(max(fy - j, 0.0), 1.0)
    num = 0.0
    den = 0.0
    for dj in range(2):
        for di in range(2):
            v = travel[e, j + dj, i + di]
            if math.isfinite(v):
                w = (ax if di else 1.0 - ax) * (ay if dj else 1.0 - ay)
                num += w * v
                den += w
    if den <= 1e-12:
        return math.inf
    return num / den

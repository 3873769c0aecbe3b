"""Benchmark venues built in code.

``room4`` is the scaling benchmark: a square room [0, L]² with L = √(2N) (so 0.5 m² per agent),
four openings of width w = max(2, L/10) m centred on the walls in the order S, E, N, W, each
leading into a w × 1 m vestibule outside the wall; the vestibules are walkable and are the exit
areas (ids ``"S"``, ``"E"``, ``"N"``, ``"W"``, exit index 0–3 in that order). Agents of radius
0.2 m are placed by :func:`scenarios.place_population` in the square with spacing 0.1 m from
``numpy.random.default_rng(seed)``; with seed 42 their positions and nearest-opening exit indices
hash to the checksums in ``tests/test_placement.py``. Per-agent exit assignment is not part of the
scenario format, so the benchmark assigns exits itself (:func:`room4_exit_indices`).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import box

from .models import Scenario
from .placement import place_population

__all__ = ["room4", "room4_exit_indices", "room4_side_m"]

_RADIUS_M = 0.2
_SPACING_M = 0.1


def room4_side_m(n: int) -> float:
    """Side L = √(2n) of the room4 square (m)."""
    return math.sqrt(2.0 * n)


def _openings(side: float) -> tuple[float, list[tuple[float, float]]]:
    w = max(2.0, side / 10.0)
    return w, [(side / 2, 0.0), (side, side / 2), (side / 2, side), (0.0, side / 2)]


def room4_exit_indices(positions: ArrayLike, *, n: int) -> np.ndarray:
    """Index of the nearest opening centre (S=0, E=1, N=2, W=3; ties to the lowest index).

    Args:
        positions: (N, 2) agent centres (m).
        n: the room4 size parameter (number of agents the room was built for).

    Returns:
        int64 (N,) exit indices.
    """
    side = room4_side_m(n)
    _, centres = _openings(side)
    xy = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    d = np.linalg.norm(xy[:, None, :] - np.asarray(centres)[None], axis=2)
    return np.argmin(d, axis=1).astype(np.int64)


def room4(n: int, *, seed: int = 42) -> Scenario:
    """The room4 benchmark scenario with ``n`` agents at explicit positions.

    Args:
        n: number of agents (≥ 1).
        seed: seed of the placement generator (42 for the published checksums); also stored as the
            scenario's seed.

    Returns:
        A validated scenario: one population ``"crowd"`` (radius 0.2 m, desired speed 1.34 m/s),
        dt 0.01 s, duration 20 s, exits S, E, N, W.
    """
    if n < 1:
        raise ValueError(f"n must be ≥ 1, got {n}")
    side = room4_side_m(n)
    w, (s, e, nn, ww) = _openings(side)
    h = w / 2.0
    room = box(0.0, 0.0, side, side)
    vestibules = [
        box(s[0] - h, -1.0, s[0] + h, 0.0),
        box(side, e[1] - h, side + 1.0, e[1] + h),
        box(nn[0] - h, side, nn[0] + h, side + 1.0),
        box(-1.0, ww[1] - h, 0.0, ww[1] + h),
    ]
    positions = place_population(
        room, count=n, radii=_RADIUS_M, spacing_m=_SPACING_M, rng=np.random.default_rng(seed)
    )
    walkable = shapely.union_all([room, *vestibules]).normalize()

    def wkt(g: shapely.Geometry) -> str:
        return shapely.to_wkt(g, rounding_precision=-1)

    return Scenario.model_validate(
        {
            "schema_version": 1,
            "name": f"room4 ({n} agents)",
            "description": "Scaling benchmark: square room, four openings with vestibules.",
            "duration_s": 20.0,
            "dt_s": 0.01,
            "record_fps": 10,
            "seed": seed,
            "geometry": {"walkable": wkt(walkable)},
            "exits": [
                {"id": name, "area": wkt(v)}
                for name, v in zip(("S", "E", "N", "W"), vestibules, strict=True)
            ],
            "populations": [
                {
                    "id": "crowd",
                    "positions": positions.tolist(),
                    "radius_m": _RADIUS_M,
                    "desired_speed_mps": 1.34,
                }
            ],
        }
    )

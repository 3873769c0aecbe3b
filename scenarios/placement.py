"""Agent placement: random sequential addition without overlap, and per-agent draws.

The placement rule (:func:`place_population`) is part of the benchmark contract ("room4"
checksums in the tests), so it is specified exactly:

1. The region is the spawn ``area`` intersected with ``obstacles_free_area`` (if given).
2. ``d = min(radii) + spacing_m`` (rounded to 12 significant digits). Candidates are drawn in
   batches of :data:`BATCH` points, ``rng.uniform(low, high, size=(BATCH, 2))``, where
   ``low``/``high`` are the bounds of the region eroded by ``d``. (Each bound is the tighter of
   GEOS's eroded bounds and the region's bounds moved in by ``d``; the true eroded bounds are
   never looser, so this only removes rounding noise: for the square [0, L]² with radius 0.2 m
   and spacing 0.1 m the draw is exactly ``rng.uniform(0.3, L - 0.3, size=(4096, 2))``.)
3. Each batch is scanned in order. A candidate becomes agent ``k`` if it lies inside the region at
   a distance of at least ``radii[k] + spacing_m`` from the region's boundary (that is, inside the
   region eroded by the agent's disc plus the gap; 1e-9 m tolerance for rounding), and its
   distance to every agent already placed (including ``occupied`` agents of other populations)
   is at least ``r_i + r_k + spacing_m``. Placement stops at ``count`` agents; the rest of that
   batch is discarded.
4. It gives up after ``patience`` consecutive batches without a new agent, or after
   ``max_batches`` batches, and reports how many fitted.

The distance test uses a cell grid (``simcore.kernels.placement``), so placing N agents costs
O(N) and 50,000 agents take well under a second.

:func:`spawn_agents` turns a whole scenario into per-agent arrays with a documented, deterministic
order of random draws (see its docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

from simcore.errors import GeometryError
from simcore.kernels.placement import grid_insert, rsa_scan

from .distributions import sample
from .geometry import parse_wkt, polygonal_parts
from .models import Scenario

__all__ = [
    "BATCH",
    "PlacementResult",
    "SpawnedAgents",
    "place_population",
    "spawn_agents",
    "try_place_population",
]

#: Candidates drawn per batch (part of the placement contract).
BATCH: Final = 4096
#: Default number of consecutive batches without a new agent before giving up.
PATIENCE: Final = 50
#: Wall-clearance tolerance (m): absorbs floating-point noise in radius + spacing and in GEOS
#: distances; far below any physical length.
_CLEARANCE_TOL: Final = 1e-9
#: Most grid cells allocated; a larger region gets coarser cells (still exact, only slower).
_MAX_CELLS: Final = 20_000_000


@dataclass(frozen=True)
class PlacementResult:
    """Outcome of :func:`try_place_population`.

    Attributes:
        positions: float64 (placed, 2) agent centres in placement order (m).
        requested: number of agents asked for.
        batches: candidate batches drawn.
        usable_area_m2: area of the region eroded by the smallest radius plus spacing (m²): where
            centres can go.
    """

    positions: np.ndarray
    requested: int
    batches: int
    usable_area_m2: float

    @property
    def placed(self) -> int:
        """Number of agents placed."""
        return int(self.positions.shape[0])

    @property
    def complete(self) -> bool:
        """True if every requested agent was placed."""
        return self.placed == self.requested


def _as_geometry(area: BaseGeometry | str) -> BaseGeometry:
    return parse_wkt(area) if isinstance(area, str) else area


def _segments_tree(region: BaseGeometry) -> shapely.STRtree:
    """STRtree over the boundary segments of a polygonal region (for clearance queries)."""
    segs = []
    for poly in polygonal_parts(region):
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)
            segs.append(np.stack([c[:-1], c[1:]], axis=1))
    return shapely.STRtree(shapely.linestrings(np.concatenate(segs)))


def try_place_population(
    area: BaseGeometry | str,
    *,
    count: int,
    radii: ArrayLike | float,
    spacing_m: float,
    rng: np.random.Generator,
    obstacles_free_area: BaseGeometry | None = None,
    occupied_xy: ArrayLike | None = None,
    occupied_radii: ArrayLike | None = None,
    max_batches: int | None = None,
    patience: int = PATIENCE,
) -> PlacementResult:
    """Place up to ``count`` non-overlapping discs; never raises for lack of room.

    Same rule and arguments as :func:`place_population`, which raises instead when not every
    agent fits. Use this one to find out how many fit.

    Returns:
        The placement, possibly with fewer than ``count`` agents.
    """
    count = int(count)
    if count < 0:
        raise ValueError(f"count must be ≥ 0, got {count}")
    r = np.ascontiguousarray(np.broadcast_to(np.asarray(radii, dtype=np.float64), (count,)))
    if count and (not np.all(np.isfinite(r)) or r.min() <= 0.0):
        raise ValueError("radii must be finite and positive")
    if not (math.isfinite(spacing_m) and spacing_m >= 0.0):
        raise ValueError(f"spacing_m must be finite and ≥ 0, got {spacing_m}")
    if occupied_xy is None:
        occ = np.empty((0, 2), dtype=np.float64)
        occ_r = np.empty(0, dtype=np.float64)
    else:
        occ = np.asarray(occupied_xy, dtype=np.float64).reshape(-1, 2)
        occ_r = np.broadcast_to(np.asarray(occupied_radii, dtype=np.float64), (occ.shape[0],))
    empty = PlacementResult(np.empty((0, 2), dtype=np.float64), count, 0, 0.0)
    if count == 0:
        return empty

    region = _as_geometry(area)
    if obstacles_free_area is not None:
        region = region.intersection(obstacles_free_area)
    region = shapely.union_all(polygonal_parts(region))
    if region.is_empty:
        return empty
    # Rounded to 12 significant digits: drops the noise of binary addition (0.2 + 0.1 is
    # 0.30000000000000004), so the bounds are the decimal values a person would compute.
    d = float(f"{float(r.min()) + spacing_m:.12g}")
    eroded = region.buffer(-d)
    if eroded.is_empty:
        return empty
    eb, rb = eroded.bounds, region.bounds
    low = np.array([max(eb[0], rb[0] + d), max(eb[1], rb[1] + d)])
    high = np.array([min(eb[2], rb[2] - d), min(eb[3], rb[3] - d)])
    if np.any(high <= low):
        return PlacementResult(empty.positions, count, 0, float(eroded.area))

    r_max = float(r.max())
    shapely.prepare(region)
    # Candidates deep inside skip the exact distance query. The margin covers the chord error of
    # the buffer's arc approximation (under 0.5 % of the distance with 8 segments per quadrant).
    inner = region.buffer(-((r_max + spacing_m) * 1.02 + 1e-3))
    shapely.prepare(inner)
    tree = _segments_tree(region)

    # Grid: cell ≥ largest interaction distance; covers the candidates' box plus one cell.
    occ_reach = float(occ_r.max()) if occ_r.size else 0.0
    cell = max(2.0 * r_max, r_max + occ_reach) + spacing_m
    span = high - low
    while (math.ceil(span[0] / cell) + 3) * (math.ceil(span[1] / cell) + 3) > _MAX_CELLS:
        cell *= 2.0
    x0, y0 = low[0] - cell, low[1] - cell
    nx = math.ceil(span[0] / cell) + 3
    ny = math.ceil(span[1] / cell) + 3

    m = occ.shape[0]
    pos = np.empty((m + count, 2), dtype=np.float64)
    pos[:m] = occ
    rad = np.concatenate([occ_r, r])
    head = np.full(nx * ny, -1, dtype=np.int64)
    nxt = np.full(m + count, -1, dtype=np.int64)
    grid_insert(pos, 0, m, head, nxt, x0, y0, cell, nx, ny)

    if max_batches is None:
        max_batches = 100 + 100 * math.ceil(count / BATCH)
    k, batches, idle = m, 0, 0
    while k < m + count and batches < max_batches and idle < patience:
        cand = rng.uniform(low, high, size=(BATCH, 2))
        batches += 1
        x, y = cand[:, 0], cand[:, 1]
        inside = shapely.contains_xy(region, x, y)
        deep = shapely.contains_xy(inner, x, y)
        clearance = np.where(deep, np.inf, -np.inf)
        near = np.flatnonzero(inside & ~deep)
        if near.size:
            _, dist = tree.query_nearest(
                shapely.points(cand[near]), return_distance=True, all_matches=False
            )
            clearance[near] = dist + _CLEARANCE_TOL
        before = k
        k = rsa_scan(
            cand, clearance, pos, rad, k, m + count, spacing_m, head, nxt, x0, y0, cell, nx, ny
        )
        idle = 0 if k > before else idle + 1
    return PlacementResult(pos[m:k].copy(), count, batches, float(eroded.area))


def place_population(
    area: BaseGeometry | str,
    *,
    count: int,
    radii: ArrayLike | float,
    spacing_m: float,
    rng: np.random.Generator,
    obstacles_free_area: BaseGeometry | None = None,
    occupied_xy: ArrayLike | None = None,
    occupied_radii: ArrayLike | None = None,
    max_batches: int | None = None,
    patience: int = PATIENCE,
) -> np.ndarray:
    """Place ``count`` agents at random in ``area`` without overlap (random sequential addition).

    See the module docstring for the exact rule (it reproduces the "room4" benchmark).

    Args:
        area: spawn region (shapely polygon/multipolygon or WKT).
        count: number of agents.
        radii: one radius per agent in placement order (m), or one number for all; draw them
            before calling (the radii do not consume random numbers here).
        spacing_m: extra gap between agents and between agents and the region's boundary (m).
        rng: generator for the candidate points.
        obstacles_free_area: the free floor (walkable area minus obstacles); agents are kept
            inside ``area ∩ obstacles_free_area``.
        occupied_xy: (M, 2) centres of agents already present (other populations) to avoid.
        occupied_radii: their radii (M,) or one number.
        max_batches: give up after this many batches (default ``100 + 100·⌈count/4096⌉``).
        patience: give up after this many consecutive batches without a new agent.

    Returns:
        float64 array (count, 2) of centres (m), C-contiguous, in placement order.

    Raises:
        GeometryError: fewer than ``count`` agents fit; the message says how many did.
    """
    result = try_place_population(
        area,
        count=count,
        radii=radii,
        spacing_m=spacing_m,
        rng=rng,
        obstacles_free_area=obstacles_free_area,
        occupied_xy=occupied_xy,
        occupied_radii=occupied_radii,
        max_batches=max_batches,
        patience=patience,
    )
    if not result.complete:
        raise GeometryError(
            f"only {result.placed} of {count} agents fit in the spawn area"
            f" ({result.usable_area_m2:.1f} m² usable for centres, spacing {spacing_m:g} m,"
            f" gave up after {result.batches} batches of {BATCH} candidates); enlarge the area,"
            " or reduce the count, the radius or spacing_m"
        )
    return result.positions


# --------------------------------------------------------------------------------------------------
# Whole scenario


@dataclass(frozen=True)
class SpawnedAgents:
    """Initial per-agent arrays for a scenario (struct of arrays, agent order = row order).

    Attributes:
        population: int64 (N,) index into ``scenario.populations``.
        position_m: float64 (N, 2) centres (m).
        radius_m: float64 (N,) body radii (m).
        desired_speed_mps: float64 (N,) desired speeds (m/s).
        premovement_s: float64 (N,) pre-movement delays (s).
    """

    population: np.ndarray
    position_m: np.ndarray
    radius_m: np.ndarray
    desired_speed_mps: np.ndarray
    premovement_s: np.ndarray

    def __len__(self) -> int:
        return int(self.population.shape[0])


@dataclass(frozen=True)
class _Draws:
    radius_m: np.ndarray
    desired_speed_mps: np.ndarray
    premovement_s: np.ndarray


def placement_region(scenario: Scenario) -> BaseGeometry:
    """Where agents may be spawned: the walkable area without the exit areas."""
    exits = shapely.union_all([e.shape() for e in scenario.exits])
    return scenario.walkable_area().difference(exits)


def _spawn(
    scenario: Scenario, rng: np.random.Generator
) -> tuple[list[_Draws], list[np.ndarray | None], list[PlacementResult | None]]:
    """Draw every per-agent value and place the random populations (never raises for room)."""
    pops = scenario.populations
    draws = []
    for p in pops:
        n = p.n_agents
        draws.append(
            _Draws(
                sample(p.radius_m, n, rng=rng),
                sample(p.desired_speed_mps, n, rng=rng),
                sample(p.premovement_s, n, rng=rng),
            )
        )
    positions: list[np.ndarray | None] = [
        None if p.positions is None else np.asarray(p.positions, dtype=np.float64).reshape(-1, 2)
        for p in pops
    ]
    occ = [positions[i] for i in range(len(pops)) if positions[i] is not None]
    occ_r = [draws[i].radius_m for i in range(len(pops)) if positions[i] is not None]
    results: list[PlacementResult | None] = [None] * len(pops)
    free = placement_region(scenario) if any(p.positions is None for p in pops) else None
    for i, p in enumerate(pops):
        if p.positions is not None:
            continue
        res = try_place_population(
            p.shape(),
            count=p.n_agents,
            radii=draws[i].radius_m,
            spacing_m=p.spacing_m,
            rng=rng,
            obstacles_free_area=free,
            occupied_xy=np.concatenate(occ) if occ else None,
            occupied_radii=np.concatenate(occ_r) if occ_r else None,
        )
        results[i] = res
        positions[i] = res.positions
        occ.append(res.positions)
        occ_r.append(draws[i].radius_m[: res.placed])
    return draws, positions, results


def spawn_agents(scenario: Scenario, *, rng: np.random.Generator | None = None) -> SpawnedAgents:
    """Draw the initial agents of a scenario: positions, radii, speeds, pre-movement times.

    Order of random draws (deterministic; changing it changes every seeded run):

    1. For each population in file order: ``radius_m``, then ``desired_speed_mps``, then
       ``premovement_s``, each with :func:`scenarios.sample` (n values; a plain number draws
       nothing).
    2. For each population with ``area``/``count``, in file order: :func:`place_population` in
       the walkable area minus the exit areas, avoiding all explicit positions and every agent
       placed before it.

    Args:
        scenario: a validated scenario.
        rng: the generator; default ``numpy.random.default_rng(scenario.seed)``.

    Returns:
        The agents, population by population in file order.

    Raises:
        GeometryError: a population's spawn area cannot hold its count.
    """
    if rng is None:
        rng = np.random.default_rng(scenario.seed)
    draws, positions, results = _spawn(scenario, rng)
    for i, (p, res) in enumerate(zip(scenario.populations, results, strict=True)):
        if res is not None and not res.complete:
            raise GeometryError(
                f"only {res.placed} of {res.requested} agents of population '{p.id}' fit in its"
                " spawn area; enlarge the area, or reduce count, radius_m or spacing_m",
                field=f"populations[{i}].count",
            )
    n = [p.n_agents for p in scenario.populations]
    return SpawnedAgents(
        population=np.repeat(np.arange(len(n), dtype=np.int64), n),
        position_m=np.ascontiguousarray(
            np.concatenate([np.empty((0, 2)), *positions]), dtype=np.float64
        ),
        radius_m=np.concatenate([np.empty(0), *(d.radius_m for d in draws)]),
        desired_speed_mps=np.concatenate([np.empty(0), *(d.desired_speed_mps for d in draws)]),
        premovement_s=np.concatenate([np.empty(0), *(d.premovement_s for d in draws)]),
    )

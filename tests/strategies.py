"""Shared hypothesis strategies: random rooms with obstacles and random crowds inside them.

Room coordinates lie on a lattice of ``LATTICE_M`` (a power of two, equal to the floor-field
spacing the tests build worlds with), so that shifting a room by a lattice vector or rotating it by
90° about the origin maps the floor-field nodes onto nodes and keeps every coordinate exactly
representable: the compiled geometry is then the same up to the transformation, bit for bit.

Agent positions are free floats; crowds are drawn by rejection sampling from a numpy generator
seeded by hypothesis (so an example is reproducible from its seed; shrinking acts on the seed,
the crowd size and the room).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Polygon, box

import simcore
from simcore.params import ForceParams

#: Floor-field spacing of the test worlds and the lattice of room coordinates (m).
LATTICE_M = 0.25
#: Agent radii of the random crowds (m).
RADIUS_RANGE_M = (0.2, 0.3)
#: Smallest free distance between an obstacle and the outer wall or another obstacle (m).
OBSTACLE_CLEARANCE_M = 1.25


def wall_cutoff(*, max_radius_m: float = RADIUS_RANGE_M[1], wall_b_m: float = 0.08) -> float:
    """The wall cutoff the façade requires: largest radius + 8 wall ranges, plus a margin."""
    return max_radius_m + 8.0 * wall_b_m + 0.05


@dataclass(frozen=True)
class Room:
    """A walkable area (obstacles removed), its obstacles and its exit areas (metres)."""

    walkable: shapely.Geometry
    obstacles: tuple[shapely.Geometry, ...]
    exits: tuple[shapely.Geometry, ...]

    def transformed(self, matrix: list[float]) -> Room:
        """The room under a shapely affine ``[a, b, d, e, xoff, yoff]`` transformation."""

        def tf(g: shapely.Geometry) -> shapely.Geometry:
            return affinity.affine_transform(g, matrix)

        return Room(
            walkable=tf(self.walkable),
            obstacles=tuple(tf(o) for o in self.obstacles),
            exits=tuple(tf(e) for e in self.exits),
        )

    def world(self) -> simcore.World:
        return simcore.World.build(
            walkable=self.walkable,
            exits=[(f"exit-{k}", e) for k, e in enumerate(self.exits)],
            wall_cutoff_m=wall_cutoff(),
            grid_m=LATTICE_M,
        )


@dataclass(frozen=True)
class CrowdSpec:
    """Initial state of a crowd (N agents): positions (N, 2), radius, v0, t_start (N,)."""

    pos: np.ndarray
    radius: np.ndarray
    v0: np.ndarray
    t_start: np.ndarray

    @property
    def n(self) -> int:
        return int(self.pos.shape[0])

    def transformed(self, rot: np.ndarray, shift: np.ndarray) -> CrowdSpec:
        """The crowd with positions ``pos @ rot.T + shift``."""
        return replace(self, pos=self.pos @ rot.T + shift)

    def crowd(self, params: ForceParams = simcore.NORMAL) -> simcore.Crowd:
        return simcore.Crowd.create(
            pos=self.pos.copy(), radius=self.radius, v0=self.v0, t_start=self.t_start, params=params
        )


def simulation(
    room: Room,
    spec: CrowdSpec,
    *,
    params: ForceParams = simcore.NORMAL,
    dt_s: float = 0.01,
    world: simcore.World | None = None,
) -> simcore.Simulation:
    """A ready simulation (exits chosen) of ``spec`` in ``room``."""
    sim = simcore.Simulation(
        world=room.world() if world is None else world,
        crowd=spec.crowd(params),
        dt_s=dt_s,
        wall_A_N=params.wall_A_N,
        wall_B_m=params.wall_B_m,
    )
    sim.choose_exits()
    return sim


def _lattice(draw, lo: float, hi: float) -> float:
    """A lattice coordinate in [lo, hi]."""
    k = draw(st.integers(int(np.ceil(lo / LATTICE_M)), int(np.floor(hi / LATTICE_M))))
    return k * LATTICE_M


@st.composite
def outlines(draw) -> Polygon:
    """Outer outline: a rectangle, a convex octagon (cut corners), an L, a T or a U shape."""
    kind = draw(st.sampled_from(["rect", "octagon", "L", "T", "U"]))
    w = _lattice(draw, 5.0, 12.0)
    h = _lattice(draw, 4.0, 9.0)
    base = box(0.0, 0.0, w, h)
    if kind == "rect":
        return base
    if kind == "octagon":
        cuts = [_lattice(draw, 0.0, min(w, h) / 3.0) for _ in range(4)]
        c0, c1, c2, c3 = cuts
        pts = [
            (c0, 0),
            (w - c1, 0),
            (w, c1),
            (w, h - c2),
            (w - c2, h),
            (c3, h),
            (0, h - c3),
            (0, c0),
        ]
        poly = Polygon(pts)
        return shapely.normalize(shapely.remove_repeated_points(poly))
    if kind == "L":
        cw = _lattice(draw, 2.0, w - 3.0)
        ch = _lattice(draw, 1.5, h - 2.5)
        return base.difference(box(w - cw, h - ch, w, h))
    if kind == "T":
        stem = _lattice(draw, 2.5, w - 2.0)
        x0 = _lattice(draw, 0.0, w - stem)
        return shapely.union(base, box(x0, h, x0 + stem, h + _lattice(draw, 2.0, 4.0)))
    # U: a notch from the top, leaving two arms at least 2 m wide
    nw = _lattice(draw, 1.0, w - 4.0)
    nx = _lattice(draw, 2.0, w - 2.0 - nw)
    nh = _lattice(draw, 1.0, h - 2.5)
    return base.difference(box(nx, h - nh, nx + nw, h))


@st.composite
def obstacle_shapes(draw, region: Polygon) -> Polygon:
    """A box or a diamond (walls at 45°) on the lattice, centred in the bounds of ``region``."""
    xmin, ymin, xmax, ymax = region.bounds
    cx = _lattice(draw, xmin, xmax)
    cy = _lattice(draw, ymin, ymax)
    if draw(st.booleans()):
        a = _lattice(draw, 0.25, 1.5)
        b = _lattice(draw, 0.25, 1.5)
        return box(cx - a, cy - b, cx + a, cy + b)
    s = _lattice(draw, 0.5, 1.5)
    return Polygon([(cx - s, cy), (cx, cy - s), (cx + s, cy), (cx, cy + s)])


@st.composite
def rooms(draw, *, max_obstacles: int = 2, max_exits: int = 2) -> Room:
    """A random room: convex or not, with up to ``max_obstacles`` holes and 1–``max_exits`` exits.

    Obstacles keep ``OBSTACLE_CLEARANCE_M`` from the outer wall and from each other, so the
    walkable area is one connected polygon whose passages all admit an agent. An exit is the part
    of the walkable area within 0.75 m of a lattice point on the outer wall (a door area).
    """
    outline = draw(outlines())
    inner = outline.buffer(-OBSTACLE_CLEARANCE_M, join_style="mitre")
    obstacles: list[shapely.Geometry] = []
    for _ in range(draw(st.integers(0, max_obstacles)) if not inner.is_empty else 0):
        ob = draw(obstacle_shapes(inner))
        if not inner.contains(ob):
            continue
        if any(ob.distance(o) < OBSTACLE_CLEARANCE_M for o in obstacles):
            continue
        obstacles.append(ob)
    walkable = outline
    for ob in obstacles:
        walkable = walkable.difference(ob)
    walkable = shapely.normalize(walkable)

    ring = outline.exterior
    n_nodes = int(ring.length / LATTICE_M)
    exits: list[shapely.Geometry] = []
    n_exits = draw(st.integers(1, max_exits))
    first = draw(st.integers(0, n_nodes - 1))
    stride = draw(st.integers(1, n_nodes - 1))
    for k in range(n_nodes):
        if len(exits) == n_exits:
            break
        p = ring.interpolate(((first + k * stride) % n_nodes) * LATTICE_M)
        # snap the door centre to the lattice so transformed rooms stay on the lattice
        px = round(p.x / LATTICE_M) * LATTICE_M
        py = round(p.y / LATTICE_M) * LATTICE_M
        area = walkable.intersection(box(px - 0.75, py - 0.75, px + 0.75, py + 0.75))
        if area.geom_type != "Polygon" or area.area < 0.5:
            continue
        if any(area.distance(e) < 1.0 for e in exits):
            continue
        exits.append(shapely.normalize(area))
    return Room(walkable=walkable, obstacles=tuple(obstacles), exits=tuple(exits))


def place_agents(
    rng: np.random.Generator,
    room: Room,
    radius: np.ndarray,
    *,
    gap_m: float = 0.02,
    wall_gap_m: float = 0.02,
    exit_gap_m: float = 0.3,
    region: shapely.Geometry | None = None,
    tries: int = 200,
) -> np.ndarray:
    """Non-overlapping positions for agents of the given radii, clear of walls and exits.

    Agents that cannot be placed in ``tries`` attempts are dropped: the result may be shorter.
    """
    area = room.walkable if region is None else region
    for e in room.exits:
        area = area.difference(e.buffer(exit_gap_m))
    xmin, ymin, xmax, ymax = area.bounds
    placed: list[tuple[float, float, float]] = []
    shrunk: dict[float, shapely.Geometry] = {}
    for r in radius:
        key = round(float(r) + wall_gap_m, 6)
        if key not in shrunk:
            shrunk[key] = area.buffer(-key)
            shapely.prepare(shrunk[key])
        inside = shrunk[key]
        for _ in range(tries):
            x = rng.uniform(xmin, xmax)
            y = rng.uniform(ymin, ymax)
            if not shapely.contains_xy(inside, x, y):
                continue
            if any((x - a) ** 2 + (y - b) ** 2 < (r + c + gap_m) ** 2 for a, b, c in placed):
                continue
            placed.append((x, y, float(r)))
            break
    return np.array([(a, b) for a, b, _ in placed], dtype=np.float64).reshape(-1, 2)


@st.composite
def crowds(
    draw, room: Room, *, max_agents: int = 30, waiting: bool = True, contact: bool = False
) -> CrowdSpec:
    """A random crowd inside ``room`` (at least one agent).

    Agents do not overlap each other or the walls, unless ``contact``: then neighbours may overlap
    by up to 5 cm and agents may overlap a wall by up to 5 cm (centres always inside).
    """
    n = draw(st.integers(1, max_agents))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    radius = rng.uniform(*RADIUS_RANGE_M, size=n)
    gap = -0.05 if contact else 0.02
    pos = place_agents(rng, room, radius, gap_m=gap, wall_gap_m=gap)
    if len(pos) == 0:
        # the room always has space for one agent at its representative point
        p = room.walkable.difference(shapely.union_all([e.buffer(0.5) for e in room.exits]))
        pt = p.buffer(-RADIUS_RANGE_M[1]).representative_point()
        pos = np.array([[pt.x, pt.y]])
    m = len(pos)
    radius = radius[:m]
    v0 = rng.uniform(0.8, 1.5, size=m)
    t_start = rng.uniform(0.0, 1.5, size=m) if waiting else np.zeros(m)
    return CrowdSpec(pos=pos, radius=radius, v0=v0, t_start=t_start)


@st.composite
def scenes(draw, *, max_agents: int = 30, max_obstacles: int = 2) -> tuple[Room, CrowdSpec]:
    """A random room and a random crowd in it."""
    room = draw(rooms(max_obstacles=max_obstacles))
    return room, draw(crowds(room, max_agents=max_agents))


def lattice_shifts(max_m: float = 40.0) -> st.SearchStrategy[np.ndarray]:
    """Translation vectors whose components are multiples of the lattice (floor-field spacing)."""
    k = int(max_m / LATTICE_M)
    comp = st.integers(-k, k).map(lambda i: i * LATTICE_M)
    return st.tuples(comp, comp).map(lambda t: np.array(t, dtype=np.float64))

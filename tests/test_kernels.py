"""The numba kernels against slow, obviously correct oracles (``tests/naive.py``).

One oracle per kernel: cell lists against brute force, pair and wall forces against numpy
restatements of the equations, bilinear directions against scipy, exit areas and the
wall-crossing guard against shapely, and one full ``Simulation.step`` against a naive integrator.
"""

from __future__ import annotations

import math

import naive
import numpy as np
import pytest
import shapely
from hypothesis import assume, given
from hypothesis import strategies as st
from shapely.geometry import Polygon, box
from strategies import LATTICE_M, Room, crowds, rooms, simulation, wall_cutoff

import simcore
from simcore.kernels.exits import exit_containing
from simcore.kernels.grid import build_cell_list, cell_of
from simcore.kernels.navigation import desired_direction
from simcore.kernels.social import pair_force
from simcore.kernels.walls import crosses_wall, wall_force
from simcore.simulation import neighbour_cell_m

seeds = st.integers(0, 2**32 - 1)


# --- (a) cell lists ----------------------------------------------------------------------------


def cell_list_pairs(pos, active, cutoff: float) -> tuple[set[tuple[int, int]], dict]:
    """Neighbour pairs found the way ``advance`` finds them: a cell list and a 3×3 cell scan."""
    n = len(pos)
    xmin, ymin = pos.min(axis=0) if n else (0.0, 0.0)
    xmax, ymax = pos.max(axis=0) if n else (1.0, 1.0)
    cell = neighbour_cell_m(cutoff)
    x0, y0 = xmin - cell, ymin - cell
    nx = math.ceil((xmax - xmin) / cell) + 3
    ny = math.ceil((ymax - ymin) / cell) + 3
    agent_cell = np.empty(n, np.int64)
    start = np.zeros(nx * ny + 1, np.int64)
    order = np.empty(n, np.int64)
    count = build_cell_list(pos, active, x0, y0, 1.0 / cell, nx, ny, agent_cell, start, order)
    pairs = set()
    for i in np.flatnonzero(active):
        cx, cy = agent_cell[i] % nx, agent_cell[i] // nx
        for yy in range(max(cy - 1, 0), min(cy + 2, ny)):
            for xx in range(max(cx - 1, 0), min(cx + 2, nx)):
                c = yy * nx + xx
                for j in order[start[c] : start[c + 1]]:
                    d = pos[i] - pos[j]
                    if j != i and d @ d < cutoff * cutoff:
                        pairs.add((min(i, int(j)), max(i, int(j))))
    info = dict(count=count, agent_cell=agent_cell, start=start, order=order, nx=nx, ny=ny)
    return pairs, info


@given(
    seed=seeds,
    n=st.integers(0, 120),
    cutoff=st.sampled_from([0.5, 0.81, 1.0, 1.3]),
    lattice=st.booleans(),
)
def test_cell_list_matches_brute_force(seed, n, cutoff, lattice):
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0.0, 6.0, size=(n, 2))
    if lattice:
        # positions on cell borders and coincident agents, the edge cases of the cell index (a
        # lattice of 0.3·cutoff has no two nodes exactly one cutoff apart: see the next test)
        pos = np.round(pos / (0.3 * cutoff)) * (0.3 * cutoff)
    active = rng.random(n) < 0.8
    pairs, info = cell_list_pairs(pos, active, cutoff)
    assert pairs == naive.neighbour_pairs(pos, active, cutoff)
    # the counting sort itself: every active agent once, grouped by its cell, in index order
    assert info["count"] == active.sum()
    assert np.all((info["agent_cell"] == -1) == ~active)
    start, order = info["start"], info["order"][: info["count"]]
    assert sorted(order.tolist()) == np.flatnonzero(active).tolist()
    for c in range(info["nx"] * info["ny"]):
        members = order[start[c] : start[c + 1]]
        assert np.all(np.diff(members) > 0)
        assert np.all(info["agent_cell"][members] == c)


def test_cell_list_pair_one_ulp_inside_the_cutoff():
    """Regression: with cells exactly one cutoff wide, this pair 1.2999999999999998 m apart fell
    two cells apart ((3.25 − x0)/1.3 rounded to 2.9999999999999996, cell 2; (4.55 − x0)/1.3 = 4.0,
    cell 4) and was missed. Cells are now a hair wider than the cutoff."""
    cutoff = 1.3
    pos = np.array([[0.65, 0.65], [3.25, 1.3], [4.55, 1.3]])
    d = pos[2] - pos[1]
    assert d @ d < cutoff * cutoff  # 1.2999999999999998 m apart
    pairs, _ = cell_list_pairs(pos, np.ones(3, dtype=bool), cutoff)
    assert (1, 2) in pairs


# --- (b) forces ------------------------------------------------------------------------------


pair_inputs = st.fixed_dictionaries(
    {
        "d": st.floats(0.05, 2.0),
        "angle": st.floats(-math.pi, math.pi),
        "dvx": st.floats(-3.0, 3.0),
        "dvy": st.floats(-3.0, 3.0),
        "r_ij": st.floats(0.3, 0.7),
        "a_i": st.floats(0.0, 3000.0),
        "b_i": st.floats(0.03, 0.3),
        "lam_i": st.floats(0.0, 1.0),
        "e_angle": st.floats(-math.pi, math.pi),
        "social": st.booleans(),
        "k_ij": st.floats(0.0, 2e5),
        "kappa_ij": st.floats(0.0, 5e5),
        "m_red": st.floats(20.0, 60.0),
        "dt": st.sampled_from([0.001, 0.002, 0.005, 0.01]),
    }
)


def kernel_pair_force(p: dict, *, flip: bool = False, e=None) -> np.ndarray:
    """``pair_force`` on i from j (or on j from i with ``flip``) for the inputs ``p``."""
    dx = p["d"] * math.cos(p["angle"])
    dy = p["d"] * math.sin(p["angle"])
    dvx, dvy = p["dvx"], p["dvy"]
    if flip:
        dx, dy, dvx, dvy = -dx, -dy, -dvx, -dvy
    ex, ey = (math.cos(p["e_angle"]), math.sin(p["e_angle"])) if e is None else e
    return np.array(
        pair_force(
            dx, dy, math.sqrt(dx * dx + dy * dy), dvx, dvy, p["r_ij"], p["a_i"], p["b_i"],
            p["lam_i"], ex, ey, p["social"], p["k_ij"], p["kappa_ij"], p["m_red"], p["dt"],
        )
    )  # fmt: skip


@given(pair_inputs)
def test_pair_force_matches_naive(p):
    got = kernel_pair_force(p)
    fx, fy = naive.pair_force(
        dx=p["d"] * math.cos(p["angle"]),
        dy=p["d"] * math.sin(p["angle"]),
        dvx=p["dvx"],
        dvy=p["dvy"],
        r_ij=p["r_ij"],
        a_i=p["a_i"],
        b_i=p["b_i"],
        lam_i=p["lam_i"],
        ex_i=math.cos(p["e_angle"]),
        ey_i=math.sin(p["e_angle"]),
        social=p["social"],
        k_ij=p["k_ij"],
        kappa_ij=p["kappa_ij"],
        m_red=p["m_red"],
        dt=p["dt"],
    )
    g = max(p["r_ij"] - p["d"], 0.0)
    scale = (
        p["a_i"] * math.exp((p["r_ij"] - p["d"]) / p["b_i"])
        + p["k_ij"] * g
        + p["kappa_ij"] * g * math.hypot(p["dvx"], p["dvy"])
    )
    np.testing.assert_allclose(got, [fx, fy], rtol=0, atol=1e-12 * scale + 1e-300)


@given(pair_inputs, st.floats(-math.pi, math.pi))
def test_pair_force_third_law_when_isotropic(p, e_angle_j):
    """λ = 1 (isotropic): f_ji = −f_ij exactly, whatever the two desired directions."""
    p = {**p, "lam_i": 1.0}
    f_ij = kernel_pair_force(p)
    f_ji = kernel_pair_force(p, flip=True, e=(math.cos(e_angle_j), math.sin(e_angle_j)))
    assert np.array_equal(f_ij + f_ji, np.zeros(2))


@given(pair_inputs, st.floats(-math.pi, math.pi))
def test_contact_forces_obey_third_law_for_any_anisotropy(p, e_angle_j):
    """The physical terms (body, friction) are symmetric even when λ < 1."""
    p = {**p, "social": False}
    f_ij = kernel_pair_force(p)
    f_ji = kernel_pair_force(p, flip=True, e=(math.cos(e_angle_j), math.sin(e_angle_j)))
    assert np.array_equal(f_ij + f_ji, np.zeros(2))


def test_anisotropy_weights_the_social_term_only():
    """Someone straight behind pushes λ·A e^{(r−d)/B}; straight ahead, A e^{(r−d)/B} (no contact)."""
    p = dict(d=0.8, angle=0.0, dvx=0.0, dvy=0.0, r_ij=0.5, a_i=2000.0, b_i=0.08, lam_i=0.3,
             e_angle=0.0, social=True, k_ij=1.2e5, kappa_ij=2.4e5, m_red=40.0, dt=0.01)  # fmt: skip
    full = 2000.0 * math.exp((0.5 - 0.8) / 0.08)
    # j at −x of i, i walks +x: j is behind, cos φ = −1
    assert kernel_pair_force(p)[0] == pytest.approx(0.3 * full, rel=1e-14)
    # i walks −x, towards j: cos φ = 1
    assert kernel_pair_force(p, e=(-1.0, 0.0))[0] == pytest.approx(full, rel=1e-14)


def test_friction_impulse_is_limited():
    """Deep overlap and fast sliding: the friction impulse over dt is exactly m_red·|Δv_t|."""
    p = dict(d=0.4, angle=0.0, dvx=0.0, dvy=2.0, r_ij=0.5, a_i=0.0, b_i=0.08, lam_i=1.0,
             e_angle=0.0, social=False, k_ij=0.0, kappa_ij=2.4e5, m_red=40.0, dt=0.01)  # fmt: skip
    f = kernel_pair_force(p)
    # κ g Δv_t = 2.4e5·0.1·2 = 48 000 N > limit 40·2/0.01 = 8000 N, along t_ij = (0, 1)
    assert f[0] == 0.0
    assert f[1] == pytest.approx(8000.0, rel=1e-14)
    p_small = {**p, "d": 0.499}  # g = 1 mm: κ g Δv_t = 480 N < limit, Helbing's term unchanged
    assert kernel_pair_force(p_small)[1] == pytest.approx(2.4e5 * 0.001 * 2.0, rel=1e-9)


def kernel_wall_force(world: simcore.World, p, v, *, r, social, dt=0.01, params=simcore.PANIC):
    """``wall_force`` as ``advance`` calls it (the segments of the agent's wall cell):
    (fx, fy, compression). Default constants: Helbing 2000's (fixed by the paper, so the expected
    values below do not move when the calibrated normal set does)."""
    inv = 1.0 / world.wall_cell_m
    wc = cell_of(p[0], p[1], *world.wall_origin, inv, *world.wall_shape)
    return np.array(
        wall_force(
            float(p[0]), float(p[1]), float(v[0]), float(v[1]), float(r), social,
            params.wall_A_N, params.wall_B_m, params.k_kg_s2, params.kappa_kg_ms, params.mass_kg,
            dt, world.wall_cutoff_m, world.segments, world.seg_prev, world.seg_next,
            world.wall_items, world.wall_start[wc], world.wall_start[wc + 1],
        )
    )  # fmt: skip


def naive_wall_force(world, p, v, *, r, social, dt=0.01, params=simcore.PANIC):
    return naive.wall_force(
        p=p,
        v=v,
        r=r,
        social=social,
        a_w=params.wall_A_N,
        b_w=params.wall_B_m,
        k=params.k_kg_s2,
        kappa=params.kappa_kg_ms,
        mass=params.mass_kg,
        dt=dt,
        cutoff=world.wall_cutoff_m,
        seg=world.segments,
        seg_prev=world.seg_prev,
        seg_next=world.seg_next,
    )


@st.composite
def points_near_walls(draw, room: Room) -> list[tuple[np.ndarray, np.ndarray, float, bool]]:
    """Agents (position, velocity, radius, social) close to walls, vertices and corners."""
    rng = np.random.default_rng(draw(seeds))
    boundary = room.walkable.boundary
    vertices = np.asarray(shapely.get_coordinates(boundary))
    out = []
    for _ in range(40):
        if rng.random() < 0.5:
            base = boundary.interpolate(rng.uniform(0.0, boundary.length))
            base = np.array([base.x, base.y])
        else:
            base = vertices[rng.integers(len(vertices))]
        p = base + rng.normal(0.0, 0.4, size=2)
        if not shapely.contains_xy(room.walkable, *p):
            continue
        out.append(
            (p, rng.normal(0.0, 1.0, size=2), rng.uniform(0.15, 0.35), bool(rng.random() < 0.8))
        )
    return out


@given(st.data())
def test_wall_force_matches_naive(data):
    room = data.draw(rooms())
    world = room.world()
    for p, v, r, social in data.draw(points_near_walls(room)):
        got = kernel_wall_force(world, p, v, r=r, social=social)
        force, compression = naive_wall_force(world, p, v, r=r, social=social)
        np.testing.assert_allclose(got[:2], force, rtol=1e-12, atol=1e-9)
        assert got[2] == pytest.approx(compression, rel=1e-12, abs=1e-9)


@pytest.fixture(scope="module")
def jamb_world() -> simcore.World:
    """A 10 m room split by a wall from y = 0 to y = 4.6 (x ∈ [4.9, 5.1]): two convex corners."""
    walkable = box(0.0, 0.0, 10.0, 10.0).difference(box(4.9, 0.0, 5.1, 4.6))
    return simcore.World.build(
        walkable=walkable, exits=[("e", box(9.0, 4.0, 10.0, 6.0))], wall_cutoff_m=wall_cutoff()
    )


def test_convex_corner_pushes_once(jamb_world):
    """In the wedge of a door jamb the corner pushes once (not once per segment meeting there)."""
    p = np.array([4.7, 4.8])
    corner = np.array([4.9, 4.6])
    d = np.hypot(*(p - corner))
    f = kernel_wall_force(jamb_world, p, (0.0, 0.0), r=0.25, social=True)[:2]
    one_push = 2000.0 * math.exp((0.25 - d) / 0.08) * (p - corner) / d
    np.testing.assert_allclose(f, one_push, rtol=1e-12)


def test_concave_corner_pushes_from_both_walls(jamb_world):
    """In a room corner both walls push: that is two features, not one counted twice."""
    p = np.array([0.5, 9.6])
    f = kernel_wall_force(jamb_world, p, (0.0, 0.0), r=0.25, social=True)[:2]
    want = [2000.0 * math.exp((0.25 - 0.5) / 0.08), -2000.0 * math.exp((0.25 - 0.4) / 0.08)]
    np.testing.assert_allclose(f, want, rtol=1e-12)


def test_wall_face_next_to_corner_pushes_once(jamb_world):
    """Beside the jamb (in the slab of its faces) the corner adds nothing: the force is normal.

    Segments are two-sided, so the far face of the 0.2 m thick wall, 0.5 m away, pushes too (as
    documented: a segment acts when the closest point lies inside it).
    """
    p = np.array([4.6, 4.5])
    f = kernel_wall_force(jamb_world, p, (0.0, 0.0), r=0.25, social=True)[:2]
    near = 2000.0 * math.exp((0.25 - (4.9 - 4.6)) / 0.08)
    far = 2000.0 * math.exp((0.25 - (5.1 - 4.6)) / 0.08)
    np.testing.assert_allclose(f, [-(near + far), 0.0], rtol=1e-12, atol=1e-9)


# --- (c) desired direction ---------------------------------------------------------------------


@given(
    seed=seeds,
    n_exit=st.integers(1, 3),
    shape=st.tuples(st.integers(2, 12), st.integers(2, 12)),
    h=st.sampled_from([0.05, 0.1, 0.25, 0.3]),
    origin=st.tuples(st.floats(-50.0, 50.0), st.floats(-50.0, 50.0)),
)
def test_desired_direction_matches_scipy(seed, n_exit, shape, h, origin):
    rng = np.random.default_rng(seed)
    ny, nx = shape
    field = rng.normal(size=(n_exit, ny, nx, 2)).astype(np.float32)
    field[:, : ny // 2, : nx // 2] = 0.0  # a vanishing corner: direction (0, 0) there
    x0, y0 = origin
    # points inside the grid, on its nodes, and outside it (clamped to the border)
    pts = np.column_stack(
        [
            x0 + rng.uniform(-2.0, nx + 1.0, 60) * h,
            y0 + rng.uniform(-2.0, ny + 1.0, 60) * h,
        ]
    )
    pts[:10] = np.column_stack([x0 + rng.integers(0, nx, 10) * h, y0 + rng.integers(0, ny, 10) * h])
    exits = rng.integers(0, n_exit, len(pts))
    want = naive.desired_directions(field, x0, y0, h, pts, exits)
    for p, e, w in zip(pts, exits, want, strict=True):
        got = desired_direction(p[0], p[1], field, int(e), x0, y0, 1.0 / h)
        np.testing.assert_allclose(got, w, rtol=0, atol=1e-9)


# --- (d) exit areas ----------------------------------------------------------------------------


@st.composite
def star_polygons(draw) -> Polygon:
    """A random star-shaped (generally non-convex) polygon."""
    rng = np.random.default_rng(draw(seeds))
    k = int(rng.integers(3, 12))
    ang = np.sort(rng.uniform(0.0, 2 * np.pi, k))
    assume(np.all(np.diff(np.r_[ang, ang[0] + 2 * np.pi]) > 0.05))
    rad = rng.uniform(0.3, 2.0, k)
    c = rng.uniform(1.0, 9.0, 2)
    poly = Polygon(np.column_stack([c[0] + rad * np.cos(ang), c[1] + rad * np.sin(ang)]))
    assume(poly.is_valid and poly.area > 0.05)
    return poly


@given(st.lists(star_polygons(), min_size=1, max_size=4), seeds)
def test_exit_containing_matches_shapely(areas, seed):
    world = simcore.World.build(
        walkable=box(-2.0, -2.0, 12.0, 12.0),
        exits=[(f"e{k}", a) for k, a in enumerate(areas)],
        wall_cutoff_m=wall_cutoff(),
        grid_m=0.5,
    )
    rng = np.random.default_rng(seed)
    is_open = rng.random(len(areas)) < 0.75
    pts = rng.uniform(-1.0, 11.0, size=(300, 2))
    edges = shapely.union_all([a.boundary for a in areas])
    for x, y in pts:
        if shapely.distance(edges, shapely.Point(x, y)) < 1e-9:
            continue  # on an edge, "inside" is a convention
        got = exit_containing(
            x, y, world.exit_bbox, world.exit_ring_start, world.exit_ring, world.exit_ring_exit,
            is_open,
        )  # fmt: skip
        assert got == naive.exit_containing(x, y, areas, is_open), (x, y)


# --- (e) the wall-crossing guard ---------------------------------------------------------------


# coordinates on a 1/8 m lattice: the orientation tests are exact, so touching, collinear and
# endpoint-on-segment cases are decided exactly both by the kernel and by shapely
lattice_coord = st.integers(-16, 16).map(lambda k: k / 8.0)
lattice_point = st.tuples(lattice_coord, lattice_coord)
lattice_segment = st.tuples(lattice_point, lattice_point).filter(lambda s: s[0] != s[1])


@given(st.lists(lattice_segment, min_size=1, max_size=6), lattice_point, lattice_point)
def test_crosses_wall_matches_shapely_exact_cases(walls, a, b):
    seg = np.array([[*p, *q] for p, q in walls], dtype=np.float64)
    items = np.arange(len(seg), dtype=np.int64)
    for s in range(len(seg)):
        got = crosses_wall(a[0], a[1], b[0], b[1], seg, items, s, s + 1)
        want = naive.crossing_segment(a[0], a[1], b[0], b[1], seg[s : s + 1])
        assert (got == s) == (want == 0), (walls[s], a, b)
    got = crosses_wall(a[0], a[1], b[0], b[1], seg, items, 0, len(seg))
    assert got == naive.crossing_segment(a[0], a[1], b[0], b[1], seg)


@given(seeds)
def test_crosses_wall_matches_shapely_random_moves(seed):
    """Random short moves near random walls, as in the integrator (moves ≪ wall length)."""
    rng = np.random.default_rng(seed)
    seg = rng.uniform(-3.0, 3.0, size=(8, 4))
    items = np.arange(len(seg), dtype=np.int64)
    lines = shapely.linestrings(seg.reshape(-1, 2, 2))
    for _ in range(100):
        a = rng.uniform(-3.0, 3.0, 2)
        b = a + rng.normal(0.0, 0.5, 2)
        move = shapely.LineString([a, b])
        # skip near-degenerate configurations, where the float orientation test and shapely's
        # robust predicates may legitimately disagree
        if np.any(shapely.distance(move, shapely.points(seg.reshape(-1, 2))) < 1e-9):
            continue
        if np.any(shapely.distance(lines[:, None], shapely.points([a, b])[None, :]) < 1e-9):
            continue
        got = crosses_wall(a[0], a[1], b[0], b[1], seg, items, 0, len(seg))
        assert got == naive.crossing_segment(a[0], a[1], b[0], b[1], seg)


# --- one full step against the naive integrator ------------------------------------------------


def assert_state_equal(sim: simcore.Simulation, state: naive.State, *, tol: float = 1e-10):
    c = sim.crowd
    np.testing.assert_array_equal(c.active, state.active)
    np.testing.assert_array_equal(c.evac_exit, state.evac_exit)
    np.testing.assert_array_equal(c.harmed, state.harmed)
    np.testing.assert_allclose(c.t_harmed, state.t_harmed, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.pressure, state.pressure, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(c.pos, state.pos, rtol=0, atol=tol)
    np.testing.assert_allclose(c.vel, state.vel, rtol=0, atol=tol)
    np.testing.assert_allclose(c.evac_time, state.evac_time, rtol=0, atol=1e-12)


def scene(rows, *, walkable, exit_area, v0: float = 1.5) -> simcore.Simulation:
    """A simulation of agents given as rows (x, y, vx, vy, radius, t_start)."""
    world = simcore.World.build(
        walkable=walkable, exits=[("door", exit_area)], wall_cutoff_m=wall_cutoff()
    )
    a = np.array(rows, dtype=np.float64)
    crowd = simcore.Crowd.create(
        pos=a[:, :2], radius=a[:, 4], v0=v0, t_start=a[:, 5], params=simcore.NORMAL
    )
    crowd.vel[:] = a[:, 2:4]
    sim = simcore.Simulation(
        world=world,
        crowd=crowd,
        dt_s=0.01,
        wall_A_N=simcore.NORMAL.wall_A_N,
        wall_B_m=simcore.NORMAL.wall_B_m,
    )
    sim.choose_exits()
    return sim


def contact_scene() -> simcore.Simulation:
    """A hand-made state that exercises every force term of one step.

    A room with a door-jamb wall and 18 agents: overlapping pairs (body force, friction below and
    above its limit), agents overlapping walls and touching a jamb corner, waiting agents (no
    social terms, no driving) in contact, agents starting to walk mid-run, an agent about to
    evacuate, one about to be crushed. One step is 0.01 s with no sub-steps, so the friction
    limit bites.
    """
    rows = [
        # x, y, vx, vy, radius, t_start
        (2.0, 3.0, 1.0, 0.2, 0.25, 0.0),
        (2.45, 3.05, -0.5, 0.8, 0.25, 0.0),  # overlaps agent 0 by 4.7 cm, sliding fast
        (2.2, 3.45, 0.0, -0.1, 0.22, 0.0),  # overlaps agents 0 and 1 lightly
        (6.0, 1.0, 0.3, 0.0, 0.25, 9.0),  # waiting, touching a waiting neighbour
        (6.48, 1.0, 0.0, 0.0, 0.25, 9.0),
        (4.72, 3.15, 0.6, 0.3, 0.25, 0.0),  # in the wedge of the jamb corner (4.9, 3.0), touching
        (5.3, 2.0, -0.4, 0.9, 0.25, 0.0),  # against the jamb's right face
        (0.2, 4.0, -0.5, 0.3, 0.3, 0.0),  # overlapping the left wall by 10 cm, sliding along it
        (8.99, 3.0, 1.2, 0.0, 0.25, 0.0),  # steps into the exit area at once
        (3.0, 5.5, 0.8, 0.0, 0.3, 0.0),
        (3.5, 5.55, 0.8, 0.1, 0.25, 0.05),  # starts walking at 0.05 s
        (7.0, 4.0, -1.0, 0.5, 0.2, 0.0),
        (7.38, 4.1, 1.0, -0.5, 0.2, 0.0),  # head-on collision, overlapping by 1.3 cm
        (7.2, 4.4, 0.0, 0.0, 0.25, 0.123),
        (1.0, 1.0, 0.0, 0.0, 0.25, 0.0),
        (1.3, 1.4, 0.2, 0.0, 0.25, 0.0),
        (8.0, 0.3, 0.5, -0.5, 0.3, 0.0),  # overlapping the bottom wall
        (4.7, 1.5, 1.3, 0.0, 0.25, 0.0),  # against the jamb's left face
    ]
    walkable = box(0.0, 0.0, 10.0, 6.0).difference(box(4.9, 0.0, 5.1, 3.0))
    sim = scene(rows, walkable=walkable, exit_area=box(9.0, 2.0, 10.0, 4.0))
    # agent 7 has been squeezed for a while: its averaged pressure is just under the crush
    # threshold, and its wall overlap (k·0.1 m / 2πr ≈ 6400 N/m) tips it over: it is injured
    # and stays as an obstacle for the others
    sim.crowd.pressure[7] = sim.fear.crush_npm - 50.0
    return sim


def guard_scene() -> simcore.Simulation:
    """Small, fast agents driven into walls: the wall-crossing guard must act.

    With 2 cm radii the wall force is too weak to stop a 1.95 m/s agent in time (it would cross
    the wall line), so the guard refuses the move: along a wall the agent slides, into a room
    corner the slide is blocked too and it stops. The radius makes the step sub-step ten times.
    """
    rows = [
        (3.99, 1.5, 1.9, 0.3, 0.02, 0.0),  # into the right wall, slides up
        (0.004, 0.004, -1.35, -1.35, 0.02, 0.0),  # into the lower left corner: stops
        (2.0, 2.995, 0.2, 1.9, 0.02, 0.0),  # into the top wall
        (1.5, 1.5, 0.0, 0.0, 0.25, 0.0),
    ]
    walkable = box(0.0, 0.0, 4.0, 3.0)
    return scene(rows, walkable=walkable, exit_area=box(3.0, 0.0, 4.0, 0.75))


@pytest.mark.parametrize("make", [contact_scene, guard_scene])
def test_step_matches_naive_integrator(make):
    """Sim.step(1) from the kernel's own state, against the naive integrator, 30 times."""
    sim = make()
    counts = {"slid": 0, "stopped": 0, "evacuated": 0, "injured": 0}
    for _ in range(30):
        state = naive.State.of(sim)
        for key, value in naive.advance(state, sim).items():
            counts[key] += value
        sim.step(1)
        assert_state_equal(sim, state)
    if make is guard_scene:
        assert counts["slid"] > 0 and counts["stopped"] > 0
    else:
        assert counts["evacuated"] == 1 and counts["injured"] == 1


def test_contact_scene_exercises_the_friction_limit():
    """Guards the oracle test above against a scene that silently stopped covering its cases."""
    sim = contact_scene()
    c = sim.crowd
    dt = sim.dt_s / sim.substeps
    m_red = c.mass[0] * c.mass[1] / (c.mass[0] + c.mass[1])

    def friction_and_limit(i: int, j: int) -> tuple[float, float]:
        d = c.pos[i] - c.pos[j]
        n = d / np.hypot(*d)
        dvt = (c.vel[j] - c.vel[i]) @ np.array([-n[1], n[0]])
        g = c.radius[i] + c.radius[j] - np.hypot(*d)
        return c.kappa[i] * g * abs(dvt), m_red * abs(dvt) / dt

    ft, limit = friction_and_limit(0, 1)
    assert ft > limit > 0.0
    ft, limit = friction_and_limit(11, 12)
    assert 0.0 < ft < limit


@given(st.data())
def test_step_matches_naive_integrator_random_scenes(data):
    room = data.draw(rooms())
    spec = data.draw(crowds(room, max_agents=15, contact=True))
    sim = simulation(room, spec, dt_s=data.draw(st.sampled_from([0.005, 0.01, 0.05])))
    rng = np.random.default_rng(data.draw(seeds))
    speed = rng.uniform(0.0, 1.0, spec.n) * sim.crowd.vmax
    ang = rng.uniform(0.0, 2 * np.pi, spec.n)
    sim.crowd.vel[:] = np.column_stack([speed * np.cos(ang), speed * np.sin(ang)])
    for _ in range(3):
        state = naive.State.of(sim)
        naive.advance(state, sim)
        sim.step(1)
        assert_state_equal(sim, state)


def test_lattice_is_the_test_worlds_grid():
    """The strategies' lattice must be the floor-field spacing for the invariance tests."""
    room = Room(walkable=box(0, 0, 5, 4), obstacles=(), exits=(box(4, 1, 5, 2.5),))
    assert room.world().nav.h == LATTICE_M

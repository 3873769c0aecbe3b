"""Floor fields: travel times against geometry, directions that route around walls and obstacles.

Tolerances come from the discretisation of ``simcore.navigation.compute_fields``: the exit is
seeded as the set of nodes inside the exit area with the zero level set half a spacing outside
them (so T ≈ distance − h/2, and the discrete exit boundary lies up to one spacing h from the true
one), and the second-order fast marching adds a relative error well under 1 % on the curved
fronts spreading from the exit's corners (measured ≈ 0.3 % at h = 0.25 m over 20 m).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from shapely.geometry import LineString, MultiPolygon, box
from strategies import LATTICE_M, Room, lattice_shifts, rooms, wall_cutoff

import simcore
from simcore.kernels.navigation import desired_direction
from simcore.navigation import WALL_CLEARANCE_M, compute_fields

H = 0.25


def nodes(fields) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (X, Y) of the field's nodes, shaped like one exit's travel array."""
    ny, nx = fields.travel.shape[1:]
    return np.meshgrid(fields.x0 + fields.h * np.arange(nx), fields.y0 + fields.h * np.arange(ny))


def streamline(fields, start, exit_area, *, step_m: float = 0.05, max_steps: int = 2000):
    """Follow the desired direction (the kernel's bilinear lookup) from ``start`` to the exit."""
    p = np.asarray(start, dtype=np.float64)
    path = [p.copy()]
    for _ in range(max_steps):
        e = desired_direction(p[0], p[1], fields.direction, 0, fields.x0, fields.y0, 1.0 / fields.h)
        if e == (0.0, 0.0):
            break
        p = p + step_m * np.array(e)
        path.append(p.copy())
        if shapely.contains_xy(exit_area, *p):
            break
    return np.array(path)


# --- empty room: travel time is the Euclidean distance ----------------------------------------


@pytest.mark.parametrize("h", [0.25, 0.1])
def test_travel_time_is_euclidean_distance_in_the_middle_of_a_wide_room(h):
    """20 m × 20 m room, exit area 1 m deep in the middle of the right wall.

    From any node at least 2 m from the walls, the straight line to the exit stays more than
    WALL_CLEARANCE_M (0.6 m) from every wall, where the speed is 1, so T must be the Euclidean
    distance to the exit area, within h (exit seeding) + 1 % (fast marching).
    """
    walkable = box(0.0, 0.0, 20.0, 20.0)
    exit_area = box(19.0, 8.0, 20.0, 12.0)
    f = compute_fields(walkable=walkable, exits=[exit_area], h=h)
    x, y = nodes(f)
    sel = (x >= 2.0) & (x <= 17.0) & (y >= 2.0) & (y <= 18.0)
    assert 1.0 >= WALL_CLEARANCE_M + 0.3  # the exit's face is 1 m from the back wall
    dist = shapely.distance(exit_area, shapely.points(x[sel], y[sel]))
    travel = f.travel[0][sel].astype(np.float64)
    assert np.all(np.abs(travel - dist) <= h + 0.01 * dist)
    # the direction is the straight line to the exit's nearest point, up to the turn that a shift
    # of the discrete exit boundary by up to h (2h across a corner) makes, atan(2h/d), plus 2°
    near = shapely.get_coordinates(shapely.shortest_line(shapely.points(x[sel], y[sel]), exit_area))
    to_exit = near[1::2] - near[0::2]
    to_exit /= np.hypot(*to_exit.T)[:, None]
    cos = np.clip((f.direction[0][sel] * to_exit).sum(axis=1), -1.0, 1.0)
    angle = np.degrees(np.arccos(cos))
    assert np.all(angle <= 2.0 + np.degrees(np.arctan(2 * h / dist)))


def test_wall_term_slows_along_walls():
    """Along a wall the travel time grows faster than the distance (speed < 1 near walls)."""
    walkable = box(0.0, 0.0, 20.0, 20.0)
    exit_area = box(19.0, 8.0, 20.0, 12.0)
    f = compute_fields(walkable=walkable, exits=[exit_area], h=H)
    along_wall = f.travel_at(np.array([[2.0, 0.1]]))[0, 0]
    mid_room = f.travel_at(np.array([[2.0, 8.0]]))[0, 0]  # the same Euclidean distance (17 m)
    assert along_wall > mid_room + 1.0


def test_unit_directions_on_reachable_nodes():
    f = compute_fields(walkable=box(0.0, 0.0, 10.0, 6.0), exits=[box(9.0, 2.0, 10.0, 4.0)], h=H)
    norm = np.hypot(f.direction[0, ..., 0], f.direction[0, ..., 1])
    np.testing.assert_allclose(norm[f.walkable], 1.0, atol=1e-6)
    assert np.all(f.travel[0][f.walkable] >= 0.0)


# --- L-shaped corridor ----------------------------------------------------------------------

L_CORRIDOR = box(0.0, 0.0, 10.0, 2.0).union(box(8.0, 0.0, 10.0, 10.0))
L_EXIT = box(8.0, 9.0, 10.0, 10.0)


@pytest.fixture(scope="module")
def l_fields():
    return compute_fields(walkable=L_CORRIDOR, exits=[L_EXIT], h=H)


def test_l_corridor_directions_follow_the_legs(l_fields):
    f = l_fields
    x, y = nodes(f)
    d = f.direction[0]
    # up to x = 5: beyond, the quickest path starts to cut the inner corner (8, 2) diagonally
    first_leg = (x >= 0.5) & (x <= 5.0) & (np.abs(y - 1.0) <= 0.25)
    second_leg = (y >= 4.0) & (y <= 8.5) & (np.abs(x - 9.0) <= 0.25)
    assert np.all(d[first_leg][:, 0] > 0.95)  # along +x towards the corner
    assert np.all(d[second_leg][:, 1] > 0.95)  # then along +y to the exit


def test_l_corridor_directions_never_point_into_a_wall(l_fields):
    """From every node where an agent's centre can be (≥ 0.25 m from walls), a 0.2 m step along
    the desired direction stays inside the corridor: at the inner corner too."""
    f = l_fields
    x, y = nodes(f)
    clearance = shapely.distance(L_CORRIDOR.boundary, shapely.points(x, y))
    sel = f.walkable & (clearance >= 0.25)
    d = f.direction[0]
    ahead_x, ahead_y = x + 0.2 * d[..., 0], y + 0.2 * d[..., 1]
    assert np.all(shapely.contains_xy(L_CORRIDOR, ahead_x[sel], ahead_y[sel]))


def test_l_corridor_streamline_turns_the_corner(l_fields):
    """Following the field from the far end reaches the exit, inside, keeping off the walls."""
    path = streamline(l_fields, (0.5, 1.0), L_EXIT)
    assert shapely.contains_xy(L_EXIT, *path[-1])
    line = LineString(path)
    assert L_CORRIDOR.contains(line)
    assert L_CORRIDOR.boundary.distance(line) > 0.3  # the wall term keeps paths off the corner
    # the quickest path: 7.5 m + 8 m (legs' centre lines) minus the cut corner
    assert line.length < 16.0


# --- an obstacle between agent and exit ------------------------------------------------------

OBSTACLE = box(8.0, 2.0, 12.0, 9.0)
OBSTACLE_ROOM = box(0.0, 0.0, 20.0, 10.0).difference(OBSTACLE)
OBSTACLE_EXIT = box(19.0, 4.0, 20.0, 6.0)


def test_obstacle_travel_time_is_the_detour():
    """From (4, 5) the straight line to the exit crosses a 4 m × 7 m obstacle.

    Lower bound: the speed never exceeds 1, so T ≥ the geometric shortest path (below the
    obstacle, around its corners (8, 2) and (12, 2)) − h. Upper bound: along a path that keeps
    ≥ 0.6 m from every wall the speed is 1, so T ≤ its length + discretisation (2h + 1 %).
    """
    f = compute_fields(walkable=OBSTACLE_ROOM, exits=[OBSTACLE_EXIT], h=H)
    p = np.array([4.0, 5.0])
    shortest = LineString([p, (8.0, 2.0), (12.0, 2.0), (19.0, 4.0)])
    clear = LineString([p, (7.55, 1.4), (12.45, 1.4), (19.0, 4.0)])
    assert OBSTACLE_ROOM.boundary.distance(clear) >= WALL_CLEARANCE_M - 1e-9
    t = f.travel_at(p[None, :])[0, 0]
    euclid = OBSTACLE_EXIT.distance(shapely.Point(p))
    assert t >= shortest.length - H
    assert t <= clear.length + 2 * H + 0.01 * clear.length
    assert t > euclid + 1.0  # routed around, not through


def test_obstacle_is_routed_around_by_a_walking_agent():
    world = simcore.World.build(
        walkable=OBSTACLE_ROOM, exits=[("exit", OBSTACLE_EXIT)], wall_cutoff_m=wall_cutoff()
    )
    crowd = simcore.Crowd.create(
        pos=np.array([[4.0, 5.0]]), radius=0.25, v0=1.34, t_start=0.0, params=simcore.NORMAL
    )
    sim = simcore.Simulation(
        world=world,
        crowd=crowd,
        dt_s=0.01,
        wall_A_N=simcore.NORMAL.wall_A_N,
        wall_B_m=simcore.NORMAL.wall_B_m,
    )
    sim.choose_exits()
    path = [crowd.pos[0].copy()]
    while crowd.active[0] and sim.time_s < 30.0:
        sim.step(10)
        path.append(crowd.pos[0].copy())
    assert not crowd.active[0]
    line = LineString(path)
    assert not line.intersects(OBSTACLE)
    assert np.min(np.array(path)[:, 1]) < 2.0  # went below the obstacle (the shorter way)
    # T / v0 = 16.5 m / 1.34 m/s = 12.3 s, plus the start from rest (τ = 0.5 s)
    assert crowd.evac_time[0] < 14.0


# --- unreachable regions -------------------------------------------------------------------

#: Two rooms separated by a 0.1 m wall (thinner than the grid spacing); the exit is in room A.
ROOM_A = box(5.1, 0.0, 10.0, 5.0)
ROOM_B = box(0.0, 0.0, 5.0, 5.0)
TWO_ROOMS = MultiPolygon([ROOM_B, ROOM_A])


@pytest.fixture(scope="module")
def two_rooms_fields():
    return compute_fields(
        walkable=TWO_ROOMS, exits=[box(9.5, 0.0, 10.0, 1.0), box(5.1, 2.0, 5.6, 3.0)], h=H
    )


def test_unreachable_nodes_have_infinite_travel_time(two_rooms_fields):
    f = two_rooms_fields
    x, y = nodes(f)
    in_b = shapely.contains_xy(ROOM_B, x, y)
    # exit areas are excluded from the check below (their travel time is 0 by convention)
    in_exit = shapely.intersects_xy(box(9.5, 0.0, 10.0, 1.0), x, y)
    in_exit |= shapely.intersects_xy(box(5.1, 2.0, 5.6, 3.0), x, y)
    in_a = shapely.contains_xy(ROOM_A, x, y) & ~in_exit
    assert in_b.any() and in_a.any()
    for e in range(2):
        assert np.all(np.isinf(f.travel[e][in_b]))
        assert np.all(np.isfinite(f.travel[e][in_a]))
        # no direction where there is nowhere to go: agents there stand still
        assert np.all(f.direction[e][in_b] == 0.0)


def test_travel_at_is_infinite_in_unreachable_regions(two_rooms_fields):
    """Regression: bilinear interpolation of inf travel times gave NaN, not inf."""
    t = two_rooms_fields.travel_at(np.array([[2.0, 2.0], [2.1, 3.3]]))
    assert np.all(np.isposinf(t))


def test_path_distance_next_to_a_wall_shared_with_an_unreachable_room(two_rooms_fields):
    """An agent in the reachable room, 0.1 m from the thin wall and 0.45 m from the near exit.

    Regression: the nodes inside the thin wall copy the travel time of a nearest walkable node,
    here one in the unreachable room (inf); interpolating over them gave NaN for every exit and
    exit choice fell back to exit 0, 5 m away. Only finite corners are interpolated now.
    """
    t = two_rooms_fields.travel_at(np.array([[5.2, 3.5]]))[0]
    assert np.all(np.isfinite(t))
    assert np.argmin(t) == 1


def test_agent_in_an_unreachable_room_stands_still():
    """No way out: infinite path distance, no desired direction, no NaN; it simply stays."""
    world = simcore.World.build(
        walkable=TWO_ROOMS, exits=[("a", box(9.5, 0.0, 10.0, 1.0))], wall_cutoff_m=wall_cutoff()
    )
    crowd = simcore.Crowd.create(
        pos=np.array([[2.0, 2.0], [7.0, 2.5]]),
        radius=0.25,
        v0=1.34,
        t_start=0.0,
        params=simcore.NORMAL,
    )
    sim = simcore.Simulation(
        world=world,
        crowd=crowd,
        dt_s=0.01,
        wall_A_N=simcore.NORMAL.wall_A_N,
        wall_B_m=simcore.NORMAL.wall_B_m,
    )
    dist = sim.choose_exits()
    assert np.isposinf(dist[0, 0]) and np.isfinite(dist[1, 0])
    sim.step(600)
    assert np.array_equal(crowd.pos[0], [2.0, 2.0])
    assert np.all(np.isfinite(crowd.pos)) and np.all(np.isfinite(sim.desired))
    assert crowd.active[0] and not crowd.active[1]


# --- invariance of the fields ------------------------------------------------------------------


@settings(max_examples=15)
@given(rooms(), lattice_shifts())
def test_fields_are_translation_invariant_bit_for_bit(room, shift):
    """Shifting a lattice room by a lattice vector shifts the grid with it: identical fields."""
    a = room.world().nav
    b = room.transformed([1, 0, 0, 1, *shift]).world().nav
    assert (b.x0 - a.x0, b.y0 - a.y0) == tuple(shift)
    assert np.array_equal(a.walkable, b.walkable)
    assert np.array_equal(a.travel, b.travel)
    assert np.array_equal(a.direction, b.direction)


def rot90_nodes(a: np.ndarray) -> np.ndarray:
    """Node array (ny, nx, ...) of a lattice room, as seen on the grid of the room rotated +90°."""
    return np.flip(np.swapaxes(a, 0, 1), axis=1)


@settings(max_examples=15)
@given(rooms())
def test_fields_are_rotation_equivariant_on_regular_nodes(room):
    """Rotating a lattice room by 90° rotates travel times and directions at walkable nodes.

    The eikonal equation is isotropic, but fast marching accepts nodes of equal value in heap
    order, which a rotation changes, and the second-order update then uses different one-sided
    stencils: the travel times differ by a fraction of the scheme's local error (≤ 5 mm observed
    at h = 0.25 m over 150 rooms). We allow h/10 for T, and for the directions (normalised
    central differences of T over 2h) 2·(h/10)/(2h) = 0.1 (observed ≤ 0.01).
    Nodes outside the walkable area and inside exit areas are excluded: they copy a nearest
    regular node, with ties broken by scan order (see
    ``test_simulation.py::test_full_pipeline_rotation_invariance``).
    """
    a = room.world().nav
    b = room.transformed([0, -1, 1, 0, 0, 0]).world().nav
    assert np.array_equal(rot90_nodes(a.walkable), b.walkable)
    regular = b.walkable.copy()
    x, y = nodes(b)
    for area in room.transformed([0, -1, 1, 0, 0, 0]).exits:
        regular &= ~shapely.intersects_xy(area, x, y)
    for e in range(len(room.exits)):
        ta = rot90_nodes(a.travel[e])
        np.testing.assert_allclose(ta[regular], b.travel[e][regular], rtol=0, atol=H / 10)
        da = a.direction[e]
        turned = rot90_nodes(np.stack([-da[..., 1], da[..., 0]], axis=-1))
        np.testing.assert_allclose(turned[regular], b.direction[e][regular], rtol=0, atol=0.1)


def test_strategy_rooms_use_the_field_grid():
    room = Room(walkable=box(0.0, 0.0, 5.0, 4.0), obstacles=(), exits=(box(4.0, 1.0, 5.0, 2.5),))
    assert room.world().nav.h == LATTICE_M == H

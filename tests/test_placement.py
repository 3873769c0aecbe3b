"""Agent placement: benchmark checksums, a naive oracle of the rule, and its invariants."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

import scenarios
from scenarios.bench import room4, room4_exit_indices, room4_side_m
from scenarios.placement import BATCH
from simcore.errors import GeometryError

# sha256 over the positions (float64, C order) then the exit indices (int64) of the room4
# benchmark: rng = default_rng(42), L = sqrt(2N), radius 0.2 m, spacing 0.1 m.
ROOM4_SHA256 = {
    1000: "e7d67baf8d1137ae386e37e97a0ced8da15f2142b66c47c4b663f78dbb19302a",
    10000: "afb8a549f42e8cace046284682ec74217f19ba5449489b8ccaaa1dac76fc3da5",
    50000: "86b9db267b1f232bb2fedecdc2c60cb4bc39615934c766eaad8c8afcf3627db4",
}


def _digest(positions: np.ndarray, exits: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(positions, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(exits, dtype=np.int64).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("n", sorted(ROOM4_SHA256))
def test_room4_checksums(n: int) -> None:
    side = math.sqrt(2 * n)
    pos = scenarios.place_population(
        box(0, 0, side, side), count=n, radii=0.2, spacing_m=0.1, rng=np.random.default_rng(42)
    )
    assert pos.shape == (n, 2) and pos.dtype == np.float64 and pos.flags.c_contiguous
    centres = np.array([(side / 2, 0), (side, side / 2), (side / 2, side), (0, side / 2)])
    exits = np.argmin(np.linalg.norm(pos[:, None, :] - centres[None], axis=2), axis=1)
    assert _digest(pos, exits) == ROOM4_SHA256[n]


def test_room4_scenario_reproduces_the_checksum() -> None:
    n = 1000
    scenario = room4(n)
    pos = np.asarray(scenario.populations[0].positions)
    assert _digest(pos, room4_exit_indices(pos, n=n)) == ROOM4_SHA256[n]
    assert scenario.exit_ids == ["S", "E", "N", "W"]
    side = room4_side_m(n)
    w = max(2.0, side / 10)
    south = scenario.exit("S").shape()
    assert south.bounds == pytest.approx((side / 2 - w / 2, -1.0, side / 2 + w / 2, 0.0))
    assert scenario.dt_s == 0.01 and scenario.duration_s == 20.0
    assert scenario.populations[0].radius_m == 0.2
    assert scenario.populations[0].desired_speed_mps == 1.34


def test_room4_region_with_vestibules_draws_the_same_points() -> None:
    """The square clipped by the walkable floor (room + vestibules) keeps the exact bounds."""
    n = 1000
    side = room4_side_m(n)
    floor = room4(n).walkable_area()
    a = scenarios.place_population(
        box(0, 0, side, side), count=n, radii=0.2, spacing_m=0.1, rng=np.random.default_rng(42)
    )
    b = scenarios.place_population(
        box(0, 0, side, side),
        count=n,
        radii=0.2,
        spacing_m=0.1,
        rng=np.random.default_rng(42),
        obstacles_free_area=floor,
    )
    assert np.array_equal(a, b)


# --------------------------------------------------------------------------------------------------
# Oracle: the rule written naively (every pair, shapely distances), for arbitrary geometry


def naive_place(
    region: shapely.Geometry, count: int, radii: np.ndarray, spacing: float, seed: int
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    d = float(f"{radii.min() + spacing:.12g}")
    eb, rb = region.buffer(-d).bounds, region.bounds
    low = np.array([max(eb[0], rb[0] + d), max(eb[1], rb[1] + d)])
    high = np.array([min(eb[2], rb[2] - d), min(eb[3], rb[3] - d)])
    placed: list[np.ndarray] = []
    idle = 0
    while len(placed) < count and idle < 50:
        before = len(placed)
        for p in rng.uniform(low, high, size=(BATCH, 2)):
            k = len(placed)
            if k == count:
                break
            point = shapely.Point(p)
            if not region.contains(point):
                continue
            if region.boundary.distance(point) + 1e-9 < radii[k] + spacing:
                continue
            if all(math.dist(p, q) >= radii[k] + radii[i] + spacing for i, q in enumerate(placed)):
                placed.append(p)
        idle = 0 if len(placed) > before else idle + 1
    return np.array(placed).reshape(-1, 2)


def _hall() -> Polygon:
    """An L-shaped hall with a pillar and a kiosk (holes), to exercise reflex corners."""
    outline = Polygon([(0, 0), (12, 0), (12, 5), (6, 5), (6, 9), (0, 9)])
    return outline.difference(box(2, 2, 3, 3)).difference(box(8, 1, 10, 2.5))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_naive_oracle_with_variable_radii_and_obstacles(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 60
    radii = rng.uniform(0.15, 0.35, size=n)
    spawn = box(0.5, 0.5, 11.0, 8.0)
    floor = _hall()
    got = scenarios.place_population(
        spawn,
        count=n,
        radii=radii,
        spacing_m=0.1,
        rng=np.random.default_rng(seed),
        obstacles_free_area=floor,
    )
    expected = naive_place(spawn.intersection(floor), n, radii, 0.1, seed)
    assert np.array_equal(got, expected)


# --------------------------------------------------------------------------------------------------
# Invariants


def _assert_valid(
    pos: np.ndarray, radii: np.ndarray, spacing: float, region: shapely.Geometry
) -> None:
    n = len(pos)
    if n > 1:
        d = np.hypot(*(pos[:, None, :] - pos[None, :, :]).transpose(2, 0, 1))
        need = radii[:n, None] + radii[None, :n] + spacing
        np.fill_diagonal(d, np.inf)
        assert np.all(d >= need), "agents overlap"
    assert np.all(shapely.contains_xy(region, pos[:, 0], pos[:, 1])), "agent outside the area"
    clearance = shapely.distance(region.boundary, shapely.points(pos))
    assert np.all(clearance >= radii[:n] + spacing - 1e-9), "agent closer to a wall than allowed"


def test_no_overlap_and_inside_area() -> None:
    floor = _hall()
    radii = np.random.default_rng(5).uniform(0.18, 0.3, size=120)
    pos = scenarios.place_population(
        floor, count=120, radii=radii, spacing_m=0.05, rng=np.random.default_rng(9)
    )
    _assert_valid(pos, radii, 0.05, floor)


def test_deterministic_for_a_seed_and_seed_sensitive() -> None:
    def run(seed: int) -> tuple[np.ndarray, float]:
        rng = np.random.default_rng(seed)
        pos = scenarios.place_population(_hall(), count=80, radii=0.25, spacing_m=0.1, rng=rng)
        return pos, rng.random()

    (a, next_a), (b, next_b), (c, _) = run(3), run(3), run(4)
    assert np.array_equal(a, b) and next_a == next_b  # same points and same generator state after
    assert not np.array_equal(a, c)


def test_occupied_agents_are_avoided() -> None:
    occupied = np.array([[2.0, 2.0], [4.0, 4.0], [6.0, 2.5]])
    pos = scenarios.place_population(
        box(0, 0, 8, 6),
        count=60,
        radii=0.2,
        spacing_m=0.1,
        rng=np.random.default_rng(1),
        occupied_xy=occupied,
        occupied_radii=0.5,
    )
    d = np.linalg.norm(pos[:, None, :] - occupied[None], axis=2)
    assert np.all(d >= 0.2 + 0.5 + 0.1)


def test_gives_up_and_says_how_many_fitted() -> None:
    area = box(0, 0, 3, 3)
    result = scenarios.try_place_population(
        area, count=200, radii=0.25, spacing_m=0.1, rng=np.random.default_rng(0)
    )
    assert 5 < result.placed < 200 and not result.complete
    assert result.batches >= 50  # gave up after 50 batches without progress
    _assert_valid(result.positions, np.full(200, 0.25), 0.1, area)
    with pytest.raises(GeometryError, match=rf"only {result.placed} of 200 agents fit"):
        scenarios.place_population(
            area, count=200, radii=0.25, spacing_m=0.1, rng=np.random.default_rng(0)
        )


def test_area_thinner_than_a_body_places_nobody_and_draws_nothing() -> None:
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    result = scenarios.try_place_population(
        box(0, 0, 10, 0.5), count=3, radii=0.2, spacing_m=0.1, rng=rng
    )
    assert result.placed == 0 and result.batches == 0
    assert rng.bit_generator.state == state


def test_scales_to_fifty_thousand_quickly() -> None:
    import time

    side = math.sqrt(2 * 50_000)
    scenarios.place_population(  # warm (numba cache load)
        box(0, 0, 5, 5), count=5, radii=0.2, spacing_m=0.1, rng=np.random.default_rng(0)
    )
    t0 = time.perf_counter()
    scenarios.place_population(
        box(0, 0, side, side), count=50_000, radii=0.2, spacing_m=0.1, rng=np.random.default_rng(1)
    )
    assert time.perf_counter() - t0 < 5.0


@st.composite
def rooms(draw: st.DrawFn) -> tuple[shapely.Geometry, np.ndarray, float, int]:
    w = draw(st.floats(2.0, 12.0))
    h = draw(st.floats(2.0, 12.0))
    room: shapely.Geometry = box(0, 0, w, h)
    for _ in range(draw(st.integers(0, 3))):
        x = draw(st.floats(0.0, w - 0.5))
        y = draw(st.floats(0.0, h - 0.5))
        room = room.difference(box(x, y, x + draw(st.floats(0.2, 2)), y + draw(st.floats(0.2, 2))))
    n = draw(st.integers(1, 80))
    seed = draw(st.integers(0, 2**32 - 1))
    radii = np.random.default_rng(seed).uniform(0.15, 0.3, size=n)
    return room, radii, draw(st.floats(0.0, 0.3)), seed


@given(case=rooms())
def test_placement_invariants_hold_in_random_rooms(
    case: tuple[shapely.Geometry, np.ndarray, float, int],
) -> None:
    room, radii, spacing, seed = case
    result = scenarios.try_place_population(
        room, count=len(radii), radii=radii, spacing_m=spacing, rng=np.random.default_rng(seed)
    )
    _assert_valid(result.positions, radii, spacing, room)
    again = scenarios.try_place_population(
        room, count=len(radii), radii=radii, spacing_m=spacing, rng=np.random.default_rng(seed)
    )
    assert np.array_equal(result.positions, again.positions)

"""Perception, fear and flight: scenario-level behaviour with numeric tolerances, and properties.

A perceived threat must make people move away from it and leave sooner than they would have;
walls must hide it from sight; fear must stay in [0, 1] and spread outward from the witnesses;
harmed agents must never move again.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st
from shapely.geometry import Point, box

import scenarios
import simcore
from scenarios.build import build
from simcore.threats import FearParams, Threat, ThreatArrays


def load(text: str) -> scenarios.Scenario:
    return scenarios.loads(text, fmt="toml")


# A 20 m × 10 m hall with doors in the middle of the west and east walls; 30 people in the
# middle, who would wait 30 s before leaving. A knife attacker (harmless here: p = 0) appears at
# the centre at t = 1 s: everyone sees it.
HALL = """
schema_version = 1
name = "hall"
duration_s = 60.0
dt_s = 0.05
record_fps = 4
[geometry]
walkable = "POLYGON ((0 0, 20 0, 20 10, 0 10, 0 0))"
[[exits]]
id = "west"
area = "POLYGON ((0 4, 1 4, 1 6, 0 6, 0 4))"
[[exits]]
id = "east"
area = "POLYGON ((19 4, 20 4, 20 6, 19 6, 19 4))"
[[populations]]
id = "crowd"
area = "POLYGON ((6 2, 14 2, 14 8, 6 8, 6 2))"
count = 30
premovement_s = 30.0
[navigation]
grid_m = 0.25
"""
KNIFE_AT_CENTRE = """
[[threats]]
id = "attacker"
kind = "knife"
start_s = 1.0
path = [[10.0, 5.0]]
speed_mps = 0.0
hit_probability = 0.0
"""


def evacuate(sim: simcore.Simulation, until_s: float) -> None:
    while sim.n_mobile and sim.time_s < until_s - 1e-9:
        sim.step(20)


def test_perceivers_move_away_from_the_threat_and_leave_sooner():
    sim = build(load(HALL + KNIFE_AT_CENTRE), seed=1).simulation
    c = sim.crowd
    centre = np.array([10.0, 5.0])

    def mean_distance() -> float:
        return float(np.hypot(*(c.pos - centre).T).mean())

    sim.step(20)  # t = 1 s: the attacker appears
    sim.step(1)
    assert np.all(c.t_perceive == 1.0)  # all within sight, at once
    # perception pulls the start forward to perception + reaction time
    assert np.allclose(c.t_start, 1.0 + sim.fear.reaction_s)
    d = [mean_distance()]
    for _ in range(6):  # 0.5 s samples over 3 s
        sim.step(10)
        d.append(mean_distance())
    assert np.all(np.diff(d[1:]) > 0.0), d  # moving away once they start
    assert d[-1] > d[0] + 3.0, d
    assert np.all(c.fear[c.active] > 0.5)
    evacuate(sim, 60.0)
    assert not c.active.any() and not c.harmed.any()
    t90_threat = np.quantile(c.evac_time, 0.9)

    calm = build(load(HALL), seed=1).simulation
    evacuate(calm, 60.0)
    assert not calm.crowd.active.any()
    t90_calm = np.quantile(calm.crowd.evac_time, 0.9)
    assert calm.crowd.evac_time.min() > 30.0  # without the threat they waited
    assert t90_threat < 15.0
    assert t90_threat < t90_calm - 15.0


def test_exit_choice_avoids_the_route_past_the_threat():
    """People at x = 12–14 are nearer the east door (x = 20), but the attacker stands at x = 16
    between them and it: they turn to the west door. Without the threat they all go east."""
    crowd = 'area = "POLYGON ((6 2, 14 2, 14 8, 6 8, 6 2))"'
    text = HALL.replace(crowd, 'area = "POLYGON ((12 3, 14 3, 14 7, 12 7, 12 3))"').replace(
        "count = 30", "count = 10"
    )
    threat = KNIFE_AT_CENTRE.replace("[[10.0, 5.0]]", "[[16.0, 5.0]]")
    calm = build(load(text), seed=2).simulation
    assert np.all(calm.crowd.target == 1)  # east is nearer for everyone
    sim = build(load(text + threat), seed=2).simulation
    evacuate(sim, 30.0)
    c = sim.crowd
    assert not c.active.any()
    assert np.mean(c.evac_exit == 0) >= 0.8, c.evac_exit


# Two rooms side by side, joined by a 2 m gap at the north end of the dividing wall (x = 10,
# y 0–8). A knife attacker at (5, 3) in the west room, heard only within 1 m: the west group sees
# it, the east group (behind the wall) must not.
TWO_ROOMS = """
schema_version = 1
name = "wall"
duration_s = 60.0
dt_s = 0.05
record_fps = 4
[geometry]
walkable = "POLYGON ((0 0, 20 0, 20 10, 0 10, 0 0))"
obstacles = ["POLYGON ((9.9 0, 10.1 0, 10.1 8, 9.9 8, 9.9 0))"]
[[exits]]
id = "west"
area = "POLYGON ((0 4, 1 4, 1 6, 0 6, 0 4))"
[[exits]]
id = "east"
area = "POLYGON ((19 4, 20 4, 20 6, 19 6, 19 4))"
[[populations]]
id = "in-sight"
area = "POLYGON ((2 1, 8 1, 8 4, 2 4, 2 1))"
count = 10
premovement_s = 50.0
exits = ["west"]
[[populations]]
id = "behind-wall"
area = "POLYGON ((12.5 1, 18 1, 18 4, 12.5 4, 12.5 1))"
count = 10
premovement_s = 50.0
exits = ["east"]
[[threats]]
id = "attacker"
kind = "knife"
path = [[5.0, 3.0]]
speed_mps = 0.0
hit_probability = 0.0
visual_range_m = 30.0
auditory_range_m = 1.0
"""


def test_nobody_perceives_a_threat_through_a_wall():
    sim = build(load(TWO_ROOMS), seed=0).simulation
    c = sim.crowd
    east = c.population == 1
    # every east agent is in visual range, none is within hearing
    d = np.hypot(*(c.pos[east] - (5.0, 3.0)).T)
    assert np.all(d < 30.0) and np.all(d > 1.0)
    spawn = c.pos.copy()
    for _ in range(10):
        sim.step(10)
        assert np.all(np.isnan(c.t_perceive[east])) and np.all(c.fear[east] == 0.0)
    assert np.all(np.isfinite(c.t_perceive[~east])) and np.all(c.fear[~east] > 0.5)
    assert np.array_equal(c.pos[east], spawn[east])  # still waiting, unaware


def test_fear_spreads_outward_from_the_first_witnesses():
    """A 2 × 20 line of people 0.8 m apart; only the two columns nearest the attacker see it (visual
    range 1.5 m, hearing 0.5 m). Nobody moves (reaction time 500 s, threat repulsion off), so
    only contagion carries fear along the line: the time at which fear first exceeds 0.1 must
    grow with the distance from the attacker, and fear must stay in [0, 1] throughout."""
    pos = [[1.0 + 0.8 * i, 2.5 + dy] for i in range(20) for dy in (-0.4, 0.4)]
    text = f"""
schema_version = 1
name = "spread"
duration_s = 2000.0
dt_s = 0.05
[geometry]
walkable = "POLYGON ((0 0, 20 0, 20 5, 0 5, 0 0))"
[[exits]]
id = "east"
area = "POLYGON ((19 1, 20 1, 20 4, 19 4, 19 1))"
[[populations]]
id = "line"
positions = {pos}
premovement_s = 1000.0
[fear]
reaction_s = 500.0
threat_A_N = 0.0
[[threats]]
id = "attacker"
kind = "knife"
path = [[0.5, 2.5]]
hit_probability = 0.0
visual_range_m = 1.5
auditory_range_m = 0.5
"""
    sim = build(load(text), seed=0).simulation
    c = sim.crowd
    spawn = c.pos.copy()
    dist = np.hypot(*(spawn - (0.5, 2.5)).T)
    first = np.full(c.n, np.nan)
    for _ in range(150):  # 15 s in 0.1 s samples
        sim.step(2)
        assert np.all((c.fear >= 0.0) & (c.fear <= 1.0))
        first[np.isnan(first) & (c.fear > 0.1)] = sim.time_s
    assert np.array_equal(c.pos, spawn)
    witnesses = dist < 1.5
    col = np.arange(c.n) // 2
    assert witnesses.sum() == 4
    assert np.all(np.isfinite(c.t_perceive[witnesses]))
    assert np.all(np.isnan(c.t_perceive[~witnesses]))
    # column by column (both members of a column are equally far), outward from the witnesses
    assert np.all(witnesses == (col < 2))
    reached = [first[col == k].max() for k in range(20)]
    assert np.all(first[witnesses] <= 0.1 + 1e-9)  # witnesses: at once
    reached_cols = [t for t in reached[1:] if np.isfinite(t)]
    assert len(reached_cols) >= 6  # fear travelled at least 5 columns (4 m) past the witnesses
    assert np.all(np.diff(reached_cols) > 0.0), reached
    # those it has not reached yet are the farthest ones
    assert all(np.isnan(t) for t in reached[len(reached_cols) + 1 :])
    # and the fear level itself falls with distance along the line
    level = [c.fear[col == k].mean() for k in range(20)]
    assert np.all(np.diff(level[1:]) < 0.0), level


# --------------------------------------------------------------------------------------------------
# properties under random threats

PROPERTY_FLOOR = box(0.0, 0.0, 12.0, 8.0).difference(box(5.0, 3.0, 6.0, 5.0))


@functools.cache
def property_world() -> simcore.World:
    return simcore.World.build(
        walkable=PROPERTY_FLOOR,
        exits=[("west", box(0.0, 3.0, 0.6, 5.0)), ("east", box(11.4, 3.0, 12.0, 5.0))],
        wall_cutoff_m=0.25 + 8 * simcore.NORMAL.wall_B_m + 0.05,
        grid_m=0.25,
    )


@st.composite
def threats(draw) -> Threat:
    kind = draw(st.sampled_from(["knife", "firearm", "vehicle", "blast", "hazard"]))

    def point() -> tuple[float, float]:
        x, y = draw(st.floats(0.5, 11.5)), draw(st.floats(0.5, 7.5))
        if 4.7 < x < 6.3 and 2.7 < y < 5.3:  # on the pillar: step west of it
            x = 4.5
        return x, y

    path = np.array([point(), point()] if kind == "vehicle" else [point()])
    return Threat(
        id="t",
        kind=kind,
        path=path,
        t_on_s=draw(st.floats(0.0, 1.0)),
        speed_mps=draw(st.floats(0.0, 8.0)),
        pursue=draw(st.booleans()),
        r_vis_m=draw(st.floats(0.0, 20.0)),
        r_aud_m=draw(st.floats(0.0, 10.0)),
        rate_per_s=draw(st.floats(0.5, 5.0)),
        p_hit=draw(st.floats(0.0, 1.0)),
        min_speed_mps=0.5,
        charge_kg=draw(st.floats(0.1, 20.0)),
        r0_m=draw(st.floats(0.5, 3.0)),
        growth_mps=draw(st.floats(0.0, 1.0)),
        rmax_m=4.0,
        dwell_s=draw(st.floats(0.1, 2.0)),
        intensity=draw(st.floats(0.1, 10.0)),
    )


@given(
    threats(),
    st.integers(2, 25),
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 20.0),
    st.floats(0.1, 50.0),
)
def test_fear_stays_in_unit_interval_and_harmed_agents_never_move(threat, n, seed, alpha, rise):
    """Any threat anywhere, any crowd, strong or weak fear rise and contagion: after every step
    fear is in [0, 1], casualties stay exactly where they fell (still inside, velocity 0), and
    nobody leaves the floor."""
    rng = np.random.default_rng(seed)
    inside = PROPERTY_FLOOR.buffer(-0.3)
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        p = (rng.uniform(0.3, 11.7), rng.uniform(0.3, 7.7))
        if inside.contains(Point(p)) and all(
            (p[0] - a) ** 2 + (p[1] - b) ** 2 > 0.25 for a, b in pts
        ):
            pts.append(p)
    crowd = simcore.Crowd.create(
        pos=np.array(pts), radius=0.22, v0=rng.uniform(0.8, 1.6, n),
        t_start=rng.uniform(0.0, 3.0, n), params=simcore.NORMAL,
        openness=rng.uniform(0.0, 1.0, n), group=rng.integers(-1, 3, n),
    )  # fmt: skip
    sim = simcore.Simulation(
        world=property_world(), crowd=crowd, dt_s=0.05, wall_A_N=simcore.NORMAL.wall_A_N,
        wall_B_m=simcore.NORMAL.wall_B_m, threats=ThreatArrays.build([threat]),
        fear=FearParams(contagion_per_s=alpha, rise_per_s=rise), seed=seed,
    )  # fmt: skip
    sim.choose_exits()
    c = sim.crowd
    fallen: dict[int, tuple[float, float]] = {}
    for _ in range(50):  # 2.5 s
        sim.step(1)
        assert np.all((c.fear >= 0.0) & (c.fear <= 1.0)) and np.all(np.isfinite(c.fear))
        for i, xy in fallen.items():
            assert tuple(c.pos[i]) == xy and c.harmed[i] and c.active[i]
        assert np.all(c.vel[c.harmed] == 0.0)
        for i in np.flatnonzero(c.harmed):
            fallen.setdefault(int(i), (c.pos[i, 0], c.pos[i, 1]))
        # no agent outside the floor (casualties are obstacles, not holes in the walls)
        assert all(PROPERTY_FLOOR.contains(Point(p)) for p in c.pos[c.active])
    event(f"{threat.kind}: {'someone' if fallen else 'nobody'} harmed")
    event(f"fear {'> 0.5' if c.fear.max() > 0.5 else '≤ 0.5'}")

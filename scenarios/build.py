"""Compile a scenario to simulation arrays: ``simcore.World`` + ``simcore.Crowd`` + ``Simulation``.

Layout changes (exits closed or opened, barriers added or removed) are compiled up front: one
``World`` per distinct layout of the event timeline, floor fields included, so switching during
the run costs nothing (no visible hitch) and the fields come from the cache on later runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from simcore import PARAMETER_SETS, Crowd, ForceParams, Simulation, World
from simcore.errors import ScenarioError
from simcore.navigation import default_cache_dir
from simcore.simulation import LayoutChange, social_range_m
from simcore.threats import FearParams, Threat, ThreatArrays

from .models import Scenario
from .placement import spawn_agents
from .threats import EventAction, end_time, rating_stops

__all__ = ["Built", "Layout", "build", "layout_timeline", "population_params"]

#: Margin (m) added to the wall-force range so the segment grid also covers one step's move.
WALL_GRID_MARGIN_M = 0.05


@dataclass(frozen=True)
class Layout:
    """Which exits are open and which barriers are in place."""

    open_exits: frozenset[str]
    barriers: frozenset[str]


@dataclass(frozen=True, eq=False)
class Built:
    """A scenario compiled and ready to run.

    Attributes:
        simulation: the simulation at t = 0, exits chosen.
        steps_per_frame: simulation steps between two recorded frames.
        parameters: the social-force constants in force, per population id (for run_info).
        allowed: (P, E) bool, the exits each population may use.
        path_distance: (N, E) path distance of each agent to each allowed exit at t = 0 (m, inf
            for exits the agent may not use or cannot reach): the basis of the logged exit choice.
        layouts: (time_s, layout, walkable WKT) of every layout in force, the first at t = 0.
        alarm_s: time of the first alarm, or None.
    """

    simulation: Simulation
    steps_per_frame: int
    parameters: dict[str, Any]
    allowed: np.ndarray
    path_distance: np.ndarray
    layouts: list[tuple[float, Layout]]
    alarm_s: float | None


def population_params(scenario: Scenario) -> list[ForceParams]:
    """The parameter set of each population: its named set, then scenario and own overrides."""
    return [
        PARAMETER_SETS[scenario.parameter_set(p).value].with_overrides(scenario.model_overrides(p))
        for p in scenario.populations
    ]


def layout_timeline(scenario: Scenario) -> list[tuple[float, Layout, str, str, str]]:
    """The layout at t = 0 and after each layout event: (time, layout, kind, target, text)."""
    state = Layout(
        frozenset(e.id for e in scenario.exits if e.open),
        frozenset(b.id for b in scenario.barriers if b.active),
    )
    out = [(0.0, state, "", "", "")]
    for ev in sorted(scenario.events, key=lambda e: e.time_s):
        if ev.action == EventAction.ALARM:
            continue
        ex, br = set(state.open_exits), set(state.barriers)
        {
            EventAction.CLOSE_EXIT: ex.discard,
            EventAction.OPEN_EXIT: ex.add,
            EventAction.ADD_BARRIER: br.add,
            EventAction.REMOVE_BARRIER: br.discard,
        }[ev.action](ev.target)
        state = Layout(frozenset(ex), frozenset(br))
        out.append((float(ev.time_s), state, ev.action.value, ev.target or "", ev.label()))
    return out


def _groups(pos: np.ndarray, population: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Group ids: each agent with its nearest unassigned neighbours of the same population."""
    group = np.full(len(pos), -1, dtype=np.int64)
    next_id = 0
    for p, g in enumerate(sizes):
        idx = np.flatnonzero(population == p)
        if g <= 1 or idx.size == 0:
            continue
        tree = cKDTree(pos[idx])
        free = np.ones(idx.size, dtype=bool)
        for a in range(idx.size):
            if not free[a]:
                continue
            _, near = tree.query(pos[idx[a]], k=min(idx.size, 4 * g))
            members = [b for b in np.atleast_1d(near) if free[b]][:g]
            free[members] = False
            group[idx[members]] = next_id
            next_id += 1
    return group


def _vehicle_stop(spec, barriers: dict[str, shapely.Geometry], ratings: dict[str, str]) -> float:
    """Arc length along the vehicle's path where its front meets the first barrier rated for it."""
    path = shapely.LineString(spec.path)
    hits = []
    for bid, shape in barriers.items():
        if not rating_stops(ratings[bid], spec.vehicle_class):
            continue
        inter = path.buffer(spec.width_m / 2.0, cap_style="flat").intersection(shape)
        if inter.is_empty:
            continue
        pts = shapely.get_coordinates(inter)
        hits.append(min(path.project(shapely.Point(p)) for p in pts))
    if not hits:
        return math.inf
    return max(min(hits) - spec.length_m / 2.0, 0.0)


def _threats(scenario: Scenario, layouts) -> list[Threat]:
    shapes = {b.id: b.shape() for b in scenario.barriers}
    ratings = {b.id: b.rating for b in scenario.barriers}
    out = []
    for spec in scenario.threats:
        common = {
            "id": spec.id,
            "kind": spec.kind,
            "path": np.asarray(spec.path, dtype=np.float64),
            "t_on_s": float(spec.start_s),
            "t_off_s": end_time(spec),
            "speed_mps": float(spec.speed_mps),
            "r_vis_m": float(spec.visual_range_m),
            "r_aud_m": float(spec.auditory_range_m),
            "intensity": float(spec.intensity),
        }
        if spec.kind == "knife":
            extra = {"pursue": spec.pursue, "reach_m": spec.reach_m,
                     "rate_per_s": spec.attack_rate_per_s, "p_hit": spec.hit_probability}  # fmt: skip
        elif spec.kind == "firearm":
            extra = {"pursue": spec.pursue, "rate_per_s": spec.attack_rate_per_s,
                     "p_hit": spec.hit_probability, "d50_m": spec.range_scale_m}  # fmt: skip
        elif spec.kind == "vehicle":
            in_place = [lay for t, lay, *_ in layouts if t <= spec.start_s][-1].barriers
            stop = _vehicle_stop(spec, {b: shapes[b] for b in in_place}, ratings)
            extra = {"length_m": spec.length_m, "width_m": spec.width_m,
                     "min_speed_mps": spec.min_harm_speed_mps, "stop_s_m": stop}  # fmt: skip
        elif spec.kind == "blast":
            extra = {"charge_kg": spec.charge_kg}
        else:
            rmax = spec.max_radius_m if spec.max_radius_m is not None else spec.radius_m
            extra = {"r0_m": spec.radius_m, "growth_mps": spec.growth_mps, "rmax_m": rmax,
                     "dwell_s": spec.incapacitation_s}  # fmt: skip
        out.append(Threat(**common, **extra))
    return out


def build(scenario: Scenario, *, seed: int | None = None, cache_dir: Path | None = None) -> Built:
    """Place the agents, compile the layouts and floor fields, choose exits.

    Exit choice: each agent takes the nearest open exit by path distance (the floor field's
    travel time, which includes the wall-distance term) among the exits its population may use;
    it chooses again when the layout changes and when it perceives a threat.

    Args:
        scenario: a loaded, checked scenario.
        seed: overrides ``scenario.seed``; placement and per-agent draws use
            ``numpy.random.default_rng(seed)`` (see :func:`scenarios.spawn_agents`).
        cache_dir: floor-field cache (default :func:`simcore.navigation.default_cache_dir`).

    Raises:
        ScenarioError: an agent cannot reach any exit its population may use.
    """
    seed = scenario.seed if seed is None else int(seed)
    agents = spawn_agents(scenario, rng=np.random.default_rng(seed))
    params = population_params(scenario)
    base = PARAMETER_SETS[scenario.parameter_set().value].with_overrides(scenario.model_overrides())
    r_max = float(agents.radius_m.max()) if len(agents) else 0.25
    cache = default_cache_dir() if cache_dir is None else cache_dir
    exits = [(e.id, e.shape()) for e in scenario.exits]

    timeline = layout_timeline(scenario)
    worlds: dict[Layout, World] = {}
    for _, lay, *_ in timeline:
        if lay not in worlds:
            worlds[lay] = World.build(
                walkable=scenario.walkable_area(open_exits=lay.open_exits, barriers=lay.barriers),
                exits=exits,
                wall_cutoff_m=r_max
                + social_range_m(A_N=base.wall_A_N, B_m=base.wall_B_m)
                + WALL_GRID_MARGIN_M,
                grid_m=scenario.navigation.grid_m,
                cache_dir=cache,
                exit_open=[e.id in lay.open_exits for e in scenario.exits],
            )
    alarms = [e.time_s for e in scenario.events if e.action == EventAction.ALARM]
    alarm_s = float(min(alarms)) if alarms else None
    offset = np.array(
        [
            alarm_s if (alarm_s is not None and p.starts_on_alarm) else 0.0
            for p in scenario.populations
        ]
    )
    crowd = Crowd.create(
        pos=agents.position_m,
        radius=agents.radius_m,
        v0=agents.desired_speed_mps,
        t_start=agents.premovement_s + offset[agents.population],
        params=params,
        population=agents.population,
        population_ids=[p.id for p in scenario.populations],
        openness=np.array([p.openness for p in scenario.populations])[agents.population],
        group=_groups(
            agents.position_m, agents.population, [p.group_size for p in scenario.populations]
        ),
    )
    exit_index = {e: k for k, e in enumerate(scenario.exit_ids)}
    allowed = np.zeros((len(scenario.populations), len(exits)), dtype=bool)
    for p, pop in enumerate(scenario.populations):
        allowed[p, [exit_index[e] for e in scenario.allowed_exits(pop)]] = True
    fear = FearParams(**scenario.fear.overrides())
    sim = Simulation(
        world=worlds[timeline[0][1]],
        crowd=crowd,
        dt_s=scenario.dt_s,
        wall_A_N=base.wall_A_N,
        wall_B_m=base.wall_B_m,
        threats=ThreatArrays.build(_threats(scenario, timeline)),
        fear=fear,
        allowed=allowed,
        seed=seed,
        schedule=[
            LayoutChange(time_s=t, world=worlds[lay], kind=kind, target=target, text=text)
            for t, lay, kind, target, text in timeline[1:]
        ],
        exit_choice=scenario.navigation.exit_choice,
        choice_interval_s=scenario.navigation.choice_interval_s,
    )
    dist = sim.choose_exits() if crowd.n else np.zeros((0, len(exits)))
    # an agent is stuck if no layout of the run (an exit may open later) gives it a way out
    reach = np.zeros(crowd.n, dtype=bool)
    for world in worlds.values():
        d = world.nav.travel_at(crowd.pos)
        ok = allowed[crowd.population] & world.exit_open[None, :] & np.isfinite(d)
        reach |= ok.any(axis=1)
    stuck = ~reach
    if stuck.any():
        i = int(np.flatnonzero(stuck)[0])
        p = int(crowd.population[i])
        pop = scenario.populations[p]
        x, y = crowd.pos[i]
        raise ScenarioError(
            f"{int(stuck.sum())} agent(s) cannot reach any allowed exit, e.g. agent {i} of"
            f" population '{pop.id}' at ({x:.2f}, {y:.2f}) cannot reach"
            f" {scenario.allowed_exits(pop)}; open a route (move or shorten a barrier, widen the"
            " passage) or allow another exit",
            field=f"populations[{p}]",
        )
    steps_per_frame = max(1, round(1.0 / (scenario.dt_s * scenario.record_fps)))
    return Built(
        simulation=sim,
        steps_per_frame=steps_per_frame,
        parameters={
            "populations": {
                pop.id: {"parameter_set": scenario.parameter_set(pop).value, **prm.as_dict()}
                for pop, prm in zip(scenario.populations, params, strict=True)
            },
            "fear": fear.as_dict(),
        },
        allowed=allowed,
        path_distance=dist,
        layouts=[(t, lay) for t, lay, *_ in timeline],
        alarm_s=alarm_s,
    )

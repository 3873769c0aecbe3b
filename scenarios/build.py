"""Compile a scenario to simulation arrays: ``simcore.World`` + ``simcore.Crowd`` + ``Simulation``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simcore import PARAMETER_SETS, Crowd, ForceParams, Simulation, World
from simcore.errors import ScenarioError
from simcore.navigation import default_cache_dir
from simcore.simulation import CUTOFF_RANGES

from .models import Scenario
from .placement import spawn_agents

__all__ = ["Built", "build", "population_params"]

#: Margin (m) added to the wall-force range so the segment grid also covers one step's move.
WALL_GRID_MARGIN_M = 0.05


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
    """

    simulation: Simulation
    steps_per_frame: int
    parameters: dict[str, Any]
    allowed: np.ndarray
    path_distance: np.ndarray


def population_params(scenario: Scenario) -> list[ForceParams]:
    """The parameter set of each population: its named set, then scenario and own overrides."""
    return [
        PARAMETER_SETS[scenario.parameter_set(p).value].with_overrides(scenario.model_overrides(p))
        for p in scenario.populations
    ]


def build(scenario: Scenario, *, seed: int | None = None, cache_dir: Path | None = None) -> Built:
    """Place the agents, compile the geometry and floor fields, choose exits.

    Exit choice: each agent takes the nearest exit by path distance (the floor field's travel
    time, which includes the wall-distance term) among the exits its population may use.

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
    world = World.build(
        walkable=scenario.walkable_area(),
        exits=[(e.id, e.shape()) for e in scenario.exits],
        wall_cutoff_m=r_max + CUTOFF_RANGES * base.wall_B_m + WALL_GRID_MARGIN_M,
        grid_m=scenario.navigation.grid_m,
        cache_dir=default_cache_dir() if cache_dir is None else cache_dir,
    )
    crowd = Crowd.create(
        pos=agents.position_m,
        radius=agents.radius_m,
        v0=agents.desired_speed_mps,
        t_start=agents.premovement_s,
        params=params,
        population=agents.population,
        population_ids=[p.id for p in scenario.populations],
    )
    sim = Simulation(
        world=world,
        crowd=crowd,
        dt_s=scenario.dt_s,
        wall_A_N=base.wall_A_N,
        wall_B_m=base.wall_B_m,
    )
    exit_index = {e: k for k, e in enumerate(world.exit_ids)}
    allowed = np.zeros((len(scenario.populations), len(world.exit_ids)), dtype=bool)
    for p, pop in enumerate(scenario.populations):
        allowed[p, [exit_index[e] for e in scenario.allowed_exits(pop)]] = True
    dist = sim.choose_exits(allowed) if crowd.n else np.zeros((0, len(world.exit_ids)))
    stuck = ~np.isfinite(dist.min(axis=1)) if crowd.n else np.zeros(0, dtype=bool)
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
            pop.id: {"parameter_set": scenario.parameter_set(pop).value, **prm.as_dict()}
            for pop, prm in zip(scenario.populations, params, strict=True)
        },
        allowed=allowed,
        path_distance=dist,
    )

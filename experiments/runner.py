"""Run one scenario end to end: build, simulate, stream the run directory, summarise."""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import scenarios
from scenarios.build import build
from simcore import Simulation
from simcore import columns as col
from simcore.recording import RunWriter

__all__ = ["ENGINE_VERSION", "RunResult", "run_scenario"]

ENGINE_VERSION = "0.1.0"
SUMMARY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RunResult:
    """What a finished (or interrupted) run produced.

    Attributes:
        run_dir: the run directory.
        summary: the content of ``summary.json``.
    """

    run_dir: Path
    summary: dict[str, Any]


def _summary(
    *, scenario_name: str, seed: int, sim: Simulation, wall_s: float, params: dict[str, Any]
) -> dict[str, Any]:
    c = sim.crowd
    evacuated = ~c.active
    exits: dict[str, dict[str, Any]] = {}
    for e, exit_id in enumerate(sim.world.exit_ids):
        t = c.evac_time[c.evac_exit == e]
        exits[exit_id] = {
            "count": int(t.size),
            "first_s": round(float(t.min()), 6) if t.size else None,
            "last_s": round(float(t.max()), 6) if t.size else None,
        }
    all_out = bool(evacuated.all())
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "scenario": scenario_name,
        "seed": int(seed),
        "agents_total": int(c.n),
        "agents_evacuated": int(evacuated.sum()),
        "evacuation_time_s": round(float(np.nanmax(c.evac_time)), 6) if all_out and c.n else None,
        "simulated_s": round(sim.time_s, 9),
        "wall_s": round(wall_s, 3),
        "exits": exits,
        "dt_s": sim.dt_s,
        "substeps": sim.substeps,
        "parameters": params,
    }


def _agents_table(sim: Simulation, exit_ids: tuple[str, ...]) -> dict[str, list]:
    c = sim.crowd
    chosen = [exit_ids[t] for t in c.target]
    used = ["" if e < 0 else exit_ids[e] for e in c.evac_exit]
    return {
        col.ID_COL: list(range(c.n)),
        col.POPULATION_COL: [c.population_ids[p] for p in c.population],
        col.EXIT_COL: used,
        col.T_START_COL: [round(float(t), 6) for t in c.t_start],
        col.T_EVACUATED_COL: ["" if math.isnan(t) else round(float(t), 6) for t in c.evac_time],
        col.OUTCOME_COL: [col.OUTCOME_REMAINING if a else col.OUTCOME_EVACUATED for a in c.active],
        col.SPAWN_X_COL: [round(float(x), 6) for x in c.spawn[:, 0]],
        col.SPAWN_Y_COL: [round(float(y), 6) for y in c.spawn[:, 1]],
        col.DESIRED_SPEED_COL: [round(float(v), 6) for v in c.v0],
        col.RADIUS_COL: [round(float(r), 6) for r in c.radius],
        "target_exit": chosen,
    }


def run_scenario(
    scenario: scenarios.Scenario,
    *,
    out_dir: Path,
    seed: int | None = None,
    overwrite: bool = False,
    progress: Callable[[float, int], None] | None = None,
) -> RunResult:
    """Simulate a scenario and write its run directory (DESIGN.md §4).

    Frames stream to ``trajectory.sqlite`` as they are computed, so memory stays bounded however
    long the run. On Ctrl-C (or any error) the directory is closed cleanly up to the last frame, its
    summary marked ``"interrupted": true``, and the exception re-raised.

    Args:
        scenario: a loaded, checked scenario.
        out_dir: the run directory to create.
        seed: overrides the scenario's seed.
        overwrite: replace an existing run in ``out_dir``.
        progress: called after each recorded frame with (simulated seconds, agents left).

    Returns:
        The run directory and its summary.
    """
    seed = scenario.seed if seed is None else int(seed)
    t_wall = time.perf_counter()
    built = build(scenario, seed=seed)
    sim = built.simulation
    steps_per_frame = built.steps_per_frame
    fps = 1.0 / (sim.dt_s * steps_per_frame)
    run_info = {
        "engine": "crowdsafe",
        "engine_version": ENGINE_VERSION,
        "python": platform.python_version(),
        "scenario": scenario.name,
        "seed": seed,
        "dt_s": sim.dt_s,
        "substeps": sim.substeps,
        "steps_per_frame": steps_per_frame,
        "exits": list(sim.world.exit_ids),
        "populations": list(sim.crowd.population_ids),
        "parameters": built.parameters,
    }
    writer = RunWriter(
        Path(out_dir),
        fps=fps,
        bounds=sim.world.bounds,
        geometry_wkt=sim.world.walkable.wkt,
        run_info=run_info,
        state_columns=("speed",),
        overwrite=overwrite,
    )
    n_steps_total = round(scenario.duration_s / sim.dt_s)
    frame = 0

    def record() -> None:
        c = sim.crowd
        ids = np.flatnonzero(c.active)
        v = c.vel[ids]
        writer.write_frame(
            frame,
            ids=ids,
            pos=c.pos[ids],
            ori=sim.orientation()[ids],
            state={"speed": np.hypot(v[:, 0], v[:, 1])},
        )

    try:
        record()
        while sim.steps < n_steps_total and sim.n_active:
            n = min(steps_per_frame, n_steps_total - sim.steps)
            sim.step(n)
            if sim.steps % steps_per_frame == 0 or not sim.n_active:
                frame += 1
                record()
            if progress is not None:
                progress(sim.time_s, sim.n_active)
    except BaseException:
        summary = _summary(
            scenario_name=scenario.name,
            seed=seed,
            sim=sim,
            wall_s=time.perf_counter() - t_wall,
            params=built.parameters,
        )
        writer.abort(summary=summary, agents=_agents_table(sim, sim.world.exit_ids))
        raise
    summary = _summary(
        scenario_name=scenario.name,
        seed=seed,
        sim=sim,
        wall_s=time.perf_counter() - t_wall,
        params=built.parameters,
    )
    writer.finish(summary=summary, agents=_agents_table(sim, sim.world.exit_ids))
    return RunResult(run_dir=Path(out_dir), summary=summary)

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
from scenarios.threats import end_time
from simcore import Simulation
from simcore import columns as col
from simcore.kernels import threats as tk
from simcore.recording import RunWriter, geometry_hash, write_threat_tracks
from simcore.threats import cause_name

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


#: Density grid for the hot-spot summary: 1 m² cells (Fruin's and the Green Guide's unit).
DENSITY_CELL_M = 1.0
DENSITY_THRESHOLDS = (4.0, 5.0)


class _DensityTracker:
    """Time each 1 m² cell spends above 4 and 5 persons/m² (counted on recorded frames)."""

    def __init__(self, bounds: tuple[float, float, float, float], frame_s: float):
        xmin, ymin, xmax, ymax = bounds
        self.x_edges = np.arange(xmin, xmax + DENSITY_CELL_M, DENSITY_CELL_M)
        self.y_edges = np.arange(ymin, ymax + DENSITY_CELL_M, DENSITY_CELL_M)
        self.frame_s = frame_s
        shape = (len(self.x_edges) - 1, len(self.y_edges) - 1)
        self.time_above = {th: np.zeros(shape) for th in DENSITY_THRESHOLDS}
        self.peak = 0.0

    def add(self, pos: np.ndarray) -> None:
        if len(pos) == 0 or len(self.x_edges) < 2 or len(self.y_edges) < 2:
            return
        h, _, _ = np.histogram2d(pos[:, 0], pos[:, 1], bins=(self.x_edges, self.y_edges))
        density = h / DENSITY_CELL_M**2
        self.peak = max(self.peak, float(density.max()))
        for th, acc in self.time_above.items():
            acc += (density > th) * self.frame_s

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cell_m": DENSITY_CELL_M, "peak_persons_per_m2": self.peak}
        for th, acc in self.time_above.items():
            key = f"above_{th:g}_per_m2"
            hot = np.argwhere(acc > 0)
            order = np.argsort(-acc[acc > 0])[:5]
            out[key] = {
                "cell_seconds": round(float(acc.sum()), 3),
                "cells": int(hot.shape[0]),
                "worst_places": [
                    {
                        "x": round(float(self.x_edges[i] + DENSITY_CELL_M / 2), 2),
                        "y": round(float(self.y_edges[j] + DENSITY_CELL_M / 2), 2),
                        "seconds": round(float(acc[i, j]), 3),
                    }
                    for i, j in hot[order]
                ],
            }
        return out


def _r(v: float) -> float | None:
    return None if not math.isfinite(v) else round(float(v), 6)


def _summary(
    *,
    scenario_name: str,
    seed: int,
    sim: Simulation,
    wall_s: float,
    params: dict[str, Any],
    density: _DensityTracker,
) -> dict[str, Any]:
    c = sim.crowd
    evacuated = ~c.active
    exits: dict[str, dict[str, Any]] = {}
    for e, exit_id in enumerate(sim.world.exit_ids):
        t = c.evac_time[c.evac_exit == e]
        exits[exit_id] = {
            "count": int(t.size),
            "first_s": _r(t.min()) if t.size else None,
            "last_s": _r(t.max()) if t.size else None,
        }
    casualties: dict[str, int] = {}
    for i in np.flatnonzero(c.harmed):
        name = cause_name(int(c.cause[i]), sim.threats)
        casualties[name] = casualties.get(name, 0) + 1
    perceived = np.isfinite(c.t_perceive)
    all_out = bool(evacuated.all())
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "scenario": scenario_name,
        "seed": int(seed),
        "agents_total": int(c.n),
        "agents_evacuated": int(evacuated.sum()),
        "evacuation_time_s": _r(np.nanmax(c.evac_time)) if all_out and c.n else None,
        "simulated_s": round(sim.time_s, 9),
        "wall_s": round(wall_s, 3),
        "exits": exits,
        "casualties": {k: casualties[k] for k in sorted(casualties)},
        "injured_crush": int(casualties.get("crush", 0)),
        "agents_remaining": int((c.active & ~c.harmed).sum()),
        "threats": {
            "agents_perceiving": int(perceived.sum()),
            "exposure_total_s": round(float(c.exposure.sum()), 3),
            "agents_exposed": int((c.exposure > 0).sum()),
        },
        "density": density.summary(),
        "events": [
            {
                "time_s": _r(ev.time_s),
                "kind": ev.kind,
                "target": ev.target,
                "text": ev.text,
                "agents_displaced": ev.displaced,
            }
            for ev in sim.applied
        ],
        "dt_s": sim.dt_s,
        "substeps": sim.substeps,
        "parameters": params,
    }


def _agents_table(sim: Simulation, exit_ids: tuple[str, ...], max_fear: np.ndarray) -> dict:
    c = sim.crowd

    def times(a: np.ndarray) -> list:
        return ["" if not math.isfinite(t) else round(float(t), 6) for t in a]

    outcome = []
    for i in range(c.n):
        if c.harmed[i]:
            outcome.append(col.OUTCOME_INJURED_PREFIX + cause_name(int(c.cause[i]), sim.threats))
        elif not c.active[i]:
            outcome.append(col.OUTCOME_EVACUATED)
        else:
            outcome.append(col.OUTCOME_REMAINING)
    safety = np.where(np.isfinite(c.t_perceive), c.evac_time - c.t_perceive, np.nan)
    return {
        col.ID_COL: list(range(c.n)),
        col.POPULATION_COL: [c.population_ids[p] for p in c.population],
        col.EXIT_COL: ["" if e < 0 else exit_ids[e] for e in c.evac_exit],
        col.T_START_COL: times(c.t_start),
        col.T_EVACUATED_COL: times(c.evac_time),
        col.OUTCOME_COL: outcome,
        col.SPAWN_X_COL: [round(float(x), 6) for x in c.spawn[:, 0]],
        col.SPAWN_Y_COL: [round(float(y), 6) for y in c.spawn[:, 1]],
        col.DESIRED_SPEED_COL: [round(float(v), 6) for v in c.v0],
        col.RADIUS_COL: [round(float(r), 6) for r in c.radius],
        col.TARGET_EXIT_COL: [exit_ids[t] for t in c.target],
        col.GROUP_COL: [int(g) for g in c.group],
        col.CAUSE_COL: [cause_name(int(k), sim.threats) for k in c.cause],
        col.T_INJURED_COL: times(c.t_harmed),
        col.T_PERCEIVE_COL: times(c.t_perceive),
        col.TIME_TO_SAFETY_COL: times(safety),
        col.EXPOSURE_COL: [round(float(x), 6) for x in c.exposure],
        col.MIN_THREAT_DISTANCE_COL: times(c.min_dist),
        col.MAX_FEAR_COL: [round(float(f), 6) for f in max_fear],
    }


def _threat_rows(sim: Simulation, frame: int) -> list[list[object]]:
    """One threats.csv row per threat: position, heading, active flag, hazard radius."""
    th = sim.threats
    t = sim.time_s
    rows = []
    for k, (tid, kind) in enumerate(zip(th.ids, th.kinds, strict=True)):
        active = bool(tk.is_active(th.tf, k, t))
        radius = tk.hazard_radius(th.tf, k, t) if kind == "hazard" else float("nan")
        x, y, hx, hy = th.ts[k, [tk.TS_X, tk.TS_Y, tk.TS_HX, tk.TS_HY]]
        rows.append([frame, round(t, 6), tid, kind, round(float(x), 4), round(float(y), 4),
                     round(float(hx), 4), round(float(hy), 4), int(active),
                     "" if math.isnan(radius) else round(radius, 4)])  # fmt: skip
    return rows


def _static_events(scenario: scenarios.Scenario) -> list[tuple[float, str, str, str]]:
    """Events known in advance that change no layout: alarms, threats starting and ending."""
    out = [(float(e.time_s), e.action.value, "", e.label()) for e in scenario.events
           if e.action.value == "alarm"]  # fmt: skip
    for th in scenario.threats:
        out.append((float(th.start_s), "threat_start", th.id, f"{th.kind} attack '{th.id}' starts"))
        end = end_time(th)
        if math.isfinite(end):
            out.append((end, "threat_end", th.id, f"{th.kind} '{th.id}' ends"))
    return sorted(out)


def run_scenario(
    scenario: scenarios.Scenario,
    *,
    out_dir: Path,
    seed: int | None = None,
    overwrite: bool = False,
    progress: Callable[[float, int], None] | None = None,
    layout_name: str | None = None,
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
        layout_name: the layout or variant name shown by reports and the replay (default: the
            scenario's name).

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
        "record_fps": fps,
        "exits": list(sim.world.exit_ids),
        "exit_areas": {e.id: e.area for e in scenario.exits},
        "barriers": {
            b.id: {"wkt": b.shape().wkt, "rating": b.rating, "active": b.active}
            for b in scenario.barriers
        },
        "threats": [th.model_dump(mode="json") for th in scenario.threats],
        "populations": list(sim.crowd.population_ids),
        "alarm_s": built.alarm_s,
        "layouts": {
            str(
                geometry_hash(
                    scenario.walkable_area(open_exits=lay.open_exits, barriers=lay.barriers).wkt
                )
            ): {
                "open_exits": sorted(lay.open_exits),
                "barriers": sorted(lay.barriers),
            }
            for _, lay in built.layouts
        },
        "layout": layout_name or scenario.name,
        "parameters": built.parameters,
    }
    writer = RunWriter(
        Path(out_dir),
        fps=fps,
        bounds=sim.world.bounds,
        geometry_wkt=sim.world.walkable.wkt,
        run_info=run_info,
        state_columns=(col.STATE_SPEED, col.STATE_FEAR, col.STATE_HARMED),
        overwrite=overwrite,
    )
    n_steps_total = round(scenario.duration_s / sim.dt_s)
    frame = 0
    density = _DensityTracker(sim.world.bounds, steps_per_frame * sim.dt_s)
    max_fear = np.zeros(sim.crowd.n)
    pending = _static_events(scenario)
    n_applied = 0
    tracks: list[list[object]] = []  # threats are few: their tracks stay in memory

    def record() -> None:
        c = sim.crowd
        ids = np.flatnonzero(c.active)
        v = c.vel[ids]
        np.maximum(max_fear, c.fear, out=max_fear)
        density.add(c.pos[ids])
        tracks.extend(_threat_rows(sim, frame))
        writer.write_frame(
            frame,
            ids=ids,
            pos=c.pos[ids],
            ori=sim.orientation()[ids],
            state={
                col.STATE_SPEED: np.hypot(v[:, 0], v[:, 1]),
                col.STATE_FEAR: c.fear[ids],
                col.STATE_HARMED: c.harmed[ids].astype(np.float64),
            },
        )

    def log_events() -> None:
        nonlocal n_applied
        while pending and pending[0][0] <= sim.time_s + 1e-9:
            t, kind, target, text = pending.pop(0)
            writer.write_event(time_s=t, kind=kind, target=target, text=text)
        for ev in sim.applied[n_applied:]:
            writer.set_geometry(frame=frame, wkt=sim.world.walkable.wkt)
            text = ev.text + (f" ({ev.displaced} people moved off it)" if ev.displaced else "")
            writer.write_event(time_s=ev.time_s, kind=ev.kind, target=ev.target, text=text)
        n_applied = len(sim.applied)

    def close(finish: Callable[..., None]) -> dict[str, Any]:
        summary = _summary(
            scenario_name=scenario.name,
            seed=seed,
            sim=sim,
            wall_s=time.perf_counter() - t_wall,
            params=built.parameters,
            density=density,
        )
        if tracks:
            write_threat_tracks(out_dir, tracks)
        finish(summary=summary, agents=_agents_table(sim, sim.world.exit_ids, max_fear))
        return summary

    try:
        log_events()
        record()
        while sim.steps < n_steps_total and sim.n_mobile:
            n = min(steps_per_frame, n_steps_total - sim.steps)
            sim.step(n)
            if sim.steps % steps_per_frame == 0 or not sim.n_mobile:
                frame += 1
                log_events()
                record()
            if progress is not None:
                progress(sim.time_s, sim.n_mobile)
    except BaseException:
        close(writer.abort)
        raise
    summary = close(writer.finish)
    return RunResult(run_dir=Path(out_dir), summary=summary)

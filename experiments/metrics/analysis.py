"""Every metric of a run in one pass over its frames, as objects, a flat row, and files.

``analyse(run_dir)`` reads the run directory once (agents table, then the frames with velocities)
and returns :class:`RunMetrics`. Its :meth:`~RunMetrics.headline` is the flat row a sweep stores
per run; :meth:`~RunMetrics.save` writes ``metrics.json`` (the row) and ``maps.npz`` (the maps,
which comparisons average over replicates) into the run directory.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from .density import DEFAULT_CELL_M, DEFAULT_WINDOW_S, DensityAccumulator, DensityMaps
from .evacuation import CLEARANCE_PERCENTS, EvacuationCurve, evacuation_curve
from .flow import ExitFlow, exit_flows
from .frames import run_pass
from .grid import Grid
from .los import FruinAccumulator, FruinMaps
from .pressure import DEFAULT_WINDOW_S as PRESSURE_WINDOW_S
from .pressure import PressureAccumulator, PressureMaps
from .rundata import RunData
from .threats import Casualties, CasualtyAccumulator, ThreatOutcomes, casualties, threat_outcomes
from .thresholds import DEFAULT_THRESHOLDS, Exceedance, ThresholdAccumulator

__all__ = ["MAPS_FILE", "METRICS_FILE", "MapSet", "RunMetrics", "analyse", "load_maps"]

METRICS_FILE: Final = "metrics.json"
MAPS_FILE: Final = "maps.npz"
METRICS_VERSION: Final = 1


@dataclass(frozen=True)
class MapSet:
    """Named maps on one grid (what ``maps.npz`` holds)."""

    grid: Grid
    maps: dict[str, np.ndarray]


@dataclass(frozen=True)
class RunMetrics:
    """The metrics of one run.

    Attributes:
        run_dir, scenario: where it came from.
        evacuation: evacuation curve. flows: per exit. density: grid density maps.
        exceedance: per density threshold. fruin: level-of-service maps.
        pressure: crowd pressure. casualties: injured by cause (crush is always modelled).
        threats: threat outcomes, None for a run without threats.
        casualty_map: (nx, ny) where agents were injured (count per cell).
        floor_fraction: (nx, ny) share of each cell on the walkable floor.
    """

    run_dir: Path
    scenario: str
    evacuation: EvacuationCurve
    flows: dict[str, ExitFlow]
    density: DensityMaps
    exceedance: dict[float, Exceedance]
    fruin: FruinMaps
    pressure: PressureMaps
    casualties: Casualties
    threats: ThreatOutcomes | None
    casualty_map: np.ndarray
    floor_fraction: np.ndarray

    @property
    def grid(self) -> Grid:
        return self.density.grid

    def headline(self) -> dict[str, Any]:
        """The flat row of headline numbers (``None`` where a quantity is undefined)."""
        ev = self.evacuation
        row: dict[str, Any] = {
            "agents": ev.n_agents,
            "evacuated": ev.evacuated,
            "evacuated_fraction": ev.fraction,
            "simulated_s": ev.end_s,
        }
        for p in CLEARANCE_PERCENTS:
            row[f"t{p}_s"] = ev.clearance(p)
        for exit_id, f in self.flows.items():
            row[f"exit.{exit_id}.count"] = f.count
            row[f"exit.{exit_id}.width_m"] = f.width_m
            row[f"exit.{exit_id}.flow_pps"] = f.flow_pps
            row[f"exit.{exit_id}.specific_flow_ppms"] = f.specific_flow_ppms
            row[f"exit.{exit_id}.peak_specific_flow_ppms"] = f.peak_specific_flow_ppms
            row[f"exit.{exit_id}.green_guide_ratio"] = f.green_guide_ratio
        row["density.peak_ppm2"] = self.density.peak_ppm2
        for th, ex in self.exceedance.items():
            row[f"density.time_above_{th:g}_s"] = ex.time_s
            row[f"density.max_area_above_{th:g}_m2"] = ex.max_area_m2
            row[f"density.area_time_above_{th:g}_m2s"] = ex.area_time_m2s
        row["los.time_E_or_worse_s"] = self.fruin.time_at_or_worse_s("E")
        row["los.time_F_s"] = self.fruin.time_at_or_worse_s("F")
        row["los.max_area_F_m2"] = self.fruin.max_area_m2("F")
        row["pressure.max_per_s2"] = self.pressure.max_per_s2
        row["pressure.time_above_s"] = self.pressure.time_above_s
        row["injured"] = self.casualties.total
        for cause, k in self.casualties.by_cause.items():
            row[f"injured.{cause}"] = k
        th = self.threats
        if th is not None:
            row["threat.perceived_fraction"] = th.perceived_fraction
            row["threat.exposure_total_s"] = th.exposure_total_s
            row["threat.exposure_p95_s"] = th.exposure_p95_s
            row["threat.agents_exposed"] = th.agents_exposed
            row["threat.min_distance_m"] = th.min_distance_m
            row["threat.time_to_safety_mean_s"] = th.time_to_safety_mean_s
            row["threat.time_to_safety_p95_s"] = th.time_to_safety_p95_s
            row["threat.max_fear_mean"] = th.max_fear_mean
            row["threat.afraid_fraction"] = th.afraid_fraction
            row["threat.survival_rate"] = self.casualties.survival_rate
        return {k: _clean(v) for k, v in row.items()}

    def maps(self) -> MapSet:
        """The maps worth keeping per run (all on :attr:`grid`)."""
        m = {
            "floor_fraction": self.floor_fraction,
            "density_mean": self.density.mean,
            "density_peak": self.density.peak,
            "fruin_worst": self.fruin.worst.astype(np.float64),
            "pressure_peak": self.pressure.peak,
            "pressure_seconds_above": self.pressure.seconds_above,
            "casualties": self.casualty_map,
        }
        for th, ex in self.exceedance.items():
            m[f"seconds_above_{th:g}"] = ex.seconds
        return MapSet(grid=self.grid, maps=m)

    def save(self, out_dir: Path | str | None = None) -> None:
        """Write ``metrics.json`` and ``maps.npz`` (atomically) into ``out_dir`` (default: the
        run directory)."""
        out = Path(out_dir) if out_dir is not None else self.run_dir
        doc = {
            "metrics_version": METRICS_VERSION,
            "scenario": self.scenario,
            "headline": self.headline(),
            "grid": self.grid.as_dict(),
        }
        _atomic_write(out / METRICS_FILE, json.dumps(doc, indent=1).encode())
        ms = self.maps()
        tmp = out / (MAPS_FILE + ".tmp.npz")
        np.savez_compressed(tmp, grid=np.array(list(ms.grid.as_dict().values())), **ms.maps)
        os.replace(tmp, out / MAPS_FILE)


def _clean(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def load_maps(run_dir: Path | str) -> MapSet | None:
    """The maps saved by :meth:`RunMetrics.save`, or ``None`` if there are none."""
    path = Path(run_dir) / MAPS_FILE
    if not path.exists():
        return None
    with np.load(path) as z:
        x0, y0, cell, nx, ny = z["grid"].tolist()
        grid = Grid(float(x0), float(y0), float(cell), int(nx), int(ny))
        return MapSet(grid=grid, maps={k: z[k] for k in z.files if k != "grid"})


def analyse(
    run_dir: Path | str,
    *,
    cell_m: float = DEFAULT_CELL_M,
    density_window_s: float = DEFAULT_WINDOW_S,
    pressure_window_s: float = PRESSURE_WINDOW_S,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
) -> RunMetrics:
    """All metrics of a run directory.

    Args:
        run_dir: the run directory.
        cell_m: grid cell side (m) for density, levels of service, pressure and casualty maps.
        density_window_s: averaging window of the grid density (s).
        pressure_window_s: pooling window of the crowd pressure (s).
        thresholds: density thresholds (persons/m²) for time and area above.

    Raises:
        OutputFormatError: the run directory is missing or damaged.
    """
    with RunData(Path(run_dir)) as run:
        grid = Grid.covering(run.bounds, cell_m=cell_m)
        exceed = ThresholdAccumulator(grid, thresholds)
        fruin = FruinAccumulator(grid)
        density = DensityAccumulator(
            grid, run.fps, window_s=density_window_s, listeners=(exceed, fruin)
        )
        pressure = PressureAccumulator(grid, run.fps, window_s=pressure_window_s)
        injured = CasualtyAccumulator(grid)
        run_pass(run.reader, [density, pressure, injured])
        assert density.result and fruin.result and pressure.result is not None
        return RunMetrics(
            run_dir=run.run_dir,
            scenario=run.name,
            evacuation=evacuation_curve(run),
            flows=exit_flows(run),
            density=density.result,
            exceedance=dict(exceed.result),
            fruin=fruin.result,
            pressure=pressure.result,
            casualties=casualties(run),
            threats=threat_outcomes(run),
            casualty_map=injured.result if injured.result is not None else grid.zeros(),
            floor_fraction=grid.coverage(run.floor),
        )

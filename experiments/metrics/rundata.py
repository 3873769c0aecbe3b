"""What the metrics read from a run directory, loaded once: provenance, agents, geometry."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from simcore import columns as col
from simcore.errors import OutputFormatError
from simcore.recording import RunReader

__all__ = ["RunData"]


@dataclass(eq=False)
class RunData:
    """A run directory opened for analysis.

    Args:
        run_dir: the run directory.

    Attributes:
        reader: the open :class:`~simcore.recording.RunReader` (close with :meth:`close`).
        run_info, summary: provenance and ``summary.json`` (``None`` if the run did not close).
        agents: the ``agents.csv`` columns.
    """

    run_dir: Path
    reader: RunReader = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir)
        self.reader = RunReader(self.run_dir)

    def close(self) -> None:
        """Close the trajectory database."""
        self.reader.close()

    def __enter__(self) -> RunData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------
    @property
    def run_info(self) -> dict[str, Any]:
        return self.reader.run_info

    @property
    def summary(self) -> dict[str, Any] | None:
        return self.reader.summary

    @property
    def fps(self) -> float:
        """Recorded frames per second."""
        return self.reader.fps

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.run_info.get("scenario", self.run_dir.name))

    @property
    def layout(self) -> str:
        """The layout or variant name the run was given (default: the scenario's name)."""
        return str(self.run_info.get("layout") or self.name)

    @cached_property
    def agents(self) -> dict[str, Any]:
        """The per-agent table (``agents.csv``)."""
        return self.reader.agents()

    @property
    def n_agents(self) -> int:
        return len(self.agents[col.ID_COL])

    @property
    def evac_times(self) -> np.ndarray:
        """(N,) evacuation time per agent (s; NaN if the agent did not leave)."""
        return np.asarray(self.agents[col.T_EVACUATED_COL], dtype=np.float64)

    @property
    def evac_exits(self) -> list[str]:
        """Exit used per agent ('' if none)."""
        return list(self.agents[col.EXIT_COL])

    @property
    def end_s(self) -> float:
        """Simulated time at the end of the run (s)."""
        if self.summary and self.summary.get("simulated_s") is not None:
            return float(self.summary["simulated_s"])
        return (self.reader.n_frames - 1) / self.fps

    @property
    def duration_s(self) -> float | None:
        """The scenario's time limit, if recorded."""
        info = self.run_info.get("duration_s")
        return None if info is None else float(info)

    @cached_property
    def floor(self) -> BaseGeometry:
        """The walkable area at the start (open exits included, obstacles and barriers removed)."""
        if self.reader.n_frames == 0:
            raise OutputFormatError(f"{self.run_dir} holds no frame; run the scenario again")
        return shapely.from_wkt(self.reader.geometry_at(0))

    @cached_property
    def exits(self) -> dict[str, shapely.Polygon]:
        """Exit regions by id, in the run's order."""
        areas = self.run_info.get("exit_areas") or {}
        return {e: shapely.from_wkt(areas[e]) for e in self.run_info.get("exits", []) if e in areas}

    @cached_property
    def barriers(self) -> dict[str, BaseGeometry]:
        """Barrier footprints by id (those in place at the start and those added later)."""
        out = {}
        for bid, b in (self.run_info.get("barriers") or {}).items():
            out[bid] = shapely.from_wkt(b["wkt"] if isinstance(b, dict) else b)
        return out

    @property
    def threats(self) -> list[dict[str, Any]]:
        """The scenario's threats as recorded (empty for a run without any)."""
        return list(self.run_info.get("threats") or [])

    @property
    def has_threats(self) -> bool:
        return bool(self.threats)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Bounds of the floor and every exit (m)."""
        geoms = [self.floor, *self.exits.values()]
        b = shapely.bounds(shapely.union_all(geoms))
        return tuple(float(v) for v in b)  # type: ignore[return-value]

    def finite(self, name: str) -> np.ndarray | None:
        """A numeric agents.csv column as float64 (NaN for empty cells), or None if absent."""
        if name not in self.agents:
            return None
        v = self.agents[name]
        if isinstance(v, np.ndarray):
            return v.astype(np.float64)
        return np.array([float(x) if x not in ("", None) else math.nan for x in v])

"""The run directory: the contract between the engine, experiments and the replay viewer.

A run directory holds

- ``trajectory.sqlite``: JuPedSim's SQLite trajectory schema version 2, so PedPy
  (``load_trajectory_from_jupedsim_sqlite``, ``load_walkable_area_from_jupedsim_sqlite``) and
  JuPedSim's viewers read it as is, plus CrowdSafe's tables ``agent_state``, ``events`` and
  ``run_info`` (which those tools ignore);
- ``summary.json`` (headline results, ``"interrupted"``), ``agents.csv`` (one row per agent),
  ``events.csv`` (timed events) and ``run_info.json`` (provenance).

:class:`RunWriter` streams a run to disk; :class:`RunReader` reads one back.
"""

from ._schema import FORMAT_VERSION, JUPEDSIM_SCHEMA_VERSION, geometry_hash
from .reader import Event, FrameBlock, FrameData, RunReader
from .writer import RunWriter, write_threat_tracks

__all__ = [
    "FORMAT_VERSION",
    "JUPEDSIM_SCHEMA_VERSION",
    "Event",
    "FrameBlock",
    "FrameData",
    "RunReader",
    "RunWriter",
    "geometry_hash",
    "write_threat_tracks",
]

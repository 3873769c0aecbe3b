"""The importers' common ground: a floor plan as tagged shapes, and its conversion to a scenario.

A :class:`Plan` is what a drawing says, before any simulation choice: shapes in metres, each with
a :class:`Role` (walkable floor, obstacle, exit, barrier, spawn area), an optional id and where it
came from (a DXF layer and entity, a GeoJSON feature) so that errors can point at it.
:func:`plan_to_scenario` turns it into a :class:`~scenarios.Scenario` with editable defaults:

* the floor is the union of the walkable shapes; obstacles are kept one by one;
* shapes sharing an exit, barrier or spawn id are merged (an exit must end up one polygon);
* a barrier drawn as a single line becomes a LINESTRING fence of ``barrier_thickness_m``;
* each spawn area becomes a population of ``round(density × free area)`` agents (free area: the
  part of the spawn area on the floor, off obstacles); a plan without spawn areas gets one
  population spread over the whole floor;
* populations walk at 1.34 ± 0.26 m/s (Weidmann 1993), have body radii of 0.2–0.25 m and react
  within 0–30 s; ``duration_s`` defaults to 600 s.

The scenario is checked like a loaded file (:func:`scenarios.check`); errors raise a
:class:`~simcore.errors.GeometryError` naming the drawing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import shapely
from shapely.geometry.base import BaseGeometry

from simcore.errors import GeometryError, ScenarioError

from ..checks import Severity, check
from ..loader import validate
from ..models import Scenario

__all__ = [
    "DEFAULT_BARRIER_THICKNESS_M",
    "DEFAULT_DENSITY_PER_M2",
    "DEFAULT_DURATION_S",
    "Plan",
    "PlanElement",
    "Role",
    "plan_to_scenario",
]

#: Agents per m² of a spawn area when the drawing gives no count: a loose crowd (Fruin LOS B–C),
#: well below the placement limit, so the file always loads.
DEFAULT_DENSITY_PER_M2: Final = 0.5
#: Simulated time limit written to imported scenarios (s).
DEFAULT_DURATION_S: Final = 600.0
#: Thickness of a barrier drawn as a line (m): a crowd-control fence.
DEFAULT_BARRIER_THICKNESS_M: Final = 0.2
#: Coordinates are rounded to this (m) when written.
PRECISION_M: Final = 0.001

_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class Role(StrEnum):
    """What a shape of a plan is."""

    WALKABLE = "walkable"
    """Floor people may walk on (closed polygon)."""
    OBSTACLE = "obstacle"
    """Fixed obstacle subtracted from the floor (closed polygon)."""
    EXIT = "exit"
    """Way out (closed polygon touching the floor)."""
    BARRIER = "barrier"
    """Layout obstacle: fence, bollards, planters (closed polygon, or a line drawn as a fence)."""
    SPAWN = "spawn"
    """Where a population starts (closed polygon)."""


#: Roles whose shapes must be areas (closed polygons).
AREA_ROLES: Final = frozenset({Role.WALKABLE, Role.OBSTACLE, Role.EXIT, Role.SPAWN})


@dataclass(frozen=True)
class PlanElement:
    """One shape of a plan.

    Attributes:
        role: what it is.
        geometry: Polygon/MultiPolygon (any role) or LineString (barriers only), metres.
        id: exit, barrier or spawn id ("" when the drawing gives none).
        source: where it comes from, for messages ("layer 'jps-exits-north', LWPOLYLINE #2F").
        properties: extra settings given by the drawing (GeoJSON: ``count``, ``rating``…).
    """

    role: Role
    geometry: BaseGeometry
    id: str = ""
    source: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """A floor plan read from a file.

    Attributes:
        source: the file (or "<geojson>" for an in-memory document).
        elements: the shapes, in drawing order.
        warnings: things read but not used (hidden layers, annotation), one sentence each.
        kind: the format, for the file header ("DXF", "GeoJSON").
    """

    source: str
    elements: tuple[PlanElement, ...]
    warnings: tuple[str, ...] = ()
    kind: str = ""

    def of(self, role: Role) -> list[PlanElement]:
        """The elements of one role, in drawing order."""
        return [e for e in self.elements if e.role is role]


def clean_id(raw: str, *, fallback: str) -> str:
    """An id the scenario format accepts: invalid characters become '-', at most 64 characters."""
    text = re.sub(r"[^A-Za-z0-9_.\-]+", "-", raw.strip()).strip("-_.")[:64]
    return text if text and _ID.match(text) else fallback


def _wkt(geom: BaseGeometry) -> str:
    snapped = shapely.set_precision(geom, PRECISION_M)
    if snapped.is_empty or not snapped.is_valid:  # rounding collapsed a sliver: keep full precision
        snapped = geom
    return shapely.to_wkt(snapped, rounding_precision=3, trim=True)


def _union(elements: list[PlanElement]) -> BaseGeometry:
    return shapely.union_all([e.geometry for e in elements])


def _grouped(elements: list[PlanElement], prefix: str) -> dict[str, list[PlanElement]]:
    """Elements by id; elements without an id get ``<prefix>-1``, ``<prefix>-2``…"""
    groups: dict[str, list[PlanElement]] = {}
    n = 0
    for e in elements:
        key = e.id
        if not key:
            n += 1
            key = f"{prefix}-{n}"
            while key in groups or any(x.id == key for x in elements):
                n += 1
                key = f"{prefix}-{n}"
        groups.setdefault(key, []).append(e)
    return groups


def _sources(elements: Iterable[PlanElement]) -> str:
    return "; ".join(e.source for e in elements if e.source)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, shapely.Polygon)]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _population(pid: str, area: BaseGeometry, count: int) -> dict[str, Any]:
    return {
        "id": pid,
        "area": _wkt(area),
        "count": count,
        "desired_speed_mps": {"distribution": "normal", "mean": 1.34, "std": 0.26, "min": 0.5,
                              "max": 2.0},
        "radius_m": {"distribution": "uniform", "min": 0.2, "max": 0.25},
        "premovement_s": {"distribution": "uniform", "min": 0.0, "max": 30.0},
    }  # fmt: skip


def plan_to_scenario(
    plan: Plan,
    *,
    name: str | None = None,
    density_per_m2: float = DEFAULT_DENSITY_PER_M2,
    duration_s: float = DEFAULT_DURATION_S,
    barrier_thickness_m: float = DEFAULT_BARRIER_THICKNESS_M,
) -> tuple[Scenario, dict[str, str]]:
    """Turn a plan into a checked scenario with editable defaults (see the module docstring).

    Args:
        plan: the shapes read from a drawing.
        name: scenario name (default: the file name).
        density_per_m2: agents per m² of free spawn area, for spawn areas without a ``count``.
        duration_s: simulated time limit (s).
        barrier_thickness_m: thickness of barriers drawn as lines (m).

    Returns:
        ``(scenario, notes)``: the scenario and, per element, where it came from (the ``notes``
        of :func:`scenarios.importers.scenario_to_toml`).

    Raises:
        GeometryError: nothing walkable, no exit, an exit in separate pieces, or a check error
            (exit off the floor, spawn area off the floor, unreachable exit…).
        ScenarioError: a density or duration out of range.
    """
    src = plan.source
    if not density_per_m2 > 0.0:
        raise ScenarioError(f"density must be > 0 agents/m² (got {density_per_m2:g})", file=src)
    floor_parts = plan.of(Role.WALKABLE)
    if not floor_parts:
        raise GeometryError(
            f"nothing walkable: the {plan.kind or 'plan'} has no walkable area; "
            + (
                "draw the floor outline as a closed polyline on layer 'jps-walkablearea'"
                if plan.kind == "DXF"
                else 'add a Polygon feature with "role": "walkable"'
            ),
            file=src,
        )
    floor = _polygonal(_union(floor_parts))
    notes: dict[str, str] = {"geometry": f"Floor: {_sources(floor_parts)}."}
    obstacles = plan.of(Role.OBSTACLE)
    for i, e in enumerate(obstacles):
        notes[f"obstacles.{i}"] = e.source
    exits = []
    for eid, parts in _grouped(plan.of(Role.EXIT), "exit").items():
        shape = _union(parts)
        if not isinstance(shape, shapely.Polygon):
            raise GeometryError(
                f"exit '{eid}' is made of {len(getattr(shape, 'geoms', []))} separate pieces"
                f" ({_sources(parts)}); an exit is one polygon: give each piece its own id",
                file=src,
            )
        entry: dict[str, Any] = {"id": eid, "area": _wkt(shape)}
        for e in parts:
            if "open" in e.properties:
                entry["open"] = bool(e.properties["open"])
        exits.append(entry)
        notes[f"exits.{eid}"] = _sources(parts)
    if not exits:
        raise GeometryError(
            f"no exit: the {plan.kind or 'plan'} has no exit area; "
            + (
                "draw each door as a closed polyline on a layer 'jps-exits-<id>'"
                if plan.kind == "DXF"
                else 'add Polygon features with "role": "exit" and an "id"'
            ),
            file=src,
        )
    barriers = []
    for bid, parts in _grouped(plan.of(Role.BARRIER), "barrier").items():
        entry = {"id": bid}
        lines = [p for p in parts if isinstance(p.geometry, shapely.LineString)]
        thickness = float(parts[0].properties.get("thickness_m", barrier_thickness_m))
        if len(parts) == 1 and lines:
            entry.update(geometry=_wkt(lines[0].geometry), thickness_m=thickness)
        else:
            shapes = [
                p.geometry.buffer(thickness / 2.0, cap_style="flat", join_style="mitre")
                if isinstance(p.geometry, shapely.LineString)
                else p.geometry
                for p in parts
            ]
            entry["geometry"] = _wkt(_polygonal(shapely.union_all(shapes)))
        for key in ("rating", "active"):
            for p in parts:
                if key in p.properties:
                    entry[key] = p.properties[key]
        barriers.append(entry)
        notes[f"barriers.{bid}"] = _sources(parts)
    blocked = shapely.union_all([e.geometry for e in obstacles]) if obstacles else None
    populations = []
    spawns = _grouped(plan.of(Role.SPAWN), "people")
    if not spawns:
        spawns = {"people": [PlanElement(Role.SPAWN, floor, "people", "the whole floor")]}
    for pid, parts in spawns.items():
        area = _polygonal(_union(parts))
        free = area.intersection(floor)
        if blocked is not None:
            free = free.difference(blocked)
        counts = [p.properties["count"] for p in parts if "count" in p.properties]
        density = next(
            (float(p.properties["density"]) for p in parts if "density" in p.properties),
            density_per_m2,
        )
        count = int(sum(counts)) if counts else max(1, round(density * free.area))
        populations.append(_population(pid, area, count))
        how = "count from the drawing" if counts else f"{density:g} agents/m² × {free.area:.1f} m²"
        notes[f"populations.{pid}"] = f"{_sources(parts)} ({how})"
    data = {
        "schema_version": 1,
        "name": name or plan.source.rsplit("/", 1)[-1],
        "duration_s": float(duration_s),
        "geometry": {"walkable": _wkt(floor), "obstacles": [_wkt(e.geometry) for e in obstacles]},
        "exits": exits,
        "populations": populations,
    }
    if barriers:
        data["barriers"] = barriers
    scenario = validate(data, file=src)
    errors = [i for i in check(scenario) if i.severity is Severity.ERROR]
    if errors:
        lines = "\n  ".join(str(i) for i in errors)
        raise GeometryError(
            f"the imported plan cannot be simulated as drawn:\n  {lines}\n(ids are the layer or"
            " feature ids of the drawing; fix the drawing, or import it and edit the file)",
            file=src,
        )
    return scenario, notes

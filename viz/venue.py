"""The venue as drawn: walkable area per layout, exits, barriers and threats, from a run directory.

Everything here comes from what the run recorded, nothing is invented:

- the walkable area of each layout is the trajectory database's ``geometry`` table (one WKT per
  layout in force, switched by ``frame_data``); its holes are the obstacles;
- exits and barriers are drawn from their shapes in ``run_info`` (``exit_areas``: id → WKT;
  ``barriers``: id → {``wkt``, ``rating``, ``active``}). Which exits are open and which barriers
  in place in each layout is recorded in ``run_info["layouts"]`` (``str(geometry hash)`` →
  {``open_exits``, ``barriers``}). Runs recorded before that have it read off the layout's
  walkable area instead: an open exit's area is part of it, a closed exit's is not; a barrier in
  place is cut out of it (an exit or barrier shape that is mostly, but not wholly, inside the
  area is then guessed). Either way closures mid-run come through the recorded layout changes,
  with no event semantics re-implemented here. A run without ``exit_areas`` draws no exit shapes
  (their ids still appear in the HUD);
- threats are drawn from their specification in ``run_info["threats"]`` (path, active window,
  reach) and their recorded track (``threats.csv``: position, heading, active flag and hazard
  radius per frame, interpolated in time). A run recorded before tracks existed has its
  path-following threats reconstructed (arc length ``speed · (t − start)`` along the path, a
  vehicle stopped by the first barrier in place rated for its class); a pursuer's position then
  cannot be known and only its start point is drawn.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = [
    "Layout",
    "RecordedLayout",
    "Threat",
    "ThreatState",
    "parse_layouts",
    "parse_threats",
    "polygon_rings",
]

#: Vehicle classes in order of mass (IWA 14-1:2013): a barrier rated for a class stops it and
#: every lighter one.
_VEHICLE_CLASSES: Final = ("M1", "N1", "N2", "N3")
#: Default active time of a blast without an end (s), as the engine uses.
_BLAST_DEFAULT_S: Final = 60.0


def polygon_rings(geom: BaseGeometry) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Exterior rings and holes of a (multi)polygon, each as an ``(m, 2)`` array in metres."""
    outers: list[np.ndarray] = []
    holes: list[np.ndarray] = []
    for part in getattr(geom, "geoms", [geom]):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        outers.append(np.asarray(part.exterior.coords)[:, :2])
        holes.extend(np.asarray(r.coords)[:, :2] for r in part.interiors)
    return outers, holes


def _covered_fraction(shape: BaseGeometry, area: BaseGeometry) -> float:
    if shape.area <= 0:
        return 1.0 if area.covers(shape) else 0.0
    return float(shape.intersection(area).area / shape.area)


@dataclass(frozen=True)
class RecordedLayout:
    """The exits open and barriers in place in one layout, as the run recorded them."""

    open_exits: frozenset[str]
    barriers: frozenset[str]


@dataclass(frozen=True)
class Layout:
    """One walkable area as recorded, with the state of its exits and barriers.

    Attributes:
        walkable: the walkable area.
        outers, holes: its rings (m); holes are obstacles and barriers in place.
        exit_open: exit id → open in this layout (recorded: every exit; inferred: only exits
            with a shape).
        barrier_in_place: barrier id → in place in this layout (barriers with a shape).
        recorded: the states come from ``run_info["layouts"]``; else they are inferred from the
            walkable area.
    """

    walkable: BaseGeometry
    outers: list[np.ndarray]
    holes: list[np.ndarray]
    exit_open: Mapping[str, bool]
    barrier_in_place: Mapping[str, bool]
    recorded: bool = False

    @classmethod
    def from_wkt(
        cls,
        wkt: str,
        *,
        exit_areas: Mapping[str, BaseGeometry],
        barriers: Mapping[str, BaseGeometry],
        states: RecordedLayout | None = None,
        exit_ids: Sequence[str] = (),
    ) -> Layout:
        """Parse one recorded walkable area, with the states recorded for it or inferred.

        Args:
            wkt: the walkable area.
            exit_areas, barriers: exit and barrier shapes by id.
            states: the recorded states of this layout, if the run has them; else exits and
                barriers are judged by how much of their shape the walkable area covers.
            exit_ids: every exit of the venue (with ``states``, also those without a shape).
        """
        walkable = shapely.from_wkt(wkt)
        outers, holes = polygon_rings(walkable)
        if states is not None:
            exit_open = {k: k in states.open_exits for k in (*exit_ids, *exit_areas)}
            in_place = {k: k in states.barriers for k in barriers}
        else:
            exit_open = {k: _covered_fraction(a, walkable) > 0.5 for k, a in exit_areas.items()}
            in_place = {k: _covered_fraction(b, walkable) < 0.5 for k, b in barriers.items()}
        return cls(
            walkable=walkable,
            outers=outers,
            holes=holes,
            exit_open=exit_open,
            barrier_in_place=in_place,
            recorded=states is not None,
        )


def parse_layouts(run_info: Mapping[str, Any]) -> dict[int, RecordedLayout]:
    """The recorded exit and barrier states by geometry hash (``run_info["layouts"]``).

    Empty for runs recorded before they were; an entry that is not of the recorded form is left
    out, so that layout falls back to the states inferred from its walkable area.
    """
    out: dict[int, RecordedLayout] = {}
    layouts = run_info.get("layouts")
    if not isinstance(layouts, Mapping):
        return out
    for key, entry in layouts.items():
        try:
            h = int(key)
        except (TypeError, ValueError):
            continue
        if not isinstance(entry, Mapping):
            continue
        exits, barriers = entry.get("open_exits"), entry.get("barriers", ())
        if not isinstance(exits, list | tuple) or not isinstance(barriers, list | tuple):
            continue
        out[h] = RecordedLayout(
            open_exits=frozenset(str(e) for e in exits),
            barriers=frozenset(str(b) for b in barriers),
        )
    return out


def parse_shapes(run_info: Mapping[str, Any]) -> tuple[dict, dict, dict]:
    """Exit areas, barrier shapes and barrier ratings from ``run_info`` (empty if absent)."""
    exits = {}
    for k, wkt in (run_info.get("exit_areas") or {}).items():
        exits[str(k)] = shapely.from_wkt(wkt)
    shapes, ratings = {}, {}
    for k, spec in (run_info.get("barriers") or {}).items():
        if isinstance(spec, Mapping) and "wkt" in spec:
            shapes[str(k)] = shapely.from_wkt(spec["wkt"])
            ratings[str(k)] = str(spec.get("rating", "none"))
    return exits, shapes, ratings


# -- threats -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreatState:
    """A threat at one moment.

    Attributes:
        active: within its active window.
        pos: position (m), or ``None`` if it is not known (a pursuer).
        heading: unit heading along its path.
        reach_m: radius of its harm zone at that moment (knife reach, hazard radius…), or 0.
    """

    active: bool
    pos: tuple[float, float] | None
    heading: tuple[float, float]
    reach_m: float


@dataclass(frozen=True)
class Threat:
    """A threat as specified in ``run_info["threats"]`` (one ``model_dump`` per threat)."""

    id: str
    kind: str
    path: np.ndarray
    start_s: float
    end_s: float
    speed_mps: float
    pursue: bool
    spec: Mapping[str, Any] = field(default_factory=dict)
    stop_m: float = math.inf
    track: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        """Short text for the map."""
        return f"{self.kind} '{self.id}'"

    def _path_point(self, s: float) -> tuple[tuple[float, float], tuple[float, float]]:
        p = self.path
        heading = (1.0, 0.0)
        if len(p) == 1:
            return (float(p[0, 0]), float(p[0, 1])), heading
        rest = s
        for a, b in itertools.pairwise(p):
            d = b - a
            seg = float(np.hypot(*d))
            if seg <= 0:
                continue
            heading = (float(d[0] / seg), float(d[1] / seg))
            if rest <= seg:
                return (float(a[0] + heading[0] * rest), float(a[1] + heading[1] * rest)), heading
            rest -= seg
        return (float(p[-1, 0]), float(p[-1, 1])), heading

    def _tracked(self, t_s: float) -> ThreatState:
        tr = self.track
        assert tr is not None
        times = np.asarray(tr["time_s"], dtype=np.float64)
        k = int(np.clip(np.searchsorted(times, t_s, side="right") - 1, 0, times.size - 1))
        x = float(np.interp(t_s, times, tr["x"]))
        y = float(np.interp(t_s, times, tr["y"]))
        heading = (float(tr["heading_x"][k]), float(tr["heading_y"][k]))
        active = bool(tr["active"][k]) and t_s >= times[0] - 1e-9
        radius = float(tr["radius_m"][k])
        if not math.isfinite(radius):
            radius = float(self.spec.get("reach_m", 0.0)) if self.kind == "knife" else 0.0
        return ThreatState(active=active, pos=(x, y), heading=heading, reach_m=radius)

    def state_at(self, t_s: float) -> ThreatState:
        """Where the threat is at ``t_s`` and how far it reaches (see the module docstring)."""
        if self.track is not None and len(self.track.get("time_s", ())) > 0:
            return self._tracked(t_s)
        active = self.start_s <= t_s < self.end_s
        moving_t = min(max(t_s, self.start_s), self.end_s) - self.start_s
        if self.pursue and self.speed_mps > 0 and t_s > self.start_s:
            pos = None
            heading = (1.0, 0.0)
        else:
            s = min(self.speed_mps * moving_t, self.stop_m)
            pos, heading = self._path_point(s)
        reach = 0.0
        if self.kind == "knife":
            reach = float(self.spec.get("reach_m", 1.5))
        elif self.kind == "hazard":
            r0 = float(self.spec.get("radius_m", 2.0))
            rmax = self.spec.get("max_radius_m")
            rmax = r0 if rmax is None else max(float(rmax), r0)
            reach = min(r0 + float(self.spec.get("growth_mps", 0.0)) * moving_t, rmax)
        return ThreatState(active=active, pos=pos, heading=heading, reach_m=reach)


def _vehicle_stop_m(
    path: np.ndarray,
    vehicle_class: str,
    length_m: float,
    barriers: Mapping[str, BaseGeometry],
    ratings: Mapping[str, str],
) -> float:
    """Arc length where a vehicle's centre stops: the first barrier rated for its class."""
    if len(path) < 2 or vehicle_class not in _VEHICLE_CLASSES:
        return math.inf
    line = shapely.LineString(path)
    hits = []
    for bid, shape in barriers.items():
        rating = ratings.get(bid, "none")
        if rating not in _VEHICLE_CLASSES:
            continue
        if _VEHICLE_CLASSES.index(rating) < _VEHICLE_CLASSES.index(vehicle_class):
            continue
        inter = line.intersection(shape)
        if inter.is_empty:
            continue
        hits.extend(line.project(shapely.Point(p)) for p in shapely.get_coordinates(inter))
    return max(min(hits) - length_m / 2.0, 0.0) if hits else math.inf


def parse_threats(
    specs: Sequence[Mapping[str, Any]],
    *,
    barriers_at: Callable[[float], Mapping[str, BaseGeometry]] | None = None,
    ratings: Mapping[str, str] | None = None,
    tracks: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Threat]:
    """Threats from ``run_info["threats"]``.

    Args:
        specs: the threat specifications.
        barriers_at: the barriers in place at a time (id → shape); a vehicle stops at the first
            one, in place when it starts, that is rated for its class.
        ratings: barrier id → rating ("none", "M1", "N1", "N2", "N3").
        tracks: recorded tracks by threat id (:meth:`RunReader.threat_tracks`).
    """
    out = []
    for spec in specs:
        if not isinstance(spec, Mapping) or "path" not in spec:
            continue
        kind = str(spec.get("kind", "threat"))
        path = np.asarray(spec["path"], dtype=np.float64).reshape(-1, 2)
        start = float(spec.get("start_s") or 0.0)
        end = spec.get("end_s")
        end_s = float(end) if end is not None else math.inf
        if end is None and kind == "blast":
            end_s = start + _BLAST_DEFAULT_S
        stop = math.inf
        if kind == "vehicle":
            stop = _vehicle_stop_m(
                path,
                str(spec.get("vehicle_class", "")),
                float(spec.get("length_m", 0.0)),
                barriers_at(start) if barriers_at is not None else {},
                ratings or {},
            )
        tid = str(spec.get("id", kind))
        out.append(
            Threat(
                id=tid,
                kind=kind,
                path=path,
                start_s=start,
                end_s=end_s,
                speed_mps=float(spec.get("speed_mps") or 0.0),
                pursue=bool(spec.get("pursue", False)),
                spec=dict(spec),
                stop_m=stop,
                track=(tracks or {}).get(tid),
            )
        )
    return out

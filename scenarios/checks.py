"""Semantic checks of a structurally valid scenario (in the manner of Vadere's TopographyChecker).

:func:`check` returns a list of :class:`Issue`; :func:`scenarios.load` raises on any
:attr:`Severity.ERROR` and hands the warnings back through :func:`scenarios.load_with_issues`.

Checks, by issue code (ERROR unless marked):

* ``duplicate-id`` — two exits, barriers or populations share an id.
* ``unknown-exit`` — a population's ``exits`` names an exit that does not exist (suggests the
  closest known id).
* ``walkable-empty`` — nothing is left of the floor after obstacles and barriers.
* ``obstacle-outside`` / ``barrier-outside`` (WARNING) — lies entirely off the floor: no effect.
* ``exit-off-walkable`` — an exit does not touch the floor (reports the gap in metres).
* ``exit-too-narrow`` — the exit meets the floor over less than 2 × the largest radius of the
  populations that may use it.
* ``exit-unused`` (WARNING) — no population may use the exit.
* ``spawn-outside`` — part of a spawn area lies outside the floor outline (reports area and where).
* ``spawn-on-obstacle`` (WARNING) — part of a spawn area lies on obstacles or barriers; no agent is
  placed there.
* ``spawn-in-exit`` (WARNING) — part of a spawn area or an explicit position lies in an exit.
* ``spawn-too-small`` — the placement algorithm, run exactly as the simulation will run it with
  the scenario's seed, fits fewer agents than ``count`` (reports how many fit).
* ``position-outside`` / ``position-in-wall`` — an explicit position is off the floor, or closer
  to a wall or obstacle than the agent's radius.
* ``position-overlap`` — two explicit positions closer than the sum of their radii.
* ``unreachable`` / ``barrier-blocks`` / ``route-too-narrow`` — some spawn location cannot reach
  any allowed exit through the floor eroded by the population's largest radius
  (``buffer(-r)``): no connection at all, a barrier cuts every route, or a passage is narrower
  than a body (reports where and the largest radius that fits).
* ``premovement-beyond-duration`` (WARNING) — agents may still be waiting when the run ends.
* ``no-agents`` (WARNING) — every population is empty.

Radii of explicit positions are taken at their upper bound (the distribution's ``max``), so a
scenario that passes holds for every seed.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .distributions import exceedance_probability
from .geometry import polygonal_parts
from .models import Population, Scenario
from .placement import _spawn

__all__ = ["GEOMETRY_CODES", "Issue", "Severity", "check"]

#: Areas below this (m²) are rounding noise.
_AREA_TOL: Final = 1e-6
#: Distances below this (m) count as touching.
_DIST_TOL: Final = 1e-9
#: Most individual agents or pairs listed in one message.
_LIST_MAX: Final = 5

#: Issue codes about geometry (the loader raises GeometryError when every error is one of these).
GEOMETRY_CODES: Final = frozenset(
    {
        "walkable-empty",
        "exit-off-walkable",
        "exit-too-narrow",
        "spawn-outside",
        "spawn-too-small",
        "position-outside",
        "position-in-wall",
        "position-overlap",
        "unreachable",
        "barrier-blocks",
        "route-too-narrow",
    }
)


class Severity(StrEnum):
    """How serious an :class:`Issue` is."""

    ERROR = "error"
    """The scenario cannot be simulated as written; :func:`scenarios.load` raises."""
    WARNING = "warning"
    """Probably unintended, but the scenario runs."""


@dataclass(frozen=True)
class Issue:
    """One finding of :func:`check`.

    Attributes:
        severity: ERROR or WARNING.
        code: stable machine-readable code (see the module docstring).
        field: dotted path of the offending field (``exits[1].area``).
        element_id: id of the exit, barrier or population concerned ("" if none).
        message: what is wrong, with numbers and coordinates.
        hint: how to fix it.
    """

    severity: Severity
    code: str
    field: str
    element_id: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}; {self.hint}"


def _xy(p: shapely.Point) -> str:
    return f"({p.x:.2f}, {p.y:.2f})"


def _where(g: BaseGeometry) -> str:
    x0, y0, x1, y1 = g.bounds
    return f"around {_xy(g.representative_point())} (x {x0:.2f}…{x1:.2f} m, y {y0:.2f}…{y1:.2f} m)"


def _ids(ids: list[str]) -> str:
    return "[" + ", ".join(f"'{i}'" for i in ids) + "]"


def _more(n_listed: int, n_total: int) -> str:
    return f" (and {n_total - n_listed} more)" if n_total > n_listed else ""


class _Checker:
    def __init__(self, scenario: Scenario, *, placement: bool):
        self.s = scenario
        self.placement = placement
        self.issues: list[Issue] = []
        g = scenario.geometry
        self.walkable = g.walkable_shape()
        self.exit_shapes = {e.id: e.shape() for e in reversed(scenario.exits)}  # first id wins
        self.obstacles = g.obstacle_shapes()
        self.active_barriers = [b for b in scenario.barriers if b.active]
        #: index in ``barriers`` of each active barrier (for field paths)
        self.active_index = [k for k, b in enumerate(scenario.barriers) if b.active]
        self.barriers = [b.shape() for b in self.active_barriers]
        self.holes = shapely.union_all(
            [shapely.Polygon(h) for p in polygonal_parts(self.walkable) for h in p.interiors]
        )
        blocked = shapely.union_all([*self.obstacles, *self.barriers])
        self.floor_without_exits = self.walkable.difference(blocked)
        exits = shapely.union_all([e.shape() for e in scenario.exits])
        self.outline = shapely.union_all(
            [shapely.Polygon(p.exterior) for p in polygonal_parts(self.walkable)] + [exits]
        )
        self.floor = scenario.walkable_area()
        # routes count through every exit that is open at some time (an exit opened by an event)
        ever_open = {e.id for e in scenario.exits if e.open} | {
            ev.target for ev in scenario.events if ev.action == "open_exit"
        }
        self.route_floor = scenario.walkable_area(open_exits=frozenset(ever_open))
        self.floor_no_barriers = shapely.union_all([self.walkable, exits]).difference(
            shapely.union_all(self.obstacles)
        )
        self.known_exits = [e.id for e in scenario.exits]
        self.bad_exits: set[str] = set()
        self.off_floor: set[int] = set()  # populations whose spawn area is entirely off the floor
        self._eroded: dict[tuple[int, float], BaseGeometry] = {}

    def add(
        self, severity: Severity, code: str, field: str, element_id: str, msg: str, hint: str
    ) -> None:
        self.issues.append(Issue(severity, code, field, element_id, msg, hint))

    def error(self, code: str, field: str, element_id: str, msg: str, hint: str) -> None:
        self.add(Severity.ERROR, code, field, element_id, msg, hint)

    def warn(self, code: str, field: str, element_id: str, msg: str, hint: str) -> None:
        self.add(Severity.WARNING, code, field, element_id, msg, hint)

    # ---------------------------------------------------------------------------------------------

    def run(self) -> list[Issue]:
        self.duplicate_ids()
        self.unknown_exits()
        self.events_and_threats()
        if self.floor.is_empty or self.floor.area <= _AREA_TOL:
            self.error(
                "walkable-empty",
                "geometry.walkable",
                "",
                "nothing of the walkable area is left after subtracting obstacles and barriers",
                "check that obstacles and barriers do not cover the whole floor",
            )
            return self.issues
        self.stray_obstacles()
        self.exits()
        for i, p in enumerate(self.s.populations):
            if p.positions is None:
                self.spawn_area(i, p)
            else:
                self.positions(i, p)
        self.overlaps()
        for i, p in enumerate(self.s.populations):
            if p.n_agents:
                self.reachability(i, p)
            self.premovement(i, p)
        if self.placement:
            self.capacity()
        if all(p.n_agents == 0 for p in self.s.populations):
            self.warn(
                "no-agents",
                "populations",
                "",
                "every population is empty, so nobody will be simulated",
                "give at least one population a count > 0 or positions",
            )
        return self.issues

    # ---------------------------------------------------------------------------------------------
    # Ids

    def duplicate_ids(self) -> None:
        for kind, items in (
            ("exits", self.s.exits),
            ("barriers", self.s.barriers),
            ("populations", self.s.populations),
            ("threats", self.s.threats),
        ):
            first: dict[str, int] = {}
            for i, item in enumerate(items):
                if item.id in first:
                    self.error(
                        "duplicate-id",
                        f"{kind}[{i}].id",
                        item.id,
                        f"{kind[:-1]} id '{item.id}' is used twice"
                        f" ({kind}[{first[item.id]}] and {kind}[{i}])",
                        f"give every {kind[:-1]} a unique id",
                    )
                else:
                    first[item.id] = i

    def unknown_exits(self) -> None:
        for i, p in enumerate(self.s.populations):
            for j, name in enumerate(p.exits or []):
                if name in self.known_exits:
                    continue
                close = difflib.get_close_matches(name, self.known_exits, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.error(
                    "unknown-exit",
                    f"populations[{i}].exits[{j}]",
                    p.id,
                    f"population '{p.id}' names unknown exit '{name}'",
                    f"{hint}known exits: {_ids(self.known_exits)}",
                )

    def events_and_threats(self) -> None:
        barrier_ids = [b.id for b in self.s.barriers]
        for i, ev in enumerate(self.s.events):
            if ev.target is not None:
                known = self.known_exits if "exit" in ev.action else barrier_ids
                kind = "exit" if "exit" in ev.action else "barrier"
                if ev.target not in known:
                    close = difflib.get_close_matches(ev.target, known, n=1)
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    self.error(
                        "unknown-event-target",
                        f"events[{i}].target",
                        ev.target,
                        f"event '{ev.action}' at {ev.time_s:g} s names unknown {kind}"
                        f" '{ev.target}'",
                        f"{hint}known {kind}s: {_ids(known) if known else 'none'}",
                    )
            if ev.time_s >= self.s.duration_s:
                self.warn(
                    "event-after-end",
                    f"events[{i}].time_s",
                    ev.target or "",
                    f"event '{ev.action}' at {ev.time_s:g} s comes after the end of the run"
                    f" ({self.s.duration_s:g} s) and will not happen",
                    "move it earlier or lengthen duration_s",
                )
        floor = self.s.walkable_area()
        for i, th in enumerate(self.s.threats):
            if th.start_s >= self.s.duration_s:
                self.warn(
                    "threat-after-end",
                    f"threats[{i}].start_s",
                    th.id,
                    f"threat '{th.id}' starts at {th.start_s:g} s, after the end of the run",
                    "move start_s earlier or lengthen duration_s",
                )
            if th.kind in ("knife", "firearm"):
                p0 = shapely.Point(th.path[0])
                if not floor.contains(p0):
                    self.error(
                        "threat-off-floor",
                        f"threats[{i}].path[0]",
                        th.id,
                        f"{th.kind} attacker '{th.id}' starts at {_xy(p0)}, outside the walkable"
                        f" area ({floor.distance(p0):.2f} m away)",
                        "start it on the floor of the venue",
                    )

    def allowed(self, p: Population) -> list[str]:
        return [e for e in self.s.allowed_exits(p) if e in self.exit_shapes]

    # ---------------------------------------------------------------------------------------------
    # Obstacles, barriers, exits

    def stray_obstacles(self) -> None:
        for kind, shapes, field, name in (
            ("obstacle", self.obstacles, "geometry.obstacles[{i}]", lambda i: f"obstacle {i}"),
            (
                "barrier",
                self.barriers,
                "barriers[{i}].geometry",
                lambda i: f"barrier '{self.active_barriers[i].id}'",
            ),
        ):
            for i, g in enumerate(shapes):
                if g.intersection(self.walkable).area > _AREA_TOL:
                    continue
                self.warn(
                    f"{kind}-outside",
                    field.format(i=i if kind == "obstacle" else self.active_index[i]),
                    "" if kind == "obstacle" else self.active_barriers[i].id,
                    f"{name(i)} lies entirely outside the walkable area"
                    f" ({g.distance(self.walkable):.2f} m away), so it has no effect",
                    "move it onto the floor or delete it",
                )

    def _exit_radius(self, exit_id: str) -> tuple[float, list[str]]:
        users = [p for p in self.s.populations if exit_id in self.s.allowed_exits(p)]
        r = max((p.radius_bounds()[1] for p in users), default=0.0)
        return r, [p.id for p in users]

    def exits(self) -> None:
        for i, e in enumerate(self.s.exits):
            ex = e.shape()
            gap = ex.distance(self.floor_without_exits)
            if gap > _DIST_TOL:
                self.bad_exits.add(e.id)
                self.error(
                    "exit-off-walkable",
                    f"exits[{i}].area",
                    e.id,
                    f"exit '{e.id}' does not touch the walkable area ({gap:.2f} m away)",
                    "move it onto the boundary (it must share an edge with the floor or overlap"
                    " it)",
                )
                continue
            r, users = self._exit_radius(e.id)
            if not users:
                self.warn(
                    "exit-unused",
                    f"exits[{i}]",
                    e.id,
                    f"no population may use exit '{e.id}'",
                    "add it to a population's exits, or remove it",
                )
                r = max((p.radius_bounds()[1] for p in self.s.populations), default=0.0)
            rest = self.floor_without_exits.difference(ex)
            contact = ex.boundary.intersection(rest)
            width = max(
                (g.length for g in shapely.get_parts(shapely.line_merge(_lines(contact)))),
                default=0.0,
            )
            if width < 2.0 * r:
                self.bad_exits.add(e.id)
                self.error(
                    "exit-too-narrow",
                    f"exits[{i}].area",
                    e.id,
                    f"exit '{e.id}' meets the walkable area over only {width:.2f} m, less than"
                    f" one body (2 × radius {r:.2f} m = {2 * r:.2f} m)",
                    f"widen the exit and its opening to at least {2 * r:.2f} m"
                    " (a door leaf is typically 0.9–1.2 m)",
                )

    # ---------------------------------------------------------------------------------------------
    # Spawn areas and explicit positions

    def spawn_area(self, i: int, p: Population) -> None:
        area = p.shape()
        field = f"populations[{i}].area"
        inside = area.intersection(self.outline)
        if inside.area <= _AREA_TOL:
            self.off_floor.add(i)
            self.error(
                "spawn-outside",
                field,
                p.id,
                f"the spawn area of population '{p.id}' lies entirely outside the walkable area"
                f" ({area.distance(self.outline):.2f} m away)",
                "move it onto the floor",
            )
            return
        outside = area.difference(self.outline)
        if outside.area > _AREA_TOL:
            self.error(
                "spawn-outside",
                field,
                p.id,
                f"{outside.area:.2f} m² ({100 * outside.area / area.area:.0f} %) of the spawn"
                f" area of population '{p.id}' lies outside the walkable area, {_where(outside)}",
                "move or shrink the spawn area so it lies inside the walkable outline",
            )
        names, covered = [], []
        for label, g in (
            [("a hole of geometry.walkable", self.holes)]
            + [(f"obstacle {k}", o) for k, o in enumerate(self.obstacles)]
            + [
                (f"barrier '{b.id}'", g)
                for b, g in zip(self.active_barriers, self.barriers, strict=True)
            ]
        ):
            part = inside.intersection(g)
            if part.area > _AREA_TOL:
                names.append(label)
                covered.append(part)
        if covered:
            blocked = shapely.union_all(covered)
            self.warn(
                "spawn-on-obstacle",
                field,
                p.id,
                f"{blocked.area:.2f} m² of the spawn area of population '{p.id}' lies on"
                f" {', '.join(names)}; no agent is placed there",
                "fine if intended; otherwise cut the spawn area around them",
            )
        for e in self.s.exits:
            part = inside.intersection(self.exit_shapes.get(e.id, e.shape()))
            if part.area > _AREA_TOL:
                self.warn(
                    "spawn-in-exit",
                    field,
                    p.id,
                    f"the spawn area of population '{p.id}' overlaps exit '{e.id}'"
                    f" ({part.area:.2f} m²); no agent is placed inside an exit",
                    "keep spawn areas clear of exits",
                )

    def positions(self, i: int, p: Population) -> None:
        xy = np.asarray(p.positions, dtype=np.float64).reshape(-1, 2)
        if xy.shape[0] == 0:
            return
        r = p.radius_bounds()[1]
        field = f"populations[{i}].positions"
        inside = shapely.contains_xy(self.floor, xy[:, 0], xy[:, 1])
        points = shapely.points(xy)
        out = np.flatnonzero(~inside)
        if out.size:
            parts = []
            for k in out[:_LIST_MAX]:
                d = self.floor.distance(points[k])
                parts.append(
                    f"agent {k} of population '{p.id}' at {_xy(points[k])} is outside the"
                    " walkable area"
                    f" ({d:.2f} m from the floor)"
                )
            self.error(
                "position-outside",
                f"{field}[{out[0]}]",
                p.id,
                "; ".join(parts) + _more(min(out.size, _LIST_MAX), out.size),
                "move these positions onto the floor",
            )
        idx = np.flatnonzero(inside)
        if idx.size:
            clearance = shapely.distance(self.floor.boundary, points[idx])
            close = idx[clearance < r - _DIST_TOL]
            if close.size:
                parts = [
                    f"agent {k} of population '{p.id}' at {_xy(points[k])} is inside a wall:"
                    f" {self.floor.boundary.distance(points[k]):.2f} m from the boundary,"
                    f" radius {r:g} m"
                    for k in close[:_LIST_MAX]
                ]
                self.error(
                    "position-in-wall",
                    f"{field}[{close[0]}]",
                    p.id,
                    "; ".join(parts) + _more(min(close.size, _LIST_MAX), close.size),
                    f"keep every centre at least one radius ({r:g} m) from walls and obstacles",
                )
        exits = shapely.union_all(list(self.exit_shapes.values()))
        in_exit = np.flatnonzero(shapely.contains_xy(exits, xy[:, 0], xy[:, 1]))
        if in_exit.size:
            self.warn(
                "spawn-in-exit",
                f"{field}[{in_exit[0]}]",
                p.id,
                f"{in_exit.size} explicit position(s) of population '{p.id}' lie inside an exit"
                f" (first: agent {in_exit[0]} at {_xy(points[in_exit[0]])}); they leave at once",
                "move them out of the exit areas",
            )

    def overlaps(self) -> None:
        explicit = [
            (i, np.asarray(p.positions, dtype=np.float64).reshape(-1, 2))
            for i, p in enumerate(self.s.populations)
            if p.positions
        ]
        if sum(len(xy) for _, xy in explicit) < 2:
            return
        xy = np.concatenate([xy for _, xy in explicit])
        rad = np.concatenate(
            [np.full(len(q), self.s.populations[i].radius_bounds()[1]) for i, q in explicit]
        )
        pop_of = np.concatenate([np.full(len(q), i) for i, q in explicit])
        index_in_pop = np.concatenate([np.arange(len(q)) for _, q in explicit])
        rows = list(zip(pop_of.tolist(), index_in_pop.tolist(), strict=True))
        pairs = cKDTree(xy).query_pairs(2.0 * rad.max(), output_type="ndarray")
        if pairs.size == 0:
            return
        d = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
        bad = pairs[d < rad[pairs[:, 0]] + rad[pairs[:, 1]] - _DIST_TOL]
        if bad.size == 0:
            return
        bad = bad[np.lexsort((bad[:, 1], bad[:, 0]))]
        pops = self.s.populations

        def who(j: int) -> str:
            return f"agent {rows[j][1]} of population '{pops[rows[j][0]].id}'"

        def both(a: int, b: int) -> str:
            if rows[a][0] == rows[b][0]:
                return f"agents {rows[a][1]} and {rows[b][1]} of population '{pops[rows[a][0]].id}'"
            return f"{who(a)} and {who(b)}"

        parts = [
            f"{both(a, b)} overlap: centres {math.dist(xy[a], xy[b]):.2f} m apart,"
            f" radii {rad[a]:g} + {rad[b]:g} m"
            for a, b in bad[:_LIST_MAX]
        ]
        a = bad[0, 1]
        self.error(
            "position-overlap",
            f"populations[{rows[a][0]}].positions[{rows[a][1]}]",
            pops[rows[a][0]].id,
            "; ".join(parts) + _more(min(len(bad), _LIST_MAX), len(bad)),
            "move the centres at least the sum of the two radii apart",
        )

    # ---------------------------------------------------------------------------------------------
    # Routes

    def _good(
        self, floor: BaseGeometry, key: int, r: float, exits: list[str]
    ) -> tuple[BaseGeometry, BaseGeometry]:
        """Components of ``floor`` eroded by ``r`` that reach one of ``exits``; the eroded floor."""
        eroded = self._eroded.get((key, r))
        if eroded is None:
            eroded = floor.buffer(-r) if r > 0 else floor
            self._eroded[(key, r)] = eroded
        targets = [self.exit_shapes[e] for e in exits]
        good = [
            c for c in polygonal_parts(eroded) if any(c.intersection(t).area > 0.0 for t in targets)
        ]
        return shapely.union_all(good), eroded

    def _cut_off(
        self, floor: BaseGeometry, key: int, r: float, exits: list[str], spawn: BaseGeometry
    ) -> BaseGeometry:
        """The part of ``spawn`` (area or points) on the eroded floor that reaches no exit."""
        good, eroded = self._good(floor, key, r, exits)
        landing = spawn.intersection(eroded)
        if landing.is_empty:
            return landing
        cut = landing.difference(good)
        if isinstance(spawn, shapely.MultiPoint):
            return cut
        return shapely.union_all(polygonal_parts(cut))

    @staticmethod
    def _significant(g: BaseGeometry) -> bool:
        if g.is_empty:
            return False
        if g.geom_type in {"Point", "MultiPoint"}:
            return True
        return g.area > _AREA_TOL

    def reachability(self, i: int, p: Population) -> None:
        exits = [e for e in self.allowed(p) if e not in self.bad_exits]
        if not exits:
            return
        spawn = (
            p.shape()
            if p.positions is None
            else shapely.multipoints(np.asarray(p.positions, dtype=np.float64).reshape(-1, 2))
        )
        r = p.radius_bounds()[1]
        cut = self._cut_off(self.route_floor, 0, r, exits, spawn)
        if not self._significant(cut):
            return
        where = _where(cut)
        field = f"populations[{i}]"
        if self.active_barriers and not self._significant(
            self._cut_off(self.floor_no_barriers, 1, r, exits, spawn)
        ):
            culprits = []
            for k in range(len(self.active_barriers)):
                others = [g for j, g in enumerate(self.barriers) if j != k]
                floor = self.floor_no_barriers.difference(shapely.union_all(others))
                if not self._significant(self._cut_off(floor, 100 + k, r, exits, spawn)):
                    culprits.append(k)
            names = [self.active_barriers[k].id for k in culprits] or [
                b.id for b in self.active_barriers
            ]
            thin = not self._significant(self._cut_off(self.route_floor, 0, 1e-3, exits, spawn))
            subject = (
                f"barrier '{names[0]}'" if len(names) == 1 else f"barriers {_ids(names)} together"
            )
            verb = (
                f"leave{'s' if len(names) == 1 else ''} no gap wide enough"
                f" (2 × radius {r:g} m = {2 * r:.2f} m) for"
                if thin
                else f"cut{'s' if len(names) == 1 else ''} every route from"
            )
            k0 = culprits[0] if culprits else 0
            self.error(
                "barrier-blocks",
                f"barriers[{k0}].geometry" if len(names) == 1 else field,
                names[0] if len(names) == 1 else p.id,
                f"{subject} {verb} population '{p.id}' to exits {_ids(exits)} (spawn {where})",
                f"open a gap of at least {2 * r:.2f} m (about 1 m more per 1.3 persons/s of flow)"
                " or remove the barrier",
            )
            return
        if not self._significant(self._cut_off(self.route_floor, 0, 1e-3, exits, spawn)):
            fits = self._largest_radius(exits, spawn, r)
            good, eroded = self._good(self.route_floor, 0, r, exits)
            target = (
                good
                if not good.is_empty
                else shapely.union_all([self.exit_shapes[e] for e in exits])
            )
            stuck = shapely.union_all([c for c in polygonal_parts(eroded) if c.intersects(cut)])
            a, b = nearest_points(stuck if not stuck.is_empty else cut, target)
            near = shapely.Point((a.x + b.x) / 2.0, (a.y + b.y) / 2.0)
            self.error(
                "route-too-narrow",
                field,
                p.id,
                f"every route from population '{p.id}' (spawn {where}) to exits {_ids(exits)}"
                f" is narrower than one body (2 × radius {r:g} m = {2 * r:.2f} m); the"
                f" narrowest point is near {_xy(near)}, where only agents up to"
                f" {fits:.2f} m radius pass",
                f"widen the passage there to at least {2 * r:.2f} m, or reduce radius_m",
            )
            return
        self.error(
            "unreachable",
            field,
            p.id,
            f"no walkable route connects population '{p.id}' (spawn {where}) to exits"
            f" {_ids(exits)}: that part of the floor touches none of them",
            "connect the areas, add an exit there, or allow another exit in the population's exits",
        )

    def _largest_radius(self, exits: list[str], spawn: BaseGeometry, r: float) -> float:
        lo, hi = 0.0, r
        for _ in range(12):
            mid = 0.5 * (lo + hi)
            if self._significant(self._cut_off(self.route_floor, 0, mid, exits, spawn)):
                hi = mid
            else:
                lo = mid
        return lo

    # ---------------------------------------------------------------------------------------------
    # Time and capacity

    def premovement(self, i: int, p: Population) -> None:
        if p.n_agents == 0:
            return
        share = exceedance_probability(p.premovement_s, self.s.duration_s)
        if share <= 1e-3:
            return
        self.warn(
            "premovement-beyond-duration",
            f"populations[{i}].premovement_s",
            p.id,
            f"about {100 * share:.1f} % of population '{p.id}' will not have started moving"
            f" when the run ends (duration_s = {self.s.duration_s:g} s)",
            "lengthen duration_s or truncate premovement_s with max",
        )

    def capacity(self) -> None:
        if not any(p.positions is None and p.n_agents for p in self.s.populations):
            return
        _, _, results = _spawn(self.s, np.random.default_rng(self.s.seed))
        for i, (p, res) in enumerate(zip(self.s.populations, results, strict=True)):
            if res is None or res.complete or i in self.off_floor:
                continue
            earlier = sum(q.n_agents for q in self.s.populations[:i] if q.positions is None) + sum(
                q.n_agents for q in self.s.populations if q.positions is not None
            )
            lo, hi = p.radius_bounds()
            radius = f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"
            self.error(
                "spawn-too-small",
                f"populations[{i}].count",
                p.id,
                f"the spawn area of population '{p.id}' holds only {res.placed} of {p.count}"
                f" agents (radius {radius} m, spacing_m {p.spacing_m:g} m,"
                f" {res.usable_area_m2:.1f} m² usable for centres"
                + (f", {earlier} agents of other populations placed first" if earlier else "")
                + ")",
                f"enlarge the area, or reduce count to at most {res.placed}, or reduce radius_m"
                " or spacing_m",
            )


def _lines(g: BaseGeometry) -> BaseGeometry:
    """The linear parts of ``g`` as one (multi)line geometry."""
    parts = [
        part
        for part in shapely.get_parts(g)
        if part.geom_type in {"LineString", "LinearRing", "MultiLineString"}
    ]
    return shapely.union_all(parts) if parts else shapely.MultiLineString()


def check(scenario: Scenario, *, placement: bool = True) -> list[Issue]:
    """Run every semantic check on a structurally valid scenario.

    Args:
        scenario: the scenario.
        placement: also run the placement algorithm to verify each spawn area holds its count
            (``spawn-too-small``); it uses the scenario's seed, as the simulation does.

    Returns:
        All issues found, errors and warnings, in check order.
    """
    return _Checker(scenario, placement=placement).run()

"""The simulation façade: validates once, then drives the numba kernels."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import shapely
import shapely.ops

from .crowd import Crowd
from .errors import SimulationError
from .kernels.integrate import advance
from .threats import FearParams, ThreatArrays
from .world import World

__all__ = [
    "AppliedEvent",
    "LayoutChange",
    "Simulation",
    "interaction_cutoff",
    "neighbour_cell_m",
    "social_range_m",
]

#: Social forces weaker than this are neglected: 1 % of the driving force m·v0/τ of a walker
#: (80 kg · 1.34 m/s / 0.5 s ≈ 214 N). The range follows from A·exp(−s/B) = F: s = B ln(A/F).
CUTOFF_FORCE_N = 2.0
#: Largest move per physics step as a fraction of the smallest radius (no tunnelling, stable contact).
MAX_MOVE_FRACTION = 0.1
#: Door capacity used by the "quickest" exit choice to turn a queue into a wait (persons per
#: metre of width per second): the SFPE / IMO MSC.1/Circ.1533 design value 1.33 p/(m·s).
EXIT_CAPACITY_PMS = 1.33
#: An agent switches to a quicker exit only if it saves this fraction of its estimated time.
SWITCH_GAIN = 0.2
#: Below this many agents a step is too short to share between threads: the kernel runs on the
#: calling thread alone (results do not depend on the thread count, a tested property).
PARALLEL_MIN_AGENTS = 3000


def social_range_m(*, A_N: float | np.ndarray, B_m: float | np.ndarray) -> float:
    """Largest gap (m) between bodies at which the social force A·exp(−gap/B) exceeds
    :data:`CUTOFF_FORCE_N` (0 when A itself is weaker)."""
    a = np.maximum(np.asarray(A_N, dtype=np.float64), CUTOFF_FORCE_N)
    return float(np.max(np.asarray(B_m) * np.log(a / CUTOFF_FORCE_N)))


def interaction_cutoff(*, max_radius_m: float, max_range_m: float) -> float:
    """Centre distance beyond which two agents do not interact (m): two radii plus the social
    range (:func:`social_range_m`)."""
    return 2.0 * max_radius_m + max_range_m


def neighbour_cell_m(cutoff_m: float) -> float:
    """Cell size of the neighbour grid: a hair above the cutoff, so that a pair just inside the
    cutoff can never fall two cells apart through rounding."""
    return cutoff_m * (1.0 + 1e-9) + 1e-9


@dataclass(frozen=True, eq=False)
class LayoutChange:
    """A scheduled change of the layout (exit closed or opened, barrier added or removed).

    Attributes:
        time_s: when it happens. world: the layout from then on (same exits, same order).
        kind, target, text: what to log (e.g. ``"close_exit"``, ``"east"``, a sentence).
    """

    time_s: float
    world: World
    kind: str
    target: str = ""
    text: str = ""


@dataclass(frozen=True)
class AppliedEvent:
    """A layout change as it was applied: time, kind, target, text, agents moved off obstacles."""

    time_s: float
    kind: str
    target: str
    text: str
    displaced: int


class Simulation:
    """A world, a crowd, threats and a clock.

    Args:
        world: compiled geometry (the layout at t = 0).
        crowd: the agents (mutated as the simulation runs).
        dt_s: time step (s). The physics may sub-step: each step is split so that no agent moves
            more than a tenth of the smallest radius per sub-step.
        wall_A_N, wall_B_m: wall repulsion strength (N) and range (m).
        route_interval_s: how often agents re-read their desired direction from the floor field
            (s). Route choice is a slow decision (JuPedSim exposes the same knob); 0.1 s means an
            agent walks at most ~15 cm on a stale direction, under one field spacing.
        threats: compiled threats (none by default); fear: fear-model constants.
        perceive_interval_s: how often perception and fear are updated (s).
        allowed: (P, E) bool, the exits each population may use (default: all).
        seed: key of the kernels' counter-based random draws (attack hits, blast injuries).
        schedule: layout changes, applied at their times.
        exit_choice: "nearest" — each agent keeps the exit nearest by path (re-chosen when the
            layout changes or it perceives a threat) — or "quickest": every
            ``choice_interval_s`` walking agents re-estimate, for each allowed open exit, the walk
            (path distance / desired speed) plus the wait behind those heading there and nearer to
            it (their number / (1.33 p/(m·s) × door width), the SFPE/IMO door capacity), and
            switch when another exit saves 20 % (the queue-aware choice of Kretz 2009 and
            JuPedSim's quickest router, in a simple documented form).
        choice_interval_s: period of the "quickest" re-evaluation (s).
    """

    def __init__(
        self,
        *,
        world: World,
        crowd: Crowd,
        dt_s: float,
        wall_A_N: float,
        wall_B_m: float,
        route_interval_s: float = 0.1,
        threats: ThreatArrays | None = None,
        fear: FearParams | None = None,
        perceive_interval_s: float = 0.1,
        allowed: np.ndarray | None = None,
        seed: int = 0,
        schedule: list[LayoutChange] | None = None,
        exit_choice: str = "nearest",
        choice_interval_s: float = 2.0,
    ) -> None:
        if exit_choice not in ("nearest", "quickest"):
            raise SimulationError(
                f"exit_choice must be 'nearest' or 'quickest', got {exit_choice!r}"
            )
        if not (0.0 < dt_s <= 0.1):
            raise SimulationError(f"dt_s must be in (0, 0.1] s, got {dt_s}")
        n_exit = len(world.exit_ids)
        if crowd.n and np.any((crowd.target < 0) | (crowd.target >= n_exit)):
            raise SimulationError("every agent needs a target exit index within the world's exits")
        self.world = world
        self.crowd = crowd
        self.dt_s = float(dt_s)
        self.wall_A_N = float(wall_A_N)
        self.wall_B_m = float(wall_B_m)
        self.threats = threats if threats is not None else ThreatArrays.build([])
        self.fear = fear if fear is not None else FearParams()
        self._fp = self.fear.array()
        n_pop = int(crowd.population.max()) + 1 if crowd.n else 1
        self.allowed = (
            np.ones((max(n_pop, len(crowd.population_ids)), n_exit), dtype=bool)
            if allowed is None
            else np.ascontiguousarray(allowed, dtype=bool)
        )
        self.seed = int(seed)
        self.time_s = 0.0
        self.steps = 0
        self.schedule = sorted(schedule or [], key=lambda c: c.time_s)
        self.exit_choice = exit_choice
        self.choice_interval_s = float(choice_interval_s)
        self._next_choice_s = self.choice_interval_s
        self.applied: list[AppliedEvent] = []
        n = crowd.n
        r_max = float(crowd.radius.max()) if n else 0.25
        reach = social_range_m(A_N=crowd.a_soc, B_m=crowd.b_soc) if n else 0.0
        self.cutoff_m = interaction_cutoff(max_radius_m=r_max, max_range_m=reach)
        wall_reach = r_max + social_range_m(A_N=self.wall_A_N, B_m=self.wall_B_m)
        if world.wall_cutoff_m + 1e-9 < wall_reach:
            raise SimulationError(
                f"the world's wall cutoff ({world.wall_cutoff_m:.2f} m) is shorter than the wall"
                f" force range ({wall_reach:.2f} m); build the world with a longer wall_cutoff_m"
            )
        fear_factor = self.fear.speed_factor if len(self.threats.ids) else 1.0
        v_cap = float((crowd.vmax * max(fear_factor, 1.0)).max()) if n else 1.0
        r_min = float(crowd.radius.min()) if n else 0.25
        self.substeps = max(1, math.ceil(self.dt_s * v_cap / (MAX_MOVE_FRACTION * r_min) - 1e-9))
        dt_phys = self.dt_s / self.substeps
        self.route_every = max(1, round(route_interval_s / dt_phys))
        self.perceive_every = max(1, round(perceive_interval_s / dt_phys))
        xmin, ymin, xmax, ymax = world.bounds
        cell = neighbour_cell_m(self.cutoff_m)
        self._grid_shape = (
            xmin - cell,
            ymin - cell,
            1.0 / cell,
            math.ceil((xmax - xmin) / cell) + 3,
            math.ceil((ymax - ymin) / cell) + 3,
        )
        gnx, gny = self._grid_shape[3], self._grid_shape[4]
        self._agent_cell = np.empty(n, dtype=np.int64)
        self._cell_start = np.zeros(gnx * gny + 1, dtype=np.int64)
        self._cell_order = np.empty(n, dtype=np.int64)
        self._acc = np.zeros((n, 2))
        self._s_edir = np.zeros((n, 2))
        self._s_pos = np.zeros((n, 2))
        self._s_vel = np.zeros((n, 2))
        self._s_body = np.zeros((n, 4))
        self._s_harmed = np.zeros(n, dtype=bool)
        self.desired = np.zeros((n, 2))
        self.exit_open = world.exit_open.copy()

    # --------------------------------------------------------------------------------------------
    @property
    def n_active(self) -> int:
        """Agents still inside (casualties included)."""
        return int(self.crowd.active.sum())

    @property
    def n_mobile(self) -> int:
        """Agents still inside and able to move."""
        c = self.crowd
        return int((c.active & ~c.harmed).sum())

    def _tuples(self) -> tuple:
        c = self.crowd
        w = self.world
        state = (
            c.pos, c.vel, c.active, c.evac_time, c.evac_exit, self.desired, self._s_edir,
            self._acc, c.harmed, c.cause, c.t_harmed, c.pressure, c.fear, c.fear_new, c.flee,
            c.t_perceive, c.exposure, c.min_dist, c.hazard_dwell, c.t_start, c.target,
        )  # fmt: skip
        const = (
            c.radius, c.v0, c.tau, c.mass, c.a_soc, c.b_soc, c.lam, c.k_body, c.kappa,
            c.speed_factor, c.openness, c.group, c.population,
        )  # fmt: skip
        gx0, gy0, inv_cell, gnx, gny = self._grid_shape
        grid = (
            self._agent_cell, self._cell_start, self._cell_order, gx0, gy0, inv_cell, gnx, gny,
            self.cutoff_m, self._s_pos, self._s_vel, self._s_body, self._s_harmed,
        )  # fmt: skip
        walls = (
            w.segments, w.seg_prev, w.seg_next, w.wall_start, w.wall_items, w.wall_origin[0],
            w.wall_origin[1], 1.0 / w.wall_cell_m, w.wall_shape[0], w.wall_shape[1],
            self.wall_A_N, self.wall_B_m, w.wall_cutoff_m,
        )  # fmt: skip
        nav = (w.nav.direction, w.nav.travel, w.nav.x0, w.nav.y0, 1.0 / w.nav.h)
        exits = (
            w.exit_bbox, w.exit_ring_start, w.exit_ring, w.exit_ring_exit, self.exit_open,
            w.exit_near,
            self.allowed,
        )  # fmt: skip
        th = self.threats
        threat = (th.tf, th.ti, th.ts, th.path, self._fp)
        return state, const, grid, walls, nav, exits, threat

    def _advance(self, n_steps: int) -> int:
        """Run the kernel for ``n_steps`` steps of ``dt_s``; returns the steps done."""
        state, const, grid, walls, nav, exits, threat = self._tuples()
        fear_on = bool(len(self.threats.ids)) or bool(np.any(self.crowd.fear > 0.0))
        control = (
            self.dt_s / self.substeps,
            self.route_every,
            self.perceive_every,
            self.seed,
            fear_on,
        )
        threads = numba.get_num_threads()
        if self.n_active < PARALLEL_MIN_AGENTS:
            numba.set_num_threads(1)
        try:
            done = advance(
                state, const, grid, walls, nav, exits, threat, control, self.time_s,
                self.steps * self.substeps, n_steps * self.substeps,
            )  # fmt: skip
        finally:
            numba.set_num_threads(threads)
        full = -(-done // self.substeps)
        self.steps += full
        self.time_s = self.steps * self.dt_s
        return full

    def step(self, n_steps: int = 1) -> int:
        """Advance by ``n_steps`` steps of ``dt_s``, applying scheduled layout changes on time.

        Returns:
            The steps done (fewer once everyone has left).
        """
        if n_steps == 0:
            self._advance(0)  # compiles the kernel, or loads it from numba's cache
            return 0
        done = 0
        quickest = self.exit_choice == "quickest"
        while done < n_steps:
            while self.schedule and self.schedule[0].time_s <= self.time_s + 1e-9:
                self.apply(self.schedule.pop(0))
            if quickest and self._next_choice_s <= self.time_s + 1e-9:
                self.choose_quickest_exits()
                self._next_choice_s += self.choice_interval_s
            todo = n_steps - done
            stops = [self.schedule[0].time_s] if self.schedule else []
            if quickest:
                stops.append(self._next_choice_s)
            for t_stop in stops:
                until = math.ceil(t_stop / self.dt_s - 1e-9) - self.steps
                todo = min(todo, max(until, 1))
            k = self._advance(todo)
            done += k
            if k < todo:
                break
        return done

    # --------------------------------------------------------------------------------------------
    def apply(self, change: LayoutChange) -> AppliedEvent:
        """Switch to another layout now: new walls and fields, exits re-chosen, nobody in a wall.

        Agents whose centre would lie inside the new obstacles (a barrier put up on them) are
        moved to the nearest point at least their radius inside the new walkable area.
        """
        world = change.world
        if world.exit_ids != self.world.exit_ids:
            raise SimulationError("a layout change must keep the same exits in the same order")
        self.world = world
        self.exit_open = world.exit_open.copy()
        c = self.crowd
        moved = 0
        idx = np.flatnonzero(c.active)
        if idx.size:
            area = world.walkable
            shapely.prepare(area)
            pts = shapely.points(c.pos[idx])
            inside = shapely.contains(area, pts)
            clear = shapely.distance(area.boundary, pts) >= c.radius[idx] * 0.5
            for i in idx[~(inside & clear)]:
                target_area = area.buffer(-float(c.radius[i]) - 0.05)
                if target_area.is_empty:
                    target_area = area
                p = shapely.ops.nearest_points(target_area, shapely.Point(c.pos[i]))[0]
                c.pos[i] = (p.x, p.y)
                c.vel[i] = 0.0
                moved += 1
        self.choose_exits()
        self.desired[:] = 0.0
        event = AppliedEvent(self.time_s, change.kind, change.target, change.text, moved)
        self.applied.append(event)
        return event

    def choose_exits(self, allowed: np.ndarray | None = None) -> np.ndarray:
        """Nearest open exit by path distance (travel-time field) for every agent.

        Sets ``crowd.target`` and returns the (N, E) path distances used (inf where closed,
        unreachable or not allowed).

        Args:
            allowed: (P, E) bool, the exits each population may use (default: as constructed).
        """
        if allowed is not None:
            self.allowed = np.ascontiguousarray(allowed, dtype=bool)
        c = self.crowd
        dist = self.world.nav.travel_at(c.pos)
        ok = self.allowed[c.population] & self.exit_open[None, :]
        dist = np.where(ok, dist, np.inf)
        has = np.isfinite(dist).any(axis=1)
        c.target[has] = np.argmin(dist[has], axis=1)
        return dist

    def choose_quickest_exits(self) -> int:
        """Re-estimate every walking agent's exit by walk plus queue (see ``exit_choice``).

        Returns:
            The number of agents that switched.
        """
        c = self.crowd
        walking = c.active & ~c.harmed & (c.t_start <= self.time_s)
        idx = np.flatnonzero(walking)
        if idx.size == 0:
            return 0
        dist = self.world.nav.travel_at(c.pos[idx])
        ok = self.allowed[c.population[idx]] & self.exit_open[None, :] & np.isfinite(dist)
        target = c.target[idx]
        n_exit = dist.shape[1]
        est = np.full(dist.shape, np.inf)
        for e in range(n_exit):
            if not ok[:, e].any():
                continue
            queue = np.sort(dist[target == e, e])
            ahead = np.searchsorted(queue, dist[:, e], side="left")
            wait = ahead / (EXIT_CAPACITY_PMS * self.world.exit_width[e])
            est[:, e] = np.where(ok[:, e], dist[:, e] / c.v0[idx] + wait, np.inf)
        best = np.argmin(est, axis=1)
        current = est[np.arange(idx.size), target]
        better = np.isfinite(est[np.arange(idx.size), best]) & (
            est[np.arange(idx.size), best] < (1.0 - SWITCH_GAIN) * current
        )
        c.target[idx[better]] = best[better]
        return int(better.sum())

    def orientation(self) -> np.ndarray:
        """(N, 2) unit heading: normalised velocity, else desired direction, else +x."""
        v = self.crowd.vel
        sp = np.hypot(v[:, 0], v[:, 1])
        ori = np.where(sp[:, None] > 1e-6, v / np.maximum(sp, 1e-12)[:, None], self.desired)
        none = np.hypot(ori[:, 0], ori[:, 1]) < 0.5
        ori[none] = (1.0, 0.0)
        return ori

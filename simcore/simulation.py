"""The simulation façade: validates once, then drives the numba kernels."""

from __future__ import annotations

import math

import numpy as np

from .crowd import Crowd
from .errors import SimulationError
from .kernels.integrate import advance
from .world import World

__all__ = ["Simulation", "interaction_cutoff"]

#: Social repulsion is negligible beyond this many ranges B past contact (e^-8 ≈ 3·10⁻⁴ of A).
CUTOFF_RANGES = 8.0
#: Largest move per physics step as a fraction of the smallest radius (no tunnelling, stable contact).
MAX_MOVE_FRACTION = 0.1


def interaction_cutoff(*, max_radius_m: float, max_range_m: float) -> float:
    """Centre distance beyond which agents (or an agent and a wall) do not interact (m)."""
    return 2.0 * max_radius_m + CUTOFF_RANGES * max_range_m


class Simulation:
    """A world, a crowd and a clock.

    Args:
        world: compiled geometry.
        crowd: the agents (mutated as the simulation runs).
        dt_s: time step (s). The physics may sub-step: each step is split so that no agent moves
            more than a tenth of the smallest radius per sub-step.
        wall_A_N, wall_B_m: wall repulsion strength (N) and range (m).
        route_interval_s: how often agents re-read their desired direction from the floor field
            (s). Route choice is a slow decision (JuPedSim exposes the same knob); 0.1 s means an
            agent walks at most ~15 cm on a stale direction, under one field spacing.
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
    ) -> None:
        if not (0.0 < dt_s <= 0.1):
            raise SimulationError(f"dt_s must be in (0, 0.1] s, got {dt_s}")
        if crowd.n and np.any((crowd.target < 0) | (crowd.target >= len(world.exit_ids))):
            raise SimulationError("every agent needs a target exit index within the world's exits")
        self.world = world
        self.crowd = crowd
        self.dt_s = float(dt_s)
        self.wall_A_N = float(wall_A_N)
        self.wall_B_m = float(wall_B_m)
        self.time_s = 0.0
        self.steps = 0
        n = crowd.n
        r_max = float(crowd.radius.max()) if n else 0.25
        b_max = float(crowd.b_soc.max()) if n else 0.08
        self.cutoff_m = interaction_cutoff(max_radius_m=r_max, max_range_m=b_max)
        if world.wall_cutoff_m + 1e-9 < r_max + CUTOFF_RANGES * self.wall_B_m:
            raise SimulationError("the world's wall cutoff is shorter than the wall force range")
        v_cap = float(crowd.vmax.max()) if n else 1.0
        r_min = float(crowd.radius.min()) if n else 0.25
        self.substeps = max(1, math.ceil(self.dt_s * v_cap / (MAX_MOVE_FRACTION * r_min) - 1e-9))
        self.route_every = max(1, round(route_interval_s / (self.dt_s / self.substeps)))
        xmin, ymin, xmax, ymax = world.bounds
        cell = self.cutoff_m
        self._grid = (
            xmin - cell,
            ymin - cell,
            1.0 / cell,
            math.ceil((xmax - xmin) / cell) + 3,
            math.ceil((ymax - ymin) / cell) + 3,
        )
        gnx, gny = self._grid[3], self._grid[4]
        self._agent_cell = np.empty(n, dtype=np.int64)
        self._cell_start = np.zeros(gnx * gny + 1, dtype=np.int64)
        self._cell_order = np.empty(n, dtype=np.int64)
        self._acc = np.zeros((n, 2))
        self.desired = np.zeros((n, 2))
        self.exit_open = np.ones(len(world.exit_ids), dtype=bool)

    @property
    def n_active(self) -> int:
        """Agents still inside."""
        return int(self.crowd.active.sum())

    def step(self, n_steps: int = 1) -> int:
        """Advance by ``n_steps`` steps of ``dt_s``; returns the steps done (fewer once all left)."""
        c = self.crowd
        w = self.world
        gx0, gy0, inv_cell, gnx, gny = self._grid
        dt = self.dt_s / self.substeps
        done = advance(
            c.pos,
            c.vel,
            c.active,
            c.evac_time,
            c.evac_exit,
            c.radius,
            c.v0,
            c.tau,
            c.mass,
            c.a_soc,
            c.b_soc,
            c.lam,
            c.k_body,
            c.kappa,
            c.vmax,
            c.t_start,
            c.target,
            self._agent_cell,
            self._cell_start,
            self._cell_order,
            gx0,
            gy0,
            inv_cell,
            gnx,
            gny,
            self.cutoff_m,
            w.segments,
            w.seg_prev,
            w.seg_next,
            w.wall_start,
            w.wall_items,
            w.wall_origin[0],
            w.wall_origin[1],
            1.0 / w.wall_cell_m,
            w.wall_shape[0],
            w.wall_shape[1],
            self.wall_A_N,
            self.wall_B_m,
            w.wall_cutoff_m,
            w.nav.direction,
            w.nav.x0,
            w.nav.y0,
            1.0 / w.nav.h,
            w.exit_bbox,
            w.exit_ring_start,
            w.exit_ring,
            self.exit_open,
            w.exit_near,
            self.steps * self.substeps,
            self.time_s,
            dt,
            n_steps * self.substeps,
            self.route_every,
            self._acc,
            self.desired,
        )
        full = done // self.substeps
        if done % self.substeps:
            full += 1
        self.steps += full
        self.time_s = self.steps * self.dt_s
        return full

    def choose_exits(self, allowed: np.ndarray | None = None) -> np.ndarray:
        """Nearest exit by path distance (travel-time field) for every agent; sets ``crowd.target``.

        Args:
            allowed: (P, E) bool, the exits each population may use (default: all).

        Returns:
            (N, E) path distances (m) used for the choice (inf where unreachable).
        """
        c = self.crowd
        dist = self.world.nav.travel_at(c.pos)
        if allowed is not None:
            dist = np.where(allowed[c.population], dist, np.inf)
        c.target[:] = np.argmin(dist, axis=1)
        return dist

    def orientation(self) -> np.ndarray:
        """(N, 2) unit heading: normalised velocity, else desired direction, else +x."""
        v = self.crowd.vel
        sp = np.hypot(v[:, 0], v[:, 1])
        ori = np.where(sp[:, None] > 1e-6, v / np.maximum(sp, 1e-12)[:, None], self.desired)
        none = np.hypot(ori[:, 0], ori[:, 1]) < 0.5
        ori[none] = (1.0, 0.0)
        return ori

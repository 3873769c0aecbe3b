"""The crowd's state as a struct of arrays (float64, C-contiguous, rows never deleted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import SimulationError
from .params import ForceParams

__all__ = ["Crowd"]


@dataclass(eq=False)
class Crowd:
    """Per-agent state and constants; index ``i`` is agent id ``i`` for the whole run.

    Attributes (N agents):
        pos, vel: (N, 2) position (m) and velocity (m/s).
        radius, v0, tau, mass, a_soc, b_soc, lam, k_body, kappa: model constants per agent.
        speed_factor: speed cap as a multiple of the current desired speed.
        t_start: end of the premovement time (s); the agent stands still before it.
        target: (N,) int64 index of the exit whose floor field the agent follows.
        population: (N,) int64 index into ``population_ids``.
        active: (N,) bool, still in the walkable area.
        evac_time: (N,) time of evacuation (s, NaN while inside); evac_exit: (N,) exit index or -1.
        spawn: (N, 2) initial positions (m).
        openness: (N,) susceptibility to fear contagion in [0, 1]; group: (N,) int64 group id
            or -1.
        fear: (N,) fear level in [0, 1]; flee: (N, 2) direction away from perceived threats.
        harmed: (N,) bool, injured (crush or attack): an immobile obstacle from then on;
            cause: (N,) int64 threat index, -2 for crush, -1 unharmed; t_harmed: (N,) s.
        pressure: (N,) time-averaged body compression per circumference (N/m).
        t_perceive: (N,) first perception of a threat (s, NaN if never); exposure: (N,) seconds
            within a threat's harm reach and sight; min_dist: (N,) closest approach to a threat
            (m, inf if none); hazard_dwell: (N,) seconds inside hazard zones.
    """

    pos: np.ndarray
    vel: np.ndarray
    radius: np.ndarray
    v0: np.ndarray
    tau: np.ndarray
    mass: np.ndarray
    a_soc: np.ndarray
    b_soc: np.ndarray
    lam: np.ndarray
    k_body: np.ndarray
    kappa: np.ndarray
    speed_factor: np.ndarray
    t_start: np.ndarray
    target: np.ndarray
    population: np.ndarray
    population_ids: tuple[str, ...]
    active: np.ndarray
    evac_time: np.ndarray
    evac_exit: np.ndarray
    spawn: np.ndarray = field(repr=False)
    openness: np.ndarray = field(repr=False)
    group: np.ndarray = field(repr=False)
    fear: np.ndarray = field(repr=False)
    fear_new: np.ndarray = field(repr=False)
    flee: np.ndarray = field(repr=False)
    harmed: np.ndarray = field(repr=False)
    cause: np.ndarray = field(repr=False)
    t_harmed: np.ndarray = field(repr=False)
    pressure: np.ndarray = field(repr=False)
    t_perceive: np.ndarray = field(repr=False)
    exposure: np.ndarray = field(repr=False)
    min_dist: np.ndarray = field(repr=False)
    hazard_dwell: np.ndarray = field(repr=False)

    @property
    def vmax(self) -> np.ndarray:
        """(N,) speed cap without fear (m/s): ``speed_factor × v0``."""
        return self.speed_factor * self.v0

    @property
    def n(self) -> int:
        """Number of agents (active or not)."""
        return int(self.pos.shape[0])

    @classmethod
    def create(
        cls,
        *,
        pos: np.ndarray,
        radius: np.ndarray,
        v0: np.ndarray,
        t_start: np.ndarray,
        params: Sequence[ForceParams] | ForceParams,
        population: np.ndarray | None = None,
        population_ids: Sequence[str] = ("all",),
        target: np.ndarray | None = None,
        openness: np.ndarray | float = 1.0,
        group: np.ndarray | None = None,
    ) -> Crowd:
        """Build a crowd at rest.

        Args:
            pos: (N, 2) positions (m). radius, v0, t_start: (N,) radius (m), desired speed (m/s),
                end of premovement (s).
            params: one parameter set for all, or one per population.
            population: (N,) population index (default 0); population_ids: their names.
            target: (N,) exit index (default 0; normally set by exit choice).
            openness: (N,) susceptibility to fear contagion in [0, 1] (default 1).
            group: (N,) group id per agent, -1 for none (default: none).
        """
        pos = np.ascontiguousarray(pos, dtype=np.float64)
        if pos.ndim != 2 or pos.shape[1] != 2:
            raise SimulationError(f"positions must have shape (N, 2), got {pos.shape}")
        n = pos.shape[0]

        def vec(a, name: str) -> np.ndarray:
            arr = np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.float64), (n,)))
            if not np.all(np.isfinite(arr)):
                raise SimulationError(f"{name} has non-finite values")
            return arr.copy()

        if not np.all(np.isfinite(pos)):
            raise SimulationError("positions have non-finite values")
        pop = (
            np.zeros(n, dtype=np.int64) if population is None else np.asarray(population, np.int64)
        )
        sets = [params] if isinstance(params, ForceParams) else list(params)
        if len(sets) != len(population_ids) and len(sets) != 1:
            raise SimulationError("give one parameter set, or one per population")
        per = [sets[0] if len(sets) == 1 else sets[p] for p in pop] if n else []

        def col(name: str) -> np.ndarray:
            return np.array([getattr(p, name) for p in per], dtype=np.float64).reshape(n)

        radius_a = vec(radius, "radius")
        v0_a = vec(v0, "v0")
        if np.any(radius_a <= 0) or np.any(v0_a <= 0):
            raise SimulationError("radius and desired speed must be positive")
        return cls(
            pos=pos.copy(),
            vel=np.zeros((n, 2)),
            radius=radius_a,
            v0=v0_a,
            tau=col("tau_s"),
            mass=col("mass_kg"),
            a_soc=col("A_N"),
            b_soc=col("B_m"),
            lam=col("anisotropy"),
            k_body=col("k_kg_s2"),
            kappa=col("kappa_kg_ms"),
            speed_factor=col("max_speed_factor"),
            t_start=vec(t_start, "t_start"),
            target=np.zeros(n, np.int64) if target is None else np.asarray(target, np.int64).copy(),
            population=pop.copy(),
            population_ids=tuple(population_ids),
            active=np.ones(n, dtype=bool),
            evac_time=np.full(n, np.nan),
            evac_exit=np.full(n, -1, dtype=np.int64),
            spawn=pos.copy(),
            openness=vec(openness, "openness"),
            group=np.full(n, -1, np.int64) if group is None else np.asarray(group, np.int64).copy(),
            fear=np.zeros(n),
            fear_new=np.zeros(n),
            flee=np.zeros((n, 2)),
            harmed=np.zeros(n, dtype=bool),
            cause=np.full(n, -1, dtype=np.int64),
            t_harmed=np.full(n, np.nan),
            pressure=np.zeros(n),
            t_perceive=np.full(n, np.nan),
            exposure=np.zeros(n),
            min_dist=np.full(n, np.inf),
            hazard_dwell=np.zeros(n),
        )

    def nbytes(self) -> int:
        """Bytes held by the per-agent arrays."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))

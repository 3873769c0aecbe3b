"""A Mesa model around one CrowdSafe simulation.

In a notebook::

    from experiments import EvacuationModel

    model = EvacuationModel("default", rng=42)   # a bundled venue, a file, or a Scenario
    model.run_model()                            # one Mesa step = one simulated second
    model.datacollector.get_model_vars_dataframe().plot(x="time_s", y=["present", "evacuated"])

The physics stays in the numba engine (:class:`simcore.Simulation`), which the model owns: a Mesa
step advances it by ``step_s`` of simulated time (1 s by default, many physics steps inside), and
the :class:`~mesa.DataCollector`'s model reporters read its arrays. There are no per-pedestrian
Mesa agents by default: dispatching 10,000 Python agents every step costs more than the physics.
``handles=True`` creates :class:`Pedestrian` agents, thin handles that read and write the arrays
by index, for slow decisions (exit choice, reaction to an alarm) taken once per Mesa step.

The model takes keyword parameters and ``rng=``, so ``mesa.batch_run`` can drive it, with
scenario paths as parameter names::

    mesa.batch_run(EvacuationModel, {"scenario": "default", "rng": [1, 2],
                                     "exits.main-entrance.width_m": [3.0, 5.0]}, max_steps=300)

(Mesa 3.5 also takes ``rng=[1, 2]`` as an argument of ``batch_run``). CrowdSafe's own
``crowdsafe sweep`` keeps every run's directory, records failures, resumes, and scales to a Dask
cluster.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

import scenarios
from scenarios import Scenario
from scenarios.build import Built, build
from simcore import columns as col
from simcore.simulation import Simulation
from simcore.threats import cause_name

from .metrics.grid import Grid
from .overrides import apply_overrides, load_scenario

__all__ = ["EvacuationModel", "Pedestrian", "engine_seed"]

#: Cell side (m) of the instantaneous density reporter (Fruin's and the Green Guide's unit).
DENSITY_CELL_M = 1.0
#: Fear above this counts an agent as afraid.
AFRAID_FEAR = 0.5


def engine_seed(rng: Any, fallback: np.random.Generator | None = None) -> int:
    """The engine's integer seed for a Mesa ``rng`` argument.

    An int is used as is (so ``rng=7`` reproduces ``crowdsafe run --seed 7``); a
    :class:`numpy.random.SeedSequence` gives its first 32-bit word (what ``crowdsafe sweep`` records
    for each run); anything else draws from ``fallback`` (the model's generator).
    """
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return int(rng)
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint32)[0])
    gen = fallback if fallback is not None else np.random.default_rng(rng)
    return int(gen.integers(0, 2**32 - 1))


class Pedestrian(mesa.Agent):
    """A handle to one simulated pedestrian: every attribute is read from the arrays on access.

    Args:
        model: the :class:`EvacuationModel`. index: the agent's row in the crowd arrays (its id in
            the run directory).
    """

    def __init__(self, model: EvacuationModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def _crowd(self):
        return self.model.simulation.crowd

    def decide(self) -> None:
        """Called once per Mesa step (in random order) before the physics advances: override it
        for slow decisions, e.g. ``if self.inside and …: self.target_exit = "side-door"``."""

    @property
    def position(self) -> tuple[float, float]:
        """Centre (m)."""
        x, y = self._crowd.pos[self.index]
        return float(x), float(y)

    @property
    def speed(self) -> float:
        """Speed (m/s)."""
        vx, vy = self._crowd.vel[self.index]
        return float(math.hypot(vx, vy))

    @property
    def inside(self) -> bool:
        """Still in the venue (injured agents included)."""
        return bool(self._crowd.active[self.index])

    @property
    def injured(self) -> bool:
        return bool(self._crowd.harmed[self.index])

    @property
    def fear(self) -> float:
        """Fear level in [0, 1]."""
        return float(self._crowd.fear[self.index])

    @property
    def exit_used(self) -> str | None:
        """The exit the agent left by, or None while inside."""
        e = int(self._crowd.evac_exit[self.index])
        return None if e < 0 else self.model.exit_ids[e]

    @property
    def target_exit(self) -> str:
        """The exit the agent is heading for."""
        return self.model.exit_ids[int(self._crowd.target[self.index])]

    @target_exit.setter
    def target_exit(self, exit_id: str) -> None:
        self._crowd.target[self.index] = self.model.exit_ids.index(exit_id)


class EvacuationModel(mesa.Model):
    """One CrowdSafe simulation driven step by step by Mesa.

    Args:
        scenario: a :class:`~scenarios.Scenario`, a scenario file, or a bundled venue's name.
        rng: Mesa's random source; an int is also the engine seed (see :func:`engine_seed`).
        step_s: simulated seconds per Mesa step (a whole number of the scenario's ``dt_s``).
        handles: create one :class:`Pedestrian` handle per agent.
        overrides: scenario changes by dotted path (see :mod:`experiments.overrides`).
        **params: more overrides, e.g. ``duration_s=60`` or
            ``**{"populations.passengers.count": 100}`` (what ``mesa.batch_run`` passes).

    Attributes:
        scenario: the scenario as run. seed: the engine seed. simulation: the engine.
        built: the compiled scenario (exit choice distances, layouts…). exit_ids: exit ids.
        datacollector: model reporters, one row per Mesa step (and one at t = 0).

    Raises:
        ScenarioError: the scenario or an override is invalid.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "default",
        *,
        rng: Any = None,
        step_s: float = 1.0,
        handles: bool = False,
        overrides: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(rng=rng)
        if isinstance(scenario, Scenario):
            base, source = scenario, "<scenario>"
        else:
            base, _, source = load_scenario(scenario)
        changes = {**(overrides or {}), **params}
        if changes:
            changed = apply_overrides(base, changes, source=f"{source} (overrides)")
            base = scenarios.loads(changed.model_dump_json(), fmt="json", source=source)
        self.scenario: Scenario = base
        self.seed = engine_seed(rng, self.rng)
        self.built: Built = build(self.scenario, seed=self.seed)
        self.simulation: Simulation = self.built.simulation
        sim = self.simulation
        self.exit_ids: tuple[str, ...] = tuple(sim.world.exit_ids)
        per = step_s / sim.dt_s
        if step_s <= 0 or abs(per - round(per)) > 1e-6:
            raise ValueError(f"step_s must be a positive multiple of dt_s = {sim.dt_s:g} s")
        self.step_s = float(step_s)
        self._per_step = max(1, round(per))
        self._n_total = round(self.scenario.duration_s / sim.dt_s)
        self._grid = Grid.covering(sim.world.bounds, cell_m=DENSITY_CELL_M)
        self.has_threats = bool(len(sim.threats.ids))
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        if handles:
            Pedestrian.create_agents(self, sim.crowd.n, index=np.arange(sim.crowd.n))
        self.running = sim.n_mobile > 0 and self._n_total > 0
        self.datacollector.collect(self)

    # -- stepping ---------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the simulation by ``step_s`` (less at the time limit), then collect."""
        sim = self.simulation
        if self.agents:
            self.agents.shuffle_do("decide")
        sim.step(min(self._per_step, self._n_total - sim.steps))
        self.running = sim.n_mobile > 0 and sim.steps < self._n_total
        self.datacollector.collect(self)

    # -- reporters --------------------------------------------------------------------------
    def _reporters(self) -> dict[str, Any]:
        rep: dict[str, Any] = {
            "time_s": self.time_s,
            "present": self.present,
            "evacuated": self.evacuated,
            "mean_speed_mps": self.mean_speed_mps,
            "max_density_ppm2": self.max_density_ppm2,
            "injured": self.injured,
        }
        for k, exit_id in enumerate(self.exit_ids):
            rep[f"exit.{exit_id}"] = [self.exit_count, [k]]
        if self.has_threats:  # the fear model only runs when there is something to fear
            rep["fear_mean"] = self.fear_mean
            rep["fear_max"] = self.fear_max
            rep["afraid"] = self.afraid
        return rep

    def time_s(self) -> float:
        """Simulated time (s)."""
        return round(self.simulation.time_s, 9)

    def present(self) -> int:
        """Agents inside (injured included)."""
        return self.simulation.n_active

    def evacuated(self) -> int:
        """Agents who left."""
        return int((~self.simulation.crowd.active).sum())

    def exit_count(self, k: int) -> int:
        """Agents who left through exit index ``k``."""
        return int((self.simulation.crowd.evac_exit == k).sum())

    def mean_speed_mps(self) -> float:
        """Mean speed of the agents inside and able to move (NaN when there are none)."""
        c = self.simulation.crowd
        m = c.active & ~c.harmed
        if not m.any():
            return math.nan
        return float(np.hypot(c.vel[m, 0], c.vel[m, 1]).mean())

    def max_density_ppm2(self) -> float:
        """Largest count in a 1 m² cell right now (persons/m²)."""
        c = self.simulation.crowd
        pos = c.pos[c.active]
        if not len(pos):
            return 0.0
        return float(self._grid.counts(pos).max() / self._grid.cell_area_m2)

    def injured(self) -> int:
        """Agents injured so far (crush, and attacks when the scenario has threats)."""
        return int(self.simulation.crowd.harmed.sum())

    def injured_by_cause(self) -> dict[str, int]:
        """Injured agents per cause (``crush``, ``knife``…)."""
        c = self.simulation.crowd
        out: dict[str, int] = {}
        for i in np.flatnonzero(c.harmed):
            name = cause_name(int(c.cause[i]), self.simulation.threats) or "unknown"
            out[name] = out.get(name, 0) + 1
        return out

    def fear_mean(self) -> float:
        """Mean fear of the agents inside (0…1)."""
        c = self.simulation.crowd
        return float(c.fear[c.active].mean()) if c.active.any() else math.nan

    def fear_max(self) -> float:
        c = self.simulation.crowd
        return float(c.fear[c.active].max()) if c.active.any() else math.nan

    def afraid(self) -> int:
        """Agents inside whose fear exceeds 0.5."""
        c = self.simulation.crowd
        return int((c.active & (c.fear > AFRAID_FEAR)).sum())

    def outcomes(self) -> dict[str, int]:
        """Agents per outcome (as in ``agents.csv``)."""
        c = self.simulation.crowd
        out = {col.OUTCOME_EVACUATED: self.evacuated()}
        out[col.OUTCOME_REMAINING] = int((c.active & ~c.harmed).sum())
        for cause, k in self.injured_by_cause().items():
            out[col.OUTCOME_INJURED_PREFIX + cause] = k
        return out

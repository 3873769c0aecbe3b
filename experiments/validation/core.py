"""The validation suite's building blocks: cases, outcomes, runs and their numerical health.

A :class:`Case` is a scenario file of ``scenarios/library/validation/`` plus an analysis: a function
that runs the scenario (and its variants) through :func:`experiments.run_scenario`, measures what the
source measures and returns an :class:`Outcome` that says pass or fail against the source's
criterion. Every run a case makes is checked for agent conservation, finite positions and positions
on the floor; each case also names one run and one metric for the determinism and time-step checks
(:class:`HealthSpec`), which :mod:`.suite` performs.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

import scenarios
from scenarios import Scenario
from simcore import columns as col

from ..runner import run_scenario

#: Resolution of the report figures.
FIGURE_DPI = 110

__all__ = [
    "LIBRARY",
    "Case",
    "CaseResult",
    "Context",
    "Health",
    "HealthSpec",
    "Outcome",
    "Run",
    "RunHealth",
]

#: Directory of the validation scenarios.
LIBRARY: Final = Path(scenarios.library_path("default")).parent / "validation"

#: Positions may lie this far outside the floor (m): rounding of the stored coordinates.
_FLOOR_TOLERANCE_M: Final = 1e-6


@dataclass(frozen=True)
class RunHealth:
    """Numerical health of one run.

    Attributes:
        agents: agents in the run; evacuated, remaining: how they ended (their sum must be agents).
        ids_recorded: distinct agent ids in the trajectory (must be agents).
        finite: every recorded position is a finite number.
        on_floor: every recorded position lies on the floor (walkable area or an exit area).
        reappeared: agents recorded again after they had left (must be 0).
    """

    agents: int
    evacuated: int
    remaining: int
    ids_recorded: int
    finite: bool
    on_floor: bool
    reappeared: int

    @property
    def conserved(self) -> bool:
        """Agents neither lost nor created."""
        return (
            self.evacuated + self.remaining == self.agents
            and self.ids_recorded == self.agents
            and self.reappeared == 0
        )

    @property
    def ok(self) -> bool:
        """Conserved, finite and on the floor."""
        return self.conserved and self.finite and self.on_floor


class Run:
    """A finished run directory, with lazily loaded tables.

    Attributes:
        key: the name the case gave it. run_dir: the directory. summary: ``summary.json``.
        scenario: the scenario it ran. seed: its seed. wall_s: wall-clock time of the run (s).
    """

    def __init__(
        self,
        *,
        key: str,
        run_dir: Path,
        summary: dict,
        scenario: Scenario,
        seed: int,
        wall_s: float,
    ):
        self.key = key
        self.run_dir = run_dir
        self.summary = summary
        self.scenario = scenario
        self.seed = seed
        self.wall_s = wall_s
        self._agents: pd.DataFrame | None = None
        self._positions: pd.DataFrame | None = None
        self._traj = None
        self._health: RunHealth | None = None

    @property
    def sqlite(self) -> Path:
        """The trajectory file."""
        return self.run_dir / "trajectory.sqlite"

    @property
    def fps(self) -> float:
        """Frames per second of the trajectory."""
        with sqlite3.connect(self.sqlite) as con:
            return float(con.execute("SELECT value FROM metadata WHERE key = 'fps'").fetchone()[0])

    @property
    def dt_phys_s(self) -> float:
        """The physics time step (s): ``dt_s`` / sub-steps."""
        return float(self.summary["dt_s"]) / int(self.summary["substeps"])

    def agents(self) -> pd.DataFrame:
        """``agents.csv`` as a DataFrame indexed by agent id."""
        if self._agents is None:
            self._agents = pd.read_csv(self.run_dir / "agents.csv").set_index(col.ID_COL)
        return self._agents

    def evacuation_times(self) -> np.ndarray:
        """Sorted evacuation times of the agents who left (s)."""
        t = self.agents()[col.T_EVACUATED_COL].to_numpy(dtype=float)
        return np.sort(t[np.isfinite(t)])

    def positions(self) -> pd.DataFrame:
        """Every recorded position: columns frame, id, x, y, t (s)."""
        if self._positions is None:
            with sqlite3.connect(self.sqlite) as con:
                df = pd.read_sql_query(
                    "SELECT frame, id, pos_x AS x, pos_y AS y FROM trajectory_data"
                    " ORDER BY frame, id",
                    con,
                )
            df["t"] = df["frame"] / self.fps
            self._positions = df
        return self._positions

    def trajectory(self):
        """The trajectory as ``pedpy.TrajectoryData``."""
        if self._traj is None:
            import pedpy

            self._traj = pedpy.load_trajectory_from_jupedsim_sqlite(trajectory_file=self.sqlite)
        return self._traj

    def walkable_area(self):
        """The walkable area as ``pedpy.WalkableArea``."""
        import pedpy

        return pedpy.load_walkable_area_from_jupedsim_sqlite(trajectory_file=self.sqlite)

    def digest(self, *, until_s: float | None = None) -> str:
        """SHA-256 of the trajectory (frame, id, x, y) up to ``until_s`` (default: all)."""
        pos = self.positions()
        if until_s is not None:
            pos = pos[pos["t"] <= until_s + 1e-9]
        h = hashlib.sha256()
        h.update(pos[["frame", "id"]].to_numpy(np.int64).tobytes())
        h.update(pos[["x", "y"]].to_numpy(np.float64).tobytes())
        return h.hexdigest()

    def health(self) -> RunHealth:
        """Conservation, finiteness and floor checks on the recorded trajectory."""
        if self._health is None:
            agents = self.agents()
            outcome = agents[col.OUTCOME_COL].astype(str)
            pos = self.positions()
            xy = pos[["x", "y"]].to_numpy(float)
            finite = bool(np.isfinite(xy).all())
            floor = self.scenario.walkable_area().buffer(_FLOOR_TOLERANCE_M)
            ok = np.isfinite(xy).all(axis=1)
            on_floor = finite and bool(shapely.contains_xy(floor, xy[ok, 0], xy[ok, 1]).all())
            t_evac = agents[col.T_EVACUATED_COL].to_numpy(float)
            last_t = pos.groupby("id")["t"].max()
            left = agents.index[np.isfinite(t_evac)]
            late = last_t.reindex(left).to_numpy() > t_evac[np.isfinite(t_evac)] + 1e-6
            self._health = RunHealth(
                agents=len(agents),
                evacuated=int((outcome == col.OUTCOME_EVACUATED).sum()),
                remaining=int((outcome != col.OUTCOME_EVACUATED).sum()),
                ids_recorded=int(pos["id"].nunique()),
                finite=finite,
                on_floor=on_floor,
                reappeared=int(np.count_nonzero(late)),
            )
        return self._health


@dataclass(frozen=True)
class HealthSpec:
    """What the determinism and time-step checks of a case run.

    Attributes:
        run_key: key of the case's run to repeat with the same seed (the first
            :data:`REPEAT_S` seconds), and whose metric is compared at half the time step.
        metric: a number measured on a run (e.g. an evacuation time or a flow).
        metric_name: what it is, with its unit.
        rel_tol: largest relative change allowed when the physics time step is halved.
        more_keys: further runs (other seeds) whose metric is averaged with ``run_key``'s, for
            cases whose single runs are chaotic (clogging, counter-flow): the time-step check
            then compares the mean over these seeds at both time steps.
    """

    run_key: str
    metric: Callable[[Run], float]
    metric_name: str
    rel_tol: float = 0.1
    more_keys: tuple[str, ...] = ()


#: Simulated seconds of the repeated run of the determinism check.
REPEAT_S: Final = 20.0


@dataclass(frozen=True)
class Health:
    """Numerical health of a case.

    Attributes:
        runs: runs checked; conserved, finite, on_floor: all of them passed that check.
        deterministic: the repeated run produced an identical trajectory (None: not checked).
        metric_name, metric, metric_half_dt, dt_s, dt_half_s, rel_change, rel_tol: the time-step
            check (None: not checked).
    """

    runs: int
    conserved: bool
    finite: bool
    on_floor: bool
    deterministic: bool | None = None
    metric_name: str = ""
    metric: float | None = None
    metric_half_dt: float | None = None
    dt_s: float | None = None
    dt_half_s: float | None = None
    rel_change: float | None = None
    rel_tol: float | None = None

    @property
    def dt_converged(self) -> bool | None:
        """Whether the metric changed by at most ``rel_tol`` when the time step was halved."""
        if self.rel_change is None or self.rel_tol is None:
            return None
        return self.rel_change <= self.rel_tol

    @property
    def ok(self) -> bool:
        """Every check made passed."""
        return (
            self.conserved
            and self.finite
            and self.on_floor
            and self.deterministic is not False
            and self.dt_converged is not False
        )

    def text(self) -> str:
        """One line for the report."""
        parts = [
            f"{self.runs} runs: agents {'conserved' if self.conserved else 'NOT conserved'}",
            "positions finite" if self.finite else "NON-FINITE positions",
            "on the floor" if self.on_floor else "positions OFF the floor",
        ]
        if self.deterministic is not None:
            parts.append(
                f"same seed → identical trajectory (first {REPEAT_S:g} s)"
                if self.deterministic
                else "same seed → DIFFERENT trajectory"
            )
        if self.rel_change is not None:
            parts.append(
                f"{self.metric_name}: {self.metric:.3g} at Δt = {self.dt_s:g} s,"
                f" {self.metric_half_dt:.3g} at Δt = {self.dt_half_s:g} s"
                f" ({100 * self.rel_change:.1f} % change, limit {100 * self.rel_tol:.0f} %)"
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class Outcome:
    """What a case's analysis found.

    Attributes:
        passed: the source's criterion holds.
        measured: the result in words and numbers (one line for the table).
        details: a longer account (Markdown) for the case's section.
        figure: the case's figure (PNG), or None.
        values: the numbers behind the result (kept in ``results.json``).
        health: which run and metric the determinism and time-step checks use (None: none).
    """

    passed: bool
    measured: str
    details: str = ""
    figure: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    health: HealthSpec | None = None


@dataclass(frozen=True)
class Case:
    """A validation case.

    Attributes:
        id: short id (``rimea-01``). title: its name. family: RiMEA, IMO/NIST, experiment, Helbing.
        source: the publication(s), with their tags (``[doc]``, ``[recalled]``…).
        setup: the geometry, population and parameters in words.
        measured: what is measured and how.
        reference: the reference value or band and the criterion.
        scenario_files: the files in ``scenarios/library/validation/`` it runs.
        analyse: the analysis, ``analyse(ctx) -> Outcome``.
        quick: part of ``crowdsafe validate --quick`` (the analysis reads ``ctx.quick``).
        known_failure: why the engine is expected to fail it (None: expected to pass).
        group: cases of a group run in the same worker and share their runs.
        cost: rough wall-clock minutes of the full case on one core; the suite starts the
            costliest groups first so that workers finish together.
    """

    id: str
    title: str
    family: str
    source: str
    setup: str
    measured: str
    reference: str
    scenario_files: tuple[str, ...]
    analyse: Callable[[Context], Outcome]
    quick: bool = False
    known_failure: str | None = None
    group: str = ""
    cost: float = 0.5


@dataclass(frozen=True)
class CaseResult:
    """A case's outcome, its health and its cost (picklable, for the report)."""

    case_id: str
    passed: bool
    measured: str
    details: str
    figure: str | None
    values: dict[str, Any]
    health: Health
    wall_s: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Criterion passed and numerically healthy."""
        return self.passed and self.health.ok and self.error is None


class Context:
    """Where a case runs: output directories, quick or full, a cache of runs.

    Args:
        out_dir: the report directory (figures go to ``out_dir/figures``).
        runs_dir: where run directories are written.
        quick: the reduced suite.
    """

    def __init__(self, *, out_dir: Path, runs_dir: Path, quick: bool) -> None:
        self.out_dir = Path(out_dir)
        self.fig_dir = self.out_dir / "figures"
        self.runs_dir = Path(runs_dir)
        self.quick = quick
        self.fig_dir.mkdir(parents=True, exist_ok=True)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._runs: dict[str, Run] = {}
        self.used: dict[str, list[str]] = {}
        self._case = ""

    def begin(self, case_id: str) -> None:
        """Start recording the runs of ``case_id``."""
        self._case = case_id
        self.used.setdefault(case_id, [])

    @staticmethod
    def scenario(name: str) -> Scenario:
        """Load ``scenarios/library/validation/<name>.toml``."""
        return scenarios.load(LIBRARY / f"{name}.toml")

    @staticmethod
    def variant(base: Scenario, edit: Callable[[dict], None]) -> Scenario:
        """A validated copy of ``base`` after ``edit`` changed its plain-data form in place."""
        data = base.model_dump(mode="json", exclude_none=True)
        edit(data)
        return scenarios.validate(data)

    def run(
        self,
        key: str,
        scenario: Scenario,
        *,
        seed: int | None = None,
        dt_s: float | None = None,
        duration_s: float | None = None,
    ) -> Run:
        """Run ``scenario`` once (cached by ``key``); ``dt_s`` and ``duration_s`` override its
        time step and duration."""
        if key in self._runs:
            run = self._runs[key]
        else:
            changes = {}
            if dt_s is not None:
                changes.update(dt_s=dt_s, record_fps=scenario.record_fps)
            if duration_s is not None:
                changes.update(duration_s=min(duration_s, scenario.duration_s))
            if changes:
                scenario = self.variant(scenario, lambda d: d.update(changes))
            seed = scenario.seed if seed is None else int(seed)
            run_dir = self.runs_dir / key
            t0 = time.perf_counter()
            result = run_scenario(scenario, out_dir=run_dir, seed=seed, overwrite=True)
            run = Run(
                key=key,
                run_dir=run_dir,
                summary=result.summary,
                scenario=scenario,
                seed=seed,
                wall_s=time.perf_counter() - t0,
            )
            self._runs[key] = run
        if self._case and key not in self.used[self._case]:
            self.used[self._case].append(key)
        return run

    def get(self, key: str) -> Run:
        """A run made before."""
        return self._runs[key]

    def figure_path(self, case_id: str) -> Path:
        """Where the case's figure goes."""
        return self.fig_dir / f"{case_id}.png"

    def save_figure(self, fig, case_id: str) -> Path:
        """Save the case's figure (PNG, :data:`FIGURE_DPI`) and return its path."""
        path = self.figure_path(case_id)
        fig.savefig(path, dpi=FIGURE_DPI)
        return path

    def discard(self) -> None:
        """Delete the run directories."""
        shutil.rmtree(self.runs_dir, ignore_errors=True)


def half_step_dt(run: Run) -> float:
    """A ``dt_s`` whose physics step is half the run's (the engine sub-steps ``dt_s``).

    The engine splits ``dt_s`` into sub-steps so that no agent moves more than a tenth of the
    smallest radius per sub-step; halving ``dt_s`` alone may leave the physics step unchanged.
    Setting ``dt_s`` to half the physics step (or a little less, so that a recorded frame is still a
    whole number of steps) does halve it: the sub-step rule then asks for one sub-step.
    """
    fps = float(run.scenario.record_fps)
    steps_per_frame = math.ceil(1.0 / (fps * run.dt_phys_s / 2.0) - 1e-9)
    return 1.0 / (fps * steps_per_frame)


def rel_change(a: float, b: float) -> float:
    """|a − b| / |a| (inf if a is 0 and b is not; 0 when both are 0 or both infinite)."""
    if math.isinf(a) and math.isinf(b):
        return 0.0
    if a == 0.0:
        return 0.0 if b == 0.0 else math.inf
    return abs(a - b) / abs(a)

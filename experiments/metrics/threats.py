"""Casualties and threat outcomes (the metrics of the threat literature, ``threat-models.md`` §5).

Casualties by cause come from ``agents.csv`` (``outcome`` = ``injured_<cause>``, the cause being
a threat kind or ``crush``). Crush injuries (Helbing et al. 2000: compression per circumference
above 1600 N/m) are part of every run, so their count is always a measurement. The other threat
outcomes — exposure time within a threat's reach and sight (Lavalle-Rivera et al. 2023), minimum
distance to a threat, time to safety (evacuation time minus first perception), share of agents
who perceived a threat, peak fear — exist only for runs that had threats: for other runs they are
absent (``None``), never zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simcore import columns as col

from .frames import Frame
from .grid import Grid
from .rundata import RunData

__all__ = ["Casualties", "CasualtyAccumulator", "ThreatOutcomes", "casualties", "threat_outcomes"]


@dataclass(frozen=True)
class Casualties:
    """Injured agents.

    Attributes:
        by_cause: count per cause (``crush``, ``knife``, ``vehicle``…), causes with none left out.
        total: all injured. n_agents: agents at the start.
    """

    by_cause: dict[str, int]
    total: int
    n_agents: int

    @property
    def survival_rate(self) -> float:
        """Share of agents not injured."""
        return 1.0 - self.total / self.n_agents if self.n_agents else 1.0


@dataclass(frozen=True)
class ThreatOutcomes:
    """Outcomes of a run with threats (per-agent statistics over all agents).

    Attributes:
        kinds: the threats' kinds, in scenario order.
        perceived_fraction: share of agents who perceived a threat.
        exposure_total_s, exposure_p95_s: exposure time summed and its 95th percentile (s).
        agents_exposed: agents with any exposure.
        min_distance_m: closest any agent came to a threat (m; None if never in range).
        time_to_safety_mean_s, time_to_safety_p95_s: from first perception to leaving (s),
            among agents who perceived a threat and left (None if none did).
        max_fear_mean: mean over agents of their peak fear (0…1), None if not recorded.
        afraid_fraction: share of agents whose fear exceeded 0.5 at some time.
    """

    kinds: list[str]
    perceived_fraction: float
    exposure_total_s: float
    exposure_p95_s: float
    agents_exposed: int
    min_distance_m: float | None
    time_to_safety_mean_s: float | None
    time_to_safety_p95_s: float | None
    max_fear_mean: float | None
    afraid_fraction: float | None


def casualties(run: RunData) -> Casualties:
    """Injured agents by cause (from ``agents.csv``)."""
    by: dict[str, int] = {}
    for outcome in run.agents[col.OUTCOME_COL]:
        if outcome.startswith(col.OUTCOME_INJURED_PREFIX):
            cause = outcome[len(col.OUTCOME_INJURED_PREFIX) :]
            by[cause] = by.get(cause, 0) + 1
    return Casualties(
        by_cause=dict(sorted(by.items())), total=sum(by.values()), n_agents=run.n_agents
    )


def _stat(values: np.ndarray | None, fn) -> float | None:
    if values is None:
        return None
    v = values[np.isfinite(values)]
    return float(fn(v)) if v.size else None


def threat_outcomes(run: RunData) -> ThreatOutcomes | None:
    """Threat outcomes of a run, or ``None`` if the run had no threat."""
    if not run.has_threats:
        return None
    n = max(run.n_agents, 1)
    perceive = run.finite(col.T_PERCEIVE_COL)
    exposure = run.finite(col.EXPOSURE_COL)
    exposure = np.zeros(run.n_agents) if exposure is None else np.nan_to_num(exposure)
    fear = run.finite(col.MAX_FEAR_COL)
    return ThreatOutcomes(
        kinds=[str(t.get("kind", "?")) for t in run.threats],
        perceived_fraction=(
            float(np.isfinite(perceive).sum() / n) if perceive is not None else 0.0
        ),
        exposure_total_s=float(exposure.sum()),
        exposure_p95_s=float(np.percentile(exposure, 95)) if exposure.size else 0.0,
        agents_exposed=int((exposure > 0).sum()),
        min_distance_m=_stat(run.finite(col.MIN_THREAT_DISTANCE_COL), np.min),
        time_to_safety_mean_s=_stat(run.finite(col.TIME_TO_SAFETY_COL), np.mean),
        time_to_safety_p95_s=_stat(
            run.finite(col.TIME_TO_SAFETY_COL), lambda v: np.percentile(v, 95)
        ),
        max_fear_mean=_stat(fear, np.mean),
        afraid_fraction=None if fear is None else float((fear > 0.5).sum() / n),
    )


@dataclass(eq=False)
class CasualtyAccumulator:
    """Where agents were injured: a count map from the first frame each agent is recorded harmed
    (a frame consumer; the map stays zero for runs that did not record the ``harmed`` state)."""

    grid: Grid
    result: np.ndarray | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._map = self.grid.zeros()
        self._seen: set[int] = set()

    def add(self, frame: Frame) -> None:
        if frame.harmed is None or not frame.harmed.any():
            return
        idx = np.flatnonzero(frame.harmed)
        new = [i for i in idx if int(frame.ids[i]) not in self._seen]
        if not new:
            return
        self._seen.update(int(frame.ids[i]) for i in new)
        self._map += self.grid.counts(frame.pos[new])

    def finish(self) -> None:
        self.result = self._map

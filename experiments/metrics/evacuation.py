"""Evacuation curve and clearance times T50, T95, T100.

T_p is the time at which p % of the agents present at the start had left: the
``ceil(p/100 · N)``-th evacuation time. It is undefined (``None``) when fewer agents left, e.g.
the run hit its time limit or some agents were injured and stayed: an honest gap rather than the
time limit passed off as a clearance time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .rundata import RunData

__all__ = ["CLEARANCE_PERCENTS", "EvacuationCurve", "clearance_time", "evacuation_curve"]

CLEARANCE_PERCENTS = (50, 95, 100)


@dataclass(frozen=True)
class EvacuationCurve:
    """Agents out as a function of time.

    Attributes:
        times_s: sorted evacuation times (s) of the agents that left.
        n_agents: agents at the start. end_s: simulated time at the end of the run (s).
    """

    times_s: np.ndarray
    n_agents: int
    end_s: float

    @property
    def evacuated(self) -> int:
        return int(self.times_s.size)

    @property
    def fraction(self) -> float:
        """Share of the agents that left (0…1; 1 for an empty venue)."""
        return self.evacuated / self.n_agents if self.n_agents else 1.0

    def at(self, t_s: np.ndarray) -> np.ndarray:
        """Agents out by each time of ``t_s``."""
        return np.searchsorted(self.times_s, np.asarray(t_s, dtype=np.float64), side="right")

    def clearance(self, percent: float) -> float | None:
        """T_percent (s), or None if fewer than that share left."""
        return clearance_time(self.times_s, n_agents=self.n_agents, percent=percent)


def clearance_time(times_s: np.ndarray, *, n_agents: int, percent: float) -> float | None:
    """Time by which ``percent`` % of ``n_agents`` had left (``None`` if they never did)."""
    if n_agents == 0:
        return 0.0
    k = max(1, math.ceil(percent / 100.0 * n_agents - 1e-9))
    t = np.sort(times_s[np.isfinite(times_s)])
    return float(t[k - 1]) if t.size >= k else None


def evacuation_curve(run: RunData) -> EvacuationCurve:
    """The evacuation curve of a run (from ``agents.csv``)."""
    t = run.evac_times
    return EvacuationCurve(
        times_s=np.sort(t[np.isfinite(t)]), n_agents=run.n_agents, end_s=run.end_s
    )

"""Flow through each exit, per metre of door, against the UK Green Guide's level flow rate.

Steady flow follows the bottleneck experiments' convention: J = (n₉₀ − n₁₀) / (t₉₀ − t₁₀), the
passages between the 10th and the 90th percentile of the exit's crossings (persons/s), and the
specific flow J_s = J / w (persons/(m·s)). The peak flow is the largest count in a sliding
window (10 s by default) per second and metre. The reference is the *Guide to Safety at Sports
Grounds* (Green Guide, 5th ed. 2008 / 6th ed. 2018) level and ramp flow rate of 82 persons per
metre per minute (1.37 persons/(m·s)); faster flows through a real door are unlikely, so a
simulated flow well above it deserves a second look at the model's calibration.

The door width ``w`` is measured from the geometry: the shorter of the exit's edge shared with the
rest of the floor and its edge on the floor's outline (a strip outside a door meets the room
along the door; a strip inside the room at its wall lies on the outline along the door).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .rundata import RunData

__all__ = [
    "GREEN_GUIDE_LEVEL_PPMM",
    "GREEN_GUIDE_LEVEL_PPMS",
    "ExitFlow",
    "door_line",
    "door_width",
    "exit_flows",
    "flow_series",
]

#: Green Guide level/ramp flow rate (persons per metre per minute) and the same per second.
GREEN_GUIDE_LEVEL_PPMM = 82.0
GREEN_GUIDE_LEVEL_PPMS = GREEN_GUIDE_LEVEL_PPMM / 60.0
#: Sliding window for the peak flow (s).
PEAK_WINDOW_S = 10.0
#: Fewest passages for a steady flow (fewer: None).
MIN_PASSAGES = 5
_EPS = 1e-6


def door_line(exit_area: BaseGeometry, floor: BaseGeometry) -> BaseGeometry | None:
    """The line along which people enter the exit region: see the module docstring.

    Args:
        exit_area: the exit polygon. floor: the walkable area, with or without the exit in it.
    """
    full = shapely.union_all([floor, exit_area])
    rest = full.difference(exit_area)
    edge = exit_area.boundary
    shared, outline = (
        edge.intersection(other.buffer(_EPS, quad_segs=2))
        for other in (rest.boundary, full.boundary)
    )
    if shared.is_empty or shared.length <= 100 * _EPS:
        return None  # the exit does not touch the rest of the floor: no way in
    if outline.is_empty or outline.length <= 100 * _EPS:
        return shared
    return min((shared, outline), key=lambda g: g.length)


def door_width(exit_area: BaseGeometry, floor: BaseGeometry) -> float:
    """Width of the door (m) through which ``exit_area`` is entered from ``floor`` (0 if none)."""
    line = door_line(exit_area, floor)
    # the tolerance band adds up to 2·1e-6 m at the door's ends: round to 0.1 mm
    return 0.0 if line is None else round(float(line.length), 4)


@dataclass(frozen=True)
class ExitFlow:
    """Flow through one exit.

    Attributes:
        exit_id: the exit. width_m: its door width (m). count: agents who left through it.
        first_s, last_s: first and last passage (s).
        flow_pps: steady flow J (persons/s), None with fewer than 5 passages.
        specific_flow_ppms: J / width (persons/(m·s)).
        peak_specific_flow_ppms: largest 10 s flow per metre (persons/(m·s)).
    """

    exit_id: str
    width_m: float
    count: int
    first_s: float | None
    last_s: float | None
    flow_pps: float | None
    specific_flow_ppms: float | None
    peak_specific_flow_ppms: float | None

    @property
    def green_guide_ratio(self) -> float | None:
        """Steady specific flow over the Green Guide's 82 persons/m/min."""
        if self.specific_flow_ppms is None:
            return None
        return self.specific_flow_ppms / GREEN_GUIDE_LEVEL_PPMS


def _steady(times: np.ndarray) -> float | None:
    n = times.size
    if n < MIN_PASSAGES:
        return None
    i10 = max(1, math.ceil(0.1 * n)) - 1
    i90 = max(i10 + 1, math.ceil(0.9 * n) - 1)
    dt = times[i90] - times[i10]
    return float((i90 - i10) / dt) if dt > 0 else None


def _peak(times: np.ndarray, window_s: float) -> float | None:
    if times.size < 2:
        return None
    ends = np.searchsorted(times, times + window_s, side="right")
    return float((ends - np.arange(times.size)).max() / window_s)


def exit_flows(run: RunData, *, peak_window_s: float = PEAK_WINDOW_S) -> dict[str, ExitFlow]:
    """Flow through every exit of a run, by exit id (in the run's exit order)."""
    t_all = run.evac_times
    used = np.array(run.evac_exits, dtype=object)
    out: dict[str, ExitFlow] = {}
    for exit_id, area in run.exits.items():
        t = np.sort(t_all[(used == exit_id) & np.isfinite(t_all)])
        w = door_width(area, run.floor)
        j = _steady(t)
        peak = _peak(t, peak_window_s)
        out[exit_id] = ExitFlow(
            exit_id=exit_id,
            width_m=w,
            count=int(t.size),
            first_s=float(t[0]) if t.size else None,
            last_s=float(t[-1]) if t.size else None,
            flow_pps=j,
            specific_flow_ppms=None if j is None or w <= 0 else j / w,
            peak_specific_flow_ppms=None if peak is None or w <= 0 else peak / w,
        )
    return out


def flow_series(
    run: RunData, *, window_s: float = PEAK_WINDOW_S, step_s: float = 1.0
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Specific flow of each exit over time: passages in the trailing ``window_s`` per s per m.

    Returns:
        ``(times_s, {exit id: persons/(m·s)})``.
    """
    t_all = run.evac_times
    used = np.array(run.evac_exits, dtype=object)
    times = np.arange(0.0, run.end_s + step_s, step_s)
    out = {}
    for exit_id, area in run.exits.items():
        t = np.sort(t_all[(used == exit_id) & np.isfinite(t_all)])
        w = door_width(area, run.floor)
        n = np.searchsorted(t, times, side="right") - np.searchsorted(t, times - window_s, "right")
        out[exit_id] = n / window_s / w if w > 0 else np.full(times.shape, np.nan)
    return times, out

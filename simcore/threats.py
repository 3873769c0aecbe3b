"""Threats and the fear model, as the kernels receive them (see :mod:`simcore.kernels.threats`
and :mod:`simcore.kernels.fear` for the equations and their sources)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .kernels import fear as _fp
from .kernels import threats as _tk

__all__ = ["CAUSE_CRUSH", "FearParams", "Threat", "ThreatArrays", "cause_name"]

KINDS = {"knife": _tk.KNIFE, "firearm": _tk.FIREARM, "vehicle": _tk.VEHICLE, "blast": _tk.BLAST,
         "hazard": _tk.HAZARD}  # fmt: skip
CAUSE_CRUSH = -2


@dataclass(frozen=True)
class Threat:
    """One threat. Units in the names; fields that do not apply to a kind are ignored.

    Attributes:
        id: identifier; kind: knife | firearm | vehicle | blast | hazard.
        path: (W, 2) waypoints (m); one point for a static threat (blast, hazard).
        t_on_s, t_off_s: active window (s).
        speed_mps: speed along the path or in pursuit (m/s); pursue: chase the nearest visible agent.
        r_vis_m, r_aud_m: perception ranges, by sight (line of sight needed) and by hearing.
        reach_m: knife reach; rate_per_s: attacks (knife) or shots (firearm) per second.
        p_hit: hit probability (knife) or at zero distance (firearm); d50_m: firearm range scale.
        length_m, width_m, min_speed_mps: vehicle body and the speed below which it harms nobody.
        charge_kg: blast TNT-equivalent mass. r0_m, growth_mps, rmax_m, dwell_s: hazard disc and
            the time inside it that incapacitates.
        intensity: perception stimulus strength I (1 = a clearly alarming event).
        stop_s_m: arc length along the path where a vehicle is stopped by a rated barrier (inf).
    """

    id: str
    kind: str
    path: np.ndarray
    t_on_s: float = 0.0
    t_off_s: float = np.inf
    speed_mps: float = 0.0
    pursue: bool = False
    r_vis_m: float = 30.0
    r_aud_m: float = 10.0
    reach_m: float = 1.5
    rate_per_s: float = 0.5
    p_hit: float = 0.5
    d50_m: float = 20.0
    length_m: float = 4.5
    width_m: float = 1.8
    min_speed_mps: float = 1.0
    charge_kg: float = 5.0
    r0_m: float = 1.0
    growth_mps: float = 0.0
    rmax_m: float = 1.0
    dwell_s: float = 30.0
    intensity: float = 1.0
    stop_s_m: float = np.inf


@dataclass(frozen=True)
class FearParams:
    """Constants of fear, contagion and their effect on motion (``simcore.kernels.fear``).

    Attributes:
        rise_per_s: κ_s, growth rate of fear under a unit stimulus (1/s).
        decay_per_s: δ, decay without stimulus (1/s).
        contagion_per_s: α, channel strength of contagion (1/s).
        contagion_length_m: ℓ_c, distance decay of contagion (m).
        contagion_radius_m: R_c, range of contagion (m).
        speed_factor: s_F, desired speed multiplier at F = 1 (Helbing 2000's v_max / v0).
        herding: p_max, herding weight at F = 1 (Helbing 2000 Fig. 4: about 0.4 is optimal).
        flee: w_max, weight of the flee direction at F = 1 and a stimulus S ≥ 1.
        reaction_s: delay between perceiving a threat and starting to move (s).
        stimulus_length_m: ℓ_s, distance decay of a threat's stimulus (m).
        group_bonus: multiplier of contagion between members of the same group.
        exit_avoidance: β, extra relative cost of an exit whose route leads towards a threat.
        crush_npm: crush-injury threshold (N/m, Helbing 2000: 1600).
        crush_tau_s: averaging time of the compression (s).
        threat_A_N, threat_B_m: repulsion of a perceived threat (N, m).
    """

    rise_per_s: float = 2.0
    decay_per_s: float = 0.05
    contagion_per_s: float = 1.0
    contagion_length_m: float = 1.0
    contagion_radius_m: float = 2.0
    speed_factor: float = 1.6
    herding: float = 0.4
    flee: float = 0.5
    reaction_s: float = 0.5
    stimulus_length_m: float = 10.0
    group_bonus: float = 3.0
    exit_avoidance: float = 2.0
    crush_npm: float = 1600.0
    crush_tau_s: float = 1.0
    threat_A_N: float = 100.0
    threat_B_m: float = 1.0

    def array(self) -> np.ndarray:
        """The parameters in kernel column order (``FP_*``)."""
        a = np.empty(_fp.FP_COLUMNS)
        a[_fp.FP_RISE] = self.rise_per_s
        a[_fp.FP_DECAY] = self.decay_per_s
        a[_fp.FP_ALPHA] = self.contagion_per_s
        a[_fp.FP_LC] = self.contagion_length_m
        a[_fp.FP_RC] = self.contagion_radius_m
        a[_fp.FP_SPEED] = self.speed_factor
        a[_fp.FP_HERD] = self.herding
        a[_fp.FP_FLEE] = self.flee
        a[_fp.FP_REACT] = self.reaction_s
        a[_fp.FP_LS] = self.stimulus_length_m
        a[_fp.FP_GROUP] = self.group_bonus
        a[_fp.FP_AVOID] = self.exit_avoidance
        a[_fp.FP_CRUSH_NPM] = self.crush_npm
        a[_fp.FP_CRUSH_TAU] = self.crush_tau_s
        a[_fp.FP_THREAT_A] = self.threat_A_N
        a[_fp.FP_THREAT_B] = self.threat_B_m
        return a

    def as_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (for run_info)."""
        return asdict(self)


@dataclass(eq=False)
class ThreatArrays:
    """Threats compiled for the kernels: parameters ``tf``/``ti``, state ``ts``, waypoints."""

    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    tf: np.ndarray
    ti: np.ndarray
    ts: np.ndarray
    path: np.ndarray
    extra: dict = field(default_factory=dict)

    @classmethod
    def build(cls, threats: Sequence[Threat]) -> ThreatArrays:
        """Compile threat descriptions (an empty sequence gives empty arrays)."""
        n = len(threats)
        tf = np.zeros((n, _tk.TF_COLUMNS))
        ti = np.zeros((n, _tk.TI_COLUMNS), dtype=np.int64)
        ts = np.zeros((n, _tk.TS_COLUMNS))
        paths = []
        lo = 0
        for k, t in enumerate(threats):
            p = np.asarray(t.path, dtype=np.float64).reshape(-1, 2)
            paths.append(p)
            tf[k, _tk.TF_T_ON] = t.t_on_s
            tf[k, _tk.TF_T_OFF] = t.t_off_s
            tf[k, _tk.TF_SPEED] = t.speed_mps
            tf[k, _tk.TF_R_VIS] = t.r_vis_m
            tf[k, _tk.TF_R_AUD] = t.r_aud_m
            tf[k, _tk.TF_REACH] = t.reach_m
            tf[k, _tk.TF_RATE] = t.rate_per_s
            tf[k, _tk.TF_P0] = t.p_hit
            tf[k, _tk.TF_D50] = t.d50_m
            tf[k, _tk.TF_LENGTH] = t.length_m
            tf[k, _tk.TF_WIDTH] = t.width_m
            tf[k, _tk.TF_MIN_SPEED] = t.min_speed_mps
            tf[k, _tk.TF_CHARGE] = t.charge_kg
            tf[k, _tk.TF_R0] = t.r0_m
            tf[k, _tk.TF_GROWTH] = t.growth_mps
            tf[k, _tk.TF_RMAX] = max(t.rmax_m, t.r0_m)
            tf[k, _tk.TF_DWELL] = t.dwell_s
            tf[k, _tk.TF_INTENSITY] = t.intensity
            tf[k, _tk.TF_STOP_S] = t.stop_s_m
            ti[k, _tk.TI_KIND] = KINDS[t.kind]
            ti[k, _tk.TI_PURSUE] = int(t.pursue)
            ti[k, _tk.TI_PATH_LO] = lo
            ti[k, _tk.TI_PATH_HI] = lo + len(p)
            lo += len(p)
            ts[k, _tk.TS_X], ts[k, _tk.TS_Y] = p[0]
            if len(p) > 1:
                h = p[1] - p[0]
                ts[k, _tk.TS_HX], ts[k, _tk.TS_HY] = h / max(np.hypot(*h), 1e-12)
            else:
                ts[k, _tk.TS_HX] = 1.0
            ts[k, _tk.TS_NEXT] = t.t_on_s
        path = np.ascontiguousarray(np.vstack(paths)) if paths else np.zeros((0, 2))
        return cls(
            ids=tuple(t.id for t in threats),
            kinds=tuple(t.kind for t in threats),
            tf=tf,
            ti=ti,
            ts=ts,
            path=path,
        )

    def positions(self) -> np.ndarray:
        """(T, 2) current positions (m)."""
        return self.ts[:, [_tk.TS_X, _tk.TS_Y]].copy()


def cause_name(cause: int, threats: ThreatArrays) -> str:
    """Name of a casualty cause code: the threat's kind, ``crush``, or '' for none."""
    if cause == CAUSE_CRUSH:
        return "crush"
    if cause < 0:
        return ""
    return threats.kinds[cause]

"""Social-force parameter sets, with their sources.

Two documented sets (DESIGN.md §3):

* :data:`PANIC` — Helbing, Farkas & Vicsek 2000 (Nature 407:487, "Simulating dynamical features of
  escape panic"), the constants of the paper: A = 2000 N, B = 0.08 m, k = 1.2·10⁵ kg/s²,
  κ = 2.4·10⁵ kg/(m·s), τ = 0.5 s, m = 80 kg, isotropic (λ = 1). Use it for the escape-panic phenomena
  (clogging, arching, faster-is-slower, injuries).
* :data:`NORMAL` — the default for calm crowds. The same functional form with the anisotropy of
  Helbing & Molnár 1995 (Phys. Rev. E 51:4282) in the circular form fitted by Johansson, Helbing &
  Shukla 2007 (Adv. Complex Syst. 10:271), calibrated so that door flow and flow against width agree
  with the bottleneck experiments (Kretz et al. 2006, J. Stat. Mech. P10014; Seyfried et al. 2009,
  Transp. Sci. 43:395: specific flow 1.6–2.0 persons/(m·s), linear in width) for bodies of
  radius 0.2–0.25 m. The calibration runs are in the validation suite.

Every value can be overridden per scenario and per population.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

__all__ = ["NORMAL", "PANIC", "PARAMETER_SETS", "ForceParams"]


@dataclass(frozen=True)
class ForceParams:
    """Constants of the social-force model (units in the names).

    Attributes:
        A_N: social repulsion strength between agents (N).
        B_m: social repulsion range between agents (m).
        k_kg_s2: body compression constant k (kg/s²).
        kappa_kg_ms: sliding friction constant κ (kg/(m·s)).
        tau_s: relaxation time τ of the driving term (s).
        mass_kg: body mass m (kg).
        anisotropy: λ in [0, 1]; weight of the social force from people straight behind (1 = isotropic).
        wall_A_N: social repulsion strength of walls (N).
        wall_B_m: social repulsion range of walls (m).
        max_speed_factor: speed cap as a multiple of the desired speed (Helbing & Molnár 1995: 1.3).
    """

    A_N: float
    B_m: float
    k_kg_s2: float
    kappa_kg_ms: float
    tau_s: float
    mass_kg: float
    anisotropy: float
    wall_A_N: float
    wall_B_m: float
    max_speed_factor: float

    def with_overrides(self, overrides: dict[str, Any] | None) -> ForceParams:
        """A copy with the given fields replaced (keys as the attribute names)."""
        if not overrides:
            return self
        return replace(self, **overrides)

    def as_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (for run_info and reports)."""
        return asdict(self)


PANIC = ForceParams(
    A_N=2000.0,
    B_m=0.08,
    k_kg_s2=1.2e5,
    kappa_kg_ms=2.4e5,
    tau_s=0.5,
    mass_kg=80.0,
    anisotropy=1.0,
    wall_A_N=2000.0,
    wall_B_m=0.08,
    max_speed_factor=1.3,
)

NORMAL = ForceParams(
    A_N=700.0,
    B_m=0.2,
    k_kg_s2=1.2e5,
    kappa_kg_ms=2.4e5,
    tau_s=0.5,
    mass_kg=80.0,
    anisotropy=0.6,
    wall_A_N=2000.0,
    wall_B_m=0.02,
    max_speed_factor=1.3,
)

PARAMETER_SETS: dict[str, ForceParams] = {"normal": NORMAL, "panic": PANIC}

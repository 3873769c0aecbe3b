"""Social-force parameter sets, with their sources.

Two documented sets (DESIGN.md §3):

* :data:`PANIC` — Helbing, Farkas & Vicsek 2000 (Nature 407:487, "Simulating dynamical features of
  escape panic"), the constants of the paper: A = 2000 N, B = 0.08 m, k = 1.2·10⁵ kg/s²,
  κ = 2.4·10⁵ kg/(m·s), τ = 0.5 s, m = 80 kg, isotropic (λ = 1), walls as agents. Use it for the
  escape-panic phenomena (clogging, arching, faster-is-slower, injuries).
* :data:`NORMAL` — the default for calm crowds. The same functional form, with the social term
  weighted by λ + (1 − λ)(1 + cos φ)/2 (the anisotropy of Helbing & Molnár 1995, Phys. Rev. E
  51:4282, in the "circular" form of Johansson, Helbing & Shukla 2007, Adv. Complex Syst. 10:271),
  and A, B, λ and the wall range calibrated against bottleneck flow against width (Kretz et al.
  2006, J. Stat. Mech. P10014; Seyfried et al. 2009, Transp. Sci. 43:395; Liao et al. 2014,
  Transp. Res. Procedia 2:26: specific flow about 1.6–2.0 persons/(m·s), linear in width) for
  bodies of radius 0.2 m (the scenario format's default) with desired speeds N(1.34, 0.26) m/s:
  A = 700 N, B = 0.2 m, λ = 0.6, wall B = 0.02 m; k, κ, τ, m and wall A are Helbing 2000's.

  Calibration (the "bottleneck-width" case of ``crowdsafe validate``: a 15 m × 12 m room, a 5 m
  long bottleneck of width b, N = max(150, 115 b) people, flow (0.8 N)/(t90 − t10) at the
  bottleneck's middle, 3 seeds): J/b = 1.76, 1.65, 1.75, 1.90, 1.90, 1.97 persons/(m·s) at
  b = 0.8, 1.0, 1.2, 1.8, 2.4, 3.6 m. The previous constants (A = 2000 N, B = 0.08 m, wall
  B = 0.08 m) gave 1.6 p/(m·s) at 1 m but 2.2 at 2.4 m: the walls cost about 0.3 m of width and the
  flow grew faster than the width. A shorter wall range (people come to within a few centimetres
  of a door jamb) removes most of that lost width; a softer, longer-ranged social repulsion makes
  the flow per metre nearly independent of the width. The same constants follow Weidmann's
  fundamental diagram within 0.2 m/s in a 1.8 m corridor up to the densities they reach (about
  3 persons/m²; see the validation report, docs/validation/report.md).

  The flow depends strongly on body size: with radii U(0.2, 0.25) m the same constants give
  1.4–1.7 persons/(m·s), with 0.25 m 1.1–1.4. Because B is longer than Helbing's, the neighbour
  search reaches further (cut-off 2r + B ln(A / 2 N) = 1.57 m for r = 0.2 m instead of 0.95 m with
  Helbing's constants), which costs more per step in dense crowds.

  Known limits of the normal set (validation report): with the longer range, a few slow walkers
  (0.5 m/s, driving force m v0/τ = 80 N) can stall for good in front of a door, held by the
  repulsion of those at the jambs (there is no fluctuation force); jams saturate near 3 persons/m²;
  the single-file headway hardly grows with speed; door flows exceed IMO's 1.33 persons/(m·s)
  design value, as the laboratory flows do.

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

"""Per-agent quantities: a fixed number or a (truncated) probability distribution.

A population's ``desired_speed_mps``, ``radius_m`` and ``premovement_s`` are each either a number
(every agent gets it) or a table naming a distribution::

    desired_speed_mps = { distribution = "normal", mean = 1.34, std = 0.26, min = 0.5, max = 2.0 }
    radius_m          = { distribution = "uniform", min = 0.2, max = 0.25 }
    premovement_s     = { distribution = "lognormal", mu = 4.586, sigma = 0.967, max = 600 }
    premovement_s     = { distribution = "gamma", shape = 2.0, scale = 10.0 }
    premovement_s     = { distribution = "weibull", shape = 1.5, scale = 30.0 }

``min``/``max`` truncate by rejection: values outside ``[min, max]`` are redrawn, so the result
follows the conditional distribution and is deterministic for a given
:class:`numpy.random.Generator` (same generator state in, same values and same state out).

The lognormal takes the parameters of the underlying normal (``mu``, ``sigma`` of ``ln X``), as NIST
Technical Note 1822 (Kuligowski et al. 2013) tabulates pre-evacuation times (e.g. mu = 4.586,
sigma = 0.967: median e^4.586 ≈ 98 s). The gamma takes ``shape`` k and ``scale`` θ (mean kθ); the
Weibull ``shape`` k and ``scale`` λ (``scale * Generator.weibull(shape)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simcore.errors import ScenarioError

__all__ = [
    "DISTRIBUTION_NAMES",
    "MIN_ACCEPTANCE",
    "Distribution",
    "Gamma",
    "LogNormal",
    "Normal",
    "Quantity",
    "Support",
    "Uniform",
    "Weibull",
    "acceptance_probability",
    "exceedance_probability",
    "sample",
    "support",
]

#: Smallest probability mass a ``[min, max]`` window may keep. Below it rejection sampling would
#: redraw more than a thousand times per value; such a window is almost certainly a typo.
MIN_ACCEPTANCE: Final = 1e-3

#: Upper bound on redraw rounds in :func:`sample` (never reached when the window keeps at least
#: :data:`MIN_ACCEPTANCE` of the mass, which the model validation guarantees).
_MAX_ROUNDS: Final = 100_000

#: Tags of the tagged union; they appear in pydantic error locations and are stripped from the
#: field paths shown to users.
TAG_PREFIX: Final = "dist:"

Finite = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite number (an integer is accepted; a string or boolean is not)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _custom(problem: str, fix: str) -> PydanticCustomError:
    return PydanticCustomError("crowdsafe", "{problem}", {"problem": problem, "fix": fix})


class _Truncated(_Frozen):
    """Common part: optional truncation window ``[min, max]`` enforced by redrawing."""

    min: Finite | None = Field(default=None, description="Lower truncation bound (redraw below).")
    max: Finite | None = Field(default=None, description="Upper truncation bound (redraw above).")

    @model_validator(mode="after")
    def _window(self) -> _Truncated:
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise _custom(
                f"min must be smaller than max (got min = {self.min:g}, max = {self.max:g})",
                "swap them, or use a plain number for a constant value",
            )
        p = acceptance_probability(self)
        if p < MIN_ACCEPTANCE:
            raise _custom(
                f"the window [min, max] keeps only {100 * p:.3g} % of the {self.distribution}"
                " distribution, so nearly every draw would be rejected",
                "widen [min, max] or move the distribution's centre inside the window",
            )
        return self


class Normal(_Truncated):
    """Normal distribution N(mean, std²), optionally truncated to ``[min, max]``.

    Example (Weidmann 1993 free walking speed): ``{distribution = "normal", mean = 1.34,
    std = 0.26, min = 0.5, max = 2.0}``.
    """

    distribution: Literal["normal"]
    mean: Finite = Field(description="Mean of the untruncated normal.")
    std: Annotated[Finite, Field(ge=0.0)] = Field(description="Standard deviation (≥ 0).")


class Uniform(_Frozen):
    """Uniform distribution on ``[min, max)``."""

    distribution: Literal["uniform"]
    min: Finite = Field(description="Lower end.")
    max: Finite = Field(description="Upper end (greater than min).")

    @model_validator(mode="after")
    def _window(self) -> Uniform:
        if not self.min < self.max:
            raise _custom(
                f"min must be smaller than max (got min = {self.min:g}, max = {self.max:g})",
                "swap them, or use a plain number for a constant value",
            )
        return self


class LogNormal(_Truncated):
    """Lognormal distribution: ``ln X ~ N(mu, sigma²)``, optionally truncated.

    ``mu`` and ``sigma`` are the parameters of the underlying normal, as NIST TN 1822 gives them.
    """

    distribution: Literal["lognormal"]
    mu: Finite = Field(description="Mean of ln X.")
    sigma: Annotated[Finite, Field(gt=0.0)] = Field(description="Standard deviation of ln X (> 0).")


class Gamma(_Truncated):
    """Gamma distribution, ``shape`` k > 0 and ``scale`` θ > 0 (mean kθ), optionally truncated."""

    distribution: Literal["gamma"]
    shape: Annotated[Finite, Field(gt=0.0)] = Field(description="Shape k (> 0).")
    scale: Annotated[Finite, Field(gt=0.0)] = Field(description="Scale θ (> 0).")


class Weibull(_Truncated):
    """Weibull distribution with ``shape`` k > 0 and ``scale`` λ > 0, optionally truncated."""

    distribution: Literal["weibull"]
    shape: Annotated[Finite, Field(gt=0.0)] = Field(description="Shape k (> 0).")
    scale: Annotated[Finite, Field(gt=0.0)] = Field(description="Scale λ (> 0).")


Distribution = Normal | Uniform | LogNormal | Gamma | Weibull

_BY_NAME: Final[dict[str, type[BaseModel]]] = {
    "normal": Normal,
    "uniform": Uniform,
    "lognormal": LogNormal,
    "gamma": Gamma,
    "weibull": Weibull,
}
DISTRIBUTION_NAMES: Final = tuple(_BY_NAME)


def _tag(value: Any) -> str | None:
    """Discriminator: numbers go to the number branch, tables by their ``distribution`` key."""
    if isinstance(value, dict):
        name = value.get("distribution")
        return None if name is None else f"{TAG_PREFIX}{name}"
    if isinstance(value, BaseModel):
        return f"{TAG_PREFIX}{getattr(value, 'distribution', '')}"
    return f"{TAG_PREFIX}number"


Quantity = Annotated[
    Annotated[Finite, Tag(f"{TAG_PREFIX}number")]
    | Annotated[Normal, Tag(f"{TAG_PREFIX}normal")]
    | Annotated[Uniform, Tag(f"{TAG_PREFIX}uniform")]
    | Annotated[LogNormal, Tag(f"{TAG_PREFIX}lognormal")]
    | Annotated[Gamma, Tag(f"{TAG_PREFIX}gamma")]
    | Annotated[Weibull, Tag(f"{TAG_PREFIX}weibull")],
    Discriminator(_tag),
]
"""A per-agent quantity: a number, or one of the distributions above."""

_QUANTITY_ADAPTER: Final = TypeAdapter(Quantity)


# --------------------------------------------------------------------------------------------------
# Support and probability mass


@dataclass(frozen=True)
class Support:
    """Interval that holds every value :func:`sample` can return.

    Attributes:
        low: lower end (``-inf`` if unbounded).
        high: upper end (``inf`` if unbounded).
        low_open: True if ``low`` itself cannot be drawn (lognormal, gamma, Weibull without ``min``
            never return 0).
    """

    low: float
    high: float
    low_open: bool = False


def support(dist: float | Distribution) -> Support:
    """The interval of values ``dist`` can produce.

    Args:
        dist: a number or a distribution model.

    Returns:
        The support, after truncation.
    """
    if isinstance(dist, int | float):
        return Support(float(dist), float(dist))
    if isinstance(dist, Uniform):
        return Support(dist.min, dist.max)
    high = math.inf if dist.max is None else dist.max
    if isinstance(dist, Normal):
        if dist.std == 0.0:
            return Support(dist.mean, dist.mean)
        return Support(-math.inf if dist.min is None else dist.min, high)
    # lognormal, gamma, weibull: positive
    if dist.min is None or dist.min <= 0.0:
        return Support(0.0, high, low_open=True)
    return Support(dist.min, high)


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _cdf(dist: Distribution, x: float) -> float:
    """Cumulative distribution function of the untruncated distribution."""
    if math.isinf(x):
        return 0.0 if x < 0 else 1.0
    if isinstance(dist, Normal):
        if dist.std == 0.0:
            return 1.0 if x >= dist.mean else 0.0
        return _phi((x - dist.mean) / dist.std)
    if x <= 0.0:
        return 0.0
    if isinstance(dist, LogNormal):
        return _phi((math.log(x) - dist.mu) / dist.sigma)
    if isinstance(dist, Gamma):
        from scipy.special import gammainc  # only needed here; scipy is a dependency

        return float(gammainc(dist.shape, x / dist.scale))
    if isinstance(dist, Weibull):
        return -math.expm1(-((x / dist.scale) ** dist.shape))
    raise TypeError(f"not a truncatable distribution: {dist!r}")


def acceptance_probability(dist: Distribution) -> float:
    """Probability that one untruncated draw falls in ``[min, max]`` (1 without a window)."""
    if isinstance(dist, Uniform):
        return 1.0
    lo = -math.inf if dist.min is None else dist.min
    hi = math.inf if dist.max is None else dist.max
    if isinstance(dist, Normal) and dist.std == 0.0:
        return 1.0 if lo <= dist.mean <= hi else 0.0
    return max(0.0, _cdf(dist, hi) - _cdf(dist, lo))


def exceedance_probability(dist: float | Distribution, x: float) -> float:
    """Probability that a value drawn by :func:`sample` from ``dist`` exceeds ``x``."""
    if isinstance(dist, int | float):
        return 1.0 if dist > x else 0.0
    if isinstance(dist, Uniform):
        return min(1.0, max(0.0, (dist.max - x) / (dist.max - dist.min)))
    lo = -math.inf if dist.min is None else dist.min
    hi = math.inf if dist.max is None else dist.max
    if x >= hi:
        return 0.0
    if isinstance(dist, Normal) and dist.std == 0.0:
        return 1.0 if dist.mean > x else 0.0
    mass = _cdf(dist, hi) - _cdf(dist, lo)
    return min(1.0, max(0.0, (_cdf(dist, hi) - _cdf(dist, max(x, lo))) / mass))


# --------------------------------------------------------------------------------------------------
# Sampling


def _draw(dist: Distribution, n: int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(dist, Normal):
        return rng.normal(dist.mean, dist.std, size=n)
    if isinstance(dist, Uniform):
        return rng.uniform(dist.min, dist.max, size=n)
    if isinstance(dist, LogNormal):
        return rng.lognormal(dist.mu, dist.sigma, size=n)
    if isinstance(dist, Gamma):
        return rng.gamma(dist.shape, dist.scale, size=n)
    if isinstance(dist, Weibull):
        return dist.scale * rng.weibull(dist.shape, size=n)
    raise TypeError(f"not a distribution: {dist!r}")


def sample(
    dist: float | Distribution | dict[str, Any], n: int, *, rng: np.random.Generator
) -> np.ndarray:
    """Draw ``n`` values of a per-agent quantity.

    A number yields ``n`` copies and draws nothing from ``rng``. A distribution draws ``n`` values;
    values outside ``[min, max]`` are redrawn in rounds (each round draws exactly as many values as
    are still missing and keeps the accepted ones in draw order), so the output is a deterministic
    function of the generator state.

    Args:
        dist: a number, a distribution model, or a distribution table as a dict
            (``{"distribution": "normal", "mean": 1.34, "std": 0.26}``).
        n: number of values (≥ 0).
        rng: the random generator to draw from.

    Returns:
        float64 array of shape ``(n,)``.

    Raises:
        ScenarioError: ``dist`` is not a valid quantity, or truncation rejects (nearly) everything.
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    if not isinstance(dist, Normal | Uniform | LogNormal | Gamma | Weibull):
        try:
            dist = _QUANTITY_ADAPTER.validate_python(dist)
        except ValidationError as exc:
            problems = "; ".join(f"{e['msg']} (got {e['input']!r})" for e in exc.errors())
            raise ScenarioError(f"not a valid number or distribution: {problems}") from None
    if isinstance(dist, float):
        return np.full(n, dist, dtype=np.float64)
    out = np.empty(n, dtype=np.float64)
    lo = -math.inf if isinstance(dist, Uniform) or dist.min is None else dist.min
    hi = math.inf if isinstance(dist, Uniform) or dist.max is None else dist.max
    filled = 0
    for _ in range(_MAX_ROUNDS):
        if filled == n:
            return out
        x = _draw(dist, n - filled, rng)
        x = x[(x >= lo) & (x <= hi)]
        out[filled : filled + x.size] = x
        filled += x.size
    if filled == n:
        return out
    raise ScenarioError(
        f"truncation window [{lo:g}, {hi:g}] rejected almost every draw of {dist!r}; widen it"
    )

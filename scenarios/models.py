"""The scenario format as pydantic v2 models: the single source of truth.

The JSON Schema in ``scenarios/schema/scenario.schema.json`` is exported from these models (a test
keeps it in sync), the loader validates files against them, and the rest of CrowdSafe reads the
frozen :class:`Scenario` they produce. Every model forbids unknown keys and is immutable.

Geometry fields stay WKT strings (metres) so the JSON Schema is meaningful; they are validated on
load and exposed as shapely objects through methods (``Exit.shape()``,
``Scenario.walkable_area()``…), parsed once and cached.

Units are in the field names: ``_s`` seconds, ``_m`` metres, ``_mps`` metres per second, ``_kg``
kilograms, ``_N`` newtons.
"""

from __future__ import annotations

import math
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Final, Literal

import shapely
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from shapely.geometry.base import BaseGeometry

from .distributions import Distribution, Finite, Quantity, Support, Uniform, support
from .geometry import AreaWKT, BarrierWKT, PolygonWKT, parse_wkt
from .threats import Event, FearSettings, ThreatSpec

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "Barrier",
    "Exit",
    "Geometry",
    "ModelParameters",
    "Navigation",
    "ParameterSet",
    "Population",
    "Scenario",
]

#: The ``schema_version`` these models describe.
CURRENT_SCHEMA_VERSION: Final = 1

#: Longest simulated time accepted (one day); longer values are almost always a unit mistake.
MAX_DURATION_S: Final = 86_400.0


def _custom(problem: str, fix: str) -> PydanticCustomError:
    return PydanticCustomError("crowdsafe", "{problem}", {"problem": problem, "fix": fix})


Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
    Field(description="Identifier: letters, digits, '_', '-', '.'; starts with a letter or digit."),
]
Int = Annotated[int, Strict()]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSet(StrEnum):
    """The documented social-force parameter sets (``simcore.params``)."""

    NORMAL = "normal"
    """Calm crowds, calibrated against bottleneck experiments (default)."""
    PANIC = "panic"
    """Helbing, Farkas & Vicsek 2000 constants, for escape-panic phenomena."""


class ModelParameters(_Strict):
    """Social-force parameters: a named set plus optional overrides of single constants.

    Used as the scenario's ``[model]`` table and as a population's own ``model`` table (additions
    to the base format: ``parameter_set``, ``anisotropy``, ``max_speed_factor``, ``wall_A_N``,
    ``wall_B_m``, and the per-population table). A key left out keeps the value of the parameter
    set; in a population's table it keeps the scenario's value. The upper limits catch unit
    mistakes (B in centimetres, mass in grams…), not physics.

    Attributes:
        parameter_set: ``"normal"`` (default at scenario level) or ``"panic"``; in a population,
            unset means "as the scenario".
        A_N: agent–agent social repulsion strength A (N), 0 < A ≤ 1e5.
        B_m: social repulsion range B (m), 0 < B ≤ 1.
        k_kg_s2: body compression constant k (kg/s²), 0 ≤ k ≤ 1e7.
        kappa_kg_ms: sliding friction constant κ (kg/(m·s)), 0 ≤ κ ≤ 1e7.
        tau_s: relaxation time τ (s), 0 < τ ≤ 10.
        mass_kg: body mass (kg), 0 < m ≤ 300.
        anisotropy: λ in [0, 1], weight of social forces from behind (1 = isotropic).
        max_speed_factor: speed cap as a multiple of the desired speed, 1 ≤ f ≤ 5.
        wall_A_N: wall social repulsion strength (N), 0 < A ≤ 1e5.
        wall_B_m: wall social repulsion range (m), 0 < B ≤ 1.
    """

    parameter_set: ParameterSet | None = Field(
        default=None, description='"normal" (calibrated, default) or "panic" (Helbing 2000).'
    )
    A_N: Annotated[Finite, Field(gt=0.0, le=1e5)] | None = Field(
        default=None, description="Social repulsion strength A between agents (N)."
    )
    B_m: Annotated[Finite, Field(gt=0.0, le=1.0)] | None = Field(
        default=None, description="Social repulsion range B (m)."
    )
    k_kg_s2: Annotated[Finite, Field(ge=0.0, le=1e7)] | None = Field(
        default=None, description="Body compression constant k (kg/s²)."
    )
    kappa_kg_ms: Annotated[Finite, Field(ge=0.0, le=1e7)] | None = Field(
        default=None, description="Sliding friction constant κ (kg/(m·s))."
    )
    tau_s: Annotated[Finite, Field(gt=0.0, le=10.0)] | None = Field(
        default=None, description="Relaxation time τ of the driving term (s)."
    )
    mass_kg: Annotated[Finite, Field(gt=0.0, le=300.0)] | None = Field(
        default=None, description="Body mass (kg)."
    )
    anisotropy: Annotated[Finite, Field(ge=0.0, le=1.0)] | None = Field(
        default=None, description="Anisotropy λ in [0, 1] (1 = isotropic)."
    )
    max_speed_factor: Annotated[Finite, Field(ge=1.0, le=5.0)] | None = Field(
        default=None, description="Speed cap as a multiple of the desired speed."
    )
    wall_A_N: Annotated[Finite, Field(gt=0.0, le=1e5)] | None = Field(
        default=None, description="Wall social repulsion strength (N)."
    )
    wall_B_m: Annotated[Finite, Field(gt=0.0, le=1.0)] | None = Field(
        default=None, description="Wall social repulsion range (m)."
    )

    def overrides(self) -> dict[str, float]:
        """The constants set in this table (names as in ``simcore.params.ForceParams``)."""
        return {
            k: v for k, v in self.model_dump(exclude={"parameter_set"}).items() if v is not None
        }


class Navigation(_Strict):
    """Navigation settings (addition to the base format).

    Attributes:
        grid_m: floor-field grid spacing (m), 0 < grid_m ≤ 1 (a coarser grid cannot resolve a 1 m
            door). Unset: the engine chooses.
        exit_choice: "nearest" (default: nearest allowed exit by path distance) or "quickest"
            (walk plus the wait behind those heading for the same exit, re-estimated every
            ``choice_interval_s``; see ``simcore.Simulation``).
        choice_interval_s: period of the "quickest" re-estimation (s, default 2).
    """

    grid_m: Annotated[Finite, Field(gt=0.0, le=1.0)] | None = Field(
        default=None, description="Floor-field grid spacing (m); unset lets the engine choose."
    )
    exit_choice: Literal["nearest", "quickest"] = Field(
        default="nearest",
        description='"nearest" by path, or "quickest": walk plus queue, re-estimated periodically.',
    )
    choice_interval_s: Annotated[Finite, Field(gt=0.0, le=600.0)] = Field(
        default=2.0, description='Period of the "quickest" re-estimation (s).'
    )


class Geometry(_Strict):
    """The fixed venue: where people can walk, and fixed obstacles.

    Attributes:
        walkable: POLYGON or MULTIPOLYGON of the floor; its holes are obstacles (pillars…).
        obstacles: further POLYGONs/MULTIPOLYGONs subtracted from the floor (kiosks, furniture).
    """

    walkable: AreaWKT = Field(description="Floor outline (WKT, metres); holes are obstacles.")
    obstacles: list[AreaWKT] = Field(
        default_factory=list, description="Fixed obstacles subtracted from the floor (WKT)."
    )

    def walkable_shape(self) -> BaseGeometry:
        """The ``walkable`` polygon as given (holes included, exits and obstacles not applied)."""
        return parse_wkt(self.walkable)

    def obstacle_shapes(self) -> list[BaseGeometry]:
        """The ``obstacles`` as shapely geometries, in file order."""
        return [parse_wkt(o) for o in self.obstacles]


class Exit(_Strict):
    """A way out: agents whose centre enters ``area`` have left.

    The area must touch the walkable floor (it is added to it). Draw it either as a strip just
    outside a door in the outline (the door's width is where they meet) or inside the floor at its
    edge.

    Attributes:
        id: unique among exits; populations refer to it.
        area: POLYGON of the exit region (WKT, metres).
        open: whether it is open at the start (addition; default true). A closed exit evacuates
            nobody and, if its area lies outside the floor, is a wall.
    """

    id: Id
    area: PolygonWKT = Field(description="Exit region (WKT POLYGON, metres).")
    open: bool = Field(
        default=True, description="Open at the start (an open_exit event can open it later)."
    )

    def shape(self) -> shapely.Polygon:
        """The exit region as a shapely polygon."""
        return parse_wkt(self.area)


@lru_cache(maxsize=1024)
def _barrier_footprint(wkt: str, thickness_m: float | None) -> BaseGeometry:
    geom = parse_wkt(wkt)
    if isinstance(geom, shapely.LineString):
        return geom.buffer(thickness_m / 2.0, cap_style="flat", join_style="mitre")
    return geom


class Barrier(_Strict):
    """An obstacle that belongs to a layout (bollards, fences, planters), as opposed to the venue.

    Layout comparisons swap barriers while the venue stays. A LINESTRING is a fence of
    ``thickness_m`` (buffered by half the thickness on each side, flat ends, mitred corners).

    Attributes:
        id: unique among barriers.
        geometry: POLYGON, MULTIPOLYGON or LINESTRING (WKT, metres).
        thickness_m: thickness of a LINESTRING barrier (m), 0 < t ≤ 5; required for lines and
            not allowed for polygons.
        active: in place at the start (addition; default true; events add or remove it).
        rating: the heaviest vehicle class it stops (addition; IWA 14-1:2013 / PAS 68 classes
            M1 car, N1 van, N2 7.2 t, N3 30 t; "none" stops no vehicle).
    """

    id: Id
    geometry: BarrierWKT = Field(description="Barrier footprint or centre line (WKT, metres).")
    thickness_m: Annotated[Finite, Field(gt=0.0, le=5.0)] | None = Field(
        default=None, description="Thickness of a LINESTRING barrier (m)."
    )
    active: bool = Field(
        default=True, description="In place at the start (add_barrier/remove_barrier events)."
    )
    rating: Literal["none", "M1", "N1", "N2", "N3"] = Field(
        default="none",
        description="Heaviest vehicle class (IWA 14-1) it stops: none, M1, N1, N2 or N3.",
    )

    @model_validator(mode="after")
    def _thickness(self) -> Barrier:
        is_line = isinstance(parse_wkt(self.geometry), shapely.LineString)
        if is_line and self.thickness_m is None:
            raise _custom(
                f"barrier '{self.id}' is a LINESTRING without thickness_m",
                "add thickness_m (e.g. thickness_m = 0.1 for a fence, 0.4 for planters)",
            )
        if not is_line and self.thickness_m is not None:
            raise _custom(
                f"barrier '{self.id}' is a polygon, so thickness_m does not apply",
                "remove thickness_m (it only applies to LINESTRING barriers)",
            )
        return self

    def raw_shape(self) -> BaseGeometry:
        """The geometry as written (a line stays a line)."""
        return parse_wkt(self.geometry)

    def shape(self) -> BaseGeometry:
        """The polygonal footprint agents cannot enter (lines buffered by ``thickness_m / 2``)."""
        return _barrier_footprint(self.geometry, self.thickness_m)


# Physical ranges of per-agent quantities: (low, low inclusive?, high, high inclusive?, unit,
# meaning, suggested truncation window).
_RANGES: Final[dict[str, tuple[float, bool, float, bool, str, str, tuple[float, float]]]] = {
    "desired_speed_mps": (
        0.0, False, 12.0, False, "m/s",
        "desired walking speed; free walking is about 1.34 ± 0.26 m/s (Weidmann 1993)",
        (0.5, 2.0),
    ),
    "radius_m": (
        0.05, False, 1.0, False, "m",
        "body radius; adults are about 0.2–0.25 m (half the shoulder width)",
        (0.18, 0.26),
    ),
    "premovement_s": (
        0.0, True, math.inf, False, "s",
        "time from the alarm until the agent starts moving",
        (0.0, 600.0),
    ),
}  # fmt: skip


def _range_text(low: float, low_inc: bool, high: float, high_inc: bool, unit: str) -> str:
    lo = f"{'≥' if low_inc else '>'} {low:g} {unit}"
    if math.isinf(high):
        return f"must be {lo}"
    return f"must be {lo} and {'≤' if high_inc else '<'} {high:g} {unit}"


def _check_quantity(name: str, value: float | Distribution) -> float | Distribution:
    low, low_inc, high, high_inc, unit, meaning, (w_lo, w_hi) = _RANGES[name]
    s: Support = support(value)
    low_ok = s.low >= low if low_inc else (s.low > low or (s.low == low and s.low_open))
    high_ok = s.high <= high if high_inc else s.high < high
    if low_ok and high_ok:
        return value
    rng = _range_text(low, low_inc, high, high_inc, unit)
    if isinstance(value, float):
        raise _custom(f"{rng}", f"give the {meaning}")
    kind = value.distribution
    problems, fixes = [], []
    if not low_ok:
        bad = f"{'<' if low_inc else '≤'} {low:g} {unit}"
        if isinstance(value, Uniform) or value.min is not None:
            problems.append(f"min = {s.low:g} lets it draw values {bad}")
            fixes.append(f"raise min to at least {w_lo:g}")
        else:
            problems.append(f"a {kind} distribution without min can draw values {bad}")
            fixes.append(f"add min = {w_lo:g}")
    if not high_ok:
        bad = f"{'>' if high_inc else '≥'} {high:g} {unit}"
        if isinstance(value, Uniform) or value.max is not None:
            problems.append(f"max = {s.high:g} lets it draw values {bad}")
            fixes.append(f"lower max to at most {w_hi:g}")
        else:
            problems.append(f"a {kind} distribution without max can draw values {bad}")
            fixes.append(
                f"max = {w_hi:g}"
                if fixes and fixes[-1].startswith("add")
                else f"add max = {w_hi:g}"
            )
    raise _custom(
        f"{rng}, but {' and '.join(problems)}",
        f"{' and '.join(fixes)} to truncate it ({meaning})",
    )


class Population(_Strict):
    """A group of agents sharing a spawn rule, a speed and size distribution and allowed exits.

    Give either ``area`` and ``count`` (agents are placed at random without overlap, see
    :func:`scenarios.place_population`) or explicit ``positions``.

    Attributes:
        id: unique among populations.
        area: spawn region (WKT POLYGON/MULTIPOLYGON, metres); only its walkable part is used.
        count: number of agents to place in ``area`` (0 disables the population).
        positions: explicit agent centres ``[[x, y], …]`` (m), instead of area and count.
        desired_speed_mps: number or distribution; every value must lie in (0, 12) m/s.
        radius_m: number or distribution; every value must lie in (0.05, 1.0) m.
        premovement_s: number or distribution, ≥ 0 s: delay before the agent starts moving.
        exits: ids of the exits these agents may use; unset means all exits.
        spacing_m: extra gap (m) between placed agents and between agents and walls (addition,
            default 0.1, 0 ≤ spacing ≤ 5). Not applied to explicit positions.
        model: per-population overrides of the scenario's ``[model]`` table (addition).
        starts_on_alarm: if the scenario has an alarm event, the pre-movement time counts from
            the first alarm (addition; default true); otherwise from t = 0.
        openness: susceptibility to fear contagion o_i in [0, 1] (addition; default 0.8).
        group_size: size of the groups (families, friends) agents come in; members are the
            nearest neighbours at the start and catch fear from each other more easily
            (addition; default 1: no groups).
    """

    id: Id
    area: AreaWKT | None = Field(default=None, description="Spawn region (WKT, metres).")
    count: Annotated[Int, Field(ge=0, le=10_000_000)] | None = Field(
        default=None, description="Number of agents placed at random in area."
    )
    positions: list[tuple[Finite, Finite]] | None = Field(
        default=None, description="Explicit agent centres [[x, y], ...] in metres."
    )
    desired_speed_mps: Quantity = Field(
        default=1.34, description="Desired walking speed (m/s): number or distribution."
    )
    radius_m: Quantity = Field(default=0.2, description="Body radius (m): number or distribution.")
    premovement_s: Quantity = Field(
        default=0.0, description="Pre-movement delay (s): number or distribution."
    )
    exits: Annotated[list[Id], Field(min_length=1)] | None = Field(
        default=None, description="Exit ids these agents may use (default: all)."
    )
    spacing_m: Annotated[Finite, Field(ge=0.0, le=5.0)] = Field(
        default=0.1, description="Extra gap between placed agents and to walls (m)."
    )
    model: ModelParameters | None = Field(
        default=None, description="Per-population social-force overrides."
    )
    starts_on_alarm: bool = Field(
        default=True,
        description="If the scenario has an alarm event, pre-movement counts from the alarm.",
    )
    openness: Annotated[Finite, Field(ge=0.0, le=1.0)] = Field(
        default=0.8, description="Susceptibility to fear contagion in [0, 1]."
    )
    group_size: Annotated[Int, Field(ge=1, le=20)] = Field(
        default=1, description="Agents come in groups of this size (neighbours at the start)."
    )

    @field_validator("desired_speed_mps", "radius_m", "premovement_s")
    @classmethod
    def _physical_range(cls, value: Any, info: ValidationInfo) -> Any:
        return _check_quantity(info.field_name, value)

    @model_validator(mode="after")
    def _spawn_rule(self) -> Population:
        if self.positions is not None:
            if self.area is not None or self.count is not None:
                raise _custom(
                    f"population '{self.id}' gives positions and also area/count",
                    "give either area and count (random placement) or positions, not both",
                )
            return self
        if self.area is None and self.count is None:
            raise _custom(
                f"population '{self.id}' has neither area and count nor positions",
                'add area = "POLYGON (...)" and count = N, or positions = [[x, y], ...]',
            )
        if self.area is None:
            raise _custom(
                f"population '{self.id}' has a count but no area",
                'add area = "POLYGON (...)": the region its agents are placed in',
            )
        if self.count is None:
            raise _custom(
                f"population '{self.id}' has an area but no count",
                "add count = N: how many agents to place in the area",
            )
        return self

    @property
    def n_agents(self) -> int:
        """Number of agents (``count`` or the number of explicit positions)."""
        return len(self.positions) if self.positions is not None else int(self.count or 0)

    def shape(self) -> BaseGeometry | None:
        """The spawn region as a shapely geometry (None for explicit positions)."""
        return None if self.area is None else parse_wkt(self.area)

    def radius_bounds(self) -> tuple[float, float]:
        """Smallest and largest radius (m) any agent of this population can get."""
        s = support(self.radius_m)
        return s.low, s.high


def _fps_check(record_fps: float, dt_s: float) -> None:
    steps = 1.0 / (dt_s * record_fps)
    if steps < 1.0 - 1e-9:
        raise _custom(
            f"record_fps = {record_fps:g} is faster than the simulation step (dt_s = {dt_s:g} s"
            f" gives at most {1.0 / dt_s:g} frames per second)",
            f"use record_fps ≤ {1.0 / dt_s:g}, e.g. record_fps = {1.0 / (dt_s * 10):g}",
        )
    k = round(steps)
    if abs(steps - k) > 1e-6 * steps:
        below, above = max(1, math.floor(steps)), math.ceil(steps)
        options = sorted(
            {1.0 / (dt_s * below), 1.0 / (dt_s * above)}, key=lambda f: abs(f - record_fps)
        )
        hint = " or ".join(
            f"{f:.6g} (a frame every {round(1.0 / (dt_s * f))} steps)" for f in options
        )
        raise _custom(
            f"a frame every 1/(dt_s·record_fps) = {steps:.4g} steps is not a whole number of"
            f" steps (dt_s = {dt_s:g} s)",
            f"use record_fps = {hint}, or change dt_s",
        )


class Scenario(_Strict):
    """A complete simulation scenario (schema version 1).

    Additions to the base format: ``description``, ``seed``, ``[navigation]``, the extra
    ``[model]`` keys, per-population ``model`` tables and ``spacing_m``.

    Attributes:
        schema_version: format version, must be 1 (older files are upgraded by the loader).
        name: human-readable name.
        description: free text (optional).
        duration_s: simulated time limit (s), 0 < duration ≤ 86400; the run ends earlier when
            everyone has left.
        dt_s: time step (s), 0 < dt ≤ 0.1; default 0.01.
        record_fps: trajectory frames per simulated second, default 10; 1/(dt_s·record_fps) must
            be a whole number of steps.
        seed: random seed for placement and per-agent draws (≥ 0, default 0); a command-line
            ``--seed`` overrides it.
        geometry: the venue.
        exits: at least one exit.
        barriers: layout obstacles (optional).
        populations: at least one population.
        model: social-force parameter set and overrides.
        navigation: navigation settings.
        events: timed events (alarm, exit closed/opened, barrier added/removed).
        threats: attackers, vehicles, blasts, hazard zones (see :mod:`scenarios.threats`).
        fear: overrides of the fear model's constants.
    """

    schema_version: Literal[1] = Field(description="Format version of this file (1).")
    name: Annotated[str, StringConstraints(min_length=1)] = Field(description="Scenario name.")
    description: str = Field(default="", description="Free text.")
    duration_s: Annotated[Finite, Field(gt=0.0, le=MAX_DURATION_S)] = Field(
        description="Simulated time limit (s)."
    )
    dt_s: Annotated[Finite, Field(gt=0.0, le=0.1)] = Field(
        default=0.01, description="Time step (s)."
    )
    record_fps: Annotated[Finite, Field(gt=0.0)] = Field(
        default=10.0, description="Trajectory frames per simulated second."
    )
    seed: Annotated[Int, Field(ge=0)] = Field(
        default=0, description="Random seed (the command line's --seed overrides it)."
    )
    geometry: Geometry
    exits: Annotated[list[Exit], Field(min_length=1)] = Field(description="Exits (at least one).")
    barriers: list[Barrier] = Field(default_factory=list, description="Layout obstacles.")
    populations: Annotated[list[Population], Field(min_length=1)] = Field(
        description="Agent populations (at least one)."
    )
    model: ModelParameters = Field(
        default_factory=ModelParameters, description="Social-force parameters."
    )
    navigation: Navigation = Field(default_factory=Navigation, description="Navigation settings.")
    events: list[Event] = Field(default_factory=list, description="Timed events.")
    threats: list[ThreatSpec] = Field(default_factory=list, description="Threats.")
    fear: FearSettings = Field(default_factory=FearSettings, description="Fear-model overrides.")

    @field_validator("record_fps")
    @classmethod
    def _whole_steps_per_frame(cls, value: float, info: ValidationInfo) -> float:
        dt_s = info.data.get("dt_s")
        if dt_s is not None:
            _fps_check(value, dt_s)
        return value

    # ---------------------------------------------------------------------------------------------
    # Derived geometry and lookups

    @property
    def exit_ids(self) -> list[str]:
        """Exit ids in file order."""
        return [e.id for e in self.exits]

    def exit(self, exit_id: str) -> Exit:
        """The exit with this id (``KeyError`` if there is none)."""
        for e in self.exits:
            if e.id == exit_id:
                return e
        raise KeyError(exit_id)

    def population(self, population_id: str) -> Population:
        """The population with this id (``KeyError`` if there is none)."""
        for p in self.populations:
            if p.id == population_id:
                return p
        raise KeyError(population_id)

    def allowed_exits(self, population: Population) -> list[str]:
        """Ids of the exits ``population`` may use (all exits if it names none)."""
        return list(population.exits) if population.exits is not None else self.exit_ids

    def parameter_set(self, population: Population | None = None) -> ParameterSet:
        """The parameter set in force for ``population`` (or the scenario)."""
        if population is not None and population.model and population.model.parameter_set:
            return population.model.parameter_set
        return self.model.parameter_set or ParameterSet.NORMAL

    def model_overrides(self, population: Population | None = None) -> dict[str, float]:
        """Constant overrides for ``population``: the scenario's, then the population's on top."""
        out = self.model.overrides()
        if population is not None and population.model is not None:
            out.update(population.model.overrides())
        return out

    def barrier_area(self) -> BaseGeometry:
        """Union of the barrier footprints (empty geometry if there are none)."""
        return shapely.union_all([b.shape() for b in self.barriers])

    def obstacle_area(self) -> BaseGeometry:
        """Union of ``geometry.obstacles`` (holes of ``walkable`` not included)."""
        return shapely.union_all(self.geometry.obstacle_shapes())

    def walkable_area(
        self, *, open_exits: frozenset[str] | None = None, barriers: frozenset[str] | None = None
    ) -> BaseGeometry:
        """The effective walkable region: (walkable ∪ open exit areas) − obstacles − barriers.

        This is the single definition the simulation builder uses. Holes of ``walkable`` stay
        holes; LINESTRING barriers are buffered by ``thickness_m / 2`` with flat ends and mitred
        joins.

        Args:
            open_exits: ids of the open exits (default: those open at the start).
            barriers: ids of the barriers in place (default: those active at the start).

        Returns:
            A shapely Polygon or MultiPolygon (cached; do not mutate).
        """
        if open_exits is None:
            open_exits = frozenset(e.id for e in self.exits if e.open)
        if barriers is None:
            barriers = frozenset(b.id for b in self.barriers if b.active)
        return _effective_walkable(
            self.geometry.walkable,
            tuple(e.area for e in self.exits if e.id in open_exits),
            tuple(self.geometry.obstacles),
            tuple((b.geometry, b.thickness_m) for b in self.barriers if b.id in barriers),
        )


@lru_cache(maxsize=64)
def _effective_walkable(
    walkable: str,
    exits: tuple[str, ...],
    obstacles: tuple[str, ...],
    barriers: tuple[tuple[str, float | None], ...],
) -> BaseGeometry:
    floor = shapely.union_all([parse_wkt(walkable), *(parse_wkt(e) for e in exits)])
    blocked = [parse_wkt(o) for o in obstacles] + [_barrier_footprint(w, t) for w, t in barriers]
    if blocked:
        floor = floor.difference(shapely.union_all(blocked))
    return floor

"""Timed events, threats and fear in the scenario format (additions of schema version 1).

```toml
[[events]]
time_s = 30.0
action = "close_exit"      # alarm | close_exit | open_exit | add_barrier | remove_barrier
target = "east"            # exit or barrier id; absent for alarm
text = "Gate 2 shut by stewards"   # optional, shown in the replay

[[threats]]
id = "attacker-1"
kind = "knife"             # knife | firearm | vehicle | blast | hazard
start_s = 10.0
path = [[2.0, 2.0], [8.0, 8.0]]   # waypoints (or: pursue = true, path = the start point)
speed_mps = 2.0

[fear]                      # optional overrides of the fear model (simcore.FearParams)
herding = 0.4
```

Each kind has its own fields with documented defaults (below). The harm models and their sources
are in :mod:`simcore.kernels.threats`; perception and fear in :mod:`simcore.kernels.fear`. Default
values are modelling assumptions, not measurements: set them from your threat assessment.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, model_validator
from pydantic_core import PydanticCustomError

from .distributions import Finite

__all__ = [
    "THREAT_KINDS",
    "VEHICLE_CLASSES",
    "Blast",
    "Event",
    "EventAction",
    "FearSettings",
    "Firearm",
    "Hazard",
    "Knife",
    "ThreatSpec",
    "Vehicle",
    "rating_stops",
]

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
Point = tuple[Finite, Finite]
NonNeg = Annotated[Finite, Field(ge=0.0)]
Pos = Annotated[Finite, Field(gt=0.0)]
Prob = Annotated[Finite, Field(ge=0.0, le=1.0)]

#: Vehicle classes of IWA 14-1:2013 / PAS 68:2013 impact tests, lightest first, with test mass
#: (kg): M1 car 1500, N1 van 3500, N2 lorry 7200, N3 heavy goods vehicle 30000. A barrier rated
#: for a class stops vehicles of that class and lighter.
VEHICLE_CLASSES = ("M1", "N1", "N2", "N3")


def rating_stops(rating: str, vehicle_class: str) -> bool:
    """Whether a barrier of ``rating`` ("none" or a class) stops a vehicle of ``vehicle_class``."""
    if rating == "none":
        return False
    return VEHICLE_CLASSES.index(rating) >= VEHICLE_CLASSES.index(vehicle_class)


def _custom(problem: str, fix: str) -> PydanticCustomError:
    return PydanticCustomError("crowdsafe", "{problem}", {"problem": problem, "fix": fix})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventAction(StrEnum):
    """What a timed event does."""

    ALARM = "alarm"
    """Pre-movement clocks of populations waiting for the alarm start."""
    CLOSE_EXIT = "close_exit"
    OPEN_EXIT = "open_exit"
    ADD_BARRIER = "add_barrier"
    REMOVE_BARRIER = "remove_barrier"


class Event(_Strict):
    """A timed event.

    Attributes:
        time_s: when (s, ≥ 0).
        action: alarm | close_exit | open_exit | add_barrier | remove_barrier.
        target: the exit (close/open) or barrier (add/remove) id; absent for alarm.
        text: what the replay shows when it happens (default: a sentence built from the action).
    """

    time_s: NonNeg = Field(description="Time of the event (s).")
    action: EventAction = Field(
        description="alarm | close_exit | open_exit | add_barrier | remove_barrier"
    )
    target: Id | None = Field(default=None, description="Exit or barrier id (not for alarm).")
    text: str = Field(default="", description="Text shown when the event happens.")

    @model_validator(mode="after")
    def _target(self) -> Event:
        if self.action == EventAction.ALARM and self.target is not None:
            raise _custom("an alarm has no target", "remove target from the alarm event")
        if self.action != EventAction.ALARM and self.target is None:
            kind = "exit" if "exit" in self.action else "barrier"
            raise _custom(f"event '{self.action}' needs a target", f'add target = "<{kind} id>"')
        return self

    def label(self) -> str:
        """The text to show: ``text`` or a default sentence."""
        if self.text:
            return self.text
        return {
            EventAction.ALARM: "Alarm",
            EventAction.CLOSE_EXIT: f"Exit {self.target} closed",
            EventAction.OPEN_EXIT: f"Exit {self.target} opened",
            EventAction.ADD_BARRIER: f"Barrier {self.target} put up",
            EventAction.REMOVE_BARRIER: f"Barrier {self.target} removed",
        }[self.action]


class _ThreatBase(_Strict):
    """Fields common to every threat.

    Attributes:
        id: unique among threats.
        start_s: when it becomes active (s). end_s: when it stops (s; default: never).
        path: waypoints [[x, y], ...] (m) followed at ``speed_mps``; a single point for a static
            threat or the start point of a pursuer.
        speed_mps: speed along the path or in pursuit (m/s).
        visual_range_m: agents within this range with a line of sight perceive it.
        auditory_range_m: agents within this range perceive it whatever the walls.
        intensity: strength of the stimulus (1: clearly alarming).
    """

    id: Id
    start_s: NonNeg = Field(default=0.0, description="Activation time (s).")
    end_s: NonNeg | None = Field(default=None, description="Deactivation time (s); default never.")
    path: Annotated[list[Point], Field(min_length=1)] = Field(description="Waypoints (m).")
    speed_mps: NonNeg = Field(default=0.0, description="Speed along the path (m/s).")
    visual_range_m: NonNeg = Field(default=30.0, description="Perception range by sight (m).")
    auditory_range_m: NonNeg = Field(default=10.0, description="Perception range by hearing (m).")
    intensity: Annotated[Finite, Field(gt=0.0, le=10.0)] = Field(default=1.0)

    @model_validator(mode="after")
    def _window(self):
        if self.end_s is not None and self.end_s <= self.start_s:
            raise _custom(
                f"threat '{self.id}' ends (end_s = {self.end_s:g}) before it starts"
                f" (start_s = {self.start_s:g})",
                "make end_s larger than start_s, or remove end_s",
            )
        return self


class Knife(_ThreatBase):
    """A knife attacker (Zhang, Wang & Song 2018: killing range of a sharp instrument ≈ 1–2 m).

    Attributes:
        pursue: chase the nearest visible agent instead of following the path.
        reach_m: strike range (m). attack_rate_per_s: strikes per second (one try per strike).
        hit_probability: probability that a strike injures.
    """

    kind: Literal["knife"]
    pursue: bool = False
    speed_mps: NonNeg = Field(default=2.0, description="Walking/running speed (m/s).")
    reach_m: Annotated[Finite, Field(gt=0.0, le=5.0)] = 1.5
    attack_rate_per_s: Annotated[Finite, Field(gt=0.0, le=10.0)] = 0.5
    hit_probability: Prob = 0.5


class Firearm(_ThreatBase):
    """An active shooter: shots at the nearest visible agent, p = p_hit·exp(−d/range_scale_m).

    Attributes:
        pursue: chase the nearest visible agent instead of following the path.
        attack_rate_per_s: shots per second. hit_probability: hit probability at zero distance.
        range_scale_m: d50 of the exponential fall of the hit probability with distance (m).
    """

    kind: Literal["firearm"]
    pursue: bool = False
    speed_mps: NonNeg = Field(default=1.0)
    visual_range_m: NonNeg = Field(default=50.0)
    auditory_range_m: NonNeg = Field(default=150.0)
    attack_rate_per_s: Annotated[Finite, Field(gt=0.0, le=20.0)] = 1.0
    hit_probability: Prob = 0.6
    range_scale_m: Pos = 20.0


class Vehicle(_ThreatBase):
    """A hostile vehicle driving along its path; stopped by the first barrier rated for its class.

    Attributes:
        vehicle_class: M1 (car), N1 (van), N2 (7.2 t lorry), N3 (30 t HGV) — IWA 14-1:2013.
        length_m, width_m: body (m). min_harm_speed_mps: below this speed it harms nobody.
    """

    kind: Literal["vehicle"]
    speed_mps: Pos = Field(default=12.0, description="Speed (m/s); 12 m/s ≈ 43 km/h.")
    vehicle_class: Literal["M1", "N1", "N2", "N3"] = "N1"
    length_m: Annotated[Finite, Field(gt=0.0, le=25.0)] = 5.5
    width_m: Annotated[Finite, Field(gt=0.0, le=3.0)] = 2.0
    min_harm_speed_mps: NonNeg = 1.0
    auditory_range_m: NonNeg = Field(default=30.0)

    @model_validator(mode="after")
    def _path(self) -> Vehicle:
        if len(self.path) < 2:
            raise _custom(
                f"vehicle '{self.id}' needs a path of at least two points",
                "give path = [[x0, y0], [x1, y1], ...] along the road it drives",
            )
        return self


class Blast(_ThreatBase):
    """An explosion at ``start_s`` at the path's point (TNT-equivalent charge).

    Harm: Kinney & Graham overpressure and Eisenberg probits (see simcore.kernels.threats). It
    stays perceived (it frightens) until ``end_s``, default 60 s after it.

    Attributes:
        charge_kg: TNT-equivalent mass (kg).
    """

    kind: Literal["blast"]
    charge_kg: Annotated[Finite, Field(gt=0.0, le=10_000.0)] = 5.0
    auditory_range_m: NonNeg = Field(default=500.0)
    visual_range_m: NonNeg = Field(default=100.0)
    intensity: Annotated[Finite, Field(gt=0.0, le=10.0)] = Field(default=3.0)


class Hazard(_ThreatBase):
    """A zone agents flee from (fire, smoke, gas): a disc growing from ``radius_m`` at
    ``growth_mps`` up to ``max_radius_m``; ``incapacitation_s`` inside it in total incapacitates.
    """

    kind: Literal["hazard"]
    radius_m: Pos = 2.0
    growth_mps: NonNeg = 0.0
    max_radius_m: Pos | None = None
    incapacitation_s: Pos = 60.0
    visual_range_m: NonNeg = Field(default=20.0)
    auditory_range_m: NonNeg = Field(default=5.0)


ThreatSpec = Annotated[Knife | Firearm | Vehicle | Blast | Hazard, Discriminator("kind")]
#: The threat models by ``kind``.
THREAT_KINDS: dict[str, type[_ThreatBase]] = {
    "knife": Knife, "firearm": Firearm, "vehicle": Vehicle, "blast": Blast, "hazard": Hazard,
}  # fmt: skip


class FearSettings(_Strict):
    """Overrides of the fear model's constants (``simcore.FearParams``; see its docstring)."""

    rise_per_s: Pos | None = None
    decay_per_s: NonNeg | None = None
    contagion_per_s: NonNeg | None = None
    contagion_length_m: Pos | None = None
    contagion_radius_m: Annotated[Finite, Field(gt=0.0, le=10.0)] | None = None
    speed_factor: Annotated[Finite, Field(ge=1.0, le=4.0)] | None = None
    herding: Prob | None = None
    flee: Prob | None = None
    reaction_s: NonNeg | None = None
    stimulus_length_m: Pos | None = None
    group_bonus: Annotated[Finite, Field(ge=1.0, le=100.0)] | None = None
    exit_avoidance: NonNeg | None = None
    crush_npm: Pos | None = None
    crush_tau_s: Pos | None = None
    threat_A_N: NonNeg | None = None
    threat_B_m: Pos | None = None

    def overrides(self) -> dict[str, float]:
        """The constants set here."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def end_time(spec) -> float:
    """Deactivation time of a threat (s): ``end_s``, 60 s after a blast, else never."""
    if spec.end_s is not None:
        return float(spec.end_s)
    if spec.kind == "blast":
        return float(spec.start_s) + 60.0
    return math.inf

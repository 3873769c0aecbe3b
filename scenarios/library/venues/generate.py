"""Write the venue library's scenario files from one definition per venue.

Every venue is defined once here (floor, obstacles, exits, people); its layouts differ only in
exits (which are open) and barriers, and its scenarios only in events and threats, so the files
of a venue compare like for like by construction. The TOML files are what users read and edit;
this script rewrites them::

    python scenarios/library/venues/generate.py          # rewrite every venue file
    python scenarios/library/venues/generate.py --check  # exit 1 if a file is out of date

Dimensions and their sources are in each venue's README.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a script from anywhere
    sys.path.insert(0, str(HERE.parents[2]))

from scenarios.importers.writer import scenario_to_toml  # noqa: E402
from scenarios.loader import validate  # noqa: E402

# --------------------------------------------------------------------------------------------------
# Geometry and people helpers

#: Free walking speed of adults, Weidmann (1993): 1.34 ± 0.26 m/s, truncated.
ADULT_SPEED = {"distribution": "normal", "mean": 1.34, "std": 0.26, "min": 0.5, "max": 2.0}
#: Adult body radius (half the shoulder width, plan view).
ADULT_RADIUS = {"distribution": "uniform", "min": 0.2, "max": 0.25}


def wkt(geom: shapely.Geometry) -> str:
    """WKT rounded to the millimetre, one ring (or polygon) per line."""
    text = shapely.to_wkt(geom, rounding_precision=3, trim=True)
    return text.replace(")), ((", ")),\n    ((").replace("), (", "),\n    (")


def rect(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """Axis-aligned rectangle (m), counter-clockwise from (x0, y0)."""
    return box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def multi(parts: Iterable[shapely.Geometry]) -> shapely.MultiPolygon:
    """Disjoint polygons as one MULTIPOLYGON (kept apart, not unioned)."""
    return shapely.MultiPolygon(list(parts))


def disc(x: float, y: float, r: float, n: int = 12) -> shapely.Polygon:
    """A regular n-gon of circumradius r: a bollard, a pillar, a tree."""
    return shapely.Point(x, y).buffer(r, quad_segs=max(1, n // 4))


def people(
    pid: str,
    area: shapely.Geometry,
    count: int,
    *,
    premovement: Any,
    speed: Any = None,
    radius: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """A population table."""
    out = {
        "id": pid,
        "area": wkt(area),
        "count": count,
        "desired_speed_mps": speed or ADULT_SPEED,
        "radius_m": radius or ADULT_RADIUS,
        "premovement_s": premovement,
    }
    out.update(extra)
    return out


def uniform(lo: float, hi: float) -> dict[str, Any]:
    return {"distribution": "uniform", "min": lo, "max": hi}


# --------------------------------------------------------------------------------------------------
# Venue definitions


@dataclass
class Layout:
    """One layout of a venue: which exits are open, which barriers stand."""

    key: str  # "a", "b"
    title: str
    closed_exits: tuple[str, ...] = ()
    barriers: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class Situation:
    """What happens: calm or an attack/panic (events, threats, model and fear settings)."""

    key: str  # "calm", "vehicle", "fire"…
    title: str
    description: str
    duration_s: float
    events: Callable[[Layout], list[dict[str, Any]]] = lambda lay: []
    threats: list[dict[str, Any]] = field(default_factory=list)
    barriers: list[dict[str, Any]] = field(default_factory=list)
    populations: Callable[[Layout], list[dict[str, Any]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class Venue:
    """A venue: fixed geometry, the exits (all of them; layouts close some), people."""

    folder: str
    name: str
    summary: str  # header paragraph
    walkable: shapely.Geometry
    obstacles: list[tuple[shapely.Geometry, str]]
    exits: list[tuple[str, shapely.Geometry, str]]
    populations: Callable[[Layout], list[dict[str, Any]]]
    layouts: list[Layout]
    situations: list[Situation]
    navigation_grid_m: float | None = None
    seed: int = 1
    notes: dict[str, str] = field(default_factory=dict)

    def files(self) -> dict[str, str]:
        """File name → TOML text, for every layout × situation."""
        out = {}
        for lay in self.layouts:
            for sit in self.situations:
                out[f"layout-{lay.key}-{sit.key}.toml"] = self.toml(lay, sit)
        return out

    def toml(self, lay: Layout, sit: Situation) -> str:
        data: dict[str, Any] = {
            "schema_version": 1,
            "name": f"{self.name} — layout {lay.key.upper()}, {sit.title}",
            "description": f"{sit.description} Layout {lay.key.upper()}: {lay.title}.",
            "duration_s": sit.duration_s,
            "seed": self.seed,
            "geometry": {
                "walkable": wkt(self.walkable),
                "obstacles": [wkt(g) for g, _ in self.obstacles],
            },
            "exits": [
                {"id": eid, "area": wkt(g), **({"open": False} if eid in lay.closed_exits else {})}
                for eid, g, _ in self.exits
            ],
            "populations": (sit.populations or self.populations)(lay),
        }
        if lay.barriers or sit.barriers:
            data["barriers"] = lay.barriers + sit.barriers
        if self.navigation_grid_m is not None:
            data["navigation"] = {"grid_m": self.navigation_grid_m}
        events = sit.events(lay)
        if events:
            data["events"] = events
        if sit.threats:
            data["threats"] = sit.threats
        data.update(sit.extra)
        scenario = validate(data, file=f"{self.folder}/layout-{lay.key}-{sit.key}.toml")
        notes = {f"obstacles.{i}": text for i, (_, text) in enumerate(self.obstacles) if text}
        notes.update({f"exits.{eid}": text for eid, _, text in self.exits if text})
        for eid in lay.closed_exits:
            notes[f"exits.{eid}"] = (
                notes.get(f"exits.{eid}", "") + "\nCLOSED in this layout."
            ).strip()
        notes.update(self.notes)
        notes.update(lay.notes)
        notes.update(sit.notes)
        header = (
            f"CrowdSafe venue library: {self.name}. Layout {lay.key.upper()} ({lay.title}),"
            f" {sit.title}.\n\n{self.summary}\n\nLayout {lay.key.upper()}: {lay.title}.\n"
            f"Scenario: {sit.description}\n\nSources and the differences between layouts:"
            f" README.md in this folder. This file is written by generate.py in the folder"
            f" above; edit the venue there, or copy this file and edit the copy."
        )
        return scenario_to_toml(scenario, header=header, notes=notes)


# --------------------------------------------------------------------------------------------------
# 1. Sport venue: a seated stand and its concourse


def stadium() -> Venue:
    # Plan: pitch to the south (y < 0), the stand rakes up to the north, the concourse behind it.
    # Bays of 28 seats × 0.5 m = 14 m between 1.2 m radial gangways; 16 rows at 0.8 m pitch:
    # 0.45 m seatway clearway in front of a 0.35 m folded seat.
    # radial gangways at x 0–1.2, 15.2–16.4 and 30.4–31.6 m, between the bays
    bays = [(1.2, 15.2), (16.4, 30.4)]
    front, row_pitch, clear, rows = 1.5, 0.8, 0.45, 16
    rear0 = front + rows * row_pitch  # 14.3: rear lateral gangway, 1.5 m
    back = rear0 + 1.5  # 15.8: back wall of the stand
    voms = [(7.3, 9.1), (22.5, 24.3)]  # 1.8 m vomitories through the back wall, 3 m long
    conc0, conc1 = back + 3.0, back + 11.0  # concourse 8 m deep
    stand = rect(0.0, 0.0, 31.6, back)
    floor = shapely.union_all(
        [stand, *(rect(x0, back, x1, conc0) for x0, x1 in voms), rect(-6.0, conc0, 37.6, conc1)]
    )
    seats = [
        rect(x0, front + r * row_pitch + clear, x1, front + (r + 1) * row_pitch)
        for r in range(rows)
        for x0, x1 in bays
    ]
    seatways = {
        k: multi(
            rect(x0, front + r * row_pitch, x1, front + r * row_pitch + clear) for r in range(rows)
        )
        for k, (x0, x1) in enumerate(bays)
    }
    kiosks = [rect(3.0, conc1 - 1.8, 11.0, conc1), rect(20.6, conc1 - 1.8, 28.6, conc1)]
    exits = [
        (
            "gate-west",
            rect(-7.0, conc0 + 2.5, -6.0, conc0 + 5.5),
            "Concourse exit gate, west end: 3 m.",
        ),
        (
            "gate-east",
            rect(37.6, conc0 + 2.5, 38.6, conc0 + 5.5),
            "Concourse exit gate, east end: 3 m.",
        ),
        (
            "gate-rear",
            rect(14.0, conc1, 17.6, conc1 + 1.0),
            "Concourse exit gate to the street, rear wall: 3.6 m.",
        ),
        (
            "pitch-gate-west",
            rect(7.6, -1.0, 8.8, 0.0),
            "Gate in the pitch perimeter fence (1.2 m): the pitch is a place of safety.",
        ),
        (
            "pitch-gate-east",
            rect(22.8, -1.0, 24.0, 0.0),
            "Gate in the pitch perimeter fence (1.2 m).",
        ),
    ]
    seated_radius = {"distribution": "uniform", "min": 0.18, "max": 0.21}

    def crowd(premove_stand: Any, premove_conc: Any) -> Callable[[Layout], list[dict]]:
        def make(lay: Layout) -> list[dict]:
            return [
                people(
                    "stand-west-bay",
                    seatways[0],
                    320,
                    premovement=premove_stand,
                    radius=seated_radius,
                    spacing_m=0.0,
                    group_size=2,
                ),
                people(
                    "stand-east-bay",
                    seatways[1],
                    320,
                    premovement=premove_stand,
                    radius=seated_radius,
                    spacing_m=0.0,
                    group_size=2,
                ),
                people(
                    "concourse",
                    rect(-5.0, conc0 + 0.5, 36.6, conc1 - 2.3),
                    100,
                    premovement=premove_conc,
                ),
            ]

        return make

    obstacles = [
        (multi(seats), "Seat rows: 16 rows × 2 bays, each 14 m × 0.35 m (tip-up seats folded)."),
        (kiosks[0], "Food and drink kiosk, 8 m × 1.8 m."),
        (kiosks[1], "Food and drink kiosk, 8 m × 1.8 m."),
    ]
    layouts = [
        Layout(
            "a",
            "perimeter gates to the pitch locked, all egress through the two vomitories",
            closed_exits=("pitch-gate-west", "pitch-gate-east"),
        ),
        Layout("b", "perimeter gates to the pitch open (stewarded), the pitch a place of safety"),
    ]
    hazard = {
        "id": "fire",
        "kind": "hazard",
        "start_s": 0.0,
        "path": [[8.2, rear0 - 1.2]],
        "radius_m": 1.0,
        "growth_mps": 0.08,
        "max_radius_m": 12.0,
        "incapacitation_s": 30.0,
        "visual_range_m": 25.0,
        "auditory_range_m": 5.0,
        "intensity": 2.0,
    }
    situations = [
        Situation(
            "calm",
            "calm egress at full time",
            "640 spectators leave a 2-bay, 16-row stand at full time, 100 people in the"
            " concourse behind it; people get up over the first minute.",
            duration_s=360.0,
            populations=crowd(uniform(0.0, 60.0), uniform(0.0, 30.0)),
        ),
        Situation(
            "fire",
            "fire in the stand",
            "A fire starts under the seats at the back of the west bay (as at Bradford, 1985)"
            " and spreads (a hazard disc growing 0.08 m/s to 12 m); the alarm sounds at 30 s;"
            " at 90 s stewards shut the west concourse gate to keep the fire brigade's access"
            " clear.",
            duration_s=240.0,
            populations=crowd(uniform(0.0, 20.0), uniform(0.0, 20.0)),
            events=lambda lay: [
                {"time_s": 30.0, "action": "alarm", "text": "Fire alarm: evacuate the stand"},
                {
                    "time_s": 90.0,
                    "action": "close_exit",
                    "target": "gate-west",
                    "text": "West gate shut for the fire brigade",
                },
            ],
            threats=[hazard],
        ),
    ]
    return Venue(
        folder="stadium",
        name="Stadium stand and concourse",
        summary=(
            "One side of a football ground: a seated stand of 2 bays × 28 seats × 16 rows"
            " (896 seats, 640 occupied) between three 1.2 m radial gangways, front and rear"
            " lateral gangways, two 1.8 m vomitories into an 8 m concourse with kiosks, three"
            " exit gates (3 m, 3 m, 3.6 m) and two 1.2 m gates in the pitch perimeter fence."
            " Plan view: the rake of the stand is not modelled."
        ),
        walkable=floor,
        obstacles=obstacles,
        exits=exits,
        populations=crowd(uniform(0.0, 60.0), uniform(0.0, 30.0)),
        layouts=layouts,
        situations=situations,
        navigation_grid_m=0.1,
    )


# --------------------------------------------------------------------------------------------------
# 2. Public square with a Christmas market, open to vehicle traffic


def market() -> Venue:
    # Square 70 m × 40 m (y < 40), a 7 m carriageway and 2 m footway along its north side
    # (40 ≤ y ≤ 49) running on beyond the square; streets and lanes lead away.
    square = rect(0.0, 0.0, 70.0, 40.0)
    road = rect(-10.0, 40.0, 80.0, 49.0)
    floor = shapely.union_all([square, road])
    groups = [(5.0, 17.0), (20.0, 32.0), (38.0, 50.0), (53.0, 65.0)]  # 4 chalets of 3 m each

    def chalet_row(y0: float, depth: float) -> shapely.MultiPolygon:
        # a group of four huts side by side is one 12 m block (people cannot pass between them)
        return multi(rect(x0, y0, x1, y0 + depth) for x0, x1 in groups)

    obstacles = [
        (
            chalet_row(32.0, 2.5),
            "North row of chalets: 16 wooden huts 3 m × 2.5 m in groups of"
            " four, 3 m and 6 m fire-brigade gaps between groups.",
        ),
        (chalet_row(21.0, 5.0), "Middle double row: back-to-back chalets, 3 m × 5 m per pair."),
        (chalet_row(12.5, 2.5), "South row of chalets, facing north."),
        (rect(14.0, 4.0, 20.0, 8.0), "Mulled-wine bar, 6 m × 4 m."),
        (disc(35.0, 6.0, 2.5, 16), "Christmas tree on a 5 m plinth."),
    ]
    exits = [
        (
            "road-west",
            rect(-11.0, 40.0, -10.0, 49.0),
            "The road and footway, 150 m on to the west.",
        ),
        ("road-east", rect(80.0, 40.0, 81.0, 49.0), "The road and footway to the east."),
        ("street-southwest", rect(2.0, -1.0, 10.0, 0.0), "Street leaving the square: 8 m."),
        ("street-southeast", rect(60.0, -1.0, 68.0, 0.0), "Street leaving the square: 8 m."),
        ("lane-west", rect(-1.0, 15.0, 0.0, 20.0), "Lane between buildings: 5 m."),
        ("lane-east", rect(70.0, 15.0, 71.0, 20.0), "Lane between buildings: 5 m."),
    ]
    # Hostile-vehicle line 0.5–1 m inside the kerb (y = 40) along the whole frontage.
    planters = multi(rect(x, 38.9, x + 1.5, 39.7) for x in [1.0 + 4.0 * k for k in range(17)])
    pitch = 1.5  # 0.3 m bollards at 1.5 m centres: 1.2 m air gaps
    bollards = multi(disc(0.75 + pitch * k, 39.25, 0.15, 12) for k in range(47))
    layouts = [
        Layout(
            "a",
            "unrated concrete planters (1.5 m × 0.8 m, 2.5 m apart) along the kerb",
            barriers=[{"id": "planters", "geometry": wkt(planters), "rating": "none"}],
            notes={
                "barriers.planters": "17 decorative planters, not crash-tested: a lorry"
                " drives through them (rating none)."
            },
        ),
        Layout(
            "b",
            "N2-rated bollards (IWA 14-1 / PAS 68, 7.2 t at 48 km/h) at 1.2 m air gaps"
            " along the kerb",
            barriers=[{"id": "hvm-bollards", "geometry": wkt(bollards), "rating": "N2"}],
            notes={
                "barriers.hvm-bollards": "47 crash-rated bollards, 0.3 m wide at 1.5 m"
                " centres: 1.2 m air gaps (NPSA/CPNI maximum) that people pass and a vehicle"
                " cannot."
            },
        ),
    ]
    aisle_n, aisle_s = rect(3.0, 26.3, 67.0, 31.7), rect(3.0, 15.3, 67.0, 20.7)
    south, frontage = rect(2.0, 1.0, 68.0, 11.5), rect(2.0, 35.0, 68.0, 38.3)

    def crowd(premove: Any) -> Callable[[Layout], list[dict]]:
        def make(lay: Layout) -> list[dict]:
            return [
                people("north-aisle", aisle_n, 330, premovement=premove, group_size=3),
                people("south-aisle", aisle_s, 300, premovement=premove, group_size=3),
                people(
                    "south-square",
                    south.difference(shapely.union_all([obstacles[3][0], obstacles[4][0]])),
                    330,
                    premovement=premove,
                    group_size=3,
                ),
                people("kerbside", frontage, 120, premovement=premove, group_size=2),
            ]

        return make

    lorry = {
        "id": "lorry",
        "kind": "vehicle",
        "vehicle_class": "N2",
        "start_s": 5.0,
        "speed_mps": 11.0,
        "length_m": 8.0,
        "width_m": 2.5,
        # along the road from the west, a swerve across the kerb at x = 18 m (between two
        # bollards in layout B), through the 3 m fire-brigade gap between chalet groups into the
        # north aisle, then east along it
        "path": [
            [-40.0, 44.5],
            [9.25, 44.5],
            [18.0, 39.25],
            [18.5, 31.0],
            [24.0, 29.0],
            [64.0, 29.0],
        ],
    }
    situations = [
        Situation(
            "calm",
            "calm clearance",
            "1,080 visitors clear the market after an announcement (a suspicious item reported"
            " in the east lane, which police close at 30 s); visitors start within a minute.",
            duration_s=300.0,
            populations=crowd(uniform(0.0, 60.0)),
            events=lambda lay: [
                {"time_s": 0.0, "action": "alarm", "text": "Announcement: please leave the market"},
                {
                    "time_s": 30.0,
                    "action": "close_exit",
                    "target": "lane-east",
                    "text": "Police close the east lane",
                },
            ],
        ),
        Situation(
            "vehicle",
            "vehicle ramming attack",
            "An N2 lorry (8 m × 2.5 m, 11 m/s ≈ 40 km/h) leaves the road at 5 s + 4.5 s, crosses"
            " the kerb and drives into the north aisle (as at Berlin, 2016); visitors flee when"
            " they see or hear it; the announcement comes at 30 s and at 60 s police put a"
            " cordon across the road west of the square.",
            duration_s=240.0,
            populations=crowd(uniform(30.0, 90.0)),
            events=lambda lay: [
                {"time_s": 30.0, "action": "alarm", "text": "Announcement: leave the market"},
                {
                    "time_s": 60.0,
                    "action": "add_barrier",
                    "target": "police-cordon",
                    "text": "Police cordon across the road, west of the square",
                },
            ],
            barriers=[
                {
                    "id": "police-cordon",
                    "geometry": wkt(shapely.LineString([(-4.0, 40.0), (-4.0, 49.0)])),
                    "thickness_m": 0.1,
                    "active": False,
                }
            ],
            notes={
                "barriers.police-cordon": "Police tape across the road and footway, 4 m west of"
                " the square: not there at the start, put up by the event at 60 s."
            },
            threats=[lorry],
        ),
    ]
    return Venue(
        folder="market",
        name="Christmas market on a town square",
        summary=(
            "A 70 m × 40 m town square with a Christmas market (three rows of wooden chalets,"
            " 3 m × 2.5 m, in groups of four, 6 m aisles, 3–6 m fire-brigade gaps), a"
            " mulled-wine bar and a tree; a two-lane road (7 m carriageway + 2 m footway) runs"
            " open to traffic along the north side. Six ways out: the road both ways, two 8 m"
            " streets, two 5 m lanes. The layouts differ only in the hostile-vehicle line along"
            " the kerb."
        ),
        walkable=floor,
        obstacles=obstacles,
        exits=exits,
        populations=crowd(uniform(0.0, 60.0)),
        layouts=layouts,
        situations=situations,
    )


# --------------------------------------------------------------------------------------------------
# 3. School: a single-storey teaching wing


def school() -> Venue:
    # A 2.4 m double-loaded corridor (y 7.5–9.9) between two rows of six classrooms, 0.2 m walls.
    # Classrooms 7.8 m × 7.3 m = 57 m² for 30 pupils; 0.9 m doors; a lobby to the playground.
    xs = [(0.0, 8.0), (8.0, 16.0), (16.0, 24.0), (27.0, 35.0), (35.0, 43.0), (43.0, 51.0)]
    south_y, north_y = (0.0, 7.3), (10.1, 17.4)
    corridor = rect(0.0, 7.5, 51.0, 9.9)
    lobby = rect(24.1, 0.0, 26.9, 7.5)  # entrance lobby to the playground, 2.8 m wide
    rooms, doors, desks, fronts = [], [], [], []
    for y0, y1 in (south_y, north_y):
        south = y0 == 0.0
        for x0, x1 in xs:
            room = rect(x0 + 0.1, y0, x1 - 0.1, y1)
            rooms.append(room)
            # door at the east end of the room's corridor wall, through the 0.2 m wall
            dx = x0 + 6.0
            doors.append(rect(dx, 7.3, dx + 0.9, 7.5) if south else rect(dx, 9.9, dx + 0.9, 10.1))
            # 5 rows × 3 columns of double desks (1.2 m × 0.6 m), 1.2 m row pitch, front at
            # the corridor side (1.3 m teaching space in front of the first row)
            for r in range(5):
                for c in range(3):
                    cx = x0 + 0.1 + 1.05 + c * 2.25
                    yy = (y1 - 1.3 - 0.6 - r * 1.2) if south else (y0 + 1.3 + r * 1.2)
                    desks.append(rect(cx, yy, cx + 1.2, yy + 0.6))
            fy = (y1 - 0.7) if south else (y0 + 0.7)
            fronts.append((round(x0 + 5.0, 3), round(fy, 3)))
    floor = shapely.union_all([corridor, lobby, *rooms, *doors])
    desk_area = shapely.union_all(desks)
    exits = [
        ("west-doors", rect(-1.0, 7.8, 0.0, 9.6), "Corridor end, west: 1.8 m double doors."),
        ("east-doors", rect(51.0, 7.8, 52.0, 9.6), "Corridor end, east: 1.8 m double doors."),
        (
            "playground-doors",
            rect(24.6, -1.0, 26.4, 0.0),
            "Lobby doors to the playground: 1.8 m double doors.",
        ),
    ]
    lockers = multi(rect(x0 + 0.3, 9.45, x0 + 5.7, 9.9) for x0, _ in xs)  # west of each door
    layouts = [
        Layout(
            "a",
            "as found: lockers along the north corridor wall, playground doors kept locked"
            " for safeguarding",
            closed_exits=("playground-doors",),
            barriers=[{"id": "lockers", "geometry": wkt(lockers)}],
            notes={
                "barriers.lockers": "Pupil lockers, 0.45 m deep, 5.4 m runs along the north"
                " corridor wall between doors: the corridor is 1.95 m wide there."
            },
        ),
        Layout(
            "b",
            "lockers moved into the classrooms' store, playground doors on a hold-open"
            " released by the fire alarm",
        ),
    ]
    pupil_speed = {"distribution": "normal", "mean": 1.3, "std": 0.25, "min": 0.6, "max": 2.0}
    pupil_radius = {"distribution": "uniform", "min": 0.18, "max": 0.23}

    def crowd(premove: Any) -> Callable[[Layout], list[dict]]:
        def make(lay: Layout) -> list[dict]:
            return [
                people(
                    "pupils",
                    multi(rooms).difference(desk_area),
                    360,
                    premovement=premove,
                    speed=pupil_speed,
                    radius=pupil_radius,
                    group_size=2,
                    openness=0.9,
                ),
                {
                    "id": "teachers",
                    "positions": [list(p) for p in fronts],
                    "desired_speed_mps": ADULT_SPEED,
                    "radius_m": 0.22,
                    "premovement_s": uniform(0.0, 5.0),
                    "openness": 0.5,
                },
            ]

        return make

    fire = {
        "id": "fire",
        "kind": "hazard",
        "start_s": 0.0,
        "path": [[1.5, 8.7]],
        "radius_m": 1.0,
        "growth_mps": 0.04,
        "max_radius_m": 4.5,
        "incapacitation_s": 30.0,
        "visual_range_m": 20.0,
        "auditory_range_m": 3.0,
        "intensity": 2.0,
    }
    situations = [
        Situation(
            "calm",
            "fire drill",
            "Fire drill: the alarm sounds at 5 s; 12 classes of 30 leave with their teachers"
            " (pupils within 5–25 s of the alarm).",
            duration_s=240.0,
            populations=crowd(uniform(5.0, 25.0)),
            events=lambda lay: [{"time_s": 5.0, "action": "alarm", "text": "Fire alarm"}],
        ),
        Situation(
            "fire",
            "fire in the west corridor",
            "A fire at the west end of the corridor (a store cupboard) spreads smoke along it"
            " (hazard disc growing 0.04 m/s to 4.5 m); the alarm sounds at 20 s and at 45 s the"
            " west doors are lost to the smoke.",
            duration_s=240.0,
            populations=crowd(uniform(5.0, 25.0)),
            events=lambda lay: [
                {"time_s": 20.0, "action": "alarm", "text": "Fire alarm"},
                {
                    "time_s": 45.0,
                    "action": "close_exit",
                    "target": "west-doors",
                    "text": "Smoke at the west doors",
                },
            ],
            threats=[fire],
        ),
    ]
    return Venue(
        folder="school",
        name="Secondary school teaching wing",
        summary=(
            "A single-storey teaching wing: twelve 57 m² classrooms (30 pupils each at 15"
            " double desks) on both sides of a 51 m × 2.4 m corridor, 0.9 m classroom doors,"
            " 1.8 m double doors at both corridor ends and from the entrance lobby to the"
            " playground. 360 pupils and 12 teachers."
        ),
        walkable=floor,
        obstacles=[(desk_area, "Double desks, 1.2 m × 0.6 m, 5 rows × 3 per classroom.")],
        exits=exits,
        populations=crowd(uniform(5.0, 25.0)),
        layouts=layouts,
        situations=situations,
        navigation_grid_m=0.15,
    )


# --------------------------------------------------------------------------------------------------
# 4. Transport station: a rail concourse with a ticket gateline


def station() -> Venue:
    # Concourse 60 m × 24 m; street side to the south (y < 10), gateline at y 10–11.5, platform
    # side to the north with three stairwells down to the platforms.
    hall = rect(0.0, 0.0, 60.0, 24.0)
    stairwells = [rect(x, 15.0, x + 4.0, 23.0) for x in (8.0, 28.0, 48.0)]
    obstacles = [
        (multi(stairwells), "Stairwells down to the platforms (4 m × 8 m voids with balustrades)."),
        (rect(2.0, 0.0, 10.0, 4.0), "Ticket office."),
        (rect(15.0, 2.0, 21.0, 2.8), "Ticket machines."),
        (rect(40.0, 19.0, 46.0, 24.0), "Coffee shop."),
        (rect(50.0, 0.0, 58.0, 3.5), "Newsagent."),
    ]
    gy0, gy1 = 10.0, 11.5
    # gate array: 13 cabinets 0.25 m wide, 10 standard aisles 0.55 m, 2 wide aisles 0.95 m
    widths = [0.95] + [0.55] * 10 + [0.95]
    total = 13 * 0.25 + sum(widths)
    x = 30.0 - total / 2.0
    cabinets = []
    for w in [*widths, None]:
        cabinets.append(rect(x, gy0, x + 0.25, gy1))
        x += 0.25 + (w or 0.0)
    a0, a1 = 30.0 - total / 2.0, 30.0 + total / 2.0
    exits = [
        (
            "main-entrance",
            rect(26.0, -1.0, 34.0, 0.0),
            "Main entrance, south façade: 8 m of doors.",
        ),
        ("west-entrance", rect(-1.0, 4.5, 0.0, 8.5), "Side entrance from the taxi rank: 4 m."),
        ("east-entrance", rect(60.0, 4.5, 61.0, 8.5), "Entrance from the bus interchange: 4 m."),
    ]

    def fence(gaps: list[tuple[float, float]]) -> shapely.Geometry:
        line = shapely.union_all([rect(0.0, 10.6, a0, 10.9), rect(a1, 10.6, 60.0, 10.9)])
        for g0, g1 in gaps:
            line = line.difference(rect(g0, 10.0, g1, 11.5))
        return line

    gate_note = (
        "Ticket gates: 13 cabinets (0.25 m × 1.5 m), 10 standard aisles of 0.55 m and 2"
        " wide aisles of 0.95 m; in an emergency the paddles are open."
    )
    layouts = [
        Layout(
            "a",
            "gateline fence continuous: everyone crosses through the 12 open gate aisles",
            barriers=[
                {"id": "gates", "geometry": wkt(multi(cabinets))},
                {"id": "gateline-fence", "geometry": wkt(fence([]))},
            ],
            notes={
                "barriers.gates": gate_note,
                "barriers.gateline-fence": "Glazed fence, 0.3 m, from the walls to the gates.",
            },
        ),
        Layout(
            "b",
            "two 2.4 m emergency gates in the gateline fence, opened on the alarm",
            barriers=[
                {"id": "gates", "geometry": wkt(multi(cabinets))},
                {"id": "gateline-fence", "geometry": wkt(fence([(5.0, 7.4), (52.6, 55.0)]))},
            ],
            notes={
                "barriers.gates": gate_note,
                "barriers.gateline-fence": "Glazed fence, 0.3 m, with two 2.4 m emergency"
                " gates (open).",
            },
        ),
    ]
    arrivals = multi(rect(x - 1.0, 12.0, x + 5.0, 14.8) for x in (8.0, 28.0, 48.0))
    platform_side = rect(1.0, 12.0, 59.0, 23.5).difference(
        shapely.union_all([*stairwells, obstacles[3][0], arrivals]).buffer(0.3)
    )
    street_side = rect(1.0, 4.5, 59.0, 9.5).difference(obstacles[2][0].buffer(0.3))

    def crowd(premove: Any, *, arrive: Any) -> Callable[[Layout], list[dict]]:
        def make(lay: Layout) -> list[dict]:
            return [
                people("waiting", platform_side, 350, premovement=premove, group_size=2),
                people("street-side", street_side, 220, premovement=premove),
                people("off-the-train", arrivals, 90, premovement=arrive),
            ]

        return make

    attacker = {
        "id": "attacker",
        "kind": "knife",
        "start_s": 10.0,
        "end_s": 100.0,
        "path": [[30.0, 14.0]],
        "pursue": True,
        "speed_mps": 2.5,
        "reach_m": 1.5,
        "attack_rate_per_s": 0.3,
        "hit_probability": 0.5,
    }
    situations = [
        Situation(
            "calm",
            "alarm evacuation",
            "A fire alarm at the evening peak: 570 people on the concourse and 90 just off a"
            " train leave for the street; the gate paddles open on the alarm (t = 0).",
            duration_s=300.0,
            populations=crowd(uniform(0.0, 45.0), arrive=uniform(0.0, 30.0)),
            events=lambda lay: [{"time_s": 0.0, "action": "alarm", "text": "Fire alarm"}],
        ),
        Situation(
            "knife",
            "knife attack",
            "A knife attacker comes up from the platforms at 10 s and chases people on the"
            " platform side until armed police stop him at 100 s; staff raise the alarm at 30 s"
            " and police hold the east entrance from 60 s.",
            duration_s=300.0,
            populations=crowd(uniform(0.0, 45.0), arrive=uniform(0.0, 30.0)),
            events=lambda lay: [
                {"time_s": 30.0, "action": "alarm", "text": "Evacuate the station"},
                {
                    "time_s": 60.0,
                    "action": "close_exit",
                    "target": "east-entrance",
                    "text": "Police hold the east entrance",
                },
            ],
            threats=[attacker],
        ),
    ]
    return Venue(
        folder="station",
        name="Railway station concourse",
        summary=(
            "A 60 m × 24 m station concourse: platform side with three stairwells, a 12-aisle"
            " ticket gateline across the hall, street side with ticket office and shops; exits"
            " to the street (8 m), the taxi rank (4 m) and the bus interchange (4 m)."
        ),
        walkable=hall,
        obstacles=obstacles,
        exits=exits,
        populations=crowd(uniform(0.0, 45.0), arrive=uniform(0.0, 30.0)),
        layouts=layouts,
        situations=situations,
        navigation_grid_m=0.1,
    )


# --------------------------------------------------------------------------------------------------
# 5. Shopping mall: a galleria with shop units


def mall() -> Venue:
    # Mall street 90 m × 12 m (y 10–22); shop units 9 m wide on both sides (south 10 m deep,
    # north 12 m), 0.2 m party walls, 5 m open shopfronts; main entrances at both ends.
    street = rect(0.0, 10.0, 90.0, 22.0)
    units, fronts = [], []
    for k in range(10):
        x0 = 9.0 * k
        if k == 4:
            continue  # south slot 4 is the fire-escape passage
        units.append(rect(x0 + 0.1, 0.0, x0 + 8.9, 9.8))
        fronts.append(rect(x0 + 2.0, 9.8, x0 + 7.0, 10.0))
    for k in range(10):
        x0 = 9.0 * k
        units.append(rect(x0 + 0.1, 22.2, x0 + 8.9, 34.0))
        fronts.append(rect(x0 + 2.0, 22.0, x0 + 7.0, 22.2))
    passage = rect(39.5, 0.0, 41.5, 10.0)  # 2 m fire-escape passage to the service yard
    floor = shapely.union_all([street, *units, *fronts, passage])
    kiosks = [rect(x - 1.5, 14.5, x + 1.5, 17.5) for x in (20.0, 45.0, 70.0)]
    exits = [
        ("west-entrance", rect(-1.0, 13.0, 0.0, 19.0), "Main entrance, west: 6 m of doors."),
        ("east-entrance", rect(90.0, 13.0, 91.0, 19.0), "Main entrance, east: 6 m of doors."),
        (
            "fire-exit-south",
            rect(39.5, -1.0, 41.5, 0.0),
            "Fire exit at the end of the 2 m passage.",
        ),
        (
            "fire-exit-north-1",
            rect(22.4, 34.0, 23.6, 35.0),
            "Fire exit at the back of shop unit N3: 1.2 m door.",
        ),
        (
            "fire-exit-north-2",
            rect(67.4, 34.0, 68.6, 35.0),
            "Fire exit at the back of shop unit N8: 1.2 m door.",
        ),
    ]
    fire_exits = ("fire-exit-south", "fire-exit-north-1", "fire-exit-north-2")
    layouts = [
        Layout(
            "a",
            "fire exits chained shut (found locked during trading hours)",
            closed_exits=fire_exits,
        ),
        Layout("b", "fire exits free, as the law requires"),
    ]
    mall_people = rect(1.0, 10.5, 89.0, 21.5).difference(shapely.union_all(kiosks).buffer(0.3))

    def crowd(premove_mall: Any, premove_shops: Any) -> Callable[[Layout], list[dict]]:
        def make(lay: Layout) -> list[dict]:
            return [
                people("mall", mall_people, 260, premovement=premove_mall, group_size=2),
                people("in-shops", multi(units), 228, premovement=premove_shops, group_size=2),
            ]

        return make

    shooter = {
        "id": "gunman",
        "kind": "firearm",
        "start_s": 10.0,
        "end_s": 150.0,
        "path": [[1.0, 16.0], [88.0, 16.0]],
        "speed_mps": 1.0,
        "attack_rate_per_s": 0.5,
        "hit_probability": 0.5,
        "range_scale_m": 15.0,
    }
    situations = [
        Situation(
            "calm",
            "fire alarm",
            "A fire alarm during trading hours: 260 shoppers in the mall street and 228 in 19"
            " shops leave (shoppers in shops react later).",
            duration_s=300.0,
            populations=crowd(uniform(0.0, 30.0), uniform(10.0, 60.0)),
            events=lambda lay: [{"time_s": 0.0, "action": "alarm", "text": "Fire alarm"}],
        ),
        Situation(
            "firearm",
            "active shooter",
            "A gunman enters by the west entrance at 10 s and walks east along the mall"
            " (1 m/s, a shot every 2 s at the nearest person in sight) until armed police stop"
            " him at 150 s; the public-address alarm comes at 25 s.",
            duration_s=300.0,
            populations=crowd(uniform(0.0, 30.0), uniform(10.0, 60.0)),
            events=lambda lay: [
                {"time_s": 25.0, "action": "alarm", "text": "Lockdown / evacuate announcement"}
            ],
            threats=[shooter],
        ),
    ]
    return Venue(
        folder="mall",
        name="Shopping mall galleria",
        summary=(
            "A 90 m × 12 m mall street with 19 shop units (9 m wide, 10–12 m deep, 5 m open"
            " shopfronts) and three kiosks; 6 m entrances at both ends, a 2 m fire-escape"
            " passage to the south and two 1.2 m fire doors at the back of north units."
        ),
        walkable=floor,
        obstacles=[(k, "Kiosk, 3 m × 3 m.") for k in kiosks],
        exits=exits,
        populations=crowd(uniform(0.0, 30.0), uniform(10.0, 60.0)),
        layouts=layouts,
        situations=situations,
        navigation_grid_m=0.2,
    )


VENUES: dict[str, Callable[[], Venue]] = {
    "stadium": stadium,
    "market": market,
    "school": school,
    "station": station,
    "mall": mall,
}


def render_all() -> dict[Path, str]:
    """Path → TOML text of every venue file."""
    out = {}
    for folder, make in VENUES.items():
        venue = make()
        for name, text in venue.files().items():
            out[HERE / folder / name] = text
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the files are current")
    parser.add_argument("venues", nargs="*", help="venue folders (default: all)")
    args = parser.parse_args(argv)
    stale = []
    for path, text in render_all().items():
        if args.venues and path.parent.name not in args.venues:
            continue
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path.relative_to(HERE)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())

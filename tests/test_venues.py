"""The bundled venue library: every file loads cleanly, layouts compare like for like, the files
match their generator, and a venue runs."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import shapely

import scenarios
from scenarios.build import build
from scenarios.catalog import LIBRARY_DIR

VENUES_DIR = LIBRARY_DIR / "venues"
ALL_FILES = sorted(LIBRARY_DIR.rglob("*.toml"))
VENUE_FILES = sorted(VENUES_DIR.glob("*/layout-*.toml"))
VENUES = sorted({p.parent.name for p in VENUE_FILES})


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"_venues_{name}", VENUES_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


def _rel(p: Path) -> str:
    return str(p.relative_to(LIBRARY_DIR))


def test_the_library_has_the_venues_the_mission_names():
    assert set(VENUES) >= {"stadium", "mall", "school", "station", "market"}
    for venue in VENUES:
        files = {p.stem for p in VENUES_DIR.joinpath(venue).glob("layout-*.toml")}
        layouts = {f.split("-")[1] for f in files}
        situations = {f.split("-", 2)[2] for f in files}
        assert len(layouts) >= 2, venue
        assert "calm" in situations and len(situations) >= 2, venue
        assert files == {f"layout-{lay}-{sit}" for lay in layouts for sit in situations}, venue
        assert (VENUES_DIR / venue / "README.md").is_file(), venue


@pytest.mark.parametrize("path", ALL_FILES, ids=_rel)
def test_every_library_scenario_loads(path: Path):
    scenario, warnings = scenarios.load_with_issues(path)
    assert scenario.populations
    if path.parent.parent == VENUES_DIR:
        # venue files are written to load without warnings; a warning here is a mistake
        assert warnings == [], [str(w) for w in warnings]
        n = sum(p.n_agents for p in scenario.populations)
        assert 300 <= n <= 2000, "keep venue scenarios runnable in well under a minute"


@pytest.mark.parametrize("venue", VENUES)
def test_layout_variants_share_the_venue(venue: str):
    """Layouts differ in exits (open or closed) and barriers only; situations in what happens."""
    loaded = {p.stem: scenarios.load(p) for p in VENUES_DIR.joinpath(venue).glob("layout-*.toml")}
    first = next(iter(loaded.values()))
    outline = first.geometry.walkable_shape()
    for name, s in loaded.items():
        assert s.geometry == first.geometry, name
        assert shapely.equals(s.geometry.walkable_shape(), outline), name
        assert [(e.id, e.area) for e in s.exits] == [(e.id, e.area) for e in first.exits], name
    by_situation: dict[str, list] = {}
    for name, s in loaded.items():
        by_situation.setdefault(name.split("-", 2)[2], []).append(s)
    for variants in by_situation.values():
        same = [
            v.model_dump(exclude={"name", "description", "exits", "barriers"}) for v in variants
        ]
        assert all(d == same[0] for d in same)
        kinds = {(tuple(e.open for e in v.exits), tuple(v.barriers)) for v in variants}
        assert len(kinds) == len(variants), "two layouts of the venue are identical"


def test_venue_files_match_their_generator():
    generate = _module("generate")
    stale = [
        _rel(path)
        for path, text in generate.render_all().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run python scenarios/library/venues/generate.py"


def test_results_table_lists_every_venue_scenario():
    text = (VENUES_DIR / "RESULTS.md").read_text(encoding="utf-8")
    for venue in VENUES:
        assert f"<!-- venue: {venue} -->" in text
        section = text.split(f"<!-- venue: {venue} -->", 1)[1].split("<!-- venue:", 1)[0]
        for p in VENUES_DIR.joinpath(venue).glob("layout-*.toml"):
            layout, situation = p.stem.removeprefix("layout-").split("-", 1)
            assert f"| {layout.upper()} | {situation} |" in section, p.name


def test_results_row_formatting():
    run_all = _module("run_all")
    summary = {
        "agents_total": 10, "agents_evacuated": 7, "agents_remaining": 0,
        "evacuation_time_s": None, "simulated_s": 60.0,
        "exits": {"a": {"count": 7, "first_s": 1.0, "last_s": 42.4},
                  "b": {"count": 0, "first_s": None, "last_s": None}},
        "casualties": {"vehicle": 3}, "cpu_s": 5.2,
        "density": {"peak_persons_per_m2": 4.0, "above_4_per_m2": {"cell_seconds": 1.5}},
    }  # fmt: skip
    row = run_all._row(Path("layout-b-vehicle.toml"), summary)
    assert row == ("| B | vehicle | 7 / 10 | 42 s (all but the harmed) | vehicle 3 | 4 | 2 | a 7"
                   " | 5 s |")  # fmt: skip


def test_a_school_fire_drill_runs_for_a_few_seconds():
    scenario = scenarios.load(VENUES_DIR / "school" / "layout-b-calm.toml")
    sim = build(scenario).simulation
    floor = scenario.walkable_area()
    n = sim.crowd.n
    sim.step(round(8.0 / sim.dt_s))
    c = sim.crowd
    assert c.n == n == 372
    assert np.isfinite(c.pos).all() and np.isfinite(c.vel).all()
    moving = c.active & ~c.harmed
    assert shapely.contains_xy(floor, c.pos[moving, 0], c.pos[moving, 1]).all()
    assert np.hypot(c.vel[:, 0], c.vel[:, 1]).max() > 0.3  # the alarm at 5 s set people moving


@pytest.mark.parametrize(("layout", "stopped"), [("a", False), ("b", True)])
def test_market_bollards_stop_the_lorry_and_planters_do_not(layout: str, stopped: bool):
    scenario = scenarios.load(VENUES_DIR / "market" / f"layout-{layout}-vehicle.toml")
    sim = build(scenario).simulation
    sim.step(round(15.0 / sim.dt_s))  # 10 s of driving: 50 m of road, then the square
    ((_x, y),) = sim.threats.positions()
    kerb = 40.0
    if stopped:
        assert y > kerb - 1.0 - 4.0  # its centre half a lorry length before the bollard line
    else:
        assert y < 32.0  # through the planters, into the north aisle


def test_venue_scenario_files_are_commented():
    for path in VENUE_FILES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# CrowdSafe venue library: "), path.name
        assert tomllib.loads(text)["schema_version"] == 1

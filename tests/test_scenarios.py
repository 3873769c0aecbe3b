"""Scenario format, loader errors, semantic checks, distributions, JSON Schema, bundled venues.

Every error test writes a broken file and asserts the file, the field and the key words of the
fix, so a change that makes a message less useful fails here.
"""

from __future__ import annotations

import json
import logging
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

import scenarios
from scenarios import Issue, Severity
from scenarios.distributions import Gamma, LogNormal, Normal, Uniform, Weibull
from scenarios.migrations import MIGRATIONS, migrate
from scenarios.schema import SCHEMA_PATH, json_schema_text
from simcore.errors import GeometryError, ScenarioError

# A valid scenario; each error test breaks one thing in it. A 10 m × 10 m room with a 1 m × 5 m
# corridor to the east exit.
BASE = """\
schema_version = 1
name = "Bottleneck 1 m"
duration_s = 300.0
dt_s = 0.01
record_fps = 10

[geometry]
walkable = "POLYGON ((0 0, 10 0, 10 4.5, 15 4.5, 15 5.5, 10 5.5, 10 10, 0 10, 0 0))"
obstacles = ["POLYGON ((4 4, 5 4, 5 5, 4 5, 4 4))"]

[[exits]]
id = "east"
area = "POLYGON ((14.5 4.5, 15 4.5, 15 5.5, 14.5 5.5, 14.5 4.5))"

[[barriers]]
id = "planters"
geometry = "LINESTRING (2 8.5, 6 8.5)"
thickness_m = 0.4

[[populations]]
id = "visitors"
area = "POLYGON ((0.5 0.5, 9.5 0.5, 9.5 3.5, 0.5 3.5, 0.5 0.5))"
count = 50
desired_speed_mps = { distribution = "normal", mean = 1.34, std = 0.26, min = 0.5, max = 2.0 }
radius_m = 0.2
premovement_s = { distribution = "uniform", min = 0.0, max = 10.0 }
exits = ["east"]
"""

SPAWN = 'area = "POLYGON ((0.5 0.5, 9.5 0.5, 9.5 3.5, 0.5 3.5, 0.5 0.5))"\ncount = 50'
OBSTACLE = "POLYGON ((4 4, 5 4, 5 5, 4 5, 4 4))"
EXIT = "POLYGON ((14.5 4.5, 15 4.5, 15 5.5, 14.5 5.5, 14.5 4.5))"
BARRIER = "LINESTRING (2 8.5, 6 8.5)"
SPEED = '{ distribution = "normal", mean = 1.34, std = 0.26, min = 0.5, max = 2.0 }'
BAD_DIR = Path(__file__).parent / "data" / "bad"


def broken(old: str, new: str, text: str = BASE) -> str:
    """``text`` with exactly one occurrence of ``old`` replaced (fails loudly if absent)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def load_error(tmp_path: Path, text: str, *, name: str = "venue.toml") -> ScenarioError:
    """Write ``text`` to a file, load it, and return the error (which must name the file)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        scenarios.load(path)
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


# --------------------------------------------------------------------------------------------------
# Valid files


def test_base_scenario_loads_without_issues(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(BASE)
    scenario, warnings = scenarios.load_with_issues(path)
    assert warnings == []
    assert scenario.populations[0].count == 50
    assert scenario.exit_ids == ["east"]


def test_default_venue_loads_cleanly_and_is_realistic() -> None:
    assert "default" in scenarios.list_library()
    scenario, warnings = scenarios.load_with_issues(scenarios.library_path())
    assert warnings == []
    floor = scenario.walkable_area()
    x0, y0, x1, y1 = scenario.geometry.walkable_shape().bounds
    assert 30 <= x1 - x0 <= 50 and 20 <= y1 - y0 <= 30
    assert len(scenario.exits) >= 2 and (scenario.geometry.obstacles or scenario.barriers)
    for e in scenario.exits:  # door width = where the exit strip meets the floor
        door = e.shape().boundary.intersection(floor.difference(e.shape())).length
        assert 2.0 <= door <= 4.0, (e.id, door)
    agents = scenarios.spawn_agents(scenario)
    assert 200 <= len(agents) <= 500
    assert agents.desired_speed_mps.min() >= 0.5 and agents.desired_speed_mps.max() <= 2.0
    assert abs(agents.desired_speed_mps.mean() - 1.34) < 0.05
    assert agents.premovement_s.max() < scenario.duration_s


def test_readme_example_loads() -> None:
    readme = (scenarios.library_path().parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## Example.*?```toml\n(.*?)```", readme, re.S)
    assert example is not None
    scenario, warnings = scenarios.loads_with_issues(example.group(1), fmt="toml")
    assert warnings == []
    assert scenario.name == "Bottleneck 1 m"


def test_library_path_unknown_name_suggests() -> None:
    with pytest.raises(ScenarioError, match=r"did you mean 'default'\?"):
        scenarios.library_path("defualt")


def test_json_is_accepted_and_equivalent_to_toml(tmp_path: Path) -> None:
    for text in (BASE, scenarios.library_path().read_text(encoding="utf-8")):
        toml_path = tmp_path / "a.toml"
        json_path = tmp_path / "a.json"
        toml_path.write_text(text, encoding="utf-8")
        json_path.write_text(json.dumps(tomllib.loads(text)), encoding="utf-8")
        from_toml = scenarios.load(toml_path)
        from_json = scenarios.load(json_path)
        assert from_json == from_toml
        assert from_json.walkable_area().equals(from_toml.walkable_area())


def test_loads_and_load_agree(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(BASE)
    assert scenarios.loads(BASE, fmt="toml") == scenarios.load(path)


def test_scenario_is_frozen_and_rejects_unknown_attributes() -> None:
    scenario = scenarios.loads(BASE, fmt="toml")
    with pytest.raises(Exception, match="frozen"):
        scenario.duration_s = 10.0  # type: ignore[misc]


def test_additions_parse(tmp_path: Path) -> None:
    text = (
        BASE.replace("record_fps = 10", "record_fps = 10\nseed = 7")
        + '\n[model]\nparameter_set = "panic"\nanisotropy = 0.5\nmax_speed_factor = 1.3\n'
        + "\n[navigation]\ngrid_m = 0.2\n"
    )
    text = broken(
        'exits = ["east"]', 'exits = ["east"]\nspacing_m = 0.2\nmodel = { tau_s = 0.8 }', text
    )
    scenario = scenarios.loads(broken("count = 50", "count = 30", text), fmt="toml")
    pop = scenario.populations[0]
    assert scenario.seed == 7 and scenario.navigation.grid_m == 0.2 and pop.spacing_m == 0.2
    assert scenario.parameter_set(pop) == scenarios.ParameterSet.PANIC
    assert scenario.model_overrides(pop) == {
        "anisotropy": 0.5,
        "max_speed_factor": 1.3,
        "tau_s": 0.8,
    }
    assert scenario.model_overrides() == {"anisotropy": 0.5, "max_speed_factor": 1.3}


def test_walkable_area_is_walkable_plus_exits_minus_obstacles_and_barriers() -> None:
    scenario = scenarios.loads(BASE, fmt="toml")
    floor = scenario.walkable_area()
    room = 100.0 + 5.0  # room + corridor (the exit lies inside the corridor)
    fence = 4.0 * 0.4  # LINESTRING buffered with flat caps: length × thickness
    assert floor.area == pytest.approx(room - 1.0 - fence)
    assert not floor.contains(shapely.Point(4.5, 4.5))  # obstacle
    assert not floor.contains(shapely.Point(4.0, 8.6))  # barrier
    assert floor.contains(shapely.Point(1.95, 8.5))  # flat caps: nothing beyond the line's ends
    assert floor.contains(shapely.Point(14.9, 5.0))  # exit area


def test_exit_strip_outside_the_wall_joins_the_floor() -> None:
    text = broken(EXIT, "POLYGON ((15 4.5, 16 4.5, 16 5.5, 15 5.5, 15 4.5))")
    floor = scenarios.loads(text, fmt="toml").walkable_area()
    assert floor.contains(shapely.Point(15.5, 5.0))
    assert isinstance(floor, shapely.Polygon)


# --------------------------------------------------------------------------------------------------
# Syntax and structure


def test_malformed_toml_gives_line_and_column(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken('name = "Bottleneck 1 m"', "name = Bottleneck 1 m"))
    assert err.field is None
    assert "malformed TOML at line 2, column 8" in str(err)
    assert "`name = Bottleneck 1 m`" in str(err)
    assert "quotes" in str(err)


def test_malformed_json_gives_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "schema_version": 1,\n  "name": "x",,\n}'
    err = load_error(tmp_path, text, name="venue.json")
    assert "malformed JSON at line 3" in str(err)
    assert "commas" in str(err)


def test_committed_bad_files(tmp_path: Path) -> None:
    cases = {
        "malformed.toml": (None, ["malformed TOML at line", "check quotes"]),
        "unclosed_polygon.toml": (
            "geometry.walkable",
            ["polygon does not close: first point (0 0) ≠ last point (0 10)", "repeat the first"],
        ),
        "exit_off_walkable.json": (
            "exits[0].area",
            ["exit 'gate-2' does not touch the walkable area (0.42 m away)", "onto the boundary"],
        ),
    }
    assert sorted(p.name for p in BAD_DIR.iterdir()) == sorted(cases)
    for name, (field, words) in cases.items():
        path = BAD_DIR / name
        with pytest.raises(ScenarioError) as info:
            scenarios.load(path)
        assert info.value.file == str(path)
        assert info.value.field == field
        for w in words:
            assert w in str(info.value), (name, w, str(info.value))


def test_unknown_key_names_it_and_suggests(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("dt_s = 0.01", "dtt = 0.01"))
    assert err.field == "dtt"
    assert "unknown key 'dtt' (got 0.01)" in str(err)
    assert "did you mean 'dt_s'?" in str(err)


def test_unknown_key_deep_inside_a_distribution(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("std = 0.26", "sd = 0.26"))
    assert "populations[0].desired_speed_mps.sd: unknown key 'sd'" in str(err)
    assert "did you mean 'std'?" in str(err)
    assert "populations[0].desired_speed_mps.std: required key 'std' is missing" in str(err)


def test_unknown_key_in_population_and_model(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("radius_m = 0.2", "radius = 0.2"))
    assert err.field == "populations[0].radius"
    assert "did you mean 'radius_m'?" in str(err)
    err = load_error(tmp_path, BASE + "\n[model]\ntau = 0.5\n")
    assert err.field == "model.tau" and "did you mean 'tau_s'?" in str(err)


def test_wrong_type(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("count = 50", 'count = "many"'))
    assert err.field == "populations[0].count"
    assert "wrong type: expected a whole number (got 'many')" in str(err)
    err = load_error(tmp_path, broken("count = 50", "count = 50.5"))
    assert "expected a whole number (got 50.5)" in str(err)
    err = load_error(tmp_path, broken("duration_s = 300.0", 'duration_s = "300"'))
    assert err.field == "duration_s" and "expected a number" in str(err)


def test_missing_key(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("duration_s = 300.0\n", ""))
    assert err.field == "duration_s"
    assert "required key 'duration_s' is missing" in str(err) and "add duration_s" in str(err)


def test_negative_count(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("count = 50", "count = -5"))
    assert err.field == "populations[0].count"
    assert "must be ≥ 0 (got -5)" in str(err)
    assert "use a value ≥ 0" in str(err)


def test_negative_speed(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken(SPEED, "-1.2"))
    assert err.field == "populations[0].desired_speed_mps"
    assert "must be > 0 m/s and < 12 m/s (got -1.2)" in str(err)
    assert "1.34" in str(err)  # the fix gives the typical value


def test_speed_distribution_must_stay_physical(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken(", min = 0.5, max = 2.0 }", " }"))
    assert err.field == "populations[0].desired_speed_mps"
    assert "a normal distribution without min can draw values ≤ 0 m/s" in str(err)
    assert "add min = 0.5 and max = 2" in str(err)
    err = load_error(tmp_path, broken("min = 0.5, max = 2.0", "min = 0.5, max = 15.0"))
    assert "lower max to at most 2" in str(err)


def test_radius_range(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("radius_m = 0.2", "radius_m = 1.5"))
    assert err.field == "populations[0].radius_m"
    assert "must be > 0.05 m and < 1 m (got 1.5)" in str(err)


def test_dt_range(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("dt_s = 0.01", "dt_s = 0.5"))
    assert err.field == "dt_s"
    assert "must be ≤ 0.1 (got 0.5)" in str(err) and "> 0, ≤ 0.1" in str(err)


def test_record_fps_must_give_whole_steps(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("record_fps = 10", "record_fps = 30"))
    assert err.field == "record_fps"
    assert "3.333 steps is not a whole number" in str(err)
    assert "record_fps = 33.3333 (a frame every 3 steps) or 25 (a frame every 4 steps)" in str(err)
    err = load_error(tmp_path, broken("record_fps = 10", "record_fps = 200"))
    assert "faster than the simulation step" in str(err) and "record_fps ≤ 100" in str(err)


def test_non_finite_number(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("duration_s = 300.0", "duration_s = inf"))
    assert err.field == "duration_s" and "finite" in str(err)


def test_bad_id(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken('id = "visitors"', 'id = "the visitors"'))
    assert err.field == "populations[0].id" and "letters, digits" in str(err)


def test_spawn_rule_area_count_or_positions(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("count = 50", "count = 50\npositions = [[1, 1]]"))
    assert err.field == "populations[0]"
    assert "either area and count" in str(err) and "(got" not in str(err)
    err = load_error(tmp_path, broken("count = 50\n", ""))
    assert "has an area but no count" in str(err) and "add count" in str(err)


def test_empty_exit_list(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken('exits = ["east"]', "exits = []"))
    assert err.field == "populations[0].exits" and "leave the key out" in str(err)


def test_all_structural_problems_in_one_error(tmp_path: Path) -> None:
    text = broken("count = 50", "count = -5", broken("dt_s = 0.01", "dtt = 0.01"))
    text = broken(OBSTACLE, "POLYGON ((4 4, 5 5, 5 4, 4 5, 4 4))", text)
    err = load_error(tmp_path, text)
    assert str(err).startswith(f"{tmp_path / 'venue.toml'}: 3 problems:\n")
    assert err.field == "geometry.obstacles[0]"  # the first problem, in file order
    assert len(err.problems) == 3
    for field in ("geometry.obstacles[0]: ", "populations[0].count: ", "dtt: "):
        assert f"  - {field}" in str(err)
    assert not isinstance(err, GeometryError)  # not every problem is geometric


# --------------------------------------------------------------------------------------------------
# Geometry validity


def test_self_intersecting_polygon(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken(OBSTACLE, "POLYGON ((4 4, 5 5, 5 4, 4 5, 4 4))"))
    assert isinstance(err, GeometryError)
    assert err.field == "geometry.obstacles[0]"
    assert "invalid polygon: Self-intersection[4.5 4.5]" in str(err)
    assert "edges cross" in str(err)


def test_polygon_that_does_not_close(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken(OBSTACLE, "POLYGON ((4 4, 5 4, 5 5, 4 5))"))
    assert isinstance(err, GeometryError)
    assert err.field == "geometry.obstacles[0]"
    assert "polygon does not close: first point (4 4) ≠ last point (4 5)" in str(err)
    assert "repeat the first point at the end" in str(err)


def test_wrong_geometry_type_and_empty_and_garbage(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken(OBSTACLE, "LINESTRING (4 4, 5 5)"))
    assert "wrong geometry type LINESTRING" in str(err) and "use a POLYGON" in str(err)
    err = load_error(tmp_path, broken(OBSTACLE, "POLYGON EMPTY"))
    assert "empty geometry" in str(err)
    err = load_error(tmp_path, broken(OBSTACLE, "POLYGON ((4 4, 5 4 5 5, 4 5, 4 4))"))
    assert "not valid WKT" in str(err) and "x y pairs" in str(err)


def test_linestring_barrier_needs_thickness(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("thickness_m = 0.4\n", ""))
    assert err.field == "barriers[0]"
    assert "LINESTRING without thickness_m" in str(err) and "add thickness_m" in str(err)


# --------------------------------------------------------------------------------------------------
# Semantic checks


def test_exit_that_touches_no_walkable_area(tmp_path: Path) -> None:
    err = load_error(
        tmp_path, broken(EXIT, "POLYGON ((15.42 4.5, 16 4.5, 16 5.5, 15.42 5.5, 15.42 4.5))")
    )
    assert isinstance(err, GeometryError)
    assert err.field == "exits[0].area"
    assert "exit 'east' does not touch the walkable area (0.42 m away)" in str(err)
    assert "move it onto the boundary" in str(err)
    assert err.issues[0].code == "exit-off-walkable" and err.issues[0].element_id == "east"


def test_exit_too_narrow(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken(EXIT, "POLYGON ((15 5.2, 16 5.2, 16 5.5, 15 5.5, 15 5.2))"))
    assert err.field == "exits[0].area"
    assert "meets the walkable area over only 0.30 m" in str(err)
    assert "2 × radius 0.20 m = 0.40 m" in str(err) and "widen the exit" in str(err)


def test_spawn_area_outside_walkable(tmp_path: Path) -> None:
    err = load_error(
        tmp_path, broken(SPAWN, SPAWN.replace("0.5 0.5, 9.5 0.5", "-2 0.5, 9.5 0.5").replace(
            "0.5 3.5, 0.5 0.5", "-2 3.5, -2 0.5"))
    )  # fmt: skip
    assert isinstance(err, GeometryError)
    assert err.field == "populations[0].area"
    assert "6.00 m² (17 %) of the spawn area of population 'visitors' lies outside" in str(err)
    assert "x -2.00…0.00 m, y 0.50…3.50 m" in str(err)
    assert "move or shrink the spawn area" in str(err)


def test_spawn_area_entirely_outside(tmp_path: Path) -> None:
    far = 'area = "POLYGON ((20 0.5, 29 0.5, 29 3.5, 20 3.5, 20 0.5))"\ncount = 50'
    err = load_error(tmp_path, broken(SPAWN, far))
    assert "lies entirely outside the walkable area (5.10 m away)" in str(err)
    assert len(err.issues) == 1  # not also reported as too small


def test_spawn_area_too_small_reports_how_many_fit(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("count = 50", "count = 500"))
    assert isinstance(err, GeometryError)
    assert err.field == "populations[0].count"
    m = re.search(r"holds only (\d+) of 500 agents", str(err))
    assert m is not None
    fitted = int(m.group(1))
    assert 40 < fitted < 200
    assert f"reduce count to at most {fitted}" in str(err)
    # The number is what the simulation's placement produces with the scenario's seed.
    ok = scenarios.loads(broken("count = 50", f"count = {fitted}"), fmt="toml")
    assert len(scenarios.spawn_agents(ok)) == fitted


def test_agent_spawned_in_a_wall(tmp_path: Path) -> None:
    positions = "positions = [[2, 2], [3, 2], [1.0, 0.05], [5, 2]]"
    err = load_error(tmp_path, broken(SPAWN, positions))
    assert isinstance(err, GeometryError)
    assert err.field == "populations[0].positions[2]"
    assert (
        "agent 2 of population 'visitors' at (1.00, 0.05) is inside a wall:"
        " 0.05 m from the boundary, radius 0.2 m" in str(err)
    )
    assert "at least one radius" in str(err)


def test_agent_outside_and_agents_overlapping(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken(SPAWN, "positions = [[2, 2], [2.3, 2], [-3, 2]]"))
    assert "agent 2 of population 'visitors' at (-3.00, 2.00) is outside the walkable" in str(err)
    assert "agents 0 and 1 of population 'visitors' overlap: centres 0.30 m apart" in str(err)
    assert {i.code for i in err.issues} == {"position-outside", "position-overlap"}


def test_unreachable_exit(tmp_path: Path) -> None:
    split = 'walkable = "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)), ((11 4.5, 15 4.5, 15 5.5, 11 5.5, 11 4.5)))"'
    err = load_error(tmp_path, re.sub(r'walkable = "[^"]*"', split, BASE))
    assert err.field == "populations[0]"
    assert "no walkable route connects population 'visitors'" in str(err)
    assert "to exits ['east']" in str(err) and "add an exit" in str(err)


def test_corridor_too_narrow(tmp_path: Path) -> None:
    pinch = "POLYGON ((12 4.5, 12.5 4.5, 12.5 5.15, 12 5.15, 12 4.5))"
    err = load_error(tmp_path, broken(OBSTACLE, pinch))
    assert err.issues[0].code == "route-too-narrow"
    assert "narrower than one body (2 × radius 0.2 m = 0.40 m)" in str(err)
    assert "near (12.25, 5.3" in str(err)
    assert "only agents up to 0.17 m radius pass" in str(err)


def test_barrier_that_cuts_every_route(tmp_path: Path) -> None:
    text = broken(BARRIER, "LINESTRING (12 4.5, 12 5.5)").replace('"planters"', '"fence"')
    err = load_error(tmp_path, text)
    assert err.field == "barriers[0].geometry"
    assert "barrier 'fence' cuts every route from population 'visitors' to exits ['east']" in str(
        err
    )
    assert "remove the barrier" in str(err)


def test_barrier_leaving_too_narrow_a_gap(tmp_path: Path) -> None:
    text = broken(BARRIER, "LINESTRING (12 4.5, 12 5.2)").replace(
        "thickness_m = 0.4", "thickness_m = 0.1"
    )
    err = load_error(tmp_path, text)
    assert "barrier 'planters' leaves no gap wide enough (2 × radius 0.2 m = 0.40 m)" in str(err)


def test_barriers_that_block_only_together(tmp_path: Path) -> None:
    second = (
        '[[barriers]]\nid = "b2"\n'
        'geometry = "POLYGON ((13 4.5, 13.2 4.5, 13.2 5.5, 13 5.5, 13 4.5))"\n\n[[populations]]'
    )
    text = broken("[[populations]]", second, broken(BARRIER, "LINESTRING (12 4.5, 12 5.5)"))
    err = load_error(tmp_path, text)
    assert "barriers ['planters', 'b2'] together cut every route" in str(err)


def test_unknown_exit_id(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken('exits = ["east"]', 'exits = ["esat"]'))
    assert not isinstance(err, GeometryError)
    assert err.field == "populations[0].exits[0]"
    assert "population 'visitors' names unknown exit 'esat'" in str(err)
    assert "did you mean 'east'? known exits: ['east']" in str(err)


@pytest.mark.parametrize("kind", ["exits", "barriers", "populations"])
def test_duplicate_id(tmp_path: Path, kind: str) -> None:
    data = tomllib.loads(BASE)
    data[kind].append(dict(data[kind][0]))
    err = load_error(tmp_path, json.dumps(data), name="venue.json")
    assert err.field == f"{kind}[1].id"
    first_id = data[kind][0]["id"]
    assert f"{kind[:-1]} id '{first_id}' is used twice ({kind}[0] and {kind}[1])" in str(err)
    assert "unique id" in str(err)


def test_semantic_errors_are_all_listed(tmp_path: Path) -> None:
    text = broken('exits = ["east"]', 'exits = ["esat"]', broken("count = 50", "count = 500"))
    err = load_error(tmp_path, text)
    assert "2 problems:" in str(err)
    assert {i.code for i in err.issues} == {"unknown-exit", "spawn-too-small"}


def test_warnings_do_not_stop_loading(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    outside = "POLYGON ((40 4, 50 4, 50 5, 40 5, 40 4))"
    text = broken(OBSTACLE, f'{outside}", "POLYGON ((4 3, 5 3, 5 4, 4 4, 4 3))')
    path = tmp_path / "warn.toml"
    path.write_text(text)
    scenario, warnings = scenarios.load_with_issues(path)
    assert {w.code for w in warnings} == {"obstacle-outside", "spawn-on-obstacle"}
    assert all(w.severity is Severity.WARNING for w in warnings)
    with caplog.at_level(logging.WARNING, logger="scenarios"):
        assert scenarios.load(path) == scenario
    assert "obstacle 0 lies entirely outside the walkable area (25.00 m away)" in caplog.text
    assert "0.50 m² of the spawn area of population 'visitors' lies on obstacle 1" in caplog.text


def test_premovement_beyond_duration_warns() -> None:
    text = broken("max = 10.0 }", "max = 1000.0 }")
    _, warnings = scenarios.loads_with_issues(text, fmt="toml")
    assert [w.code for w in warnings] == ["premovement-beyond-duration"]
    assert "about 70.0 % of population 'visitors'" in warnings[0].message


def test_check_returns_frozen_issues() -> None:
    scenario = scenarios.loads(BASE, fmt="toml")
    bad = scenario.model_copy(update={"duration_s": 1.0})
    issues = scenarios.check(bad)
    assert issues and all(isinstance(i, Issue) for i in issues)
    with pytest.raises(AttributeError):
        issues[0].code = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------
# schema_version and migrations


def test_bad_schema_version(tmp_path: Path) -> None:
    err = load_error(tmp_path, broken("schema_version = 1", "schema_version = 2"))
    assert err.field == "schema_version"
    assert "schema_version 2 is newer than this CrowdSafe reads" in str(err)
    assert "upgrade CrowdSafe" in str(err)
    err = load_error(tmp_path, broken("schema_version = 1", "schema_version = 0"))
    assert "unknown schema_version (got 0); supported versions: 1" in str(err)
    err = load_error(tmp_path, broken("schema_version = 1", 'schema_version = "1"'))
    assert "whole number (got '1')" in str(err)
    err = load_error(tmp_path, broken("schema_version = 1\n", ""))
    assert "schema_version is missing; add schema_version = 1" in str(err)


def test_migration_hook_is_used_by_the_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MIGRATIONS == {}  # version 1 is the first: nothing to upgrade yet

    def from_v0(data: dict) -> dict:  # a hypothetical v0 spelled 'duration' without the unit
        out = {k: v for k, v in data.items() if k != "duration"}
        return {**out, "duration_s": data["duration"], "schema_version": 1}

    monkeypatch.setitem(MIGRATIONS, 0, from_v0)
    old = broken(
        "duration_s = 300.0", "duration = 300.0", broken("schema_version = 1", "schema_version = 0")
    )
    path = tmp_path / "v0.toml"
    path.write_text(old)
    assert scenarios.load(path) == scenarios.loads(BASE, fmt="toml")
    assert migrate({"schema_version": 0, "duration": 5}) == {"schema_version": 1, "duration_s": 5}


# --------------------------------------------------------------------------------------------------
# Distributions


def test_bad_distribution_parameters(tmp_path: Path) -> None:
    cases = {
        "std = 0.26": (
            "std = -0.26",
            "populations[0].desired_speed_mps.std",
            "must be ≥ 0 (got -0.26)",
        ),
        "min = 0.5, max = 2.0": (
            "min = 2.0, max = 0.5",
            "populations[0].desired_speed_mps",
            "min must be smaller than max",
        ),
        '"normal"': ('"gaussian"', "populations[0].desired_speed_mps", "unknown distribution"),
        "mean = 1.34": (
            "mean = 9.0",
            "populations[0].desired_speed_mps",
            "nearly every draw would be rejected",
        ),
    }
    for old, (new, field, words) in cases.items():
        err = load_error(tmp_path, broken(old, new))
        assert err.field == field, (old, str(err))
        assert words in str(err), (old, str(err))
    err = load_error(tmp_path, broken("radius_m = 0.2", "radius_m = { mean = 0.2 }"))
    assert "needs a 'distribution' key" in str(err) and 'add distribution = "normal"' in str(err)
    err = load_error(
        tmp_path,
        broken("radius_m = 0.2", 'radius_m = { distribution = "gamma", shape = -2, scale = 0.1 }'),
    )
    assert err.field == "populations[0].radius_m.shape" and "must be > 0" in str(err)


def test_sample_number_draws_nothing() -> None:
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    out = scenarios.sample(0.25, 4, rng=rng)
    assert out.dtype == np.float64 and out.tolist() == [0.25] * 4
    assert rng.bit_generator.state == state


def test_sample_rejects_what_is_not_a_quantity() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ScenarioError, match="not a valid number or distribution"):
        scenarios.sample(True, 3, rng=rng)
    with pytest.raises(ScenarioError, match="Field required"):
        scenarios.sample({"distribution": "normal", "mean": 1.0}, 3, rng=rng)


def test_sample_matches_analytic_moments() -> None:
    """Truncation by rejection gives the truncated distribution (oracle: closed-form moments)."""
    from scipy import stats

    rng = np.random.default_rng(0)
    n = 200_000
    weidmann = Normal(distribution="normal", mean=1.34, std=0.26, min=0.5, max=2.0)
    a, b = (0.5 - 1.34) / 0.26, (2.0 - 1.34) / 0.26
    x = scenarios.sample(weidmann, n, rng=rng)
    assert x.mean() == pytest.approx(stats.truncnorm(a, b, 1.34, 0.26).mean(), abs=3e-3)
    nist = LogNormal(distribution="lognormal", mu=4.586, sigma=0.967)
    assert np.median(scenarios.sample(nist, n, rng=rng)) == pytest.approx(math.exp(4.586), rel=0.02)
    g = scenarios.sample(Gamma(distribution="gamma", shape=2.0, scale=10.0), n, rng=rng)
    assert g.mean() == pytest.approx(20.0, rel=0.01)
    w = scenarios.sample(Weibull(distribution="weibull", shape=1.5, scale=30.0), n, rng=rng)
    assert w.mean() == pytest.approx(30.0 * math.gamma(1 + 1 / 1.5), rel=0.01)
    u = scenarios.sample({"distribution": "uniform", "min": 0.0, "max": 30.0}, n, rng=rng)
    assert u.mean() == pytest.approx(15.0, rel=0.01)


_finite = st.floats(-50.0, 50.0, allow_nan=False)
_positive = st.floats(0.05, 20.0, allow_nan=False)


@st.composite
def distributions(draw: st.DrawFn) -> scenarios.Distribution:
    """Valid distributions with random (possibly absent) truncation windows."""
    kind = draw(st.sampled_from(["normal", "uniform", "lognormal", "gamma", "weibull"]))
    lo = draw(st.none() | _finite)
    width = draw(st.floats(0.01, 100.0))
    hi = draw(st.none() | st.just((lo if lo is not None else 0.0) + width))
    if kind == "uniform":
        low = draw(_finite)
        return Uniform(distribution="uniform", min=low, max=low + width)
    params = {
        "normal": lambda: {"mean": draw(_finite), "std": draw(st.floats(0.0, 10.0))},
        "lognormal": lambda: {
            "mu": draw(st.floats(-2.0, 3.0)),
            "sigma": draw(st.floats(0.05, 2.0)),
        },
        "gamma": lambda: {"shape": draw(_positive), "scale": draw(_positive)},
        "weibull": lambda: {"shape": draw(st.floats(0.5, 5.0)), "scale": draw(_positive)},
    }[kind]()
    cls = {"normal": Normal, "lognormal": LogNormal, "gamma": Gamma, "weibull": Weibull}[kind]
    try:
        return cls(distribution=kind, min=lo, max=hi, **params)
    except Exception:  # window keeps too little mass: covered by its own test
        return cls(distribution=kind, **params)


@given(dist=distributions(), seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300))
def test_sample_respects_window_and_is_deterministic(
    dist: scenarios.Distribution, seed: int, n: int
) -> None:
    a = scenarios.sample(dist, n, rng=np.random.default_rng(seed))
    rng = np.random.default_rng(seed)
    b = scenarios.sample(dist, n, rng=rng)
    assert a.shape == (n,) and a.dtype == np.float64
    assert np.array_equal(a, b)
    lo = getattr(dist, "min", None)
    hi = getattr(dist, "max", None)
    if lo is not None:
        assert np.all(a >= lo)
    if hi is not None:
        assert np.all(a <= hi)
    assert np.all(np.isfinite(a))
    # Same generator state afterwards too: the next draw continues identically.
    assert rng.random() == _advance(dist, n, seed).random()


def _advance(dist: scenarios.Distribution, n: int, seed: int) -> np.random.Generator:
    rng = np.random.default_rng(seed)
    scenarios.sample(dist, n, rng=rng)
    return rng


# --------------------------------------------------------------------------------------------------
# JSON Schema


def test_json_schema_is_in_sync_with_the_models() -> None:
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == json_schema_text(), "regenerate with: python -m scenarios.schema"


def test_json_schema_describes_the_format() -> None:
    schema = json.loads(json_schema_text())
    assert schema["additionalProperties"] is False
    assert {"schema_version", "name", "duration_s", "geometry", "exits", "populations"} <= set(
        schema["required"]
    )
    pop = schema["$defs"]["Population"]["properties"]
    assert {"count", "positions", "desired_speed_mps", "spacing_m", "model"} <= set(pop)


def test_export_json_schema_writes_file(tmp_path: Path) -> None:
    out = scenarios.export_json_schema(path=tmp_path / "s.json")
    assert out.read_text(encoding="utf-8") == json_schema_text()


# --------------------------------------------------------------------------------------------------
# Spawning


def test_spawn_agents_is_deterministic_and_follows_the_seed() -> None:
    scenario = scenarios.load(scenarios.library_path())
    a = scenarios.spawn_agents(scenario)
    b = scenarios.spawn_agents(scenario, rng=np.random.default_rng(scenario.seed))
    c = scenarios.spawn_agents(scenario, rng=np.random.default_rng(scenario.seed + 1))
    assert np.array_equal(a.position_m, b.position_m) and np.array_equal(a.radius_m, b.radius_m)
    assert not np.array_equal(a.position_m, c.position_m)
    assert np.array_equal(np.bincount(a.population), [p.count for p in scenario.populations])


def test_spawned_agents_never_overlap_across_populations_and_avoid_explicit_positions() -> None:
    text = broken(
        "[[populations]]",
        '[[populations]]\nid = "fixed"\npositions = [[3, 2], [6, 2]]\nradius_m = 0.3\n\n'
        "[[populations]]",
    )
    text = text + text[text.index('[[populations]]\nid = "visitors"') :].replace(
        '"visitors"', '"second"'
    ).replace("count = 50", "count = 10")
    scenario = scenarios.loads(text, fmt="toml")
    agents = scenarios.spawn_agents(scenario)
    xy, r = agents.position_m, agents.radius_m
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert np.all(d >= r[:, None] + r[None, :] - 1e-12)
    assert np.array_equal(xy[:2], [[3, 2], [6, 2]])  # explicit positions come first, untouched
    floor = scenario.walkable_area()
    assert np.all(shapely.distance(floor.boundary, shapely.points(xy)) >= r - 1e-9)
    assert np.all(shapely.contains_xy(floor, xy[:, 0], xy[:, 1]))


def test_room4_scenario_loads_and_checks_cleanly() -> None:
    scenario = scenarios.bench.room4(1000)
    assert scenarios.check(scenario) == []
    side = scenarios.bench.room4_side_m(1000)
    assert scenario.walkable_area().area == pytest.approx(side**2 + 4 * max(2.0, side / 10))
    assert box(0, 0, side, side).within(scenario.walkable_area().buffer(1e-9))

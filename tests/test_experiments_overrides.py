"""Scenario overrides: dotted paths, geometry keys, templates, and their error messages."""

from __future__ import annotations

import re

import pytest
import shapely

import scenarios
from experiments.metrics.flow import door_width
from experiments.overrides import apply_overrides, expand_template, template_names
from simcore.errors import ScenarioError


@pytest.fixture(scope="module")
def concourse() -> scenarios.Scenario:
    return scenarios.load(scenarios.library_path("default"))


def test_fields_by_path_id_and_index(concourse) -> None:
    s = apply_overrides(
        concourse,
        {
            "duration_s": 60.0,
            "model.tau_s": 0.8,
            "populations.passengers.count": 50,
            "populations[1].premovement_s.max": 10.0,
            "barriers.queue-rail.active": False,
            "fear.herding": 0.2,
        },
    )
    assert s.duration_s == 60.0 and s.model.tau_s == 0.8
    assert s.population("passengers").count == 50
    assert s.populations[1].premovement_s.max == 10.0
    assert s.barriers[0].active is False and s.fear.herding == 0.2
    assert concourse.duration_s == 300.0  # the base is untouched


def test_optional_table_is_created(concourse) -> None:
    s = apply_overrides(concourse, {"populations.arriving.model.tau_s": 0.7})
    assert s.population("arriving").model.tau_s == 0.7


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("exits.west.width_m", "exits has no item with id 'west'; ids here: main-entrance"),
        ("duraton_s", "the scenario has no key 'duraton_s'; keys here: schema_version"),
        ("populations[7].count", "populations has 3 item(s), no [7]"),
        ("model.tau", "model has no key 'tau'"),
        ("duration_s.max", "duration_s is a value"),
    ],
)
def test_unknown_paths_say_what_exists(concourse, path: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        apply_overrides(concourse, {path: 1.0}, source="sweep.toml")


def test_invalid_value_gets_the_loader_message(concourse) -> None:
    with pytest.raises(ScenarioError) as err:
        apply_overrides(concourse, {"dt_s": 0.5}, source="sweep.toml (point p0001)")
    assert err.value.file == "sweep.toml (point p0001)"
    assert err.value.field == "dt_s"
    assert "≤ 0.1" in str(err.value)


@pytest.mark.parametrize("width", [2.0, 3.0, 5.5])
def test_exit_width_stretches_the_door(concourse, width: float) -> None:
    s = apply_overrides(concourse, {"exits.main-entrance.width_m": width})
    e = s.exit("main-entrance").shape()
    assert door_width(e, s.walkable_area()) == pytest.approx(width, abs=1e-6)
    # centred where it was, still 1 m deep, south of the façade
    assert e.centroid.x == pytest.approx(20.0) and e.bounds[1] == pytest.approx(-1.0)
    assert scenarios.check(s) == [] or all(i.severity.value != "error" for i in scenarios.check(s))


def test_vertical_exit_and_moves(concourse) -> None:
    changes = {
        "exits.side-door.dy_m": 2.0,
        "exits.side-door.width_m": 3.0,
        "barriers.queue-rail.dy_m": -1.0,
    }
    s = apply_overrides(concourse, changes)
    e = s.exit("side-door").shape()
    assert e.bounds == pytest.approx((-1.0, 11.2 - 1.5, 0.0, 11.2 + 1.5))  # centre 9.2 + 2
    assert s.barriers[0].raw_shape().equals(shapely.from_wkt("LINESTRING (25 4.5, 33 4.5)"))


def test_exit_at_a_corridor_end_cannot_be_widened_honestly(tmp_path) -> None:
    text = """
schema_version = 1
name = "corridor"
duration_s = 10
[geometry]
walkable = "POLYGON ((0 0, 10 0, 10 4.5, 15 4.5, 15 5.5, 10 5.5, 10 10, 0 10, 0 0))"
[[exits]]
id = "end"
area = "POLYGON ((14.5 4.5, 15 4.5, 15 5.5, 14.5 5.5, 14.5 4.5))"
[[populations]]
id = "p"
area = "POLYGON ((1 1, 9 1, 9 9, 1 9, 1 1))"
count = 5
"""
    s = scenarios.loads(text, fmt="toml")
    with pytest.raises(ScenarioError, match=r"opens .* onto the floor, not 2 m .*template"):
        apply_overrides(s, {"exits.end.width_m": 2.0})


def test_template_expansion() -> None:
    text = 'walkable = "POLYGON ((0 0, 10 0, 10 ${5 - w/2}, 15 ${min(w, 3) * 2}))"\ncount = ${n}'
    assert template_names(text) == {"w", "n"}
    out = expand_template(text, {"w": 1.2, "n": 40}, source="t.toml")
    assert out == 'walkable = "POLYGON ((0 0, 10 0, 10 4.4, 15 2.4))"\ncount = 40'


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("${5 - x}", "line 1, `\\$\\{5 - x\\}`: no value for 'x' \\(known: w\\)"),
        ("${__import__('os')}", "is not allowed"),
        ("${w +}", "not an expression"),
        ("${w / 0}", "division by zero"),
    ],
)
def test_template_errors(expr: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        expand_template(f"a = {expr}", {"w": 1.0}, source="t.toml")

"""Timed events (exits closed and opened, alarms) and the errors for bad events and threats.

Behaviour is checked on small scenarios stepped by hand; every error test writes a broken file and
asserts the file, the field and the key words of the fix, as ``test_scenarios.py`` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import scenarios
from scenarios.build import build
from simcore.errors import ScenarioError


def load(text: str) -> scenarios.Scenario:
    return scenarios.loads(text, fmt="toml")


# A 20 m × 10 m hall with 2 m doors (strips outside the walls) west and east.
HALL = """
schema_version = 1
name = "hall"
duration_s = 60.0
dt_s = 0.05
record_fps = 4
[geometry]
walkable = "POLYGON ((0 0, 20 0, 20 10, 0 10, 0 0))"
[[exits]]
id = "west"
area = "POLYGON ((-1 4, 0 4, 0 6, -1 6, -1 4))"
[[exits]]
id = "east"
area = "POLYGON ((20 4, 21 4, 21 6, 20 6, 20 4))"
[navigation]
grid_m = 0.25
"""
WEST, EAST = 0, 1


def test_closing_an_exit_sends_its_agents_to_the_others():
    text = (
        HALL
        + """
[[populations]]
id = "crowd"
area = "POLYGON ((2 1, 18 1, 18 9, 2 9, 2 1))"
count = 40
[[events]]
time_s = 4.0
action = "close_exit"
target = "east"
text = "Gate shut by stewards"
"""
    )
    sim = build(load(text), seed=5).simulation
    c = sim.crowd
    sim.step(79)  # t = 3.95 s
    assert (c.evac_exit == EAST).sum() >= 3  # the east exit worked until then
    heading_east = np.flatnonzero(c.active & (c.target == EAST))
    assert len(heading_east) >= 5
    sim.step(1)  # t = 4.0 s: the event is applied before the next step
    sim.step(1)
    assert [(e.time_s, e.kind, e.target, e.text) for e in sim.applied] == [
        (4.0, "close_exit", "east", "Gate shut by stewards")
    ]
    assert not sim.exit_open[EAST]
    assert np.all(c.target[c.active] == WEST)  # re-targeted, those heading east included
    while sim.n_mobile and sim.time_s < 60.0:
        sim.step(20)
    assert not c.active.any()
    late = c.evac_time > 4.0 + 1e-9
    assert late.sum() >= 20
    assert np.all(c.evac_exit[late] == WEST)  # nobody leaves through the closed exit
    assert np.all(c.evac_exit[heading_east] == WEST)


def test_opening_an_exit_lets_agents_use_it_from_then_on():
    text = (
        HALL.replace('id = "west"\n', 'id = "west"\nopen = false\n')
        + """
[[populations]]
id = "crowd"
area = "POLYGON ((2 2, 8 2, 8 8, 2 8, 2 2))"
count = 20
[[events]]
time_s = 3.0
action = "open_exit"
target = "west"
"""
    )
    sim = build(load(text), seed=0).simulation
    c = sim.crowd
    assert np.all(c.target == EAST)  # the only open one
    sim.step(59)  # t = 2.95 s
    assert not sim.exit_open[WEST] and not (c.evac_exit == WEST).any()
    sim.step(2)
    assert sim.exit_open[WEST]
    assert np.mean(c.target[c.active] == WEST) > 0.7  # re-chosen when it opened
    while sim.n_mobile and sim.time_s < 60.0:
        sim.step(20)
    assert not c.active.any()
    assert np.all(c.evac_time[c.evac_exit == WEST] > 3.0)
    assert (c.evac_exit == WEST).sum() >= 15  # west is much nearer once open


def test_alarm_releases_its_population_and_not_the_others():
    """Premovement 0; alarm at t = 5 s: 'visitors' stand exactly still until then, 'staff'
    (starts_on_alarm = false) walk from t = 0."""
    text = (
        HALL
        + """
[[populations]]
id = "visitors"
area = "POLYGON ((2 2, 6 2, 6 8, 2 8, 2 2))"
count = 12
premovement_s = 0.0
exits = ["west"]
[[populations]]
id = "staff"
area = "POLYGON ((14 2, 18 2, 18 8, 14 8, 14 2))"
count = 12
premovement_s = 0.0
starts_on_alarm = false
exits = ["east"]
[[events]]
time_s = 5.0
action = "alarm"
"""
    )
    built = build(load(text), seed=0)
    assert built.alarm_s == 5.0
    sim = built.simulation
    c = sim.crowd
    visitors = c.population == 0
    assert np.all(c.t_start[visitors] == 5.0) and np.all(c.t_start[~visitors] == 0.0)
    spawn = c.pos.copy()
    while sim.time_s < 5.0 - 1e-9:
        sim.step(1)
        assert np.array_equal(c.pos[visitors], spawn[visitors]), sim.time_s
        assert np.all(c.vel[visitors] == 0.0)
        if sim.time_s >= 1.0 - 1e-9:
            moved = np.hypot(*(c.pos[~visitors] - spawn[~visitors]).T)
            assert np.all(moved > 0.05) and moved.mean() > 0.5, sim.time_s
    sim.step(20)  # t = 6 s
    moved = np.hypot(*(c.pos[visitors] - spawn[visitors]).T)
    assert np.all(moved > 0.3)
    assert np.all(c.evac_time[visitors & ~c.active] > 5.0)


# --------------------------------------------------------------------------------------------------
# errors

BASE = """\
schema_version = 1
name = "venue"
duration_s = 60.0
dt_s = 0.05
[geometry]
walkable = "POLYGON ((0 0, 20 0, 20 10, 0 10, 0 0))"
[[exits]]
id = "west"
area = "POLYGON ((0 4, 1 4, 1 6, 0 6, 0 4))"
[[barriers]]
id = "planters"
geometry = "LINESTRING (10 1, 10 3)"
thickness_m = 0.4
rating = "N1"
[[populations]]
id = "visitors"
area = "POLYGON ((6 4, 9 4, 9 8, 6 8, 6 4))"
count = 5
"""
KNIFE = '[[threats]]\nid = "k"\nkind = "knife"\npath = [[5.0, 5.0]]\n'


def load_error(tmp_path: Path, text: str) -> ScenarioError:
    """Write ``text`` to a file, load it, and return the error (which must name the file)."""
    path = tmp_path / "venue.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        scenarios.load(path)
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


def test_base_loads(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(BASE + KNIFE, encoding="utf-8")
    assert scenarios.load(path).threats[0].kind == "knife"


@pytest.mark.parametrize(
    ("addition", "field", "words"),
    [
        (
            '[[events]]\ntime_s = 5.0\naction = "close_exit"\ntarget = "wset"\n',
            "events[0].target",
            ["unknown exit 'wset'", "did you mean 'west'?", "known exits: ['west']"],
        ),
        (  # a barrier is not an exit
            '[[events]]\ntime_s = 5.0\naction = "close_exit"\ntarget = "planters"\n',
            "events[0].target",
            ["'close_exit'", "unknown exit 'planters'", "known exits: ['west']"],
        ),
        (  # an exit is not a barrier
            '[[events]]\ntime_s = 5.0\naction = "remove_barrier"\ntarget = "west"\n',
            "events[0].target",
            ["unknown barrier 'west'", "known barriers: ['planters']"],
        ),
        (
            '[[events]]\ntime_s = 5.0\naction = "alarm"\ntarget = "west"\n',
            "events[0]",
            ["an alarm has no target", "remove target"],
        ),
        (
            '[[events]]\ntime_s = 5.0\naction = "close_exit"\n',
            "events[0]",
            ["'close_exit' needs a target", 'add target = "<exit id>"'],
        ),
        (
            '[[events]]\ntime_s = 5.0\naction = "add_barrier"\n',
            "events[0]",
            ["'add_barrier' needs a target", 'add target = "<barrier id>"'],
        ),
        (
            '[[events]]\ntime_s = 5.0\naction = "close_door"\ntarget = "west"\n',
            "events[0].action",
            ["(got 'close_door')", "'close_exit'", "'alarm'"],
        ),
        (
            '[[events]]\ntime_s = -1.0\naction = "alarm"\n',
            "events[0].time_s",
            ["must be ≥ 0 (got -1.0)"],
        ),
        (
            '[[events]]\ntime_s = 5.0\naction = "close_exit"\ntaget = "west"\n',
            "events[0].taget",
            ["unknown key 'taget'", "did you mean 'target'?"],
        ),
        ("[fear]\nherd = 0.3\n", "fear.herd", ["unknown key 'herd'", "did you mean 'herding'?"]),
        (
            '[[threats]]\nid = "van"\nkind = "vehicle"\npath = [[5.0, 5.0]]\n',
            None,
            ["vehicle 'van' needs a path of at least two points", "path = [[x0, y0], [x1, y1]"],
        ),
        (
            KNIFE + "start_s = 10.0\nend_s = 5.0\n",
            None,
            ["threat 'k' ends (end_s = 5) before it starts (start_s = 10)", "make end_s larger"],
        ),
        (KNIFE + "speed_mps = -2.0\n", None, ["speed_mps", "must be ≥ 0 (got -2.0)"]),
        (
            '[[threats]]\nid = "k"\nkind = "knife"\npath = [[25.0, 5.0]]\n',
            "threats[0].path[0]",
            [
                "knife attacker 'k' starts at (25.00, 5.00)",
                "outside the walkable area",
                "5.00 m away",
                "start it on the floor",
            ],
        ),
        (  # on the planters: a barrier is not floor either
            '[[threats]]\nid = "gun"\nkind = "firearm"\npath = [[10.0, 2.0]]\n',
            "threats[0].path[0]",
            ["firearm attacker 'gun' starts at (10.00, 2.00)", "outside the walkable area"],
        ),
        (
            KNIFE + '[[threats]]\nid = "k"\nkind = "blast"\npath = [[5.0, 5.0]]\n',
            "threats[1].id",
            ["threat id 'k' is used twice", "unique id"],
        ),
        (
            '[[threats]]\nid = "van"\nkind = "vehicle"\nvehicle_class = "N5"\n'
            "path = [[2.0, 5.0], [18.0, 5.0]]\n",
            None,
            ["vehicle_class", "(got 'N5')", "'M1', 'N1', 'N2' or 'N3'"],
        ),
    ],
    ids=[
        "event-unknown-exit",
        "event-barrier-as-exit",
        "event-exit-as-barrier",
        "alarm-with-target",
        "close-exit-without-target",
        "add-barrier-without-target",
        "event-unknown-action",
        "event-negative-time",
        "event-misspelt-key",
        "fear-misspelt-key",
        "vehicle-one-point-path",
        "end-before-start",
        "negative-speed",
        "attacker-outside",
        "attacker-on-a-barrier",
        "duplicate-threat-id",
        "unknown-vehicle-class",
    ],
)
def test_bad_events_and_threats_give_clear_errors(tmp_path, addition, field, words):
    err = load_error(tmp_path, BASE + addition)
    if field is not None:
        assert err.field == field
    else:
        assert err.field is not None and err.field.startswith("threats[0]")
    for w in words:
        assert w in str(err), (w, str(err))


def test_unknown_barrier_rating(tmp_path):
    err = load_error(tmp_path, BASE.replace('rating = "N1"', 'rating = "N7"'))
    assert err.field == "barriers[0].rating"
    assert "(got 'N7')" in str(err) and "'none', 'M1', 'N1', 'N2' or 'N3'" in str(err)


def test_unknown_threat_kind_names_the_kinds(tmp_path):
    err = load_error(tmp_path, BASE + KNIFE.replace('"knife"', '"sword"'))
    assert err.field == "threats[0].kind"
    assert "unknown threat kind 'sword'" in str(err)
    assert "knife" in str(err) and "vehicle" in str(err) and "hazard" in str(err)
    assert "distribution" not in str(err)


def test_unknown_threat_kind_is_an_error_naming_the_threat(tmp_path):
    """What works today: the error points at the threat and quotes the bad kind."""
    err = load_error(tmp_path, BASE + KNIFE.replace('"knife"', '"sword"'))
    assert err.field is not None and err.field.startswith("threats[0]")
    assert "sword" in str(err)


def test_misspelt_threat_key_suggests_the_right_one(tmp_path):
    err = load_error(tmp_path, BASE + KNIFE + "reach = 1.0\n")
    assert "unknown key 'reach'" in str(err)
    assert "did you mean 'reach_m'?" in str(err)
    assert "attack_rate_per_s" in str(err)  # the valid keys are listed


def test_misspelt_threat_key_is_an_error_naming_it(tmp_path):
    err = load_error(tmp_path, BASE + KNIFE + "reach = 1.0\n")
    assert err.field is not None and err.field.startswith("threats[0]")
    assert err.field.endswith(".reach")
    assert "unknown key 'reach'" in str(err)


def test_threat_field_paths_are_the_keys_of_the_file(tmp_path):
    err = load_error(tmp_path, BASE + KNIFE + "speed_mps = -2.0\n")
    assert err.field == "threats[0].speed_mps"
    assert "(threats)" not in str(err)

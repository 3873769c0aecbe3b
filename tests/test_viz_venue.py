"""Venue, threats and densities as the replay derives them from a run directory."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree
from test_viz_support import EAST, EAST_CLOSED, OPEN, WEST, write_run

import simcore.columns as col
from simcore.recording import geometry_hash
from viz import Options, Renderer, ReplayRun, ReplayState
from viz._pygame import pygame
from viz.colour import PALETTE
from viz.density import DensityGrid, local_density
from viz.venue import Layout, RecordedLayout, parse_layouts, parse_threats

# -- layouts ----------------------------------------------------------------------------------


def test_exit_and_barrier_states_are_read_off_the_walkable_area():
    rail = shapely.box(2, 2, 2.2, 5)
    exits = {"east": EAST, "west": WEST}
    open_ = Layout.from_wkt(OPEN.wkt, exit_areas=exits, barriers={"rail": rail})
    assert open_.exit_open == {"east": True, "west": True}
    assert open_.barrier_in_place == {"rail": False}
    closed = Layout.from_wkt(
        EAST_CLOSED.difference(rail).wkt, exit_areas=exits, barriers={"rail": rail}
    )
    assert closed.exit_open == {"east": False, "west": True}
    assert closed.barrier_in_place == {"rail": True}
    assert len(closed.holes) == 2  # the pillar and the rail


def _states(run: ReplayRun) -> list[tuple[bool, dict, dict]]:
    """(recorded?, exit states, barrier states) of each layout in force, in order."""
    out = []
    for start, _ in run._layout_starts:
        lay = run.layout(start)
        out.append((lay.recorded, dict(lay.exit_open), dict(lay.barrier_in_place)))
    return out


RAIL = shapely.box(2, 2, 2.2, 5)
BARRIERS = {"rail": {"wkt": RAIL.wkt, "rating": "none", "active": False}}


def test_recorded_layouts_give_exit_and_barrier_states(tmp_path):
    """run_info["layouts"] wins over the walkable area: here it says what the area cannot show
    (the rail in place although not cut out; an exit without a shape closed), and a layout it
    leaves out falls back to the inference."""
    layouts = {str(geometry_hash(OPEN.wkt)): {"open_exits": ["east"], "barriers": ["rail"]}}
    info = {"exits": ["east", "west", "roof"], "barriers": BARRIERS, "layouts": layouts}
    with ReplayRun(write_run(tmp_path / "run", run_info=info)) as run:
        assert _states(run) == [
            (True, {"east": True, "west": False, "roof": False}, {"rail": True}),
            (False, {"east": False, "west": True}, {"rail": False}),  # not recorded: inferred
        ]
        assert run.figures(0.0).exit_open == {"east": True, "west": False, "roof": False}
        assert run.figures(1.0).exit_open == {"east": False, "west": True}


def test_runs_without_recorded_layouts_infer_the_states(tmp_path):
    with ReplayRun(write_run(tmp_path / "run", run_info={"barriers": BARRIERS})) as run:
        assert _states(run) == [
            (False, {"east": True, "west": True}, {"rail": False}),
            (False, {"east": False, "west": True}, {"rail": False}),
        ]


@pytest.mark.parametrize(
    "layouts",
    [
        "not a mapping",
        {"not a hash": {"open_exits": [], "barriers": []}},
        {"HASH": ["east"]},
        {"HASH": {"barriers": []}},
        {"HASH": {"open_exits": "east", "barriers": []}},
    ],
)
def test_a_malformed_layout_record_falls_back_to_the_inference(layouts):
    if isinstance(layouts, dict):
        layouts = {k.replace("HASH", str(geometry_hash(OPEN.wkt))): v for k, v in layouts.items()}
    assert parse_layouts({"layouts": layouts}) == {}


def test_recorded_layouts_parse():
    assert parse_layouts({}) == {}
    assert parse_layouts({"layouts": {"-5": {"open_exits": ["a", "b"], "barriers": []}}}) == {
        -5: RecordedLayout(open_exits=frozenset({"a", "b"}), barriers=frozenset())
    }


@pytest.mark.parametrize(
    ("info", "title"),
    [
        ({"layout": "Layout B (two exits)", "scenario": "Hall"}, "Layout B (two exits)"),
        ({"layout": None, "scenario": "Hall"}, "Hall"),
        ({"scenario": "Hall"}, "Hall"),
    ],
)
def test_panel_title_is_the_layout_name_else_the_scenario(tmp_path, info, title):
    with ReplayRun(write_run(tmp_path / "run", run_info=info)) as run:
        assert run.title == title


# -- threats ----------------------------------------------------------------------------------


def _knife(**kw):
    spec = {"id": "k", "kind": "knife", "start_s": 2.0, "path": [[0, 0], [10, 0], [10, 10]],
            "speed_mps": 2.0, "reach_m": 1.5}  # fmt: skip
    return {**spec, **kw}


def test_path_following_threat_is_reconstructed_along_its_path():
    (k,) = parse_threats([_knife()])
    before = k.state_at(1.0)
    assert not before.active and before.pos == (0.0, 0.0)
    st = k.state_at(8.0)  # 12 m along: past the corner
    assert st.active and st.pos == pytest.approx((10.0, 2.0)) and st.heading == (0.0, 1.0)
    assert st.reach_m == 1.5
    assert k.state_at(100.0).pos == pytest.approx((10.0, 10.0))


def test_pursuer_without_a_track_has_no_position():
    (k,) = parse_threats([_knife(pursue=True)])
    assert k.state_at(1.0).pos == (0.0, 0.0)
    assert k.state_at(3.0).pos is None


def test_vehicle_stops_at_a_barrier_rated_for_its_class():
    spec = {"id": "v", "kind": "vehicle", "start_s": 0.0, "path": [[0, 0], [50, 0]],
            "speed_mps": 10.0, "vehicle_class": "N1", "length_m": 4.0}  # fmt: skip
    bollards = {"b": shapely.box(20, -2, 21, 2)}
    (v,) = parse_threats([spec], barriers_at=lambda t: bollards, ratings={"b": "N2"})
    assert v.state_at(5.0).pos == pytest.approx((18.0, 0.0))  # front at 20 m
    (v,) = parse_threats([spec], barriers_at=lambda t: bollards, ratings={"b": "M1"})
    assert v.state_at(5.0).pos == pytest.approx((50.0, 0.0))  # too light a barrier


def test_hazard_grows():
    spec = {"id": "h", "kind": "hazard", "start_s": 1.0, "path": [[5, 5]], "radius_m": 1.0,
            "growth_mps": 0.5, "max_radius_m": 2.0}  # fmt: skip
    (h,) = parse_threats([spec])
    assert h.state_at(2.0).reach_m == pytest.approx(1.5)
    assert h.state_at(60.0).reach_m == pytest.approx(2.0)


def test_recorded_track_is_used_and_drawn(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    run_dir = write_run(tmp_path / "run", threats=[_knife(pursue=True, start_s=0.0)])
    with (run_dir / col.THREATS_FILE).open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(col.THREATS_CSV_COLUMNS)
        for frame in range(11):
            t = frame / 10
            w.writerow([frame, t, "k", "knife", 6.0, 1.0 + 4.0 * t, 0.0, 1.0, 1, ""])
    run = ReplayRun(run_dir)
    try:
        (k,) = run.threats
        st = k.state_at(0.55)
        assert st.active and st.pos == pytest.approx((6.0, 3.2)) and st.reach_m == 1.5
        state = ReplayState([run], (640, 400), options=Options(hud=False))
        state.playhead.seek(0.55)
        surface = pygame.Surface(state.size, 0, 32)
        Renderer().draw(surface, state)
        sx, sy = state.views[0].point_to_screen(6.0, 3.2)
        assert tuple(surface.get_at((int(sx), int(sy))))[:3] == PALETTE.threat
    finally:
        run.close()
        pygame.quit()


# -- densities --------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "side"), [(1, 1.0), (50, 3.0), (2000, 30.0), (3000, 12.0)])
def test_local_density_counts_neighbours_within_one_metre(n, side):
    pos = np.random.default_rng(n).uniform(-side, side, (n, 2))
    expected = cKDTree(pos).query_ball_point(pos, r=1.0, return_length=True) / math.pi
    assert np.array_equal(local_density(pos), expected)


def test_density_grid_and_time_above():
    grid = DensityGrid((0.0, 0.0, 3.0, 2.0))
    assert (grid.nx, grid.ny) == (3, 2)
    crowd = np.array([[1.5, 0.5]] * 5 + [[2.5, 1.5]])
    d = grid.density(crowd)
    assert d[1, 0] == 5.0 and d[2, 1] == 1.0 and d.sum() == 6.0
    frames = [(0, crowd), (1, crowd[1:]), (2, crowd), (3, crowd[:2])]
    grid.compute_time_above(frames, n_frames=5, fps=10.0)
    assert grid.time_above(0)[1, 0] == pytest.approx(0.1)
    assert grid.time_above(1)[1, 0] == pytest.approx(0.1)  # 4 is not above 4
    assert grid.time_above(4)[1, 0] == pytest.approx(0.2)
    assert grid.time_above(4).sum() == pytest.approx(0.2)

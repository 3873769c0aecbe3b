"""Rendering puts the right colours at the right pixels (headless, off-screen surfaces)."""

from __future__ import annotations

import numpy as np
import pytest
from test_viz_support import CLOSE_FRAME, EAST_CLOSED, FPS, OPEN, RADII, agent0, write_run

from simcore.recording import geometry_hash
from viz import ColourMode, HeatmapMode, Options, Renderer, ReplayRun, ReplayState, Selection
from viz._pygame import pygame
from viz.colour import EVENT_COLOURS, OUTCOMES, PALETTE, categorical
from viz.text import make_fonts

SIZE = (640, 400)


@pytest.fixture
def headless(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    yield
    pygame.quit()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return write_run(tmp_path_factory.mktemp("viz") / "run")


@pytest.fixture
def run(run_dir):
    r = ReplayRun(run_dir)
    yield r
    r.close()


def draw(state: ReplayState) -> pygame.Surface:
    surface = pygame.Surface(state.size, 0, 32)
    Renderer().draw(surface, state)
    return surface


def rgb(surface: pygame.Surface, xy) -> tuple[int, int, int]:
    return tuple(surface.get_at((int(xy[0]), int(xy[1]))))[:3]


def bare(runs, **kw) -> ReplayState:
    """A state without HUD, so nothing covers the venue."""
    return ReplayState(runs, SIZE, options=Options(hud=False, **kw))


@pytest.mark.parametrize("t", [0.0, 0.25, 0.33, 0.9])
def test_agent_appears_where_the_transform_says(headless, run, t):
    state = bare([run], colour_mode=ColourMode.POPULATION)
    state.playhead.seek(t)
    surface = draw(state)
    view = state.views[0]
    sx, sy = view.point_to_screen(*agent0(t))
    staff = categorical(0)  # agent 0 is the first population
    assert rgb(surface, (sx, sy)) == staff
    # true scale: the disc ends at its radius (0.25 m), the floor is just beyond
    r_px = RADII[0] * view.scale
    assert rgb(surface, (sx + r_px - 2, sy)) == staff
    assert rgb(surface, (sx + r_px + 2, sy)) == PALETTE.floor
    assert rgb(surface, (sx, sy - r_px - 2)) == PALETTE.floor


def test_disc_size_is_true_scale(headless, run):
    state = bare([run], colour_mode=ColourMode.POPULATION)
    view = state.views[0]
    view.zoom_at(*view.point_to_screen(*agent0(0.0)), 3.0)
    surface = draw(state)
    sx, sy = view.point_to_screen(*agent0(0.0))
    row = pygame.surfarray.array3d(surface)[:, int(sy)]
    staff = np.all(row == categorical(0), axis=1) | np.all(
        row == np.array(categorical(0)) * 2 // 5, axis=1
    )
    width_px = np.count_nonzero(staff[int(sx) - 60 : int(sx) + 60])
    assert width_px == pytest.approx(2 * RADII[0] * view.scale, abs=2.0)


def test_exit_is_drawn_open_then_closed(headless, run):
    state = bare([run])
    view = state.views[0]
    spot = view.point_to_screen(10.5, 2.15)  # inside the east exit, off the cross's diagonals
    state.playhead.seek(0.0)
    assert rgb(draw(state), spot) == PALETTE.exit_open
    state.playhead.seek(CLOSE_FRAME / FPS)
    assert rgb(draw(state), spot) == PALETTE.exit_closed
    assert run.figures(CLOSE_FRAME / FPS).exit_open == {"east": False, "west": True}
    west = view.point_to_screen(-0.5, 2.15)
    assert rgb(draw(state), west) == PALETTE.exit_open


def test_exit_states_drawn_are_the_recorded_ones(headless, tmp_path):
    """A recorded layout (west closed from the start) is drawn as recorded."""
    layouts = {
        str(geometry_hash(OPEN.wkt)): {"open_exits": ["east"], "barriers": []},
        str(geometry_hash(EAST_CLOSED.wkt)): {"open_exits": [], "barriers": []},
    }
    with ReplayRun(write_run(tmp_path / "run", run_info={"layouts": layouts})) as run:
        state = bare([run])
        view = state.views[0]
        east, west = view.point_to_screen(10.5, 2.15), view.point_to_screen(-0.5, 2.15)
        surface = draw(state)
        assert (rgb(surface, east), rgb(surface, west)) == (PALETTE.exit_open, PALETTE.exit_closed)
        state.playhead.seek(CLOSE_FRAME / FPS)
        surface = draw(state)
        assert rgb(surface, east) == rgb(surface, west) == PALETTE.exit_closed


def test_venue_layers(headless, run):
    state = bare([run], colour_mode=ColourMode.POPULATION)
    surface = draw(state)
    view = state.views[0]
    assert rgb(surface, view.point_to_screen(4.5, 3.0)) == PALETTE.obstacle  # the pillar
    assert rgb(surface, view.point_to_screen(6.0, 3.0)) == PALETTE.floor
    assert rgb(surface, view.point_to_screen(6.0, 6.8)) == PALETTE.outside


def test_colour_by_outcome_and_speed(headless, run):
    state = bare([run], colour_mode=ColourMode.OUTCOME)
    view = state.views[0]
    surface = draw(state)
    injured = dict(OUTCOMES)["injured"]
    assert rgb(surface, view.point_to_screen(8.0, 5.0)) == injured
    state.options.colour_mode = ColourMode.SPEED
    surface = draw(state)
    slow = rgb(surface, view.point_to_screen(8.0, 5.0))  # speed 0
    fast = rgb(surface, view.point_to_screen(*agent0(0.0)))  # speed 2 m/s, top of the scale
    renderer = Renderer()
    assert slow == tuple(renderer._luts["speed"][0])
    assert fast == tuple(renderer._luts["speed"][255])


def test_injured_agent_is_marked(headless, run):
    state = bare([run], colour_mode=ColourMode.POPULATION)
    view = state.views[0]
    sx, sy = view.point_to_screen(8.0, 5.0)
    ring = (sx + RADII[1] * view.scale + 2, sy)
    state.playhead.seek(0.7)
    assert rgb(draw(state), ring) == PALETTE.floor
    state.playhead.seek(0.8)
    assert rgb(draw(state), ring) == PALETTE.injured


def test_density_heatmap_colours_occupied_cells(headless, run):
    state = bare([run], colour_mode=ColourMode.POPULATION)
    view = state.views[0]
    corner = view.point_to_screen(8.1, 5.9)  # same 1 m cell as agent 1, away from its disc
    empty = view.point_to_screen(6.5, 5.5)
    assert rgb(draw(state), corner) == PALETTE.floor
    state.options.heatmap = HeatmapMode.DENSITY
    surface = draw(state)
    assert rgb(surface, corner) != PALETTE.floor
    assert rgb(surface, empty) == PALETTE.floor


def test_time_above_overlay_matches_a_direct_count(run):
    run.ensure_time_above()
    # three agents never share a 1 m² cell: nothing is above 4 persons/m²
    assert run.grid.time_above(run.n_frames - 1).sum() == 0.0
    assert run.grid.density(np.array([[0.5, 0.5]] * 5)).max() == 5.0


def test_difference_view_draws_both_runs(headless, run, tmp_path):
    other = ReplayRun(write_run(tmp_path / "b", seed=2, shift_y=1.0))
    try:
        state = bare([run, other])
        assert state.toggle_difference()
        surface = draw(state)
        view = state.views[0]
        assert rgb(surface, view.point_to_screen(*agent0(0.0))) == PALETTE.run_a
        x, y = agent0(0.0)
        assert rgb(surface, view.point_to_screen(x, y + 1.0)) == PALETTE.run_b
    finally:
        other.close()


def test_full_picture_with_hud_help_and_selection(headless, run):
    state = ReplayState([run], (800, 500), options=Options(trails=True, show_help=True))
    state.select(Selection(run=0, agent_id=0))
    state.playhead.seek(0.5)
    state.update_follow()
    surface = draw(state)
    view = state.views[0]
    centre = (view.left + view.width / 2, view.top + view.height / 2)
    assert view.to_world(*centre) == pytest.approx(agent0(0.5), abs=1e-6)
    assert surface.get_size() == (800, 500)


def test_event_text_shows_when_it_happens(run):
    state = ReplayState([run], SIZE)
    (event,) = run.events
    assert (event.kind, event.target, event.text) == ("close_exit", "east", "East exit shut")
    state.playhead.seek(0.4)
    assert state.banner_events(run) == []
    state.playhead.seek(0.45)
    assert state.banner_events(run) == [event]
    state.playhead.seek(1.0)
    assert state.banner_events(run) == [event]  # stays a few seconds
    state.options.event_banner_s = 0.2
    assert state.banner_events(run) == []


def test_event_marker_on_the_timeline(headless, run):
    state = ReplayState([run], SIZE)
    surface = draw(state)
    x, y, w, _ = state.timeline_rect
    left, right = x + 16, x + w - 16
    ex = left + (right - left) * 0.45 / state.playhead.duration_s
    assert rgb(surface, (ex, y + 5)) == EVENT_COLOURS["close_exit"]
    assert rgb(surface, (ex + 40, y + 5)) == PALETTE.hud_bg


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_rows_under_the_panels_fit_their_text(headless, run, scale):
    """The timeline, scales and status rows are as tall as their text needs at any font scale;
    at scale 1 they keep their sizes (34, 22, 26 px; 140 px kept above a venue)."""
    state = ReplayState([run], (1280, 720), options=Options(font_scale=scale))
    rows = state.text_rows
    fonts = make_fonts(scale)
    small, body = fonts.small.get_linesize(), fonts.font.get_linesize()
    if scale == 1.0:
        assert (rows.timeline_h, rows.legend_h, rows.status_h, rows.hud_inset) == (34, 22, 26, 140)
    assert rows.legend_h >= small + 8 and rows.status_h >= body + 8
    assert rows.timeline_h >= small + 7 + 12  # tick labels under the track, markers above it
    _, y, _, h = state.timeline_rect
    assert (state.legend_rect[1], state.status_rect[1]) == (y + h, y + h + rows.legend_h)
    assert state.status_rect[1] + rows.status_h == 720
    assert state.panel_area[3] == y  # the panels end where the rows begin
    # the text drawn is that size: the status line's text is as tall as the body font
    surface = draw(state)
    sx, sy, sw, sh = state.status_rect
    text = pygame.surfarray.pixels3d(surface)[sx : sx + sw, sy : sy + sh]
    lit = np.flatnonzero((text.max(axis=2) > 150).any(axis=0))
    assert fonts.font.get_height() * 0.6 <= lit[-1] - lit[0] + 1 <= sh


def test_font_scale_can_change_on_a_state(run):
    state = ReplayState([run], (1280, 720))
    before = state.panel_area[3]
    state.set_font_scale(1.5)
    assert state.options.font_scale == 1.5
    assert state.panel_area[3] < before
    assert state.views[0].height == state.panel_area[3]
    with pytest.raises(ValueError, match="font_scale"):
        state.set_font_scale(0.0)
    with pytest.raises(ValueError, match="font_scale"):
        Options(font_scale=float("nan"))


def test_renderer_font_scale_is_deprecated(headless):
    with pytest.warns(DeprecationWarning, match="Options\\(font_scale"):
        Renderer(font_scale=1.5)

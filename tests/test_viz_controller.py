"""Posted key and mouse events change the replay state as documented (viz.controller.SHORTCUTS)."""

from __future__ import annotations

import pytest
from test_viz_support import agent0, write_run

from viz import (
    ColourMode,
    HeatmapMode,
    InputController,
    Options,
    ReplayApp,
    ReplayRun,
    ReplayState,
    Selection,
)
from viz._pygame import pygame

SIZE = (640, 400)


@pytest.fixture
def display(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    pygame.display.init()
    pygame.display.set_mode(SIZE)
    pygame.event.clear()
    yield
    pygame.quit()


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("viz")
    return (
        write_run(base / "a"),
        write_run(base / "b", seed=2, shift_y=1.0),
        write_run(base / "no-fear", state_columns=("speed",), agents_csv=False),
    )


@pytest.fixture
def runs(run_dirs):
    opened = [ReplayRun(d) for d in run_dirs]
    yield opened
    for r in opened:
        r.close()


@pytest.fixture
def ctl(display, runs):
    state = ReplayState(runs[:1], SIZE)
    return InputController(state)


def key(k: int, mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod))


def mouse(kind: int, pos, **kw) -> None:
    pygame.event.post(pygame.event.Event(kind, pos=pos, **kw))


def pump(ctl: InputController) -> None:
    ctl.handle_all(pygame.event.get())


def test_space_plays_and_pauses(ctl):
    ph = ctl.state.playhead
    key(pygame.K_SPACE)
    pump(ctl)
    assert ph.playing
    key(pygame.K_SPACE)
    pump(ctl)
    assert not ph.playing


def test_arrows_step_frames_and_shift_jumps(ctl):
    ph = ctl.state.playhead
    ph.duration_s = 20.0  # room for a 5 s jump
    key(pygame.K_RIGHT)
    pump(ctl)
    assert ph.t_s == pytest.approx(0.1)
    key(pygame.K_RIGHT, pygame.KMOD_LSHIFT)
    pump(ctl)
    assert ph.t_s == pytest.approx(5.1)
    key(pygame.K_LEFT)
    pump(ctl)
    assert ph.t_s == pytest.approx(5.0)
    key(pygame.K_LEFT, pygame.KMOD_RSHIFT)
    pump(ctl)
    assert ph.t_s == pytest.approx(0.0)
    key(pygame.K_END)
    pump(ctl)
    assert ph.t_s == 20.0
    key(pygame.K_HOME)
    pump(ctl)
    assert ph.t_s == 0.0


def test_speed_keys(ctl):
    ph = ctl.state.playhead
    for k in (pygame.K_UP, pygame.K_PLUS, pygame.K_EQUALS):
        key(k)
    pump(ctl)
    assert ph.speed == 8.0
    for _ in range(8):
        key(pygame.K_UP)
    pump(ctl)
    assert ph.speed == 16.0
    for _ in range(12):
        key(pygame.K_DOWN)
    key(pygame.K_MINUS)
    pump(ctl)
    assert ph.speed == 0.25


def test_toggles(ctl):
    s = ctl.state
    for k in (pygame.K_l, pygame.K_t, pygame.K_h):
        key(k)
    pump(ctl)
    assert s.playhead.loop and s.options.trails and s.options.show_help
    key(pygame.K_ESCAPE)  # closes the help first
    pump(ctl)
    assert not s.options.show_help
    key(pygame.K_m)
    pump(ctl)
    assert s.options.heatmap is HeatmapMode.DENSITY
    key(pygame.K_m)
    pump(ctl)
    assert s.options.heatmap is HeatmapMode.TIME_ABOVE
    assert s.runs[0].grid.has_time_above
    key(pygame.K_m)
    pump(ctl)
    assert s.options.heatmap is HeatmapMode.OFF
    key(pygame.K_q)
    pump(ctl)
    assert s.quit


def test_colour_keys(ctl):
    s = ctl.state
    key(pygame.K_3)
    pump(ctl)
    assert s.options.colour_mode is ColourMode.FEAR
    key(pygame.K_c)
    pump(ctl)
    assert s.options.colour_mode is ColourMode.POPULATION
    key(pygame.K_2)
    pump(ctl)
    assert s.options.colour_mode is ColourMode.DENSITY


def test_unavailable_colour_modes_are_refused_with_a_reason(display, runs):
    state = ReplayState([runs[2]], SIZE)  # no fear column, no agents.csv
    ctl = InputController(state)
    assert state.options.colour_mode is ColourMode.SPEED
    for k in (pygame.K_3, pygame.K_4, pygame.K_5):
        key(k)
        pump(ctl)
        assert state.options.colour_mode is ColourMode.SPEED
    assert "agents.csv" in state.status
    key(pygame.K_c)  # skips the unavailable ones
    pump(ctl)
    assert state.options.colour_mode is ColourMode.DENSITY
    key(pygame.K_c)
    pump(ctl)
    assert state.options.colour_mode is ColourMode.SPEED


def test_difference_view_key(display, runs):
    state = ReplayState(runs[:2], SIZE)
    ctl = InputController(state)
    assert len(state.views) == 2
    key(pygame.K_d)
    pump(ctl)
    assert state.options.difference and len(state.views) == 1
    key(pygame.K_d)
    pump(ctl)
    assert not state.options.difference and len(state.views) == 2
    single = ReplayState(runs[:1], SIZE)
    assert not single.toggle_difference()
    assert "two runs" in single.status


def test_wheel_zooms_at_the_cursor_and_f_fits(ctl):
    view = ctl.state.views[0]
    scale = view.scale
    at = (300, 200)
    before = view.to_world(*at)
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=2, pos=at))
    pump(ctl)
    assert view.scale == pytest.approx(scale * 1.2**2)
    assert view.to_world(*at) == pytest.approx(before)
    key(pygame.K_f)
    pump(ctl)
    assert ctl.state.views[0].scale == pytest.approx(scale)


def test_drag_pans(ctl):
    view = ctl.state.views[0]
    ox, oy = view.ox, view.oy
    mouse(pygame.MOUSEBUTTONDOWN, (300, 200), button=1)
    mouse(pygame.MOUSEMOTION, (310, 205), rel=(10, 5), buttons=(1, 0, 0))
    mouse(pygame.MOUSEMOTION, (340, 215), rel=(30, 10), buttons=(1, 0, 0))
    mouse(pygame.MOUSEBUTTONUP, (340, 215), button=1)
    pump(ctl)
    assert (view.ox - ox, view.oy - oy) == pytest.approx((40, 15))
    assert ctl.state.selection is None  # a drag is not a click


def test_click_an_agent_follows_it(ctl):
    s = ctl.state
    view = s.views[0]
    s.playhead.seek(0.2)
    at = tuple(int(v) for v in view.point_to_screen(*agent0(0.2)))
    mouse(pygame.MOUSEBUTTONDOWN, at, button=1)
    mouse(pygame.MOUSEBUTTONUP, at, button=1)
    pump(ctl)
    assert s.selection == Selection(run=0, agent_id=0) and s.follow
    s.playhead.seek(0.6)
    s.update_follow()
    centre = (view.left + view.width / 2, view.top + view.height / 2)
    assert view.to_world(*centre) == pytest.approx(agent0(0.6))
    key(pygame.K_ESCAPE)
    pump(ctl)
    assert s.selection is None and not s.follow
    empty = tuple(int(v) for v in view.point_to_screen(6.5, 3.0))
    mouse(pygame.MOUSEBUTTONDOWN, empty, button=1)
    mouse(pygame.MOUSEBUTTONUP, empty, button=1)
    pump(ctl)
    assert s.selection is None


def test_timeline_click_and_drag_seek(ctl):
    s = ctl.state
    x, y, w, h = s.timeline_rect
    left, right = x + 16, x + w - 16
    mouse(pygame.MOUSEBUTTONDOWN, (left + (right - left) // 2, y + h // 2), button=1)
    pump(ctl)
    assert s.playhead.fraction == pytest.approx(0.5, abs=0.01)
    mouse(pygame.MOUSEMOTION, (right, y + h // 2), rel=(1, 0), buttons=(1, 0, 0))
    mouse(pygame.MOUSEBUTTONUP, (right, y + h // 2), button=1)
    pump(ctl)
    assert s.playhead.t_s == s.playhead.duration_s


def test_app_steps_with_the_wall_clock(display, run_dirs, tmp_path, monkeypatch):
    app = ReplayApp(run_dirs[:2], size=SIZE, play=True, speed=0.5)
    try:
        for run in app.state.runs:  # in memory already, as the read-ahead would have them
            for i in range(3):
                run.frame(i)
        app.step(0.2)  # 0.2 s of wall clock at 0.5×
        assert app.state.playhead.t_s == pytest.approx(0.1)
        key(pygame.K_SPACE)
        app.step(0.2)
        assert app.state.playhead.t_s == pytest.approx(0.1) and not app.state.playhead.playing
        monkeypatch.chdir(tmp_path)
        key(pygame.K_s)
        app.step(0.0)
        shots = list(tmp_path.glob("replay-*.png"))
        assert len(shots) == 1
        assert pygame.image.load(str(shots[0])).get_size() == SIZE
        key(pygame.K_F11)
        app.step(0.0)
        assert app.state.fullscreen
        key(pygame.K_F11)
        app.step(0.0)
        assert not app.state.fullscreen and app.state.size == SIZE
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        assert app.run() == 0
    finally:
        app.close()


def test_playback_waits_for_frames_not_yet_read(display, run_dirs):
    app = ReplayApp(run_dirs[:1], size=SIZE, play=True)
    try:
        run = app.state.runs[0]
        run._prefetch.stop()  # no read-ahead: frames 2… stay on disk
        run._prefetch = None
        run.frame(0)  # a frame is read with the next one, which drawing between them needs
        assert run.ready(0.05) and not run.ready(0.15)
        app.state.playhead.seek(0.1)
        app.step(0.05)
        assert app.state.playhead.t_s == pytest.approx(0.1) and "reading" in app.state.status
        run.frame(2)
        app.step(0.05)
        assert app.state.playhead.t_s == pytest.approx(0.15)
    finally:
        app.close()


def test_options_reach_the_app(display, run_dirs):
    app = ReplayApp(run_dirs[:1], size=SIZE, options=Options(colour_mode=ColourMode.OUTCOME))
    try:
        assert app.state.options.colour_mode is ColourMode.OUTCOME
    finally:
        app.close()

"""The playhead (pure): speed, scrubbing, stepping, loop, and interpolation between frames."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_viz_support import FPS, N_FRAMES, agent0, agent2, write_run

from viz.playhead import SPEEDS, Playhead, frame_position


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from viz.run import ReplayRun

    r = ReplayRun(write_run(tmp_path_factory.mktemp("viz") / "run"))
    yield r
    r.close()


# -- frame_position ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0.0, (0, 0.0)),
        (-1.0, (0, 0.0)),
        (0.3, (3, 0.0)),  # 0.3 · 10 is 2.9999…: still frame 3 exactly
        (0.35, (3, 0.5)),
        (0.99, (9, 0.9)),
        (1.0, (10, 0.0)),
        (7.0, (10, 0.0)),
    ],
)
def test_frame_position(t, expected):
    i, alpha = frame_position(t, fps=FPS, n_frames=N_FRAMES)
    assert i == expected[0]
    assert alpha == pytest.approx(expected[1], abs=1e-9)


def test_frame_position_single_frame_and_nan():
    assert frame_position(5.0, fps=10.0, n_frames=1) == (0, 0.0)
    assert frame_position(math.nan, fps=10.0, n_frames=5) == (0, 0.0)
    with pytest.raises(ValueError, match="at least one frame"):
        frame_position(0.0, fps=10.0, n_frames=0)


@given(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.5, max_value=100.0))
def test_frame_position_reconstructs_time(t, fps):
    n = math.floor(fps) + 2
    i, alpha = frame_position(t, fps=fps, n_frames=n)
    assert 0 <= alpha < 1
    assert (i + alpha) / fps == pytest.approx(min(t, (n - 1) / fps), abs=1e-9)


# -- playing ----------------------------------------------------------------------------------


def test_advance_uses_speed_and_only_when_playing():
    ph = Playhead(duration_s=10.0, fps=10.0)
    ph.advance(1.0)
    assert ph.t_s == 0.0
    ph.toggle()
    ph.set_speed(0.25)
    ph.advance(1.0)
    assert ph.t_s == pytest.approx(0.25)
    ph.set_speed(16.0)
    ph.advance(0.25)
    assert ph.t_s == pytest.approx(4.25)


def test_end_stops_or_loops():
    ph = Playhead(duration_s=10.0, fps=10.0, playing=True, speed=4.0)
    ph.advance(3.0)
    assert ph.t_s == 10.0 and not ph.playing and ph.at_end
    ph.toggle()  # play at the end starts again
    assert ph.t_s == 0.0 and ph.playing
    ph.loop = True
    ph.seek(9.0)
    ph.advance(1.0)  # 4 s later, wrapped
    assert ph.t_s == pytest.approx(3.0) and ph.playing


def test_speed_ladder_and_clamps():
    ph = Playhead(duration_s=1.0, fps=10.0)
    seen = [ph.speed]
    for _ in range(10):
        ph.faster()
        seen.append(ph.speed)
    assert seen[-1] == SPEEDS[-1] == 16.0
    assert sorted(set(seen)) == [s for s in SPEEDS if s >= 1.0]
    for _ in range(10):
        ph.slower()
    assert ph.speed == SPEEDS[0] == 0.25
    ph.set_speed(100.0)
    assert ph.speed == 16.0
    ph.set_speed(0.01)
    assert ph.speed == 0.25
    ph.set_speed(3.0)  # between the steps: the next step up is 4
    ph.faster()
    assert ph.speed == 4.0
    with pytest.raises(ValueError):
        ph.set_speed(-1.0)


def test_step_frames_lands_on_frames_and_pauses():
    ph = Playhead(duration_s=1.0, fps=10.0, playing=True)
    ph.step_frames(1)
    assert not ph.playing
    assert ph.t_s == pytest.approx(0.1)
    ph.seek(0.35)
    ph.step_frames(-1)  # between frames 3 and 4: back to 3
    assert ph.t_s == pytest.approx(0.3)
    ph.step_frames(-1)
    assert ph.t_s == pytest.approx(0.2)
    ph.seek(0.35)
    ph.step_frames(1)
    assert ph.t_s == pytest.approx(0.4)
    ph.step_frames(100)
    assert ph.t_s == 1.0
    ph.step_frames(-100)
    assert ph.t_s == 0.0


def test_scrub_jump_and_ends():
    ph = Playhead(duration_s=60.0, fps=10.0)
    ph.seek_fraction(0.5)
    assert ph.t_s == 30.0
    ph.seek_fraction(2.0)
    assert ph.t_s == 60.0
    ph.jump(-5.0)
    assert ph.t_s == 55.0
    ph.jump(-100.0)
    assert ph.t_s == 0.0
    ph.seek(-3.0)
    assert ph.t_s == 0.0
    ph.to_end()
    assert ph.t_s == 60.0
    ph.to_start()
    assert ph.t_s == 0.0
    with pytest.raises(ValueError):
        ph.seek(math.nan)


# -- interpolation in a recorded run ----------------------------------------------------------


@pytest.mark.parametrize("t", [0.0, 0.05, 0.37, 0.5, 0.61, 0.99, 1.0])
def test_positions_interpolate_linearly(run, t):
    snap = run.snapshot(t)
    k = int(np.flatnonzero(snap.ids == 0)[0])
    assert snap.pos[k] == pytest.approx(agent0(t), abs=1e-9)
    if t <= 0.6:  # later, agent 2 has no next frame to move towards
        k2 = int(np.flatnonzero(snap.ids == 2)[0])
        assert snap.pos[k2] == pytest.approx(agent2(t), abs=1e-9)


def test_leaving_agent_disappears_half_way_between_frames(run):
    assert 2 in run.snapshot(0.64).ids  # frame 6 is nearer
    assert 2 not in run.snapshot(0.66).ids  # frame 7 is nearer, agent 2 is not in it


def test_state_interpolates_and_discrete_state_takes_the_nearest_frame(run):
    snap = run.snapshot(0.75)
    k = int(np.flatnonzero(snap.ids == 1)[0])
    assert snap.state["fear"][k] == pytest.approx(0.75)
    assert snap.state["harmed"][k] == 1.0  # nearest frame is 8
    assert run.snapshot(0.74).state["harmed"][k] == 0.0

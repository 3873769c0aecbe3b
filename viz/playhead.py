"""The playhead: replay time, speed, play/pause and loop, and where that time falls between frames.

Pure Python, no pygame: the viewer calls :meth:`Playhead.advance` with the wall-clock time of each
displayed frame, the exporter sets :attr:`Playhead.t_s` from the frame index. Recorded frames are
interpolated (:func:`frame_position`), so 0.25× slow motion moves smoothly instead of in 0.1 s
jumps. This is the render-side counterpart of a fixed simulation step: the recording's time base
never depends on the display's frame rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

__all__ = ["SPEEDS", "Playhead", "frame_position"]

#: Playback speeds offered by the speed keys, slowest to fastest.
SPEEDS: Final = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
#: Tolerance when a time falls exactly on a frame (so t = 1.0 s at 10 fps is frame 10, not 9).
_EPS: Final = 1e-9


def frame_position(t_s: float, *, fps: float, n_frames: int) -> tuple[int, float]:
    """Where time ``t_s`` falls in a recording: ``(frame i, alpha)`` with ``0 ≤ alpha < 1``.

    Positions at ``t_s`` are ``(1 − alpha)·p[i] + alpha·p[i+1]``. Times before the first frame
    give ``(0, 0.0)``; times at or after the last give ``(n_frames − 1, 0.0)``.

    Args:
        t_s: replay time (s).
        fps: recorded frames per second.
        n_frames: number of recorded frames (≥ 1).
    """
    if n_frames <= 0:
        raise ValueError(f"a recording needs at least one frame, got n_frames={n_frames}")
    x = t_s * fps
    if not x > 0.0:  # also NaN
        return 0, 0.0
    i = math.floor(x + _EPS)
    if i >= n_frames - 1:
        return n_frames - 1, 0.0
    alpha = x - i
    return i, alpha if alpha > _EPS else 0.0


@dataclass
class Playhead:
    """Replay time shared by every run on screen.

    Args:
        duration_s: time of the last frame of the longest run (s).
        fps: frame rate of the step keys (the recordings' frames per second).

    Attributes:
        t_s: current replay time (s), in ``[0, duration_s]``.
        speed: replay seconds per wall-clock second, within ``[SPEEDS[0], SPEEDS[-1]]``.
        playing: whether :meth:`advance` moves the time.
        loop: at the end, start again instead of stopping.
    """

    duration_s: float
    fps: float
    t_s: float = 0.0
    speed: float = 1.0
    playing: bool = False
    loop: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.duration_s) and self.duration_s >= 0.0):
            raise ValueError(f"duration_s must be finite and ≥ 0, got {self.duration_s}")
        if not (math.isfinite(self.fps) and self.fps > 0.0):
            raise ValueError(f"fps must be positive, got {self.fps}")
        self.set_speed(self.speed)
        self.seek(self.t_s)

    # -- time -----------------------------------------------------------------------------------

    @property
    def at_end(self) -> bool:
        """Whether the time is at the end of the recording."""
        return self.t_s >= self.duration_s

    @property
    def fraction(self) -> float:
        """Time as a fraction of the duration, in ``[0, 1]``."""
        return self.t_s / self.duration_s if self.duration_s > 0 else 0.0

    def advance(self, wall_dt_s: float) -> None:
        """Move the time by ``wall_dt_s · speed`` if playing; stop (or wrap, if looping) at the end.

        Args:
            wall_dt_s: wall-clock seconds since the last displayed frame (≥ 0).
        """
        if not self.playing or wall_dt_s <= 0.0:
            return
        t = self.t_s + wall_dt_s * self.speed
        if t < self.duration_s:
            self.t_s = t
        elif self.loop and self.duration_s > 0:
            self.t_s = math.fmod(t, self.duration_s)
        else:
            self.t_s = self.duration_s
            self.playing = False

    def seek(self, t_s: float) -> None:
        """Set the time (clamped to the recording); used by the timeline and by exports."""
        if math.isnan(t_s):
            raise ValueError("cannot seek to NaN")
        self.t_s = min(max(float(t_s), 0.0), self.duration_s)

    def seek_fraction(self, fraction: float) -> None:
        """Set the time to a fraction of the duration (a click on the timeline)."""
        self.seek(min(max(fraction, 0.0), 1.0) * self.duration_s)

    def jump(self, seconds: float) -> None:
        """Move the time by ``seconds`` (negative: back), clamped; keeps playing."""
        self.seek(self.t_s + seconds)

    def step_frames(self, n: int) -> None:
        """Pause and move ``n`` recorded frames (negative: back), landing exactly on a frame."""
        self.playing = False
        frame = math.floor(self.t_s * self.fps + _EPS)
        if n < 0 and self.t_s * self.fps - frame > _EPS:
            frame += 1  # between frames: one step back lands on the frame just before
        self.seek((frame + n) / self.fps)

    def to_start(self) -> None:
        """Go to time 0."""
        self.seek(0.0)

    def to_end(self) -> None:
        """Go to the last frame and pause."""
        self.playing = False
        self.seek(self.duration_s)

    # -- play/pause and speed ------------------------------------------------------------------

    def toggle(self) -> None:
        """Play or pause; playing from the end starts again from 0."""
        if not self.playing and self.at_end:
            self.t_s = 0.0
        self.playing = not self.playing

    def set_speed(self, speed: float) -> None:
        """Set the speed, clamped to ``[SPEEDS[0], SPEEDS[-1]]``."""
        if not math.isfinite(speed) or speed <= 0:
            raise ValueError(f"speed must be a positive number, got {speed}")
        self.speed = min(max(float(speed), SPEEDS[0]), SPEEDS[-1])

    def faster(self) -> None:
        """The next speed of :data:`SPEEDS` (stays at the fastest)."""
        self.speed = next((s for s in SPEEDS if s > self.speed + _EPS), SPEEDS[-1])

    def slower(self) -> None:
        """The previous speed of :data:`SPEEDS` (stays at the slowest)."""
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed - _EPS), SPEEDS[0])

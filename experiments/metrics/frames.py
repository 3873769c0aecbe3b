"""One pass over the recorded frames, with velocities, shared by every map metric.

Velocities are backward differences of positions between consecutive frames (an agent's first
frame gets the recorded speed along its heading, or zero), which is what PedPy does for speeds
and suffices for the local velocity variance of the crowd pressure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from simcore import columns as col
from simcore.recording import RunReader

__all__ = ["Frame", "FrameConsumer", "iter_frames", "run_pass"]


@dataclass(frozen=True)
class Frame:
    """The agents in one recorded frame.

    Attributes:
        index: frame number. time_s: its time (s). dt_s: time since the previous frame (s).
        ids: (n,) agent ids. pos, vel: (n, 2) position (m) and velocity (m/s).
        speed: (n,) speed (m/s): the recorded one if the run stored it, else ``|vel|``.
        harmed: (n,) bool, injured agents (immobile), or None if the run did not record it.
    """

    index: int
    time_s: float
    dt_s: float
    ids: np.ndarray
    pos: np.ndarray
    vel: np.ndarray
    speed: np.ndarray
    harmed: np.ndarray | None


class FrameConsumer(Protocol):
    """Anything that accumulates a quantity frame by frame."""

    def add(self, frame: Frame) -> None: ...

    def finish(self) -> None: ...


#: Frames read per database query (memory: this many frames at a time).
BLOCK_FRAMES = 256


def _recorded(reader: RunReader, start: int, stop: int | None) -> Iterator[Any]:
    stop = reader.n_frames if stop is None else min(stop, reader.n_frames)
    if not hasattr(reader, "frames"):  # a reader without block reads: one frame per query
        yield from reader.iter_frames(start=start, stop=stop)
        return
    for lo in range(max(start, 0), stop, BLOCK_FRAMES):
        block = reader.frames(start=lo, stop=min(lo + BLOCK_FRAMES, stop))
        for f in range(lo, min(lo + BLOCK_FRAMES, stop)):
            yield block.frame(f)


def iter_frames(reader: RunReader, *, start: int = 0, stop: int | None = None) -> Iterator[Frame]:
    """Yield the frames of a run with velocities (read in blocks of 256 frames)."""
    dt = 1.0 / reader.fps
    prev_ids = np.zeros(0, dtype=np.int64)
    prev_pos = np.zeros((0, 2))
    for fd in _recorded(reader, start, stop):
        ids, pos = fd.ids, fd.pos
        vel = np.zeros_like(pos)
        speed_rec = fd.state.get(col.STATE_SPEED)
        if prev_ids.size and ids.size:
            j = np.searchsorted(prev_ids, ids)
            j = np.minimum(j, prev_ids.size - 1)
            seen = prev_ids[j] == ids
            vel[seen] = (pos[seen] - prev_pos[j[seen]]) / dt
            if speed_rec is not None:
                new = ~seen
                vel[new] = fd.ori[new] * speed_rec[new, None]
        elif speed_rec is not None and ids.size:
            vel = fd.ori * speed_rec[:, None]
        speed = np.hypot(vel[:, 0], vel[:, 1]) if speed_rec is None else np.asarray(speed_rec)
        harmed = fd.state.get(col.STATE_HARMED)
        yield Frame(
            index=fd.frame,
            time_s=fd.frame * dt,
            dt_s=dt,
            ids=ids,
            pos=pos,
            vel=vel,
            speed=speed,
            harmed=None if harmed is None else np.asarray(harmed) > 0.5,
        )
        prev_ids, prev_pos = ids, pos


def run_pass(reader: RunReader, consumers: list[FrameConsumer]) -> None:
    """Feed every frame to every consumer, then call their ``finish``."""
    for frame in iter_frames(reader):
        for c in consumers:
            c.add(frame)
    for c in consumers:
        c.finish()

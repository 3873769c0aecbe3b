"""Headless export: an MP4 video, a folder of PNG frames, or one PNG snapshot.

Driven by recorded time, never by the wall clock: picture ``k`` shows replay time
``start_s + k · speed / fps``, so a video is the same whatever the machine. Needs no display (only
pygame's font module); MP4 encoding uses the ffmpeg binary shipped inside the ``imageio-ffmpeg``
wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import numpy as np

from ._pygame import pygame
from .errors import ReplayError
from .render import Renderer
from .run import ReplayRun
from .state import Options, ReplayState

__all__ = ["export", "frame_times", "is_video_path", "snapshot"]

VIDEO_SUFFIXES: Final = (".mp4", ".mkv", ".mov", ".m4v")


def is_video_path(path: Path | str) -> bool:
    """Whether an export path names a video file (else it is a folder of PNG frames)."""
    return not str(path).endswith(("/", os.sep)) and Path(path).suffix.lower() in VIDEO_SUFFIXES


def frame_times(
    duration_s: float, *, speed: float, fps: float, start_s: float = 0.0, end_s: float | None = None
) -> np.ndarray:
    """Replay times of the exported pictures: ``start_s + k·speed/fps`` up to ``end_s``.

    Args:
        duration_s: length of the replay (s).
        speed: replay seconds per video second.
        fps: pictures per video second.
        start_s, end_s: the time window (default: the whole replay).

    Raises:
        ReplayError: the window is empty or outside the replay, or speed/fps are not positive.
    """
    if not (math.isfinite(speed) and speed > 0):
        raise ReplayError(f"speed must be a positive number, got {speed}")
    if not (math.isfinite(fps) and fps > 0):
        raise ReplayError(f"fps must be a positive number, got {fps}")
    end = duration_s if end_s is None else end_s
    if not (0.0 <= start_s <= duration_s):
        raise ReplayError(f"start {start_s:g} s is outside the replay (0 … {duration_s:.2f} s)")
    if end < start_s:
        raise ReplayError(f"end {end:g} s is before start {start_s:g} s")
    end = min(end, duration_s)
    n = math.floor((end - start_s) * fps / speed + 1e-9) + 1
    return start_s + np.arange(n) * (speed / fps)


def _parse_runs(runs: Sequence[ReplayRun | Path | str]) -> tuple[list[ReplayRun], list[ReplayRun]]:
    opened, owned = [], []
    try:
        for r in runs:
            if isinstance(r, ReplayRun):
                opened.append(r)
            else:
                run = ReplayRun(r)
                opened.append(run)
                owned.append(run)
    except BaseException:
        for run in owned:
            run.close()
        raise
    return opened, owned


def _check_size(size: tuple[int, int], *, even: bool) -> tuple[int, int]:
    w, h = int(size[0]), int(size[1])
    if w < 64 or h < 64:
        raise ReplayError(f"picture size {w}×{h} is too small; use at least 64×64")
    if even and (w % 2 or h % 2):
        raise ReplayError(
            f"a video needs an even width and height (H.264, yuv420p), got {w}×{h}; "
            f"use {w + w % 2}x{h + h % 2}"
        )
    return w, h


def _state(
    runs: list[ReplayRun], size: tuple[int, int], options: Options | None, speed: float
) -> ReplayState:
    state = ReplayState(runs, size, options=options or Options())
    state.playhead.speed = speed  # may exceed the interactive range: exports are not clamped
    return state


def export(
    runs: Sequence[ReplayRun | Path | str],
    out: Path | str,
    *,
    size: tuple[int, int] = (1280, 720),
    speed: float = 1.0,
    fps: float = 30.0,
    start_s: float = 0.0,
    end_s: float | None = None,
    options: Options | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Export a replay as an MP4 video (``out`` ends in ``.mp4``) or PNG frames (a folder).

    Args:
        runs: run directories (or opened runs), side by side in this order.
        out: the video file, or the folder for ``frame_000000.png``, ``frame_000001.png``…
        size: picture size (px); even for a video.
        speed: replay seconds per video second.
        fps: pictures per video second.
        start_s, end_s: the time window (default: everything).
        options: what is drawn (colour mode, heatmap, trails, difference view).
        overwrite: replace an existing video, or PNG frames already in the folder.
        progress: called with (pictures done, pictures in all).

    Returns:
        The number of pictures written.

    Raises:
        ReplayError: bad size, window or speed; the output exists and ``overwrite`` is false.
        OutputFormatError: a run directory is missing or broken.
    """
    out = Path(out)
    video = is_video_path(out)
    w, h = _check_size(size, even=video)
    opened, owned = _parse_runs(runs)
    try:
        state = _state(opened, (w, h), options, speed)
        times = frame_times(
            state.playhead.duration_s, speed=speed, fps=fps, start_s=start_s, end_s=end_s
        )
        if video:
            if out.exists() and not overwrite:
                raise ReplayError(f"{out} exists; pass --overwrite to replace it")
            out.parent.mkdir(parents=True, exist_ok=True)
            return _write_video(state, out, times, fps, progress)
        if out.exists() and not out.is_dir():
            raise ReplayError(f"{out} is a file; give a folder for PNG frames or a .mp4 path")
        out.mkdir(parents=True, exist_ok=True)
        if any(out.glob("frame_*.png")) and not overwrite:
            raise ReplayError(
                f"{out} already holds frame_*.png files; pass --overwrite to replace them"
            )
        return _write_pngs(state, out, times, progress)
    finally:
        for run in owned:
            run.close()


def _frames(state: ReplayState, times: np.ndarray):
    renderer = Renderer()
    surface = pygame.Surface(state.size, 0, 32)
    for t in times:
        state.playhead.seek(float(t))
        renderer.draw(surface, state)
        yield surface


def _write_video(
    state: ReplayState,
    out: Path,
    times: np.ndarray,
    fps: float,
    progress: Callable[[int, int], None] | None,
) -> int:
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise ReplayError("MP4 export needs imageio-ffmpeg: pip install imageio-ffmpeg") from exc
    partial = out.with_name(out.stem + ".partial" + out.suffix)
    writer = imageio_ffmpeg.write_frames(
        str(partial),
        state.size,
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=2,
        quality=7,
        ffmpeg_log_level="error",
    )
    writer.send(None)
    n = 0
    try:
        for surface in _frames(state, times):
            writer.send(pygame.image.tobytes(surface, "RGB"))
            n += 1
            if progress is not None:
                progress(n, len(times))
        writer.close()
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out)
    return n


def _write_pngs(
    state: ReplayState,
    out: Path,
    times: np.ndarray,
    progress: Callable[[int, int], None] | None,
) -> int:
    for old in out.glob("frame_*.png"):
        old.unlink()
    n = 0
    for surface in _frames(state, times):
        pygame.image.save(surface, str(out / f"frame_{n:06d}.png"))
        n += 1
        if progress is not None:
            progress(n, len(times))
    return n


def snapshot(
    runs: Sequence[ReplayRun | Path | str],
    out: Path | str,
    *,
    t_s: float,
    size: tuple[int, int] = (1280, 720),
    options: Options | None = None,
    overwrite: bool = True,
) -> Path:
    """Write one PNG picture of the replay at time ``t_s`` (for a report).

    Raises:
        ReplayError: ``t_s`` is outside the replay, or ``out`` is not a ``.png`` path.
        OutputFormatError: a run directory is missing or broken.
    """
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ReplayError(f"a snapshot is a PNG picture: give a path ending in .png, not {out}")
    if out.exists() and not overwrite:
        raise ReplayError(f"{out} exists; pass --overwrite to replace it")
    w, h = _check_size(size, even=False)
    opened, owned = _parse_runs(runs)
    try:
        state = _state(opened, (w, h), options, 1.0)
        duration = state.playhead.duration_s
        if not (0.0 <= t_s <= duration + 1e-9):
            raise ReplayError(
                f"t = {t_s:g} s is outside the replay, which lasts 0 … {duration:.1f} s"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        surface = next(_frames(state, np.array([min(t_s, duration)])))
        pygame.image.save(surface, str(out))
    finally:
        for run in owned:
            run.close()
    return out

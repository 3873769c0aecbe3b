"""Replay frame rate: how fast the viewer draws 10,000 and 50,000 agents (CPU only, headless).

For each N it writes a synthetic run directory (a hall sized for about one person per m², agents
walking in random directions, radii 0.2–0.25 m, 10 recorded frames per second), opens it as the
viewer does and prints

- ``draw``: whole pictures per second at 1280×720 — venue, agents at true scale coloured by speed,
  figures, legend, timeline — while the playhead moves at 1× between recorded frames already read
  (interpolation included); the figure to compare with the 60 fps target;
- ``draw 4× zoom`` and ``draw density``: the same zoomed in 4× (bigger discs, fewer on screen), and
  coloured by local density;
- recorded frames per second read from ``trajectory.sqlite``, which bounds the playback of runs
  whose frames are not in memory yet: ``1/query`` one frame per query (``RunReader.frame``, as the
  viewer read before it read blocks); ``blocks`` the viewer reading on in order (an export, or
  playback past what was read: blocks of ``RunReader.frames``); ``ahead`` the viewer's background
  read-ahead, the playhead following as fast as frames arrive (from a jump to frame 0, so its
  short first blocks are included).

Display flips are not included (the window is a dummy one). Usage::

    python benchmarks/replay_fps.py                # N = 10,000 and 50,000
    python benchmarks/replay_fps.py --sizes 10000
    python benchmarks/replay_fps.py --runs RUN_DIR # the read rates of recorded runs too
    python benchmarks/replay_fps.py --smoke        # N = 1,000, a check that it runs (CI)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import simcore.columns as col
from simcore.recording import RunReader, RunWriter
from viz import ColourMode, Options, Renderer, ReplayRun, ReplayState
from viz._pygame import pygame

SIZE = (1280, 720)
FPS = 10.0


def write_synthetic_run(run_dir: Path, n: int, n_frames: int, seed: int = 0) -> Path:
    """A hall of about ``n`` m² (16:9) with ``n`` agents walking at 0.5–1.5 m/s."""
    rng = np.random.default_rng(seed)
    h = math.sqrt(n * 9 / 16)
    w = 16 / 9 * h
    hall = f"POLYGON ((0 0, {w:.3f} 0, {w:.3f} {h:.3f}, 0 {h:.3f}, 0 0))"
    exit_area = f"POLYGON (({w:.3f} {h / 2 - 2:.3f}, {w + 1:.3f} {h / 2 - 2:.3f}, " + (
        f"{w + 1:.3f} {h / 2 + 2:.3f}, {w:.3f} {h / 2 + 2:.3f}, {w:.3f} {h / 2 - 2:.3f}))"
    )
    pos = rng.uniform([0.5, 0.5], [w - 0.5, h - 0.5], (n, 2))
    angle = rng.uniform(0, 2 * np.pi, n)
    speed = rng.uniform(0.5, 1.5, n)
    vel = np.stack([np.cos(angle), np.sin(angle)], axis=1) * speed[:, None]
    ids = np.arange(n, dtype=np.int64)
    info = {"scenario": f"synthetic hall, {n} agents", "seed": seed, "exits": ["east"],
            "exit_areas": {"east": exit_area}, "populations": ["crowd"]}  # fmt: skip
    with RunWriter(
        run_dir,
        fps=FPS,
        bounds=(0.0, 0.0, w + 1, h),
        geometry_wkt=hall,
        run_info=info,
        state_columns=(col.STATE_SPEED, col.STATE_FEAR, col.STATE_HARMED),
        overwrite=True,
    ) as writer:
        for f in range(n_frames):
            p = np.clip(pos + vel * (f / FPS), 0.3, [w - 0.3, h - 0.3])
            writer.write_frame(
                f,
                ids=ids,
                pos=p,
                ori=vel / speed[:, None],
                state={
                    col.STATE_SPEED: speed,
                    col.STATE_FEAR: np.zeros(n),
                    col.STATE_HARMED: np.zeros(n),
                },
            )
        writer.finish(
            summary={"agents_total": n},
            agents={
                col.ID_COL: ids.tolist(),
                col.POPULATION_COL: ["crowd"] * n,
                col.EXIT_COL: [""] * n,
                col.T_START_COL: [0.0] * n,
                col.T_EVACUATED_COL: [None] * n,
                col.OUTCOME_COL: ["remaining"] * n,
                col.SPAWN_X_COL: pos[:, 0].tolist(),
                col.SPAWN_Y_COL: pos[:, 1].tolist(),
                col.DESIRED_SPEED_COL: speed.tolist(),
                col.RADIUS_COL: rng.uniform(0.2, 0.25, n).tolist(),
            },
        )
    return run_dir


def draw_rate(state: ReplayState, renderer: Renderer, seconds: float) -> tuple[float, int]:
    """Pictures per second while the playhead moves at 1× (wall clock), over ``seconds``."""
    surface = pygame.Surface(state.size, 0, 32)
    ph = state.playhead
    ph.seek(0.0)
    ph.playing, ph.loop = True, True
    renderer.draw(surface, state)  # venue layer, fonts
    n = 0
    t0 = last = time.perf_counter()
    while (now := time.perf_counter()) - t0 < seconds:
        ph.advance(now - last)
        last = now
        renderer.draw(surface, state)
        n += 1
    return n / (time.perf_counter() - t0), n


Clock = Callable[[], float]


def _read_one(run_dir: Path, n: int, clock: Clock) -> float:
    with RunReader(run_dir) as reader:
        t = clock()
        for i in range(n):
            reader.frame(i)
        return n / (clock() - t)


def _read_blocks(run_dir: Path, n: int, clock: Clock) -> float:
    with ReplayRun(run_dir) as run:
        t = clock()
        for i in range(n):
            run.frame(i)  # in order: past the first two frames, whole blocks
        return n / (clock() - t)


def _read_ahead(run_dir: Path, n: int, clock: Clock) -> float:
    with ReplayRun(run_dir, read_ahead=True) as run:
        t = clock()
        i = 0  # the playhead: as far as the frames read go
        while i < n - 1:
            run.read_ahead(i / run.fps)
            while i < n - 1 and run.ready((i + 1) / run.fps):
                i += 1
            time.sleep(0.0005)
        return n / (clock() - t)


def read_rates(
    run_dir: Path, n_frames: int | None = None, *, repeat: int = 3, cpu: bool = False
) -> dict[str, float]:
    """Frames per second read from disk: one per query, in blocks, and by the read-ahead.

    Best of ``repeat`` rounds, the three ways taking turns in each, so that other work on the
    machine weighs on all three alike. With ``cpu``, per second of this process's CPU time (all
    threads, the read-ahead's polling included) instead of the wall clock: steadier on a busy
    machine, where the reading gets only part of a core.
    """
    clock = time.process_time if cpu else time.perf_counter
    with RunReader(run_dir) as reader:
        n = reader.n_frames if n_frames is None else min(n_frames, reader.n_frames)
    best = {"read_one_fps": 0.0, "read_blocks_fps": 0.0, "read_ahead_fps": 0.0}
    ways = {
        "read_one_fps": _read_one,
        "read_blocks_fps": _read_blocks,
        "read_ahead_fps": _read_ahead,
    }
    for _ in range(repeat):
        for key, way in ways.items():
            best[key] = max(best[key], way(run_dir, n, clock))
    return {"frames": n, **best}


def bench(
    n: int, n_frames: int, seconds: float, workdir: Path, *, repeat: int = 3, cpu: bool = False
) -> dict[str, float]:
    t = time.perf_counter()
    run_dir = write_synthetic_run(workdir / f"hall-{n}", n, n_frames)
    write_s = time.perf_counter() - t
    rates = read_rates(run_dir, repeat=repeat, cpu=cpu)
    run = ReplayRun(run_dir)
    try:
        for i in range(n_frames):
            run.frame(i)  # the frames the draw loop uses, in memory
        renderer = Renderer()
        state = ReplayState([run], SIZE, options=Options(colour_mode=ColourMode.SPEED))
        draw_fps, frames = draw_rate(state, renderer, seconds)
        for view in state.views:
            view.zoom_at(view.left + view.width / 2, view.top + view.height / 2, 4.0)
        zoom_fps, _ = draw_rate(state, renderer, seconds)
        state.fit()
        state.options.colour_mode = ColourMode.DENSITY
        density_fps, _ = draw_rate(state, renderer, seconds)
    finally:
        run.close()
    return {
        "agents": n,
        "draw_fps": draw_fps,
        "draw_ms": 1000.0 / draw_fps,
        "pictures": frames,
        "zoom4_fps": zoom_fps,
        "density_fps": density_fps,
        "write_s": write_s,
        **rates,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    p.add_argument("--frames", type=int, default=40, help="recorded frames per run (40 = 4 s)")
    p.add_argument("--seconds", type=float, default=4.0, help="measuring time per figure")
    p.add_argument("--runs", type=Path, nargs="*", default=[], help="also read these run dirs")
    p.add_argument("--repeat", type=int, default=3, help="best of this many reading rounds")
    p.add_argument("--cpu", action="store_true", help="read rates per CPU second (busy machine)")
    p.add_argument("--smoke", action="store_true", help="N = 1,000 for one second (CI)")
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes, args.frames, args.seconds, args.repeat = [1000], 5, 0.5, 1
    pygame.font.init()
    print(f"replay at {SIZE[0]}×{SIZE[1]}, CPU only, headless; {os.cpu_count()} cores")
    per = "CPU second" if args.cpu else "second"
    print(f"{'':>8} {'':>31} {'frames read from disk per ' + per:>34}")
    print(
        f"{'agents':>8} {'draw fps':>9} {'ms/pic':>7} {'4× zoom':>8} {'density':>8}"
        f" {'1/query':>9} {'blocks':>8} {'ahead':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            r = bench(n, args.frames, args.seconds, Path(tmp), repeat=args.repeat, cpu=args.cpu)
            print(
                f"{r['agents']:>8} {r['draw_fps']:>9.1f} {r['draw_ms']:>7.1f} "
                f"{r['zoom4_fps']:>8.1f} {r['density_fps']:>8.1f} {r['read_one_fps']:>9.1f} "
                f"{r['read_blocks_fps']:>8.1f} {r['read_ahead_fps']:>8.1f}",
                flush=True,
            )
    for run_dir in args.runs:
        with RunReader(run_dir) as reader:
            agents = len(reader.frame(0))
        r = read_rates(run_dir, args.frames, repeat=args.repeat, cpu=args.cpu)
        print(
            f"{agents:>8} {'':>35} {r['read_one_fps']:>9.1f} {r['read_blocks_fps']:>8.1f}"
            f" {r['read_ahead_fps']:>8.1f}   {run_dir} ({r['frames']} frames)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Replay frame rate: how fast the viewer draws 10,000 and 50,000 agents (CPU only, headless).

For each N it writes a synthetic run directory (a hall sized for about one person per m², agents
walking in random directions, radii 0.2–0.25 m, 10 recorded frames per second), opens it as the
viewer does and prints

- ``draw``: whole pictures per second at 1280×720 — venue, agents at true scale coloured by speed,
  figures, legend, timeline — while the playhead moves at 1× between recorded frames already read
  (interpolation included); the figure to compare with the 60 fps target;
- ``draw 4× zoom`` and ``draw density``: the same zoomed in 4× (bigger discs, fewer on screen), and
  coloured by local density;
- ``read``: recorded frames per second read from ``trajectory.sqlite`` (``RunReader.frame``), which
  bounds the playback of runs whose frames are not cached yet.

Display flips are not included (the window is a dummy one). Usage::

    python benchmarks/replay_fps.py                # N = 10,000 and 50,000
    python benchmarks/replay_fps.py --sizes 10000
    python benchmarks/replay_fps.py --smoke        # N = 1,000, a check that it runs (CI)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import simcore.columns as col
from simcore.recording import RunWriter
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


def bench(n: int, n_frames: int, seconds: float, workdir: Path) -> dict[str, float]:
    t = time.perf_counter()
    run_dir = write_synthetic_run(workdir / f"hall-{n}", n, n_frames)
    write_s = time.perf_counter() - t
    run = ReplayRun(run_dir)
    try:
        t = time.perf_counter()
        for i in range(n_frames):
            run.frame(i)  # also fills the cache the draw loop uses
        read_fps = n_frames / (time.perf_counter() - t)
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
        "read_frames_per_s": read_fps,
        "write_s": write_s,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    p.add_argument("--frames", type=int, default=20, help="recorded frames per run (20 = 2 s)")
    p.add_argument("--seconds", type=float, default=4.0, help="measuring time per figure")
    p.add_argument("--smoke", action="store_true", help="N = 1,000 for one second (CI)")
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes, args.frames, args.seconds = [1000], 5, 0.5
    pygame.font.init()
    print(f"replay at {SIZE[0]}×{SIZE[1]}, CPU only, headless; {os.cpu_count()} cores")
    print(
        f"{'agents':>8} {'draw fps':>9} {'ms/pic':>7} {'4× zoom':>8} {'density':>8} {'read f/s':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            r = bench(n, args.frames, args.seconds, Path(tmp))
            print(
                f"{r['agents']:>8} {r['draw_fps']:>9.1f} {r['draw_ms']:>7.1f} "
                f"{r['zoom4_fps']:>8.1f} {r['density_fps']:>8.1f} {r['read_frames_per_s']:>9.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Small run directories with known contents for the replay tests (no tests here).

The venue: a 10 m × 6 m room with a 1 m square pillar at (4–5, 2.5–3.5), an exit "east" (a 1 m
strip outside x = 10, y 2–4) and an exit "west" (outside x = 0, y 2–4). From frame 5 the east exit
is closed: its strip is no longer part of the walkable area (a new layout).

Eleven frames at 10 fps (t = 0 … 1 s):

- agent 0 ("staff", r = 0.25 m) walks east along y = 1 at 2 m/s from x = 1;
- agent 1 ("visitors", r = 0.3 m) stands at (8, 5); injured from frame 8 (t = 0.8 s);
- agent 2 ("visitors", r = 0.2 m) walks east along y = 4.5 at 1 m/s from x = 2 and is last
  recorded in frame 6 (it leaves by the west exit at t = 0.65 s, say).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import shapely

import simcore.columns as col
from simcore.recording import RunWriter

FPS = 10.0
N_FRAMES = 11
ROOM = shapely.box(0, 0, 10, 6)
PILLAR = shapely.box(4, 2.5, 5, 3.5)
EAST = shapely.box(10, 2, 11, 4)
WEST = shapely.box(-1, 2, 0, 4)
OPEN = shapely.union_all([ROOM, EAST, WEST]).difference(PILLAR)
EAST_CLOSED = shapely.union_all([ROOM, WEST]).difference(PILLAR)
CLOSE_FRAME = 5
RADII = (0.25, 0.3, 0.2)


def headless_env() -> None:
    """Environment for pygame without a screen or a sound card (set before pygame starts)."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"


def agent0(t: float) -> tuple[float, float]:
    return 1.0 + 2.0 * t, 1.0


def agent2(t: float) -> tuple[float, float]:
    return 2.0 + 1.0 * t, 4.5


def write_run(
    run_dir: Path,
    *,
    state_columns: tuple[str, ...] = ("speed", "fear", "harmed"),
    agents_csv: bool = True,
    seed: int = 1,
    shift_y: float = 0.0,
    threats: list | None = None,
    run_info: dict | None = None,
) -> Path:
    """Write the documented run to ``run_dir`` (``shift_y`` moves agent 0, for a second run;
    ``run_info`` adds to or replaces entries of the recorded run_info)."""
    info = {
        "scenario": "Test room",
        "seed": seed,
        "exits": ["east", "west"],
        "exit_areas": {"east": EAST.wkt, "west": WEST.wkt},
        "populations": ["staff", "visitors"],
        "barriers": {},
        "threats": threats or [],
        **(run_info or {}),
    }
    writer = RunWriter(
        run_dir,
        fps=FPS,
        bounds=OPEN.bounds,
        geometry_wkt=OPEN.wkt,
        run_info=info,
        state_columns=state_columns,
        overwrite=True,
        background=False,
    )
    for f in range(N_FRAMES):
        t = f / FPS
        if f == CLOSE_FRAME:
            writer.set_geometry(frame=f, wkt=EAST_CLOSED.wkt)
            writer.write_event(time_s=0.45, kind="close_exit", target="east", text="East exit shut")
        x0, y0 = agent0(t)
        rows = [(0, x0, y0 + shift_y, 2.0, 0.0, 0.0), (1, 8.0, 5.0, 0.0, 0.1 * f, float(f >= 8))]
        if f <= 6:
            rows.append((2, *agent2(t), 1.0, 0.0, 0.0))
        a = np.array(rows)
        full = {"speed": a[:, 3], "fear": a[:, 4], "harmed": a[:, 5]}
        writer.write_frame(
            f,
            ids=a[:, 0].astype(np.int64),
            pos=a[:, 1:3],
            ori=np.tile([1.0, 0.0], (len(a), 1)),
            state={k: full[k] for k in state_columns},
        )
    agents = {
        col.ID_COL: [0, 1, 2],
        col.POPULATION_COL: ["staff", "visitors", "visitors"],
        col.EXIT_COL: ["", "", "west"],
        col.T_START_COL: [0.0, 0.0, 0.0],
        col.T_EVACUATED_COL: [None, None, 0.65],
        col.OUTCOME_COL: ["remaining", "injured_knife", "evacuated"],
        col.SPAWN_X_COL: [1.0, 8.0, 2.0],
        col.SPAWN_Y_COL: [1.0, 5.0, 4.5],
        col.DESIRED_SPEED_COL: [2.0, 1.0, 1.0],
        col.RADIUS_COL: list(RADII),
        col.TARGET_EXIT_COL: ["east", "west", "west"],
        col.T_INJURED_COL: [None, 0.8, None],
    }
    writer.finish(summary={"agents_total": 3}, agents=agents)
    if not agents_csv:  # as if lost: the trajectory alone must still replay
        (Path(run_dir) / col.AGENTS_FILE).unlink()
    return Path(run_dir)

"""Measurements on run directories, with PedPy where the experiments' analyses use it.

* flow through a line: PedPy's ``compute_n_t`` at a ``MeasurementLine`` (the N–t curve), and the
  steady flow between the 10th and the 90th percentile of crossings, (0.8 N) / (t90 − t10), as in
  the bottleneck literature's "all states" flow when the population is large enough
  (Liao et al. 2016: N/b ≳ 115 persons/m);
* density and speed in a measurement area: PedPy's Voronoi method (Steffen & Seyfried 2010), as
  used for the Jülich corridor data.
"""

from __future__ import annotations

import warnings
from typing import Final

import numpy as np
import pandas as pd

from .core import Run

__all__ = [
    "binned",
    "crossing_times",
    "draw_floor",
    "figure",
    "first_move_times",
    "steady_flow",
    "voronoi_fd",
    "weidmann_speed",
]

#: Weidmann (1993) fundamental diagram in Kladek's form: v0 (m/s), γ (1/m²), ρ_max (1/m²).
WEIDMANN_V0: Final = 1.34
WEIDMANN_GAMMA: Final = 1.913
WEIDMANN_RHO_MAX: Final = 5.4


def weidmann_speed(rho: np.ndarray | float) -> np.ndarray:
    """Weidmann's speed at density ``rho`` (m/s): v0 [1 − exp(−γ (1/ρ − 1/ρ_max))]."""
    rho = np.asarray(rho, dtype=float)
    with np.errstate(divide="ignore"):
        v = WEIDMANN_V0 * (1.0 - np.exp(-WEIDMANN_GAMMA * (1.0 / rho - 1.0 / WEIDMANN_RHO_MAX)))
    return np.clip(v, 0.0, None)


def crossing_times(
    run: Run, line: tuple[tuple[float, float], tuple[float, float]], *, ids=None
) -> np.ndarray:
    """Sorted times (s) at which agents first cross ``line`` (PedPy ``compute_n_t``)."""
    import pedpy

    traj = run.trajectory()
    if ids is not None:
        data = traj.data[traj.data["id"].isin(list(ids))]
        traj = pedpy.TrajectoryData(
            data=data[["id", "frame", "x", "y"]], frame_rate=traj.frame_rate
        )
    _, crossing = pedpy.compute_n_t(
        traj_data=traj, measurement_line=pedpy.MeasurementLine(list(line))
    )
    return np.sort(crossing["frame"].to_numpy(dtype=float)) / traj.frame_rate


def steady_flow(times: np.ndarray, *, lo: float = 0.1, hi: float = 0.9) -> float:
    """Flow (1/s) between the ``lo`` and ``hi`` fractions of the crossings: ΔN / Δt."""
    n = len(times)
    a, b = int(np.floor(lo * n)), int(np.ceil(hi * n)) - 1
    if n < 3 or b <= a or times[b] <= times[a]:
        return float("nan")
    return (b - a) / (times[b] - times[a])


def first_move_times(run: Run, *, threshold_m: float = 0.005) -> pd.Series:
    """Per agent, the first recorded time (s) at which it is ``threshold_m`` from its spawn."""
    pos = run.positions()
    spawn = run.agents()[["spawn_x", "spawn_y"]]
    p = pos.join(spawn, on="id")
    d = np.hypot(p["x"] - p["spawn_x"], p["y"] - p["spawn_y"])
    moved = p[d > threshold_m]
    return moved.groupby("id")["t"].min()


def voronoi_fd(
    run: Run,
    *,
    areas: dict[str, list[tuple[float, float]]],
    region_x: tuple[float, float],
    frame_step: int = 3,
) -> dict[str, pd.DataFrame]:
    """Voronoi density (1/m²) and speed (m/s) in measurement areas, frame by frame.

    Cells are computed once for the agents within ``region_x`` (x range, m) of every
    ``frame_step``-th frame, without a cut-off (a cut-off leaves parts of an area uncovered at low
    density, which biases both density and speed low). Speeds are PedPy's individual speeds over
    ±5 frames.

    Returns:
        Per area, a DataFrame with columns frame, t, density, speed (frames where someone is in
        the area).
    """
    import pedpy

    traj = run.trajectory()
    data = traj.data
    sub = data[
        (data["x"] > region_x[0]) & (data["x"] < region_x[1]) & (data["frame"] % frame_step == 0)
    ]
    empty = pd.DataFrame(columns=["frame", "t", "density", "speed"])
    if sub.empty:
        return {name: empty for name in areas}
    sub_traj = pedpy.TrajectoryData(data=sub[["id", "frame", "x", "y"]], frame_rate=traj.frame_rate)
    speed = pedpy.compute_individual_speed(
        traj_data=traj, frame_step=5, speed_calculation=pedpy.SpeedCalculation.BORDER_SINGLE_SIDED
    )
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = pedpy.compute_individual_voronoi_polygons(
            traj_data=sub_traj, walkable_area=run.walkable_area()
        )
        for name, area in areas.items():
            ma = pedpy.MeasurementArea(area)
            density, inter = pedpy.compute_voronoi_density(
                individual_voronoi_data=cells, measurement_area=ma
            )
            vspeed = pedpy.compute_voronoi_speed(
                traj_data=sub_traj,
                individual_voronoi_intersection=inter,
                individual_speed=speed,
                measurement_area=ma,
            )
            df = density.merge(vspeed, on="frame")
            xs, ys = [x for x, _ in area], [y for _, y in area]
            inside = sub[
                (sub["x"] >= min(xs))
                & (sub["x"] <= max(xs))
                & (sub["y"] >= min(ys))
                & (sub["y"] <= max(ys))
            ]
            df = df[df["frame"].isin(inside["frame"].unique())].copy()
            df["t"] = df["frame"] / traj.frame_rate
            out[name] = df[["frame", "t", "density", "speed"]].reset_index(drop=True)
    return out


def binned(df: pd.DataFrame, *, width: float = 0.5, min_count: int = 20) -> pd.DataFrame:
    """Mean density and speed (and count) in density bins of ``width``, bins with enough frames."""
    if df.empty:
        return pd.DataFrame(columns=["bin", "density", "speed", "count"])
    b = np.floor(df["density"].to_numpy(float) / width).astype(int)
    g = df.assign(bin=b).groupby("bin")
    out = pd.DataFrame(
        {"density": g["density"].mean(), "speed": g["speed"].mean(), "count": g.size()}
    ).reset_index()
    return out[out["count"] >= min_count].reset_index(drop=True)


def figure(*, ncols: int = 1, nrows: int = 1, width_in: float = 6.4, height_in: float = 4.2):
    """A matplotlib ``Figure`` (Agg, no pyplot state) and its axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def draw_floor(ax, run: Run, *, exits: bool = True) -> None:
    """Outline of the run's floor (and exits) on ``ax``, equal aspect."""
    import shapely

    floor = run.scenario.walkable_area()
    for poly in getattr(floor, "geoms", [floor]):
        for ring in [poly.exterior, *poly.interiors]:
            x, y = np.asarray(ring.coords).T
            ax.plot(x, y, color="0.2", lw=1.0)
    if exits:
        for e in run.scenario.exits:
            g = shapely.from_wkt(e.area)
            x, y = np.asarray(g.exterior.coords).T
            ax.fill(x, y, color="tab:green", alpha=0.35, lw=0)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")

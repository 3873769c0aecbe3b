"""Voronoi density maps, computed by PedPy (not rewritten here).

PedPy reads the run's ``trajectory.sqlite`` directly (JuPedSim format), builds each person's
Voronoi cell clipped to the walkable area and to a cut-off disc
(``compute_individual_voronoi_polygons``), and spreads each person's density 1/|cell| over a grid
(``compute_density_profile`` with ``DensityMethod.VORONOI``; Steffen & Seyfried 2010). Voronoi
density is smooth where the grid count jumps, at the cost of time: frames are subsampled (1 per
second by default).

PedPy is an optional dependency: ``pip install 'crowdsafe[pedpy]'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from simcore import columns as col

from .grid import Grid

__all__ = ["VoronoiMaps", "voronoi_density_maps"]

#: Cut-off radius of the Voronoi cells (m): a lone person counts at least 1/(π·1²) ≈ 0.32 /m².
CUTOFF_RADIUS_M = 1.0


@dataclass(frozen=True)
class VoronoiMaps:
    """Voronoi density over a run.

    Attributes:
        grid: the cells (PedPy's grid: from the walkable area's top-left corner).
        mean: (nx, ny) mean density over the sampled frames (persons/m²).
        peak: (nx, ny) largest density in any sampled frame (persons/m²).
        frames: number of frames sampled. sample_s: time between them (s).
    """

    grid: Grid
    mean: np.ndarray
    peak: np.ndarray
    frames: int
    sample_s: float


def _pedpy():
    try:
        import pedpy
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "Voronoi density needs PedPy: pip install 'crowdsafe[pedpy]' (or pip install pedpy)"
        ) from exc
    return pedpy


def voronoi_density_maps(
    run_dir: Path | str, *, grid_m: float = 0.5, sample_s: float = 1.0
) -> VoronoiMaps | None:
    """Mean and peak Voronoi density maps of a run (``None`` if no one was ever recorded).

    Args:
        run_dir: the run directory. grid_m: cell side (m). sample_s: time between sampled frames.
    """
    pedpy = _pedpy()
    path = Path(run_dir) / col.TRAJECTORY_FILE
    traj = pedpy.load_trajectory_from_jupedsim_sqlite(trajectory_file=path)
    area = pedpy.load_walkable_area_from_jupedsim_sqlite(trajectory_file=path)
    step = max(1, round(sample_s * traj.frame_rate))
    data = traj.data[traj.data[col.FRAME_COL] % step == 0]
    if data.empty:
        return None
    sub = pedpy.TrajectoryData(data=data.copy(), frame_rate=traj.frame_rate / step)
    cells = pedpy.compute_individual_voronoi_polygons(
        traj_data=sub,
        walkable_area=area,
        cut_off=pedpy.Cutoff(radius=CUTOFF_RADIUS_M, quad_segments=3),
    )
    grid_cells, _, _ = pedpy.get_grid_cells(walkable_area=area, grid_size=grid_m)
    tree = shapely.STRtree(grid_cells)
    profiles = []
    for _, frame in cells.groupby(col.FRAME_COL, sort=True):
        frame = frame.reset_index(drop=True)
        polygons = frame["polygon"].to_numpy()
        i_poly, i_cell = tree.query(polygons, predicate="intersects")
        overlap = np.zeros((len(grid_cells), len(polygons)))
        overlap[i_cell, i_poly] = shapely.area(
            shapely.intersection(polygons[i_poly], grid_cells[i_cell])
        )
        profiles += pedpy.compute_density_profile(
            data=frame,
            walkable_area=area,
            grid_size=grid_m,
            density_method=pedpy.DensityMethod.VORONOI,
            grid_intersections_area=overlap,
        )
    stack = np.stack(profiles)  # (frames, rows, cols), row 0 at the top (largest y)
    xy = stack[:, ::-1, :].transpose(0, 2, 1)  # → (frames, nx, ny), iy from the bottom
    xmin, _, _, ymax = area.bounds
    rows, cols = stack.shape[1:]
    grid = Grid(float(xmin), float(ymax - rows * grid_m), float(grid_m), cols, rows)
    return VoronoiMaps(
        grid=grid,
        mean=xy.mean(axis=0),
        peak=xy.max(axis=0),
        frames=int(stack.shape[0]),
        sample_s=step / traj.frame_rate,
    )

"""Compiled geometry: wall segments in a spatial grid, exits, navigation fields."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from .errors import GeometryError
from .navigation import NavigationFields, compute_fields

__all__ = ["World"]

#: Default floor-field spacing (m), refined for narrow exits (a door spans at least five nodes).
DEFAULT_GRID_M = 0.25
MIN_GRID_M = 0.05


def _rings(walkable: shapely.Geometry) -> list[np.ndarray]:
    """Closed coordinate rings (outer and holes) of every polygon part."""
    rings = []
    for part in getattr(walkable, "geoms", [walkable]):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        for ring in (part.exterior, *part.interiors):
            coords = np.asarray(shapely.remove_repeated_points(ring).coords, dtype=np.float64)
            if len(coords) >= 4:
                rings.append(coords)
    return rings


def _segments(rings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    segs, prev, nxt = [], [], []
    base = 0
    for coords in rings:
        m = len(coords) - 1
        segs.append(np.hstack([coords[:-1], coords[1:]]))
        idx = np.arange(m)
        prev.append(base + (idx - 1) % m)
        nxt.append(base + (idx + 1) % m)
        base += m
    return (
        np.ascontiguousarray(np.vstack(segs)),
        np.concatenate(prev).astype(np.int64),
        np.concatenate(nxt).astype(np.int64),
    )


def _exit_width(area: shapely.Geometry) -> float:
    """Longest side of the exit's minimum rotated rectangle (m): the door width for a door strip."""
    rect = shapely.minimum_rotated_rectangle(area)
    c = np.asarray(rect.exterior.coords)
    sides = np.hypot(*np.diff(c[:3], axis=0).T)
    return float(sides.max())


@dataclass(frozen=True, eq=False)
class World:
    """Geometry compiled to arrays for the kernels.

    Attributes:
        walkable: effective walkable area (shapely), metres.
        exit_ids: exit identifiers, in kernel index order; exit_areas: their polygons.
        segments: (S, 4) wall segments (ax, ay, bx, by); seg_prev, seg_next: (S,) neighbours.
        wall_cell_m, wall_origin, wall_shape: the segment grid (cell size m, (x0, y0), (nx, ny)).
        wall_start, wall_items: CSR lists of segments within ``wall_cutoff_m`` of each cell.
        exit_bbox, exit_ring_start, exit_ring, exit_ring_exit: the outer ring of every part of
            every exit area (bounding box, offsets, vertices, owning exit) for the point test.
        exit_near: (wnx·wny,) bool, wall cells within one cell of an exit area.
        exit_open: (E,) bool, which exits are open in this layout.
        exit_width: (E,) width of each exit (m): the longer side of its minimum rotated
            rectangle, i.e. the door width for a strip drawn across a door.
        nav: navigation fields.
    """

    walkable: shapely.Geometry
    exit_ids: tuple[str, ...]
    exit_areas: tuple[shapely.Geometry, ...]
    segments: np.ndarray
    seg_prev: np.ndarray
    seg_next: np.ndarray
    wall_cutoff_m: float
    wall_cell_m: float
    wall_origin: tuple[float, float]
    wall_shape: tuple[int, int]
    wall_start: np.ndarray
    wall_items: np.ndarray
    exit_bbox: np.ndarray
    exit_ring_start: np.ndarray
    exit_ring: np.ndarray
    exit_ring_exit: np.ndarray
    exit_near: np.ndarray
    exit_open: np.ndarray
    exit_width: np.ndarray
    nav: NavigationFields

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the walkable area (m)."""
        return tuple(float(v) for v in self.walkable.bounds)  # type: ignore[return-value]

    @classmethod
    def build(
        cls,
        *,
        walkable: shapely.Geometry,
        exits: Sequence[tuple[str, shapely.Geometry]],
        wall_cutoff_m: float,
        grid_m: float | None = None,
        cache_dir: Path | None = None,
        exit_open: Sequence[bool] | None = None,
    ) -> World:
        """Compile a walkable area and its exits.

        Args:
            walkable: effective walkable area (Polygon or MultiPolygon, exits included, obstacles
                and barriers removed), metres.
            exits: (id, area) pairs; each area must lie in ``walkable``.
            wall_cutoff_m: range of the wall force from an agent's centre (m).
            grid_m: floor-field spacing (m); default 0.25 m, finer when an exit is narrower than 1.25 m.
            cache_dir: reuse navigation fields computed earlier for the same layout (see
                :func:`simcore.navigation.compute_fields`).
            exit_open: which exits are open (default all); a closed exit keeps its index but
                has no floor field and evacuates nobody. Leave a closed door out of ``walkable``.
        """
        if walkable.is_empty or walkable.area <= 0.0:
            raise GeometryError("the walkable area is empty; give a polygon with a positive area")
        if not exits:
            raise GeometryError("no exits: add at least one [[exits]] area")
        rings = _rings(walkable)
        segments, seg_prev, seg_next = _segments(rings)
        # segment grid: a cell lists every segment within the cutoff of the cell (plus a margin
        # for one step's move, used by the wall-crossing guard)
        cell = max(1.0, wall_cutoff_m)
        xmin, ymin, xmax, ymax = walkable.bounds
        wx0, wy0 = xmin - cell, ymin - cell
        wnx = math.ceil((xmax - wx0) / cell) + 2
        wny = math.ceil((ymax - wy0) / cell) + 2
        ci, cj = np.meshgrid(np.arange(wnx), np.arange(wny))
        boxes = shapely.box(
            wx0 + ci.ravel() * cell,
            wy0 + cj.ravel() * cell,
            wx0 + (ci.ravel() + 1) * cell,
            wy0 + (cj.ravel() + 1) * cell,
        )
        lines = shapely.linestrings(segments.reshape(-1, 2, 2))
        tree = shapely.STRtree(lines)
        box_idx, seg_idx = tree.query(boxes, predicate="dwithin", distance=wall_cutoff_m + 0.1)
        order = np.lexsort((seg_idx, box_idx))
        box_idx, seg_idx = box_idx[order], seg_idx[order]
        wall_start = np.zeros(wnx * wny + 1, dtype=np.int64)
        np.add.at(wall_start, box_idx + 1, 1)
        wall_start = np.cumsum(wall_start).astype(np.int64)
        wall_items = np.ascontiguousarray(seg_idx, dtype=np.int64)

        ids = tuple(e[0] for e in exits)
        # wall cells from which one step can reach an exit area (the exit test runs only there)
        exit_tree = shapely.STRtree([e[1] for e in exits])
        near_idx, _ = exit_tree.query(boxes, predicate="dwithin", distance=cell)
        exit_near = np.zeros(wnx * wny, dtype=bool)
        exit_near[near_idx] = True
        areas = tuple(e[1] for e in exits)
        parts = [(k, p) for k, a in enumerate(areas) for p in getattr(a, "geoms", [a])]
        bbox = np.array([p.bounds for _, p in parts], dtype=np.float64).reshape(-1, 4)
        ring_list = [np.asarray(p.exterior.coords, dtype=np.float64) for _, p in parts]
        ring_exit = np.array([k for k, _ in parts], dtype=np.int64)
        ring_start = np.zeros(len(parts) + 1, dtype=np.int64)
        ring_start[1:] = np.cumsum([len(r) for r in ring_list])
        ring = np.ascontiguousarray(np.vstack(ring_list))

        if grid_m is None:
            narrowest = min(_exit_width(a) for a in areas)
            grid_m = max(MIN_GRID_M, min(DEFAULT_GRID_M, narrowest / 5.0))
        is_open = (
            np.ones(len(areas), dtype=bool) if exit_open is None else np.array(exit_open, bool)
        )
        if is_open.shape != (len(areas),):
            raise GeometryError("exit_open needs one flag per exit")
        nav = compute_fields(
            walkable=walkable,
            exits=[a if o else None for a, o in zip(areas, is_open, strict=True)],
            h=grid_m,
            cache_dir=cache_dir,
        )
        return cls(
            walkable=walkable,
            exit_ids=ids,
            exit_areas=areas,
            segments=segments,
            seg_prev=seg_prev,
            seg_next=seg_next,
            wall_cutoff_m=float(wall_cutoff_m),
            wall_cell_m=float(cell),
            wall_origin=(float(wx0), float(wy0)),
            wall_shape=(int(wnx), int(wny)),
            wall_start=wall_start,
            wall_items=wall_items,
            exit_bbox=bbox,
            exit_ring_start=ring_start,
            exit_ring=ring,
            exit_ring_exit=ring_exit,
            exit_near=exit_near,
            exit_open=is_open,
            exit_width=np.array([_exit_width(a) for a in areas]),
            nav=nav,
        )

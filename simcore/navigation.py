"""Floor fields: travel time to each exit on a grid, and the desired-direction field.

For each exit, the travel time T solves the eikonal equation |∇T| F = 1 with T = 0 on the exit area
(fast marching, Sethian 1996, PNAS 93:1591; scikit-fmm's implementation). The speed field F adds a
wall-distance term, F(d) = min(1, f_min + (1 − f_min) d/d0), d the distance to the nearest wall, so the
quickest paths keep clear of walls and door jambs instead of grazing them (the "wall potential" of
floor-field models, Nishinari et al. 2004, IEICE Trans. Inf. & Syst. E87-D:726; Kretz 2009,
J. Stat. Mech. P03012). The desired direction is the normalised −∇T; it is what agents follow, so they
route around obstacles and barriers and never aim into a corner.

T (in metres of unobstructed walking) is also the "path distance" of exit choice.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
import skfmm
from scipy import ndimage

__all__ = ["NavigationFields", "compute_fields", "default_cache_dir"]

#: Bumped whenever the field computation changes, so stale cached fields are never reused.
FIELDS_VERSION = 2

#: Wall-distance term: full speed from ``WALL_CLEARANCE_M`` off a wall, ``WALL_MIN_SPEED`` at it.
WALL_CLEARANCE_M = 0.6
WALL_MIN_SPEED = 0.3


@dataclass(frozen=True, eq=False)
class NavigationFields:
    """Travel-time and direction fields on nodes ``(x0 + i·h, y0 + j·h)``.

    Attributes:
        x0, y0: grid origin (m); h: node spacing (m).
        travel: (E, ny, nx) float32 travel time to each exit in metres (inf where unreachable).
        direction: (E, ny, nx, 2) float32 unit desired direction (0 where undefined).
        walkable: (ny, nx) bool, nodes inside the walkable area.
    """

    x0: float
    y0: float
    h: float
    travel: np.ndarray
    direction: np.ndarray
    walkable: np.ndarray

    def travel_at(self, xy: np.ndarray) -> np.ndarray:
        """Travel time (m) from each point of ``xy`` (n, 2) to each exit: (n, E).

        Bilinear over the finite corners of the point's grid cell (weights renormalised), so a
        corner that lies in a room the exit cannot be reached from does not spoil the value;
        inf where no corner is finite (unreachable or closed exit).
        """
        ny, nx = self.travel.shape[1:]
        fx = np.clip((xy[:, 0] - self.x0) / self.h, 0.0, nx - 1.0)
        fy = np.clip((xy[:, 1] - self.y0) / self.h, 0.0, ny - 1.0)
        i = np.minimum(np.floor(fx).astype(np.int64), nx - 2)
        j = np.minimum(np.floor(fy).astype(np.int64), ny - 2)
        ax = fx - i
        ay = fy - j
        corners = (
            (j, i, (1 - ax) * (1 - ay)),
            (j, i + 1, ax * (1 - ay)),
            (j + 1, i, (1 - ax) * ay),
            (j + 1, i + 1, ax * ay),
        )
        out = np.empty((xy.shape[0], self.travel.shape[0]))
        for e in range(self.travel.shape[0]):
            num = np.zeros(xy.shape[0])
            den = np.zeros(xy.shape[0])
            for jj, ii, w in corners:
                v = self.travel[e, jj, ii].astype(np.float64)
                ok = np.isfinite(v)
                num += np.where(ok, w * np.where(ok, v, 0.0), 0.0)
                den += np.where(ok, w, 0.0)
            out[:, e] = np.where(den > 1e-12, num / np.maximum(den, 1e-12), np.inf)
        return out


def _gradient(t: np.ndarray, h: float, axis: int) -> np.ndarray:
    """Central differences of ``t`` (NaN where undefined), one-sided next to undefined nodes."""
    nxt = np.full_like(t, np.nan)
    prv = np.full_like(t, np.nan)
    sl = [slice(None)] * t.ndim
    sr = [slice(None)] * t.ndim
    sl[axis] = slice(0, -1)
    sr[axis] = slice(1, None)
    nxt[tuple(sl)] = t[tuple(sr)]
    prv[tuple(sr)] = t[tuple(sl)]
    central = (nxt - prv) / (2.0 * h)
    forward = (nxt - t) / h
    backward = (t - prv) / h
    g = np.where(np.isfinite(central), central, np.where(np.isfinite(forward), forward, backward))
    return np.where(np.isfinite(g), g, 0.0)


def default_cache_dir() -> Path | None:
    """Where fields are cached: ``$CROWDSAFE_CACHE_DIR``, else ``~/.cache/crowdsafe``.

    Set ``CROWDSAFE_CACHE_DIR`` to an empty string to disable the cache.
    """
    env = os.environ.get("CROWDSAFE_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    return Path.home() / ".cache" / "crowdsafe"


def _cache_key(walkable: shapely.Geometry, exits: list[shapely.Geometry | None], h: float) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"v{FIELDS_VERSION};h={h!r};".encode())
    for geom in (walkable, *exits):
        digest.update(b"closed" if geom is None else shapely.to_wkb(shapely.normalize(geom)))
    return digest.hexdigest()


#: Rings of nodes outside the walkable area given values (an agent's bilinear cell reaches one).
EXTEND_RINGS = 3


def _extend(
    valid: np.ndarray, into: np.ndarray, *arrays: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Extend values from ``valid`` nodes into the next rings of the ``into`` nodes.

    Each new node takes the mean of its valid 8-neighbours, ring after ring
    (``EXTEND_RINGS``): a symmetric rule, so the fields of a rotated or mirrored layout are the
    rotated fields (copying "the nearest node" would break ties by scan order). Nodes farther
    away, and ``valid``-less nodes outside ``into`` (a walkable room the exit cannot be reached
    from), keep 0 and are reported as not filled.

    Returns:
        The filled mask and the extended arrays.
    """
    filled = valid.copy()
    out = [np.where(valid, a, 0.0) for a in arrays]
    kernel = np.ones((3, 3))
    for _ in range(EXTEND_RINGS):
        weight = ndimage.convolve(filled.astype(np.float64), kernel, mode="constant")
        new = into & ~filled & (weight > 0.0)
        if not new.any():
            break
        for a in out:
            total = ndimage.convolve(np.where(filled, a, 0.0), kernel, mode="constant")
            a[new] = total[new] / weight[new]
        filled |= new
    return filled, out


def compute_fields(
    *,
    walkable: shapely.Geometry,
    exits: list[shapely.Geometry | None],
    h: float,
    cache_dir: Path | None = None,
) -> NavigationFields:
    """Compute travel-time and direction fields for every exit.

    Args:
        walkable: the effective walkable area (exit areas included, obstacles removed), metres.
        exits: the exit areas, one polygon each; None for a closed exit (no field: unreachable).
        h: node spacing (m); a door should span several nodes (h ≤ width / 5).
        cache_dir: if given, fields are stored there keyed by a hash of the geometry and spacing
            and reused by later runs of the same layout (sweeps, replicates, repeated runs).

    Returns:
        The fields; the first rings of nodes outside the walkable area carry values extended
        from it (:func:`_extend`), so bilinear lookups next to walls stay well defined.
    """
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"fields-{_cache_key(walkable, exits, h)}.npz"
        if path.is_file():
            try:
                with np.load(path) as z:
                    return NavigationFields(
                        x0=float(z["origin"][0]),
                        y0=float(z["origin"][1]),
                        h=float(h),
                        travel=z["travel"],
                        direction=z["direction"],
                        walkable=z["walkable"],
                    )
            except (OSError, KeyError, ValueError):
                pass  # unreadable cache entry: recompute and replace it
    fields = _compute_fields(walkable=walkable, exits=exits, h=h)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    origin=np.array([fields.x0, fields.y0]),
                    travel=fields.travel,
                    direction=fields.direction,
                    walkable=fields.walkable,
                )
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache only costs speed
    return fields


def _compute_fields(
    *,
    walkable: shapely.Geometry,
    exits: list[shapely.Geometry | None],
    h: float,
) -> NavigationFields:
    xmin, ymin, xmax, ymax = walkable.bounds
    x0 = xmin - h
    y0 = ymin - h
    nx = int(np.ceil((xmax - xmin) / h)) + 3
    ny = int(np.ceil((ymax - ymin) / h)) + 3
    xs = x0 + h * np.arange(nx)
    ys = y0 + h * np.arange(ny)
    gx, gy = np.meshgrid(xs, ys)
    shapely.prepare(walkable)
    inside = shapely.contains_xy(walkable, gx, gy)
    wall_dist = ndimage.distance_transform_edt(inside) * h
    speed = np.minimum(1.0, WALL_MIN_SPEED + (1.0 - WALL_MIN_SPEED) * wall_dist / WALL_CLEARANCE_M)
    speed = np.where(inside, np.maximum(speed, WALL_MIN_SPEED), 1.0)

    exit_nodes = []
    for area in exits:
        if area is None:
            exit_nodes.append(np.zeros_like(inside))
            continue
        shapely.prepare(area)
        nodes = shapely.intersects_xy(area, gx, gy) & inside
        if not nodes.any():
            # an exit thinner than the grid: take the walkable nodes within one spacing of it
            nodes = (shapely.distance(area, shapely.points(gx, gy)) <= h) & inside
        exit_nodes.append(nodes)
    n_exit = len(exits)
    travel = np.full((n_exit, ny, nx), np.inf, dtype=np.float32)
    direction = np.zeros((n_exit, ny, nx, 2), dtype=np.float32)
    for e, nodes in enumerate(exit_nodes):
        if not nodes.any():
            continue  # closed exit: unreachable, no direction
        phi = np.ma.MaskedArray(np.where(nodes, -1.0, 1.0), mask=~inside)
        tt = skfmm.travel_time(phi, speed, dx=h, order=2)
        t = np.ma.filled(tt.astype(np.float64), np.nan)
        t = np.where(nodes, -t, t)  # travel time is unsigned: continue the slope into the exit
        gxx = _gradient(t, h, axis=1)
        gyy = _gradient(t, h, axis=0)
        norm = np.hypot(gxx, gyy)
        ok = (norm > 1e-12) & np.isfinite(t)
        dx = np.where(ok, -gxx / np.where(ok, norm, 1.0), 0.0)
        dy = np.where(ok, -gyy / np.where(ok, norm, 1.0), 0.0)
        _, (dx, dy) = _extend(ok, ~inside, dx, dy)
        dn = np.hypot(dx, dy)
        has = dn > 1e-12
        direction[e, :, :, 0] = np.where(has, dx / np.where(has, dn, 1.0), 0.0)
        direction[e, :, :, 1] = np.where(has, dy / np.where(has, dn, 1.0), 0.0)
        tv = np.where(nodes, 0.0, t)
        finite = inside & np.isfinite(tv)
        filled, (tv,) = _extend(finite, ~inside, np.where(finite, tv, 0.0))
        travel[e] = np.where(filled, tv, np.inf)
    return NavigationFields(
        x0=float(x0), y0=float(y0), h=float(h), travel=travel, direction=direction, walkable=inside
    )

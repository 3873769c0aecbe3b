"""Agent–wall forces and the wall-crossing guard.

Walls are the boundary segments of the walkable area (outer ring, obstacle and barrier rings), kept
in a segment grid so an agent only looks at the segments near it (O(1) per agent).

Force (Helbing, Farkas & Vicsek 2000, Nature 407:487, eq. 3):

    f_iW = {A_w exp[(r_i − d_iW)/B_w] + k g(r_i − d_iW)} n_iW − κ g(r_i − d_iW)(v_i·t_iW) t_iW

Each wall pushes once: a segment acts when the closest point lies inside it; a shared vertex acts
once, through the segment that starts there, and only when it is also the closest point of the
segment that ends there (the wedge of a convex corner). Without this rule a door jamb pushes twice
and agents stall in narrow openings. The friction impulse is limited as in :mod:`.social`.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, nogil=True, inline="always")
def closest_on_segment(
    px: float, py: float, ax: float, ay: float, bx: float, by: float
) -> tuple[float, float, float]:
    """Closest point (qx, qy) on segment ab to p, and its parameter t in [0, 1]."""
    ux = bx - ax
    uy = by - ay
    ll = ux * ux + uy * uy
    t = 0.0
    if ll > 0.0:
        t = ((px - ax) * ux + (py - ay) * uy) / ll
        if t < 0.0:
            t = 0.0
        elif t > 1.0:
            t = 1.0
    return ax + t * ux, ay + t * uy, t


@njit(cache=True, nogil=True)
def segment_acts(px: float, py: float, s: int, seg, seg_prev, seg_next) -> bool:
    """Whether segment ``s`` exerts the wall force on point p (the one-push-per-wall rule)."""
    _, _, t = closest_on_segment(px, py, seg[s, 0], seg[s, 1], seg[s, 2], seg[s, 3])
    if 0.0 < t < 1.0:
        return True
    if t <= 0.0:
        p = seg_prev[s]
        if p < 0:
            return True
        _, _, tp = closest_on_segment(px, py, seg[p, 0], seg[p, 1], seg[p, 2], seg[p, 3])
        return tp >= 1.0
    return seg_next[s] < 0


@njit(cache=True, nogil=True)
def wall_force(
    px: float,
    py: float,
    vx: float,
    vy: float,
    r: float,
    social: bool,
    a_w: float,
    b_w: float,
    k: float,
    kappa: float,
    mass: float,
    dt: float,
    cutoff: float,
    seg,
    seg_prev,
    seg_next,
    items,
    lo: int,
    hi: int,
) -> tuple[float, float, float]:
    """Wall force (N) on an agent at p from the segments ``items[lo:hi]`` of its wall cell.

    Returns (fx, fy, compression): the force and the summed magnitude of the body-compression
    terms k g(r − d) (N), used by the crush-injury rule.

    Args:
        px, py, vx, vy: position (m) and velocity (m/s); r: radius (m).
        social: whether the socio-psychological wall term acts (not while the agent waits).
        a_w, b_w: wall repulsion strength (N) and range (m); k, kappa: contact constants.
        mass: agent mass (kg); dt: time step (s); cutoff: interaction range from the centre (m).
        seg: (S, 4) segments (ax, ay, bx, by); seg_prev/seg_next: (S,) adjacent segment or -1.
        items: segment indices of the wall grid; lo, hi: the agent's cell range in ``items``.
    """
    fx = 0.0
    fy = 0.0
    compression = 0.0
    for q in range(lo, hi):
        s = items[q]
        qx, qy, _ = closest_on_segment(px, py, seg[s, 0], seg[s, 1], seg[s, 2], seg[s, 3])
        dx = px - qx
        dy = py - qy
        d = math.sqrt(dx * dx + dy * dy)
        if d >= cutoff or d <= 0.0:
            continue
        if not segment_acts(px, py, s, seg, seg_prev, seg_next):
            continue
        nx = dx / d
        ny = dy / d
        overlap = r - d
        if social:
            rep = a_w * math.exp(overlap / b_w)
            fx += rep * nx
            fy += rep * ny
        if overlap > 0.0:
            fx += k * overlap * nx
            fy += k * overlap * ny
            compression += k * overlap
            tx = -ny
            ty = nx
            vt = vx * tx + vy * ty
            ft = kappa * overlap * vt
            limit = mass * abs(vt) / dt
            if ft > limit:
                ft = limit
            elif ft < -limit:
                ft = -limit
            fx -= ft * tx
            fy -= ft * ty
    return fx, fy, compression


@njit(cache=True, nogil=True, inline="always")
def _orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> float:
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@njit(cache=True, nogil=True)
def crosses_wall(x0: float, y0: float, x1: float, y1: float, seg, items, lo: int, hi: int) -> int:
    """Index of a wall segment that the move x0→x1 crosses or touches, or -1.

    Closed test (touching counts), so an accepted move never ends on or beyond a wall line.
    """
    for q in range(lo, hi):
        s = items[q]
        ax = seg[s, 0]
        ay = seg[s, 1]
        bx = seg[s, 2]
        by = seg[s, 3]
        d1 = _orient(ax, ay, bx, by, x0, y0)
        d2 = _orient(ax, ay, bx, by, x1, y1)
        if (d1 > 0.0 and d2 > 0.0) or (d1 < 0.0 and d2 < 0.0):
            continue
        d3 = _orient(x0, y0, x1, y1, ax, ay)
        d4 = _orient(x0, y0, x1, y1, bx, by)
        if (d3 > 0.0 and d4 > 0.0) or (d3 < 0.0 and d4 < 0.0):
            continue
        if d1 == 0.0 and d2 == 0.0:
            # collinear: overlap of the projections on the wall
            ux = bx - ax
            uy = by - ay
            t0 = (x0 - ax) * ux + (y0 - ay) * uy
            t1 = (x1 - ax) * ux + (y1 - ay) * uy
            ll = ux * ux + uy * uy
            if max(t0, t1) < 0.0 or min(t0, t1) > ll:
                continue
        return s
    return -1

"""Slow, obviously correct reference implementations of the simcore kernels (test oracles).

Each function restates the documented equations directly, over all agents and all wall segments
(O(N²), O(N·walls)), with numpy, scipy and shapely instead of hand-written loops, and with none
of the kernels' shortcuts (cell lists, wall grid, ray casting, orientation tests). They are
compared with the numba kernels on random inputs in ``test_kernels.py``.

Equations (see ``simcore/kernels/social.py`` and ``walls.py``), Helbing, Farkas & Vicsek 2000,
Nature 407:487, eqs. (1)–(3), with the anisotropy of Helbing & Molnár 1995 on the
socio-psychological term only, pair constants as means, and the sliding-friction impulse of one
step limited to what stops the relative tangential motion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.interpolate import RegularGridInterpolator


def neighbour_pairs(pos: np.ndarray, active: np.ndarray, cutoff: float) -> set[tuple[int, int]]:
    """All pairs i < j of active agents whose centres are closer than ``cutoff`` (brute force)."""
    idx = np.flatnonzero(active)
    p = pos[idx]
    dx = p[:, None, 0] - p[None, :, 0]
    dy = p[:, None, 1] - p[None, :, 1]
    close = dx * dx + dy * dy < cutoff * cutoff
    a, b = np.nonzero(np.triu(close, k=1))
    return {(int(idx[i]), int(idx[j])) for i, j in zip(a, b, strict=True)}


def _clip_friction(ft: np.ndarray, m: np.ndarray, dvt: np.ndarray, dt: float) -> np.ndarray:
    """The friction force, with its impulse over ``dt`` limited to m·|Δv_t| (never reversing)."""
    limit = m * np.abs(dvt) / dt
    return np.clip(ft, -limit, limit)


def pair_force(
    *,
    dx,
    dy,
    dvx,
    dvy,
    r_ij,
    a_i,
    b_i,
    lam_i,
    ex_i,
    ey_i,
    social,
    k_ij,
    kappa_ij,
    m_red,
    dt: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Force on i from j (N), vectorised over any broadcastable arrays.

    dx, dy = x_i − x_j; dvx, dvy = v_j − v_i; e_i the desired direction of i.
    """
    dx, dy = np.asarray(dx, float), np.asarray(dy, float)
    d = np.hypot(dx, dy)
    n = np.stack([dx / d, dy / d])  # n_ij, from j to i
    t = np.stack([-n[1], n[0]])  # t_ij
    g = np.maximum(r_ij - d, 0.0)
    # φ_ij: angle between e_i and the direction from i to j (= −n_ij)
    cos_phi = -(ex_i * n[0] + ey_i * n[1])
    w = lam_i + (1.0 - lam_i) * (1.0 + cos_phi) / 2.0
    social_mag = np.where(social, a_i * np.exp((r_ij - d) / b_i) * w, 0.0)
    dvt = dvx * t[0] + dvy * t[1]
    ft = _clip_friction(kappa_ij * g * dvt, m_red, dvt, dt)
    f = (social_mag + k_ij * g) * n + ft * t
    return f[0], f[1]


def closest_points(p: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closest point (S, 2) of every segment to p, and its parameter t ∈ [0, 1]."""
    a = seg[:, :2]
    u = seg[:, 2:] - a
    t = np.clip(((p - a) * u).sum(axis=1) / (u * u).sum(axis=1), 0.0, 1.0)
    return a + t[:, None] * u, t


def acting_segments(p: np.ndarray, seg, seg_prev, seg_next) -> np.ndarray:
    """(S,) bool: the segments through which the wall pushes p, once per wall feature.

    A feature is the closest point of a segment. An interior closest point pushes. A vertex pushes
    once, and only when it is the closest point of every segment that meets there (otherwise an
    interior point of the other segment is closer and is the contact); it is attributed to the
    segment that starts there (or to its only segment, at a free end).
    """
    _, t = closest_points(p, seg)
    interior = (t > 0.0) & (t < 1.0)
    at_start = t == 0.0
    at_end = t == 1.0
    has_prev = seg_prev >= 0
    prev_ends_here = np.where(has_prev, at_end[np.where(has_prev, seg_prev, 0)], True)
    start_vertex = at_start & prev_ends_here
    free_end = at_end & (seg_next < 0)
    return interior | start_vertex | free_end


def wall_force(
    *,
    p,
    v,
    r: float,
    social: bool,
    a_w: float,
    b_w: float,
    k: float,
    kappa: float,
    mass: float,
    dt: float,
    cutoff: float,
    seg: np.ndarray,
    seg_prev: np.ndarray,
    seg_next: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Total wall force (2,) (N) on an agent at p with velocity v, over all segments, and the
    summed magnitude of its body-compression terms k·g(r − d) (N)."""
    p = np.asarray(p, float)
    v = np.asarray(v, float)
    q, _ = closest_points(p, seg)
    diff = p - q
    d = np.hypot(diff[:, 0], diff[:, 1])
    sel = acting_segments(p, seg, seg_prev, seg_next) & (d < cutoff) & (d > 0.0)
    n = diff[sel] / d[sel, None]
    t = np.stack([-n[:, 1], n[:, 0]], axis=1)
    g = np.maximum(r - d[sel], 0.0)
    rep = a_w * np.exp((r - d[sel]) / b_w) if social else np.zeros(sel.sum())
    vt = t @ v
    ft = _clip_friction(kappa * g * vt, mass, vt, dt)
    f = (rep + k * g)[:, None] * n - ft[:, None] * t
    return f.sum(axis=0), float((k * g).sum())


def direction_interpolators(direction: np.ndarray, x0: float, y0: float, h: float):
    """scipy bilinear interpolators of each exit's direction field, and the grid's bounds."""
    _, ny, nx, _ = direction.shape
    xs = x0 + h * np.arange(nx)
    ys = y0 + h * np.arange(ny)
    interps = [
        RegularGridInterpolator((ys, xs), direction[e].astype(np.float64), method="linear")
        for e in range(direction.shape[0])
    ]
    return interps, (xs[0], xs[-1], ys[0], ys[-1])


def desired_directions(
    direction: np.ndarray, x0: float, y0: float, h: float, pos: np.ndarray, exits: np.ndarray
) -> np.ndarray:
    """Normalised bilinear interpolation of each point's exit field, (0, 0) where it vanishes.

    Points outside the grid take the value at the nearest point of the grid (clamping).
    """
    interps, (xa, xb, ya, yb) = direction_interpolators(direction, x0, y0, h)
    pos = np.atleast_2d(pos)
    out = np.zeros((len(pos), 2))
    for k, (p, e) in enumerate(zip(pos, exits, strict=True)):
        q = [np.clip(p[1], ya, yb), np.clip(p[0], xa, xb)]
        g = interps[int(e)](q)[0]
        norm = np.hypot(g[0], g[1])
        if norm >= 1e-9:
            out[k] = g / norm
    return out


def exit_containing(x: float, y: float, areas, is_open) -> int:
    """Index of the first open exit area containing (x, y) (shapely), or -1."""
    for e, area in enumerate(areas):
        if is_open[e] and shapely.contains_xy(area, x, y):
            return e
    return -1


def crossing_segment(x0: float, y0: float, x1: float, y1: float, seg: np.ndarray) -> int:
    """Lowest index of a wall segment that the closed move segment meets (shapely), or -1."""
    move = (
        shapely.Point(x0, y0) if (x0, y0) == (x1, y1) else shapely.LineString([(x0, y0), (x1, y1)])
    )
    hits = np.flatnonzero(shapely.intersects(move, shapely.linestrings(seg.reshape(-1, 2, 2))))
    return int(hits[0]) if len(hits) else -1


@dataclass
class State:
    """Mutable state of a naive run (copies of the simulation's arrays)."""

    pos: np.ndarray
    vel: np.ndarray
    active: np.ndarray
    evac_time: np.ndarray
    evac_exit: np.ndarray
    edir: np.ndarray
    harmed: np.ndarray
    t_harmed: np.ndarray
    pressure: np.ndarray

    @classmethod
    def of(cls, sim) -> State:
        c = sim.crowd
        return cls(
            pos=c.pos.copy(),
            vel=c.vel.copy(),
            active=c.active.copy(),
            evac_time=c.evac_time.copy(),
            evac_exit=c.evac_exit.copy(),
            edir=sim.desired.copy(),
            harmed=c.harmed.copy(),
            t_harmed=c.t_harmed.copy(),
            pressure=c.pressure.copy(),
        )


def route(state: State, crowd, world, *, t: float, reroute: bool) -> np.ndarray:
    """Desired directions (N, 2), kept in ``state.edir`` between steps.

    A walking agent re-reads its floor field on route steps, and at once when it has no direction
    yet (it just started walking); in between it keeps its direction. A waiting agent has none.
    """
    moving = t >= crowd.t_start
    fresh = desired_directions(
        world.nav.direction, world.nav.x0, world.nav.y0, world.nav.h, state.pos, crowd.target
    )
    stale = state.edir.copy()
    unset = (stale[:, 0] == 0.0) & (stale[:, 1] == 0.0)
    e = np.where((reroute | unset)[:, None], fresh, stale)
    e[~moving] = 0.0
    mobile = state.active & ~state.harmed
    state.edir[mobile] = e[mobile]
    return e


def forces(
    state: State,
    crowd,
    world,
    *,
    t: float,
    dt: float,
    cutoff: float,
    a_wall,
    b_wall,
    reroute: bool,
    crush_tau_s: float,
):
    """Total force (N, 2) on every mobile agent and their desired directions (N, 2).

    Also updates each mobile agent's crush pressure: the body-compression forces on it (from
    agents and walls) summed in magnitude, per circumference 2πr, averaged exponentially over
    ``crush_tau_s`` (Helbing 2000). Injured agents feel nothing: they are fixed obstacles.
    """
    n = crowd.n
    moving = t >= crowd.t_start
    e = route(state, crowd, world, t=t, reroute=reroute)
    f = np.zeros((n, 2))
    vdes = np.where(moving, crowd.v0, 0.0)
    for i in np.flatnonzero(state.active & ~state.harmed):
        f[i] = crowd.mass[i] * (vdes[i] * e[i] - state.vel[i]) / crowd.tau[i]
        compression = 0.0
        d = state.pos[i] - state.pos
        near = state.active & ((d * d).sum(axis=1) < cutoff * cutoff)
        near[i] = False
        j = np.flatnonzero(near)
        if len(j):
            mi, mj = crowd.mass[i], crowd.mass[j]
            r_ij = crowd.radius[i] + crowd.radius[j]
            k_ij = (crowd.k_body[i] + crowd.k_body[j]) / 2.0
            fx, fy = pair_force(
                dx=d[j, 0],
                dy=d[j, 1],
                dvx=state.vel[j, 0] - state.vel[i, 0],
                dvy=state.vel[j, 1] - state.vel[i, 1],
                r_ij=r_ij,
                a_i=crowd.a_soc[i],
                b_i=crowd.b_soc[i],
                lam_i=crowd.lam[i],
                ex_i=e[i, 0],
                ey_i=e[i, 1],
                social=moving[i],
                k_ij=k_ij,
                kappa_ij=(crowd.kappa[i] + crowd.kappa[j]) / 2.0,
                m_red=mi * mj / (mi + mj),
                dt=dt,
            )
            f[i] += [fx.sum(), fy.sum()]
            compression += float((k_ij * np.maximum(r_ij - np.hypot(d[j, 0], d[j, 1]), 0.0)).sum())
        fw, cw = wall_force(
            p=state.pos[i],
            v=state.vel[i],
            r=crowd.radius[i],
            social=bool(moving[i]),
            a_w=a_wall,
            b_w=b_wall,
            k=crowd.k_body[i],
            kappa=crowd.kappa[i],
            mass=crowd.mass[i],
            dt=dt,
            cutoff=world.wall_cutoff_m,
            seg=world.segments,
            seg_prev=world.seg_prev,
            seg_next=world.seg_next,
        )
        f[i] += fw
        now = (compression + cw) / (2.0 * np.pi * crowd.radius[i])
        state.pressure[i] += (now - state.pressure[i]) * min(dt / crush_tau_s, 1.0)
    return f, e


def step(
    state: State,
    crowd,
    world,
    *,
    t: float,
    dt: float,
    cutoff: float,
    a_wall,
    b_wall,
    is_open,
    reroute: bool,
    crush_npm: float,
    crush_tau_s: float,
) -> dict[str, int]:
    """One semi-implicit Euler step of the whole crowd (in place), as documented in integrate.py.

    An agent whose averaged pressure exceeds ``crush_npm`` is injured: it stops where it is for
    good. Others: v ← v + F/m·dt, capped at vmax; x ← x + v·dt unless the move meets a wall, in
    which case only the velocity along that wall is kept and the agent slides if that move is
    free, else stays. An agent whose centre ends inside an open exit area evacuates at t + dt.

    Returns:
        How often the wall guard made an agent slide or stop, and how many agents evacuated or
        were injured.
    """
    f, _ = forces(
        state,
        crowd,
        world,
        t=t,
        dt=dt,
        cutoff=cutoff,
        a_wall=a_wall,
        b_wall=b_wall,
        reroute=reroute,
        crush_tau_s=crush_tau_s,
    )
    seg = world.segments
    counts = {"slid": 0, "stopped": 0, "evacuated": 0, "injured": 0}
    for i in np.flatnonzero(state.active):
        if state.harmed[i]:
            state.vel[i] = 0.0
            continue
        if state.pressure[i] > crush_npm:
            state.harmed[i] = True
            state.t_harmed[i] = t + dt
            state.vel[i] = 0.0
            counts["injured"] += 1
            continue
        v = state.vel[i] + f[i] / crowd.mass[i] * dt
        sp = np.hypot(v[0], v[1])
        if sp > crowd.vmax[i]:
            v = v * (crowd.vmax[i] / sp)
        p0 = state.pos[i].copy()
        p1 = p0 + v * dt
        s = crossing_segment(p0[0], p0[1], p1[0], p1[1], seg)
        if s >= 0:
            u = seg[s, 2:] - seg[s, :2]
            u = u / np.hypot(u[0], u[1])
            v = (v @ u) * u
            p1 = p0 + v * dt
            if crossing_segment(p0[0], p0[1], p1[0], p1[1], seg) >= 0:
                p1 = p0
                v = np.zeros(2)
                counts["stopped"] += 1
            else:
                counts["slid"] += 1
        state.pos[i] = p1
        state.vel[i] = v
        e = exit_containing(p1[0], p1[1], world.exit_areas, is_open)
        if e >= 0:
            state.active[i] = False
            state.evac_time[i] = t + dt
            state.evac_exit[i] = e
            state.vel[i] = 0.0
            counts["evacuated"] += 1
    return counts


def advance(state: State, sim) -> dict[str, int]:
    """One ``Simulation.step(1)`` of ``sim`` (its sub-steps included), on ``state``.

    Covers the engine without threats and without fear (no herding, no flight).

    Returns:
        The summed event counts of :func:`step`.
    """
    assert len(sim.threats.ids) == 0 and not np.any(sim.crowd.fear > 0.0)
    dt = sim.dt_s / sim.substeps
    total = {"slid": 0, "stopped": 0, "evacuated": 0, "injured": 0}
    for k in range(sim.substeps):
        global_step = sim.steps * sim.substeps + k
        counts = step(
            state,
            sim.crowd,
            sim.world,
            t=sim.time_s + k * dt,
            dt=dt,
            cutoff=sim.cutoff_m,
            a_wall=sim.wall_A_N,
            b_wall=sim.wall_B_m,
            is_open=sim.exit_open,
            reroute=global_step % sim.route_every == 0,
            crush_npm=sim.fear.crush_npm,
            crush_tau_s=sim.fear.crush_tau_s,
        )
        for key, value in counts.items():
            total[key] += value
    return total

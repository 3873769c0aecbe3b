"""Threats: motion, line of sight, harm (DESIGN.md §3; shared reference "threat-models" §3.5).

A threat k is described by a row of ``tf`` (float parameters, columns ``TF_*``) and ``ti`` (integer
parameters, ``TI_*``); its mutable state is a row of ``ts`` (``TS_*``). Threats are few, so their
motion and harm run serially; per-agent perception and fear run in parallel (:mod:`.fear`).

Harm models (documented with the scenario format, ``scenarios.threats``):

* knife — every 1/rate s the attacker strikes the nearest unharmed agent within ``reach`` (m)
  with probability ``p0`` (Zhang, Wang & Song 2018: killing range of a sharp instrument);
* firearm — every 1/rate s it fires at the nearest visible unharmed agent within ``r_vis``;
  hit probability p0·exp(−d/d50) (Lu et al. 2020/2021 class of models);
* vehicle — an oriented rectangle (length × width) moving along its path; any agent whose disc
  meets it while it moves faster than ``min_speed`` is a casualty; it stops for good at
  ``stop_s`` along its path (the first barrier rated for its class, found when the scenario is
  built: the hostile-vehicle-mitigation question);
* blast — at ``t_on``, peak overpressure from the Kinney & Graham (1985, "Explosive Shocks in Air",
  eq. for TNT free-air bursts) scaled-distance formula; casualty probability from the Eisenberg
  (1975) lung-haemorrhage probit Y = −77.1 + 6.91 ln(P_s [Pa]) and injury from the eardrum probit
  Y = −15.6 + 1.93 ln(P_s [Pa]) (as tabulated in CCPS 2000, "Guidelines for Chemical Process
  Quantitative Risk Analysis", §2.3.1); P = Φ(Y − 5). Walls do not shield (a conservative
  simplification);
* hazard — a disc of radius r0 + growth·(t − t_on), at most ``rmax`` (fire, smoke, gas); an agent
  inside it for ``dwell`` seconds in total is incapacitated.

Random draws come from :func:`.rng.uniform01`, keyed by (seed, step, threat, agent).
"""

from __future__ import annotations

import math

from numba import njit

from .grid import cell_of
from .rng import uniform01
from .walls import crosses_wall

KNIFE, FIREARM, VEHICLE, BLAST, HAZARD = 0, 1, 2, 3, 4
#: Cause codes of casualties: the threat kinds, then crush.
CRUSH = 5
CAUSES = ("knife", "firearm", "vehicle", "blast", "hazard", "crush")

# float parameters of a threat
TF_T_ON, TF_T_OFF, TF_SPEED, TF_R_VIS, TF_R_AUD, TF_REACH, TF_RATE, TF_P0, TF_D50 = range(9)
TF_LENGTH, TF_WIDTH, TF_MIN_SPEED, TF_CHARGE, TF_R0, TF_GROWTH, TF_RMAX, TF_DWELL = range(9, 17)
TF_INTENSITY, TF_STOP_S = 17, 18
TF_COLUMNS = 19
# integer parameters
TI_KIND, TI_PURSUE, TI_PATH_LO, TI_PATH_HI = range(4)
TI_COLUMNS = 4
# mutable state
TS_X, TS_Y, TS_HX, TS_HY, TS_S, TS_NEXT, TS_DONE, TS_SPEED = range(8)
TS_COLUMNS = 8


@njit(cache=True, nogil=True)
def line_of_sight(x0, y0, x1, y1, wgrid) -> bool:
    """Whether the segment (x0, y0)–(x1, y1) meets no wall.

    ``wgrid`` is the wall grid: (seg, w_start, w_items, wx0, wy0, w_inv_cell, wnx, wny) — segments
    (S, 4), CSR cell lists, origin, inverse cell size, shape (see :class:`simcore.World`).

    Walks the wall grid cells the segment passes through (Amanatides & Woo 1987, "A fast voxel
    traversal algorithm") and tests the segments listed there, so the cost grows with the
    distance, not with the number of walls.
    """
    seg, w_start, w_items, wx0, wy0, w_inv_cell, wnx, wny = wgrid
    cell = 1.0 / w_inv_cell
    cx = min(max(int((x0 - wx0) * w_inv_cell), 0), wnx - 1)
    cy = min(max(int((y0 - wy0) * w_inv_cell), 0), wny - 1)
    ex = min(max(int((x1 - wx0) * w_inv_cell), 0), wnx - 1)
    ey = min(max(int((y1 - wy0) * w_inv_cell), 0), wny - 1)
    dx = x1 - x0
    dy = y1 - y0
    step_x = 1 if dx > 0 else -1
    step_y = 1 if dy > 0 else -1
    inf = 1e300
    if dx != 0.0:
        nxt = wx0 + (cx + (1 if dx > 0 else 0)) * cell
        t_max_x = (nxt - x0) / dx
        t_dx = cell / abs(dx)
    else:
        t_max_x = inf
        t_dx = inf
    if dy != 0.0:
        nyt = wy0 + (cy + (1 if dy > 0 else 0)) * cell
        t_max_y = (nyt - y0) / dy
        t_dy = cell / abs(dy)
    else:
        t_max_y = inf
        t_dy = inf
    for _ in range(wnx + wny + 2):
        c = cy * wnx + cx
        if crosses_wall(x0, y0, x1, y1, seg, w_items, w_start[c], w_start[c + 1]) >= 0:
            return False
        if cx == ex and cy == ey:
            return True
        if t_max_x < t_max_y:
            cx += step_x
            t_max_x += t_dx
        else:
            cy += step_y
            t_max_y += t_dy
        if cx < 0 or cy < 0 or cx >= wnx or cy >= wny:
            return True
    return True


@njit(cache=True, nogil=True)
def _path_point(path, lo, hi, s):
    """Point and unit heading at arc length s along the polyline path[lo:hi] (clamped)."""
    hx = 1.0
    hy = 0.0
    if hi - lo == 1:
        return path[lo, 0], path[lo, 1], hx, hy
    rest = s
    for w in range(lo, hi - 1):
        ax = path[w, 0]
        ay = path[w, 1]
        bx = path[w + 1, 0]
        by = path[w + 1, 1]
        ll = math.sqrt((bx - ax) ** 2 + (by - ay) ** 2)
        if ll <= 0.0:
            continue
        hx = (bx - ax) / ll
        hy = (by - ay) / ll
        if rest <= ll:
            return ax + hx * rest, ay + hy * rest, hx, hy
        rest -= ll
    return path[hi - 1, 0], path[hi - 1, 1], hx, hy


@njit(cache=True, nogil=True)
def is_active(tf, k, t) -> bool:
    """Whether threat k acts at time t."""
    return tf[k, TF_T_ON] <= t < tf[k, TF_T_OFF]


@njit(cache=True, nogil=True)
def _kinney_graham_kpa(z):
    """Peak side-on overpressure ratio P_s/P_0 at scaled distance z (m/kg^(1/3)), TNT free air."""
    num = 808.0 * (1.0 + (z / 4.5) ** 2)
    den = math.sqrt((1.0 + (z / 0.048) ** 2) * (1.0 + (z / 0.32) ** 2) * (1.0 + (z / 1.35) ** 2))
    return num / den


@njit(cache=True, nogil=True)
def _probit_probability(y):
    return 0.5 * (1.0 + math.erf((y - 5.0) / math.sqrt(2.0)))


@njit(cache=True, nogil=True)
def blast_probabilities(d, charge_kg):
    """(casualty probability, injury probability) at distance d (m) from a TNT charge (kg)."""
    z = max(d, 0.05) / charge_kg ** (1.0 / 3.0)
    ps_pa = _kinney_graham_kpa(z) * 101325.0
    lung = _probit_probability(-77.1 + 6.91 * math.log(ps_pa))
    ear = _probit_probability(-15.6 + 1.93 * math.log(ps_pa))
    return lung, max(ear, lung)


@njit(cache=True, nogil=True)
def hazard_radius(tf, k, t):
    """Radius (m) of hazard k at time t."""
    return min(tf[k, TF_R0] + tf[k, TF_GROWTH] * max(t - tf[k, TF_T_ON], 0.0), tf[k, TF_RMAX])


@njit(cache=True, nogil=True)
def _harm(i, k, t, harmed, cause, t_harmed, vel):
    harmed[i] = True
    cause[i] = k
    t_harmed[i] = t
    vel[i, 0] = 0.0
    vel[i, 1] = 0.0


@njit(cache=True, nogil=True)
def _nearest_unharmed(x, y, max_d, need_sight, pos, active, harmed, wgrid):
    """Nearest active, unharmed agent closer than ``max_d`` to (x, y) (in sight if asked):
    (index, distance), index -1 if none. Ties go to the lowest index."""
    best = -1
    best_d = max_d
    for i in range(pos.shape[0]):
        if not active[i] or harmed[i]:
            continue
        d = math.sqrt((pos[i, 0] - x) ** 2 + (pos[i, 1] - y) ** 2)
        if d >= best_d:
            continue
        if need_sight and not line_of_sight(x, y, pos[i, 0], pos[i, 1], wgrid):
            continue
        best = i
        best_d = d
    return best, best_d


@njit(cache=True, nogil=True)
def update_threats(
    tf,
    ti,
    ts,
    path,
    pos,
    vel,
    radius,
    active,
    harmed,
    cause,
    t_harmed,
    hazard_dwell,
    min_dist,
    wgrid,
    seed,
    step,
    t,
    dt,
):
    """Move every active threat by one step and apply its harm (serial; threats are few).

    Args:
        tf, ti, ts: threat parameters and state (see module constants).
        path: (W, 2) waypoints of all threats (rows ti[k, TI_PATH_LO]:ti[k, TI_PATH_HI]).
        pos, vel, radius, active: agent state; harmed (N,) bool, cause (N,) int64 threat index,
            t_harmed (N,) time; hazard_dwell (N,) seconds spent inside hazards; min_dist (N,)
            closest approach to a threat (m), updated here for strikes and for vehicle bodies.
        wgrid: the wall grid (see :func:`line_of_sight`), for sight lines and pursuit moves.
        seed, step: keys of the random draws; t, dt: time and step (s).

    Returns:
        Number of agents harmed in this step.
    """
    seg, w_start, w_items, wx0, wy0, w_inv_cell, wnx, wny = wgrid
    n = pos.shape[0]
    n_harmed = 0
    for k in range(tf.shape[0]):
        if not is_active(tf, k, t):
            continue
        kind = ti[k, TI_KIND]
        speed = tf[k, TF_SPEED]
        x = ts[k, TS_X]
        y = ts[k, TS_Y]
        # --- motion
        if ti[k, TI_PURSUE] == 1 and kind != VEHICLE:
            best, best_d = _nearest_unharmed(
                x, y, tf[k, TF_R_VIS], True, pos, active, harmed, wgrid
            )
            if best >= 0 and best_d > 1e-9:
                hx = (pos[best, 0] - x) / best_d
                hy = (pos[best, 1] - y) / best_d
                move = min(speed * dt, max(best_d - radius[best], 0.0))
                nx = x + hx * move
                ny = y + hy * move
                c = cell_of(x, y, wx0, wy0, w_inv_cell, wnx, wny)
                if crosses_wall(x, y, nx, ny, seg, w_items, w_start[c], w_start[c + 1]) < 0:
                    ts[k, TS_X] = nx
                    ts[k, TS_Y] = ny
                    ts[k, TS_SPEED] = move / dt
                else:
                    ts[k, TS_SPEED] = 0.0
                ts[k, TS_HX] = hx
                ts[k, TS_HY] = hy
            else:
                ts[k, TS_SPEED] = 0.0
        else:
            s_old = ts[k, TS_S]
            s_new = min(s_old + speed * dt, tf[k, TF_STOP_S])
            px, py, hx, hy = _path_point(path, ti[k, TI_PATH_LO], ti[k, TI_PATH_HI], s_new)
            moved = math.sqrt((px - x) ** 2 + (py - y) ** 2)
            ts[k, TS_SPEED] = moved / dt
            ts[k, TS_S] = s_new
            ts[k, TS_X] = px
            ts[k, TS_Y] = py
            ts[k, TS_HX] = hx
            ts[k, TS_HY] = hy
        x = ts[k, TS_X]
        y = ts[k, TS_Y]
        # --- harm
        if kind == KNIFE or kind == FIREARM:
            if t < ts[k, TS_NEXT]:
                continue
            ts[k, TS_NEXT] = t + 1.0 / tf[k, TF_RATE]
            reach = tf[k, TF_REACH] if kind == KNIFE else tf[k, TF_R_VIS]
            best, best_d = _nearest_unharmed(
                x, y, reach, kind == FIREARM, pos, active, harmed, wgrid
            )
            if best >= 0:
                p = tf[k, TF_P0]
                if kind == FIREARM:
                    p *= math.exp(-best_d / tf[k, TF_D50])
                min_dist[best] = min(min_dist[best], best_d)
                if uniform01(seed, step, k, best) < p:
                    _harm(best, k, t, harmed, cause, t_harmed, vel)
                    n_harmed += 1
        elif kind == VEHICLE:
            if ts[k, TS_SPEED] <= tf[k, TF_MIN_SPEED]:
                continue  # (its distance to a standing vehicle is tracked by perception)
            hx = ts[k, TS_HX]
            hy = ts[k, TS_HY]
            half_l = 0.5 * tf[k, TF_LENGTH]
            half_w = 0.5 * tf[k, TF_WIDTH]
            for i in range(n):
                if not active[i] or harmed[i]:
                    continue
                rx = pos[i, 0] - x
                ry = pos[i, 1] - y
                along = rx * hx + ry * hy
                across = -rx * hy + ry * hx
                # distance from the agent's centre to the rectangle
                da = max(abs(along) - half_l, 0.0)
                dc = max(abs(across) - half_w, 0.0)
                body = math.sqrt(da * da + dc * dc)
                if body < min_dist[i]:
                    min_dist[i] = body
                if body < radius[i]:
                    _harm(i, k, t, harmed, cause, t_harmed, vel)
                    n_harmed += 1
        elif kind == BLAST:
            if ts[k, TS_DONE] > 0.0:
                continue
            ts[k, TS_DONE] = 1.0
            for i in range(n):
                if not active[i] or harmed[i]:
                    continue
                d = math.sqrt((pos[i, 0] - x) ** 2 + (pos[i, 1] - y) ** 2)
                p_cas, _p_inj = blast_probabilities(d, tf[k, TF_CHARGE])
                if uniform01(seed, step, k, i) < p_cas:
                    _harm(i, k, t, harmed, cause, t_harmed, vel)
                    n_harmed += 1
        elif kind == HAZARD:
            r = hazard_radius(tf, k, t)
            for i in range(n):
                if not active[i] or harmed[i]:
                    continue
                d = math.sqrt((pos[i, 0] - x) ** 2 + (pos[i, 1] - y) ** 2)
                if d < r:
                    hazard_dwell[i] += dt
                    if hazard_dwell[i] >= tf[k, TF_DWELL]:
                        _harm(i, k, t, harmed, cause, t_harmed, vel)
                        n_harmed += 1
    return n_harmed

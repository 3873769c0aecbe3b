"""One or more social-force steps over the whole crowd: the engine's hot loop.

Equation of motion (Helbing, Farkas & Vicsek 2000, Nature 407:487, eq. 1):

    m_i dv_i/dt = m_i (v_i^0 e_i^0 − v_i)/τ_i + Σ_j f_ij + Σ_W f_iW [+ f_iT]

integrated with semi-implicit (symplectic) Euler: v ← v + a·dt, then x ← x + v·dt. The speed is
capped at v_i^max = max_speed_factor · v_i^0 (Helbing & Molnár 1995, Phys. Rev. E 51:4282, eq. 11).
A move that would cross or touch a wall segment is refused and the velocity component into the
wall removed, so no agent ever leaves the walkable area (a guarantee, not a hope: the soft wall
force alone cannot prevent tunnelling at high pressure).

An agent waiting out its premovement time (t < t_start) has desired velocity zero and feels no
socio-psychological repulsion: it stands where it is and only body contact can move it.

Fear F (see :mod:`.fear`) couples to locomotion as in Helbing 2000 with F in place of the
nervousness: desired speed v0 (1 + F (s_F − 1)), herding weight p = p_max F on the mean desired
direction of the neighbours, and a flee weight w = w_max F towards the direction away from the
perceived threats, scaled by the stimulus: e^0 = N[(1 − w)((1 − p) e_nav + p ⟨e_j⟩) + w e_flee],
w = w_max F min(S_i, 1). When the route leads towards the threat, only the component of e_flee
across the route is kept, so flight bends the route but never cancels it (agents would otherwise
stand still where the two directions balance). A perceived threat also repels with A_T F exp((r_i − d)/B_T) (Helbing 2000's exponential form, range B_T of metres).

Crush injury (Helbing 2000): the body-compression forces k g(r_ij − d_ij) on an agent (from agents
and walls), summed in magnitude and divided by its circumference, are averaged over the time
constant τ_P; above the threshold (1600 N/m) the agent is injured. Harmed agents (crush or
attack) stay where they fall as immobile obstacles.

Every agent's force is summed over its neighbours in cell-list order, and every loop writes only its
own agent's entries, so the result does not depend on the number of threads. Arguments come in
tuples (see :class:`simcore.Simulation` for their contents).
"""

from __future__ import annotations

import math

from numba import njit, prange

from .exits import exit_containing
from .fear import (
    FP_CRUSH_NPM,
    FP_CRUSH_TAU,
    FP_FLEE,
    FP_HERD,
    FP_SPEED,
    FP_THREAT_A,
    FP_THREAT_B,
    perceive,
)
from .grid import build_cell_list, cell_of
from .navigation import desired_direction
from .social import pair_force
from .threats import TS_X, TS_Y, is_active, update_threats
from .walls import crosses_wall, wall_force

#: Cause code of a crush injury in ``cause`` (threat casualties carry the threat's index).
CAUSE_CRUSH = -2


@njit(cache=True, parallel=True, nogil=True)
def advance(state, const, grid, walls, nav, exits, threat, control, t0, step0, n_steps):
    """Advance the crowd by up to ``n_steps`` steps from time ``t0`` (global step ``step0``).

    Tuples (float64 unless noted; N agents):
        state: pos (N, 2), vel (N, 2), active (N,) bool, evac_time (N,), evac_exit (N,) int64,
            edir (N, 2) desired directions, s_edir (N, 2) scratch (last step's directions in
            cell order, for herding), acc (N, 2) scratch,
            harmed (N,) bool, cause (N,) int64, t_harmed (N,), pressure (N,) N/m averaged,
            fear (N,), fear_new (N,) scratch, flee (N, 2), t_perceive (N,), exposure (N,) s,
            min_dist (N,) m, hazard_dwell (N,) s, t_start (N,) s, target (N,) int64.
        const: radius, v0, tau, mass, a_soc, b_soc, lam, k_body, kappa, max_speed_factor,
            openness, group (int64), population (int64).
        grid: agent_cell, cell_start, cell_order (int64 scratch), gx0, gy0, inv_cell, gnx, gny,
            cutoff (m), and scratch copies in cell order: s_pos (N, 2), s_vel (N, 2), s_body
            (N, 4) radius, mass, k, κ, s_harmed (N,) bool. The neighbour loop reads these
            contiguous copies, so a cell's agents are adjacent in memory (as in molecular
            dynamics codes), which keeps the cost per agent flat as N grows.
        walls: seg (S, 4), seg_prev, seg_next, w_start, w_items, wx0, wy0, w_inv_cell, wnx, wny,
            a_wall (N), b_wall (m), wall_cutoff (m).
        nav: direction (E, ny, nx, 2) float32, travel (E, ny, nx) float32, x0, y0, inv_h.
        exits: bbox (R, 4), ring_start (R + 1,), ring (V, 2), ring_exit (R,) int64 (rings of
            the exit areas' parts), is_open (E,) bool, exit_near (wnx·wny,) bool,
            allowed (P, E) bool.
        threat: tf, ti, ts, path (see :mod:`.threats`), fp (see :mod:`.fear`).
        control: dt (s), route_every, perceive_every (steps), seed, fear_on (bool).

    Returns:
        Number of steps done: fewer than ``n_steps`` only when no agent can move any more.
    """
    (pos, vel, active, evac_time, evac_exit, edir, s_edir, acc, harmed, cause, t_harmed,
     pressure, fear, fear_new, flee, t_perceive, exposure, min_dist, hazard_dwell, t_start,
     target) = state  # fmt: skip
    (radius, v0, tau, mass, a_soc, b_soc, lam, k_body, kappa, speed_factor, openness, group,
     population) = const  # fmt: skip
    (agent_cell, cell_start, cell_order, gx0, gy0, inv_cell, gnx, gny, cutoff, s_pos, s_vel,
     s_body, s_harmed) = grid  # fmt: skip
    (seg, seg_prev, seg_next, w_start, w_items, wx0, wy0, w_inv_cell, wnx, wny, a_wall, b_wall,
     wall_cutoff) = walls  # fmt: skip
    nav_dir, travel, nav_x0, nav_y0, nav_inv_h = nav
    ex_bbox, ex_ring_start, ex_ring, ex_ring_exit, ex_open, exit_near, allowed = exits
    tf, ti, ts, path, fp = threat
    dt, route_every, perceive_every, seed, fear_on = control
    n_threat = tf.shape[0]
    wgrid = (seg, w_start, w_items, wx0, wy0, w_inv_cell, wnx, wny)
    for step in range(n_steps):
        t = t0 + step * dt
        gstep = step0 + step
        n_active = build_cell_list(
            pos, active, gx0, gy0, inv_cell, gnx, gny, agent_cell, cell_start, cell_order
        )
        if n_active == 0:
            return step
        if n_threat > 0:
            update_threats(
                tf, ti, ts, path, pos, vel, radius, active, harmed, cause, t_harmed,
                hazard_dwell, min_dist, wgrid, seed, gstep, t, dt,
            )  # fmt: skip
            if gstep % perceive_every == 0:
                perceive(
                    tf, ti, ts, fp, pos, radius, active, harmed, fear, fear_new, flee,
                    t_perceive, exposure, min_dist, t_start, target, openness, group,
                    population, allowed, ex_open, agent_cell, cell_start, cell_order, n_active,
                    gnx, gny, 1.0 / inv_cell, wgrid, nav_dir, travel, nav_x0, nav_y0, nav_inv_h, t,
                    dt * perceive_every,
                )  # fmt: skip
                for q in prange(n_active):
                    i = cell_order[q]
                    fear[i] = fear_new[i]
        herding = fear_on and fp[FP_HERD] > 0.0
        for q in prange(n_active):
            i = cell_order[q]
            s_pos[q, 0] = pos[i, 0]
            s_pos[q, 1] = pos[i, 1]
            s_vel[q, 0] = vel[i, 0]
            s_vel[q, 1] = vel[i, 1]
            s_body[q, 0] = radius[i]
            s_body[q, 1] = mass[i]
            s_body[q, 2] = k_body[i]
            s_body[q, 3] = kappa[i]
            s_harmed[q] = harmed[i]
            if herding:
                s_edir[q, 0] = edir[i, 0]
                s_edir[q, 1] = edir[i, 1]
        reroute = gstep % route_every == 0
        # visit agents in cell order: neighbours, walls and floor-field nodes of consecutive
        # agents are then close in memory (the agents' own order is arbitrary)
        for q_i in prange(n_active):
            i = cell_order[q_i]
            if harmed[i]:
                acc[i, 0] = 0.0
                acc[i, 1] = 0.0
                continue
            xi = pos[i, 0]
            yi = pos[i, 1]
            vxi = vel[i, 0]
            vyi = vel[i, 1]
            mi = mass[i]
            ri = radius[i]
            fi = fear[i]
            moving = t >= t_start[i]
            ex = 0.0
            ey = 0.0
            if moving:
                if reroute or herding or (edir[i, 0] == 0.0 and edir[i, 1] == 0.0):
                    ex, ey = desired_direction(
                        xi, yi, nav_dir, target[i], nav_x0, nav_y0, nav_inv_h
                    )
                else:
                    ex = edir[i, 0]
                    ey = edir[i, 1]
            vdes = v0[i] * (1.0 + fi * (fp[FP_SPEED] - 1.0)) if moving else 0.0
            c = agent_cell[i]
            cx = c % gnx
            cy = c // gnx
            fx = 0.0
            fy = 0.0
            hx = 0.0
            hy = 0.0
            compression = 0.0
            k_i = k_body[i]
            kappa_i = kappa[i]
            a_i = a_soc[i]
            b_i = b_soc[i]
            lam_i = lam[i]
            for ny_ in range(max(cy - 1, 0), min(cy + 2, gny)):
                for nx_ in range(max(cx - 1, 0), min(cx + 2, gnx)):
                    cc = ny_ * gnx + nx_
                    for q in range(cell_start[cc], cell_start[cc + 1]):
                        if q == q_i:
                            continue
                        dx = xi - s_pos[q, 0]
                        dy = yi - s_pos[q, 1]
                        d2 = dx * dx + dy * dy
                        if d2 >= cutoff * cutoff:
                            continue
                        d = math.sqrt(d2)
                        if d < 1e-12:
                            # coincident centres: push apart along x, by index order
                            d = 1e-12
                            dx = d if i < cell_order[q] else -d
                            dy = 0.0
                        if herding and not s_harmed[q]:
                            hx += s_edir[q, 0]
                            hy += s_edir[q, 1]
                        mj = s_body[q, 1]
                        r_ij = ri + s_body[q, 0]
                        k_ij = 0.5 * (k_i + s_body[q, 2])
                        if r_ij > d:
                            compression += k_ij * (r_ij - d)
                        gx, gy = pair_force(
                            dx, dy, d, s_vel[q, 0] - vxi, s_vel[q, 1] - vyi, r_ij, a_i, b_i,
                            lam_i, ex, ey, moving, k_ij, 0.5 * (kappa_i + s_body[q, 3]),
                            mi * mj / (mi + mj), dt,
                        )  # fmt: skip
                        fx += gx
                        fy += gy
            if moving and fi > 0.0:
                p = fp[FP_HERD] * fi
                hn = math.sqrt(hx * hx + hy * hy)
                if hn > 1e-9 and p > 0.0:
                    ex = (1.0 - p) * ex + p * hx / hn
                    ey = (1.0 - p) * ey + p * hy / hn
                    en = math.sqrt(ex * ex + ey * ey)
                    if en > 1e-9:
                        ex /= en
                        ey /= en
                fl = math.sqrt(flee[i, 0] ** 2 + flee[i, 1] ** 2)
                w = fp[FP_FLEE] * fi * fl
                if w > 0.0:
                    ux = flee[i, 0] / fl
                    uy = flee[i, 1] / fl
                    back = ux * ex + uy * ey
                    if back < 0.0:
                        # the way out leads past the threat: keep only the sideways part of the
                        # flight, so people swerve around it instead of stopping dead
                        ux -= back * ex
                        uy -= back * ey
                    ex = (1.0 - w) * ex + w * ux
                    ey = (1.0 - w) * ey + w * uy
                en = math.sqrt(ex * ex + ey * ey)
                if en > 1e-9:
                    ex /= en
                    ey /= en
            edir[i, 0] = ex
            edir[i, 1] = ey
            fx += mi * (vdes * ex - vxi) / tau[i]
            fy += mi * (vdes * ey - vyi) / tau[i]
            if n_threat > 0 and fi > 0.0 and (flee[i, 0] != 0.0 or flee[i, 1] != 0.0):
                for k in range(n_threat):
                    if not is_active(tf, k, t):
                        continue
                    dx = xi - ts[k, TS_X]
                    dy = yi - ts[k, TS_Y]
                    d = math.sqrt(dx * dx + dy * dy)
                    if d > 1e-9:
                        rep = fp[FP_THREAT_A] * fi * math.exp((ri - d) / fp[FP_THREAT_B])
                        fx += rep * dx / d
                        fy += rep * dy / d
            wc = cell_of(xi, yi, wx0, wy0, w_inv_cell, wnx, wny)
            gx = 0.0
            gy = 0.0
            if w_start[wc + 1] > w_start[wc]:
                gx, gy, gc = wall_force(
                    xi, yi, vxi, vyi, ri, moving, a_wall, b_wall, k_i, kappa_i, mi, dt,
                    wall_cutoff, seg, seg_prev, seg_next, w_items, w_start[wc], w_start[wc + 1],
                )  # fmt: skip
                compression += gc
            acc[i, 0] = (fx + gx) / mi
            acc[i, 1] = (fy + gy) / mi
            # crush: compression per circumference, exponentially averaged over τ_P
            p_now = compression / (2.0 * math.pi * ri)
            pressure[i] += (p_now - pressure[i]) * min(dt / fp[FP_CRUSH_TAU], 1.0)
        for q_i in prange(n_active):
            i = cell_order[q_i]
            if harmed[i]:
                vel[i, 0] = 0.0
                vel[i, 1] = 0.0
                continue
            if pressure[i] > fp[FP_CRUSH_NPM]:
                harmed[i] = True
                cause[i] = CAUSE_CRUSH
                t_harmed[i] = t + dt
                vel[i, 0] = 0.0
                vel[i, 1] = 0.0
                continue
            vx = vel[i, 0] + acc[i, 0] * dt
            vy = vel[i, 1] + acc[i, 1] * dt
            vcap = speed_factor[i] * v0[i] * (1.0 + fear[i] * (fp[FP_SPEED] - 1.0))
            sp = math.sqrt(vx * vx + vy * vy)
            if sp > vcap:
                vx *= vcap / sp
                vy *= vcap / sp
            x0 = pos[i, 0]
            y0 = pos[i, 1]
            x1 = x0 + vx * dt
            y1 = y0 + vy * dt
            wc = cell_of(x0, y0, wx0, wy0, w_inv_cell, wnx, wny)
            s = -1
            if w_start[wc + 1] > w_start[wc]:
                s = crosses_wall(x0, y0, x1, y1, seg, w_items, w_start[wc], w_start[wc + 1])
            if s >= 0:
                # refuse the move; keep only the velocity component along the wall
                ux = seg[s, 2] - seg[s, 0]
                uy = seg[s, 3] - seg[s, 1]
                ll = math.sqrt(ux * ux + uy * uy)
                if ll > 0.0:
                    ux /= ll
                    uy /= ll
                    vt = vx * ux + vy * uy
                    vx = vt * ux
                    vy = vt * uy
                else:
                    vx = 0.0
                    vy = 0.0
                # slide along the wall if that move is free, else stay
                x1 = x0 + vx * dt
                y1 = y0 + vy * dt
                if crosses_wall(x0, y0, x1, y1, seg, w_items, w_start[wc], w_start[wc + 1]) >= 0:
                    x1 = x0
                    y1 = y0
                    vx = 0.0
                    vy = 0.0
            pos[i, 0] = x1
            pos[i, 1] = y1
            vel[i, 0] = vx
            vel[i, 1] = vy
            if not exit_near[wc]:
                continue
            e = exit_containing(x1, y1, ex_bbox, ex_ring_start, ex_ring, ex_ring_exit, ex_open)
            if e >= 0:
                active[i] = False
                evac_time[i] = t + dt
                evac_exit[i] = e
                vel[i, 0] = 0.0
                vel[i, 1] = 0.0
    return n_steps
